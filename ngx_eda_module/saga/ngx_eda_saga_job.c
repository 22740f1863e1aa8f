
/*
 * Copyright (C) ngx_eda authors
 *
 * A job of the saga coordinator: one input applied to one instance.  The
 * instance is read with its version, the transition is written only if
 * that version is still current (else it is read again), together with
 * its records (the outbox); then the records are produced and, once Kafka
 * acknowledged every one, cleared.  Redis away: the same input later.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>

#include "ngx_eda_saga.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_saga_store.h"
#include "ngx_eda_saga_job.h"
#include "ngx_eda_saga_replies.h"


#define NGX_EDA_SAGA_MAX_TRIES    20       /* a timer's retries, then its
                                              lease brings it back */
#define NGX_EDA_SAGA_RETRY        500      /* ms before retrying Redis */
#define NGX_EDA_SAGA_CONFLICTS    16       /* re-reads on a version race */
#define NGX_EDA_SAGA_ERRORS       3        /* Redis error replies to an
                                              input, then it is dropped */
#define NGX_EDA_SAGA_REJECTED_LOG 10       /* s between two messages about
                                              replies ignored */


static void ngx_eda_saga_read(void *reply, void *data);
static ngx_int_t ngx_eda_saga_commit(ngx_eda_saga_job_t *job,
    ngx_eda_saga_result_t *res, redisReply *v, int64_t now);
static void ngx_eda_saga_committed(void *reply, void *data);
static ngx_int_t ngx_eda_saga_item(ngx_str_t *item, u_char *topic,
    size_t size, ngx_eda_kafka_msg_t *msg);
static void ngx_eda_saga_send(ngx_eda_saga_sent_t *sent,
    ngx_eda_kafka_msg_t *msg);
static void ngx_eda_saga_delivered(ngx_eda_kafka_dr_t *dr);
static ngx_uint_t ngx_eda_saga_final(ngx_int_t err);
static void ngx_eda_saga_dead(ngx_eda_saga_sent_t *sent,
    ngx_eda_kafka_msg_t *msg, const char *reason);
static void ngx_eda_saga_settle(ngx_eda_saga_job_t *job, ngx_uint_t failed);
static void ngx_eda_saga_clear(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_cleared(void *reply, void *data);
static void ngx_eda_saga_refused(ngx_eda_saga_job_t *job, redisReply *rep);
static void ngx_eda_saga_rejected(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_later(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_retry(ngx_event_t *ev);
static void ngx_eda_saga_forget(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_count(ngx_eda_saga_coord_t *coord,
    const char *status);

ngx_eda_saga_job_t *
ngx_eda_saga_job(ngx_eda_saga_coord_t *coord, size_t extra)
{
    ngx_eda_saga_job_t  *job;

    job = ngx_calloc(sizeof(ngx_eda_saga_job_t) + extra, ngx_cycle->log);
    if (job == NULL) {
        return NULL;
    }

    job->coord = coord;
    job->retry.handler = ngx_eda_saga_retry;
    job->retry.data = job;
    job->retry.log = ngx_cycle->log;
    job->retry.cancelable = 1;

    /* too much in progress: Kafka keeps the rest until we catch up */

    if (++coord->jobs >= NGX_EDA_SAGA_MAX_JOBS && !coord->paused) {
        coord->paused = 1;
        ngx_eda_kafka_consumer_pause(coord->consumer, 1);
    }

    return job;
}


/* read the instance, apply the input, write the transition */

void
ngx_eda_saga_run(ngx_eda_saga_job_t *job)
{
    if (ngx_eda_saga_store_read(job->coord->emcf, &job->id, ngx_eda_saga_read,
                                job)
        == NULL)
    {
        ngx_eda_saga_later(job);
    }
}


static void
ngx_eda_saga_read(void *reply, void *data)
{
    ngx_eda_saga_job_t *job = data;

    char                    err[256];
    int64_t                 now;
    redisReply             *rep = reply, *state, *v;
    ngx_eda_saga_coord_t   *coord;
    ngx_eda_saga_result_t   res;

    coord = job->coord;

    if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
        ngx_eda_saga_refused(job, rep);
        return;
    }

    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        ngx_eda_saga_later(job);
        return;
    }

    state = rep->element[0];
    v = rep->element[1];

    if (state->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
        /* an instance that is gone (expired): forget its timer */

        if (job->in.kind == NGX_EDA_SAGA_TIMER) {
            (void) ngx_eda_saga_store_timer(coord->emcf, &job->id, 0);
        }

        ngx_eda_saga_done(job);
        return;
    }

    now = ngx_eda_saga_now_ms();

    if (ngx_eda_saga_apply(coord->conf->defs, state->str, state->len,
                           &job->in, now,
                           (double) ngx_random() / 2147483648.0, &res, err,
                           sizeof(err))
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "eda: saga %V: %s", &job->id, err);
        ngx_eda_saga_done(job);
        return;
    }

    if (res.rejected) {
        ngx_eda_saga_rejected(job);
    }

    if (!res.changed) {
        /* a timer claimed early or a stale input: put the timer back */

        if (job->in.kind == NGX_EDA_SAGA_TIMER) {
            (void) ngx_eda_saga_store_timer(coord->emcf, &job->id, res.due);
        }

        ngx_eda_saga_result_free(&res);
        ngx_eda_saga_done(job);
        return;
    }

    if (ngx_eda_saga_commit(job, &res, v, now) != NGX_OK) {
        ngx_eda_saga_result_free(&res);
        ngx_eda_saga_later(job);
        return;
    }

    ngx_eda_saga_result_free(&res);
}


/* the transition RES of the state read at version V, with its records */

static ngx_int_t
ngx_eda_saga_commit(ngx_eda_saga_job_t *job, ngx_eda_saga_result_t *res,
    redisReply *v, int64_t now)
{
    u_char                 *p;
    size_t                  n;
    ngx_uint_t              i;
    ngx_eda_saga_commit_t   c;

    /* the records, as the outbox holds them: "topic\nkey\nvalue" */

    job->nitems = 0;

    for (i = 0; i < res->nrecords; i++) {
        n = ngx_strlen(res->records[i].topic) + 1
            + ngx_strlen(res->records[i].key) + 1 + res->records[i].value_len;

        job->items[i].data = ngx_alloc(n, ngx_cycle->log);
        if (job->items[i].data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_sprintf(job->items[i].data, "%s\n%s\n",
                        res->records[i].topic, res->records[i].key);
        p = ngx_cpymem(p, res->records[i].value, res->records[i].value_len);
        job->items[i].len = p - job->items[i].data;
        job->nitems++;

        ngx_eda_saga_trace_keep(job, i, &res->records[i]);
    }

    job->version.data = ngx_alloc(v->len, ngx_cycle->log);
    if (job->version.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(job->version.data, v->str, v->len);
    job->version.len = v->len;
    job->status = res->status;
    ngx_eda_saga_metrics_note(&job->obs, res, now);

    c.id = &job->id;
    c.version = &job->version;
    c.state = (u_char *) res->state;
    c.state_len = res->state_len;
    c.due = res->due;
    c.now = now;
    c.terminal = res->terminal;
    c.records = job->items;
    c.nrecords = job->nitems;

    if (ngx_eda_saga_store_commit(job->coord->emcf, &c,
                                  ngx_eda_saga_committed, job)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_eda_saga_committed(void *reply, void *data)
{
    ngx_eda_saga_job_t *job = data;

    redisReply  *rep = reply;

    if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
        ngx_eda_saga_refused(job, rep);
        return;
    }

    if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
        ngx_eda_saga_later(job);
        return;
    }

    if (rep->integer == 0) {
        /* another input changed the instance first: read it again */

        if (++job->tries > NGX_EDA_SAGA_CONFLICTS) {
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "eda: saga %V: input dropped after %ui version "
                          "conflicts", &job->id, job->tries - 1);
            ngx_eda_saga_done(job);
            return;
        }

        ngx_eda_saga_forget(job);
        ngx_eda_saga_run(job);
        return;
    }

    /* written: the input is dealt with, the outbox is safe in Redis */

    ngx_eda_saga_count(job->coord, job->status);
    ngx_eda_saga_metrics_count(job->coord->emcf, &job->obs);

    if (job->part != NULL) {
        job->part->pending--;
        ngx_eda_saga_dealt_with(job->coord, job->part, job->offset);
        job->part = NULL;
    }

    ngx_eda_saga_produce(job);
}


/*
 * The outbox to Kafka (structured CloudEvents, keyed by the saga id).
 * Each record holds the job until Kafka took it, refused it for a while
 * (it stays in the outbox: the sweep sends it again) or refused it for
 * good (its dead letter instead); one more hold while they are sent.
 */

void
ngx_eda_saga_produce(ngx_eda_saga_job_t *job)
{
    u_char               topic[256];
    ngx_uint_t           i;
    ngx_eda_kafka_msg_t  msg;

    if (job->nitems == 0) {
        if (job->sweep) {
            /* an outbox the sweep found empty (it expired with its
             * instance): out of the set, or it is claimed for ever */
            ngx_eda_saga_clear(job);
            return;
        }

        ngx_eda_saga_done(job);
        return;
    }

    job->waiting = job->nitems + 1;

    for (i = 0; i < job->nitems; i++) {
        job->sent[i].job = job;
        job->sent[i].dead = 0;

        if (ngx_eda_saga_item(&job->items[i], topic, sizeof(topic), &msg)
            != NGX_OK)
        {
            /* not ours: drop it from the outbox */
            ngx_eda_saga_settle(job, 0);
            continue;
        }

        ngx_eda_saga_send(&job->sent[i], &msg);
    }

    ngx_eda_saga_settle(job, 0);
}


/* an outbox record ("topic\nkey\nvalue") as a message; TOPIC holds its
 * topic, NUL-terminated */

static ngx_int_t
ngx_eda_saga_item(ngx_str_t *item, u_char *topic, size_t size,
    ngx_eda_kafka_msg_t *msg)
{
    u_char  *p, *key, *value, *last;

    static ngx_eda_kafka_header_t  ct = {
        ngx_string("content-type"),
        ngx_string("application/cloudevents+json")
    };

    p = item->data;
    last = p + item->len;

    key = ngx_strlchr(p, last, '\n');
    value = key ? ngx_strlchr(key + 1, last, '\n') : NULL;

    if (value == NULL || key - p >= (ssize_t) size) {
        return NGX_DECLINED;
    }

    ngx_memcpy(topic, p, key - p);
    topic[key - p] = '\0';

    ngx_memzero(msg, sizeof(ngx_eda_kafka_msg_t));
    msg->topic = (char *) topic;
    msg->key.data = key + 1;
    msg->key.len = value - (key + 1);
    msg->value.data = value + 1;
    msg->value.len = last - (value + 1);
    msg->headers = &ct;
    msg->nheaders = 1;

    return NGX_OK;
}


static void
ngx_eda_saga_send(ngx_eda_saga_sent_t *sent, ngx_eda_kafka_msg_t *msg)
{
    ngx_uint_t                i;
    ngx_eda_saga_job_t       *job;
    ngx_eda_kafka_dr_t       *dr;
    ngx_eda_kafka_refusal_e   rc;

    job = sent->job;
    i = sent - job->sent;

    dr = ngx_eda_kafka_dr_create(ngx_cycle->log);
    if (dr == NULL) {
        ngx_eda_saga_trace_end(job, i, NULL, "out of memory");
        ngx_eda_saga_settle(job, 1);
        return;
    }

    dr->handler = ngx_eda_saga_delivered;
    dr->data = sent;

    ngx_eda_saga_trace_sent(job, i);

    rc = ngx_eda_kafka_produce(job->coord->emcf, msg, dr, ngx_cycle->log);
    if (rc == NGX_EDA_KAFKA_OK) {
        return;
    }

    /* refused: no report will come, the report is still ours */
    ngx_free(dr);

    ngx_eda_saga_trace_end(job, i, NULL,
                           rc == NGX_EDA_KAFKA_TOO_LARGE
                           ? "larger than the producer's message.max.bytes"
                           : "refused by the producer, sent again later");

    if (rc == NGX_EDA_KAFKA_TOO_LARGE) {
        ngx_eda_saga_dead(sent, msg, "the record is larger than the "
                          "producer's message.max.bytes");
        return;
    }

    /* it stays in the outbox: the sweep sends it later */
    ngx_eda_saga_settle(job, 1);
}


static void
ngx_eda_saga_delivered(ngx_eda_kafka_dr_t *dr)
{
    u_char                topic[256];
    ngx_eda_saga_job_t   *job;
    ngx_eda_saga_sent_t  *sent;
    ngx_eda_kafka_msg_t   msg;

    sent = dr->data;
    job = sent->job;

    ngx_eda_saga_trace_end(job, sent - job->sent, dr, NULL);

    if (dr->err == 0) {
        ngx_eda_saga_settle(job, 0);
        return;
    }

    if (ngx_eda_saga_final(dr->err)
        && ngx_eda_saga_item(&job->items[sent - job->sent], topic,
                             sizeof(topic), &msg)
           == NGX_OK)
    {
        ngx_eda_saga_dead(sent, &msg, dr->errstr);
        return;
    }

    /* some stay in the outbox; the sweep sends them again */
    ngx_eda_saga_settle(job, 1);
}


/* a delivery error that sending again cannot mend */

static ngx_uint_t
ngx_eda_saga_final(ngx_int_t err)
{
    switch (err) {

    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
        return 1;

    default:
        return 0;
    }
}


/*
 * A record Kafka refuses for good (MSG): sent again it would be refused
 * again, every sweep for as long as the outbox lives.  Its dead letter
 * goes instead and the record leaves the outbox once that is delivered;
 * a dead letter refused for good too is only logged.
 */

static void
ngx_eda_saga_dead(ngx_eda_saga_sent_t *sent, ngx_eda_kafka_msg_t *msg,
    const char *reason)
{
    ngx_eda_saga_job_t     *job;
    ngx_eda_kafka_msg_t     dl;
    ngx_eda_saga_result_t   res;

    job = sent->job;

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "eda: saga %V: a record of %uz bytes for \"%s\" cannot "
                  "be produced (%s), %s", &job->id, msg->value.len,
                  msg->topic, reason,
                  sent->dead ? "its dead letter dropped"
                             : "dead-lettered");

    if (sent->dead
        || ngx_eda_saga_undeliverable(job->coord->conf->defs, msg->topic,
                                      (char *) msg->value.data,
                                      msg->value.len, reason,
                                      ngx_eda_saga_now_ms(), &res)
           != 0)
    {
        ngx_eda_saga_settle(job, 0);
        return;
    }

    sent->dead = 1;

    dl = *msg;
    dl.topic = res.records[0].topic;
    dl.key.data = (u_char *) res.records[0].key;
    dl.key.len = ngx_strlen(res.records[0].key);
    dl.value.data = (u_char *) res.records[0].value;
    dl.value.len = res.records[0].value_len;

    /* the producer copies the message */
    ngx_eda_saga_send(sent, &dl);

    ngx_eda_saga_result_free(&res);
}


/* a record settled; the last one clears the outbox unless some failed */

static void
ngx_eda_saga_settle(ngx_eda_saga_job_t *job, ngx_uint_t failed)
{
    job->failed += failed;

    if (--job->waiting > 0) {
        return;
    }

    if (job->failed) {
        /* some stay in the outbox; the sweep sends them again */
        ngx_eda_saga_done(job);
        return;
    }

    ngx_eda_saga_clear(job);
}


/* every record acknowledged: out of the outbox */

static void
ngx_eda_saga_clear(ngx_eda_saga_job_t *job)
{
    if (ngx_eda_saga_store_clear(job->coord->emcf, &job->id, job->items,
                                 job->nitems, ngx_eda_saga_cleared, job)
        == NULL)
    {
        ngx_eda_saga_done(job);
    }
}


static void
ngx_eda_saga_cleared(void *reply, void *data)
{
    ngx_eda_saga_done(data);
}


/*
 * Redis answered with an error (a key of another type, a script error):
 * the same answer is likely next time, so after a few tries the input is
 * dropped and a reply's offset moves on; its saga times out instead.
 */

static void
ngx_eda_saga_refused(ngx_eda_saga_job_t *job, redisReply *rep)
{
    ngx_uint_t  drop;

    drop = (++job->errors >= NGX_EDA_SAGA_ERRORS);

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "eda: saga %V: Redis: %*s%s", &job->id, (size_t) rep->len,
                  rep->str, drop ? ", input dropped" : "");

    if (drop) {
        ngx_eda_saga_done(job);
        return;
    }

    ngx_eda_saga_later(job);
}


/* a reply not bound to a command of its step: counted, logged at times */

static void
ngx_eda_saga_rejected(ngx_eda_saga_job_t *job)
{
    ngx_eda_saga_coord_t  *coord;

    coord = job->coord;
    coord->rejected++;

    ngx_eda_metrics_count(coord->emcf, NGX_EDA_M_SAGA_REJECTED, 1);

    if (ngx_time() < coord->rejected_logged + NGX_EDA_SAGA_REJECTED_LOG) {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "eda: saga %V: a reply on \"%s\" ignored: not on the "
                  "reply topic of a command of its step or without that "
                  "command's id as its idempotencykey (%ui such replies "
                  "since the last message)", &job->id, job->in.topic,
                  coord->rejected);

    coord->rejected = 0;
    coord->rejected_logged = ngx_time();
}


/* Redis is away: the same input again later, its offset not stored */

static void
ngx_eda_saga_later(ngx_eda_saga_job_t *job)
{
    ngx_eda_saga_forget(job);

    if (job->sweep
        || (job->in.kind == NGX_EDA_SAGA_TIMER
            && ++job->tries > NGX_EDA_SAGA_MAX_TRIES))
    {
        /* still in its sorted set: claimed again after the lease */
        ngx_eda_saga_done(job);
        return;
    }

    ngx_add_timer(&job->retry, NGX_EDA_SAGA_RETRY);
}


static void
ngx_eda_saga_retry(ngx_event_t *ev)
{
    ngx_eda_saga_run(ev->data);
}


/* what a read of the instance gave: its records and version */

static void
ngx_eda_saga_forget(ngx_eda_saga_job_t *job)
{
    ngx_uint_t  i;

    for (i = 0; i < job->nitems; i++) {
        ngx_free(job->items[i].data);
    }

    job->nitems = 0;

    ngx_eda_saga_trace_free(job);

    if (job->version.data != NULL) {
        ngx_free(job->version.data);
        job->version.data = NULL;
    }
}


void
ngx_eda_saga_done(ngx_eda_saga_job_t *job)
{
    ngx_eda_saga_coord_t  *coord;

    coord = job->coord;

    if (job->part != NULL) {
        /* an input given up on: the group may move past it anyway */
        job->part->pending--;
        ngx_eda_saga_dealt_with(coord, job->part, job->offset);
    }

    if (job->retry.timer_set) {
        ngx_del_timer(&job->retry);
    }

    ngx_eda_saga_forget(job);
    ngx_free(job);

    if (--coord->jobs < NGX_EDA_SAGA_MAX_JOBS / 2 && coord->paused) {
        coord->paused = 0;
        ngx_eda_kafka_consumer_pause(coord->consumer, 0);
    }
}


static void
ngx_eda_saga_count(ngx_eda_saga_coord_t *coord, const char *status)
{
    ngx_uint_t  i;

    static const char  *names[] = {
        "started", "running", "retrying", "compensating", "completed",
        "compensated", "failed", NULL
    };

    for (i = 0; names[i] != NULL; i++) {
        if (ngx_strcmp(names[i], status) == 0) {
            ngx_eda_metrics_count(coord->emcf, NGX_EDA_M_SAGA_STARTED + i, 1);
            return;
        }
    }
}
