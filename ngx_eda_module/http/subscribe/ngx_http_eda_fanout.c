
/*
 * Copyright (C) ngx_eda authors
 *
 * The fan-out: a Kafka record becomes one structured CloudEvent and one
 * frame, and one more per other encoding some client uses, shared by
 * reference by every connection whose filters it passes.  Each connection
 * queues references in a ring with a byte budget (eda_ws_send_buffer):
 * over it the client is closed rather than buffered for, but an empty
 * queue takes any one frame.  A client that resumes is fed from the
 * history as its queue drains, and joins the fan-out once caught up.
 * Queues are written with gathered writes once the worker has queued
 * every record it just read.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_ws_codec.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_otel.h"
#include "ngx_eda_random.h"
#include "ngx_http_eda_subscribe.h"


#define NGX_HTTP_EDA_WS_RING        512      /* frames queued per client */
#define NGX_HTTP_EDA_WS_RING_MIN    8        /* ... until it needs more */
#define NGX_HTTP_EDA_WS_IOV         64       /* frames per send */


static void ngx_http_eda_sub_deliver(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_http_eda_sub_ring_t *ring, ngx_str_t *topic, ngx_uint_t index,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg);
static ngx_uint_t ngx_http_eda_sub_fanout(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_str_t *topic, ngx_uint_t index, ngx_eda_ce_event_t *ev,
    const rd_kafka_message_t *msg, ngx_http_eda_ws_frame_t *base,
    size_t len);
static void ngx_http_eda_sub_span(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_str_t *topic, ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg,
    ngx_uint_t n, uint64_t start);
static ngx_http_eda_ws_frame_t *ngx_http_eda_sub_frame(
    ngx_http_eda_sub_main_conf_t *smcf, ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_ce_event_t *ev, ngx_http_eda_ws_frame_t *base, size_t len);
static ngx_int_t ngx_http_eda_ws_grow(ngx_http_eda_ws_ctx_t *ctx);
static ssize_t ngx_http_eda_ws_send(ngx_connection_t *c,
    ngx_http_eda_ws_ctx_t *ctx);


/*
 * A record arrived: one CloudEvent, one frame, shared by every client of
 * the topic whose filters it passes.
 */

void
ngx_http_eda_sub_record(const rd_kafka_message_t *msg, void *data)
{
    ngx_http_eda_sub_main_conf_t *smcf = data;

    ngx_str_t                  topic;
    ngx_uint_t                 index;
    ngx_eda_ce_event_t         ev;
    ngx_eda_ce_parsed_t        parsed;
    ngx_http_eda_sub_ring_t   *ring;
    ngx_http_eda_sub_topic_t  *t;

    topic.data = (u_char *) rd_kafka_topic_name(msg->rkt);
    topic.len = ngx_strlen(topic.data);

    /* where the fan-out stands: past this record, or at a partition's end */

    t = ngx_http_eda_sub_topic(smcf, (char *) topic.data, &index);

    if (t == NULL) {
        return;
    }

    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ngx_http_eda_sub_advance(t, msg->partition, msg->offset);

        if (!ngx_queue_empty(&smcf->resuming)
            || !ngx_queue_empty(&smcf->starting))
        {
            ngx_http_eda_resume_kick(smcf);
        }

        return;
    }

    ngx_http_eda_sub_advance(t, msg->partition, msg->offset + 1);

    if (!ngx_queue_empty(&smcf->starting)) {
        /* answered before this record is dispatched: it gets it too */
        ngx_http_eda_ws_start_waiting(smcf);
    }

    ring = ngx_http_eda_sub_ring(smcf, &topic);

    if (ngx_queue_empty(&smcf->clients) && ring == NULL) {
        return;
    }

    parsed.owned = NULL;

    if (ngx_eda_kafka_record_event(msg, &ev, &parsed) != NGX_OK) {
        return;
    }

    ngx_http_eda_sub_deliver(smcf, ring, &topic, index, &ev, msg);

    if (parsed.owned != NULL) {
        ngx_eda_ce_parsed_free(&parsed);
    }
}


/* the event's frame goes to the history (RING, if any) and the clients */

static void
ngx_http_eda_sub_deliver(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_http_eda_sub_ring_t *ring, ngx_str_t *topic, ngx_uint_t index,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg)
{
    char                     *json;
    size_t                    len;
    uint64_t                  start;
    ngx_uint_t                i, n, nframes;
    ngx_http_eda_ws_frame_t  *frame;

    start = (smcf->emcf->otel != NULL) ? ngx_eda_otel_now() : 0;

    json = ngx_eda_ce_to_json(ev, &len);

    if (json == NULL) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "eda: record %V/%d/%O is not a valid event, skipped",
                      topic, msg->partition, (off_t) msg->offset);
        return;
    }

    frame = ngx_http_eda_ws_message(NGX_EDA_WS_OP_TEXT, (u_char *) json,
                                    len);
    free(json);

    if (frame == NULL) {
        return;
    }

    smcf->seq++;

    if (ring != NULL) {
        ngx_http_eda_sub_remember(ring, frame, frame->len - len, smcf->seq,
                                  ev, msg);
    }

    /*
     * The frames clients get, with their stream's cursor, are made for the
     * first client of a stream and encoding that needs one.
     */

    nframes = smcf->streams->nelts * NGX_HTTP_EDA_ENC_N;
    ngx_memzero(smcf->frames, nframes * sizeof(ngx_http_eda_ws_frame_t *));

    n = ngx_http_eda_sub_fanout(smcf, topic, index, ev, msg, frame, len);

    ngx_eda_metrics_count(smcf->emcf, NGX_EDA_M_WS_DELIVERED, n);

    if (start != 0) {
        ngx_http_eda_sub_span(smcf, topic, ev, msg, n, start);
    }

    ngx_http_eda_ws_release(frame);

    for (i = 0; i < nframes; i++) {
        if (smcf->frames[i] != NULL) {
            ngx_http_eda_ws_release(smcf->frames[i]);
        }
    }
}


/*
 * The delivery's span for the exporter: CONSUMER, a child of the span of
 * the event's traceparent (sampled), from the record's arrival to its
 * frames queued for the N clients of this worker it went to; none when
 * it went to none.
 */

static void
ngx_http_eda_sub_span(ngx_http_eda_sub_main_conf_t *smcf, ngx_str_t *topic,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg, ngx_uint_t n,
    uint64_t start)
{
    u_char                   name[300], rnd[24], part[NGX_INT32_LEN],
                             off[NGX_INT64_LEN], clients[NGX_INT_T_LEN];
    ngx_eda_span_t           span;
    const ngx_eda_ce_str_t  *tp, *id;

    tp = ngx_eda_ce_get(ev, "traceparent", 11);

    if (n == 0 || tp == NULL) {
        return;
    }

    ngx_memzero(&span, sizeof(ngx_eda_span_t));

    if (ngx_eda_trace_parse(&span.trace, tp->data, tp->len) != 0
        || !(span.trace.flags & NGX_EDA_TRACE_SAMPLED)
        || ngx_eda_random(smcf->emcf, rnd, sizeof(rnd)) != NGX_OK)
    {
        return;
    }

    ngx_eda_trace_child(&span.trace, rnd);

    span.kind = NGX_EDA_SPAN_CONSUMER;
    span.name.data = name;
    span.name.len = ngx_snprintf(name, sizeof(name), "deliver %V", topic)
                    - name;
    span.start_ns = start;
    span.end_ns = ngx_eda_otel_now();

    ngx_eda_otel_attr(&span, "messaging.system", "kafka", 5);
    ngx_eda_otel_attr(&span, "messaging.destination.name", topic->data,
                      topic->len);
    ngx_eda_otel_attr(&span, "messaging.operation.type", "process", 7);

    id = ngx_eda_ce_get(ev, "id", 2);
    if (id != NULL) {
        ngx_eda_otel_attr(&span, "messaging.message.id", id->data, id->len);
    }

    ngx_eda_otel_attr(&span, "messaging.destination.partition.id", part,
                      ngx_sprintf(part, "%D", msg->partition) - part);
    ngx_eda_otel_attr(&span, "messaging.kafka.offset", off,
                      ngx_sprintf(off, "%O", (off_t) msg->offset) - off);
    ngx_eda_otel_attr(&span, "eda.clients", clients,
                      ngx_sprintf(clients, "%ui", n) - clients);

    ngx_eda_otel_span(smcf->emcf, &span);
}


/*
 * Queues the event for every client whose filters it passes, in the
 * client's encoding with its stream's cursor; BASE is the event without a
 * cursor (the JSON of LEN bytes behind a frame header).  A client still
 * reading from Kafka gets this one from there; one that has just read
 * past it, not again.  Returns the number of clients.
 */

static ngx_uint_t
ngx_http_eda_sub_fanout(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_str_t *topic, ngx_uint_t index, ngx_eda_ce_event_t *ev,
    const rd_kafka_message_t *msg, ngx_http_eda_ws_frame_t *base, size_t len)
{
    ngx_str_t                 key;
    ngx_uint_t                n;
    ngx_queue_t              *q, *next;
    ngx_http_eda_ws_ctx_t    *ctx;
    ngx_http_eda_ws_frame_t  *frame;

    key.data = msg->key;
    key.len = msg->key_len;
    n = 0;

    for (q = ngx_queue_head(&smcf->clients);
         q != ngx_queue_sentinel(&smcf->clients);
         q = next)
    {
        next = ngx_queue_next(q);

        ctx = ngx_queue_data(q, ngx_http_eda_ws_ctx_t, queue);

        /* a client still replaying gets this one from the history */

        if (ctx->closing || ctx->replaying || ctx->reading || ctx->silent
            || (ctx->skipping
                && ngx_http_eda_resume_skip(ctx, index, msg->partition,
                                            msg->offset))
            || !ngx_http_eda_sub_match(ctx, topic, ev, &key))
        {
            continue;
        }

        frame = ngx_http_eda_sub_frame(smcf, ctx, ev, base, len);
        if (frame == NULL) {
            continue;
        }

        /*
         * Written once the worker has queued every record it just read:
         * the clients' sends are gathered.
         */

        if (ngx_http_eda_ws_enqueue(ctx, frame, 0) == NGX_OK) {
            n++;
            ngx_post_event(ctx->request->connection->write,
                           &ngx_posted_events);
        }
    }

    return n;
}


/* the event for CTX: shared by the clients of its stream and encoding */

static ngx_http_eda_ws_frame_t *
ngx_http_eda_sub_frame(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ce_event_t *ev,
    ngx_http_eda_ws_frame_t *base, size_t len)
{
    ngx_str_t                 cursor;
    ngx_http_eda_ws_frame_t **frame;

    frame = &smcf->frames[ctx->conf->stream * NGX_HTTP_EDA_ENC_N + ctx->enc];

    if (*frame != NULL) {
        return *frame;
    }

    /* before the fan-out knows where it stands, events have no cursor */

    if (ngx_http_eda_sub_cursor(smcf, ctx->conf->stream, &cursor) != NGX_OK)
    {
        cursor.len = 0;
    }

    *frame = ngx_http_eda_ws_encode(ctx, ev, base->data + base->len - len,
                                    len, cursor.len ? &cursor : NULL);
    return *frame;
}


/* the event in CTX's encoding: a Socket.IO packet needs its namespace */

ngx_http_eda_ws_frame_t *
ngx_http_eda_ws_encode(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ce_event_t *ev,
    const u_char *json, size_t len, ngx_str_t *cursor)
{
    if (ctx->enc == NGX_HTTP_EDA_ENC_SIO) {
        return ngx_http_eda_sio_event(&ctx->conf->sio_ns, ev, json, len,
                                      cursor);
    }

    return ngx_http_eda_sub_encode(ctx->enc, ev, json, len, cursor);
}


/*
 * An event as ENC: the structured CloudEvent (JSON, LEN bytes), or its data
 * alone (eda_ws_format data), in a WebSocket frame or an SSE event.  Data
 * goes in a text frame when it is text (JSON, text/<any>, a charset, or no
 * content type) and valid UTF-8, in a binary frame otherwise; an event
 * stream carries only text, so there other data is sent in base64.  A
 * CURSOR (or NULL) is the event's id in an event stream and its extension
 * attribute "edacursor" in a structured event over WebSocket.  A new
 * frame with one reference, or NULL.
 */

ngx_http_eda_ws_frame_t *
ngx_http_eda_sub_encode(ngx_uint_t enc, ngx_eda_ce_event_t *ev,
    const u_char *json, size_t len, ngx_str_t *cursor)
{
    ngx_str_t                data, parts[4];
    ngx_uint_t               text;
    const ngx_eda_ce_str_t  *ct;

    if (enc == NGX_HTTP_EDA_ENC_WS_EVENT && cursor != NULL && len > 1) {
        /* the JSON ends with its object's "}" */
        parts[0].data = (u_char *) json;
        parts[0].len = len - 1;
        ngx_str_set(&parts[1], ",\"edacursor\":\"");
        parts[2] = *cursor;
        ngx_str_set(&parts[3], "\"}");

        return ngx_http_eda_ws_gather(NGX_EDA_WS_OP_TEXT, parts, 4);
    }

    if (enc == NGX_HTTP_EDA_ENC_WS_EVENT || enc == NGX_HTTP_EDA_ENC_SSE_EVENT)
    {
        data.data = (u_char *) json;
        data.len = len;
        text = 1;

    } else {
        data.data = (u_char *) (ev->data.data ? ev->data.data : "");
        data.len = ev->data.len;

        ct = ngx_eda_ce_get(ev, "datacontenttype", 15);

        text = ngx_eda_utf8_valid(data.data, data.len)
               && (ct == NULL
                   || ngx_eda_ce_is_json_type(ct->data, ct->len)
                   || (ct->len >= 5
                       && ngx_strncasecmp((u_char *) ct->data,
                                          (u_char *) "text/", 5) == 0)
                   || ngx_strlcasestrn((u_char *) ct->data,
                                       (u_char *) ct->data + ct->len,
                                       (u_char *) "charset=", 8 - 1)
                      != NULL);
    }

    if (enc < NGX_HTTP_EDA_ENC_SSE_EVENT) {
        return ngx_http_eda_ws_message(text ? NGX_EDA_WS_OP_TEXT
                                            : NGX_EDA_WS_OP_BINARY,
                                       data.data, data.len);
    }

    return ngx_http_eda_sse_event(enc, ev, &data, text, cursor);
}


ngx_http_eda_ws_frame_t *
ngx_http_eda_ws_frame(const u_char *data, size_t len)
{
    ngx_http_eda_ws_frame_t  *frame;

    frame = ngx_alloc(sizeof(ngx_http_eda_ws_frame_t) + len,
                      ngx_cycle->log);
    if (frame == NULL) {
        return NULL;
    }

    frame->refs = 0;
    frame->len = len;
    ngx_memcpy(frame->data, data, len);

    return frame;
}


/* one unfragmented message (a frame header and DATA), one reference */

ngx_http_eda_ws_frame_t *
ngx_http_eda_ws_message(ngx_uint_t opcode, const u_char *data, size_t len)
{
    u_char                    hdr[NGX_EDA_WS_MAX_HEADER];
    size_t                    hlen;
    ngx_http_eda_ws_frame_t  *frame;

    hlen = ngx_eda_ws_frame_header(hdr, opcode, 1, len);

    frame = ngx_alloc(sizeof(ngx_http_eda_ws_frame_t) + hlen + len,
                      ngx_cycle->log);
    if (frame == NULL) {
        return NULL;
    }

    frame->refs = 1;
    frame->len = hlen + len;
    ngx_memcpy(ngx_cpymem(frame->data, hdr, hlen), data, len);

    return frame;
}


/* one unfragmented message of N PARTS, one reference */

ngx_http_eda_ws_frame_t *
ngx_http_eda_ws_gather(ngx_uint_t opcode, ngx_str_t *parts, ngx_uint_t n)
{
    u_char                   *p, hdr[NGX_EDA_WS_MAX_HEADER];
    size_t                    hlen, len;
    ngx_uint_t                i;
    ngx_http_eda_ws_frame_t  *frame;

    len = 0;

    for (i = 0; i < n; i++) {
        len += parts[i].len;
    }

    hlen = ngx_eda_ws_frame_header(hdr, opcode, 1, len);

    frame = ngx_alloc(sizeof(ngx_http_eda_ws_frame_t) + hlen + len,
                      ngx_cycle->log);
    if (frame == NULL) {
        return NULL;
    }

    frame->refs = 1;
    frame->len = hlen + len;
    p = ngx_cpymem(frame->data, hdr, hlen);

    for (i = 0; i < n; i++) {
        p = ngx_cpymem(p, parts[i].data, parts[i].len);
    }

    return frame;
}


void
ngx_http_eda_ws_release(ngx_http_eda_ws_frame_t *frame)
{
    if (--frame->refs == 0) {
        ngx_free(frame);
    }
}


/*
 * Queues a frame (the caller's reference is not taken over).  A client
 * whose queue would pass eda_ws_send_buffer is closed: the fan-out never
 * waits for it and never buffers more for it.  An empty queue takes any
 * one frame, however large: an event over the budget is no sign of a slow
 * client.
 */

ngx_int_t
ngx_http_eda_ws_enqueue(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_ws_frame_t *frame, ngx_uint_t force)
{
    ngx_uint_t  tail;

    if (ctx->closing && !force) {
        return NGX_DECLINED;
    }

    if (!force && !ngx_http_eda_ws_fits(ctx, frame)) {
        /*
         * Writes wait for the end of a batch of records; a burst is not
         * slowness: first the kernel takes what it can.
         */

        ngx_http_eda_ws_write(ctx->request);

        if (ctx->done || ctx->closing) {
            return NGX_DECLINED;
        }
    }

    if (!force && !ngx_http_eda_ws_fits(ctx, frame)) {
        ngx_http_eda_ws_overflow(ctx);
        return NGX_DECLINED;
    }

    if (ctx->out_count == ctx->out_size
        && (ctx->out_size == NGX_HTTP_EDA_WS_RING
            || ngx_http_eda_ws_grow(ctx) != NGX_OK))
    {
        return NGX_DECLINED;
    }

    tail = (ctx->out_head + ctx->out_count) % ctx->out_size;
    ctx->out[tail] = frame;
    ctx->out_count++;
    ctx->queued += frame->len;
    frame->refs++;

    if (ngx_http_eda_sio_http(ctx)) {
        /* a long poll is answered with what came */
        ngx_http_eda_sio_poll_ready(ctx);
    }

    return NGX_OK;
}


/*
 * 1 if FRAME may join the queue: room in the ring, and within the budget
 * or the queue empty.
 */

ngx_uint_t
ngx_http_eda_ws_fits(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_ws_frame_t *frame)
{
    if (ctx->out_count == 0) {
        return 1;
    }

    return ctx->out_count < NGX_HTTP_EDA_WS_RING - 1
           && ctx->queued + frame->len <= ctx->conf->send_buffer;
}


/* a client that fell behind its budget is closed */

void
ngx_http_eda_ws_overflow(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_eda_metrics_count(ctx->smcf->emcf, NGX_EDA_M_WS_SLOW_CLOSED, 1);
    ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                  "eda: WebSocket client too slow, closed");
    ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_POLICY,
                          "send buffer overflow: too slow");
}


static ngx_int_t
ngx_http_eda_ws_grow(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_uint_t                 i, size;
    ngx_http_eda_ws_frame_t  **out;

    size = ctx->out_size ? ctx->out_size * 2 : NGX_HTTP_EDA_WS_RING_MIN;

    out = ngx_alloc(size * sizeof(ngx_http_eda_ws_frame_t *),
                    ctx->request->connection->log);
    if (out == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < ctx->out_count; i++) {
        out[i] = ctx->out[(ctx->out_head + i) % ctx->out_size];
    }

    if (ctx->out != NULL) {
        ngx_free(ctx->out);
    }

    ctx->out = out;
    ctx->out_size = size;
    ctx->out_head = 0;

    return NGX_OK;
}


void
ngx_http_eda_ws_write(ngx_http_request_t *r)
{
    size_t                    rest;
    ssize_t                   sent;
    ngx_connection_t         *c;
    ngx_http_eda_ws_ctx_t    *ctx;
    ngx_http_eda_ws_frame_t  *frame;

    c = r->connection;
    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_subscribe_module);

    if (ctx == NULL || ctx->done) {
        return;
    }

    if (ngx_http_eda_sio_http(ctx)) {
        /* a polling response, not a socket */
        ngx_http_eda_sio_poll_ready(ctx);
        return;
    }

    /* the 101 response may still sit in nginx's own buffers */

    if (r->out != NULL || c->buffered) {
        if (ngx_http_output_filter(r, NULL) == NGX_ERROR) {
            ngx_http_eda_ws_finish(ctx);
            return;
        }

        if (r->out != NULL || c->buffered) {
            return;
        }
    }

    while (ctx->out_count) {

        sent = ngx_http_eda_ws_send(c, ctx);

        if (sent == NGX_ERROR) {
            ngx_http_eda_ws_finish(ctx);
            return;
        }

        if (sent == 0) {
            /* the socket is full */
            if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                ngx_http_eda_ws_finish(ctx);
            }

            return;
        }

        ctx->queued -= sent;

        while (sent > 0) {
            frame = ctx->out[ctx->out_head];
            rest = frame->len - ctx->out_sent;

            if ((size_t) sent < rest) {
                ctx->out_sent += sent;
                break;
            }

            sent -= rest;
            ngx_http_eda_ws_release(frame);
            ctx->out_head = (ctx->out_head + 1) % ctx->out_size;
            ctx->out_count--;
            ctx->out_sent = 0;
        }
    }

    if (ctx->reading && ctx->reader_paused && !ctx->closing
        && ctx->queued <= ctx->conf->send_buffer / 2)
    {
        ngx_http_eda_resume_drained(ctx);
    }

    if (ctx->replaying && !ctx->closing) {
        ngx_http_eda_ws_replay_more(ctx);

        if (ctx->done) {
            return;
        }

        if (ctx->out_count) {
            ngx_post_event(c->write, &ngx_posted_events);
            return;
        }
    }

    if (ctx->out_size > NGX_HTTP_EDA_WS_RING_MIN) {
        ngx_free(ctx->out);
        ctx->out = NULL;
        ctx->out_size = 0;
        ctx->out_head = 0;
    }

    if (ctx->closing) {
        ngx_http_eda_ws_finish(ctx);
    }
}


/*
 * Sends what it can of the queue: the number of bytes, 0 when the socket
 * is full, NGX_ERROR.  Up to NGX_HTTP_EDA_WS_IOV frames go in one writev(),
 * so after a burst of records a client costs one system call, not one per
 * frame; over TLS, where the library buffers gathered writes, frame by
 * frame.
 */

static ssize_t
ngx_http_eda_ws_send(ngx_connection_t *c, ngx_http_eda_ws_ctx_t *ctx)
{
    off_t                     sent;
    ssize_t                   n;
    ngx_buf_t                 b[NGX_HTTP_EDA_WS_IOV];
    ngx_uint_t                i, nframes;
    ngx_chain_t               cl[NGX_HTTP_EDA_WS_IOV], *rc;
    ngx_http_eda_ws_frame_t  *frame;

#if (NGX_SSL)

    if (c->ssl != NULL) {
        frame = ctx->out[ctx->out_head];

        n = c->send(c, frame->data + ctx->out_sent,
                    frame->len - ctx->out_sent);

        return (n == NGX_AGAIN) ? 0 : n;
    }

#endif

    nframes = ngx_min(ctx->out_count, NGX_HTTP_EDA_WS_IOV);

    for (i = 0; i < nframes; i++) {
        frame = ctx->out[(ctx->out_head + i) % ctx->out_size];

        ngx_memzero(&b[i], sizeof(ngx_buf_t));
        b[i].memory = 1;
        b[i].pos = frame->data + (i == 0 ? ctx->out_sent : 0);
        b[i].last = frame->data + frame->len;

        cl[i].buf = &b[i];
        cl[i].next = (i + 1 < nframes) ? &cl[i + 1] : NULL;
    }

    sent = c->sent;

    rc = c->send_chain(c, cl, 0);

    if (rc == NGX_CHAIN_ERROR) {
        return NGX_ERROR;
    }

    n = (ssize_t) (c->sent - sent);

    return n;
}
