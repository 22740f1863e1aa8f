
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_SIO_H_INCLUDED_
#define _NGX_HTTP_EDA_SIO_H_INCLUDED_


/*
 * What ngx_http_eda_sio.c (the protocol) and ngx_http_eda_sio_poll.c (the
 * polling transport and the sessions in Redis) share.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_eda_eio.h"
#include "ngx_eda_sio.h"
#include "ngx_eda_filter.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_subscribe.h"


#define NGX_HTTP_EDA_SIO_ID_LEN        22       /* base64url, 16 bytes */
#define NGX_HTTP_EDA_SIO_ATTACHMENTS   8
#define NGX_HTTP_EDA_SIO_DEPTH         32
#define NGX_HTTP_EDA_SIO_ROOMS         16
#define NGX_HTTP_EDA_SIO_ROOM_NAME     64
#define NGX_HTTP_EDA_SIO_CONNECTS      8        /* tries per connection */

#define NGX_HTTP_EDA_SIO_OPEN          0        /* no namespace yet */
#define NGX_HTTP_EDA_SIO_AUTH          1        /* its token judged */
#define NGX_HTTP_EDA_SIO_CONNECTED     2


/* where a connection's packets go */
#define NGX_HTTP_EDA_SIO_WS            0        /* its WebSocket */
#define NGX_HTTP_EDA_SIO_GET           1        /* a polling response */
#define NGX_HTTP_EDA_SIO_POST          2        /* the session's outbox */


/* a room: filters narrower than the location's, by the client's choice */
typedef struct {
    u_char                      name[NGX_HTTP_EDA_SIO_ROOM_NAME];
    size_t                      name_len;
    ngx_eda_filter_t            filters[4];
    ngx_uint_t                  nfilters;
    u_char                      values[1];      /* the filters' values */
} ngx_http_eda_sio_room_t;


struct ngx_http_eda_sio_s {
    u_char                      sid[NGX_HTTP_EDA_SIO_ID_LEN];
    u_char                      pid[NGX_HTTP_EDA_SIO_ID_LEN];
    ngx_uint_t                  state;
    ngx_uint_t                  connects;
    ngx_str_t                   offset;         /* CONNECT's, to recover */
    ngx_uint_t                  recover;

    ngx_http_eda_sio_room_t    *rooms[NGX_HTTP_EDA_SIO_ROOMS];
    ngx_uint_t                  nrooms;

    /* a binary packet waiting for its attachments, copied as they come */
    ngx_eda_sio_packet_t        held;
    ngx_eda_sio_binary_t        bin;
    ngx_eda_sio_attachment_t    att[NGX_HTTP_EDA_SIO_ATTACHMENTS];

    /* polling: the request's part of a session kept in Redis */
    ngx_uint_t                  http;           /* NGX_HTTP_EDA_SIO_* */
    ngx_array_t                *outq;           /* ngx_str_t, ngx_alloc()ed */
    ngx_eda_redis_cmd_t        *cmd[3];
    ngx_str_t                   token;          /* the session's */
    time_t                      exp;
    ngx_str_t                   cursor;         /* the last one sent */
    ngx_event_t                 tick;           /* outbox checks */
    ngx_event_t                 flush;
    ngx_msec_t                  deadline;
    ngx_uint_t                  pending;        /* async steps under way */
    ngx_eda_eio_payload_t       body;           /* a POST's, read on */
    u_char                     *body_bin;
    unsigned                    failed:1;
    unsigned                    answered:1;
    unsigned                    upgrading:1;    /* WebSocket with a sid */
    unsigned                    upgraded:1;
    unsigned                    closed:1;       /* the client closed it */
};




/* ngx_http_eda_sio.c */
ngx_int_t ngx_http_eda_sio_id(ngx_http_eda_ws_ctx_t *ctx, u_char *id);
void ngx_http_eda_sio_packet(ngx_http_eda_ws_ctx_t *ctx, const u_char *data,
    size_t len);
void ngx_http_eda_sio_binary(ngx_http_eda_ws_ctx_t *ctx, const u_char *data,
    size_t len);
void ngx_http_eda_sio_forget(ngx_http_eda_sio_t *sio);
ngx_http_eda_sio_room_t *ngx_http_eda_sio_room(json_t *spec,
    const char **err);
void ngx_http_eda_sio_head(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_sio_head_t *h, int64_t id);
void ngx_http_eda_sio_send(ngx_http_eda_ws_ctx_t *ctx, u_char *data,
    size_t len);
void ngx_http_eda_sio_fail(ngx_http_eda_ws_ctx_t *ctx, ngx_uint_t code,
    const char *reason);
ngx_int_t ngx_http_eda_sio_setup(ngx_http_eda_ws_ctx_t *ctx);

/* ngx_http_eda_sio_poll.c */
void ngx_http_eda_sio_connected(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_rooms_changed(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_post_check(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_post_resume(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_probe(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_upgrade(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_poll_cleanup(ngx_http_eda_ws_ctx_t *ctx);


#endif /* _NGX_HTTP_EDA_SIO_H_INCLUDED_ */
