
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_metrics: the Prometheus text exposition of the counters every worker
 * keeps in the eda_metrics shared zone, summed over the workers (past and
 * present: the zone outlives reloads, so counters only grow).  Also what
 * the Kafka producer and the Redis connection report, counted here: the
 * adapters know nothing of metrics.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_content.h"


#define NGX_HTTP_EDA_METRICS_MAX  16384


typedef struct {
    ngx_eda_metric_e   metric;
    const char        *name;
    const char        *labels;
    const char        *type;
    const char        *help;
} ngx_http_eda_metric_desc_t;


static ngx_int_t ngx_http_eda_metrics_handler(ngx_http_request_t *r);
static u_char *ngx_http_eda_metrics_counters(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots);
static u_char *ngx_http_eda_metrics_histogram(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots);
static char *ngx_http_eda_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_eda_metrics_init_process(ngx_cycle_t *cycle);
static void ngx_http_eda_metrics_produced(ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_refusal_e rc);
static void ngx_http_eda_metrics_delivered(ngx_eda_main_conf_t *emcf,
    ngx_int_t err);
static void ngx_http_eda_metrics_queued(ngx_eda_main_conf_t *emcf,
    ngx_uint_t n);
static void ngx_http_eda_metrics_redis_failed(ngx_eda_main_conf_t *emcf);


static ngx_command_t  ngx_http_eda_metrics_commands[] = {

    { ngx_string("eda_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_eda_metrics,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_metrics_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_eda_metrics_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_metrics_module_ctx,      /* module context */
    ngx_http_eda_metrics_commands,         /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_eda_metrics_init_process,     /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_eda_kafka_hooks_t  ngx_http_eda_metrics_kafka_hooks = {
    ngx_http_eda_metrics_produced,
    ngx_http_eda_metrics_delivered,
    ngx_eda_metrics_latency,
    ngx_http_eda_metrics_queued
};


static ngx_eda_redis_hooks_t  ngx_http_eda_metrics_redis_hooks = {
    ngx_http_eda_metrics_redis_failed
};


/* one line per metric and label set; a name's HELP and TYPE come first */

static ngx_http_eda_metric_desc_t  ngx_http_eda_metric_descs[] = {

    { NGX_EDA_M_PUBLISHED, "eda_events_published_total", NULL, "counter",
      "Events accepted by the Kafka producers." },

    { NGX_EDA_M_ACKED, "eda_events_acked_total", NULL, "counter",
      "Events acknowledged by Kafka." },

    { NGX_EDA_M_FAILED_DOWN, "eda_events_failed_total",
      "reason=\"brokers_down\"", "counter",
      "Events not published, by reason." },
    { NGX_EDA_M_FAILED_QUEUE_FULL, "eda_events_failed_total",
      "reason=\"queue_full\"", NULL, NULL },
    { NGX_EDA_M_FAILED_TIMEOUT, "eda_events_failed_total",
      "reason=\"timeout\"", NULL, NULL },
    { NGX_EDA_M_FAILED_OTHER, "eda_events_failed_total",
      "reason=\"other\"", NULL, NULL },

    { NGX_EDA_M_REJECTED, "eda_requests_rejected_total", NULL, "counter",
      "Publishing requests refused as invalid (4xx)." },

    { NGX_EDA_M_EMIT_FAILED, "eda_emit_failed_total", NULL, "counter",
      "Tapped responses that could not be published." },

    { NGX_EDA_M_QUEUE_DEPTH, "eda_producer_queue_depth", NULL, "gauge",
      "Messages waiting in the workers' Kafka producers." },

    { NGX_EDA_M_REDIS_ERRORS, "eda_redis_errors_total", NULL, "counter",
      "Redis commands that failed or timed out." },

    { NGX_EDA_M_OTEL_EXPORTED, "eda_otel_spans_exported_total", NULL,
      "counter", "Spans the OTLP collector accepted." },

    { NGX_EDA_M_OTEL_DROP_QUEUE_FULL, "eda_otel_spans_dropped_total",
      "reason=\"queue_full\"", "counter",
      "Spans not exported, by reason." },
    { NGX_EDA_M_OTEL_DROP_COLLECTOR, "eda_otel_spans_dropped_total",
      "reason=\"collector_error\"", NULL, NULL },
    { NGX_EDA_M_OTEL_DROP_TIMEOUT, "eda_otel_spans_dropped_total",
      "reason=\"timeout\"", NULL, NULL },
    { NGX_EDA_M_OTEL_DROP_EXIT, "eda_otel_spans_dropped_total",
      "reason=\"exit\"", NULL, NULL },

    { NGX_EDA_M_JWT_CACHE_HIT, "eda_jwt_cache_total", "result=\"hit\"",
      "counter", "JWT lookups in the shared-memory cache." },
    { NGX_EDA_M_JWT_CACHE_MISS, "eda_jwt_cache_total", "result=\"miss\"",
      NULL, NULL },

    { NGX_EDA_M_JWT_REJECTED, "eda_jwt_rejected_total", NULL, "counter",
      "Requests refused by JWT validation (401/403)." },

    { NGX_EDA_M_WS_CONNECTIONS, "eda_ws_connections", NULL, "gauge",
      "Open WebSocket subscriptions." },

    { NGX_EDA_M_WS_DELIVERED, "eda_ws_deliveries_total", NULL, "counter",
      "Events queued to WebSocket clients." },

    { NGX_EDA_M_WS_SLOW_CLOSED, "eda_ws_slow_closed_total", NULL, "counter",
      "WebSocket clients closed because their send buffer overflowed." },

    { NGX_EDA_M_SAGA_STARTED, "eda_saga_transitions_total",
      "status=\"started\"", "counter",
      "Saga instances entering a status (the coordinator's)." },
    { NGX_EDA_M_SAGA_RUNNING, "eda_saga_transitions_total",
      "status=\"running\"", NULL, NULL },
    { NGX_EDA_M_SAGA_RETRYING, "eda_saga_transitions_total",
      "status=\"retrying\"", NULL, NULL },
    { NGX_EDA_M_SAGA_COMPENSATING, "eda_saga_transitions_total",
      "status=\"compensating\"", NULL, NULL },
    { NGX_EDA_M_SAGA_COMPLETED, "eda_saga_transitions_total",
      "status=\"completed\"", NULL, NULL },
    { NGX_EDA_M_SAGA_COMPENSATED, "eda_saga_transitions_total",
      "status=\"compensated\"", NULL, NULL },
    { NGX_EDA_M_SAGA_FAILED, "eda_saga_transitions_total",
      "status=\"failed\"", NULL, NULL },

    { NGX_EDA_M_SAGA_RESENT, "eda_saga_outbox_resent_total", NULL,
      "counter", "Saga records sent again from an outbox (a coordinator "
      "died or Kafka refused)." },

    { NGX_EDA_M_SAGA_REJECTED, "eda_saga_replies_rejected_total", NULL,
      "counter", "Saga replies ignored: not on the reply topic of a "
      "command of their step, or without that command's id." },

    { NGX_EDA_M_LAST, NULL, NULL, NULL, NULL }
};


static ngx_int_t
ngx_http_eda_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_buf_t               *b;
    ngx_uint_t               nslots;
    ngx_eda_main_conf_t     *emcf;
    ngx_eda_metrics_slot_t  *slots;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    slots = ngx_eda_metrics_slots(emcf, &nslots);
    if (slots == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    b = ngx_create_temp_buf(r->pool, NGX_HTTP_EDA_METRICS_MAX);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_http_eda_metrics_counters(b->last, b->end, slots, nslots);
    b->last = ngx_http_eda_metrics_histogram(b->last, b->end, slots, nslots);

    return ngx_http_eda_send(r, NGX_HTTP_OK,
                             "text/plain; version=0.0.4; charset=utf-8", b);
}


static u_char *
ngx_http_eda_metrics_counters(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots)
{
    ngx_uint_t                   n;
    ngx_atomic_uint_t            value;
    ngx_http_eda_metric_desc_t  *d;

    for (d = ngx_http_eda_metric_descs; d->name != NULL; d++) {

        value = 0;

        for (n = 0; n < nslots; n++) {
            value += slots[n].value[d->metric];
        }

        if (d->help != NULL) {
            p = ngx_slprintf(p, last, "# HELP %s %s\n# TYPE %s %s\n",
                             d->name, d->help, d->name, d->type);
        }

        if (d->labels != NULL) {
            p = ngx_slprintf(p, last, "%s{%s} %uA\n", d->name, d->labels,
                             value);

        } else {
            p = ngx_slprintf(p, last, "%s %uA\n", d->name, value);
        }
    }

    return p;
}


/* the delivery latency histogram, cumulative as Prometheus wants */

static u_char *
ngx_http_eda_metrics_histogram(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots)
{
    ngx_uint_t         i, n;
    ngx_atomic_uint_t  cumulative, sum;

    p = ngx_slprintf(p, last,
                     "# HELP eda_delivery_latency_ms Time from producing an "
                     "event to its delivery report, for requests that "
                     "wait.\n# TYPE eda_delivery_latency_ms histogram\n");

    cumulative = 0;
    sum = 0;

    for (i = 0; i <= NGX_EDA_LATENCY_BUCKETS; i++) {

        for (n = 0; n < nslots; n++) {
            cumulative += slots[n].latency[i];
        }

        if (i < NGX_EDA_LATENCY_BUCKETS) {
            p = ngx_slprintf(p, last,
                             "eda_delivery_latency_ms_bucket{le=\"%M\"} %uA\n",
                             ngx_eda_latency_bounds[i], cumulative);
        } else {
            p = ngx_slprintf(p, last,
                             "eda_delivery_latency_ms_bucket{le=\"+Inf\"} "
                             "%uA\n", cumulative);
        }
    }

    for (n = 0; n < nslots; n++) {
        sum += slots[n].latency_sum_ms;
    }

    p = ngx_slprintf(p, last, "eda_delivery_latency_ms_sum %uA\n"
                     "eda_delivery_latency_ms_count %uA\n", sum, cumulative);

    return p;
}


static char *
ngx_http_eda_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_eda_claim_content(cf, cmd,
                                      ngx_http_eda_metrics_handler);
}


/*
 * Every process the adapters run in counts: the workers, and the saga
 * coordinator, whose producer and Redis connection start after this.
 */

static ngx_int_t
ngx_http_eda_metrics_init_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);
    if (emcf == NULL) {
        return NGX_OK;
    }

    emcf->kafka_hooks = &ngx_http_eda_metrics_kafka_hooks;
    emcf->redis_hooks = &ngx_http_eda_metrics_redis_hooks;

    return NGX_OK;
}


static void
ngx_http_eda_metrics_produced(ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_refusal_e rc)
{
    ngx_eda_metric_e  m;

    switch (rc) {

    case NGX_EDA_KAFKA_OK:
        m = NGX_EDA_M_PUBLISHED;
        break;

    case NGX_EDA_KAFKA_BROKERS_DOWN:
        m = NGX_EDA_M_FAILED_DOWN;
        break;

    case NGX_EDA_KAFKA_QUEUE_FULL:
        m = NGX_EDA_M_FAILED_QUEUE_FULL;
        break;

    default:
        m = NGX_EDA_M_FAILED_OTHER;
        break;
    }

    ngx_eda_metrics_count(emcf, m, 1);
}


static void
ngx_http_eda_metrics_delivered(ngx_eda_main_conf_t *emcf, ngx_int_t err)
{
    ngx_eda_metric_e  m;

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        m = NGX_EDA_M_ACKED;

    } else if (err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) {
        m = NGX_EDA_M_FAILED_TIMEOUT;

    } else {
        m = NGX_EDA_M_FAILED_OTHER;
    }

    ngx_eda_metrics_count(emcf, m, 1);
}


static void
ngx_http_eda_metrics_queued(ngx_eda_main_conf_t *emcf, ngx_uint_t n)
{
    ngx_eda_metrics_set(emcf, NGX_EDA_M_QUEUE_DEPTH, n);
}


static void
ngx_http_eda_metrics_redis_failed(ngx_eda_main_conf_t *emcf)
{
    ngx_eda_metrics_count(emcf, NGX_EDA_M_REDIS_ERRORS, 1);
}
