
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_emit's event: a complete response becomes the location's event
 * (its eda_ce_* settings) with the response's status and Location as
 * extensions and its body as data, queued to Kafka without waiting.  A
 * failure is counted and logged, never seen by the client.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_http_eda_event.h"
#include "ngx_http_eda_emit_filter_module.h"
#include "ngx_http_eda_emit_event.h"


#define NGX_HTTP_EDA_EMIT_TYPE        "eda.http.response"


static ngx_int_t ngx_http_eda_emit_base(ngx_http_request_t *r,
    ngx_http_eda_emit_ctx_t *ctx, ngx_eda_ce_event_t *ev);
static ngx_int_t ngx_http_eda_emit_response(ngx_http_request_t *r,
    ngx_http_eda_emit_ctx_t *ctx, ngx_eda_ce_event_t *ev);
static void ngx_http_eda_emit_produce(ngx_http_request_t *r,
    ngx_http_eda_emit_ctx_t *ctx, ngx_http_eda_emit_loc_conf_t *elcf,
    ngx_eda_ce_event_t *ev);
static const char *ngx_http_eda_emit_refusal(ngx_eda_kafka_refusal_e refusal);
static void ngx_http_eda_emit_delivered(ngx_eda_kafka_dr_t *dr);


void
ngx_http_eda_emit(ngx_http_request_t *r, ngx_http_eda_emit_ctx_t *ctx,
    ngx_http_eda_emit_loc_conf_t *elcf)
{
    ngx_int_t            rc;
    ngx_str_t            attr;
    const char          *err;
    ngx_eda_ce_str_t     cattr;
    ngx_eda_ce_event_t  *ev;

    ev = ngx_palloc(r->pool, sizeof(ngx_eda_ce_event_t));
    if (ev == NULL) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "out of memory", NULL);
        return;
    }

    if (ngx_http_eda_emit_base(r, ctx, ev) != NGX_OK) {
        return;
    }

    rc = ngx_http_eda_emit_response(r, ctx, ev);

    if (rc == NGX_ERROR) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "out of memory", NULL);
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "too many attributes",
                               NULL);
        return;
    }

    if (ngx_eda_ce_validate(ev, &err, &cattr) != 0) {
        attr.data = (u_char *) cattr.data;
        attr.len = (cattr.data != NULL) ? cattr.len : 0;

        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, err, &attr);
        return;
    }

    ngx_http_eda_emit_produce(r, ctx, elcf, ev);
}


/* the event of the location's eda_ce_* settings; NGX_ERROR: failed */

static ngx_int_t
ngx_http_eda_emit_base(ngx_http_request_t *r, ngx_http_eda_emit_ctx_t *ctx,
    ngx_eda_ce_event_t *ev)
{
    u_char                  *p;
    ngx_int_t                rc;
    ngx_http_eda_problem_t   pb;

    ngx_memzero(&pb, sizeof(ngx_http_eda_problem_t));

    rc = ngx_http_eda_event_from_conf(r, ev, &pb);

    if (rc == NGX_OK) {
        return NGX_OK;
    }

    if (rc == NGX_DECLINED) {
        p = ngx_pnalloc(r->pool, pb.detail.len + 1);
        if (p == NULL) {
            ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "invalid event",
                                   &pb.attribute);
            return NGX_ERROR;
        }

        (void) ngx_cpystrn(p, pb.detail.data, pb.detail.len + 1);

        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, (const char *) p,
                               &pb.attribute);
        return NGX_ERROR;
    }

    ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN,
                           "the eda_ce_* settings could not be evaluated",
                           NULL);
    return NGX_ERROR;
}


/*
 * What the response adds to the event: a type if the location set none,
 * the status, the Location, and the body as data (with its Content-Type)
 * or the mark that it was left out.  NGX_ERROR: out of memory;
 * NGX_DECLINED: too many attributes.
 */

static ngx_int_t
ngx_http_eda_emit_response(ngx_http_request_t *r,
    ngx_http_eda_emit_ctx_t *ctx, ngx_eda_ce_event_t *ev)
{
    u_char      *p;
    const char  *err;

    if (ngx_eda_ce_get(ev, "type", sizeof("type") - 1) == NULL
        && ngx_eda_ce_set(ev, "type", sizeof("type") - 1,
                          NGX_HTTP_EDA_EMIT_TYPE,
                          sizeof(NGX_HTTP_EDA_EMIT_TYPE) - 1)
           != 0)
    {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ngx_eda_ce_set(ev, "httpstatus", sizeof("httpstatus") - 1,
                       (const char *) p,
                       (size_t) (ngx_sprintf(p, "%ui", ctx->status) - p))
        != 0)
    {
        return NGX_DECLINED;
    }

    /* the service's headers are its own: one that is not a valid value is
     * left out rather than losing the event */

    if (ctx->location.len
        && ngx_eda_ce_check_value("httplocation", sizeof("httplocation") - 1,
                                  (const char *) ctx->location.data,
                                  ctx->location.len, &err)
           == 0
        && ngx_eda_ce_set(ev, "httplocation", sizeof("httplocation") - 1,
                          (const char *) ctx->location.data,
                          ctx->location.len)
           != 0)
    {
        return NGX_DECLINED;
    }

    if (ctx->body.omitted) {
        if (ngx_eda_ce_set(ev, "bodytruncated", sizeof("bodytruncated") - 1,
                           "true", sizeof("true") - 1)
            != 0)
        {
            return NGX_DECLINED;
        }

        return NGX_OK;
    }

    if (ctx->body.len == 0) {
        return NGX_OK;
    }

    ev->data.data = (const char *) ctx->body.data;
    ev->data.len = ctx->body.len;

    if (ctx->content_type.len
        && ngx_eda_ce_check_value("datacontenttype",
                                  sizeof("datacontenttype") - 1,
                                  (const char *) ctx->content_type.data,
                                  ctx->content_type.len, &err)
           == 0
        && ngx_eda_ce_set(ev, "datacontenttype",
                          sizeof("datacontenttype") - 1,
                          (const char *) ctx->content_type.data,
                          ctx->content_type.len)
           != 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static void
ngx_http_eda_emit_produce(ngx_http_request_t *r, ngx_http_eda_emit_ctx_t *ctx,
    ngx_http_eda_emit_loc_conf_t *elcf, ngx_eda_ce_event_t *ev)
{
    ngx_eda_kafka_dr_t       *dr;
    ngx_eda_kafka_msg_t       msg;
    ngx_eda_main_conf_t      *emcf;
    ngx_eda_kafka_refusal_e   refusal;

    ngx_memzero(&msg, sizeof(ngx_eda_kafka_msg_t));

    if (ngx_http_eda_event_message(r, ev, &msg) != NGX_OK) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN,
                               "the Kafka record could not be built", NULL);
        return;
    }

    msg.topic = (const char *) elcf->topic.data;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    /*
     * Nothing waits for the report, which refers to no request: it only
     * counts a delivery that failed after the event was queued.
     */

    dr = ngx_eda_kafka_dr_create(r->connection->log);
    if (dr == NULL) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "out of memory", NULL);
        return;
    }

    dr->handler = ngx_http_eda_emit_delivered;
    dr->data = emcf;

    refusal = ngx_eda_kafka_produce(emcf, &msg, dr, r->connection->log);

    if (refusal != NGX_EDA_KAFKA_OK) {
        ngx_free(dr);
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN,
                               ngx_http_eda_emit_refusal(refusal), NULL);
        return;
    }

    ctx->state = NGX_HTTP_EDA_EMIT_QUEUED;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "eda emit: status %ui, %uz bytes queued to \"%s\"",
                   ctx->status, ctx->body.len, msg.topic);
}


static const char *
ngx_http_eda_emit_refusal(ngx_eda_kafka_refusal_e refusal)
{
    switch (refusal) {

    case NGX_EDA_KAFKA_QUEUE_FULL:
        return "the Kafka producer queue is full";

    case NGX_EDA_KAFKA_BROKERS_DOWN:
        return "Kafka is unavailable";

    case NGX_EDA_KAFKA_TOO_LARGE:
        return "the event exceeds the Kafka message size limit";

    case NGX_EDA_KAFKA_NO_PRODUCER:
        return "the Kafka producer is not available";

    default:
        return "the Kafka producer refused the event";
    }
}


static void
ngx_http_eda_emit_delivered(ngx_eda_kafka_dr_t *dr)
{
    /* the producer logged the failure itself */

    if (dr->err != 0) {
        ngx_eda_metrics_count(dr->data, NGX_EDA_M_EMIT_FAILED, 1);
    }
}
