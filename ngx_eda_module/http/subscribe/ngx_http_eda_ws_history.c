
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_ws_history: each worker keeps the latest events of each topic in a
 * ring of shared frames (with the event id, the record key and an arrival
 * sequence number), and a client that resumes (?since=, Last-Event-ID)
 * gets what came after its event, merged across its topics in arrival
 * order and through its filters, before the live stream.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_utf8.h"
#include "ngx_http_eda_subscribe.h"


static void ngx_http_eda_ws_resume(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since);
static ngx_int_t ngx_http_eda_ws_history_find(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since, uint64_t *from);
static void ngx_http_eda_ws_resume_unavailable(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since);
static ngx_array_t *ngx_http_eda_ws_history_after(ngx_http_eda_ws_ctx_t *ctx,
    uint64_t from);
static void ngx_http_eda_ws_replay(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_hist_t *h);
static ngx_str_t *ngx_http_eda_ws_history_topic(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_hist_t *h);
static int ngx_http_eda_sub_seq_cmp(const void *one, const void *two);


/* one ring per topic, as long as the longest history asked of it */

char *
ngx_http_eda_ws_history_conf(ngx_conf_t *cf, ngx_http_eda_sub_loc_conf_t *conf)
{
    ngx_str_t                     *t;
    ngx_uint_t                     i;
    ngx_http_eda_sub_ring_t       *ring;
    ngx_http_eda_sub_main_conf_t  *smcf;

    if (conf->history == 0) {
        return NGX_CONF_OK;
    }

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


ngx_int_t
ngx_http_eda_ws_history_init(ngx_cycle_t *cycle,
    ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_uint_t                i;
    ngx_http_eda_sub_ring_t  *ring;

    if (smcf->rings == NULL) {
        return NGX_OK;
    }

    ring = smcf->rings->elts;

    for (i = 0; i < smcf->rings->nelts; i++) {
        ring[i].entries = ngx_pcalloc(cycle->pool, ring[i].size
                                      * sizeof(ngx_http_eda_sub_hist_t));
        if (ring[i].entries == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


void
ngx_http_eda_ws_history_exit(ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_uint_t                i, j;
    ngx_http_eda_sub_ring_t  *ring;
    ngx_http_eda_sub_hist_t  *h;

    if (smcf->rings == NULL) {
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


ngx_http_eda_sub_ring_t *
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

void
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
 * ?since=ID (WebSocket, where browsers cannot set headers) or the
 * Last-Event-ID header (what EventSource sends by itself).
 */

void
ngx_http_eda_ws_resume_request(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *last_event_id)
{
    u_char     *p, *dst, *src;
    ngx_str_t   since;

    if (ngx_http_arg(ctx->request, (u_char *) "since", 5, &since) == NGX_OK) {
        p = ngx_pnalloc(ctx->request->pool, since.len);
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
}


/*
 * A client resuming after event SINCE: what came after it on the topics
 * of the location, in arrival order and through the client's filters; or
 * a message saying the history no longer reaches back that far.
 */

static void
ngx_http_eda_ws_resume(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *since)
{
    uint64_t                   from;
    ngx_uint_t                 i;
    ngx_array_t               *todo;
    ngx_http_eda_sub_hist_t  **hp;

    if (ngx_http_eda_ws_history_find(ctx, since, &from) != NGX_OK) {
        ngx_http_eda_ws_resume_unavailable(ctx, since);
        return;
    }

    todo = ngx_http_eda_ws_history_after(ctx, from);
    if (todo == NULL) {
        return;
    }

    hp = todo->elts;

    for (i = 0; i < todo->nelts && !ctx->closing; i++) {
        ngx_http_eda_ws_replay(ctx, hp[i]);
    }

    ngx_http_eda_ws_write(ctx->request);
}


/* the arrival number of event SINCE in the location's rings */

static ngx_int_t
ngx_http_eda_ws_history_find(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *since,
    uint64_t *from)
{
    ngx_str_t                *t;
    ngx_uint_t                i, j;
    ngx_http_eda_sub_ring_t  *ring;
    ngx_http_eda_sub_hist_t  *h;

    t = ctx->conf->topics->elts;

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);
        if (ring == NULL || ring->entries == NULL) {
            continue;
        }

        for (j = 0; j < ring->count; j++) {
            h = &ring->entries[(ring->head + j) % ring->size];

            if (h->id.len == since->len
                && ngx_memcmp(h->id.data, since->data, since->len) == 0)
            {
                *from = h->seq;
                return NGX_OK;
            }
        }
    }

    return NGX_DECLINED;
}


static void
ngx_http_eda_ws_resume_unavailable(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since)
{
    u_char  *p, *buf;

    /* in a text frame: no invalid byte, no character cut at the end */

    since->len = ngx_eda_utf8_prefix(since->data, since->len, 256);

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
}


/*
 * The entries of the location's rings that arrived after FROM, in arrival
 * order; NULL on allocation failure.
 */

static ngx_array_t *
ngx_http_eda_ws_history_after(ngx_http_eda_ws_ctx_t *ctx, uint64_t from)
{
    ngx_str_t                 *t;
    ngx_uint_t                 i, j;
    ngx_array_t               *todo;
    ngx_http_eda_sub_ring_t   *ring;
    ngx_http_eda_sub_hist_t   *h, **hp;

    todo = ngx_array_create(ctx->request->pool, 16, sizeof(void *));
    if (todo == NULL) {
        return NULL;
    }

    t = ctx->conf->topics->elts;

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
                    return NULL;
                }

                *hp = h;
            }
        }
    }

    ngx_qsort(todo->elts, todo->nelts, sizeof(void *),
              ngx_http_eda_sub_seq_cmp);

    return todo;
}


/*
 * One past event, if it passes the client's filters: the filters need the
 * attributes, and the frame holds the JSON.
 */

static void
ngx_http_eda_ws_replay(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_hist_t *h)
{
    ngx_str_t                *topic;
    const char               *err;
    ngx_eda_ce_str_t          attr;
    ngx_eda_ce_parsed_t       parsed;
    ngx_http_eda_ws_frame_t  *frame, *other;

    frame = h->frame;

    if (ngx_eda_ce_from_json((const char *) frame->data + h->hlen,
                             frame->len - h->hlen, &parsed, &err, &attr)
        != 0)
    {
        return;
    }

    topic = ngx_http_eda_ws_history_topic(ctx, h);

    if (topic != NULL
        && ngx_http_eda_sub_match(ctx, topic, &parsed.event, &h->key))
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


/* the topic, of the location's, whose ring holds the entry */

static ngx_str_t *
ngx_http_eda_ws_history_topic(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_hist_t *h)
{
    ngx_str_t                *t;
    ngx_uint_t                i;
    ngx_http_eda_sub_ring_t  *ring;

    t = ctx->conf->topics->elts;

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);

        if (ring != NULL && h >= ring->entries
            && h < ring->entries + ring->size)
        {
            return &t[i];
        }
    }

    return NULL;
}


static int
ngx_http_eda_sub_seq_cmp(const void *one, const void *two)
{
    const ngx_http_eda_sub_hist_t  *a = *(ngx_http_eda_sub_hist_t **) one;
    const ngx_http_eda_sub_hist_t  *b = *(ngx_http_eda_sub_hist_t **) two;

    return (a->seq > b->seq) - (a->seq < b->seq);
}
