
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_METRICS_H_INCLUDED_
#define _NGX_EDA_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_observe.h"


/*
 * Counters kept per worker in a shared memory zone, so the Prometheus
 * location can read every worker's figures, and they survive a reload.
 */

typedef enum {
    NGX_EDA_M_PUBLISHED = 0,       /* accepted by the producer */
    NGX_EDA_M_ACKED,               /* acknowledged by the broker */
    NGX_EDA_M_FAILED_DOWN,         /* refused: all brokers down */
    NGX_EDA_M_FAILED_QUEUE_FULL,   /* refused: producer queue full */
    NGX_EDA_M_FAILED_TIMEOUT,      /* delivery timed out */
    NGX_EDA_M_FAILED_OTHER,        /* any other failure */
    NGX_EDA_M_FAILED_PURGED,       /* still queued at a worker's exit */
    NGX_EDA_M_REJECTED,            /* invalid requests (4xx) */
    NGX_EDA_M_EMIT_FAILED,         /* tapped responses not published */
    NGX_EDA_M_REDIS_ERRORS,        /* Redis commands failed/timed out */
    NGX_EDA_M_OTEL_EXPORTED,       /* spans the collector accepted */
    NGX_EDA_M_OTEL_DROP_QUEUE_FULL,    /* spans dropped, by reason */
    NGX_EDA_M_OTEL_DROP_COLLECTOR,
    NGX_EDA_M_OTEL_DROP_TIMEOUT,
    NGX_EDA_M_OTEL_DROP_EXIT,
    NGX_EDA_M_JWT_CACHE_HIT,       /* tokens found in the shared cache */
    NGX_EDA_M_JWT_CACHE_MISS,      /* tokens verified */
    NGX_EDA_M_JWT_REJECTED,        /* 401/403 answers */
    NGX_EDA_M_WS_CONNECTIONS,      /* gauge: open WebSocket clients */
    NGX_EDA_M_WS_DELIVERED,        /* frames queued to clients */
    NGX_EDA_M_WS_SLOW_CLOSED,      /* clients closed for being too slow */
    NGX_EDA_M_QUEUE_DEPTH,         /* gauge: messages in the producer */
    NGX_EDA_M_SAGA_STARTED,        /* saga transitions, by status */
    NGX_EDA_M_SAGA_RUNNING,
    NGX_EDA_M_SAGA_RETRYING,
    NGX_EDA_M_SAGA_COMPENSATING,
    NGX_EDA_M_SAGA_COMPLETED,
    NGX_EDA_M_SAGA_COMPENSATED,
    NGX_EDA_M_SAGA_FAILED,
    NGX_EDA_M_SAGA_RESENT,         /* outbox records sent again */
    NGX_EDA_M_SAGA_REJECTED,       /* replies bound to no command */
    NGX_EDA_M_CLIENTS_WS,          /* gauges: open clients by protocol */
    NGX_EDA_M_CLIENTS_SSE,
    NGX_EDA_M_CLIENTS_SIO,
    NGX_EDA_M_SERIES_DROPPED,      /* samples a full table had no room for */
    NGX_EDA_M_REDIS_STATE,         /* NGX_EDA_REDIS_GONE, _UP, _DOWN */
    NGX_EDA_M_LAST
} ngx_eda_metric_e;


#define NGX_EDA_LATENCY_BUCKETS  13
#define NGX_EDA_METRICS_SLOTS    64


struct ngx_eda_metrics_slot_s {
    ngx_atomic_t   value[NGX_EDA_M_LAST];
    ngx_atomic_t   latency[NGX_EDA_LATENCY_BUCKETS + 1];   /* + +Inf */
    ngx_atomic_t   latency_sum_ms;

    /* librdkafka's statistics, by ngx_eda_kafka_role_e */
    ngx_atomic_t   brokers[NGX_EDA_KAFKA_ROLES];
    ngx_atomic_t   brokers_up[NGX_EDA_KAFKA_ROLES];
    ngx_atomic_t   brokers_until[NGX_EDA_KAFKA_ROLES];     /* time_t */
};


/*
 * Labelled series whose label values come from the configuration (a
 * location's eda_metrics_name, saga and step names): a fixed table in the
 * zone, an entry made the first time a series counts, never removed.
 * Counters are shared by every process (atomic adds).  A full table takes
 * no new series: their samples are counted in eda_metrics_dropped_total.
 */

#define NGX_EDA_SERIES           512
#define NGX_EDA_SERIES_KEY       128    /* label values, NUL-separated */
#define NGX_EDA_SERIES_VALUES    16

typedef enum {
    NGX_EDA_SERIES_LOCATION = 1,   /* name: 1xx .. 5xx */
    NGX_EDA_SERIES_SAGA,           /* saga: dead letters */
    NGX_EDA_SERIES_STEP,           /* saga, step: retries, timeouts */
    NGX_EDA_SERIES_SAGA_DURATION   /* saga, outcome: buckets, +Inf, sum */
} ngx_eda_series_kind_e;

#define NGX_EDA_SAGA_BUCKETS     12

typedef struct {
    ngx_atomic_t   ready;
    ngx_uint_t     kind;
    size_t         key_len;
    u_char         key[NGX_EDA_SERIES_KEY];
    ngx_atomic_t   value[NGX_EDA_SERIES_VALUES];
} ngx_eda_metrics_series_t;


/*
 * Consumer lag by client role, topic and partition: a gauge each process
 * sets for itself (a worker's fan-out consumer reads every partition), so
 * a value per slot, believed until its time runs out.
 */

#define NGX_EDA_LAGS             256
#define NGX_EDA_TOPIC_MAX        249    /* Kafka's limit */

typedef struct {
    ngx_atomic_t   ready;
    ngx_uint_t     role;
    int32_t        partition;
    size_t         topic_len;
    u_char         topic[NGX_EDA_TOPIC_MAX];
    int64_t        lag[NGX_EDA_METRICS_SLOTS];
    time_t         until[NGX_EDA_METRICS_SLOTS];
} ngx_eda_metrics_lag_t;


typedef struct {
    ngx_eda_metrics_slot_t     slot[NGX_EDA_METRICS_SLOTS];
    ngx_eda_metrics_series_t   series[NGX_EDA_SERIES];
    ngx_eda_metrics_lag_t      lag[NGX_EDA_LAGS];
} ngx_eda_metrics_shm_t;


extern const ngx_msec_t  ngx_eda_latency_bounds[NGX_EDA_LATENCY_BUCKETS];
extern const ngx_msec_t  ngx_eda_saga_bounds[NGX_EDA_SAGA_BUCKETS];


/* TAG: the module owning the zone, the same on every reload */
ngx_int_t ngx_eda_metrics_add_zone(ngx_conf_t *cf,
    ngx_eda_main_conf_t *emcf, void *tag);
void ngx_eda_metrics_init_process(ngx_eda_main_conf_t *emcf);

void ngx_eda_metrics_count(ngx_eda_main_conf_t *emcf, ngx_eda_metric_e m,
    ngx_atomic_int_t n);
void ngx_eda_metrics_set(ngx_eda_main_conf_t *emcf, ngx_eda_metric_e m,
    ngx_atomic_uint_t v);
void ngx_eda_metrics_latency(ngx_eda_main_conf_t *emcf, ngx_msec_t ms);

/* every slot, for the exposition: NULL without the zone */
ngx_eda_metrics_slot_t *ngx_eda_metrics_slots(ngx_eda_main_conf_t *emcf,
    ngx_uint_t *n);
ngx_eda_metrics_shm_t *ngx_eda_metrics_shared(ngx_eda_main_conf_t *emcf);

/* the series KIND of KEY, made if new; NULL: no zone, or the table full */
ngx_eda_metrics_series_t *ngx_eda_metrics_series(ngx_eda_main_conf_t *emcf,
    ngx_uint_t kind, u_char *key, size_t len);
void ngx_eda_metrics_series_add(ngx_eda_metrics_series_t *s, ngx_uint_t i,
    ngx_atomic_int_t n);
void ngx_eda_metrics_saga_duration(ngx_eda_metrics_series_t *s,
    ngx_msec_t ms);

void ngx_eda_metrics_brokers(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
    ngx_uint_t known, ngx_uint_t up, time_t until);
void ngx_eda_metrics_lag(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
    const char *topic, int32_t partition, int64_t lag, time_t until);


#endif /* _NGX_EDA_METRICS_H_INCLUDED_ */
