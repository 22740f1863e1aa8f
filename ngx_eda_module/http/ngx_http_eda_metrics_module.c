
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


/* eda_metrics_name: a location's label, and its series once found */
typedef struct {
    ngx_str_t                   name;      /* len 0: not counted */
    ngx_eda_metrics_series_t   *series;
    ngx_uint_t                  looked;
} ngx_http_eda_metrics_loc_conf_t;


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
static u_char *ngx_http_eda_metrics_label(u_char *p, u_char *last,
    const char *name, u_char *value, size_t len);
static u_char *ngx_http_eda_metrics_clients(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots);
static u_char *ngx_http_eda_metrics_brokers(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots);
static u_char *ngx_http_eda_metrics_lags(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm);
static u_char *ngx_http_eda_metrics_requests(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm);
static u_char *ngx_http_eda_metrics_pair(u_char *p, u_char *last,
    ngx_eda_metrics_series_t *s, const char *first, const char *second);
static u_char *ngx_http_eda_metrics_labelled(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm, ngx_uint_t kind, const char *name,
    const char *second, ngx_uint_t v);
static u_char *ngx_http_eda_metrics_sagas(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm);
static u_char *ngx_http_eda_metrics_durations(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm);
static size_t ngx_http_eda_metrics_size(ngx_eda_metrics_shm_t *shm);
static ngx_int_t ngx_http_eda_metrics_log(ngx_http_request_t *r);
static void *ngx_http_eda_metrics_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_metrics_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_eda_metrics_name(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_eda_metrics_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_eda_metrics_init_process(ngx_cycle_t *cycle);
static void ngx_http_eda_metrics_produced(ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_refusal_e rc);
static void ngx_http_eda_metrics_delivered(ngx_eda_main_conf_t *emcf,
    ngx_int_t err);
static void ngx_http_eda_metrics_queued(ngx_eda_main_conf_t *emcf,
    ngx_uint_t n);
static void ngx_http_eda_metrics_redis_failed(ngx_eda_main_conf_t *emcf);
static void ngx_http_eda_metrics_redis_state(ngx_eda_main_conf_t *emcf,
    ngx_uint_t state);
static u_char *ngx_http_eda_metrics_redis(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots);
static void ngx_http_eda_metrics_brokers_seen(ngx_eda_main_conf_t *emcf,
    ngx_uint_t role, ngx_uint_t known, ngx_uint_t up, time_t until);
static void ngx_http_eda_metrics_lag_seen(ngx_eda_main_conf_t *emcf,
    ngx_uint_t role, const char *topic, int32_t partition, int64_t lag,
    time_t until);


static ngx_command_t  ngx_http_eda_metrics_commands[] = {

    { ngx_string("eda_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_eda_metrics,
      0,
      0,
      NULL },

    { ngx_string("eda_metrics_name"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_metrics_name,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_metrics_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_eda_metrics_postconfiguration, /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_metrics_create_loc_conf,  /* create location configuration */
    ngx_http_eda_metrics_merge_loc_conf    /* merge location configuration */
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
    ngx_http_eda_metrics_redis_failed,
    ngx_http_eda_metrics_redis_state
};


static ngx_eda_stats_hooks_t  ngx_http_eda_metrics_stats_hooks = {
    ngx_http_eda_metrics_brokers_seen,
    ngx_http_eda_metrics_lag_seen
};


/* label values of ngx_eda_kafka_role_e */
static const char  *ngx_http_eda_metrics_roles[NGX_EDA_KAFKA_ROLES] = {
    NULL, "producer", "fanout", "saga"
};


static const char  *ngx_http_eda_metrics_classes[] = {
    "1xx", "2xx", "3xx", "4xx", "5xx"
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
    { NGX_EDA_M_FAILED_PURGED, "eda_events_failed_total",
      "reason=\"purged_at_exit\"", NULL, NULL },

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

    { NGX_EDA_M_SERIES_DROPPED, "eda_metrics_dropped_total", NULL,
      "counter", "Samples of labelled series the metrics zone had no room "
      "for (its series or consumer lag table is full)." },

    { NGX_EDA_M_LAST, NULL, NULL, NULL, NULL }
};


static ngx_int_t
ngx_http_eda_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_buf_t               *b;
    ngx_uint_t               nslots;
    ngx_eda_main_conf_t     *emcf;
    ngx_eda_metrics_shm_t   *shm;
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

    shm = ngx_eda_metrics_shared(emcf);

    b = ngx_create_temp_buf(r->pool, ngx_http_eda_metrics_size(shm));
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_http_eda_metrics_counters(b->last, b->end, slots, nslots);
    b->last = ngx_http_eda_metrics_clients(b->last, b->end, slots, nslots);
    b->last = ngx_http_eda_metrics_brokers(b->last, b->end, slots, nslots);
    b->last = ngx_http_eda_metrics_redis(b->last, b->end, slots, nslots);
    b->last = ngx_http_eda_metrics_lags(b->last, b->end, shm);
    b->last = ngx_http_eda_metrics_requests(b->last, b->end, shm);
    b->last = ngx_http_eda_metrics_sagas(b->last, b->end, shm);
    b->last = ngx_http_eda_metrics_durations(b->last, b->end, shm);
    b->last = ngx_http_eda_metrics_histogram(b->last, b->end, slots, nslots);

    if (b->last == b->end) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "eda: the metrics exposition did not fit its buffer");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

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


/*
 * The publish ack latency histogram, cumulative as Prometheus wants, in
 * seconds (counted in milliseconds).  It was eda_delivery_latency_ms
 * before, a name Prometheus' conventions (and promtool) refuse.
 */

static u_char *
ngx_http_eda_metrics_histogram(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots)
{
    ngx_uint_t         i, n;
    ngx_atomic_uint_t  cumulative, sum;

    p = ngx_slprintf(p, last,
                     "# HELP eda_publish_ack_duration_seconds Time from "
                     "producing an event to its delivery report, for "
                     "requests that wait.\n"
                     "# TYPE eda_publish_ack_duration_seconds histogram\n");

    cumulative = 0;
    sum = 0;

    for (i = 0; i <= NGX_EDA_LATENCY_BUCKETS; i++) {

        for (n = 0; n < nslots; n++) {
            cumulative += slots[n].latency[i];
        }

        if (i < NGX_EDA_LATENCY_BUCKETS) {
            p = ngx_slprintf(p, last,
                             "eda_publish_ack_duration_seconds_bucket"
                             "{le=\"%M.%03M\"} %uA\n",
                             ngx_eda_latency_bounds[i] / 1000,
                             ngx_eda_latency_bounds[i] % 1000, cumulative);
        } else {
            p = ngx_slprintf(p, last,
                             "eda_publish_ack_duration_seconds_bucket"
                             "{le=\"+Inf\"} %uA\n", cumulative);
        }
    }

    for (n = 0; n < nslots; n++) {
        sum += slots[n].latency_sum_ms;
    }

    p = ngx_slprintf(p, last,
                     "eda_publish_ack_duration_seconds_sum %uA.%03uA\n"
                     "eda_publish_ack_duration_seconds_count %uA\n",
                     sum / 1000, sum % 1000, cumulative);

    return p;
}


/* NAME="VALUE", the value escaped as the text format wants */

static u_char *
ngx_http_eda_metrics_label(u_char *p, u_char *last, const char *name,
    u_char *value, size_t len)
{
    size_t  i;

    p = ngx_slprintf(p, last, "%s=\"", name);

    for (i = 0; i < len && p < last; i++) {

        switch (value[i]) {

        case '\\':
            p = ngx_slprintf(p, last, "\\\\");
            break;

        case '"':
            p = ngx_slprintf(p, last, "\\\"");
            break;

        case '\n':
            p = ngx_slprintf(p, last, "\\n");
            break;

        default:
            *p++ = value[i];
        }
    }

    return ngx_slprintf(p, last, "\"");
}


static u_char *
ngx_http_eda_metrics_clients(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots)
{
    ngx_uint_t         i, n;
    ngx_atomic_uint_t  value;

    static const char  *protocols[] = { "websocket", "sse", "socketio" };

    p = ngx_slprintf(p, last,
                     "# HELP eda_clients Open eda_subscribe clients, by "
                     "protocol.\n# TYPE eda_clients gauge\n");

    for (i = 0; i < 3; i++) {
        value = 0;

        for (n = 0; n < nslots; n++) {
            value += slots[n].value[NGX_EDA_M_CLIENTS_WS + i];
        }

        p = ngx_slprintf(p, last, "eda_clients{protocol=\"%s\"} %uA\n",
                         protocols[i], value);
    }

    return p;
}


/*
 * Per client role, over the processes whose statistics are fresh: the
 * most brokers any of them knows, and the fewest any of them is connected
 * to (one process cut off from Kafka is trouble).
 */

static u_char *
ngx_http_eda_metrics_brokers(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots)
{
    time_t             now;
    ngx_uint_t         role, n, seen[NGX_EDA_KAFKA_ROLES];
    ngx_atomic_uint_t  fresh, known[NGX_EDA_KAFKA_ROLES];
    ngx_atomic_uint_t  up[NGX_EDA_KAFKA_ROLES];

    now = ngx_time();

    for (role = 1; role < NGX_EDA_KAFKA_ROLES; role++) {
        known[role] = 0;
        up[role] = 0;
        seen[role] = 0;

        for (n = 0; n < nslots; n++) {
            if ((time_t) slots[n].brokers_until[role] < now) {
                continue;
            }

            fresh = slots[n].brokers_up[role];

            if (slots[n].brokers[role] > known[role]) {
                known[role] = slots[n].brokers[role];
            }

            if (!seen[role] || fresh < up[role]) {
                up[role] = fresh;
            }

            seen[role] = 1;
        }
    }

    p = ngx_slprintf(p, last,
                     "# HELP eda_kafka_brokers Kafka brokers known from "
                     "metadata, by client (the most any process knows).\n"
                     "# TYPE eda_kafka_brokers gauge\n");

    for (role = 1; role < NGX_EDA_KAFKA_ROLES; role++) {
        if (seen[role]) {
            p = ngx_slprintf(p, last, "eda_kafka_brokers{client=\"%s\"} "
                             "%uA\n", ngx_http_eda_metrics_roles[role],
                             known[role]);
        }
    }

    p = ngx_slprintf(p, last,
                     "# HELP eda_kafka_brokers_up Kafka brokers connected, "
                     "by client (the fewest any process has).\n"
                     "# TYPE eda_kafka_brokers_up gauge\n");

    for (role = 1; role < NGX_EDA_KAFKA_ROLES; role++) {
        if (seen[role]) {
            p = ngx_slprintf(p, last, "eda_kafka_brokers_up{client=\"%s\"} "
                             "%uA\n", ngx_http_eda_metrics_roles[role],
                             up[role]);
        }
    }

    return p;
}


/* the processes whose Redis connection is up, and those reconnecting */

static u_char *
ngx_http_eda_metrics_redis(u_char *p, u_char *last,
    ngx_eda_metrics_slot_t *slots, ngx_uint_t nslots)
{
    ngx_uint_t  n, up, down;

    up = 0;
    down = 0;

    for (n = 0; n < nslots; n++) {
        switch (slots[n].value[NGX_EDA_M_REDIS_STATE]) {

        case NGX_EDA_REDIS_UP:
            up++;
            break;

        case NGX_EDA_REDIS_DOWN:
            down++;
            break;
        }
    }

    return ngx_slprintf(p, last,
                        "# HELP eda_redis_connections Processes whose "
                        "Redis connection is up or down (reconnecting).\n"
                        "# TYPE eda_redis_connections gauge\n"
                        "eda_redis_connections{state=\"up\"} %ui\n"
                        "eda_redis_connections{state=\"down\"} %ui\n",
                        up, down);
}


/* the largest lag any process with fresh statistics has, per partition */

static u_char *
ngx_http_eda_metrics_lags(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm)
{
    time_t                  now;
    int64_t                 lag;
    ngx_uint_t              i, n, seen;
    ngx_eda_metrics_lag_t  *l;

    now = ngx_time();

    p = ngx_slprintf(p, last,
                     "# HELP eda_kafka_consumer_lag Records not yet "
                     "consumed, by consumer, topic and partition (the "
                     "largest of the processes reading it).\n"
                     "# TYPE eda_kafka_consumer_lag gauge\n");

    for (i = 0; i < NGX_EDA_LAGS; i++) {
        l = &shm->lag[i];

        if (!l->ready) {
            break;
        }

        lag = 0;
        seen = 0;

        for (n = 0; n < NGX_EDA_METRICS_SLOTS; n++) {
            if (l->until[n] >= now && (!seen || l->lag[n] > lag)) {
                lag = l->lag[n];
                seen = 1;
            }
        }

        if (!seen || l->role >= NGX_EDA_KAFKA_ROLES || l->role == 0) {
            continue;
        }

        p = ngx_slprintf(p, last,
                         "eda_kafka_consumer_lag{consumer=\"%s\",",
                         ngx_http_eda_metrics_roles[l->role]);
        p = ngx_http_eda_metrics_label(p, last, "topic", l->topic,
                                       l->topic_len);
        p = ngx_slprintf(p, last, ",partition=\"%D\"} %L\n", l->partition,
                         lag);
    }

    return p;
}


static u_char *
ngx_http_eda_metrics_requests(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm)
{
    ngx_uint_t                 i, c;
    ngx_eda_metrics_series_t  *s;

    p = ngx_slprintf(p, last,
                     "# HELP eda_http_requests_total Requests answered, by "
                     "eda_metrics_name and status class.\n"
                     "# TYPE eda_http_requests_total counter\n");

    for (i = 0; i < NGX_EDA_SERIES && shm->series[i].ready; i++) {
        s = &shm->series[i];

        if (s->kind != NGX_EDA_SERIES_LOCATION) {
            continue;
        }

        for (c = 0; c < 5; c++) {
            p = ngx_slprintf(p, last, "eda_http_requests_total{");
            p = ngx_http_eda_metrics_label(p, last, "location", s->key,
                                           s->key_len);
            p = ngx_slprintf(p, last, ",class=\"%s\"} %uA\n",
                             ngx_http_eda_metrics_classes[c], s->value[c]);
        }
    }

    return p;
}


/* a series' key: label values separated by NULs */

static u_char *
ngx_http_eda_metrics_pair(u_char *p, u_char *last,
    ngx_eda_metrics_series_t *s, const char *first, const char *second)
{
    u_char  *nul;

    nul = ngx_strlchr(s->key, s->key + s->key_len, '\0');
    if (nul == NULL) {
        nul = s->key + s->key_len;
    }

    p = ngx_http_eda_metrics_label(p, last, first, s->key, nul - s->key);

    if (second != NULL && nul < s->key + s->key_len) {
        p = ngx_slprintf(p, last, ",");
        p = ngx_http_eda_metrics_label(p, last, second, nul + 1,
                                       s->key + s->key_len - nul - 1);
    }

    return p;
}


/*
 * The samples of a labelled counter NAME: value V of each series of
 * KIND, labelled "saga" (and SECOND, when not NULL) from its key
 */

static u_char *
ngx_http_eda_metrics_labelled(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm, ngx_uint_t kind, const char *name,
    const char *second, ngx_uint_t v)
{
    ngx_uint_t                 i;
    ngx_eda_metrics_series_t  *s;

    for (i = 0; i < NGX_EDA_SERIES && shm->series[i].ready; i++) {
        s = &shm->series[i];

        if (s->kind == kind) {
            p = ngx_slprintf(p, last, "%s{", name);
            p = ngx_http_eda_metrics_pair(p, last, s, "saga", second);
            p = ngx_slprintf(p, last, "} %uA\n", s->value[v]);
        }
    }

    return p;
}


static u_char *
ngx_http_eda_metrics_sagas(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm)
{
    ngx_uint_t  v;

    static const char  *step[] = {
        "# HELP eda_saga_step_retries_total Saga step commands sent again "
        "(after a failure reply or a timeout), by saga and step.\n"
        "# TYPE eda_saga_step_retries_total counter\n",
        "# HELP eda_saga_step_timeouts_total Saga step commands whose reply "
        "did not come in time, by saga and step.\n"
        "# TYPE eda_saga_step_timeouts_total counter\n"
    };

    static const char  *step_name[] = {
        "eda_saga_step_retries_total", "eda_saga_step_timeouts_total"
    };

    p = ngx_slprintf(p, last,
                     "# HELP eda_saga_dead_letters_total Saga dead letters "
                     "written, by saga.\n"
                     "# TYPE eda_saga_dead_letters_total counter\n");
    p = ngx_http_eda_metrics_labelled(p, last, shm, NGX_EDA_SERIES_SAGA,
                                      "eda_saga_dead_letters_total", NULL, 0);

    for (v = 0; v < 2; v++) {
        p = ngx_slprintf(p, last, "%s", step[v]);
        p = ngx_http_eda_metrics_labelled(p, last, shm, NGX_EDA_SERIES_STEP,
                                          step_name[v], "step", v);
    }

    return p;
}


static u_char *
ngx_http_eda_metrics_durations(u_char *p, u_char *last,
    ngx_eda_metrics_shm_t *shm)
{
    ngx_uint_t                 i, b;
    ngx_atomic_uint_t          cumulative, sum;
    ngx_eda_metrics_series_t  *s;

    p = ngx_slprintf(p, last,
                     "# HELP eda_saga_duration_seconds Time from a saga's "
                     "start to its end, by saga and outcome.\n"
                     "# TYPE eda_saga_duration_seconds histogram\n");

    for (i = 0; i < NGX_EDA_SERIES && shm->series[i].ready; i++) {
        s = &shm->series[i];

        if (s->kind != NGX_EDA_SERIES_SAGA_DURATION) {
            continue;
        }

        cumulative = 0;

        for (b = 0; b <= NGX_EDA_SAGA_BUCKETS; b++) {
            cumulative += s->value[b];

            p = ngx_slprintf(p, last, "eda_saga_duration_seconds_bucket{");
            p = ngx_http_eda_metrics_pair(p, last, s, "saga", "outcome");

            if (b < NGX_EDA_SAGA_BUCKETS) {
                p = ngx_slprintf(p, last, ",le=\"%M.%03M\"} %uA\n",
                                 ngx_eda_saga_bounds[b] / 1000,
                                 ngx_eda_saga_bounds[b] % 1000, cumulative);

            } else {
                p = ngx_slprintf(p, last, ",le=\"+Inf\"} %uA\n",
                                 cumulative);
            }
        }

        sum = s->value[NGX_EDA_SAGA_BUCKETS + 1];

        p = ngx_slprintf(p, last, "eda_saga_duration_seconds_sum{");
        p = ngx_http_eda_metrics_pair(p, last, s, "saga", "outcome");
        p = ngx_slprintf(p, last, "} %uA.%03uA\n", sum / 1000, sum % 1000);

        p = ngx_slprintf(p, last, "eda_saga_duration_seconds_count{");
        p = ngx_http_eda_metrics_pair(p, last, s, "saga", "outcome");
        p = ngx_slprintf(p, last, "} %uA\n", cumulative);
    }

    return p;
}


/*
 * Room for the fixed part and for every line a series and a lag entry
 * can make, with each label value escaped at twice its length.
 */

static size_t
ngx_http_eda_metrics_size(ngx_eda_metrics_shm_t *shm)
{
    size_t       size;
    ngx_uint_t   i;

    size = NGX_HTTP_EDA_METRICS_MAX;

    for (i = 0; i < NGX_EDA_SERIES && shm->series[i].ready; i++) {
        size += (NGX_EDA_SAGA_BUCKETS + 3) * (96 + 2 * shm->series[i].key_len);
    }

    for (i = 0; i < NGX_EDA_LAGS && shm->lag[i].ready; i++) {
        size += 96 + 2 * shm->lag[i].topic_len;
    }

    return size;
}


/* the log phase: a location with eda_metrics_name counts its answers */

static ngx_int_t
ngx_http_eda_metrics_log(ngx_http_request_t *r)
{
    ngx_uint_t                        status;
    ngx_eda_main_conf_t              *emcf;
    ngx_http_eda_metrics_loc_conf_t  *mlcf;

    mlcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_metrics_module);

    if (mlcf->name.len == 0 || r != r->main) {
        return NGX_OK;
    }

    status = r->headers_out.status;

    if (status < 100 || status > 599) {
        return NGX_OK;
    }

    /* found once per process: entries never move */

    if (!mlcf->looked) {
        emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);
        mlcf->series = ngx_eda_metrics_series(emcf, NGX_EDA_SERIES_LOCATION,
                                              mlcf->name.data,
                                              mlcf->name.len);
        mlcf->looked = 1;
    }

    if (mlcf->series == NULL) {
        emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);
        ngx_eda_metrics_count(emcf, NGX_EDA_M_SERIES_DROPPED, 1);
        return NGX_OK;
    }

    ngx_eda_metrics_series_add(mlcf->series, status / 100 - 1, 1);

    return NGX_OK;
}


static void *
ngx_http_eda_metrics_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_metrics_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_metrics_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* name.data NULL: unset */

    return conf;
}


static char *
ngx_http_eda_metrics_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_eda_metrics_loc_conf_t  *prev = parent;
    ngx_http_eda_metrics_loc_conf_t  *conf = child;

    if (conf->name.data == NULL) {
        conf->name = prev->name;
    }

    return NGX_CONF_OK;
}


/*
 * The label is the operator's, from a bounded set (the configuration):
 * never a request's value.  "off" stops an inherited one.
 */

static char *
ngx_http_eda_metrics_name(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_metrics_loc_conf_t  *mlcf = conf;

    size_t      i;
    ngx_str_t  *value;

    if (mlcf->name.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&mlcf->name, "");
        return NGX_CONF_OK;
    }

    if (value[1].len == 0 || value[1].len > NGX_EDA_SERIES_KEY) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be 1 to %d bytes: \"%V\"",
                           &cmd->name, NGX_EDA_SERIES_KEY, &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] < 0x20 || value[1].data[i] == 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" may not hold control characters: "
                               "\"%V\"", &cmd->name, &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    mlcf->name = value[1];

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_eda_metrics_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_eda_metrics_log;

    return NGX_OK;
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
    emcf->stats_hooks = &ngx_http_eda_metrics_stats_hooks;

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

    } else if (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE
               || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    {
        m = NGX_EDA_M_FAILED_PURGED;

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


static void
ngx_http_eda_metrics_brokers_seen(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
    ngx_uint_t known, ngx_uint_t up, time_t until)
{
    ngx_eda_metrics_brokers(emcf, role, known, up, until);
}


static void
ngx_http_eda_metrics_lag_seen(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
    const char *topic, int32_t partition, int64_t lag, time_t until)
{
    ngx_eda_metrics_lag(emcf, role, topic, partition, lag, until);
}


static void
ngx_http_eda_metrics_redis_state(ngx_eda_main_conf_t *emcf, ngx_uint_t state)
{
    ngx_eda_metrics_set(emcf, NGX_EDA_M_REDIS_STATE, state);
}
