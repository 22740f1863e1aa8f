
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_ws_history: each worker keeps the latest events of each topic in a
 * ring of shared frames (with the event id, the record key and an arrival
 * sequence number), and a client that resumes (?since=, Last-Event-ID)
 * gets what came after its event, merged across its topics in arrival
 * order and through its filters, before the live stream.  A ring holds at
 * most eda_ws_history events and at most eda_ws_send_buffer bytes (what
 * a client could be sent at once anyway), the newest event always, and an
 * index by id: a resume costs a lookup, and a replay no more than the
 * ring's bytes.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_utf8.h"
#include "ngx_http_eda_subscribe.h"


#define NGX_HTTP_EDA_WS_REPLAY      64       /* entries per turn */

/* entry J of RING, J = 0 the oldest */
#define NGX_HTTP_EDA_HIST(ring, j)                                          \
    (&(ring)->entries[((ring)->head + (j)) % (ring)->size])

#define NGX_HTTP_EDA_WS_LOST        ((ngx_http_eda_sub_hist_t *) -1)


static void ngx_http_eda_sub_forget(ngx_http_eda_sub_ring_t *ring);
static void ngx_http_eda_ws_resume(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since);
static ngx_int_t ngx_http_eda_ws_history_find(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since, uint64_t *from);
static ngx_http_eda_sub_hist_t *ngx_http_eda_ws_history_next(
    ngx_http_eda_ws_ctx_t *ctx, ngx_http_eda_sub_ring_t **rp);
static ngx_int_t ngx_http_eda_ws_replay(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *topic, ngx_http_eda_sub_hist_t *h);


/*
 * One ring per topic, as long as the longest history asked of it, with the
 * largest send budget of those locations as its byte budget.
 */

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
        ring->max_bytes = ngx_max(ring->max_bytes, conf->send_buffer);
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

        ngx_rbtree_init(&ring[i].ids, &ring[i].sentinel,
                        ngx_str_rbtree_insert_value);
    }

    return NGX_OK;
}


void
ngx_http_eda_ws_history_exit(ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_uint_t                i;
    ngx_http_eda_sub_ring_t  *ring;

    if (smcf->rings == NULL) {
        return;
    }

    ring = smcf->rings->elts;

    for (i = 0; i < smcf->rings->nelts; i++) {
        if (ring[i].entries == NULL) {
            continue;
        }

        while (ring[i].count) {
            ngx_http_eda_sub_forget(&ring[i]);
        }
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


/*
 * The oldest entries make room: the ring holds at most eda_ws_history
 * events and, but for the newest, at most its byte budget.
 */

void
ngx_http_eda_sub_remember(ngx_http_eda_sub_ring_t *ring,
    ngx_http_eda_ws_frame_t *frame, size_t hlen, uint64_t seq,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg)
{
    u_char                   *p;
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

    if (ring->count == ring->size) {
        ngx_http_eda_sub_forget(ring);
    }

    h = &ring->entries[(ring->head + ring->count) % ring->size];
    ring->count++;

    h->frame = frame;
    frame->refs++;
    h->hlen = hlen;
    h->seq = seq;

    h->id.str.data = p;
    h->id.str.len = id ? id->len : 0;
    p = ngx_cpymem(p, id ? id->data : "", h->id.str.len);

    h->key.data = msg->key ? p : NULL;
    h->key.len = msg->key_len;
    ngx_memcpy(p, msg->key, msg->key_len);

    h->id.node.key = ngx_crc32_short(h->id.str.data, h->id.str.len);
    ngx_rbtree_insert(&ring->ids, &h->id.node);

    ring->bytes += frame->len + h->id.str.len + h->key.len;

    while (ring->bytes > ring->max_bytes && ring->count > 1) {
        ngx_http_eda_sub_forget(ring);
    }
}


/* the oldest entry leaves the ring */

static void
ngx_http_eda_sub_forget(ngx_http_eda_sub_ring_t *ring)
{
    ngx_http_eda_sub_hist_t  *h;

    h = &ring->entries[ring->head];

    ring->bytes -= h->frame->len + h->id.str.len + h->key.len;
    ring->forgotten = h->seq;

    ngx_rbtree_delete(&ring->ids, &h->id.node);
    ngx_http_eda_ws_release(h->frame);
    ngx_free(h->id.str.data);

    ring->head = (ring->head + 1) % ring->size;
    ring->count--;
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

            if (ngx_http_eda_resume_request(ctx, &since) == NGX_DECLINED) {
                ngx_http_eda_ws_resume(ctx, &since);
            }
        }

    } else if (last_event_id != NULL) {
        since = *last_event_id;

        if (ngx_http_eda_resume_request(ctx, &since) == NGX_DECLINED) {
            ngx_http_eda_ws_resume(ctx, &since);
        }
    }
}


/*
 * A client resuming after event SINCE: what came after it on the topics
 * of the location, in arrival order and through the client's filters, and
 * then the live stream; or a message saying the history no longer reaches
 * back that far.  The replay is fed to the queue as it drains
 * (ngx_http_eda_ws_replay_more), so it never overflows the client's
 * budget; live events wait in the history meanwhile.
 */

static void
ngx_http_eda_ws_resume(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *since)
{
    uint64_t                  from;
    ngx_str_t                *t;
    ngx_uint_t                i, n;
    ngx_http_eda_sub_ring_t  *ring;

    if (ngx_http_eda_ws_history_find(ctx, since, &from) != NGX_OK) {
        ngx_http_eda_ws_resume_unavailable(ctx, since);
        return;
    }

    t = ctx->conf->topics->elts;
    n = ctx->conf->topics->nelts;

    ctx->replay_floor = ngx_pcalloc(ctx->request->pool, n * sizeof(uint64_t));
    if (ctx->replay_floor == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);
        if (ring != NULL) {
            ctx->replay_floor[i] = ring->forgotten;
        }
    }

    ctx->replay_seq = from;
    ctx->replaying = 1;

    ngx_http_eda_ws_write(ctx->request);
}


/* the arrival number of event SINCE in the location's rings */

static ngx_int_t
ngx_http_eda_ws_history_find(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *since,
    uint64_t *from)
{
    uint32_t                  hash;
    ngx_str_t                *t;
    ngx_uint_t                i;
    ngx_str_node_t           *node;
    ngx_http_eda_sub_ring_t  *ring;
    ngx_http_eda_sub_hist_t  *h;

    t = ctx->conf->topics->elts;
    hash = ngx_crc32_short(since->data, since->len);

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);
        if (ring == NULL || ring->entries == NULL) {
            continue;
        }

        node = ngx_str_rbtree_lookup(&ring->ids, since, hash);

        if (node != NULL) {
            h = (ngx_http_eda_sub_hist_t *)
                    ((u_char *) node - offsetof(ngx_http_eda_sub_hist_t, id));
            *from = h->seq;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


void
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

    if (ctx->sio != NULL) {
        ngx_http_eda_sio_notice(ctx, "eda.ws.resume.unavailable", buf,
                                p - buf);
        return;
    }

    ngx_http_eda_ws_text(ctx, buf, p - buf);
}


/*
 * The next part of a replay, once the client's queue is empty: entries in
 * arrival order while they fit in its budget, at most
 * NGX_HTTP_EDA_WS_REPLAY of them per turn of the event loop (the write
 * event is posted for the rest).  Caught up, the client is live.  An
 * entry the client has not had that left the history is an overflow, as
 * for a live client that falls behind.
 */

void
ngx_http_eda_ws_replay_more(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_int_t                 rc;
    ngx_uint_t                n;
    ngx_http_eda_sub_ring_t  *ring;
    ngx_http_eda_sub_hist_t  *h;

    for (n = 0; n < NGX_HTTP_EDA_WS_REPLAY; n++) {

        if (ctx->closing || ctx->done) {
            return;
        }

        h = ngx_http_eda_ws_history_next(ctx, &ring);

        if (h == NULL) {
            ctx->replaying = 0;
            return;
        }

        if (h == NGX_HTTP_EDA_WS_LOST) {
            ngx_http_eda_ws_overflow(ctx);
            return;
        }

        rc = ngx_http_eda_ws_replay(ctx, &ring->topic, h);

        if (rc == NGX_AGAIN) {
            return;
        }

        ctx->replay_seq = h->seq;
    }

    ngx_post_event(ctx->request->connection->write, &ngx_posted_events);
}


/*
 * The entry after ctx->replay_seq with the lowest arrival number in the
 * location's rings, and its ring; NULL when there is none, or
 * NGX_HTTP_EDA_WS_LOST when a ring has dropped one the client needs.
 */

static ngx_http_eda_sub_hist_t *
ngx_http_eda_ws_history_next(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_ring_t **rp)
{
    ngx_str_t                *t;
    ngx_uint_t                i, lo, hi, mid;
    ngx_http_eda_sub_ring_t  *ring;
    ngx_http_eda_sub_hist_t  *h, *best;

    t = ctx->conf->topics->elts;
    best = NULL;

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        ring = ngx_http_eda_sub_ring(ctx->smcf, &t[i]);
        if (ring == NULL || ring->entries == NULL) {
            continue;
        }

        /* what a ring had dropped before the resume is no loss */

        if (ring->forgotten > ctx->replay_seq
            && ring->forgotten > ctx->replay_floor[i])
        {
            return NGX_HTTP_EDA_WS_LOST;
        }

        /* the first entry after replay_seq: a ring is in arrival order */

        lo = 0;
        hi = ring->count;

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;

            if (NGX_HTTP_EDA_HIST(ring, mid)->seq <= ctx->replay_seq) {
                lo = mid + 1;

            } else {
                hi = mid;
            }
        }

        if (lo == ring->count) {
            continue;
        }

        h = NGX_HTTP_EDA_HIST(ring, lo);

        if (best == NULL || h->seq < best->seq) {
            best = h;
            *rp = ring;
        }
    }

    return best;
}


/*
 * One past event of TOPIC, if it passes the client's filters (they need
 * the attributes; the frame holds the JSON): NGX_OK when it is queued or
 * filtered out, NGX_AGAIN when it must wait for the queue to drain.
 */

static ngx_int_t
ngx_http_eda_ws_replay(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *topic,
    ngx_http_eda_sub_hist_t *h)
{
    ngx_int_t                 rc;
    const char               *err;
    ngx_eda_ce_str_t          attr;
    ngx_eda_ce_parsed_t       parsed;
    ngx_http_eda_ws_frame_t  *frame;

    frame = h->frame;

    if (ngx_eda_ce_from_json((const char *) frame->data + h->hlen,
                             frame->len - h->hlen, &parsed, &err, &attr)
        != 0)
    {
        return NGX_OK;
    }

    rc = NGX_OK;

    if (!ngx_http_eda_sub_match(ctx, topic, &parsed.event, &h->key)) {
        goto done;
    }

    if (ctx->enc == NGX_HTTP_EDA_ENC_WS_EVENT) {
        frame->refs++;

    } else {
        frame = ngx_http_eda_ws_encode(ctx, &parsed.event,
                                       frame->data + h->hlen,
                                       frame->len - h->hlen, NULL);
        if (frame == NULL) {
            goto done;
        }
    }

    /* half the budget: room is left for pongs and replies */

    if (!ngx_http_eda_ws_fits(ctx, frame)
        || (ctx->out_count
            && ctx->queued + frame->len > ctx->conf->send_buffer / 2))
    {
        rc = NGX_AGAIN;

    } else {
        (void) ngx_http_eda_ws_enqueue(ctx, frame, 0);
    }

    ngx_http_eda_ws_release(frame);

done:

    ngx_eda_ce_parsed_free(&parsed);

    return rc;
}
