
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_METRICS_H_INCLUDED_
#define _NGX_EDA_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"


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
    NGX_EDA_M_LAST
} ngx_eda_metric_e;


#define NGX_EDA_LATENCY_BUCKETS  13


struct ngx_eda_metrics_slot_s {
    ngx_atomic_t   value[NGX_EDA_M_LAST];
    ngx_atomic_t   latency[NGX_EDA_LATENCY_BUCKETS + 1];   /* + +Inf */
    ngx_atomic_t   latency_sum_ms;
};


extern const ngx_msec_t  ngx_eda_latency_bounds[NGX_EDA_LATENCY_BUCKETS];


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


#endif /* _NGX_EDA_METRICS_H_INCLUDED_ */
