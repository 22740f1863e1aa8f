
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_publish: the request becomes one CloudEvent on a Kafka topic.  The
 * body is read without blocking, the event the client sent (a plain
 * request, a CloudEvent in HTTP binary mode, or one in structured mode:
 * ngx_http_eda_client_event.c) is put under the location's eda_ce_*
 * settings (ngx_http_eda_event.c), produced by the worker's producer, and
 * answered with 202 once the broker acknowledged it (or once it is queued,
 * with eda_publish_wait off).  The module also keeps those settings for
 * the other producers of events.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_client_event.h"
#include "ngx_http_eda_event_conf.h"
#include "ngx_http_eda_event.h"
#include "ngx_http_eda_publish_module.h"
#include "ngx_http_eda_content.h"
#include "ngx_http_eda_trace.h"
#include "ngx_eda_otel.h"


/* Retry-After when Kafka cannot take the event */
#define NGX_HTTP_EDA_RETRY_QUEUE     1
#define NGX_HTTP_EDA_RETRY_DOWN      5

/* the request's own timer outlives librdkafka's delivery timeout */
#define NGX_HTTP_EDA_TIMER_SLACK     5000


typedef struct {
    ngx_str_t                   topic;         /* NUL-terminated */
    ngx_http_eda_event_conf_t   event;         /* eda_ce_*, eda_kafka_* */
    ngx_flag_t                  wait;
    off_t                       max_body;      /* client_max_body_size */
} ngx_http_eda_publish_loc_conf_t;


typedef struct {
    ngx_http_request_t         *request;
    ngx_str_t                   id;
    ngx_str_t                   topic;
    ngx_eda_kafka_dr_t         *dr;
    ngx_event_t                 timer;
    ngx_eda_ce_parsed_t        *parsed;        /* structured input */
    ngx_int_t                   dr_err;
    int32_t                     partition;
    int64_t                     offset;
    off_t                       received;
    unsigned                    too_large:1;
    unsigned                    waiting:1;
    unsigned                    done:1;
} ngx_http_eda_publish_ctx_t;


static ngx_int_t ngx_http_eda_publish_handler(ngx_http_request_t *r);
static void ngx_http_eda_publish_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_publish_record(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, ngx_http_eda_problem_t *pb,
    ngx_eda_kafka_msg_t *msg);
static ngx_int_t ngx_http_eda_publish_refused(ngx_http_request_t *r,
    ngx_eda_kafka_refusal_e refusal);
static void ngx_http_eda_publish_span(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, const char *error);
static void ngx_http_eda_publish_wait(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, ngx_eda_main_conf_t *emcf);
static ngx_int_t ngx_http_eda_publish_event(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, ngx_str_t *body, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb);
static void ngx_http_eda_publish_delivered(ngx_eda_kafka_dr_t *dr);
static void ngx_http_eda_publish_timeout(ngx_event_t *ev);
static void ngx_http_eda_publish_cleanup(void *data);
static ngx_int_t ngx_http_eda_publish_accepted(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx);

static ngx_int_t ngx_http_eda_publish_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_eda_publish_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_eda_publish_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_eda_event_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void *ngx_http_eda_publish_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_publish_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_eda_publish(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/*
 * Besides eda_publish, the settings of every event the gateway makes
 * (ngx_http_eda_event_conf.c): nginx gives a module one directive table.
 */

static ngx_command_t  ngx_http_eda_publish_commands[] = {

    { ngx_string("eda_publish"),
      NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_publish,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_ce_type"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_type),
      NULL },

    { ngx_string("eda_ce_source"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_source),
      NULL },

    { ngx_string("eda_ce_subject"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_subject),
      NULL },

    { ngx_string("eda_ce_id"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_id),
      NULL },

    { ngx_string("eda_ce_dataschema"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_dataschema),
      NULL },

    { ngx_string("eda_ce_extension"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_eda_event_extension,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_extensions),
      NULL },

    { ngx_string("eda_ce_mode"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_event_ce_mode,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.ce_mode),
      NULL },

    { ngx_string("eda_ce_client_attributes"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_event_client_attributes,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.client_attrs),
      NULL },

    { ngx_string("eda_kafka_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.kafka_key),
      NULL },

    { ngx_string("eda_kafka_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_eda_event_kafka_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, event.kafka_headers),
      NULL },

    { ngx_string("eda_publish_wait"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_publish_loc_conf_t, wait),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_publish_module_ctx = {
    ngx_http_eda_publish_add_variables,    /* preconfiguration */
    ngx_http_eda_publish_init,             /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_publish_create_loc_conf,  /* create location configuration */
    ngx_http_eda_publish_merge_loc_conf    /* merge location configuration */
};


ngx_module_t  ngx_http_eda_publish_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_publish_module_ctx,      /* module context */
    ngx_http_eda_publish_commands,         /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_eda_event_id_name = ngx_string("eda_event_id");

static ngx_http_request_body_filter_pt  ngx_http_eda_next_body_filter;


static ngx_int_t
ngx_http_eda_publish_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_str_t                        *ct;
    ngx_pool_cleanup_t               *cln;
    ngx_http_eda_publish_ctx_t       *ctx;
    ngx_http_eda_publish_loc_conf_t  *plcf;

    if (r->method != NGX_HTTP_POST) {
        return ngx_http_eda_not_allowed(r, "POST",
                                        "eda_publish accepts POST only");
    }

    /*
     * client_max_body_size is enforced here rather than by nginx, so the
     * answer is a problem document and not nginx's error page (see the
     * merge function); chunked bodies are counted by the body filter.
     */

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);

    if (plcf->max_body && r->headers_in.content_length_n > plcf->max_body) {
        return ngx_http_eda_problem(r,
                                    NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                    "the body exceeds "
                                    "client_max_body_size", 0);
    }

    if (r->headers_in.content_type != NULL) {
        ct = &r->headers_in.content_type->value;

        if (ngx_http_eda_media_type_is(ct, "application/cloudevents-batch",
                                 sizeof("application/cloudevents-batch") - 1))
        {
            return ngx_http_eda_problem(r,
                                    NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                    "batched CloudEvents are not supported: "
                                    "send one event per request", 0);
        }

        if (ngx_http_eda_media_type_is(ct, "application/cloudevents",
                                       sizeof("application/cloudevents") - 1)
            && !ngx_http_eda_media_type_is(ct,
                                 "application/cloudevents+json",
                                 sizeof("application/cloudevents+json") - 1))
        {
            return ngx_http_eda_problem(r,
                                    NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                    "structured CloudEvents must use the "
                                    "JSON event format", 0);
        }
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_publish_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ngx_http_set_ctx(r, ctx, ngx_http_eda_publish_module);

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_eda_publish_cleanup;
    cln->data = ctx;

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_eda_publish_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_eda_publish_body(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_eda_main_conf_t              *emcf;
    ngx_eda_kafka_msg_t               msg;
    ngx_http_eda_problem_t            pb;
    ngx_eda_kafka_refusal_e           refusal;
    ngx_http_eda_publish_ctx_t       *ctx;
    ngx_http_eda_publish_loc_conf_t  *plcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_publish_module);
    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);
    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (r->request_body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (ctx->too_large) {
        ngx_eda_metrics_count(emcf, NGX_EDA_M_REJECTED, 1);
        r->keepalive = 0;
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                 "the body exceeds client_max_body_size",
                                 0));
        return;
    }

    ngx_memzero(&pb, sizeof(ngx_http_eda_problem_t));
    ngx_memzero(&msg, sizeof(ngx_eda_kafka_msg_t));

    rc = ngx_http_eda_publish_record(r, ctx, &pb, &msg);

    if (rc == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (rc != NGX_OK) {
        ngx_eda_metrics_count(emcf, NGX_EDA_M_REJECTED, 1);
        ngx_http_finalize_request(r, ngx_http_eda_problem_send(r, &pb));
        return;
    }

    if (plcf->wait) {
        ctx->dr = ngx_eda_kafka_dr_create(r->connection->log);
        if (ctx->dr == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ctx->dr->handler = ngx_http_eda_publish_delivered;
        ctx->dr->data = ctx;
    }

    refusal = ngx_eda_kafka_produce(emcf, &msg, ctx->dr, r->connection->log);

    if (refusal != NGX_EDA_KAFKA_OK) {
        if (ctx->dr != NULL) {
            ngx_free(ctx->dr);
            ctx->dr = NULL;
        }

        ngx_http_eda_publish_span(r, ctx, "the Kafka producer refused the "
                                  "event");
        ngx_http_finalize_request(r, ngx_http_eda_publish_refused(r, refusal));
        return;
    }

    if (!plcf->wait) {
        ngx_http_eda_publish_span(r, ctx, NULL);
        ngx_http_finalize_request(r, ngx_http_eda_publish_accepted(r, ctx));
        return;
    }

    ngx_http_eda_publish_wait(r, ctx, emcf);
}


/* the Kafka record of the request's event, or why there is none in pb */

static ngx_int_t
ngx_http_eda_publish_record(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, ngx_http_eda_problem_t *pb,
    ngx_eda_kafka_msg_t *msg)
{
    ngx_int_t                         rc;
    ngx_str_t                         body;
    ngx_eda_ce_event_t               *ev;
    ngx_http_eda_publish_loc_conf_t  *plcf;

    if (ngx_http_eda_request_body(r, &body) != NGX_OK) {
        return NGX_ERROR;
    }

    ev = ngx_palloc(r->pool, sizeof(ngx_eda_ce_event_t));
    if (ev == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_http_eda_publish_event(r, ctx, &body, ev, pb);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_eda_event_message(r, ev, msg) != NGX_OK) {
        return NGX_ERROR;
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);

    msg->topic = (const char *) plcf->topic.data;

    return NGX_OK;
}


/* the answer when the producer cannot take the event */

static ngx_int_t
ngx_http_eda_publish_refused(ngx_http_request_t *r,
    ngx_eda_kafka_refusal_e refusal)
{
    switch (refusal) {

    case NGX_EDA_KAFKA_QUEUE_FULL:
        return ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                    "the Kafka producer queue is full",
                                    NGX_HTTP_EDA_RETRY_QUEUE);

    case NGX_EDA_KAFKA_BROKERS_DOWN:
        return ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                    "Kafka is unavailable",
                                    NGX_HTTP_EDA_RETRY_DOWN);

    case NGX_EDA_KAFKA_TOO_LARGE:
        return ngx_http_eda_problem(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                    "the event exceeds the Kafka message "
                                    "size limit", 0);

    default:
        return ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                    "the Kafka producer is not available",
                                    NGX_HTTP_EDA_RETRY_DOWN);
    }
}


/*
 * Wait for the delivery report.  The timer keeps a shutting-down worker
 * alive until the report comes (librdkafka reports within its own
 * message.timeout.ms), and a closed client connection is noticed.
 */

static void
ngx_http_eda_publish_wait(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, ngx_eda_main_conf_t *emcf)
{
    ngx_msec_t  timeout;

    ctx->waiting = 1;

    timeout = ngx_eda_kafka_delivery_timeout(emcf) + NGX_HTTP_EDA_TIMER_SLACK;

    ctx->timer.handler = ngx_http_eda_publish_timeout;
    ctx->timer.data = ctx;
    ctx->timer.log = r->connection->log;
    ngx_add_timer(&ctx->timer, timeout);

    r->read_event_handler = ngx_http_test_reading;
}


/*
 * The event as published: the client's (ngx_http_eda_client_event.c)
 * under the location's settings (ngx_http_eda_event.c).
 */

static ngx_int_t
ngx_http_eda_publish_event(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, ngx_str_t *body, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    ngx_int_t                rc;
    const char              *err;
    ngx_eda_ce_str_t         attr;
    ngx_eda_ce_event_t      *client;
    const ngx_eda_ce_str_t  *v;

    /* ctx->parsed holds a structured event's strings until the cleanup */

    rc = ngx_http_eda_client_event(r, body, &client, &ctx->parsed, pb);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_eda_event_build(r, client, ev, pb) != NGX_OK) {
        return pb->status ? NGX_DECLINED : NGX_ERROR;
    }

    ev->data = client->data;

    if (ngx_eda_ce_validate(ev, &err, &attr) != 0) {
        pb->status = NGX_HTTP_BAD_REQUEST;
        pb->detail.data = (u_char *) err;
        pb->detail.len = ngx_strlen(err);

        if (attr.data != NULL) {
            pb->attribute.data = (u_char *) attr.data;
            pb->attribute.len = attr.len;
        }

        return NGX_DECLINED;
    }

    v = ngx_eda_ce_get(ev, "id", sizeof("id") - 1);
    ctx->id.data = (u_char *) v->data;
    ctx->id.len = v->len;

    return NGX_OK;
}


static void
ngx_http_eda_publish_delivered(ngx_eda_kafka_dr_t *dr)
{
    ngx_int_t                    rc;
    ngx_connection_t            *c;
    ngx_http_request_t          *r;
    ngx_http_eda_publish_ctx_t  *ctx;

    ctx = dr->data;
    r = ctx->request;
    c = r->connection;

    /* the producer frees the report after this returns */
    ctx->dr = NULL;
    ctx->waiting = 0;

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    switch (dr->err) {

    case RD_KAFKA_RESP_ERR_NO_ERROR:
        ctx->partition = dr->partition;
        ctx->offset = dr->offset;
        ctx->done = 1;
        ngx_http_eda_publish_span(r, ctx, NULL);
        rc = ngx_http_eda_publish_accepted(r, ctx);
        break;

    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        if (dr->persisted == RD_KAFKA_MSG_STATUS_NOT_PERSISTED) {
            rc = ngx_http_eda_problem(r, NGX_HTTP_GATEWAY_TIME_OUT,
                                      "Kafka did not acknowledge the "
                                      "event in time; it was not "
                                      "written", 0);
        } else {
            rc = ngx_http_eda_problem(r, NGX_HTTP_GATEWAY_TIME_OUT,
                                      "Kafka did not acknowledge the "
                                      "event in time; it may have been "
                                      "written, retry with the same "
                                      "Idempotency-Key", 0);
        }
        break;

    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        rc = ngx_http_eda_problem(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                  "the broker refused the event's size",
                                  0);
        break;

    default:
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "eda: event \"%V\" not delivered: %s",
                      &ctx->id, dr->errstr);
        rc = ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                  "Kafka refused the event",
                                  NGX_HTTP_EDA_RETRY_DOWN);
        break;
    }

    if (dr->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ngx_http_eda_publish_span(r, ctx, dr->errstr);
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


/*
 * The request's span (ngx_http_eda_trace.c) for the exporter: from the
 * request's start to the broker's ack (to the queueing with
 * eda_publish_wait off), kind PRODUCER, an error with ERROR's text.
 */

static void
ngx_http_eda_publish_span(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx, const char *error)
{
    u_char                            name[300], part[NGX_INT32_LEN],
                                      off[NGX_INT64_LEN];
    ngx_str_t                         n;
    ngx_eda_span_t                    span;
    ngx_http_eda_publish_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);

    n.data = name;
    n.len = ngx_snprintf(name, sizeof(name), "publish %V", &plcf->topic)
            - name;

    if (ngx_http_eda_trace_export(r, &span, NGX_EDA_SPAN_PRODUCER, &n,
                                  &plcf->topic)
        != NGX_OK)
    {
        return;
    }

    ngx_eda_otel_attr(&span, "messaging.message.id", ctx->id.data,
                      ctx->id.len);

    if (ctx->done) {
        ngx_eda_otel_attr(&span, "messaging.destination.partition.id", part,
                          ngx_sprintf(part, "%D", ctx->partition) - part);
        ngx_eda_otel_attr(&span, "messaging.kafka.offset", off,
                          ngx_sprintf(off, "%L", ctx->offset) - off);
    }

    if (error != NULL) {
        ngx_eda_otel_error(&span, error);
    }

    ngx_eda_otel_span(ngx_http_get_module_main_conf(r, ngx_eda_module),
                      &span);
}


static void
ngx_http_eda_publish_timeout(ngx_event_t *ev)
{
    ngx_connection_t            *c;
    ngx_http_request_t          *r;
    ngx_http_eda_publish_ctx_t  *ctx;

    ctx = ev->data;
    r = ctx->request;
    c = r->connection;

    ngx_log_error(NGX_LOG_ERR, c->log, 0,
                  "eda: no delivery report for event \"%V\"", &ctx->id);

    if (ctx->dr != NULL) {
        ngx_eda_kafka_dr_detach(ctx->dr);
        ctx->dr = NULL;
    }

    ctx->waiting = 0;

    ngx_http_eda_publish_span(r, ctx, "no delivery report in time");

    ngx_http_finalize_request(r,
        ngx_http_eda_problem(r, NGX_HTTP_GATEWAY_TIME_OUT,
                             "no delivery report from Kafka in time; "
                             "the event may have been written", 0));
    ngx_http_run_posted_requests(c);
}


/*
 * A request can end before its delivery report arrives (the client closed
 * the connection): the report must then find nothing of it.
 */

static void
ngx_http_eda_publish_cleanup(void *data)
{
    ngx_http_eda_publish_ctx_t  *ctx = data;

    if (ctx->dr != NULL) {
        ngx_eda_kafka_dr_detach(ctx->dr);
        ctx->dr = NULL;
    }

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    if (ctx->parsed != NULL) {
        ngx_eda_ce_parsed_free(ctx->parsed);
        ctx->parsed = NULL;
    }
}


static ngx_int_t
ngx_http_eda_publish_accepted(ngx_http_request_t *r,
    ngx_http_eda_publish_ctx_t *ctx)
{
    size_t                            len;
    u_char                           *p;
    ngx_buf_t                        *b;
    ngx_http_eda_publish_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);

    len = sizeof("{\"id\":\"\",\"topic\":\"\",\"partition\":,"
                 "\"offset\":}\n") - 1
          + ctx->id.len + ngx_escape_json(NULL, ctx->id.data, ctx->id.len)
          + plcf->topic.len + NGX_INT32_LEN + NGX_INT64_LEN;

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(b->last, "{\"id\":\"", sizeof("{\"id\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, ctx->id.data, ctx->id.len);
    p = ngx_sprintf(p, "\",\"topic\":\"%V\"", &plcf->topic);

    if (ctx->done) {
        p = ngx_sprintf(p, ",\"partition\":%D,\"offset\":%L",
                        ctx->partition, ctx->offset);
    }

    b->last = ngx_cpymem(p, "}\n", 2);

    return ngx_http_eda_send(r, NGX_HTTP_ACCEPTED, "application/json", b);
}


/*
 * Counts the body of a publishing request as it arrives (chunked bodies
 * have no Content-Length to check up front).  Past the limit the rest is
 * read and dropped rather than stored, and the handler answers 413.
 */

static ngx_int_t
ngx_http_eda_publish_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t                        *b;
    ngx_chain_t                      *cl, *last;
    ngx_http_eda_publish_ctx_t       *ctx;
    ngx_http_eda_publish_loc_conf_t  *plcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_publish_module);

    if (ctx == NULL || r != r->main) {
        return ngx_http_eda_next_body_filter(r, in);
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);

    if (plcf->max_body == 0) {
        return ngx_http_eda_next_body_filter(r, in);
    }

    last = NULL;

    for (cl = in; cl != NULL; cl = cl->next) {
        ctx->received += ngx_buf_size(cl->buf);

        if (cl->buf->last_buf) {
            last = cl;
        }
    }

    if (ctx->received > plcf->max_body) {
        ctx->too_large = 1;
    }

    if (!ctx->too_large) {
        return ngx_http_eda_next_body_filter(r, in);
    }

    for (cl = in; cl != NULL; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
    }

    if (last == NULL) {
        return NGX_OK;
    }

    /* only the end of the body goes on, so the reading completes */

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last_buf = 1;
    cl->buf = b;
    cl->next = NULL;

    return ngx_http_eda_next_body_filter(r, cl);
}


static ngx_int_t
ngx_http_eda_publish_init(ngx_conf_t *cf)
{
    ngx_http_eda_next_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_eda_publish_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_publish_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_eda_event_id_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_eda_event_id_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_event_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_eda_publish_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_publish_module);

    if (ctx == NULL || ctx->id.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ctx->id.data;
    v->len = ctx->id.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static void *
ngx_http_eda_publish_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_publish_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_publish_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->topic = { 0, NULL };
     */

    ngx_http_eda_event_init_conf(&conf->event);
    conf->wait = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_eda_publish_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_eda_publish_loc_conf_t *prev = parent;
    ngx_http_eda_publish_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    ngx_http_eda_event_merge_conf(&prev->event, &conf->event);
    ngx_conf_merge_value(conf->wait, prev->wait, 1);

    /*
     * nginx checks Content-Length against client_max_body_size while it
     * looks up the location, before any module runs, and answers with its
     * HTML page.  A publishing location takes the limit over, so a client
     * gets the same problem document as for every other refusal.
     */

    if (conf->topic.data != NULL) {
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

        conf->max_body = clcf->client_max_body_size;
        clcf->client_max_body_size = 0;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_publish(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_publish_loc_conf_t *plcf = conf;

    ngx_str_t                 *value;
    ngx_eda_main_conf_t       *emcf;

    if (plcf->topic.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_eda_kafka_topic_check(cf, &cmd->name, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    plcf->topic = value[1];

    if (ngx_http_eda_claim_content(cf, cmd, ngx_http_eda_publish_handler)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
    ngx_eda_require_producer(cf, emcf, &cmd->name);

    return NGX_CONF_OK;

}


ngx_http_eda_event_conf_t *
ngx_http_eda_publish_event_conf(ngx_http_request_t *r)
{
    ngx_http_eda_publish_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_publish_module);

    return &plcf->event;
}


ngx_http_eda_event_conf_t *
ngx_http_eda_publish_loc_event(void **loc_conf, ngx_str_t *topic)
{
    ngx_http_eda_publish_loc_conf_t  *plcf;

    plcf = loc_conf[ngx_http_eda_publish_module.ctx_index];
    *topic = plcf->topic;

    return &plcf->event;
}
