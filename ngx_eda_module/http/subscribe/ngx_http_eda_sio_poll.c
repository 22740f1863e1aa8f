
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_socketio's HTTP long-polling transport, and its upgrade to a
 * WebSocket, with no sticky routing: every request of a session may land
 * on any worker of any gateway sharing the Redis of eda_redis.  A session
 * lives in Redis (a hash: state, pid, cursor, token, filters, rooms; an
 * outbox list of packets; a lock held by the one GET under way), for
 * pingInterval + pingTimeout after its last request.  A POST is handled
 * where it lands: CONNECT judged there, events published there (the POST
 * is answered once Kafka has them), and what it answers goes to the
 * outbox.  A GET is answered from the outbox, or with the events after
 * the session's cursor (from Kafka when it lags, then live), or with a
 * ping after pingInterval; the outbox is checked while it waits.  A probe
 * over WebSocket puts a noop in the outbox, which ends the GET under way;
 * the upgrade ("5") moves the session onto the WebSocket.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "ngx_eda_module.h"
#include "ngx_eda_cursor.h"
#include "ngx_eda_eio.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_jwt_module.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_subscribe.h"
#include "ngx_http_eda_sio.h"


#define NGX_HTTP_EDA_SIO_TICK          100      /* ms between outbox checks */
#define NGX_HTTP_EDA_SIO_BATCH         "64"     /* packets a GET takes */
#define NGX_HTTP_EDA_SIO_PACKETS       256      /* a POST's, at most */


static ngx_int_t ngx_http_eda_sio_handshake(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_sio_create(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_created(void *reply, void *data);
static ngx_http_eda_ws_ctx_t *ngx_http_eda_sio_poll_ctx(
    ngx_http_request_t *r, ngx_str_t *sid, ngx_uint_t http);
static void ngx_http_eda_sio_post_body(ngx_http_request_t *r);
static void ngx_http_eda_sio_loaded(void *reply, void *data);
static void ngx_http_eda_sio_post_start(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_post_judged(void *data);
static ngx_int_t ngx_http_eda_sio_restore(ngx_http_eda_ws_ctx_t *ctx,
    redisReply *reply);
static ngx_int_t ngx_http_eda_sio_restore_filters(ngx_http_eda_ws_ctx_t *ctx,
    const char *json, size_t len);
static void ngx_http_eda_sio_restore_rooms(ngx_http_eda_ws_ctx_t *ctx,
    const char *json, size_t len);
static void ngx_http_eda_sio_post_next(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_pushed(void *reply, void *data);
static void ngx_http_eda_sio_locked(void *reply, void *data);
static void ngx_http_eda_sio_popped(void *reply, void *data);
static void ngx_http_eda_sio_poll_wait(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_tick(ngx_event_t *ev);
static void ngx_http_eda_sio_flush_handler(ngx_event_t *ev);
static void ngx_http_eda_sio_answer(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_after(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_upgrade_loaded(void *reply, void *data);
static void ngx_http_eda_sio_upgrade_judged(void *data);
static void ngx_http_eda_sio_upgrade_popped(void *reply, void *data);
static ngx_int_t ngx_http_eda_sio_respond(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len);
static ngx_eda_redis_cmd_t *ngx_http_eda_sio_redis(
    ngx_http_eda_ws_ctx_t *ctx, ngx_uint_t slot,
    ngx_eda_redis_handler_pt handler, const char *name, ngx_uint_t argc,
    ngx_str_t *argv);
static void ngx_http_eda_sio_key(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *key,
    const char *suffix);
static void ngx_http_eda_sio_touch(ngx_http_eda_ws_ctx_t *ctx);


/*
 * transport=polling: the handshake (GET without a sid), a poll (GET with
 * one) or packets (POST with one).
 */

ngx_int_t
ngx_http_eda_sio_polling(ngx_http_request_t *r)
{
    ngx_int_t               rc;
    ngx_str_t               sid;
    ngx_eda_main_conf_t    *emcf;
    ngx_http_eda_ws_ctx_t  *ctx;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (emcf->redis == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_arg(r, (u_char *) "sid", 3, &sid) != NGX_OK) {
        if (r->method != NGX_HTTP_GET) {
            return NGX_DECLINED;
        }

        return ngx_http_eda_sio_handshake(r);
    }

    if (sid.len != NGX_HTTP_EDA_SIO_ID_LEN) {
        return NGX_DECLINED;
    }

    if (r->method == NGX_HTTP_POST) {
        ctx = ngx_http_eda_sio_poll_ctx(r, &sid, NGX_HTTP_EDA_SIO_POST);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rc = ngx_http_read_client_request_body(r,
                                               ngx_http_eda_sio_post_body);
        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

    if (r->method != NGX_HTTP_GET) {
        return NGX_DECLINED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_http_eda_sio_poll_ctx(r, &sid, NGX_HTTP_EDA_SIO_GET);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->main->count++;

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_loaded, NULL, 0, NULL)
        == NULL)
    {
        r->main->count--;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


/*
 * A new session: its sid, its pid, where the fan-out stands now (so the
 * first poll misses nothing), in Redis before the open packet is sent:
 * the next request may land anywhere.
 */

static ngx_int_t
ngx_http_eda_sio_handshake(ngx_http_request_t *r)
{
    ngx_http_eda_ws_ctx_t  *ctx;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_http_eda_sio_poll_ctx(r, NULL, NGX_HTTP_EDA_SIO_GET);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_eda_sio_create(ctx);
}


static ngx_int_t
ngx_http_eda_sio_create(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_str_t            cursor, argv[10];
    ngx_http_request_t  *r;

    r = ctx->request;

    rc = ngx_http_eda_sub_cursor(ctx->smcf, ctx->conf->stream, &cursor);

    if (rc == NGX_DECLINED && ctx->started == NULL) {
        /*
         * A new worker: the session starts where its fan-out will, so
         * this runs again once it knows (or after the wait, without).
         */
        ngx_http_eda_ws_start_wait(ctx, ngx_http_eda_sio_create);
        return NGX_DONE;
    }

    if (rc != NGX_OK) {
        ngx_str_null(&cursor);
    }

    ngx_http_eda_sio_key(ctx, &argv[1], "");
    ngx_str_set(&argv[2], "st");
    ngx_str_set(&argv[3], "0");
    ngx_str_set(&argv[4], "pid");
    argv[5].data = ctx->sio->pid;
    argv[5].len = NGX_HTTP_EDA_SIO_ID_LEN;
    ngx_str_set(&argv[6], "cur");
    argv[7].data = ngx_pstrdup(r->pool, &cursor);
    argv[7].len = cursor.len;

    r->main->count++;

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_created, "HSET", 8,
                               argv)
        == NULL)
    {
        r->main->count--;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


static void
ngx_http_eda_sio_created(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    u_char              *buf;
    size_t               len;
    ngx_http_request_t  *r;
    ngx_eda_eio_open_t   open;

    r = ctx->request;
    ctx->sio->cmd[0] = NULL;

    if (reply == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        return;
    }

    ngx_http_eda_sio_touch(ctx);

    ngx_memzero(&open, sizeof(ngx_eda_eio_open_t));
    open.sid = ctx->sio->sid;
    open.sid_len = NGX_HTTP_EDA_SIO_ID_LEN;
    open.websocket = 1;
    open.ping_interval = ctx->conf->ping;
    open.ping_timeout = ctx->conf->ping;
    open.max_payload = ctx->conf->max_message;

    len = ngx_eda_eio_open_len(&open);
    buf = ngx_pnalloc(r->pool, len);

    if (len == 0 || buf == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    (void) ngx_eda_eio_open_write(buf, &open);

    ngx_http_finalize_request(r, ngx_http_eda_sio_respond(r, NGX_HTTP_OK,
                                                          buf, len));
}


/* a polling request's context: eda_subscribe's, not on a socket */

static ngx_http_eda_ws_ctx_t *
ngx_http_eda_sio_poll_ctx(ngx_http_request_t *r, ngx_str_t *sid,
    ngx_uint_t http)
{
    ngx_http_eda_sio_t     *sio;
    ngx_http_eda_ws_ctx_t  *ctx;

    ctx = ngx_http_eda_ws_create(r, 0);
    if (ctx == NULL) {
        return NULL;
    }

    sio = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_sio_t));
    if (sio == NULL) {
        return NULL;
    }

    ctx->sio = sio;
    ctx->silent = 1;
    ctx->enc = NGX_HTTP_EDA_ENC_SIO;
    sio->http = http;

    sio->outq = ngx_array_create(r->pool, 4, sizeof(ngx_str_t));
    if (sio->outq == NULL) {
        return NULL;
    }

    if (sid != NULL) {
        ngx_memcpy(sio->sid, sid->data, NGX_HTTP_EDA_SIO_ID_LEN);

    } else if (ngx_http_eda_sio_id(ctx, sio->sid) != NGX_OK
               || ngx_http_eda_sio_id(ctx, sio->pid) != NGX_OK)
    {
        return NULL;
    }

    sio->tick.handler = ngx_http_eda_sio_tick;
    sio->tick.data = ctx;
    sio->tick.log = r->connection->log;
    sio->tick.cancelable = 1;

    sio->flush.handler = ngx_http_eda_sio_flush_handler;
    sio->flush.data = ctx;
    sio->flush.log = r->connection->log;

    return ctx;
}


static void
ngx_http_eda_sio_post_body(ngx_http_request_t *r)
{
    ngx_http_eda_ws_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_subscribe_module);

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_loaded, NULL, 0, NULL)
        == NULL)
    {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }
}


/* the session (HGETALL): a POST reads its packets, a GET takes the lock */

static void
ngx_http_eda_sio_loaded(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_str_t            argv[8];
    ngx_http_request_t  *r;

    r = ctx->request;
    ctx->sio->cmd[0] = NULL;

    if (reply == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        return;
    }

    if (ngx_http_eda_sio_restore(ctx, reply) != NGX_OK) {
        ngx_http_finalize_request(r,
            ngx_http_eda_sio_respond(r, NGX_HTTP_BAD_REQUEST,
                (u_char *) "{\"code\":1,\"message\":\"Session ID unknown\"}",
                sizeof("{\"code\":1,\"message\":\"Session ID unknown\"}")
                - 1));
        return;
    }

    ngx_http_eda_sio_touch(ctx);

    if (ctx->sio->http == NGX_HTTP_EDA_SIO_POST) {
        ngx_http_eda_sio_post_start(ctx);
        return;
    }

    /* one GET at a time: a second concurrent one is a client's error */

    ngx_http_eda_sio_key(ctx, &argv[1], ":poll");
    ngx_str_set(&argv[2], "1");
    ngx_str_set(&argv[3], "NX");
    ngx_str_set(&argv[4], "PX");
    argv[5].data = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (argv[5].data == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    argv[5].len = ngx_sprintf(argv[5].data, "%M", ctx->conf->ping + 5000)
                  - argv[5].data;

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_locked, "SET", 6,
                               argv)
        == NULL)
    {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }
}


/*
 * A POST of a connected session publishes with the location's eda_ce_*
 * attributes, whose variables may be the token's: it is judged again (a
 * cache hit, normally) before the packets are read.
 */

static void
ngx_http_eda_sio_post_start(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    if (sio->state == NGX_HTTP_EDA_SIO_CONNECTED && ctx->conf->publish.len
        && sio->token.len && ngx_http_eda_jwt_enabled(ctx->request))
    {
        rc = ngx_http_eda_jwt_judge(ctx->request, &sio->token,
                                    ngx_http_eda_sio_post_judged, ctx);
        if (rc == NGX_AGAIN) {
            return;
        }
    }

    ngx_http_eda_sio_post_judged(ctx);
}


static void
ngx_http_eda_sio_post_judged(void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    u_char              *buf;
    ngx_str_t            body;
    const char          *desc;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ctx->sio->state == NGX_HTTP_EDA_SIO_CONNECTED
        && ctx->conf->publish.len)
    {
        if (ctx->sio->token.len && ngx_http_eda_jwt_enabled(r)
            && ngx_http_eda_jwt_outcome(r, &desc) != NGX_OK)
        {
            /* revoked since: the session ends */
            ctx->sio->state = NGX_HTTP_EDA_SIO_OPEN;
            ctx->sio->closed = 1;

        } else if (ngx_http_eda_ws_publish_init(ctx) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }
    }

    if (ngx_http_eda_request_body(r, &body) != NGX_OK
        || body.len > ctx->conf->max_message)
    {
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
        return;
    }

    buf = ngx_pnalloc(r->pool, NGX_EDA_EIO_BIN_SIZE(body.len) + 1);
    if (buf == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_eda_eio_payload_init(&ctx->sio->body, body.data, body.len,
                             NGX_HTTP_EDA_SIO_PACKETS, buf,
                             NGX_EDA_EIO_BIN_SIZE(body.len) + 1);
    ngx_http_eda_sio_post_next(ctx);
}


/*
 * The session's fields into the context: a session unknown (or expired)
 * is NGX_DECLINED.
 */

static ngx_int_t
ngx_http_eda_sio_restore(ngx_http_eda_ws_ctx_t *ctx, redisReply *reply)
{
    size_t               i;
    ngx_str_t            v;
    redisReply          *k, *e;
    ngx_http_request_t  *r;
    ngx_http_eda_sio_t  *sio;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        return NGX_DECLINED;
    }

    r = ctx->request;
    sio = ctx->sio;

    for (i = 0; i + 1 < reply->elements; i += 2) {
        k = reply->element[i];
        e = reply->element[i + 1];

        if (k->type != REDIS_REPLY_STRING || e->type != REDIS_REPLY_STRING) {
            continue;
        }

        v.len = e->len;
        v.data = ngx_pnalloc(r->pool, e->len + 1);
        if (v.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(v.data, e->str, e->len);
        v.data[v.len] = '\0';

        if (k->len == 2 && ngx_strncmp(k->str, "st", 2) == 0) {
            sio->state = (v.len == 1 && v.data[0] == '1')
                         ? NGX_HTTP_EDA_SIO_CONNECTED : NGX_HTTP_EDA_SIO_OPEN;

        } else if (k->len == 3 && ngx_strncmp(k->str, "pid", 3) == 0
                   && v.len == NGX_HTTP_EDA_SIO_ID_LEN)
        {
            ngx_memcpy(sio->pid, v.data, NGX_HTTP_EDA_SIO_ID_LEN);

        } else if (k->len == 3 && ngx_strncmp(k->str, "cur", 3) == 0) {
            sio->cursor = v;

        } else if (k->len == 3 && ngx_strncmp(k->str, "tok", 3) == 0) {
            sio->token = v;

        } else if (k->len == 3 && ngx_strncmp(k->str, "exp", 3) == 0) {
            sio->exp = ngx_atotm(v.data, v.len);

        } else if (k->len == 3 && ngx_strncmp(k->str, "flt", 3) == 0) {
            if (ngx_http_eda_sio_restore_filters(ctx, (char *) v.data, v.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

        } else if (k->len == 5 && ngx_strncmp(k->str, "rooms", 5) == 0) {
            ngx_http_eda_sio_restore_rooms(ctx, (char *) v.data, v.len);
        }
    }

    if (sio->exp > 0 && sio->exp <= ngx_time()) {
        /* its token ended: so does the session */
        sio->state = NGX_HTTP_EDA_SIO_OPEN;
        sio->closed = 1;
    }

    return NGX_OK;
}


/* the filters the CONNECT set: [[attr, op, value, required], ...] */

static ngx_int_t
ngx_http_eda_sio_restore_filters(ngx_http_eda_ws_ctx_t *ctx,
    const char *json, size_t len)
{
    size_t             i;
    json_t            *all, *one;
    ngx_str_t          s;
    json_error_t       jerr;
    ngx_eda_filter_t  *f;

    ctx->filters = ngx_array_create(ctx->request->pool, 4,
                                    sizeof(ngx_eda_filter_t));
    if (ctx->filters == NULL) {
        return NGX_ERROR;
    }

    all = json_loadb(json, len, 0, &jerr);
    if (!json_is_array(all)) {
        if (all != NULL) {
            json_decref(all);
        }

        return NGX_ERROR;
    }

    json_array_foreach(all, i, one) {
        if (json_array_size(one) != 4
            || !json_is_string(json_array_get(one, 0))
            || !json_is_integer(json_array_get(one, 1))
            || !json_is_string(json_array_get(one, 2)))
        {
            continue;
        }

        f = ngx_array_push(ctx->filters);
        if (f == NULL) {
            json_decref(all);
            return NGX_ERROR;
        }

        s.data = (u_char *) json_string_value(json_array_get(one, 0));
        s.len = json_string_length(json_array_get(one, 0));
        f->attr = (const char *) ngx_pstrdup(ctx->request->pool, &s);
        f->attr_len = s.len;
        f->op = (int) json_integer_value(json_array_get(one, 1));

        s.data = (u_char *) json_string_value(json_array_get(one, 2));
        s.len = json_string_length(json_array_get(one, 2));
        f->value = (const char *) ngx_pstrdup(ctx->request->pool, &s);
        f->value_len = s.len;
        f->required = json_is_true(json_array_get(one, 3));

        if ((s.len && f->value == NULL) || f->attr == NULL) {
            json_decref(all);
            return NGX_ERROR;
        }
    }

    json_decref(all);

    return NGX_OK;
}


static void
ngx_http_eda_sio_restore_rooms(ngx_http_eda_ws_ctx_t *ctx, const char *json,
    size_t len)
{
    size_t                    i;
    json_t                   *all, *spec;
    const char               *err;
    json_error_t              jerr;
    ngx_http_eda_sio_t       *sio;
    ngx_http_eda_sio_room_t  *room;

    sio = ctx->sio;

    all = json_loadb(json, len, 0, &jerr);
    if (all == NULL) {
        return;
    }

    json_array_foreach(all, i, spec) {
        if (sio->nrooms == NGX_HTTP_EDA_SIO_ROOMS) {
            break;
        }

        room = ngx_http_eda_sio_room(spec, &err);
        if (room != NULL) {
            sio->rooms[sio->nrooms++] = room;
        }
    }

    json_decref(all);
}


/*
 * A POST's packets, in order.  A CONNECT whose token Redis must judge, or
 * events Kafka has not acknowledged, hold the answer: what is answered
 * goes to the outbox first, then "ok".
 */

static void
ngx_http_eda_sio_post_next(ngx_http_eda_ws_ctx_t *ctx)
{
    int                    rc;
    ngx_eda_eio_packet_t   pkt;
    ngx_http_eda_sio_t    *sio;

    sio = ctx->sio;

    while (!sio->failed && !sio->closed
           && sio->state != NGX_HTTP_EDA_SIO_AUTH)
    {
        rc = ngx_eda_eio_payload_next(&sio->body, &pkt);

        if (rc == NGX_EDA_EIO_DONE) {
            break;
        }

        if (rc != NGX_EDA_EIO_OK) {
            ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_PROTOCOL,
                                  ngx_eda_eio_strerror(rc));
            break;
        }

        if (pkt.binary) {
            ngx_http_eda_sio_binary(ctx, pkt.data, pkt.len);
            continue;
        }

        switch (pkt.type) {

        case NGX_EDA_EIO_MESSAGE:
            ngx_http_eda_sio_packet(ctx, pkt.data, pkt.len);
            break;

        case NGX_EDA_EIO_CLOSE:
            sio->closed = 1;
            break;

        default:
            /* pongs and noops: the session's life is extended anyway */
            break;
        }
    }

    ngx_http_eda_sio_post_check(ctx);
}


void
ngx_http_eda_sio_post_resume(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_eda_sio_post_next(ctx);
}


/*
 * The POST is done when its packets are read, no token is being judged
 * and Kafka acknowledged its events: the outbox gets the answers, then
 * the client its "ok".
 */

void
ngx_http_eda_sio_post_check(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t           *argv, *q, key[3];
    ngx_uint_t           i, n;
    ngx_http_request_t  *r;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;
    r = ctx->request;

    if (sio->http != NGX_HTTP_EDA_SIO_POST || sio->answered
        || sio->cmd[0] != NULL || sio->state == NGX_HTTP_EDA_SIO_AUTH
        || ctx->ninflight
        || (!sio->failed && !sio->closed && sio->body.rc == NGX_EDA_EIO_OK
            && sio->body.pos < sio->body.end))
    {
        return;
    }

    if (sio->closed) {
        sio->answered = 1;

        ngx_http_eda_sio_key(ctx, &key[1], "");
        ngx_http_eda_sio_key(ctx, &key[2], ":out");
        (void) ngx_http_eda_sio_redis(ctx, 2, NULL, "DEL", 3, key);

        ngx_http_finalize_request(r, ngx_http_eda_sio_respond(r,
                                  NGX_HTTP_OK, (u_char *) "ok", 2));
        return;
    }

    n = sio->outq->nelts;

    if (n == 0 || sio->failed) {
        ngx_http_eda_sio_pushed(sio->failed ? NULL : (void *) 1, ctx);
        return;
    }

    argv = ngx_palloc(r->pool, (n + 2) * sizeof(ngx_str_t));
    if (argv == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_eda_sio_key(ctx, &argv[1], ":out");
    q = sio->outq->elts;

    for (i = 0; i < n; i++) {
        argv[i + 2] = q[i];
    }

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_pushed, "RPUSH",
                               n + 2, argv)
        == NULL)
    {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }
}


static void
ngx_http_eda_sio_pushed(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_str_t           argv[3];
    ngx_http_request_t  *r;

    r = ctx->request;
    ctx->sio->cmd[0] = NULL;
    ctx->sio->answered = 1;

    if (ctx->sio->failed) {
        ngx_http_finalize_request(r, ngx_http_eda_sio_respond(r,
            NGX_HTTP_BAD_REQUEST,
            (u_char *) "{\"code\":3,\"message\":\"Bad request\"}",
            sizeof("{\"code\":3,\"message\":\"Bad request\"}") - 1));
        return;
    }

    if (reply == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        return;
    }

    ngx_http_eda_sio_key(ctx, &argv[1], ":out");
    ngx_str_set(&argv[2], "60000");
    (void) ngx_http_eda_sio_redis(ctx, 2, NULL, "PEXPIRE", 3, argv);

    ngx_http_finalize_request(r, ngx_http_eda_sio_respond(r, NGX_HTTP_OK,
                                                          (u_char *) "ok",
                                                          2));
}


/* CONNECT admitted over polling: the session remembers it all */

void
ngx_http_eda_sio_connected(ngx_http_eda_ws_ctx_t *ctx)
{
    u_char              *p;
    json_t              *all;
    char                *dump;
    ngx_str_t            argv[14], tok;
    ngx_uint_t           i;
    ngx_eda_filter_t    *f;
    ngx_http_request_t  *r;
    ngx_http_eda_sio_t  *sio;

    r = ctx->request;
    sio = ctx->sio;

    all = json_array();
    f = ctx->filters->elts;

    for (i = 0; all != NULL && i < ctx->filters->nelts; i++) {
        (void) json_array_append_new(all, json_pack("[s%,i,s%,b]",
                                     f[i].attr, f[i].attr_len, f[i].op,
                                     f[i].value ? f[i].value : "",
                                     f[i].value_len, f[i].required));
    }

    dump = (all != NULL) ? json_dumps(all, JSON_COMPACT) : NULL;

    if (all != NULL) {
        json_decref(all);
    }

    if (dump == NULL) {
        sio->failed = 1;
        return;
    }

    ngx_http_eda_sio_key(ctx, &argv[1], "");
    ngx_str_set(&argv[2], "st");
    ngx_str_set(&argv[3], "1");
    ngx_str_set(&argv[4], "pid");
    argv[5].data = sio->pid;
    argv[5].len = NGX_HTTP_EDA_SIO_ID_LEN;
    ngx_str_set(&argv[6], "flt");
    argv[7].len = ngx_strlen(dump);
    argv[7].data = ngx_pnalloc(r->pool, argv[7].len);
    if (argv[7].data != NULL) {
        ngx_memcpy(argv[7].data, dump, argv[7].len);
    }

    free(dump);

    ngx_str_set(&argv[8], "exp");
    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (argv[7].data == NULL || p == NULL) {
        sio->failed = 1;
        return;
    }

    argv[9].data = p;
    argv[9].len = ngx_sprintf(p, "%T", ngx_http_eda_jwt_expires(r)) - p;

    ngx_str_set(&argv[10], "tok");
    tok = sio->token;
    argv[11] = tok;
    ngx_str_set(&argv[12], "cur");
    argv[13] = sio->recover ? sio->offset : sio->cursor;

    /* the answers wait for this: the outbox comes after, in order */

    (void) ngx_http_eda_sio_redis(ctx, 1, NULL, "HSET", 14, argv);
}


void
ngx_http_eda_sio_rooms_changed(ngx_http_eda_ws_ctx_t *ctx)
{
    char                     *dump;
    json_t                   *all, *spec;
    ngx_str_t                 argv[4];
    ngx_uint_t                i;
    ngx_http_eda_sio_t       *sio;
    ngx_http_eda_sio_room_t  *room;
    ngx_eda_filter_t         *f;
    const ngx_eda_filter_arg_t  *arg;

    sio = ctx->sio;

    if (sio->http != NGX_HTTP_EDA_SIO_POST) {
        return;
    }

    all = json_array();
    if (all == NULL) {
        return;
    }

    for (i = 0; i < sio->nrooms; i++) {
        room = sio->rooms[i];
        spec = json_pack("{s:s%}", "room", room->name, room->name_len);

        for (f = room->filters; spec != NULL
                                && f < room->filters + room->nfilters; f++)
        {
            for (arg = ngx_eda_filter_client_args; arg->arg; arg++) {
                if (arg->op == f->op && ngx_strcmp(arg->attr, f->attr) == 0)
                {
                    (void) json_object_set_new(spec, arg->arg,
                                   json_stringn(f->value, f->value_len));
                    break;
                }
            }
        }

        if (spec != NULL) {
            (void) json_array_append_new(all, spec);
        }
    }

    dump = json_dumps(all, JSON_COMPACT);
    json_decref(all);

    if (dump == NULL) {
        return;
    }

    ngx_http_eda_sio_key(ctx, &argv[1], "");
    ngx_str_set(&argv[2], "rooms");
    argv[3].len = ngx_strlen(dump);
    argv[3].data = ngx_pnalloc(ctx->request->pool, argv[3].len);

    if (argv[3].data != NULL) {
        ngx_memcpy(argv[3].data, dump, argv[3].len);
        (void) ngx_http_eda_sio_redis(ctx, 1, NULL, "HSET", 4, argv);
    }

    free(dump);
}


/* a GET holds the lock: the outbox, or else the events, or else a ping */

static void
ngx_http_eda_sio_locked(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    redisReply          *rr = reply;
    ngx_http_request_t  *r;

    r = ctx->request;
    ctx->sio->cmd[0] = NULL;

    if (rr == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        return;
    }

    if (rr->type == REDIS_REPLY_NIL) {
        ngx_http_finalize_request(r, ngx_http_eda_sio_respond(r,
            NGX_HTTP_BAD_REQUEST,
            (u_char *) "{\"code\":3,\"message\":\"Bad request\"}",
            sizeof("{\"code\":3,\"message\":\"Bad request\"}") - 1));
        return;
    }

    ctx->sio->deadline = ngx_current_msec + ctx->conf->ping;

    if (ctx->sio->closed) {
        /* the token ended: the client is told, the session ends */
        ngx_http_eda_sio_expired(ctx);
        ngx_http_eda_sio_answer(ctx);
        return;
    }

    ngx_http_eda_sio_tick(&ctx->sio->tick);
}


/* the outbox taken (LPOP), every tick while the GET waits */

static void
ngx_http_eda_sio_tick(ngx_event_t *ev)
{
    ngx_http_eda_ws_ctx_t  *ctx = ev->data;

    ngx_str_t  argv[3];

    ngx_http_eda_sio_key(ctx, &argv[1], ":out");
    ngx_str_set(&argv[2], NGX_HTTP_EDA_SIO_BATCH);

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_popped, "LPOP", 3,
                               argv)
        == NULL)
    {
        ngx_http_eda_sio_answer(ctx);
    }
}


static void
ngx_http_eda_sio_popped(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    size_t               i;
    redisReply          *rr = reply, *e;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;
    sio->cmd[0] = NULL;

    if (rr != NULL && rr->type == REDIS_REPLY_ARRAY) {
        for (i = 0; i < rr->elements; i++) {
            e = rr->element[i];

            if (e->type == REDIS_REPLY_STRING) {
                ngx_http_eda_sio_send(ctx, (u_char *) e->str, e->len);
            }
        }
    }

    if (sio->outq->nelts || rr == NULL) {
        ngx_http_eda_sio_answer(ctx);
        return;
    }

    if (ctx->silent && sio->state == NGX_HTTP_EDA_SIO_CONNECTED) {
        ngx_http_eda_sio_poll_wait(ctx);
    }

    if ((ngx_msec_int_t) (sio->deadline - ngx_current_msec) <= 0) {
        /* nothing for pingInterval: the server's ping */
        ngx_http_eda_sio_send(ctx, (u_char *) "2", 1);
        ngx_http_eda_sio_answer(ctx);
        return;
    }

    ngx_add_timer(&sio->tick, NGX_HTTP_EDA_SIO_TICK);
}


/*
 * A connected session's GET joins the fan-out like a socket, from the
 * session's cursor: what it missed comes from Kafka first.
 */

static void
ngx_http_eda_sio_poll_wait(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ctx->smcf;

    if (ctx->filters == NULL) {
        /* a session without its filters lets nothing through */
        return;
    }

    ngx_queue_insert_tail(&smcf->clients, &ctx->queue);
    smcf->nclients++;
    ctx->registered = 1;
    ngx_http_eda_ws_counted(ctx, 1);
    ctx->silent = 0;

    ctx->request->read_event_handler = ngx_http_test_reading;

    if (ctx->sio->cursor.len
        && ngx_http_eda_resume_request(ctx, &ctx->sio->cursor) != NGX_OK)
    {
        ngx_http_eda_ws_resume_unavailable(ctx, &ctx->sio->cursor);
    }
}


ngx_uint_t
ngx_http_eda_sio_http(ngx_http_eda_ws_ctx_t *ctx)
{
    return ctx->sio != NULL && ctx->sio->http != NGX_HTTP_EDA_SIO_WS;
}


void
ngx_http_eda_sio_post_done(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_eda_sio_post_check(ctx);
}


/* events queued for a GET: answered at the end of this turn */

void
ngx_http_eda_sio_poll_ready(ngx_http_eda_ws_ctx_t *ctx)
{
    if (ctx->sio->http == NGX_HTTP_EDA_SIO_GET && ctx->sio->deadline
        && !ctx->sio->flush.posted && !ctx->sio->answered)
    {
        ngx_post_event(&ctx->sio->flush, &ngx_posted_events);
    }
}


static void
ngx_http_eda_sio_flush_handler(ngx_event_t *ev)
{
    ngx_http_eda_sio_answer(ev->data);
}


/*
 * The GET's answer: the outbox's packets and the queued events, separated
 * by 0x1e; the session's cursor moves to the last event's.
 */

static void
ngx_http_eda_sio_answer(ngx_http_eda_ws_ctx_t *ctx)
{
    u_char                   *p, *body, *data;
    size_t                    len, n, h;
    ngx_str_t                *q;
    ngx_uint_t                i, k;
    ngx_http_request_t       *r;
    ngx_http_eda_sio_t       *sio;
    ngx_http_eda_ws_frame_t  *frame;

    sio = ctx->sio;
    r = ctx->request;

    if (sio->answered) {
        return;
    }

    sio->answered = 1;

    if (sio->tick.timer_set) {
        ngx_del_timer(&sio->tick);
    }

    q = sio->outq->elts;
    len = 0;

    for (i = 0; i < sio->outq->nelts; i++) {
        len += q[i].len + 1;
    }

    for (i = 0; i < ctx->out_count; i++) {
        len += ctx->out[(ctx->out_head + i) % ctx->out_size]->len + 1;
    }

    body = ngx_pnalloc(r->pool, len ? len : 1);
    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = body;

    for (i = 0; i < sio->outq->nelts; i++) {
        if (p != body) {
            *p++ = NGX_EDA_EIO_SEPARATOR;
        }

        p = ngx_cpymem(p, q[i].data, q[i].len);
    }

    /* the events: WebSocket frames, without their header */

    for (i = 0; i < ctx->out_count; i++) {
        frame = ctx->out[(ctx->out_head + i) % ctx->out_size];
        n = frame->data[1] & 0x7f;
        h = (n < 126) ? 2 : (n == 126) ? 4 : 10;
        data = frame->data + h;
        n = frame->len - h;

        if (p != body) {
            *p++ = NGX_EDA_EIO_SEPARATOR;
        }

        p = ngx_cpymem(p, data, n);

        /* ...,"CURSOR"] ends an event with a cursor */

        if (n > 3 && data[n - 1] == ']' && data[n - 2] == '"') {
            for (k = n - 3; k > 0 && data[k] != '"'; k--) { /* void */ }

            if (k > 0 && data[k - 1] == ',') {
                sio->cursor.data = ngx_pnalloc(r->pool, n - 2 - (k + 1));
                if (sio->cursor.data != NULL) {
                    sio->cursor.len = n - 2 - (k + 1);
                    ngx_memcpy(sio->cursor.data, data + k + 1,
                               sio->cursor.len);
                }
            }
        }
    }

    if (p == body) {
        *p++ = '0' + NGX_EDA_EIO_NOOP;
    }

    ngx_http_eda_sio_after(ctx);

    ngx_http_finalize_request(r, ngx_http_eda_sio_respond(r, NGX_HTTP_OK,
                                                          body, p - body));
}


/* after a GET: the lock is released, the cursor kept */

static void
ngx_http_eda_sio_after(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t  argv[4];

    ngx_http_eda_sio_key(ctx, &argv[1], ":poll");
    (void) ngx_http_eda_sio_redis(ctx, 2, NULL, "DEL", 2, argv);

    if (ctx->sio->cursor.len && ctx->sio->state == NGX_HTTP_EDA_SIO_CONNECTED)
    {
        ngx_http_eda_sio_key(ctx, &argv[1], "");
        ngx_str_set(&argv[2], "cur");
        argv[3] = ctx->sio->cursor;
        (void) ngx_http_eda_sio_redis(ctx, 1, NULL, "HSET", 4, argv);
    }
}


/*
 * A probe over the WebSocket of a polling session: a noop in the outbox
 * ends the GET under way, so the client can pause polling and upgrade.
 */

void
ngx_http_eda_sio_probe(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t  argv[3];

    ngx_http_eda_sio_key(ctx, &argv[1], ":out");
    ngx_str_set(&argv[2], "6");
    (void) ngx_http_eda_sio_redis(ctx, 2, NULL, "RPUSH", 3, argv);
}


/* the upgrade: the session, as it is now, onto this WebSocket */

void
ngx_http_eda_sio_upgrade(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    if (sio->upgraded || sio->cmd[0] != NULL) {
        return;
    }

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_upgrade_loaded,
                               NULL, 0, NULL)
        == NULL)
    {
        ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_TRY_LATER,
                              "the session store is unavailable");
    }
}


static void
ngx_http_eda_sio_upgrade_loaded(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_int_t            rc;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;
    sio->cmd[0] = NULL;

    if (reply == NULL || ngx_http_eda_sio_restore(ctx, reply) != NGX_OK
        || sio->closed)
    {
        ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_POLICY,
                              "Session ID unknown");
        return;
    }

    sio->upgraded = 1;
    sio->upgrading = 0;

    ngx_http_eda_sio_touch(ctx);

    if (sio->state != NGX_HTTP_EDA_SIO_CONNECTED || sio->token.len == 0) {
        ngx_http_eda_sio_upgrade_judged(ctx);
        return;
    }

    /* the token again, for the variables and the end of this socket */

    rc = ngx_http_eda_jwt_judge(ctx->request, &sio->token,
                                ngx_http_eda_sio_upgrade_judged, ctx);

    if (rc != NGX_AGAIN) {
        ngx_http_eda_sio_upgrade_judged(ctx);
    }
}


static void
ngx_http_eda_sio_upgrade_judged(void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_str_t            argv[3];
    ngx_array_t         *filters;
    const char          *desc;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    if (ctx->done || ctx->closing) {
        return;
    }

    if (sio->state == NGX_HTTP_EDA_SIO_CONNECTED) {
        if (sio->token.len
            && ngx_http_eda_jwt_outcome(ctx->request, &desc) != NGX_OK)
        {
            ngx_http_eda_sio_expired(ctx);
            return;
        }

        /* the session's filters, not the handshake's: keep them */
        filters = ctx->filters;

        if (ngx_http_eda_sio_setup(ctx) != NGX_OK) {
            ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_INTERNAL,
                                  "internal error");
            return;
        }

        if (filters != NULL) {
            ctx->filters = filters;
        }
    }

    /* what the outbox still holds comes first, over the WebSocket */

    ngx_http_eda_sio_key(ctx, &argv[1], ":out");
    ngx_str_set(&argv[2], NGX_HTTP_EDA_SIO_BATCH);

    if (ngx_http_eda_sio_redis(ctx, 0, ngx_http_eda_sio_upgrade_popped,
                               "LPOP", 3, argv)
        == NULL)
    {
        ngx_http_eda_sio_upgrade_popped(NULL, ctx);
    }
}


static void
ngx_http_eda_sio_upgrade_popped(void *reply, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    size_t               i;
    redisReply          *rr = reply, *e;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;
    sio->cmd[0] = NULL;

    if (rr != NULL && rr->type == REDIS_REPLY_ARRAY) {
        for (i = 0; i < rr->elements; i++) {
            e = rr->element[i];

            if (e->type == REDIS_REPLY_STRING
                && !(e->len == 1 && e->str[0] == '6'))
            {
                ngx_http_eda_sio_send(ctx, (u_char *) e->str, e->len);
            }
        }
    }

    if (sio->state != NGX_HTTP_EDA_SIO_CONNECTED) {
        /* the CONNECT comes over the WebSocket now */
        return;
    }

    ctx->silent = 0;

    if (sio->cursor.len
        && ngx_http_eda_resume_request(ctx, &sio->cursor) != NGX_OK)
    {
        ngx_http_eda_ws_resume_unavailable(ctx, &sio->cursor);
    }
}


static ngx_int_t
ngx_http_eda_sio_respond(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;

    if (status == NGX_HTTP_OK) {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; charset=UTF-8");

    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (ngx_http_eda_sub_header(r, "Cache-Control", "no-store", 8)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * Session command NAME with ARGV[1..ARGC-1] (ARGV[0] is set here; no
 * ARGV: HGETALL of the session), in slot SLOT when HANDLER waits for it
 * (detached when the request goes first); without a handler nobody waits.
 */

static ngx_eda_redis_cmd_t *
ngx_http_eda_sio_redis(ngx_http_eda_ws_ctx_t *ctx, ngx_uint_t slot,
    ngx_eda_redis_handler_pt handler, const char *name, ngx_uint_t argc,
    ngx_str_t *argv)
{
    size_t               *lens;
    ngx_str_t             get[2];
    ngx_uint_t            i;
    const char          **args;
    ngx_eda_redis_cmd_t  *cmd;

    if (argv == NULL) {
        ngx_http_eda_sio_key(ctx, &get[1], "");
        argv = get;
        argc = 2;
        name = "HGETALL";
    }

    /* an outbox push has an argument a packet: as many as a POST made */

    args = ngx_palloc(ctx->request->pool, argc * sizeof(char *));
    lens = ngx_palloc(ctx->request->pool, argc * sizeof(size_t));
    if (args == NULL || lens == NULL) {
        return NULL;
    }

    argv[0].data = (u_char *) name;
    argv[0].len = ngx_strlen(name);

    for (i = 0; i < argc; i++) {
        args[i] = (const char *) argv[i].data;
        lens[i] = argv[i].len;
    }

    cmd = ngx_eda_redis_command(ctx->smcf->emcf, handler,
                                handler ? ctx : NULL, (int) argc, args,
                                lens);

    if (cmd != NULL && handler != NULL) {
        ctx->sio->cmd[slot] = cmd;
    }

    return cmd;
}


static void
ngx_http_eda_sio_key(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *key,
    const char *suffix)
{
    u_char     *p;
    size_t      n;
    ngx_str_t  *prefix;

    prefix = ngx_eda_redis_prefix(ctx->smcf->emcf);
    n = ngx_strlen(suffix);

    key->data = ngx_pnalloc(ctx->request->pool,
                            prefix->len + 4 + NGX_HTTP_EDA_SIO_ID_LEN + n);
    if (key->data == NULL) {
        key->len = 0;
        return;
    }

    p = ngx_cpymem(key->data, prefix->data, prefix->len);
    p = ngx_cpymem(p, "eio:", 4);
    p = ngx_cpymem(p, ctx->sio->sid, NGX_HTTP_EDA_SIO_ID_LEN);
    p = ngx_cpymem(p, suffix, n);

    key->len = p - key->data;
}


/* the session lives pingInterval + pingTimeout after its last request */

static void
ngx_http_eda_sio_touch(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t  argv[3];

    ngx_http_eda_sio_key(ctx, &argv[1], "");
    argv[2].data = ngx_pnalloc(ctx->request->pool, NGX_INT_T_LEN);
    if (argv[2].data == NULL) {
        return;
    }

    argv[2].len = ngx_sprintf(argv[2].data, "%M", 2 * ctx->conf->ping
                                                  + 5000)
                  - argv[2].data;

    (void) ngx_http_eda_sio_redis(ctx, 2, NULL, "PEXPIRE", 3, argv);
}


void
ngx_http_eda_sio_poll_cleanup(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t           *q;
    ngx_uint_t           i;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    for (i = 0; i < 3; i++) {
        if (sio->cmd[i] != NULL) {
            ngx_eda_redis_detach(sio->cmd[i]);
            sio->cmd[i] = NULL;
        }
    }

    if (sio->tick.timer_set) {
        ngx_del_timer(&sio->tick);
    }

    if (sio->flush.posted) {
        ngx_delete_posted_event(&sio->flush);
    }

    if (sio->outq != NULL) {
        q = sio->outq->elts;

        for (i = 0; i < sio->outq->nelts; i++) {
            ngx_free(q[i].data);
        }

        sio->outq->nelts = 0;
    }
}
