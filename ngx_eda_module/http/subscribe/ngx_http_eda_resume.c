
/*
 * Copyright (C) ngx_eda authors
 *
 * Durable resume: a client that comes back with a cursor (?since= or
 * Last-Event-ID) is served what it missed from Kafka itself, by a reader
 * of the worker's small pool, from the cursor's offsets, through its
 * filters.  It joins the fan-out once the reader has come as far as the
 * fan-out in every partition; the fan-out's records below where the
 * reader stopped are skipped for it (it had them).  So a client loses
 * nothing across reloads, workers and gateways, and gets nothing twice
 * from this gateway.  An offset Kafka no longer has (or never had) is
 * answered with eda.ws.resume.unavailable, and that partition goes on
 * from where the fan-out is.  A client waits, not live, while every
 * reader is busy or while the fan-out does not yet know where it stands.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_cursor.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_kafka_reader.h"
#include "ngx_http_eda_subscribe.h"


static ngx_int_t ngx_http_eda_resume_parts(ngx_http_eda_ws_ctx_t *ctx);
static ngx_int_t ngx_http_eda_resume_from(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_topic_t *t, int32_t partition,
    ngx_http_eda_sub_part_t *part);
static ngx_int_t ngx_http_eda_resume_reader(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_resume_read(ngx_eda_kafka_reader_t *kr,
    const rd_kafka_message_t *msg, void *data);
static void ngx_http_eda_resume_record(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_part_t *part, const rd_kafka_message_t *msg);
static void ngx_http_eda_resume_lost(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_part_t *part);
static ngx_http_eda_sub_part_t *ngx_http_eda_resume_part(
    ngx_http_eda_ws_ctx_t *ctx, const rd_kafka_message_t *msg);
static void ngx_http_eda_resume_check(ngx_http_eda_ws_ctx_t *ctx);
static void ngx_http_eda_resume_release(ngx_http_eda_ws_ctx_t *ctx);
static ngx_int_t ngx_http_eda_resume_cursor(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *cursor);


/*
 * SINCE as a cursor: the client waits for a reader.  NGX_DECLINED when it
 * is not one (an event id, for eda_ws_history).
 */

ngx_int_t
ngx_http_eda_resume_request(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *since)
{
    size_t                 max;
    ngx_eda_cursor_pos_t  *pos;

    /* every position takes more than two characters */

    max = ngx_min(since->len / 2 + 1, NGX_EDA_CURSOR_MAX);

    pos = ngx_palloc(ctx->request->pool, max * sizeof(ngx_eda_cursor_pos_t));
    if (pos == NULL) {
        return NGX_ERROR;
    }

    if (ngx_eda_cursor_decode((const char *) since->data, since->len, pos,
                              max, &ctx->nfrom)
        != 0)
    {
        return NGX_DECLINED;
    }

    ctx->from = pos;
    ctx->since = *since;
    ctx->reading = 1;
    ctx->waiting = 1;

    ngx_queue_insert_tail(&ctx->smcf->resuming, &ctx->rqueue);
    ngx_http_eda_resume_kick(ctx->smcf);

    return NGX_OK;
}


/*
 * Starts the waiting clients that can start: the fan-out knows where it
 * stands in their topics, and a reader is free (or can be made).
 */

void
ngx_http_eda_resume_kick(ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_str_t               cursor;
    ngx_queue_t            *q, *next;
    ngx_http_eda_ws_ctx_t  *ctx;

    ngx_http_eda_ws_start_waiting(smcf);

    for (q = ngx_queue_head(&smcf->resuming);
         q != ngx_queue_sentinel(&smcf->resuming);
         q = next)
    {
        next = ngx_queue_next(q);
        ctx = ngx_queue_data(q, ngx_http_eda_ws_ctx_t, rqueue);

        if (ngx_http_eda_sub_cursor(smcf, ctx->conf->stream, &cursor)
            != NGX_OK)
        {
            continue;
        }

        if (ctx->parts == NULL && ngx_http_eda_resume_parts(ctx) != NGX_OK) {
            ngx_http_eda_ws_close(ctx, NGX_EDA_WS_CLOSE_INTERNAL,
                                  "internal error");
            continue;
        }

        ngx_http_eda_resume_check(ctx);

        if (!ctx->reading) {
            continue;
        }

        if (ngx_http_eda_resume_reader(ctx) == NGX_AGAIN) {
            return;
        }
    }
}


/*
 * The partitions the client reads: every partition of its topics that is
 * the worker's, from the cursor's offset, from the start of a partition
 * the topic did not have then, from where the fan-out is for a topic the
 * cursor does not name.
 */

static ngx_int_t
ngx_http_eda_resume_parts(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_uint_t                     i, j, n;
    ngx_http_eda_sub_topic_t      *t;
    ngx_http_eda_sub_stream_t     *s;
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ctx->smcf;
    s = (ngx_http_eda_sub_stream_t *) smcf->streams->elts + ctx->conf->stream;

    n = 0;

    for (i = 0; i < s->names->nelts; i++) {
        t = (ngx_http_eda_sub_topic_t *) smcf->topics->elts + s->topics[i];
        n += t->nparts;
    }

    ctx->parts = ngx_pcalloc(ctx->request->pool,
                             n * sizeof(ngx_http_eda_sub_part_t));
    if (ctx->parts == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < s->names->nelts; i++) {
        t = (ngx_http_eda_sub_topic_t *) smcf->topics->elts + s->topics[i];

        for (j = 0; j < t->nparts; j++) {
            if (t->next[j] < 0) {
                continue;
            }

            ctx->parts[ctx->nparts].topic = s->topics[i];

            (void) ngx_http_eda_resume_from(ctx, t, (int32_t) j,
                                            &ctx->parts[ctx->nparts]);
            ctx->nparts++;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_resume_from(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_topic_t *t, int32_t partition,
    ngx_http_eda_sub_part_t *part)
{
    size_t      i;
    ngx_uint_t  named;

    part->partition = partition;
    named = 0;

    for (i = 0; i < ctx->nfrom; i++) {
        if (ctx->from[i].topic != t->hash) {
            continue;
        }

        named = 1;

        if (ctx->from[i].partition == partition) {
            part->next = ctx->from[i].offset;
            return NGX_OK;
        }
    }

    if (named) {
        part->next = 0;
        part->begin = 1;
        return NGX_OK;
    }

    part->next = t->next[partition];

    return NGX_OK;
}


/* a reader for the client: NGX_AGAIN when none is free */

static ngx_int_t
ngx_http_eda_resume_reader(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_uint_t                        i, k;
    rd_kafka_topic_partition_t       *tp;
    ngx_http_eda_sub_topic_t         *t;
    ngx_http_eda_sub_main_conf_t     *smcf;
    rd_kafka_topic_partition_list_t  *list;

    smcf = ctx->smcf;

    for (i = 0; i < smcf->nreaders; i++) {
        if (smcf->reader_ctx[i] == NULL) {
            break;
        }
    }

    if (i == smcf->nreaders) {
        if (i == NGX_HTTP_EDA_READERS) {
            return NGX_AGAIN;
        }

        smcf->readers[i] = ngx_eda_kafka_reader_create((ngx_cycle_t *)
                                                       ngx_cycle, smcf->emcf);
        if (smcf->readers[i] == NULL) {
            goto failed;
        }

        smcf->nreaders++;
    }

    k = i;

    list = rd_kafka_topic_partition_list_new((int) ctx->nparts);
    if (list == NULL) {
        goto failed;
    }

    for (i = 0; i < ctx->nparts; i++) {
        t = (ngx_http_eda_sub_topic_t *) smcf->topics->elts
            + ctx->parts[i].topic;

        tp = rd_kafka_topic_partition_list_add(list, (char *) t->name.data,
                                               ctx->parts[i].partition);
        tp->offset = ctx->parts[i].begin ? RD_KAFKA_OFFSET_BEGINNING
                                         : ctx->parts[i].next;
    }

    ctx->reader = k;

    if (ngx_eda_kafka_reader_assign(smcf->readers[ctx->reader], list,
                                    ngx_http_eda_resume_read, ctx)
        != NGX_OK)
    {
        rd_kafka_topic_partition_list_destroy(list);
        goto failed;
    }

    rd_kafka_topic_partition_list_destroy(list);

    smcf->reader_ctx[ctx->reader] = ctx;
    ngx_queue_remove(&ctx->rqueue);
    ctx->waiting = 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ctx->request->connection->log, 0,
                   "eda: resuming from Kafka, %ui partitions, reader %ui",
                   ctx->nparts, ctx->reader);

    return NGX_OK;

failed:

    /* no reader: the client is told, and goes on live */

    ngx_queue_remove(&ctx->rqueue);
    ctx->waiting = 0;

    for (i = 0; i < ctx->nparts; i++) {
        ngx_http_eda_resume_lost(ctx, &ctx->parts[i]);
    }

    ngx_http_eda_resume_check(ctx);

    return NGX_OK;
}


static void
ngx_http_eda_resume_read(ngx_eda_kafka_reader_t *kr,
    const rd_kafka_message_t *msg, void *data)
{
    ngx_http_eda_ws_ctx_t  *ctx = data;

    ngx_http_eda_sub_part_t  *part;

    part = ngx_http_eda_resume_part(ctx, msg);

    if (part == NULL) {
        return;
    }

    switch (msg->err) {

    case RD_KAFKA_RESP_ERR_NO_ERROR:
        ngx_http_eda_resume_record(ctx, part, msg);
        break;

    case RD_KAFKA_RESP_ERR__PARTITION_EOF:

        /* a cursor past the end: not a position this topic ever had */

        if (msg->offset < part->next && !part->begin) {
            ngx_http_eda_resume_lost(ctx, part);
            break;
        }

        part->next = msg->offset;
        part->begin = 0;
        part->confirmed = 1;
        break;

    default:
        ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                      "eda: resume: %s [%d] at %L: %s",
                      rd_kafka_topic_name(msg->rkt), msg->partition,
                      part->next, rd_kafka_message_errstr(msg));
        ngx_http_eda_resume_lost(ctx, part);
        break;
    }

    if (!ctx->closing && !ctx->done) {
        ngx_http_eda_resume_check(ctx);
    }
}


/* the client's partition of MSG, if it still reads it */

static ngx_http_eda_sub_part_t *
ngx_http_eda_resume_part(ngx_http_eda_ws_ctx_t *ctx,
    const rd_kafka_message_t *msg)
{
    ngx_uint_t  i, topic;

    if (msg->rkt == NULL || ctx->closing || ctx->done || !ctx->reading
        || ngx_http_eda_sub_topic(ctx->smcf, rd_kafka_topic_name(msg->rkt),
                                  &topic)
           == NULL)
    {
        return NULL;
    }

    for (i = 0; i < ctx->nparts; i++) {
        if (ctx->parts[i].topic == topic
            && ctx->parts[i].partition == msg->partition)
        {
            return &ctx->parts[i];
        }
    }

    return NULL;
}


/*
 * A record read for the client: through its filters, with its own cursor.
 * One that does not fit is held and the reader paused until the client's
 * queue drains: a resume never closes a client for its size.
 */

static void
ngx_http_eda_resume_record(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_part_t *part, const rd_kafka_message_t *msg)
{
    char                     *json;
    size_t                    len;
    ngx_str_t                 topic, key, cursor;
    ngx_eda_ce_event_t        ev;
    ngx_eda_ce_parsed_t       parsed;
    ngx_http_eda_ws_frame_t  *frame;

    if (msg->offset < part->next) {
        return;
    }

    part->next = msg->offset + 1;
    part->begin = 0;
    part->confirmed = 1;

    topic.data = (u_char *) rd_kafka_topic_name(msg->rkt);
    topic.len = ngx_strlen(topic.data);
    key.data = msg->key;
    key.len = msg->key_len;

    parsed.owned = NULL;

    if (ngx_eda_kafka_record_event(msg, &ev, &parsed) != NGX_OK) {
        return;
    }

    frame = NULL;

    if (ngx_http_eda_sub_match(ctx, &topic, &ev, &key)) {
        json = ngx_eda_ce_to_json(&ev, &len);

        if (json != NULL) {
            if (ngx_http_eda_resume_cursor(ctx, &cursor) != NGX_OK) {
                cursor.len = 0;
            }

            frame = ngx_http_eda_ws_encode(ctx, &ev, (u_char *) json, len,
                                           cursor.len ? &cursor : NULL);
            free(json);
        }
    }

    if (parsed.owned != NULL) {
        ngx_eda_ce_parsed_free(&parsed);
    }

    if (frame == NULL) {
        return;
    }

    if (ctx->out_count
        && ctx->queued + frame->len > ctx->conf->send_buffer / 2)
    {
        ctx->held = frame;
        ctx->reader_paused = 1;
        ngx_eda_kafka_reader_pause(ctx->smcf->readers[ctx->reader], 1);

    } else {
        (void) ngx_http_eda_ws_enqueue(ctx, frame, 0);
        ngx_http_eda_ws_release(frame);
    }

    ngx_post_event(ctx->request->connection->write, &ngx_posted_events);
}


/* the client's queue drained: a held record goes, the reader reads on */

void
ngx_http_eda_resume_drained(ngx_http_eda_ws_ctx_t *ctx)
{
    if (!ctx->reading || !ctx->reader_paused || ctx->closing) {
        return;
    }

    if (ctx->held != NULL) {
        (void) ngx_http_eda_ws_enqueue(ctx, ctx->held, 0);
        ngx_http_eda_ws_release(ctx->held);
        ctx->held = NULL;
    }

    ctx->reader_paused = 0;
    ngx_eda_kafka_reader_pause(ctx->smcf->readers[ctx->reader], 0);
}


/*
 * Kafka does not have the partition's offset: the client is told once
 * (it may have missed events), and the partition goes on from where the
 * fan-out is.
 */

static void
ngx_http_eda_resume_lost(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_sub_part_t *part)
{
    int64_t                    next;
    ngx_http_eda_sub_topic_t  *t;

    t = (ngx_http_eda_sub_topic_t *) ctx->smcf->topics->elts + part->topic;
    next = ngx_http_eda_sub_position(t, part->partition);

    if (!ctx->lost) {
        ctx->lost = 1;
        ngx_http_eda_ws_resume_unavailable(ctx, &ctx->since);
    }

    part->begin = 0;
    part->lost = 1;
    part->confirmed = 1;

    if (next >= 0) {
        part->next = next;
    }
}


/*
 * Caught up when every partition has come as far as the fan-out: the
 * reader goes back to the pool and the client is live, the fan-out's
 * records below where it stands skipped.  A position ahead of the
 * fan-out's (another gateway's fan-out may be ahead of this one) counts
 * once the reader has found it in Kafka; one equal to the fan-out's needs
 * no reading.  A partition that was lost is caught up by definition, from
 * where the fan-out is: live from there.
 */

static void
ngx_http_eda_resume_check(ngx_http_eda_ws_ctx_t *ctx)
{
    int64_t                    pos;
    ngx_uint_t                 i;
    ngx_http_eda_sub_topic_t  *t;

    for (i = 0; i < ctx->nparts; i++) {
        t = (ngx_http_eda_sub_topic_t *) ctx->smcf->topics->elts
            + ctx->parts[i].topic;
        pos = ngx_http_eda_sub_position(t, ctx->parts[i].partition);

        if (pos == NGX_HTTP_EDA_POS_UNKNOWN) {
            return;
        }

        if (ctx->parts[i].lost && !ctx->waiting
            && pos > ctx->parts[i].next)
        {
            /* the reader has no such offset to read from: live from here */
            ctx->parts[i].next = pos;
        }

        if (pos >= 0
            && (ctx->parts[i].begin || ctx->parts[i].next < pos
                || (ctx->parts[i].next > pos && !ctx->parts[i].confirmed)))
        {
            return;
        }
    }

    if (ctx->waiting) {
        ngx_queue_remove(&ctx->rqueue);
        ctx->waiting = 0;

    } else if (ctx->held == NULL) {
        ngx_http_eda_resume_release(ctx);

    } else {
        return;
    }

    ctx->reading = 0;
    ctx->skipping = 1;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ctx->request->connection->log, 0,
                   "eda: resume caught up, live");

    ngx_post_event(ctx->request->connection->write, &ngx_posted_events);
}


static void
ngx_http_eda_resume_release(ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ctx->smcf;

    if (ctx->reader >= smcf->nreaders) {
        return;
    }

    ngx_eda_kafka_reader_unassign(smcf->readers[ctx->reader]);
    smcf->reader_ctx[ctx->reader] = NULL;
    ctx->reader = NGX_HTTP_EDA_READERS;

    /* the next client waiting gets it, once this turn is over */

    if (!ngx_queue_empty(&smcf->resuming)) {
        ngx_http_eda_resume_kick(smcf);
    }
}


/* the client's own cursor while it reads: where its partitions are */

static ngx_int_t
ngx_http_eda_resume_cursor(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *cursor)
{
    ngx_int_t                      rc;
    ngx_uint_t                     i;
    ngx_eda_cursor_pos_t          *pos;
    ngx_http_eda_sub_topic_t      *t;
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ctx->smcf;

    pos = ngx_alloc(ctx->nparts * sizeof(ngx_eda_cursor_pos_t),
                    ctx->request->connection->log);
    if (pos == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < ctx->nparts; i++) {
        t = (ngx_http_eda_sub_topic_t *) smcf->topics->elts
            + ctx->parts[i].topic;
        pos[i].topic = t->hash;
        pos[i].partition = ctx->parts[i].partition;
        pos[i].offset = ctx->parts[i].next;
    }

    rc = ngx_http_eda_sub_encode_cursor(smcf, pos, ctx->nparts, cursor);
    ngx_free(pos);

    return rc;
}


/*
 * For a client that resumed and is live: skip a record of the fan-out the
 * reader sent it already.  Once past where the reader stopped in every
 * partition that had a record since, nothing is looked up any more.
 */

ngx_uint_t
ngx_http_eda_resume_skip(ngx_http_eda_ws_ctx_t *ctx, ngx_uint_t topic,
    int32_t partition, int64_t offset)
{
    ngx_uint_t                i, left;
    ngx_http_eda_sub_part_t  *part;

    left = 0;
    part = NULL;

    for (i = 0; i < ctx->nparts; i++) {
        if (ctx->parts[i].topic == topic
            && ctx->parts[i].partition == partition)
        {
            part = &ctx->parts[i];

            if (offset + 1 >= part->next) {
                part->caught_up = 1;
            }
        }

        left += !ctx->parts[i].caught_up;
    }

    if (left == 0) {
        ctx->skipping = 0;
    }

    return (part != NULL && offset < part->next);
}


/* the connection ends: out of the queue, its reader back to the pool */

void
ngx_http_eda_resume_cancel(ngx_http_eda_ws_ctx_t *ctx)
{
    if (ctx->waiting) {
        ngx_queue_remove(&ctx->rqueue);
        ctx->waiting = 0;
    }

    if (ctx->held != NULL) {
        ngx_http_eda_ws_release(ctx->held);
        ctx->held = NULL;
    }

    if (ctx->reading) {
        ctx->reading = 0;
        ngx_http_eda_resume_release(ctx);
    }
}


void
ngx_http_eda_resume_exit(ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_uint_t  i;

    for (i = 0; i < smcf->nreaders; i++) {
        ngx_eda_kafka_reader_destroy(smcf->readers[i]);
    }

    smcf->nreaders = 0;
}
