
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_ws_publish: what a WebSocket client sends becomes a CloudEvent on a
 * Kafka topic (the location's eda_ce_* attributes, a fresh id and time,
 * the message as data), and the client gets an eda.ws.ack with the
 * partition and offset once Kafka acknowledged it, or an eda.ws.problem.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_event.h"
#include "ngx_http_eda_trace.h"
#include "ngx_http_eda_subscribe.h"


#define NGX_HTTP_EDA_WS_INFLIGHT    64       /* client events unacked */


static void ngx_http_eda_ws_message_event(ngx_eda_ce_event_t *ev,
    const u_char *data, size_t len, ngx_uint_t binary, u_char *id,
    u_char *tm);
static ngx_eda_kafka_refusal_e ngx_http_eda_ws_produce(
    ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ce_event_t *ev,
    ngx_eda_kafka_dr_t *dr, ngx_pool_t *scratch);
static void ngx_http_eda_ws_published(ngx_eda_kafka_dr_t *dr);
static void ngx_http_eda_ws_reply(ngx_http_eda_ws_ctx_t *ctx,
    int64_t ack, ngx_str_t *id, ngx_uint_t status, const char *detail,
    int32_t partition, int64_t offset);


/*
 * eda_ws_publish: the location's eda_ce_* attributes are evaluated once,
 * at the handshake (variables such as the token's claims are those of the
 * handshake), and one record is built then, so every variable the record
 * needs is cached in the request.  Each message is then built in a
 * scratch pool freed right after it is produced: a socket's memory does
 * not grow with the messages it sends.
 */

ngx_int_t
ngx_http_eda_ws_publish_init(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_request_t      *r;
    ngx_eda_ce_event_t       ev;
    ngx_eda_kafka_msg_t      msg;
    ngx_http_eda_problem_t   pb;

    r = ctx->request;

    ctx->tmpl = ngx_palloc(r->pool, sizeof(ngx_eda_ce_event_t));
    ctx->inflight = ngx_palloc(r->pool, NGX_HTTP_EDA_WS_INFLIGHT
                                        * sizeof(ngx_eda_kafka_dr_t *));
    ctx->inflight_id = ngx_palloc(r->pool, NGX_HTTP_EDA_WS_INFLIGHT
                                           * NGX_EDA_CE_UUID_LEN);
    ctx->inflight_ack = ngx_palloc(r->pool, NGX_HTTP_EDA_WS_INFLIGHT
                                            * sizeof(int64_t));

    if (ctx->tmpl == NULL || ctx->inflight == NULL
        || ctx->inflight_id == NULL || ctx->inflight_ack == NULL)
    {
        return NGX_ERROR;
    }

    ngx_memzero(&pb, sizeof(ngx_http_eda_problem_t));

    if (ngx_http_eda_event_from_conf(r, ctx->tmpl, &pb) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_eda_ce_get(ctx->tmpl, "type", 4) == NULL) {
        (void) ngx_eda_ce_set(ctx->tmpl, "type", 4, "eda.ws.message", 14);
    }

    ev = *ctx->tmpl;
    ngx_memzero(&msg, sizeof(ngx_eda_kafka_msg_t));

    return ngx_http_eda_event_message(r, &ev, &msg);
}


void
ngx_http_eda_ws_publish(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ws_event_t *wev)
{
    ngx_http_eda_ws_publish_event(ctx, NULL, wev->data, wev->len,
                                  wev->opcode == NGX_EDA_WS_OP_BINARY, -1);
}


void
ngx_http_eda_ws_publish_event(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *type,
    const u_char *data, size_t len, ngx_uint_t binary, int64_t ack)
{
    u_char                    id[NGX_EDA_CE_UUID_LEN], rnd[16];
    u_char                    tm[NGX_EDA_CE_TIME_LEN];
    ngx_str_t                 sid;
    ngx_pool_t               *scratch;
    const char               *err;
    ngx_eda_ce_str_t          attr;
    ngx_eda_ce_event_t        ev;
    ngx_eda_kafka_dr_t       *dr;
    ngx_eda_kafka_refusal_e   refusal;
    ngx_http_eda_trace_ctx_t  trace;

    ngx_str_null(&sid);

    if (ctx->ninflight == NGX_HTTP_EDA_WS_INFLIGHT) {
        ngx_http_eda_ws_reply(ctx, ack, &sid, NGX_HTTP_SERVICE_UNAVAILABLE,
                              "too many events waiting for Kafka", 0, 0);
        return;
    }

    if (ngx_eda_random(ctx->smcf->emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return;
    }

    ngx_eda_ce_format_uuid4(rnd, (char *) id);
    sid.data = id;
    sid.len = NGX_EDA_CE_UUID_LEN;

    ev = *ctx->tmpl;
    ngx_http_eda_ws_message_event(&ev, data, len, binary, id, tm);

    /* each message is a trace of its own, not the handshake's */
    if (ngx_http_eda_trace_span(ctx->smcf->emcf, NULL, &trace) != NGX_OK
        || ngx_http_eda_trace_event(&ev, &trace) != NGX_OK)
    {
        return;
    }

    if (type != NULL && type->len
        && ngx_eda_ce_set(&ev, "type", 4, (const char *) type->data,
                          type->len)
           != 0)
    {
        ngx_http_eda_ws_reply(ctx, ack, &sid, NGX_HTTP_BAD_REQUEST,
                              "the event name is not a valid type", 0, 0);
        return;
    }

    if (ngx_eda_ce_validate(&ev, &err, &attr) != 0) {
        ngx_http_eda_ws_reply(ctx, ack, &sid, NGX_HTTP_BAD_REQUEST, err, 0,
                              0);
        return;
    }

    scratch = ngx_create_pool(4096, ctx->request->connection->log);
    if (scratch == NULL) {
        return;
    }

    dr = ngx_eda_kafka_dr_create(ctx->request->connection->log);
    if (dr == NULL) {
        ngx_destroy_pool(scratch);
        return;
    }

    dr->handler = ngx_http_eda_ws_published;
    dr->data = ctx;

    refusal = ngx_http_eda_ws_produce(ctx, &ev, dr, scratch);

    ngx_destroy_pool(scratch);

    if (refusal != NGX_EDA_KAFKA_OK) {
        ngx_free(dr);
        ngx_http_eda_ws_reply(ctx, ack, &sid, NGX_HTTP_SERVICE_UNAVAILABLE,
                              refusal == NGX_EDA_KAFKA_QUEUE_FULL
                              ? "the Kafka producer queue is full"
                              : "Kafka is unavailable", 0, 0);
        return;
    }

    ngx_memcpy(ctx->inflight_id[ctx->ninflight], id, NGX_EDA_CE_UUID_LEN);
    ctx->inflight_ack[ctx->ninflight] = ack;
    ctx->inflight[ctx->ninflight++] = dr;
}


/*
 * A client message as the data of the location's event, with a fresh id
 * (ID) and time (written to TM): binary messages are
 * application/octet-stream, text that parses as JSON application/json,
 * other text text/plain.
 */

static void
ngx_http_eda_ws_message_event(ngx_eda_ce_event_t *ev, const u_char *data,
    size_t len, ngx_uint_t binary, u_char *id, u_char *tm)
{
    json_t        *json;
    ngx_time_t    *tp;
    json_error_t   jerr;

    (void) ngx_eda_ce_set(ev, "id", 2, (const char *) id,
                          NGX_EDA_CE_UUID_LEN);

    tp = ngx_timeofday();
    ngx_eda_ce_format_time(tp->sec, tp->msec, (char *) tm);
    (void) ngx_eda_ce_set(ev, "time", 4, (const char *) tm,
                          NGX_EDA_CE_TIME_LEN);

    ev->data.data = (const char *) data;
    ev->data.len = len;

    if (binary) {
        (void) ngx_eda_ce_set(ev, "datacontenttype", 15,
                              "application/octet-stream", 24);
        return;
    }

    json = json_loadb((const char *) data, len, JSON_DECODE_ANY, &jerr);

    if (json != NULL) {
        json_decref(json);
        (void) ngx_eda_ce_set(ev, "datacontenttype", 15,
                              "application/json", 16);

    } else {
        (void) ngx_eda_ce_set(ev, "datacontenttype", 15,
                              "text/plain; charset=utf-8", 25);
    }
}


/*
 * The record is built in SCRATCH, a pool freed right after: a socket's
 * memory does not grow with the messages it sends.
 */

static ngx_eda_kafka_refusal_e
ngx_http_eda_ws_produce(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ce_event_t *ev,
    ngx_eda_kafka_dr_t *dr, ngx_pool_t *scratch)
{
    ngx_int_t                rc;
    ngx_pool_t              *saved;
    ngx_http_request_t      *r;
    ngx_eda_kafka_msg_t      msg;
    ngx_eda_kafka_refusal_e  refusal;

    r = ctx->request;

    saved = r->pool;
    r->pool = scratch;

    ngx_memzero(&msg, sizeof(ngx_eda_kafka_msg_t));
    rc = ngx_http_eda_event_message(r, ev, &msg);

    refusal = NGX_EDA_KAFKA_FAILED;

    if (rc == NGX_OK) {
        msg.topic = (const char *) ctx->conf->publish.data;
        refusal = ngx_eda_kafka_produce(ctx->smcf->emcf, &msg, dr,
                                        r->connection->log);
    }

    r->pool = saved;

    return refusal;
}


static void
ngx_http_eda_ws_published(ngx_eda_kafka_dr_t *dr)
{
    u_char                  id[NGX_EDA_CE_UUID_LEN];
    int64_t                 ack;
    ngx_str_t               sid;
    ngx_uint_t              i;
    ngx_http_eda_ws_ctx_t  *ctx = dr->data;

    ngx_str_null(&sid);
    ack = -1;

    for (i = 0; i < ctx->ninflight; i++) {
        if (ctx->inflight[i] == dr) {
            ngx_memcpy(id, ctx->inflight_id[i], NGX_EDA_CE_UUID_LEN);
            sid.data = id;
            sid.len = NGX_EDA_CE_UUID_LEN;
            ack = ctx->inflight_ack[i];

            ctx->ninflight--;
            ctx->inflight[i] = ctx->inflight[ctx->ninflight];
            ctx->inflight_ack[i] = ctx->inflight_ack[ctx->ninflight];
            ngx_memcpy(ctx->inflight_id[i],
                       ctx->inflight_id[ctx->ninflight],
                       NGX_EDA_CE_UUID_LEN);
            break;
        }
    }

    if (ctx->done || ctx->closing) {
        return;
    }

    if (dr->err == 0) {
        ngx_http_eda_ws_reply(ctx, ack, &sid, 0, NULL, dr->partition,
                              dr->offset);

    } else {
        ngx_http_eda_ws_reply(ctx, ack, &sid, NGX_HTTP_SERVICE_UNAVAILABLE,
                              dr->errstr, 0, 0);
    }

    if (ctx->sio != NULL) {
        /* a polling POST is answered once Kafka has all its events */
        ngx_http_eda_sio_post_done(ctx);
    }
}


/*
 * An answer to a client's message: a small JSON text frame (eda.ws.ack or
 * eda.ws.problem), or the Socket.IO ack ACK asked for.
 */

static void
ngx_http_eda_ws_reply(ngx_http_eda_ws_ctx_t *ctx, int64_t ack,
    ngx_str_t *id, ngx_uint_t status, const char *detail, int32_t partition,
    int64_t offset)
{
    u_char      *p, *buf;
    size_t       size;
    const char  *type;

    if (ctx->sio != NULL) {
        ngx_http_eda_sio_acked(ctx, ack, id, status, detail, partition,
                               offset);
        return;
    }

    type = status ? "eda.ws.problem" : "eda.ws.ack";

    size = 256 + 6 * id->len
           + ctx->conf->publish.len
           + (detail ? 6 * ngx_strlen(detail) : 0);

    buf = ngx_alloc(size, ngx_cycle->log);
    if (buf == NULL) {
        return;
    }

    p = ngx_sprintf(buf, "{\"type\":\"%s\",\"topic\":\"%V\"", type,
                    &ctx->conf->publish);

    if (id->len) {
        p = ngx_cpymem(p, ",\"id\":\"", 7);
        p = (u_char *) ngx_escape_json(p, id->data, id->len);
        *p++ = '"';
    }

    if (status) {
        p = ngx_sprintf(p, ",\"status\":%ui,\"detail\":\"", status);
        p = (u_char *) ngx_escape_json(p, (u_char *) detail,
                                       ngx_strlen(detail));
        *p++ = '"';

    } else {
        p = ngx_sprintf(p, ",\"partition\":%D,\"offset\":%L", partition,
                        offset);
    }

    *p++ = '}';

    ngx_http_eda_ws_text(ctx, buf, p - buf);
    ngx_free(buf);
}
