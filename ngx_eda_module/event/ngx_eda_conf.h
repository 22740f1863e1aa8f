
/*
 * Copyright (C) ngx_eda authors
 *
 * The main configuration every part of ngx_eda shares: the Kafka cluster
 * and its librdkafka properties, the Redis server, what the features ask
 * of a worker, and the per-process singletons hanging off it.  No HTTP
 * type: the adapters and the saga coordinator use it as they are.
 */


#ifndef _NGX_EDA_CONF_H_INCLUDED_
#define _NGX_EDA_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_str_t              addr;        /* host:port or unix:/path */
    ngx_str_t              password;
    ngx_int_t              db;
    ngx_str_t              db_str;
    ngx_msec_t             timeout;
    ngx_str_t              prefix;      /* key prefix, default "eda:" */

    /* resolved at configuration time: an IP address or a socket path */
    ngx_str_t              host;        /* NUL-terminated */
    in_port_t              port;        /* 0: unix socket */
} ngx_eda_redis_conf_t;


typedef struct ngx_eda_metrics_slot_s  ngx_eda_metrics_slot_t;
typedef struct ngx_eda_kafka_hooks_s   ngx_eda_kafka_hooks_t;
typedef struct ngx_eda_redis_hooks_s   ngx_eda_redis_hooks_t;
typedef struct ngx_eda_stats_hooks_s   ngx_eda_stats_hooks_t;
typedef struct ngx_eda_otel_hooks_s    ngx_eda_otel_hooks_t;


typedef struct {
    ngx_str_t                kafka_brokers;
    ngx_array_t             *kafka_props;   /* ngx_keyval_t */
    ngx_eda_redis_conf_t    *redis;         /* NULL without eda_redis */
    ngx_msec_t               delivery_timeout;
    ngx_msec_t               exit_flush;    /* eda_kafka_exit_flush */

    /* set by the features that use Redis: a worker then connects */
    unsigned                 redis_used:1;

    /* set by the features that produce: a worker then starts a producer */
    unsigned                 kafka_producer:1;
    unsigned                 kafka_consumer:1;   /* eda_subscribe */
    ngx_str_t                producer_user;  /* the first such directive */
    ngx_str_t                producer_file;
    ngx_uint_t               producer_line;

    ngx_array_t             *consume_topics; /* ngx_str_t, for fan-out */

    void                    *kafka_check;   /* rd_kafka_conf_t, checking */

    /* the locations the content directives claim, applied at the end */
    ngx_array_t             *content;       /* of http/ngx_http_eda_content */
    ngx_shm_zone_t          *metrics_zone;

    /* eda_otel_exporter: ngx_eda_otel_conf_t, NULL without it */
    void                    *otel;

    /* per-worker state, set in init_process */
    void                    *producer;      /* ngx_eda_kafka_producer_t */
    void                    *redis_state;   /* ngx_eda_redis_t */
    void                    *consumer;      /* ngx_eda_kafka_consumer_t */
    u_char                  *random;        /* bytes not handed out yet */
    size_t                   random_left;
    ngx_eda_metrics_slot_t  *metrics;
    unsigned                 metrics_full_logged:1;
    void                    *otel_state;    /* ngx_eda_otel_t, at 1st span */

    /* what the adapters report to, set in init_process; NULL: nobody */
    ngx_eda_kafka_hooks_t   *kafka_hooks;   /* the producer's */
    ngx_eda_redis_hooks_t   *redis_hooks;
    ngx_eda_stats_hooks_t   *stats_hooks;   /* librdkafka's statistics */
    ngx_eda_otel_hooks_t    *otel_hooks;
} ngx_eda_main_conf_t;


#endif /* _NGX_EDA_CONF_H_INCLUDED_ */
