
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_socketio: the location is a Socket.IO server (Engine.IO protocol 4,
 * Socket.IO protocol 5) over the WebSocket connection eda_subscribe
 * manages, for the unmodified socket.io-client.  The engine opens with
 * its sid and timings and the server pings; the namespace is the
 * location's; a CONNECT carries the token (checked by eda_jwt, deferred
 * from the handshake) and maybe a recovery (pid and offset: the offset is
 * a resume cursor); then each Kafka record the client may see arrives as
 * an EVENT named by its CloudEvent type with the event and the cursor as
 * arguments.  The client's events become CloudEvents on Kafka
 * (eda_ws_publish), acknowledged with their id, partition and offset;
 * "eda.join" and "eda.leave" narrow what it gets to rooms.  The packets
 * are read and written by the cores ngx_eda_eio.c and ngx_eda_sio.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_cursor.h"
#include "ngx_eda_eio.h"
#include "ngx_eda_filter.h"
#include "ngx_eda_random.h"
#include "ngx_eda_sio.h"
#include "ngx_http_eda_jwt_module.h"
#include "ngx_http_eda_subscribe.h"
#include "ngx_http_eda_sio.h"


static ngx_int_t ngx_http_eda_sio_refuse(ngx_http_request_t *r,
    ngx_uint_t code, const char *message);
static void ngx_http_eda_sio_dispatch(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_sio_packet_t *pkt);
static void ngx_http_eda_sio_connect(ngx_http_eda_ws_ctx_t *ctx,
    json_t *auth);
static void ngx_http_eda_sio_judged(void *data);
static void ngx_http_eda_sio_admit(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_sio_connect_error(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *nsp, ngx_uint_t status, const char *message,
    const char *detail);
static void ngx_http_eda_sio_event_in(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_sio_packet_t *pkt, ngx_uint_t binary);
static void ngx_http_eda_sio_join(ngx_http_eda_ws_ctx_t *ctx,
    json_t *spec, int64_t ack);
static void ngx_http_eda_sio_leave(ngx_http_eda_ws_ctx_t *ctx,
    json_t *spec, int64_t ack);
static void ngx_http_eda_sio_rooms_ack(ngx_http_eda_ws_ctx_t *ctx,
    int64_t ack, const u_char *room, size_t room_len);
static void ngx_http_eda_sio_ack_error(ngx_http_eda_ws_ctx_t *ctx,
    int64_t ack, ngx_uint_t status, const char *detail);
static void ngx_http_eda_sio_ack_json(ngx_http_eda_ws_ctx_t *ctx,
    int64_t ack, json_t *arg);
static json_t *ngx_http_eda_sio_base64(void *data, unsigned int num,
    const ngx_eda_sio_attachment_t *att);


/*
 * The handshake: Engine.IO 4 over WebSocket.  Refusals are what an
 * Engine.IO server answers (400 with {"code","message"}), which the
 * client reports as a connect_error.
 */

ngx_int_t
ngx_http_eda_sio_check(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_str_t             eio, transport, sid;
    ngx_eda_main_conf_t  *emcf;

    if (ngx_http_arg(r, (u_char *) "EIO", 3, &eio) != NGX_OK
        || eio.len != 1 || eio.data[0] != '4')
    {
        return ngx_http_eda_sio_refuse(r, 5, "Unsupported protocol version");
    }

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (ngx_http_arg(r, (u_char *) "transport", 9, &transport) != NGX_OK) {
        ngx_str_null(&transport);
    }

    if (transport.len == 7 && ngx_strncmp(transport.data, "polling", 7) == 0
        && emcf->redis != NULL)
    {
        rc = ngx_http_eda_sio_polling(r);

        return (rc == NGX_DECLINED)
               ? ngx_http_eda_sio_refuse(r, 3, "Bad request") : rc;
    }

    if (transport.len != 9
        || ngx_strncmp(transport.data, "websocket", 9) != 0)
    {
        /* polling needs eda_redis: its sessions are shared there */
        return ngx_http_eda_sio_refuse(r, 0, "Transport unknown");
    }

    if (ngx_http_arg(r, (u_char *) "sid", 3, &sid) == NGX_OK
        && (emcf->redis == NULL || sid.len != NGX_HTTP_EDA_SIO_ID_LEN))
    {
        return ngx_http_eda_sio_refuse(r, 1, "Session ID unknown");
    }

    /* a WebSocket, never an event stream */

    if (r->headers_in.upgrade == NULL
        || r->headers_in.upgrade->value.len != 9
        || ngx_strncasecmp(r->headers_in.upgrade->value.data,
                           (u_char *) "websocket", 9) != 0)
    {
        return ngx_http_eda_sio_refuse(r, 3, "Bad request");
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_eda_sio_refuse(ngx_http_request_t *r, ngx_uint_t code,
    const char *message)
{
    u_char       *p;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, 64 + ngx_strlen(message));
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(b->last, "{\"code\":%ui,\"message\":\"%s\"}", code,
                    message);
    b->last = p;
    b->last_buf = 1;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_BAD_REQUEST;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (ngx_http_send_header(r) == NGX_ERROR) {
        return NGX_ERROR;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * After the 101: the engine's open packet.  The client is not in the
 * fan-out's list until its CONNECT is admitted.
 */

ngx_int_t
ngx_http_eda_sio_start(ngx_http_eda_ws_ctx_t *ctx)
{
    u_char               *buf;
    size_t                len;
    ngx_str_t             sid;
    ngx_http_eda_sio_t   *sio;
    ngx_eda_eio_open_t    open;

    sio = ngx_pcalloc(ctx->request->pool, sizeof(ngx_http_eda_sio_t));
    if (sio == NULL) {
        return NGX_ERROR;
    }

    ctx->sio = sio;
    ctx->silent = 1;
    ctx->enc = NGX_HTTP_EDA_ENC_SIO;

    if (ngx_http_eda_sio_id(ctx, sio->sid) != NGX_OK
        || ngx_http_eda_sio_id(ctx, sio->pid) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_arg(ctx->request, (u_char *) "sid", 3, &sid) == NGX_OK) {
        /* the upgrade of a polling session: its probe comes first */
        ngx_memcpy(sio->sid, sid.data, NGX_HTTP_EDA_SIO_ID_LEN);
        sio->upgrading = 1;
        return NGX_OK;
    }

    ngx_memzero(&open, sizeof(ngx_eda_eio_open_t));
    open.sid = sio->sid;
    open.sid_len = NGX_HTTP_EDA_SIO_ID_LEN;
    open.websocket = 0;
    open.ping_interval = ctx->conf->ping;
    open.ping_timeout = ctx->conf->ping;
    open.max_payload = ctx->conf->max_message;

    len = ngx_eda_eio_open_len(&open);

    buf = ngx_pnalloc(ctx->request->pool, len);
    if (len == 0 || buf == NULL) {
        return NGX_ERROR;
    }

    (void) ngx_eda_eio_open_write(buf, &open);
    ngx_http_eda_sio_send(ctx, buf, len);

    return NGX_OK;
}


/* 16 random bytes in base64url: a sid or a pid */

ngx_int_t
ngx_http_eda_sio_id(ngx_http_eda_ws_ctx_t *ctx, u_char *id)
{
    u_char     rnd[16], out[24];
    ngx_str_t  src, dst;

    if (ngx_eda_random(ctx->smcf->emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return NGX_ERROR;
    }

    src.data = rnd;
    src.len = sizeof(rnd);
    dst.data = out;

    ngx_encode_base64url(&dst, &src);
    ngx_memcpy(id, out, NGX_HTTP_EDA_SIO_ID_LEN);

    return NGX_OK;
}


/* a WebSocket message of the engine: one Engine.IO packet, or binary */

void
ngx_http_eda_sio_message(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ws_event_t *wev)
{
    u_char  pong[NGX_EDA_WS_MAX_CONTROL_FRAME];

    if (wev->opcode == NGX_EDA_WS_OP_BINARY) {
        ngx_http_eda_sio_binary(ctx, wev->data, wev->len);
        return;
    }

    if (wev->len == 0) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_PROTOCOL,
                              "empty Engine.IO packet");
        return;
    }

    switch (wev->data[0] - '0') {

    case NGX_EDA_EIO_PING:
        /* only a probe, in protocol 4: answered with its data */
        if (ctx->sio->upgrading) {
            ngx_http_eda_sio_probe(ctx);
        }

        if (wev->len <= sizeof(pong)) {
            pong[0] = '0' + NGX_EDA_EIO_PONG;
            ngx_memcpy(pong + 1, wev->data + 1, wev->len - 1);
            ngx_http_eda_sio_send(ctx, pong, wev->len);
        }

        break;

    case NGX_EDA_EIO_UPGRADE:
        if (ctx->sio->upgrading) {
            ngx_http_eda_sio_upgrade(ctx);
        }

        break;

    case NGX_EDA_EIO_PONG:
    case NGX_EDA_EIO_NOOP:
        break;

    case NGX_EDA_EIO_CLOSE:
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_NORMAL, "");
        break;

    case NGX_EDA_EIO_MESSAGE:
        ngx_http_eda_sio_packet(ctx, wev->data + 1, wev->len - 1);
        break;

    default:
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_PROTOCOL,
                              "invalid Engine.IO packet type");
        break;
    }
}


void
ngx_http_eda_sio_packet(ngx_http_eda_ws_ctx_t *ctx, const u_char *data,
    size_t len)
{
    int                    rc;
    ngx_http_eda_sio_t    *sio;
    ngx_eda_sio_packet_t   pkt;
    ngx_eda_sio_limits_t   lim;

    sio = ctx->sio;

    if (sio->bin.got < sio->bin.n) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_PROTOCOL,
                              "Socket.IO: a packet before the attachments "
                              "of the last");
        return;
    }

    lim.max_attachments = NGX_HTTP_EDA_SIO_ATTACHMENTS;
    lim.max_depth = NGX_HTTP_EDA_SIO_DEPTH;

    rc = ngx_eda_sio_decode(data, len, &lim, &pkt);

    if (rc != NGX_EDA_SIO_OK) {
        ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                      "eda: Socket.IO client sent an invalid packet: %s",
                      ngx_eda_sio_strerror(rc));
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_PROTOCOL,
                              ngx_eda_sio_strerror(rc));
        return;
    }

    if ((pkt.type == NGX_EDA_SIO_BINARY_EVENT
         || pkt.type == NGX_EDA_SIO_BINARY_ACK)
        && pkt.attachments > 0)
    {
        /* dispatched once its attachments are here */
        sio->held = pkt;
        ngx_eda_sio_binary_init(&sio->bin, sio->att, pkt.attachments);
        return;
    }

    ngx_http_eda_sio_dispatch(ctx, &pkt);

    if (pkt.payload != NULL) {
        json_decref(pkt.payload);
    }
}


/* an attachment of the binary packet held; the parser's buffer is reused */

void
ngx_http_eda_sio_binary(ngx_http_eda_ws_ctx_t *ctx, const u_char *data,
    size_t len)
{
    int                  rc;
    u_char              *copy;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    if (sio->bin.got >= sio->bin.n) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_PROTOCOL,
                              "Socket.IO: an attachment nobody announced");
        return;
    }

    copy = ngx_alloc(len ? len : 1, ctx->request->connection->log);
    if (copy == NULL) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_INTERNAL,
                              "out of memory");
        return;
    }

    ngx_memcpy(copy, data, len);

    rc = ngx_eda_sio_binary_add(&sio->bin, copy, len);

    if (rc == NGX_EDA_SIO_AGAIN) {
        return;
    }

    if (rc == NGX_EDA_SIO_OK) {
        ngx_http_eda_sio_dispatch(ctx, &sio->held);
    }

    ngx_http_eda_sio_forget(sio);
}


/* the held packet and its attachments are done with */

void
ngx_http_eda_sio_forget(ngx_http_eda_sio_t *sio)
{
    ngx_uint_t  i;

    for (i = 0; i < sio->bin.got; i++) {
        ngx_free((void *) sio->att[i].data);
    }

    sio->bin.n = 0;
    sio->bin.got = 0;

    if (sio->held.payload != NULL) {
        json_decref(sio->held.payload);
        sio->held.payload = NULL;
    }
}


static void
ngx_http_eda_sio_dispatch(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_sio_packet_t *pkt)
{
    ngx_str_t            nsp;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;
    nsp.data = (u_char *) pkt->nsp;
    nsp.len = pkt->nsp_len;

    if (nsp.len != ctx->conf->sio_ns.len
        || ngx_strncmp(nsp.data, ctx->conf->sio_ns.data, nsp.len) != 0)
    {
        /* another namespace: refused, and nothing else is answered */
        if (pkt->type == NGX_EDA_SIO_CONNECT) {
            ngx_http_eda_sio_connect_error(ctx, &nsp, 0,
                                           "Invalid namespace", NULL);
        }

        return;
    }

    switch (pkt->type) {

    case NGX_EDA_SIO_CONNECT:
        if (sio->state == NGX_HTTP_EDA_SIO_OPEN) {
            ngx_http_eda_sio_connect(ctx, pkt->payload);
        }

        break;

    case NGX_EDA_SIO_DISCONNECT:
        if (sio->state != NGX_HTTP_EDA_SIO_CONNECTED) {
            break;
        }

        /* one namespace a connection: the client leaves it */

        if (sio->http == NGX_HTTP_EDA_SIO_WS) {
            ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_NORMAL, "");

        } else {
            sio->closed = 1;
        }

        break;

    case NGX_EDA_SIO_EVENT:
    case NGX_EDA_SIO_BINARY_EVENT:
        if (sio->state == NGX_HTTP_EDA_SIO_CONNECTED) {
            ngx_http_eda_sio_event_in(ctx, pkt,
                                      pkt->type == NGX_EDA_SIO_BINARY_EVENT);
        }

        break;

    default:
        /* acks: the server asks for none */
        break;
    }
}


/*
 * CONNECT: the token from the auth payload, judged with the location's
 * eda_jwt settings; pid and offset (what socket.io-client adds when it
 * recovers) kept for the answer.
 */

static void
ngx_http_eda_sio_connect(ngx_http_eda_ws_ctx_t *ctx, json_t *auth)
{
    size_t                 max, n;
    json_t                *token, *pid, *offset;
    ngx_int_t              rc;
    ngx_str_t              tok;
    ngx_http_request_t    *r;
    ngx_http_eda_sio_t    *sio;
    ngx_eda_cursor_pos_t  *pos;

    r = ctx->request;
    sio = ctx->sio;

    if (++sio->connects > NGX_HTTP_EDA_SIO_CONNECTS) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_POLICY,
                              "too many CONNECT packets");
        return;
    }

    pid = json_is_object(auth) ? json_object_get(auth, "pid") : NULL;
    offset = json_is_object(auth) ? json_object_get(auth, "offset") : NULL;

    if (json_is_string(pid) && json_is_string(offset)
        && json_string_length(pid) == NGX_HTTP_EDA_SIO_ID_LEN)
    {
        n = json_string_length(offset);
        max = n / 2 + 1;

        sio->offset.data = ngx_pnalloc(r->pool, n);
        pos = ngx_palloc(r->pool, max * sizeof(ngx_eda_cursor_pos_t));

        if (sio->offset.data != NULL && pos != NULL
            && ngx_eda_cursor_decode(json_string_value(offset), n, pos,
                                     ngx_min(max, NGX_EDA_CURSOR_MAX), &n)
               == 0)
        {
            sio->offset.len = json_string_length(offset);
            ngx_memcpy(sio->offset.data, json_string_value(offset),
                       sio->offset.len);
            ngx_memcpy(sio->pid, json_string_value(pid),
                       NGX_HTTP_EDA_SIO_ID_LEN);
            sio->recover = 1;
        }
    }

    if (!ngx_http_eda_jwt_enabled(r)) {
        ngx_http_eda_sio_admit(ctx);
        return;
    }

    token = json_is_object(auth) ? json_object_get(auth, "token") : NULL;

    if (!json_is_string(token) || json_string_length(token) == 0) {
        ngx_http_eda_sio_connect_error(ctx, &ctx->conf->sio_ns,
                                       NGX_HTTP_UNAUTHORIZED, "unauthorized",
                                       "a token is required: "
                                       "io(url, {auth: {token}})");
        return;
    }

    tok.len = json_string_length(token);
    tok.data = ngx_pnalloc(r->pool, tok.len);
    if (tok.data == NULL) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_INTERNAL,
                              "out of memory");
        return;
    }

    ngx_memcpy(tok.data, json_string_value(token), tok.len);

    sio->state = NGX_HTTP_EDA_SIO_AUTH;
    sio->token = tok;

    rc = ngx_http_eda_jwt_judge(r, &tok, ngx_http_eda_sio_judged, ctx);

    if (rc == NGX_AGAIN) {
        sio->pending = 1;
        return;
    }

    if (rc == NGX_ERROR) {
        sio->state = NGX_HTTP_EDA_SIO_OPEN;
        ngx_http_eda_sio_connect_error(ctx, &ctx->conf->sio_ns,
                                       NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "unauthorized",
                                       "the token could not be checked");
        return;
    }

    if (rc == NGX_OK) {
        ngx_http_eda_sio_judged(ctx);
    }
}


static void
ngx_http_eda_sio_judged(void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_int_t    status;
    ngx_uint_t   pending;
    const char  *desc;

    if (ctx->done || ctx->closing) {
        return;
    }

    pending = ctx->sio->pending;
    ctx->sio->pending = 0;

    status = ngx_http_eda_jwt_outcome(ctx->request, &desc);

    if (status != NGX_OK) {
        ctx->sio->state = NGX_HTTP_EDA_SIO_OPEN;
        ngx_http_eda_sio_connect_error(ctx, &ctx->conf->sio_ns, status,
                                       status == NGX_HTTP_FORBIDDEN
                                       ? "forbidden" : "unauthorized",
                                       desc);
    } else {
        ngx_http_eda_sio_admit(ctx);
    }

    if (pending && ctx->sio->http == NGX_HTTP_EDA_SIO_POST) {
        /* the rest of the POST's packets */
        ngx_http_eda_sio_post_resume(ctx);
    }
}


/*
 * Admitted: the filters (values may come from the token), the events it
 * publishes, the token's end; the answer, then the events, from the
 * offset for a client that recovers.
 */

static void
ngx_http_eda_sio_admit(ngx_http_eda_ws_ctx_t *ctx)
{
    u_char              *buf;
    size_t               len;
    ngx_http_request_t  *r;
    ngx_http_eda_sio_t  *sio;
    ngx_eda_sio_head_t   h;

    r = ctx->request;
    sio = ctx->sio;

    if (ngx_http_eda_sio_setup(ctx) != NGX_OK) {
        sio->state = NGX_HTTP_EDA_SIO_OPEN;
        ngx_http_eda_sio_connect_error(ctx, &ctx->conf->sio_ns,
                                       NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "server error",
                                       "the connection cannot be set up: "
                                       "check eda_subscribe_filter and "
                                       "eda_ce_*");
        return;
    }

    ngx_http_eda_sio_head(ctx, &h, -1);

    len = ngx_eda_sio_connect_len(&h, sio->sid, NGX_HTTP_EDA_SIO_ID_LEN,
                                  sio->pid, NGX_HTTP_EDA_SIO_ID_LEN);
    buf = ngx_pnalloc(r->pool, len);
    if (len == 0 || buf == NULL) {
        ngx_http_eda_sio_fail(ctx, NGX_EDA_WS_CLOSE_INTERNAL,
                              "out of memory");
        return;
    }

    (void) ngx_eda_sio_connect_write(buf, &h, sio->sid,
                                     NGX_HTTP_EDA_SIO_ID_LEN, sio->pid,
                                     NGX_HTTP_EDA_SIO_ID_LEN);
    ngx_http_eda_sio_send(ctx, buf, len);

    sio->state = NGX_HTTP_EDA_SIO_CONNECTED;

    if (sio->http == NGX_HTTP_EDA_SIO_POST) {
        /* the session remembers; its polls are served from the cursor */
        ngx_http_eda_sio_connected(ctx);
        return;
    }

    ctx->silent = 0;

    if (sio->recover
        && ngx_http_eda_resume_request(ctx, &sio->offset) != NGX_OK)
    {
        ngx_http_eda_ws_resume_unavailable(ctx, &sio->offset);
    }
}


/*
 * What a connection admitted needs: its filters (values may come from the
 * token), the events it publishes, the token's end.
 */

ngx_int_t
ngx_http_eda_sio_setup(ngx_http_eda_ws_ctx_t *ctx)
{
    if (ngx_http_eda_ws_filters(ctx->request, ctx) != NGX_OK
        || (ctx->conf->publish.len && ctx->tmpl == NULL
            && ngx_http_eda_ws_publish_init(ctx) != NGX_OK))
    {
        return NGX_ERROR;
    }

    if (ctx->sio->http == NGX_HTTP_EDA_SIO_WS) {
        ngx_http_eda_ws_arm_expiry(ctx);
    }

    return NGX_OK;
}


/* CONNECT_ERROR: a message, and data {"status","detail"} when known */

static void
ngx_http_eda_sio_connect_error(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *nsp,
    ngx_uint_t status, const char *message, const char *detail)
{
    u_char               *buf, *p, data[512];
    size_t                len, dlen;
    ngx_eda_sio_head_t    h;
    ngx_eda_sio_raw_t     raw;

    ngx_memzero(&h, sizeof(ngx_eda_sio_head_t));
    h.flags = NGX_EDA_SIO_EIO_MESSAGE;
    h.nsp = nsp->data;
    h.nsp_len = nsp->len;
    h.id = -1;

    raw.data = data;
    raw.len = 0;

    if (status) {
        dlen = ngx_min(ngx_strlen(detail), 128);
        p = ngx_sprintf(data, "{\"status\":%ui,\"detail\":\"", status);
        p = (u_char *) ngx_escape_json(p, (u_char *) detail, dlen);
        p = ngx_cpymem(p, "\"}", 2);
        raw.len = p - data;
    }

    len = ngx_eda_sio_connect_error_len(&h, (u_char *) message,
                                        ngx_strlen(message),
                                        raw.len ? &raw : NULL);

    buf = ngx_alloc(len, ctx->request->connection->log);
    if (len == 0 || buf == NULL) {
        if (buf != NULL) {
            ngx_free(buf);
        }

        return;
    }

    (void) ngx_eda_sio_connect_error_write(buf, &h, (u_char *) message,
                                           ngx_strlen(message),
                                           raw.len ? &raw : NULL);
    ngx_http_eda_sio_send(ctx, buf, len);
    ngx_free(buf);
}


/*
 * An event from the client: eda.join and eda.leave are the gateway's;
 * any other becomes a CloudEvent of that type with its one argument as
 * data (an attachment as it is, binary), with eda_ws_publish.
 */

static void
ngx_http_eda_sio_event_in(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_sio_packet_t *pkt, ngx_uint_t binary)
{
    char                      *dump;
    json_t                    *arg;
    size_t                     nargs;
    ngx_str_t                  type;
    ngx_http_eda_sio_t        *sio;
    const ngx_eda_sio_attachment_t  *att;

    sio = ctx->sio;
    nargs = json_array_size(pkt->payload) - 1;
    arg = json_array_get(pkt->payload, 1);

    if (pkt->name_len == 8 && ngx_strncmp(pkt->name, "eda.join", 8) == 0) {
        ngx_http_eda_sio_join(ctx, arg, pkt->id);
        return;
    }

    if (pkt->name_len == 9 && ngx_strncmp(pkt->name, "eda.leave", 9) == 0)
    {
        ngx_http_eda_sio_leave(ctx, arg, pkt->id);
        return;
    }

    if (ctx->tmpl == NULL) {
        ngx_http_eda_sio_ack_error(ctx, pkt->id, NGX_HTTP_NOT_ALLOWED,
                                   "this endpoint does not accept events");
        return;
    }

    if (nargs > 1) {
        ngx_http_eda_sio_ack_error(ctx, pkt->id, NGX_HTTP_BAD_REQUEST,
                                   "an event takes one argument, its data");
        return;
    }

    type.data = (u_char *) pkt->name;
    type.len = pkt->name_len;

    /* one attachment as the argument: the data is its bytes */

    if (binary && nargs == 1 && sio->bin.n == 1
        && json_is_object(arg) && json_is_true(json_object_get(arg,
                                                         "_placeholder")))
    {
        if (ngx_eda_sio_binary_resolve(&sio->bin, pkt->payload, NULL, NULL)
            != NGX_EDA_SIO_OK)
        {
            ngx_http_eda_sio_ack_error(ctx, pkt->id, NGX_HTTP_BAD_REQUEST,
                                       "invalid binary attachments");
            return;
        }

        att = &sio->att[0];
        ngx_http_eda_ws_publish_event(ctx, &type, att->data, att->len, 1,
                                      pkt->id);
        return;
    }

    /* attachments elsewhere in the argument: in base64 */

    if (binary
        && ngx_eda_sio_binary_resolve(&sio->bin, pkt->payload,
                                      ngx_http_eda_sio_base64, NULL)
           != NGX_EDA_SIO_OK)
    {
        ngx_http_eda_sio_ack_error(ctx, pkt->id, NGX_HTTP_BAD_REQUEST,
                                   "invalid binary attachments");
        return;
    }

    if (nargs == 0) {
        ngx_http_eda_ws_publish_event(ctx, &type, (const u_char *) "", 0,
                                      0, pkt->id);
        return;
    }

    arg = json_array_get(pkt->payload, 1);
    dump = json_dumps(arg, JSON_COMPACT|JSON_ENCODE_ANY);
    if (dump == NULL) {
        ngx_http_eda_sio_ack_error(ctx, pkt->id,
                                   NGX_HTTP_INTERNAL_SERVER_ERROR,
                                   "out of memory");
        return;
    }

    ngx_http_eda_ws_publish_event(ctx, &type, (u_char *) dump,
                                  ngx_strlen(dump), 0, pkt->id);
    free(dump);
}


static json_t *
ngx_http_eda_sio_base64(void *data, unsigned int num,
    const ngx_eda_sio_attachment_t *att)
{
    json_t     *json;
    ngx_str_t   src, dst;

    src.data = (u_char *) att->data;
    src.len = att->len;

    dst.data = ngx_alloc(ngx_base64_encoded_length(att->len) + 1,
                         ngx_cycle->log);
    if (dst.data == NULL) {
        return NULL;
    }

    ngx_encode_base64(&dst, &src);
    json = json_stringn((const char *) dst.data, dst.len);
    ngx_free(dst.data);

    return json;
}


/* eda.join {room, type, type_prefix, subject, subject_prefix} */

static void
ngx_http_eda_sio_join(ngx_http_eda_ws_ctx_t *ctx, json_t *spec, int64_t ack)
{
    ngx_uint_t                i;
    const char               *err;
    ngx_http_eda_sio_t       *sio;
    ngx_http_eda_sio_room_t  *room;

    sio = ctx->sio;

    room = ngx_http_eda_sio_room(spec, &err);
    if (room == NULL) {
        ngx_http_eda_sio_ack_error(ctx, ack, NGX_HTTP_BAD_REQUEST, err);
        return;
    }

    for (i = 0; i < sio->nrooms; i++) {
        if (sio->rooms[i]->name_len == room->name_len
            && ngx_memcmp(sio->rooms[i]->name, room->name, room->name_len)
               == 0)
        {
            /* joined again: the new filters */
            ngx_free(sio->rooms[i]);
            sio->rooms[i] = room;
            ngx_http_eda_sio_rooms_changed(ctx);
            ngx_http_eda_sio_rooms_ack(ctx, ack, room->name, room->name_len);
            return;
        }
    }

    if (sio->nrooms == NGX_HTTP_EDA_SIO_ROOMS) {
        ngx_free(room);
        ngx_http_eda_sio_ack_error(ctx, ack, NGX_HTTP_CONFLICT,
                                   "at most 16 rooms a connection");
        return;
    }

    sio->rooms[sio->nrooms++] = room;
    ngx_http_eda_sio_rooms_changed(ctx);
    ngx_http_eda_sio_rooms_ack(ctx, ack, room->name, room->name_len);
}


/* eda.leave "room" or {room} */

static void
ngx_http_eda_sio_leave(ngx_http_eda_ws_ctx_t *ctx, json_t *spec,
    int64_t ack)
{
    size_t               len;
    json_t              *name;
    ngx_uint_t           i;
    const char          *s;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;
    name = json_is_object(spec) ? json_object_get(spec, "room") : spec;

    if (!json_is_string(name)) {
        ngx_http_eda_sio_ack_error(ctx, ack, NGX_HTTP_BAD_REQUEST,
                                   "eda.leave takes a room name");
        return;
    }

    s = json_string_value(name);
    len = json_string_length(name);

    for (i = 0; i < sio->nrooms; i++) {
        if (sio->rooms[i]->name_len == len
            && ngx_memcmp(sio->rooms[i]->name, s, len) == 0)
        {
            ngx_free(sio->rooms[i]);
            sio->rooms[i] = sio->rooms[--sio->nrooms];
            ngx_http_eda_sio_rooms_changed(ctx);
            ngx_http_eda_sio_rooms_ack(ctx, ack, (u_char *) s, len);
            return;
        }
    }

    ngx_http_eda_sio_ack_error(ctx, ack, NGX_HTTP_NOT_FOUND,
                               "no such room");
}


ngx_http_eda_sio_room_t *
ngx_http_eda_sio_room(json_t *spec, const char **err)
{
    u_char                      *p;
    size_t                       size;
    json_t                      *v;
    const char                  *key;
    ngx_eda_filter_t            *f;
    ngx_http_eda_sio_room_t     *room;
    const ngx_eda_filter_arg_t  *arg;

    if (!json_is_object(spec)) {
        *err = "eda.join takes an object: {room, type, type_prefix, "
               "subject, subject_prefix}";
        return NULL;
    }

    v = json_object_get(spec, "room");

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > NGX_HTTP_EDA_SIO_ROOM_NAME)
    {
        *err = "a room needs a name (\"room\") of 1 to 64 bytes";
        return NULL;
    }

    size = 0;

    json_object_foreach(spec, key, v) {
        if (ngx_strcmp(key, "room") == 0) {
            continue;
        }

        for (arg = ngx_eda_filter_client_args; arg->arg != NULL; arg++) {
            if (ngx_strcmp(key, arg->arg) == 0) {
                break;
            }
        }

        if (arg->arg == NULL || !json_is_string(v)) {
            *err = "a room's members are room, type, type_prefix, subject "
                   "and subject_prefix, each a string";
            return NULL;
        }

        size += json_string_length(v);
    }

    room = ngx_alloc(sizeof(ngx_http_eda_sio_room_t) + size, ngx_cycle->log);
    if (room == NULL) {
        *err = "out of memory";
        return NULL;
    }

    v = json_object_get(spec, "room");
    room->name_len = json_string_length(v);
    ngx_memcpy(room->name, json_string_value(v), room->name_len);
    room->nfilters = 0;
    p = room->values;

    for (arg = ngx_eda_filter_client_args; arg->arg != NULL; arg++) {
        v = json_object_get(spec, arg->arg);
        if (v == NULL) {
            continue;
        }

        f = &room->filters[room->nfilters++];
        f->attr = arg->attr;
        f->attr_len = ngx_strlen(arg->attr);
        f->op = arg->op;
        f->value = (const char *) p;
        f->value_len = json_string_length(v);
        f->required = 0;
        p = ngx_cpymem(p, json_string_value(v), f->value_len);
    }

    return room;
}


/* the ack of a join or leave: {"room": NAME, "rooms": [every room]} */

static void
ngx_http_eda_sio_rooms_ack(ngx_http_eda_ws_ctx_t *ctx, int64_t ack,
    const u_char *room, size_t room_len)
{
    json_t              *arg, *rooms;
    ngx_uint_t           i;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    arg = json_object();
    rooms = json_array();

    if (arg == NULL || rooms == NULL) {
        goto done;
    }

    for (i = 0; i < sio->nrooms; i++) {
        (void) json_array_append_new(rooms,
                   json_stringn((const char *) sio->rooms[i]->name,
                                sio->rooms[i]->name_len));
    }

    (void) json_object_set_new(arg, "room",
                               json_stringn((const char *) room, room_len));
    (void) json_object_set(arg, "rooms", rooms);

    ngx_http_eda_sio_ack_json(ctx, ack, arg);

done:

    if (arg != NULL) {
        json_decref(arg);
    }

    if (rooms != NULL) {
        json_decref(rooms);
    }
}


/* in rooms, an event is the client's when one of them lets it through */

ngx_uint_t
ngx_http_eda_sio_match(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ce_event_t *ev,
    ngx_str_t *key)
{
    ngx_uint_t                i;
    ngx_http_eda_sio_room_t  *room;

    if (ctx->sio == NULL || ctx->sio->nrooms == 0) {
        return 1;
    }

    for (i = 0; i < ctx->sio->nrooms; i++) {
        room = ctx->sio->rooms[i];

        if (ngx_eda_filter_match(room->filters, room->nfilters, ev,
                                 (const char *) key->data, key->len))
        {
            return 1;
        }
    }

    return 0;
}


/* an event published: the ack the client asked for, with where it is */

void
ngx_http_eda_sio_acked(ngx_http_eda_ws_ctx_t *ctx, int64_t ack,
    ngx_str_t *id, ngx_uint_t status, const char *detail, int32_t partition,
    int64_t offset)
{
    json_t  *arg;

    if (ack < 0) {
        return;
    }

    if (status) {
        ngx_http_eda_sio_ack_error(ctx, ack, status, detail);
        return;
    }

    arg = json_pack("{s:s%,s:s%,s:i,s:I}",
                    "id", id->data, id->len,
                    "topic", ctx->conf->publish.data, ctx->conf->publish.len,
                    "partition", (int) partition,
                    "offset", (json_int_t) offset);
    if (arg == NULL) {
        return;
    }

    ngx_http_eda_sio_ack_json(ctx, ack, arg);
    json_decref(arg);
}


/* an ack with {"error": {"status", "detail"}} */

static void
ngx_http_eda_sio_ack_error(ngx_http_eda_ws_ctx_t *ctx, int64_t ack,
    ngx_uint_t status, const char *detail)
{
    json_t  *arg;

    if (ack < 0) {
        return;
    }

    arg = json_pack("{s:{s:i,s:s}}", "error", "status", (int) status,
                    "detail", detail);
    if (arg == NULL) {
        return;
    }

    ngx_http_eda_sio_ack_json(ctx, ack, arg);
    json_decref(arg);
}


static void
ngx_http_eda_sio_ack_json(ngx_http_eda_ws_ctx_t *ctx, int64_t ack,
    json_t *arg)
{
    char                *dump;
    u_char              *buf;
    size_t               len;
    ngx_eda_sio_raw_t    raw;
    ngx_eda_sio_head_t   h;

    if (ack < 0) {
        return;
    }

    dump = json_dumps(arg, JSON_COMPACT);
    if (dump == NULL) {
        return;
    }

    raw.data = (u_char *) dump;
    raw.len = ngx_strlen(dump);

    ngx_http_eda_sio_head(ctx, &h, ack);

    len = ngx_eda_sio_ack_len(&h, &raw, 1);
    buf = ngx_alloc(len, ctx->request->connection->log);

    if (len && buf != NULL) {
        (void) ngx_eda_sio_ack_write(buf, &h, &raw, 1);
        ngx_http_eda_sio_send(ctx, buf, len);
    }

    if (buf != NULL) {
        ngx_free(buf);
    }

    free(dump);
}


/*
 * The frame of a record for the clients of namespace NS: an EVENT named
 * by the event's type with the event (JSON, LEN bytes) and the CURSOR (or
 * none) as arguments.  NULL for a type socket.io reserves: never sent.
 */

ngx_http_eda_ws_frame_t *
ngx_http_eda_sio_event(ngx_str_t *ns, ngx_eda_ce_event_t *ev,
    const u_char *json, size_t len, ngx_str_t *cursor)
{
    u_char                   *pre, *suf;
    ngx_str_t                 parts[3];
    const ngx_eda_ce_str_t   *type;
    ngx_eda_sio_event_t       e;
    ngx_http_eda_ws_frame_t  *frame;

    type = ngx_eda_ce_get(ev, "type", 4);

    if (type == NULL
        || ngx_eda_sio_reserved((u_char *) type->data, type->len))
    {
        return NULL;
    }

    ngx_memzero(&e, sizeof(ngx_eda_sio_event_t));
    e.head.flags = NGX_EDA_SIO_EIO_MESSAGE;
    e.head.nsp = ns->data;
    e.head.nsp_len = ns->len;
    e.head.id = -1;
    e.name = (u_char *) type->data;
    e.name_len = type->len;

    if (cursor != NULL) {
        e.offset = cursor->data;
        e.offset_len = cursor->len;
    }

    parts[0].len = ngx_eda_sio_event_prefix_len(&e);
    parts[2].len = ngx_eda_sio_event_suffix_len(&e);

    if (parts[0].len == 0 || parts[2].len == 0) {
        return NULL;
    }

    pre = ngx_alloc(parts[0].len + parts[2].len, ngx_cycle->log);
    if (pre == NULL) {
        return NULL;
    }

    suf = pre + parts[0].len;

    (void) ngx_eda_sio_event_prefix_write(pre, &e);
    (void) ngx_eda_sio_event_suffix_write(suf, &e);

    parts[0].data = pre;
    parts[1].data = (u_char *) json;
    parts[1].len = len;
    parts[2].data = suf;

    frame = ngx_http_eda_ws_gather(NGX_EDA_WS_OP_TEXT, parts, 3);
    ngx_free(pre);

    return frame;
}


/* a gateway notice (resume unavailable) as an event of its own */

void
ngx_http_eda_sio_notice(ngx_http_eda_ws_ctx_t *ctx, const char *name,
    u_char *json, size_t len)
{
    u_char               *buf;
    size_t                n;
    ngx_eda_sio_raw_t     raw;
    ngx_eda_sio_event_t   e;

    ngx_memzero(&e, sizeof(ngx_eda_sio_event_t));
    ngx_http_eda_sio_head(ctx, &e.head, -1);
    e.name = (u_char *) name;
    e.name_len = ngx_strlen(name);
    raw.data = json;
    raw.len = len;
    e.args = &raw;
    e.nargs = 1;

    n = ngx_eda_sio_event_len(&e);
    buf = ngx_alloc(n, ctx->request->connection->log);

    if (n && buf != NULL) {
        (void) ngx_eda_sio_event_write(buf, &e);
        ngx_http_eda_sio_send(ctx, buf, n);
    }

    if (buf != NULL) {
        ngx_free(buf);
    }
}


/* the engine's heartbeat: the server pings ("2"), the client pongs */

void
ngx_http_eda_sio_ping(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_eda_sio_send(ctx, (u_char *) "2", 1);
}


/* the token's end: a DISCONNECT (no reconnection), then the close */

void
ngx_http_eda_sio_expired(ngx_http_eda_ws_ctx_t *ctx)
{
    u_char              buf[NGX_HTTP_EDA_SIO_ROOM_NAME * 4];
    size_t              len;
    ngx_eda_sio_head_t  h;

    ngx_http_eda_sio_head(ctx, &h, -1);

    len = ngx_eda_sio_disconnect_len(&h);

    if (len && len <= sizeof(buf)) {
        (void) ngx_eda_sio_disconnect_write(buf, &h);
        ngx_http_eda_sio_send(ctx, buf, len);
    }

    if (ctx->sio->http != NGX_HTTP_EDA_SIO_WS) {
        /* a polling response carries it; the session is not served on */
        return;
    }

    ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_POLICY, "token expired");
}


void
ngx_http_eda_sio_cleanup(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_uint_t           i;
    ngx_http_eda_sio_t  *sio;

    sio = ctx->sio;

    if (sio == NULL) {
        return;
    }

    ngx_http_eda_sio_forget(sio);

    for (i = 0; i < sio->nrooms; i++) {
        ngx_free(sio->rooms[i]);
    }

    sio->nrooms = 0;

    ngx_http_eda_sio_poll_cleanup(ctx);
}


void
ngx_http_eda_sio_head(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_sio_head_t *h,
    int64_t id)
{
    ngx_memzero(h, sizeof(ngx_eda_sio_head_t));
    h->flags = NGX_EDA_SIO_EIO_MESSAGE;
    h->nsp = ctx->conf->sio_ns.data;
    h->nsp_len = ctx->conf->sio_ns.len;
    h->id = id;
}


void
ngx_http_eda_sio_send(ngx_http_eda_ws_ctx_t *ctx, u_char *data, size_t len)
{
    ngx_str_t  *p;

    if (ctx->sio->http != NGX_HTTP_EDA_SIO_WS) {
        /* for the polling response, or the session's outbox */

        p = ngx_array_push(ctx->sio->outq);
        if (p == NULL) {
            return;
        }

        p->data = ngx_alloc(len, ctx->request->connection->log);
        if (p->data == NULL) {
            ctx->sio->outq->nelts--;
            return;
        }

        p->len = len;
        ngx_memcpy(p->data, data, len);

        ngx_http_eda_sio_poll_ready(ctx);

        return;
    }

    ngx_http_eda_ws_text(ctx, data, len);
}


/* a protocol error: the WebSocket closes; a polling request fails */

void
ngx_http_eda_sio_fail(ngx_http_eda_ws_ctx_t *ctx, ngx_uint_t code,
    const char *reason)
{
    if (ctx->sio == NULL || ctx->sio->http == NGX_HTTP_EDA_SIO_WS) {
        ngx_http_eda_ws_close(ctx, code, reason);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                  "eda: Socket.IO polling request refused: %s", reason);
    ctx->sio->failed = 1;
}
