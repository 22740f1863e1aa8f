
/*
 * Copyright (C) ngx_eda authors
 *
 * The handshake of eda_subscribe: a GET over HTTP/1.1, from an allowed
 * Origin (eda_ws_origin, or else the request's own host), that is either
 * an RFC 6455 WebSocket upgrade (version 13, a valid key; answered 101
 * with the first subprotocol both sides speak) or a request for
 * text/event-stream (answered 200).  Anything else is
 * refused with a problem response saying why.  An accepted connection is
 * handed over to ngx_http_eda_ws_connection.c, after the replay a
 * resuming client asked for.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ws_codec.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_subscribe.h"


#if !defined NGX_HTTP_UPGRADE_REQUIRED
#define NGX_HTTP_UPGRADE_REQUIRED  426
#endif


/* the request headers the handshake looks at */
typedef struct {
    ngx_str_t                  *key;           /* Sec-WebSocket-Key */
    ngx_str_t                  *version;       /* Sec-WebSocket-Version */
    ngx_str_t                  *last_event_id;
    ngx_str_t                  *types;         /* Accept */
    ngx_str_t                  *origin;
    ngx_uint_t                  upgrade;       /* Connection: upgrade */
} ngx_http_eda_ws_headers_t;


static ngx_int_t ngx_http_eda_ws_check_request(ngx_http_request_t *r);
static void ngx_http_eda_ws_read_headers(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs);
static ngx_int_t ngx_http_eda_ws_check_origin(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs);
static ngx_uint_t ngx_http_eda_ws_is_upgrade(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs);
static ngx_int_t ngx_http_eda_sse_check(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs);
static ngx_int_t ngx_http_eda_ws_check_key(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs, u_char **accept);
static ngx_int_t ngx_http_eda_ws_switch(ngx_http_request_t *r,
    u_char *accept);
static ngx_int_t ngx_http_eda_ws_origin_allowed(
    ngx_http_eda_sub_loc_conf_t *slcf, ngx_str_t *origin);
static ngx_int_t ngx_http_eda_ws_same_host(ngx_http_request_t *r,
    ngx_str_t *origin);
static void ngx_http_eda_ws_split_host(ngx_str_t *host, ngx_str_t *def,
    ngx_str_t *port);
static ngx_int_t ngx_http_eda_ws_answer(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_ws_start_timeout(ngx_event_t *ev);
static void ngx_http_eda_ws_start_now(ngx_http_eda_ws_ctx_t *ctx);
static ngx_str_t *ngx_http_eda_ws_subprotocol(
    ngx_http_eda_sub_loc_conf_t *slcf, ngx_http_request_t *r);


/*
 * The steps that may refuse the request return NGX_DECLINED when they let
 * it through, or what answering it returned.
 */

ngx_int_t
ngx_http_eda_subscribe_handler(ngx_http_request_t *r)
{
    u_char                       *accept;
    ngx_int_t                     rc;
    ngx_str_t                     cursor;
    ngx_uint_t                    sse;
    ngx_http_eda_ws_ctx_t        *ctx;
    ngx_http_eda_ws_headers_t     hs;
    ngx_http_eda_sub_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_subscribe_module);

    if (slcf->socketio) {
        /* Engine.IO's own answers, polling's requests among them */
        rc = ngx_http_eda_sio_check(r);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    rc = ngx_http_eda_ws_check_request(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ngx_http_eda_ws_read_headers(r, &hs);

    rc = ngx_http_eda_ws_check_origin(r, &hs);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    accept = NULL;
    sse = !ngx_http_eda_ws_is_upgrade(r, &hs);

    rc = sse ? ngx_http_eda_sse_check(r, &hs)
             : ngx_http_eda_ws_check_key(r, &hs, &accept);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ctx = ngx_http_eda_ws_create(r, sse);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!sse && ctx->conf->publish.len && !slcf->socketio
        && ngx_http_eda_ws_publish_init(ctx) != NGX_OK)
    {
        return ngx_http_eda_problem(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                    "the events of this socket cannot be "
                                    "described: check eda_ce_*", 0);
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->accept = accept;

    if (hs.last_event_id != NULL) {
        ctx->last_event_id = *hs.last_event_id;
    }

    if (ngx_http_eda_sub_cursor(ctx->smcf, slcf->stream, &cursor)
        == NGX_DECLINED)
    {
        /*
         * The worker's fan-out does not know yet where it starts in the
         * location's topics (the worker is new, its consumer is joining):
         * an answer now would promise records the fan-out may never read.
         * A Socket.IO engine waits too: its namespace is admitted later,
         * over this socket, and read from where the fan-out stands then.
         */
        ngx_http_eda_ws_start_wait(ctx, ngx_http_eda_ws_answer);
        return NGX_DONE;
    }

    return ngx_http_eda_ws_answer(ctx);
}


/*
 * 101 (or the event stream's head), and the connection becomes the
 * module's: from now on every record the fan-out reads reaches it.
 */

static ngx_int_t
ngx_http_eda_ws_answer(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->request;

    rc = ctx->sse ? ngx_http_eda_sse_header(r)
                  : ngx_http_eda_ws_switch(r, ctx->accept);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR) {
        return NGX_ERROR;
    }

    ngx_http_eda_ws_start(ctx);

    if (ngx_exiting) {
        /*
         * Answered by a worker that stops (it waited for the fan-out
         * meanwhile): the read handler says 1001, the client comes back
         * to a new worker from its cursor.
         */
        r->connection->close = 1;
    }

    if (ctx->conf->socketio) {
        if (ngx_http_eda_sio_start(ctx) != NGX_OK) {
            ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_INTERNAL,
                                  "internal error");
        }

    } else {
        ngx_http_eda_ws_resume_request(ctx, ctx->last_event_id.len
                                            ? &ctx->last_event_id : NULL);
    }

    /* frames sent right behind the handshake are read from header_in */
    ngx_post_event(r->connection->read, &ngx_posted_events);

    return NGX_DONE;
}


/*
 * A client waits, not answered, until the fan-out knows where it stands
 * in every partition of its topics (normally well under a second after a
 * worker starts); after NGX_HTTP_EDA_START_WAIT it is answered all the
 * same (a topic that does not exist yet, Kafka away).
 */

void
ngx_http_eda_ws_start_wait(ngx_http_eda_ws_ctx_t *ctx,
    ngx_int_t (*started)(ngx_http_eda_ws_ctx_t *ctx))
{
    ngx_http_request_t  *r;

    r = ctx->request;
    ctx->started = started;

    ctx->start.handler = ngx_http_eda_ws_start_timeout;
    ctx->start.data = ctx;
    ctx->start.log = r->connection->log;
    ngx_add_timer(&ctx->start, NGX_HTTP_EDA_START_WAIT);

    ngx_queue_insert_tail(&ctx->smcf->starting, &ctx->squeue);
    ctx->starting = 1;

    /* a client that goes away meanwhile ends the request */
    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_request_empty_handler;
    r->main->count++;
}


/* the fan-out moved on: answer the clients it can serve now */

void
ngx_http_eda_ws_start_waiting(ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_str_t               cursor;
    ngx_queue_t             ready, *q, *next;
    ngx_http_eda_ws_ctx_t  *ctx;

    /*
     * The ready ones move to a list of their own first: answering one
     * starts its resume, which comes back here.
     */

    ngx_queue_init(&ready);

    for (q = ngx_queue_head(&smcf->starting);
         q != ngx_queue_sentinel(&smcf->starting);
         q = next)
    {
        next = ngx_queue_next(q);
        ctx = ngx_queue_data(q, ngx_http_eda_ws_ctx_t, squeue);

        if (ngx_http_eda_sub_cursor(smcf, ctx->conf->stream, &cursor)
            == NGX_DECLINED)
        {
            continue;
        }

        ngx_queue_remove(q);
        ngx_queue_insert_tail(&ready, q);
    }

    while (!ngx_queue_empty(&ready)) {
        q = ngx_queue_head(&ready);
        ctx = ngx_queue_data(q, ngx_http_eda_ws_ctx_t, squeue);

        /* takes it off the list */
        ngx_http_eda_ws_start_now(ctx);
    }
}


static void
ngx_http_eda_ws_start_timeout(ngx_event_t *ev)
{
    ngx_http_eda_ws_ctx_t  *ctx = ev->data;

    ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                  "eda: the fan-out does not know yet where it starts in "
                  "the topics of this client; answered all the same");

    ngx_http_eda_ws_start_now(ctx);
}


static void
ngx_http_eda_ws_start_now(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->request;

    ngx_http_eda_ws_start_cancel(ctx);

    rc = ctx->started(ctx);

    /* the count taken while it waited; an error ends the request */
    ngx_http_finalize_request(r, rc);
}


void
ngx_http_eda_ws_start_cancel(ngx_http_eda_ws_ctx_t *ctx)
{
    if (!ctx->starting) {
        return;
    }

    ngx_queue_remove(&ctx->squeue);
    ctx->starting = 0;

    if (ctx->start.timer_set) {
        ngx_del_timer(&ctx->start);
    }
}


/*
 * The module writes to the socket itself (HTTP/1.1 chunks for an event
 * stream), so HTTP/2 and HTTP/1.0 are not served.
 */

static ngx_int_t
ngx_http_eda_ws_check_request(ngx_http_request_t *r)
{
    if (r->method != NGX_HTTP_GET) {
        return ngx_http_eda_not_allowed(r, "GET",
                                        "a subscription is a GET: a "
                                        "WebSocket handshake or an event "
                                        "stream");
    }

    if (r != r->main || r->http_version != NGX_HTTP_VERSION_11) {
        return ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                    "WebSocket and event streams need "
                                    "HTTP/1.1", 0);
    }

    return NGX_DECLINED;
}


static void
ngx_http_eda_ws_read_headers(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    ngx_memzero(hs, sizeof(ngx_http_eda_ws_headers_t));

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Sec-WebSocket-Key") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Sec-WebSocket-Key",
                               h[i].key.len) == 0)
        {
            hs->key = &h[i].value;

        } else if (h[i].key.len == sizeof("Sec-WebSocket-Version") - 1
                   && ngx_strncasecmp(h[i].key.data,
                                      (u_char *) "Sec-WebSocket-Version",
                                      h[i].key.len) == 0)
        {
            hs->version = &h[i].value;

        } else if (h[i].key.len == sizeof("Last-Event-ID") - 1
                   && ngx_strncasecmp(h[i].key.data,
                                      (u_char *) "Last-Event-ID",
                                      h[i].key.len) == 0)
        {
            hs->last_event_id = &h[i].value;

        } else if (h[i].key.len == sizeof("Accept") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept",
                                      h[i].key.len) == 0)
        {
            hs->types = &h[i].value;

        } else if (h[i].key.len == sizeof("Origin") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Origin",
                                      h[i].key.len) == 0)
        {
            hs->origin = &h[i].value;

        } else if (h[i].key.len == sizeof("Connection") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Connection",
                                      h[i].key.len) == 0
                   && ngx_strlcasestrn(h[i].value.data,
                                       h[i].value.data + h[i].value.len,
                                       (u_char *) "upgrade", 7 - 1)
                      != NULL)
        {
            /* nginx 1.22 keeps no pointer to the Connection header */
            hs->upgrade = 1;
        }
    }
}


/*
 * A browser always names the page's origin on a WebSocket handshake, and
 * on an event stream opened from another origin: a page of another site
 * cannot subscribe with the user's cookies.  Allowed are the origins of
 * eda_ws_origin or, without it, only the request's own host.  Clients
 * that are not browsers send no Origin and are not concerned.
 */

static ngx_int_t
ngx_http_eda_ws_check_origin(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs)
{
    ngx_int_t                     rc;
    ngx_http_eda_sub_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_subscribe_module);

    if (hs->origin == NULL) {
        return NGX_DECLINED;
    }

    rc = (slcf->origins != NULL)
         ? ngx_http_eda_ws_origin_allowed(slcf, hs->origin)
         : ngx_http_eda_ws_same_host(r, hs->origin);

    if (rc != NGX_OK) {
        return ngx_http_eda_problem(r, NGX_HTTP_FORBIDDEN,
                                    "this Origin is not allowed "
                                    "(eda_ws_origin)", 0);
    }

    return NGX_DECLINED;
}


/* "Upgrade: websocket" and "Connection: Upgrade" */

static ngx_uint_t
ngx_http_eda_ws_is_upgrade(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs)
{
    ngx_table_elt_t  *h;

    h = r->headers_in.upgrade;

    return hs->upgrade
           && h != NULL
           && ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                               (u_char *) "websocket", 9 - 1)
              != NULL;
}


/* not an upgrade: then a request for an event stream */

static ngx_int_t
ngx_http_eda_sse_check(ngx_http_request_t *r, ngx_http_eda_ws_headers_t *hs)
{
    ngx_str_t                 *types;
    ngx_http_core_loc_conf_t  *clcf;

    types = hs->types;

    if (types == NULL
        || ngx_strlcasestrn(types->data, types->data + types->len,
                            (u_char *) "text/event-stream", 17 - 1)
           == NULL)
    {
        return ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                    "expected \"Upgrade: websocket\" "
                                    "and \"Connection: Upgrade\", or "
                                    "\"Accept: text/event-stream\"", 0);
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (!clcf->chunked_transfer_encoding) {
        return ngx_http_eda_problem(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                    "an event stream needs "
                                    "chunked_transfer_encoding on", 0);
    }

    return NGX_DECLINED;
}


/* version 13 and a valid key, whose answer goes in *ACCEPT */

static ngx_int_t
ngx_http_eda_ws_check_key(ngx_http_request_t *r,
    ngx_http_eda_ws_headers_t *hs, u_char **accept)
{
    ngx_str_t  *key, *version;

    key = hs->key;
    version = hs->version;

    if (version == NULL || version->len != 2
        || ngx_strncmp(version->data, "13", 2) != 0)
    {
        if (ngx_http_eda_sub_header(r, "Sec-WebSocket-Version", "13", 2)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_eda_problem(r, NGX_HTTP_UPGRADE_REQUIRED,
                                    "only WebSocket version 13", 0);
    }

    *accept = ngx_pnalloc(r->pool, NGX_EDA_WS_ACCEPT_LEN);
    if (*accept == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (key == NULL
        || ngx_eda_ws_accept_key((const char *) key->data, key->len,
                                 (char *) *accept) != 0)
    {
        return ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                    "invalid Sec-WebSocket-Key", 0);
    }

    return NGX_DECLINED;
}


/* 101 Switching Protocols; nginx adds "Connection: upgrade" */

static ngx_int_t
ngx_http_eda_ws_switch(ngx_http_request_t *r, u_char *accept)
{
    ngx_str_t                    *protocol;
    ngx_http_eda_sub_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_subscribe_module);

    if (ngx_http_eda_sub_header(r, "Upgrade", "websocket", 9) != NGX_OK
        || ngx_http_eda_sub_header(r, "Sec-WebSocket-Accept",
                                   (char *) accept, NGX_EDA_WS_ACCEPT_LEN)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    protocol = ngx_http_eda_ws_subprotocol(slcf, r);

    if (protocol != NULL
        && ngx_http_eda_sub_header(r, "Sec-WebSocket-Protocol",
                                   (char *) protocol->data, protocol->len)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    if (ngx_http_send_header(r) == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* an origin is compared as a whole, ignoring case (RFC 6454) */

static ngx_int_t
ngx_http_eda_ws_origin_allowed(ngx_http_eda_sub_loc_conf_t *slcf,
    ngx_str_t *origin)
{
    ngx_str_t   *o;
    ngx_uint_t   i;

    o = slcf->origins->elts;

    for (i = 0; i < slcf->origins->nelts; i++) {
        if (o[i].len == origin->len
            && ngx_strncasecmp(o[i].data, origin->data, origin->len) == 0)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/*
 * Without eda_ws_origin: NGX_OK when ORIGIN ("http://" or "https://",
 * then host[:port]) names the host and port of the request's Host header
 * (a Host without a port has the default port of the origin's scheme);
 * anything else, "null" included, is another origin.
 */

static ngx_int_t
ngx_http_eda_ws_same_host(ngx_http_request_t *r, ngx_str_t *origin)
{
    ngx_str_t   a, b, def, aport, bport;
    ngx_uint_t  skip;

    if (origin->len > 7
        && ngx_strncasecmp(origin->data, (u_char *) "http://", 7) == 0)
    {
        skip = 7;
        ngx_str_set(&def, "80");

    } else if (origin->len > 8
               && ngx_strncasecmp(origin->data, (u_char *) "https://", 8)
                  == 0)
    {
        skip = 8;
        ngx_str_set(&def, "443");

    } else {
        return NGX_DECLINED;
    }

    if (r->headers_in.host == NULL) {
        return NGX_DECLINED;
    }

    a.data = origin->data + skip;
    a.len = origin->len - skip;
    b = r->headers_in.host->value;

    ngx_http_eda_ws_split_host(&a, &def, &aport);
    ngx_http_eda_ws_split_host(&b, &def, &bport);

    if (a.len == 0 || a.len != b.len
        || ngx_strncasecmp(a.data, b.data, a.len) != 0
        || aport.len != bport.len
        || ngx_strncmp(aport.data, bport.data, aport.len) != 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * Cuts "host[:port]" (the host may be an [IPv6] literal) into HOST (in
 * place) and *PORT, which is DEF when none is given.
 */

static void
ngx_http_eda_ws_split_host(ngx_str_t *host, ngx_str_t *def, ngx_str_t *port)
{
    u_char  *p, *end, *colon;

    p = host->data;
    end = p + host->len;

    if (p < end && *p == '[') {
        p = ngx_strlchr(p, end, ']');
        if (p == NULL) {
            p = end;
        }
    }

    colon = ngx_strlchr(p, end, ':');

    if (colon == NULL) {
        *port = *def;
        return;
    }

    port->data = colon + 1;
    port->len = end - colon - 1;
    host->len = colon - host->data;
}


/*
 * The first subprotocol the client offers (Sec-WebSocket-Protocol, in its
 * order of preference, over one or more header lines) that the location
 * speaks; NULL when none: the response then names none (RFC 6455 4.2.2),
 * and a client that insists closes the connection itself.
 */

static ngx_str_t *
ngx_http_eda_ws_subprotocol(ngx_http_eda_sub_loc_conf_t *slcf,
    ngx_http_request_t *r)
{
    u_char           *p, *end, *start;
    ngx_str_t        *proto;
    ngx_uint_t        i, j;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (slcf->protocols == NULL) {
        return NULL;
    }

    proto = slcf->protocols->elts;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("Sec-WebSocket-Protocol") - 1
            || ngx_strncasecmp(h[i].key.data,
                               (u_char *) "Sec-WebSocket-Protocol",
                               h[i].key.len) != 0)
        {
            continue;
        }

        p = h[i].value.data;
        end = p + h[i].value.len;

        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
                p++;
            }

            start = p;

            while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
                p++;
            }

            for (j = 0; j < slcf->protocols->nelts; j++) {
                if (proto[j].len == (size_t) (p - start)
                    && ngx_strncmp(proto[j].data, start, p - start) == 0)
                {
                    return &proto[j];
                }
            }
        }
    }
}


ngx_int_t
ngx_http_eda_sub_header(ngx_http_request_t *r, char *name, char *value,
    size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = (u_char *) value;
    h->value.len = len;

    return NGX_OK;
}
