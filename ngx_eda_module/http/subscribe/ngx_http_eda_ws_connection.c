
/*
 * Copyright (C) ngx_eda authors
 *
 * A subscriber's connection after its handshake: the module's own read
 * and write handlers, the WebSocket codec driven over what the client
 * sends (pings answered, a close answered, messages to eda_ws_publish),
 * the closing handshake (1001 on reload and quit, 1008 when the token
 * expires), pings, and the end of the request, always from a posted
 * event.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ws_codec.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_http_eda_jwt_module.h"
#include "ngx_http_eda_subscribe.h"


#define NGX_HTTP_EDA_WS_READ        4096
#define NGX_HTTP_EDA_WS_LINGER      5000     /* ms to flush a close frame */


static void ngx_http_eda_ws_read_handler(ngx_event_t *ev);
static void ngx_http_eda_ws_write_handler(ngx_event_t *ev);
static void ngx_http_eda_ws_read(ngx_http_request_t *r);
static void ngx_http_eda_ws_feed(ngx_http_eda_ws_ctx_t *ctx, u_char *buf,
    size_t len);
static void ngx_http_eda_ws_finalize(ngx_event_t *ev);
static void ngx_http_eda_ws_ping(ngx_event_t *ev);
static void ngx_http_eda_ws_linger(ngx_event_t *ev);
static void ngx_http_eda_ws_expired(ngx_event_t *ev);
static void ngx_http_eda_ws_cleanup(void *data);


/*
 * The context of a connection that passed the handshake: its encoding,
 * its filters, its parser; the request's cleanup frees what it holds.
 */

ngx_http_eda_ws_ctx_t *
ngx_http_eda_ws_create(ngx_http_request_t *r, ngx_uint_t sse)
{
    ngx_pool_cleanup_t           *cln;
    ngx_http_eda_ws_ctx_t        *ctx;
    ngx_http_eda_sub_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_subscribe_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_ws_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->request = r;
    ctx->conf = slcf;
    ctx->smcf = ngx_http_get_module_main_conf(r,
                                              ngx_http_eda_subscribe_module);
    ctx->sse = sse;
    ctx->reader = NGX_HTTP_EDA_READERS;
    ctx->enc = (sse ? NGX_HTTP_EDA_ENC_SSE_EVENT : NGX_HTTP_EDA_ENC_WS_EVENT)
               + slcf->format;

    /* Socket.IO's are set once its CONNECT is admitted */

    if (!slcf->socketio && ngx_http_eda_ws_filters(r, ctx) != NGX_OK) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_eda_ws_cleanup;
    cln->data = ctx;

    ngx_eda_ws_parser_init(&ctx->parser, slcf->max_message);
    ngx_http_set_ctx(r, ctx, ngx_http_eda_subscribe_module);

    return ctx;
}


/*
 * The response is sent: the connection is ours now, with its own event
 * handlers, in the worker's list of clients, with its timers.
 */

void
ngx_http_eda_ws_start(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_connection_t              *c;
    ngx_http_request_t            *r;
    ngx_http_eda_sub_main_conf_t  *smcf;

    r = ctx->request;
    c = r->connection;
    smcf = ctx->smcf;

    /*
     * Marked idle so a graceful shutdown (reload, quit) reaches the read
     * handler with c->close set, and the client gets 1001.
     */

    c->idle = 1;
    c->log->action = "sending events over WebSocket";

    /*
     * Own event handlers: nginx's request handler would terminate the
     * request on c->close before a close frame could be sent.
     */

    c->read->handler = ngx_http_eda_ws_read_handler;
    c->write->handler = ngx_http_eda_ws_write_handler;

    ngx_queue_insert_tail(&smcf->clients, &ctx->queue);
    smcf->nclients++;
    ctx->registered = 1;
    ngx_eda_metrics_set(smcf->emcf, NGX_EDA_M_WS_CONNECTIONS,
                        smcf->nclients);
    ngx_http_eda_ws_counted(ctx, 1);

    ctx->ping.handler = ngx_http_eda_ws_ping;
    ctx->ping.data = ctx;
    ctx->ping.log = c->log;
    ctx->ping.cancelable = 1;

    ctx->linger.handler = ngx_http_eda_ws_linger;
    ctx->linger.data = ctx;
    ctx->linger.log = c->log;

    ctx->fin.handler = ngx_http_eda_ws_finalize;
    ctx->fin.data = ctx;
    ctx->fin.log = c->log;

    if (ctx->conf->ping) {
        ngx_add_timer(&ctx->ping, ctx->conf->ping);
    }

    ngx_http_eda_ws_arm_expiry(ctx);

    r->main->count++;
}


/* a socket never outlives the token it was opened (or connected) with */

void
ngx_http_eda_ws_arm_expiry(ngx_http_eda_ws_ctx_t *ctx)
{
    time_t  exp, now;

    exp = ngx_http_eda_jwt_expires(ctx->request);

    if (exp == 0) {
        return;
    }

    ctx->expiry.handler = ngx_http_eda_ws_expired;
    ctx->expiry.data = ctx;
    ctx->expiry.log = ctx->request->connection->log;
    ctx->expiry.cancelable = 1;

    now = ngx_time();
    ngx_add_timer(&ctx->expiry,
                  exp > now ? (ngx_msec_t) (exp - now) * 1000 : 1);
}


static void
ngx_http_eda_ws_read_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    ngx_http_eda_ws_read(c->data);
}


static void
ngx_http_eda_ws_write_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    ngx_http_eda_ws_write(c->data);
}


static void
ngx_http_eda_ws_read(ngx_http_request_t *r)
{
    u_char                  buf[NGX_HTTP_EDA_WS_READ];
    ssize_t                 n;
    ngx_buf_t              *b;
    ngx_connection_t       *c;
    ngx_http_eda_ws_ctx_t  *ctx;

    c = r->connection;
    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_subscribe_module);

    if (ctx == NULL || ctx->done) {
        return;
    }

    if (c->close) {
        /* the worker is shutting down (reload, quit) */
        c->close = 0;
        ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_GOING_AWAY,
                              "server shutting down");
        return;
    }

    b = r->header_in;

    if (b != NULL && b->pos < b->last) {
        n = b->last - b->pos;
        b->pos = b->last;

        if (!ctx->sse) {
            ngx_http_eda_ws_feed(ctx, b->pos - n, n);
        }
    }

    for ( ;; ) {

        /* closing: the close frame is on its way, the rest is ignored */
        if (ctx->done || ctx->closing) {
            return;
        }

        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ngx_http_eda_ws_finish(ctx);
            }

            return;
        }

        if (n == 0 || n == NGX_ERROR) {
            /* the client went away */
            ngx_http_eda_ws_finish(ctx);
            return;
        }

        /* an event stream is one way: what the client sends is dropped */

        if (!ctx->sse) {
            ngx_http_eda_ws_feed(ctx, buf, n);
        }
    }
}


static void
ngx_http_eda_ws_feed(ngx_http_eda_ws_ctx_t *ctx, u_char *buf, size_t len)
{
    int                  rc;
    u_char               frame[NGX_EDA_WS_MAX_CONTROL_FRAME];
    size_t               used, n;
    ngx_eda_ws_event_t   ev;

    ctx->pinged = 0;

    while (!ctx->done && !ctx->closing) {

        rc = ngx_eda_ws_parse(&ctx->parser, buf, len, &used, &ev);

        buf += used;
        len -= used;

        if (rc == NGX_EDA_WS_AGAIN) {
            return;
        }

        if (rc == NGX_EDA_WS_ERROR) {
            ngx_http_eda_ws_close(ctx, ev.code, ev.reason);
            return;
        }

        switch (ev.opcode) {

        case NGX_EDA_WS_OP_PING:
            n = ngx_eda_ws_pong_frame(frame, ev.data, ev.len);
            ngx_http_eda_ws_control(ctx, frame, n);
            break;

        case NGX_EDA_WS_OP_PONG:
            break;

        case NGX_EDA_WS_OP_CLOSE:
            /* the closing handshake: answer with the client's code */
            ngx_http_eda_ws_close(ctx,
                                  ev.code == NGX_EDA_WS_CLOSE_NO_STATUS
                                  ? 0 : ev.code, "");
            return;

        default:
            if (ctx->sio != NULL) {
                ngx_http_eda_sio_message(ctx, &ev);
                break;
            }

            if (ctx->tmpl == NULL) {
                ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_UNSUPPORTED,
                                      "this endpoint does not accept "
                                      "messages");
                return;
            }

            ngx_http_eda_ws_publish(ctx, &ev);
            break;
        }
    }
}


void
ngx_http_eda_ws_control(ngx_http_eda_ws_ctx_t *ctx, u_char *data,
    size_t len)
{
    ngx_http_eda_ws_frame_t  *frame;

    frame = ngx_http_eda_ws_frame(data, len);
    if (frame == NULL) {
        ngx_http_eda_ws_finish(ctx);
        return;
    }

    frame->refs = 1;

    if (ngx_http_eda_ws_enqueue(ctx, frame, 0) == NGX_OK) {
        ngx_http_eda_ws_write(ctx->request);
    }

    ngx_http_eda_ws_release(frame);
}


/* a message of the gateway's own (ack, problem, resume) as a text frame */

void
ngx_http_eda_ws_text(ngx_http_eda_ws_ctx_t *ctx, u_char *json, size_t len)
{
    ngx_http_eda_ws_frame_t  *frame;

    if (ctx->sse) {
        frame = ngx_http_eda_sse_frame(NULL, 0, NULL, json, len, 0);
        if (frame == NULL) {
            return;
        }

    } else {
        frame = ngx_http_eda_ws_message(NGX_EDA_WS_OP_TEXT, json, len);
        if (frame == NULL) {
            return;
        }
    }

    if (ngx_http_eda_ws_enqueue(ctx, frame, 0) == NGX_OK) {
        ngx_http_eda_ws_write(ctx->request);
    }

    ngx_http_eda_ws_release(frame);
}


/*
 * Starts the closing handshake: frames not yet started are dropped (a
 * closed client gets nothing more), the close frame goes after the one in
 * progress, and the connection ends once it is sent or after a while.
 */

void
ngx_http_eda_ws_close(ngx_http_eda_ws_ctx_t *ctx, unsigned int code,
    const char *reason)
{
    u_char                    buf[NGX_EDA_WS_MAX_CONTROL_FRAME];
    size_t                    len;
    ngx_uint_t                keep, i;
    ngx_http_eda_ws_frame_t  *frame;

    if (ctx->closing || ctx->done) {
        return;
    }

    ctx->closing = 1;

    keep = (ctx->out_count && ctx->out_sent) ? 1 : 0;

    for (i = keep; i < ctx->out_count; i++) {
        frame = ctx->out[(ctx->out_head + i) % ctx->out_size];
        ctx->queued -= frame->len;
        ngx_http_eda_ws_release(frame);
    }

    ctx->out_count = keep;

    if (ctx->sse) {
        frame = ngx_http_eda_sse_close(code, reason);

    } else {
        len = ngx_eda_ws_close_frame(buf, code, reason, ngx_strlen(reason));
        frame = ngx_http_eda_ws_frame(buf, len);
    }

    if (frame == NULL) {
        ngx_http_eda_ws_finish(ctx);
        return;
    }

    frame->refs = 1;
    (void) ngx_http_eda_ws_enqueue(ctx, frame, 1);
    ngx_http_eda_ws_release(frame);

    if (ctx->ping.timer_set) {
        ngx_del_timer(&ctx->ping);
    }

    ngx_add_timer(&ctx->linger, NGX_HTTP_EDA_WS_LINGER);

    ngx_http_eda_ws_write(ctx->request);
}


/*
 * The request ends on the next turn of the event loop, never inside a
 * caller that may still use the context (the fan-out loop, the parser).
 */

void
ngx_http_eda_ws_finish(ngx_http_eda_ws_ctx_t *ctx)
{
    if (ctx->done) {
        return;
    }

    ctx->done = 1;
    ngx_post_event(&ctx->fin, &ngx_posted_events);
}


static void
ngx_http_eda_ws_finalize(ngx_event_t *ev)
{
    ngx_connection_t       *c;
    ngx_http_request_t     *r;
    ngx_http_eda_ws_ctx_t  *ctx = ev->data;

    r = ctx->request;
    c = r->connection;

    /* the pool cleanup unregisters and frees the rest */

    ngx_http_finalize_request(r, NGX_HTTP_CLOSE);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_eda_ws_ping(ngx_event_t *ev)
{
    u_char                  frame[NGX_EDA_WS_MAX_CONTROL_FRAME];
    size_t                  n;
    ngx_http_eda_ws_ctx_t  *ctx = ev->data;

    if (ctx->sse) {
        /* a comment keeps proxies from timing the stream out */
        ngx_add_timer(&ctx->ping, ctx->conf->ping);
        ngx_http_eda_ws_control(ctx, (u_char *) "2\r\n:\n\r\n", 7);
        return;
    }

    if (ctx->pinged) {
        /* nothing came back since the last ping: the peer is gone */
        ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                      "eda: WebSocket client did not answer a ping");
        ngx_http_eda_ws_finish(ctx);
        return;
    }

    ctx->pinged = 1;
    ngx_add_timer(&ctx->ping, ctx->conf->ping);

    if (ctx->sio != NULL) {
        ngx_http_eda_sio_ping(ctx);
        return;
    }

    n = ngx_eda_ws_ping_frame(frame, (u_char *) "eda", 3);
    ngx_http_eda_ws_control(ctx, frame, n);
}


static void
ngx_http_eda_ws_linger(ngx_event_t *ev)
{
    ngx_http_eda_ws_finish(ev->data);
}


static void
ngx_http_eda_ws_expired(ngx_event_t *ev)
{
    ngx_http_eda_ws_ctx_t  *ctx = ev->data;

    if (ctx->sio != NULL) {
        ngx_http_eda_sio_expired(ctx);
        return;
    }

    ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_POLICY, "token expired");
}


static void
ngx_http_eda_ws_cleanup(void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_uint_t  i;

    ctx->done = 1;

    ngx_http_eda_ws_start_cancel(ctx);
    ngx_http_eda_resume_cancel(ctx);
    ngx_http_eda_sio_cleanup(ctx);

    if (ctx->registered) {
        ngx_queue_remove(&ctx->queue);
        ctx->registered = 0;
        ctx->smcf->nclients--;
        ngx_eda_metrics_set(ctx->smcf->emcf, NGX_EDA_M_WS_CONNECTIONS,
                            ctx->smcf->nclients);
        ngx_http_eda_ws_counted(ctx, 0);
    }

    for (i = 0; i < ctx->out_count; i++) {
        ngx_http_eda_ws_release(ctx->out[(ctx->out_head + i)
                                         % ctx->out_size]);
    }

    ctx->out_count = 0;

    if (ctx->out != NULL) {
        ngx_free(ctx->out);
        ctx->out = NULL;
        ctx->out_size = 0;
    }

    if (ctx->ping.timer_set) {
        ngx_del_timer(&ctx->ping);
    }

    if (ctx->linger.timer_set) {
        ngx_del_timer(&ctx->linger);
    }

    if (ctx->fin.posted) {
        ngx_delete_posted_event(&ctx->fin);
    }

    if (ctx->expiry.timer_set) {
        ngx_del_timer(&ctx->expiry);
    }

    for (i = 0; i < ctx->ninflight; i++) {
        ngx_eda_kafka_dr_detach(ctx->inflight[i]);
    }

    ctx->ninflight = 0;

    ngx_eda_ws_parser_destroy(&ctx->parser);
}


/* the open clients by protocol, for eda_clients{protocol} */

void
ngx_http_eda_ws_counted(ngx_http_eda_ws_ctx_t *ctx, ngx_uint_t registered)
{
    ngx_http_eda_sub_main_conf_t  *smcf;

    static const ngx_eda_metric_e  metric[] = {
        NGX_EDA_M_CLIENTS_WS, NGX_EDA_M_CLIENTS_SSE, NGX_EDA_M_CLIENTS_SIO
    };

    smcf = ctx->smcf;

    if (registered) {
        ctx->protocol = (ctx->sio != NULL || ctx->enc == NGX_HTTP_EDA_ENC_SIO)
                        ? 2 : (ctx->sse ? 1 : 0);
        smcf->nprotocol[ctx->protocol]++;

    } else {
        smcf->nprotocol[ctx->protocol]--;
    }

    ngx_eda_metrics_set(smcf->emcf, metric[ctx->protocol],
                        smcf->nprotocol[ctx->protocol]);
}
