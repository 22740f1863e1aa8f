
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_subscribe: WebSocket clients receive the events of Kafka topics.
 * The handler answers the RFC 6455 handshake, or a request for
 * text/event-stream (Server-Sent Events), and then owns the connection.
 * Each worker consumes the subscribed topics (ngx_eda_kafka_consumer.c);
 * every record is turned into one structured CloudEvent and, once per
 * encoding some client uses (WebSocket or SSE, whole event or data only),
 * into one frame shared by reference between the connections whose
 * filters it passes.  A connection's queue is bounded by
 * eda_ws_send_buffer: a client that cannot keep up is closed (1008), so
 * memory stays bounded whatever clients do.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_ws_codec.h"
#include "ngx_eda_filter.h"
#include "ngx_eda_sse.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_jwt_module.h"
#include "ngx_http_eda_publish_module.h"


#define NGX_HTTP_EDA_WS_RING        512      /* frames queued per client */
#define NGX_HTTP_EDA_WS_RING_MIN    8        /* ... until it needs more */
#define NGX_HTTP_EDA_WS_IOV         64       /* frames per send */
#define NGX_HTTP_EDA_WS_READ        4096
#define NGX_HTTP_EDA_WS_LINGER      5000     /* ms to flush a close frame */
#define NGX_HTTP_EDA_WS_INFLIGHT    64       /* client events unacked */

/* eda_ws_format */
#define NGX_HTTP_EDA_FORMAT_EVENT   0
#define NGX_HTTP_EDA_FORMAT_DATA    1

/* the bytes a client receives for an event: protocol + format */
#define NGX_HTTP_EDA_ENC_WS_EVENT   0
#define NGX_HTTP_EDA_ENC_WS_DATA    1
#define NGX_HTTP_EDA_ENC_SSE_EVENT  2
#define NGX_HTTP_EDA_ENC_SSE_DATA   3
#define NGX_HTTP_EDA_ENC_N          4


typedef struct {
    ngx_str_t                   attr;
    int                         op;            /* NGX_EDA_FILTER_* */
    ngx_http_complex_value_t   *value;
} ngx_http_eda_sub_filter_conf_t;


typedef struct {
    ngx_array_t                *topics;        /* ngx_str_t */
    ngx_array_t                *filters;       /* ..._filter_conf_t */
    ngx_msec_t                  ping;
    size_t                      max_message;
    size_t                      send_buffer;
    ngx_uint_t                  history;
    ngx_uint_t                  format;
    ngx_str_t                   publish;       /* eda_ws_publish topic */
    ngx_array_t                *origins;       /* ngx_str_t, eda_ws_origin */
    ngx_array_t                *protocols;     /* eda_ws_subprotocols */
} ngx_http_eda_sub_loc_conf_t;


/* one frame, shared by every client it goes to and by the history */
typedef struct {
    ngx_uint_t                  refs;
    size_t                      len;
    u_char                      data[1];
} ngx_http_eda_ws_frame_t;


/* a past event of a topic, for clients that resume */
typedef struct {
    ngx_http_eda_ws_frame_t    *frame;
    size_t                      hlen;          /* frame header bytes */
    uint64_t                    seq;
    ngx_str_t                   id;            /* ngx_alloc()ed, with key */
    ngx_str_t                   key;
} ngx_http_eda_sub_hist_t;


typedef struct {
    ngx_str_t                   topic;
    ngx_uint_t                  size;          /* eda_ws_history */
    ngx_uint_t                  head;
    ngx_uint_t                  count;
    ngx_http_eda_sub_hist_t    *entries;
} ngx_http_eda_sub_ring_t;


/* per worker, set up in init_process */
typedef struct {
    ngx_queue_t                 clients;
    ngx_uint_t                  nclients;
    ngx_uint_t                  used;          /* any eda_subscribe */
    ngx_array_t                *rings;         /* ngx_http_eda_sub_ring_t */
    uint64_t                    seq;
    ngx_eda_main_conf_t        *emcf;
} ngx_http_eda_sub_main_conf_t;


typedef struct {
    ngx_http_request_t         *request;
    ngx_queue_t                 queue;
    ngx_http_eda_sub_loc_conf_t *conf;
    ngx_http_eda_sub_main_conf_t *smcf;

    ngx_array_t                *filters;       /* ngx_eda_filter_t */
    ngx_uint_t                  enc;           /* NGX_HTTP_EDA_ENC_* */

    ngx_eda_ws_parser_t         parser;

    /*
     * The queue: a ring that grows by doubling, up to NGX_HTTP_EDA_WS_RING
     * frames, and is given back once drained, so an idle client holds
     * none of it.
     */
    ngx_http_eda_ws_frame_t   **out;
    ngx_uint_t                  out_size;
    ngx_uint_t                  out_head;
    ngx_uint_t                  out_count;
    size_t                      out_sent;      /* of out[out_head] */
    size_t                      queued;        /* bytes not yet sent */

    ngx_event_t                 ping;
    ngx_event_t                 linger;
    ngx_event_t                 fin;           /* posted by ..._finish() */
    ngx_event_t                 expiry;        /* the token's exp */

    /* eda_ws_publish: the location's attributes, evaluated once */
    ngx_eda_ce_event_t         *tmpl;

    /* client events waiting for Kafka's acknowledgement, and their ids */
    ngx_eda_kafka_dr_t        **inflight;
    u_char                    (*inflight_id)[NGX_EDA_CE_UUID_LEN];
    ngx_uint_t                  ninflight;

    unsigned                    registered:1;
    unsigned                    sse:1;         /* text/event-stream */
    unsigned                    pinged:1;
    unsigned                    closing:1;
    unsigned                    done:1;
} ngx_http_eda_ws_ctx_t;


static ngx_int_t ngx_http_eda_subscribe_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_sub_header(ngx_http_request_t *r, char *name,
    char *value, size_t len);
static ngx_int_t ngx_http_eda_sse_header(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_ws_filters(ngx_http_request_t *r,
    ngx_http_eda_ws_ctx_t *ctx);
static ngx_int_t ngx_http_eda_ws_client_filter(ngx_http_request_t *r,
    ngx_http_eda_ws_ctx_t *ctx, const ngx_eda_filter_arg_t *arg);
static void ngx_http_eda_ws_read_handler(ngx_event_t *ev);
static void ngx_http_eda_ws_write_handler(ngx_event_t *ev);
static void ngx_http_eda_ws_read(ngx_http_request_t *r);
static void ngx_http_eda_ws_feed(ngx_http_eda_ws_ctx_t *ctx, u_char *buf,
    size_t len);
static void ngx_http_eda_ws_finalize(ngx_event_t *ev);
static void ngx_http_eda_ws_write(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_ws_enqueue(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_ws_frame_t *frame, ngx_uint_t force);
static ngx_http_eda_ws_frame_t *ngx_http_eda_sub_encode(ngx_uint_t enc,
    ngx_eda_ce_event_t *ev, const u_char *json, size_t len);
static ngx_http_eda_ws_frame_t *ngx_http_eda_sse_frame(const u_char *id,
    size_t id_len, const char *name, const u_char *data, size_t len,
    ngx_uint_t last);
static ngx_int_t ngx_http_eda_ws_grow(ngx_http_eda_ws_ctx_t *ctx);
static ssize_t ngx_http_eda_ws_send(ngx_connection_t *c,
    ngx_http_eda_ws_ctx_t *ctx);
static ngx_http_eda_ws_frame_t *ngx_http_eda_ws_frame(const u_char *data,
    size_t len);
static ngx_http_eda_ws_frame_t *ngx_http_eda_ws_message(ngx_uint_t opcode,
    const u_char *data, size_t len);
static void ngx_http_eda_ws_control(ngx_http_eda_ws_ctx_t *ctx,
    u_char *frame, size_t len);
static void ngx_http_eda_ws_text(ngx_http_eda_ws_ctx_t *ctx, u_char *json,
    size_t len);
static void ngx_http_eda_ws_close(ngx_http_eda_ws_ctx_t *ctx,
    unsigned int code, const char *reason);
static void ngx_http_eda_ws_finish(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_ws_release(ngx_http_eda_ws_frame_t *frame);
static void ngx_http_eda_ws_ping(ngx_event_t *ev);
#if !defined NGX_HTTP_UPGRADE_REQUIRED
#define NGX_HTTP_UPGRADE_REQUIRED  426
#endif
static void ngx_http_eda_ws_linger(ngx_event_t *ev);
static void ngx_http_eda_ws_expired(ngx_event_t *ev);
static ngx_int_t ngx_http_eda_ws_publish_init(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_ws_publish(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_ws_event_t *wev);
static void ngx_http_eda_ws_published(ngx_eda_kafka_dr_t *dr);
static void ngx_http_eda_ws_reply(ngx_http_eda_ws_ctx_t *ctx,
    const char *type, ngx_str_t *id, ngx_uint_t status, const char *detail,
    int32_t partition, int64_t offset);
static ngx_int_t ngx_http_eda_ws_origin_allowed(
    ngx_http_eda_sub_loc_conf_t *slcf, ngx_str_t *origin);
static ngx_str_t *ngx_http_eda_ws_subprotocol(
    ngx_http_eda_sub_loc_conf_t *slcf, ngx_http_request_t *r);
static char *ngx_http_eda_ws_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_ws_publish_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static void ngx_http_eda_ws_cleanup(void *data);

static void ngx_http_eda_sub_record(const rd_kafka_message_t *msg,
    void *data);
static ngx_uint_t ngx_http_eda_sub_match(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *topic, ngx_eda_ce_event_t *ev, ngx_str_t *key);
static ngx_http_eda_sub_ring_t *ngx_http_eda_sub_ring(
    ngx_http_eda_sub_main_conf_t *smcf, ngx_str_t *topic);
static void ngx_http_eda_sub_remember(ngx_http_eda_sub_ring_t *ring,
    ngx_http_eda_ws_frame_t *frame, size_t hlen, uint64_t seq,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg);
static void ngx_http_eda_ws_resume(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since);
static int ngx_http_eda_sub_seq_cmp(const void *one, const void *two);

static ngx_int_t ngx_http_eda_sub_init_process(ngx_cycle_t *cycle);
static void ngx_http_eda_sub_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_eda_sub_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_eda_sub_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_sub_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_eda_subscribe(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_subscribe_filter(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_conf_enum_t  ngx_http_eda_sub_formats[] = {
    { ngx_string("cloudevent"), NGX_HTTP_EDA_FORMAT_EVENT },
    { ngx_string("data"), NGX_HTTP_EDA_FORMAT_DATA },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_eda_sub_commands[] = {

    { ngx_string("eda_subscribe"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_subscribe,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_subscribe_filter"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE3,
      ngx_http_eda_subscribe_filter,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_ws_ping"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, ping),
      NULL },

    { ngx_string("eda_ws_max_message"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, max_message),
      NULL },

    { ngx_string("eda_ws_publish"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_ws_publish_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_ws_history"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, history),
      NULL },

    { ngx_string("eda_ws_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_ws_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, origins),
      NULL },

    { ngx_string("eda_ws_subprotocols"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_ws_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, protocols),
      NULL },

    { ngx_string("eda_ws_format"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, format),
      &ngx_http_eda_sub_formats },

    { ngx_string("eda_ws_send_buffer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, send_buffer),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_sub_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_eda_sub_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_sub_create_loc_conf,      /* create location configuration */
    ngx_http_eda_sub_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_eda_subscribe_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_sub_module_ctx,          /* module context */
    ngx_http_eda_sub_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_eda_sub_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_eda_sub_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_eda_subscribe_handler(ngx_http_request_t *r)
{
    u_char                        *accept, *p, *dst, *src;
    time_t                         exp, now;
    ngx_str_t                     *key, *version, *last_event_id, *types;
    ngx_str_t                     *origin, *protocol, since;
    ngx_uint_t                     i, upgrade, sse;
    ngx_list_part_t               *part;
    ngx_table_elt_t               *h;
    ngx_connection_t              *c;
    ngx_pool_cleanup_t            *cln;
    ngx_http_eda_ws_ctx_t         *ctx;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_eda_sub_loc_conf_t   *slcf;
    ngx_http_eda_sub_main_conf_t  *smcf;

    c = r->connection;
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_subscribe_module);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_eda_subscribe_module);
    accept = NULL;

    if (r->method != NGX_HTTP_GET) {
        return ngx_http_eda_not_allowed(r, "GET",
                                        "a subscription is a GET: a "
                                        "WebSocket handshake or an event "
                                        "stream");
    }

    /*
     * The module writes to the socket itself (HTTP/1.1 chunks for an
     * event stream), so HTTP/2 and HTTP/1.0 are not served.
     */

    if (r != r->main || r->http_version != NGX_HTTP_VERSION_11) {
        return ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                    "WebSocket and event streams need "
                                    "HTTP/1.1", 0);
    }

    key = NULL;
    version = NULL;
    last_event_id = NULL;
    types = NULL;
    origin = NULL;
    upgrade = 0;
    sse = 0;

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
            key = &h[i].value;

        } else if (h[i].key.len == sizeof("Sec-WebSocket-Version") - 1
                   && ngx_strncasecmp(h[i].key.data,
                                      (u_char *) "Sec-WebSocket-Version",
                                      h[i].key.len) == 0)
        {
            version = &h[i].value;

        } else if (h[i].key.len == sizeof("Last-Event-ID") - 1
                   && ngx_strncasecmp(h[i].key.data,
                                      (u_char *) "Last-Event-ID",
                                      h[i].key.len) == 0)
        {
            last_event_id = &h[i].value;

        } else if (h[i].key.len == sizeof("Accept") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept",
                                      h[i].key.len) == 0)
        {
            types = &h[i].value;

        } else if (h[i].key.len == sizeof("Origin") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Origin",
                                      h[i].key.len) == 0)
        {
            origin = &h[i].value;

        } else if (h[i].key.len == sizeof("Connection") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Connection",
                                      h[i].key.len) == 0
                   && ngx_strlcasestrn(h[i].value.data,
                                       h[i].value.data + h[i].value.len,
                                       (u_char *) "upgrade", 7 - 1)
                      != NULL)
        {
            /* nginx 1.22 keeps no pointer to the Connection header */
            upgrade = 1;
        }
    }

    /*
     * A browser always names the page's origin: a page of another site
     * cannot open the socket with the user's cookies.  Clients that are
     * not browsers send no Origin and are not concerned.
     */

    if (origin != NULL && ngx_http_eda_ws_origin_allowed(slcf, origin)
                          != NGX_OK)
    {
        return ngx_http_eda_problem(r, NGX_HTTP_FORBIDDEN,
                                    "this Origin is not allowed "
                                    "(eda_ws_origin)", 0);
    }

    if (!upgrade
        || r->headers_in.upgrade == NULL
        || ngx_strlcasestrn(r->headers_in.upgrade->value.data,
                            r->headers_in.upgrade->value.data
                            + r->headers_in.upgrade->value.len,
                            (u_char *) "websocket", 9 - 1) == NULL)
    {
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

        sse = 1;
        goto accepted;
    }

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

    accept = ngx_pnalloc(r->pool, NGX_EDA_WS_ACCEPT_LEN);
    if (accept == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (key == NULL
        || ngx_eda_ws_accept_key((const char *) key->data, key->len,
                                 (char *) accept) != 0)
    {
        return ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                    "invalid Sec-WebSocket-Key", 0);
    }

accepted:

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_ws_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ctx->conf = slcf;
    ctx->smcf = smcf;
    ctx->sse = sse;
    ctx->enc = (sse ? NGX_HTTP_EDA_ENC_SSE_EVENT : NGX_HTTP_EDA_ENC_WS_EVENT)
               + slcf->format;

    if (ngx_http_eda_ws_filters(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_eda_ws_cleanup;
    cln->data = ctx;

    ngx_eda_ws_parser_init(&ctx->parser, slcf->max_message);
    ngx_http_set_ctx(r, ctx, ngx_http_eda_subscribe_module);

    if (!sse && slcf->publish.len
        && ngx_http_eda_ws_publish_init(ctx) != NGX_OK)
    {
        return ngx_http_eda_problem(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                    "the events of this socket cannot be "
                                    "described: check eda_ce_*", 0);
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sse) {
        if (ngx_http_eda_sse_header(r) != NGX_OK) {
            return NGX_ERROR;
        }

    } else {
        /* 101 Switching Protocols; nginx adds "Connection: upgrade" */

        if (ngx_http_eda_sub_header(r, "Upgrade", "websocket", 9) != NGX_OK
            || ngx_http_eda_sub_header(r, "Sec-WebSocket-Accept",
                                       (char *) accept,
                                       NGX_EDA_WS_ACCEPT_LEN)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        protocol = ngx_http_eda_ws_subprotocol(slcf, r);

        if (protocol != NULL
            && ngx_http_eda_sub_header(r, "Sec-WebSocket-Protocol",
                                       (char *) protocol->data,
                                       protocol->len)
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
    }

    if (ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR) {
        return NGX_ERROR;
    }

    /*
     * The connection is ours now.  Marked idle so a graceful shutdown
     * (reload, quit) reaches the read handler with c->close set, and the
     * client gets 1001.
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

    if (slcf->ping) {
        ngx_add_timer(&ctx->ping, slcf->ping);
    }

    /* a socket never outlives the token it was opened with */

    exp = ngx_http_eda_jwt_expires(r);

    if (exp) {
        ctx->expiry.handler = ngx_http_eda_ws_expired;
        ctx->expiry.data = ctx;
        ctx->expiry.log = c->log;
        ctx->expiry.cancelable = 1;

        now = ngx_time();
        ngx_add_timer(&ctx->expiry,
                      exp > now ? (ngx_msec_t) (exp - now) * 1000 : 1);
    }

    r->main->count++;

    if (ngx_http_arg(r, (u_char *) "since", 5, &since) == NGX_OK) {
        p = ngx_pnalloc(r->pool, since.len);
        if (p != NULL) {
            dst = p;
            src = since.data;
            ngx_unescape_uri(&dst, &src, since.len, 0);
            since.data = p;
            since.len = dst - p;
            ngx_http_eda_ws_resume(ctx, &since);
        }

    } else if (last_event_id != NULL) {
        since = *last_event_id;
        ngx_http_eda_ws_resume(ctx, &since);
    }

    /* frames sent right behind the handshake are read from header_in */
    ngx_post_event(c->read, &ngx_posted_events);

    return NGX_DONE;
}


/* an origin is compared as a whole, ignoring case (RFC 6454) */

static ngx_int_t
ngx_http_eda_ws_origin_allowed(ngx_http_eda_sub_loc_conf_t *slcf,
    ngx_str_t *origin)
{
    ngx_str_t   *o;
    ngx_uint_t   i;

    if (slcf->origins == NULL) {
        return NGX_OK;
    }

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


static ngx_int_t
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


/*
 * 200 text/event-stream, in chunks the module writes itself: no filter
 * may change the body (gzip is turned off for it), no proxy in front may
 * buffer it (X-Accel-Buffering), no cache may keep it.
 */

static ngx_int_t
ngx_http_eda_sse_header(ngx_http_request_t *r)
{
    if (ngx_http_eda_sub_header(r, "Cache-Control", "no-cache", 8) != NGX_OK
        || ngx_http_eda_sub_header(r, "X-Accel-Buffering", "no", 2)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    ngx_str_set(&r->headers_out.content_type, "text/event-stream");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    r->gzip_tested = 1;
    r->gzip_ok = 0;

    if (ngx_http_send_header(r) == NGX_ERROR || !r->chunked) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The server's filters (values may come from the request, such as the
 * token's subject), then the client's narrowing from query arguments.
 */

static ngx_int_t
ngx_http_eda_ws_filters(ngx_http_request_t *r, ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t                        value;
    ngx_uint_t                       i;
    ngx_eda_filter_t                *f;
    const ngx_eda_filter_arg_t      *arg;
    ngx_http_eda_sub_filter_conf_t  *fc;

    ctx->filters = ngx_array_create(r->pool, 4, sizeof(ngx_eda_filter_t));
    if (ctx->filters == NULL) {
        return NGX_ERROR;
    }

    if (ctx->conf->filters != NULL) {
        fc = ctx->conf->filters->elts;

        for (i = 0; i < ctx->conf->filters->nelts; i++) {
            f = ngx_array_push(ctx->filters);
            if (f == NULL) {
                return NGX_ERROR;
            }

            f->attr = (const char *) fc[i].attr.data;
            f->attr_len = fc[i].attr.len;
            f->op = fc[i].op;

            if (ngx_http_complex_value(r, fc[i].value, &value) != NGX_OK) {
                return NGX_ERROR;
            }

            f->value = (const char *) value.data;
            f->value_len = value.len;
        }
    }

    for (arg = ngx_eda_filter_client_args; arg->arg != NULL; arg++) {
        if (ngx_http_eda_ws_client_filter(r, ctx, arg) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_ws_client_filter(ngx_http_request_t *r,
    ngx_http_eda_ws_ctx_t *ctx, const ngx_eda_filter_arg_t *arg)
{
    u_char            *dst, *src, *p;
    ngx_str_t          value;
    ngx_eda_filter_t  *f;

    if (ngx_http_arg(r, (u_char *) arg->arg, ngx_strlen(arg->arg), &value)
        != NGX_OK)
    {
        return NGX_OK;
    }

    f = ngx_array_push(ctx->filters);
    if (f == NULL) {
        return NGX_ERROR;
    }

    f->attr = arg->attr;
    f->attr_len = ngx_strlen(arg->attr);
    f->op = arg->op;

    p = ngx_pnalloc(r->pool, value.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    src = value.data;
    dst = p;
    ngx_unescape_uri(&dst, &src, value.len, 0);

    f->value = (const char *) p;
    f->value_len = dst - p;

    return NGX_OK;
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


static void
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


/*
 * Queues a frame (the caller's reference is not taken over).  A client
 * whose queue would pass eda_ws_send_buffer is closed: the fan-out never
 * waits for it and never buffers more for it.
 */

static ngx_int_t
ngx_http_eda_ws_enqueue(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_ws_frame_t *frame, ngx_uint_t force)
{
    ngx_uint_t  tail;

    if (ctx->closing && !force) {
        return NGX_DECLINED;
    }

    if (!force
        && (ctx->out_count == NGX_HTTP_EDA_WS_RING - 1
            || ctx->queued + frame->len > ctx->conf->send_buffer))
    {
        /*
         * Writes wait for the end of a batch of records; a burst is not
         * slowness: first the kernel takes what it can.
         */

        ngx_http_eda_ws_write(ctx->request);

        if (ctx->done || ctx->closing) {
            return NGX_DECLINED;
        }
    }

    if (!force
        && (ctx->out_count == NGX_HTTP_EDA_WS_RING - 1
            || ctx->queued + frame->len > ctx->conf->send_buffer))
    {
        ngx_eda_metrics_count(ctx->smcf->emcf, NGX_EDA_M_WS_SLOW_CLOSED, 1);
        ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                      "eda: WebSocket client too slow, closed");
        ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_POLICY,
                              "send buffer overflow: too slow");
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

    return NGX_OK;
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


static ngx_http_eda_ws_frame_t *
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

static ngx_http_eda_ws_frame_t *
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


static void
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

static void
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

static void
ngx_http_eda_ws_close(ngx_http_eda_ws_ctx_t *ctx, unsigned int code,
    const char *reason)
{
    u_char                    buf[NGX_EDA_WS_MAX_REASON * 6 + 64];
    u_char                   *p;
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

    len = ngx_strlen(reason);

    if (ctx->sse) {
        /*
         * An event stream has no close frame: a last event says why, then
         * the stream ends (and a browser's EventSource reconnects).
         */

        if (len > NGX_EDA_WS_MAX_REASON) {
            len = NGX_EDA_WS_MAX_REASON;
        }

        p = ngx_sprintf(buf, "{\"code\":%ui,\"reason\":\"", code);
        p = (u_char *) ngx_escape_json(p, (u_char *) reason, len);
        p = ngx_cpymem(p, "\"}", 2);

        frame = ngx_http_eda_sse_frame(NULL, 0, "eda.close", buf, p - buf, 1);

    } else {
        len = ngx_eda_ws_close_frame(buf, code, reason, len);
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

static void
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
ngx_http_eda_ws_release(ngx_http_eda_ws_frame_t *frame)
{
    if (--frame->refs == 0) {
        ngx_free(frame);
    }
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
    ngx_http_eda_ws_close(ev->data, NGX_EDA_WS_CLOSE_POLICY,
                          "token expired");
}


static void
ngx_http_eda_ws_cleanup(void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_uint_t  i;

    ctx->done = 1;

    if (ctx->registered) {
        ngx_queue_remove(&ctx->queue);
        ctx->registered = 0;
        ctx->smcf->nclients--;
        ngx_eda_metrics_set(ctx->smcf->emcf, NGX_EDA_M_WS_CONNECTIONS,
                            ctx->smcf->nclients);
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


/*
 * A record arrived: one CloudEvent, one frame, shared by every client of
 * the topic whose filters it passes.
 */

static void
ngx_http_eda_sub_record(const rd_kafka_message_t *msg, void *data)
{
    ngx_http_eda_sub_main_conf_t *smcf = data;

    char                     *json;
    u_char                    id[NGX_INT64_LEN * 2 + 256];
    u_char                    source[256];
    size_t                    len, hlen;
    ngx_str_t                 topic, key;
    ngx_uint_t                n, i;
    ngx_queue_t              *q, *next;
    ngx_eda_ce_event_t        ev;
    ngx_http_eda_sub_ring_t  *ring;
    ngx_eda_ce_parsed_t       parsed;
    ngx_http_eda_ws_ctx_t    *ctx;
    ngx_http_eda_ws_frame_t  *frame, *frames[NGX_HTTP_EDA_ENC_N];

    topic.data = (u_char *) rd_kafka_topic_name(msg->rkt);
    topic.len = ngx_strlen(topic.data);

    ring = ngx_http_eda_sub_ring(smcf, &topic);

    if (ngx_queue_empty(&smcf->clients) && ring == NULL) {
        return;
    }

    parsed.owned = NULL;

    if (ngx_eda_kafka_record_event(msg, &ev, &parsed, id, source) != NGX_OK) {
        return;
    }

    json = ngx_eda_ce_to_json(&ev, &len);

    if (json == NULL) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "eda: record %V/%d/%O is not a valid event, skipped",
                      &topic, msg->partition, (off_t) msg->offset);
        goto done;
    }

    frame = ngx_http_eda_ws_message(NGX_EDA_WS_OP_TEXT, (u_char *) json,
                                    len);
    free(json);

    if (frame == NULL) {
        goto done;
    }

    hlen = frame->len - len;

    /* the other encodings are made for the first client that needs one */

    ngx_memzero(frames, sizeof(frames));
    frames[NGX_HTTP_EDA_ENC_WS_EVENT] = frame;

    smcf->seq++;

    if (ring != NULL) {
        ngx_http_eda_sub_remember(ring, frame, hlen, smcf->seq, &ev, msg);
    }

    key.data = msg->key;
    key.len = msg->key_len;
    n = 0;

    for (q = ngx_queue_head(&smcf->clients);
         q != ngx_queue_sentinel(&smcf->clients);
         q = next)
    {
        next = ngx_queue_next(q);

        ctx = ngx_queue_data(q, ngx_http_eda_ws_ctx_t, queue);

        if (ctx->closing
            || !ngx_http_eda_sub_match(ctx, &topic, &ev, &key))
        {
            continue;
        }

        if (frames[ctx->enc] == NULL) {
            frames[ctx->enc] = ngx_http_eda_sub_encode(ctx->enc, &ev,
                                                       frame->data + hlen,
                                                       len);
            if (frames[ctx->enc] == NULL) {
                continue;
            }
        }

        /*
         * Written once the worker has queued every record it just read:
         * the clients' sends are gathered.
         */

        if (ngx_http_eda_ws_enqueue(ctx, frames[ctx->enc], 0) == NGX_OK) {
            n++;
            ngx_post_event(ctx->request->connection->write,
                           &ngx_posted_events);
        }
    }

    ngx_eda_metrics_count(smcf->emcf, NGX_EDA_M_WS_DELIVERED, n);

    for (i = 0; i < NGX_HTTP_EDA_ENC_N; i++) {
        if (frames[i] != NULL) {
            ngx_http_eda_ws_release(frames[i]);
        }
    }

done:

    if (parsed.owned != NULL) {
        ngx_eda_ce_parsed_free(&parsed);
    }
}


/*
 * An event as ENC: the structured CloudEvent (JSON, LEN bytes), or its data
 * alone (eda_ws_format data), in a WebSocket frame or an SSE event.  Data
 * goes in a text frame when it is text (JSON, text/<any>, a charset, or no
 * content type) and valid UTF-8, in a binary frame otherwise; an event
 * stream carries only text, so there other data is sent in base64.  A new
 * frame with one reference, or NULL.
 */

static ngx_http_eda_ws_frame_t *
ngx_http_eda_sub_encode(ngx_uint_t enc, ngx_eda_ce_event_t *ev,
    const u_char *json, size_t len)
{
    ngx_str_t                 data, b64;
    ngx_uint_t                text;
    const ngx_eda_ce_str_t   *id, *type, *ct;
    ngx_http_eda_ws_frame_t  *frame;

    b64.data = NULL;

    if (enc == NGX_HTTP_EDA_ENC_WS_EVENT || enc == NGX_HTTP_EDA_ENC_SSE_EVENT)
    {
        data.data = (u_char *) json;
        data.len = len;
        text = 1;

    } else {
        data.data = (u_char *) (ev->data.data ? ev->data.data : "");
        data.len = ev->data.len;

        ct = ngx_eda_ce_get(ev, "datacontenttype", 15);

        text = ngx_eda_ws_utf8_valid(data.data, data.len)
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

    if (!text) {
        b64.len = ngx_base64_encoded_length(data.len);
        b64.data = ngx_alloc(b64.len, ngx_cycle->log);
        if (b64.data == NULL) {
            return NULL;
        }

        ngx_encode_base64(&b64, &data);
        data = b64;
    }

    id = ngx_eda_ce_get(ev, "id", 2);
    type = (enc == NGX_HTTP_EDA_ENC_SSE_DATA)
           ? ngx_eda_ce_get(ev, "type", 4) : NULL;

    frame = ngx_http_eda_sse_frame(id ? (u_char *) id->data : NULL,
                                   id ? id->len : 0,
                                   type ? type->data : NULL,
                                   data.data, data.len, 0);
    if (b64.data != NULL) {
        ngx_free(b64.data);
    }

    return frame;
}


/*
 * One SSE event in one HTTP/1.1 chunk (the module writes the chunked
 * encoding itself); LAST adds the chunk that ends the response.  NAME is
 * NUL-terminated or NULL.  A new frame with one reference, or NULL.
 */

static ngx_http_eda_ws_frame_t *
ngx_http_eda_sse_frame(const u_char *id, size_t id_len, const char *name,
    const u_char *data, size_t len, ngx_uint_t last)
{
    u_char                   *p;
    size_t                    n, name_len;
    ngx_http_eda_ws_frame_t  *frame;

    name_len = name ? ngx_strlen(name) : 0;

    n = ngx_eda_sse_event(NULL, id, id_len, (u_char *) name, name_len, data,
                          len);

    frame = ngx_alloc(sizeof(ngx_http_eda_ws_frame_t) + NGX_OFF_T_LEN + 2
                      + n + 2 + sizeof("0\r\n\r\n") - 1, ngx_cycle->log);
    if (frame == NULL) {
        return NULL;
    }

    p = ngx_sprintf(frame->data, "%xz\r\n", n);
    p += ngx_eda_sse_event(p, id, id_len, (u_char *) name, name_len, data,
                           len);
    *p++ = CR;
    *p++ = LF;

    if (last) {
        p = ngx_cpymem(p, "0\r\n\r\n", 5);
    }

    frame->refs = 1;
    frame->len = p - frame->data;

    return frame;
}


static ngx_uint_t
ngx_http_eda_sub_match(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *topic,
    ngx_eda_ce_event_t *ev, ngx_str_t *key)
{
    ngx_str_t   *t;
    ngx_uint_t   i;

    t = ctx->conf->topics->elts;

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        if (t[i].len == topic->len
            && ngx_strncmp(t[i].data, topic->data, topic->len) == 0)
        {
            return ngx_eda_filter_match(ctx->filters->elts,
                                        ctx->filters->nelts, ev,
                                        (const char *) key->data, key->len);
        }
    }

    return 0;
}


/*
 * eda_ws_publish: the location's eda_ce_* attributes are evaluated once,
 * at the handshake (variables such as the token's claims are those of the
 * handshake), and one record is built then, so every variable the record
 * needs is cached in the request.  Each message is then built in a
 * scratch pool freed right after it is produced: a socket's memory does
 * not grow with the messages it sends.
 */

static ngx_int_t
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

    if (ctx->tmpl == NULL || ctx->inflight == NULL
        || ctx->inflight_id == NULL)
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


static void
ngx_http_eda_ws_publish(ngx_http_eda_ws_ctx_t *ctx, ngx_eda_ws_event_t *wev)
{
    u_char                  id[NGX_EDA_CE_UUID_LEN], rnd[16];
    u_char                  tm[NGX_EDA_CE_TIME_LEN];
    ngx_int_t               rc;
    ngx_str_t               sid;
    json_t                 *json;
    ngx_pool_t             *scratch, *saved;
    ngx_time_t             *tp;
    const char             *err;
    json_error_t            jerr;
    ngx_eda_ce_str_t        attr;
    ngx_http_request_t     *r;
    ngx_eda_ce_event_t      ev;
    ngx_eda_kafka_dr_t     *dr;
    ngx_eda_kafka_msg_t     msg;
    ngx_eda_main_conf_t    *emcf;
    ngx_eda_kafka_refusal_e  refusal;

    r = ctx->request;
    emcf = ctx->smcf->emcf;
    ngx_str_null(&sid);

    if (ctx->ninflight == NGX_HTTP_EDA_WS_INFLIGHT) {
        ngx_http_eda_ws_reply(ctx, "eda.ws.problem", &sid,
                              NGX_HTTP_SERVICE_UNAVAILABLE,
                              "too many events waiting for Kafka", 0, 0);
        return;
    }

    if (ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return;
    }

    /* a fresh id and time for every message */

    ev = *ctx->tmpl;

    ngx_eda_ce_format_uuid4(rnd, (char *) id);
    sid.data = id;
    sid.len = NGX_EDA_CE_UUID_LEN;
    (void) ngx_eda_ce_set(&ev, "id", 2, (const char *) id, sid.len);

    tp = ngx_timeofday();
    ngx_eda_ce_format_time(tp->sec, tp->msec, (char *) tm);
    (void) ngx_eda_ce_set(&ev, "time", 4, (const char *) tm,
                          NGX_EDA_CE_TIME_LEN);

    ev.data.data = (const char *) wev->data;
    ev.data.len = wev->len;

    if (wev->opcode == NGX_EDA_WS_OP_BINARY) {
        (void) ngx_eda_ce_set(&ev, "datacontenttype", 15,
                              "application/octet-stream", 24);

    } else {
        json = json_loadb((const char *) wev->data, wev->len,
                          JSON_DECODE_ANY, &jerr);

        if (json != NULL) {
            json_decref(json);
            (void) ngx_eda_ce_set(&ev, "datacontenttype", 15,
                                  "application/json", 16);

        } else {
            (void) ngx_eda_ce_set(&ev, "datacontenttype", 15,
                                  "text/plain; charset=utf-8", 25);
        }
    }

    if (ngx_eda_ce_validate(&ev, &err, &attr) != 0) {
        ngx_http_eda_ws_reply(ctx, "eda.ws.problem", &sid,
                              NGX_HTTP_BAD_REQUEST, err, 0, 0);
        return;
    }

    scratch = ngx_create_pool(4096, r->connection->log);
    if (scratch == NULL) {
        return;
    }

    dr = ngx_eda_kafka_dr_create(r->connection->log);
    if (dr == NULL) {
        ngx_destroy_pool(scratch);
        return;
    }

    dr->handler = ngx_http_eda_ws_published;
    dr->data = ctx;

    saved = r->pool;
    r->pool = scratch;

    ngx_memzero(&msg, sizeof(ngx_eda_kafka_msg_t));
    rc = ngx_http_eda_event_message(r, &ev, &msg);

    refusal = NGX_EDA_KAFKA_FAILED;

    if (rc == NGX_OK) {
        msg.topic = (const char *) ctx->conf->publish.data;
        refusal = ngx_eda_kafka_produce(emcf, &msg, dr, r->connection->log);
    }

    r->pool = saved;
    ngx_destroy_pool(scratch);

    if (refusal != NGX_EDA_KAFKA_OK) {
        ngx_free(dr);
        ngx_http_eda_ws_reply(ctx, "eda.ws.problem", &sid,
                              NGX_HTTP_SERVICE_UNAVAILABLE,
                              refusal == NGX_EDA_KAFKA_QUEUE_FULL
                              ? "the Kafka producer queue is full"
                              : "Kafka is unavailable", 0, 0);
        return;
    }

    ngx_memcpy(ctx->inflight_id[ctx->ninflight], id, NGX_EDA_CE_UUID_LEN);
    ctx->inflight[ctx->ninflight++] = dr;
}


static void
ngx_http_eda_ws_published(ngx_eda_kafka_dr_t *dr)
{
    u_char                  id[NGX_EDA_CE_UUID_LEN];
    ngx_str_t               sid;
    ngx_uint_t              i;
    ngx_http_eda_ws_ctx_t  *ctx = dr->data;

    ngx_str_null(&sid);

    for (i = 0; i < ctx->ninflight; i++) {
        if (ctx->inflight[i] == dr) {
            ngx_memcpy(id, ctx->inflight_id[i], NGX_EDA_CE_UUID_LEN);
            sid.data = id;
            sid.len = NGX_EDA_CE_UUID_LEN;

            ctx->ninflight--;
            ctx->inflight[i] = ctx->inflight[ctx->ninflight];
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
        ngx_http_eda_ws_reply(ctx, "eda.ws.ack", &sid, 0, NULL,
                              dr->partition, dr->offset);

    } else {
        ngx_http_eda_ws_reply(ctx, "eda.ws.problem", &sid,
                              NGX_HTTP_SERVICE_UNAVAILABLE, dr->errstr, 0, 0);
    }
}


/* an answer to a client's message: a small JSON text frame */

static void
ngx_http_eda_ws_reply(ngx_http_eda_ws_ctx_t *ctx, const char *type,
    ngx_str_t *id, ngx_uint_t status, const char *detail, int32_t partition,
    int64_t offset)
{
    u_char  *p, *buf;
    size_t   size;

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


/*
 * eda_ws_origin ORIGIN ...: each "scheme://host[:port]" as a browser sends
 * it (no path, no trailing slash); eda_ws_subprotocols NAME ...: tokens.
 */

static char *
ngx_http_eda_ws_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char        *c, *host;
    ngx_str_t     *value, *s;
    ngx_uint_t     i, origin;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a != NULL) {
        return "is duplicate";
    }

    *a = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(ngx_str_t));
    if (*a == NULL) {
        return NGX_CONF_ERROR;
    }

    origin = (cmd->offset == offsetof(ngx_http_eda_sub_loc_conf_t, origins));
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (origin) {
            host = NULL;

            if (value[i].len > 7
                && ngx_strncasecmp(value[i].data, (u_char *) "http://", 7)
                   == 0)
            {
                host = value[i].data + 7;

            } else if (value[i].len > 8
                       && ngx_strncasecmp(value[i].data,
                                          (u_char *) "https://", 8) == 0)
            {
                host = value[i].data + 8;
            }

            if (host == NULL
                || ngx_strlchr(host, value[i].data + value[i].len, '/')
                   != NULL)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid origin \"%V\" in \"%V\": "
                                   "expected \"https://host[:port]\"",
                                   &value[i], &cmd->name);
                return NGX_CONF_ERROR;
            }

        } else {
            for (c = value[i].data; c < value[i].data + value[i].len; c++) {
                if (*c <= ' ' || *c >= 0x7f
                    || ngx_strchr("()<>@,;:\\\"/[]?={}", *c) != NULL)
                {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid subprotocol \"%V\" in "
                                       "\"%V\": not a token",
                                       &value[i], &cmd->name);
                    return NGX_CONF_ERROR;
                }
            }
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_ws_publish_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    ngx_str_t            *value;
    ngx_eda_main_conf_t  *emcf;

    if (slcf->publish.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_eda_kafka_topic_check(cf, &cmd->name, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    slcf->publish = value[1];

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
    ngx_eda_require_producer(cf, emcf, &cmd->name);

    return NGX_CONF_OK;
}


static ngx_http_eda_sub_ring_t *
ngx_http_eda_sub_ring(ngx_http_eda_sub_main_conf_t *smcf, ngx_str_t *topic)
{
    ngx_uint_t                i;
    ngx_http_eda_sub_ring_t  *ring;

    if (smcf->rings == NULL) {
        return NULL;
    }

    ring = smcf->rings->elts;

    for (i = 0; i < smcf->rings->nelts; i++) {
        if (ring[i].topic.len == topic->len
            && ngx_strncmp(ring[i].topic.data, topic->data, topic->len) == 0)
        {
            return &ring[i];
        }
    }

    return NULL;
}


/* the oldest entry makes room: the ring holds eda_ws_history events */

static void
ngx_http_eda_sub_remember(ngx_http_eda_sub_ring_t *ring,
    ngx_http_eda_ws_frame_t *frame, size_t hlen, uint64_t seq,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg)
{
    u_char                   *p;
    ngx_uint_t                slot;
    ngx_http_eda_sub_hist_t  *h;
    const ngx_eda_ce_str_t   *id;

    if (ring->entries == NULL) {
        return;
    }

    id = ngx_eda_ce_get(ev, "id", 2);

    p = ngx_alloc((id ? id->len : 0) + msg->key_len + 1, ngx_cycle->log);
    if (p == NULL) {
        return;
    }

    slot = (ring->head + ring->count) % ring->size;
    h = &ring->entries[slot];

    if (ring->count == ring->size) {
        ngx_http_eda_ws_release(h->frame);
        ngx_free(h->id.data);
        ring->head = (ring->head + 1) % ring->size;

    } else {
        ring->count++;
    }

    h->frame = frame;
    frame->refs++;
    h->hlen = hlen;
    h->seq = seq;

    h->id.data = p;
    h->id.len = id ? id->len : 0;
    p = ngx_cpymem(p, id ? id->data : "", h->id.len);

    h->key.data = msg->key ? p : NULL;
    h->key.len = msg->key_len;
    ngx_memcpy(p, msg->key, msg->key_len);
}


/*
 * A client resuming after event SINCE: what came after it on the topics
 * of the location, in arrival order and through the client's filters; or
 * a message saying the history no longer reaches back that far.
 */

static void
ngx_http_eda_ws_resume(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *since)
{
    u_char                    *p, *buf;
    uint64_t                   from;
    ngx_str_t                 *t;
    ngx_uint_t                 i, j, found;
    const char                *err;
    ngx_array_t               *todo;
    ngx_eda_ce_str_t           attr;
    ngx_eda_ce_parsed_t        parsed;
    ngx_http_eda_sub_ring_t   *ring;
    ngx_http_eda_sub_hist_t   *h, **hp;
    ngx_http_eda_ws_frame_t   *frame, *other;

    t = ctx->conf->topics->elts;
    found = 0;
    from = 0;

    for (i = 0; i < ctx->conf->topics->nelts && !found; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);
        if (ring == NULL || ring->entries == NULL) {
            continue;
        }

        for (j = 0; j < ring->count; j++) {
            h = &ring->entries[(ring->head + j) % ring->size];

            if (h->id.len == since->len
                && ngx_memcmp(h->id.data, since->data, since->len) == 0)
            {
                found = 1;
                from = h->seq;
                break;
            }
        }
    }

    if (!found) {
        if (since->len > 256) {
            since->len = 256;
        }

        buf = ngx_pnalloc(ctx->request->pool, 256 + 6 * since->len);
        if (buf == NULL) {
            return;
        }

        p = ngx_sprintf(buf, "{\"specversion\":\"1.0\","
                        "\"id\":\"eda-resume-%uL\",\"source\":\"/eda/ws\","
                        "\"type\":"
                        "\"eda.ws.resume.unavailable\",\"datacontenttype\":"
                        "\"application/json\",\"data\":{\"since\":\"",
                        ctx->smcf->seq);
        p = (u_char *) ngx_escape_json(p, since->data, since->len);
        p = ngx_cpymem(p, "\"}}", 3);

        ngx_http_eda_ws_text(ctx, buf, p - buf);
        return;
    }

    todo = ngx_array_create(ctx->request->pool, 16, sizeof(void *));
    if (todo == NULL) {
        return;
    }

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);
        if (ring == NULL || ring->entries == NULL) {
            continue;
        }

        for (j = 0; j < ring->count; j++) {
            h = &ring->entries[(ring->head + j) % ring->size];

            if (h->seq > from) {
                hp = ngx_array_push(todo);
                if (hp == NULL) {
                    return;
                }

                *hp = h;
            }
        }
    }

    ngx_qsort(todo->elts, todo->nelts, sizeof(void *),
              ngx_http_eda_sub_seq_cmp);

    hp = todo->elts;

    for (i = 0; i < todo->nelts && !ctx->closing; i++) {
        h = hp[i];
        frame = h->frame;

        /* the filters need the attributes: the frame holds the JSON */

        if (ngx_eda_ce_from_json((const char *) frame->data + h->hlen,
                                 frame->len - h->hlen, &parsed, &err, &attr)
            != 0)
        {
            continue;
        }

        for (j = 0; j < ctx->conf->topics->nelts; j++) {
            ring = ngx_http_eda_sub_ring(ctx->smcf, &t[j]);

            if (ring != NULL && h >= ring->entries
                && h < ring->entries + ring->size)
            {
                break;
            }
        }

        if (j < ctx->conf->topics->nelts
            && ngx_http_eda_sub_match(ctx, &t[j], &parsed.event, &h->key))
        {
            if (ctx->enc == NGX_HTTP_EDA_ENC_WS_EVENT) {
                (void) ngx_http_eda_ws_enqueue(ctx, frame, 0);

            } else {
                other = ngx_http_eda_sub_encode(ctx->enc, &parsed.event,
                                                frame->data + h->hlen,
                                                frame->len - h->hlen);
                if (other != NULL) {
                    (void) ngx_http_eda_ws_enqueue(ctx, other, 0);
                    ngx_http_eda_ws_release(other);
                }
            }
        }

        ngx_eda_ce_parsed_free(&parsed);
    }

    ngx_http_eda_ws_write(ctx->request);
}


static int
ngx_http_eda_sub_seq_cmp(const void *one, const void *two)
{
    const ngx_http_eda_sub_hist_t  *a = *(ngx_http_eda_sub_hist_t **) one;
    const ngx_http_eda_sub_hist_t  *b = *(ngx_http_eda_sub_hist_t **) two;

    return (a->seq > b->seq) - (a->seq < b->seq);
}


static ngx_int_t
ngx_http_eda_sub_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i;
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_sub_ring_t       *ring;
    ngx_http_eda_sub_main_conf_t  *smcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_eda_subscribe_module);
    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);

    if (smcf == NULL || !smcf->used || emcf == NULL) {
        return NGX_OK;
    }

    smcf->emcf = emcf;
    ngx_queue_init(&smcf->clients);

    if (smcf->rings != NULL) {
        ring = smcf->rings->elts;

        for (i = 0; i < smcf->rings->nelts; i++) {
            ring[i].entries = ngx_pcalloc(cycle->pool, ring[i].size
                                          * sizeof(ngx_http_eda_sub_hist_t));
            if (ring[i].entries == NULL) {
                return NGX_ERROR;
            }
        }
    }

    /* a worker without its consumer still serves; the log says why */

    (void) ngx_eda_kafka_consumer_init(cycle, emcf, ngx_http_eda_sub_record,
                                       smcf);

    return NGX_OK;
}


static void
ngx_http_eda_sub_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i, j;
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_sub_ring_t       *ring;
    ngx_http_eda_sub_hist_t       *h;
    ngx_http_eda_sub_main_conf_t  *smcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);

    if (emcf != NULL) {
        ngx_eda_kafka_consumer_exit(cycle, emcf);
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_eda_subscribe_module);

    if (smcf == NULL || smcf->rings == NULL) {
        return;
    }

    ring = smcf->rings->elts;

    for (i = 0; i < smcf->rings->nelts; i++) {
        if (ring[i].entries == NULL) {
            continue;
        }

        for (j = 0; j < ring[i].count; j++) {
            h = &ring[i].entries[(ring[i].head + j) % ring[i].size];
            ngx_http_eda_ws_release(h->frame);
            ngx_free(h->id.data);
        }

        ring[i].count = 0;
    }
}


static void *
ngx_http_eda_sub_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_sub_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    ngx_queue_init(&smcf->clients);

    return smcf;
}


static void *
ngx_http_eda_sub_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_sub_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_sub_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->ping = NGX_CONF_UNSET_MSEC;
    conf->max_message = NGX_CONF_UNSET_SIZE;
    conf->send_buffer = NGX_CONF_UNSET_SIZE;
    conf->history = NGX_CONF_UNSET_UINT;
    conf->format = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_eda_sub_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_eda_sub_loc_conf_t *prev = parent;
    ngx_http_eda_sub_loc_conf_t *conf = child;

    ngx_str_t                     *t;
    ngx_uint_t                     i;
    ngx_http_eda_sub_ring_t       *ring;
    ngx_http_eda_sub_main_conf_t  *smcf;

    ngx_conf_merge_msec_value(conf->ping, prev->ping, 30000);
    ngx_conf_merge_size_value(conf->max_message, prev->max_message,
                              64 * 1024);
    ngx_conf_merge_size_value(conf->send_buffer, prev->send_buffer,
                              1024 * 1024);

    ngx_conf_merge_uint_value(conf->history, prev->history, 0);
    ngx_conf_merge_uint_value(conf->format, prev->format,
                              NGX_HTTP_EDA_FORMAT_EVENT);

    if (conf->filters == NULL) {
        conf->filters = prev->filters;
    }

    if (conf->origins == NULL) {
        conf->origins = prev->origins;
    }

    if (conf->protocols == NULL) {
        conf->protocols = prev->protocols;
    }

    if (conf->topics == NULL) {
        return NGX_CONF_OK;
    }

    if (conf->send_buffer < 4096) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_ws_send_buffer\" must be at least 4k");
        return NGX_CONF_ERROR;
    }

    if (conf->history > 100000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_ws_history\" must be at most 100000");
        return NGX_CONF_ERROR;
    }

    if (conf->history == 0) {
        return NGX_CONF_OK;
    }

    /* one ring per topic, as long as the longest history asked of it */

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_eda_subscribe_module);

    if (smcf->rings == NULL) {
        smcf->rings = ngx_array_create(cf->pool, 4,
                                       sizeof(ngx_http_eda_sub_ring_t));
        if (smcf->rings == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    t = conf->topics->elts;

    for (i = 0; i < conf->topics->nelts; i++) {
        ring = ngx_http_eda_sub_ring(smcf, &t[i]);

        if (ring == NULL) {
            ring = ngx_array_push(smcf->rings);
            if (ring == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(ring, sizeof(ngx_http_eda_sub_ring_t));
            ring->topic = t[i];
        }

        ring->size = ngx_max(ring->size, conf->history);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_subscribe(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    ngx_str_t                     *value, *t;
    ngx_uint_t                     i;
    ngx_eda_main_conf_t           *emcf;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_eda_sub_main_conf_t  *smcf;

    if (slcf->topics != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    slcf->topics = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                    sizeof(ngx_str_t));
    if (slcf->topics == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_eda_kafka_topic_check(cf, &cmd->name, &value[i]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        t = ngx_array_push(slcf->topics);
        if (t == NULL) {
            return NGX_CONF_ERROR;
        }

        *t = value[i];

        if (ngx_eda_kafka_consume_topic(cf, emcf, &value[i]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    /* eda_kafka_brokers is checked at the end of the http block */
    if (!emcf->kafka_consumer) {
        emcf->kafka_consumer = 1;
        emcf->producer_user = cmd->name;
        emcf->producer_file = cf->conf_file->file.name;
        emcf->producer_line = cf->conf_file->line;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_eda_subscribe_module);
    smcf->used = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_eda_subscribe_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_subscribe_filter(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    int                                op;
    ngx_str_t                         *value;
    ngx_http_eda_sub_filter_conf_t    *f;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (!ngx_eda_filter_attr_valid((const char *) value[1].data,
                                   value[1].len))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid attribute \"%V\" in \"%V\": a CloudEvents "
                           "attribute name or \"key\"", &value[1],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    op = ngx_eda_filter_op((const char *) value[2].data, value[2].len);

    if (op == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid operator \"%V\" in \"%V\": expected "
                           "\"eq\", \"prefix\" or \"suffix\"", &value[2],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (slcf->filters == NULL) {
        slcf->filters = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_http_eda_sub_filter_conf_t));
        if (slcf->filters == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    f = ngx_array_push(slcf->filters);
    if (f == NULL) {
        return NGX_CONF_ERROR;
    }

    f->attr = value[1];
    f->op = op;

    f->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (f->value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[3];
    ccv.complex_value = f->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
