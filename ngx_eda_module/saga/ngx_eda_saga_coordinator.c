
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga coordinator: a process of its own, started and restarted by
 * the nginx master.  Stock nginx starts a helper process, the "cache
 * manager", whenever a registered path has a manager callback; it replaces
 * it on reload and respawns it when it dies.  eda_saga_definitions
 * registers such a path, and this callback, on its first call, turns that
 * process into the coordinator: it retitles it, starts a Kafka producer,
 * a consumer in a group shared by every gateway and a Redis connection,
 * all driven by the process's event loop like a worker's.
 *
 * Nothing is kept only in memory: an instance's state, its timer and the
 * records a transition must produce (its outbox) are written to Redis in
 * one script, before anything is produced; a reply's offset is stored
 * only once its transition is written.  A coordinator killed at any point
 * leaves either an input that is read again (a timer still due, a reply
 * not committed) or an outbox that the next coordinator sends again:
 * at-least-once, with the same ids and idempotency keys.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_redis.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_saga_store.h"
#include "ngx_eda_saga_coordinator.h"


#define NGX_EDA_SAGA_TICK         50       /* ms between timer polls */
#define NGX_EDA_SAGA_SWEEP        1000     /* ms between outbox sweeps */
#define NGX_EDA_SAGA_CLAIM        200      /* timers per poll, at most */
#define NGX_EDA_SAGA_BUSY         256      /* jobs beyond which none are
                                              claimed: Redis allows 1024
                                              commands in flight */
#define NGX_EDA_SAGA_MAX_TRIES    20       /* a timer's retries, then its
                                              lease brings it back */
#define NGX_EDA_SAGA_LEASE        10000    /* ms a claimed timer waits */
#define NGX_EDA_SAGA_STALE        5000     /* ms before an outbox is resent */
#define NGX_EDA_SAGA_MAX_JOBS     2048     /* inputs in progress */
#define NGX_EDA_SAGA_RETRY        500      /* ms before retrying Redis */
#define NGX_EDA_SAGA_CONFLICTS    16       /* re-reads on a version race */


typedef struct ngx_eda_saga_coord_s  ngx_eda_saga_coord_t;


/* a partition of a reply topic: its offset moves when nothing is pending */
typedef struct {
    u_char                     *topic;
    int32_t                     partition;
    ngx_uint_t                  pending;
    int64_t                     high;
} ngx_eda_saga_part_t;


typedef struct {
    ngx_eda_saga_coord_t       *coord;
    ngx_str_t                   id;
    ngx_eda_saga_input_t        in;
    ngx_eda_saga_part_t        *part;          /* a reply's, or NULL */
    int64_t                     offset;
    ngx_uint_t                  tries;
    ngx_str_t                   version;
    ngx_str_t                   items[NGX_EDA_SAGA_OUTBOX_MAX];
    ngx_uint_t                  nitems;
    ngx_uint_t                  waiting;       /* delivery reports */
    ngx_uint_t                  failed;
    const char                 *status;        /* static, once written */
    ngx_event_t                 retry;
    unsigned                    sweep:1;       /* an outbox to resend */
} ngx_eda_saga_job_t;


struct ngx_eda_saga_coord_s {
    ngx_eda_saga_conf_t            *conf;
    ngx_eda_main_conf_t            *emcf;
    ngx_eda_kafka_consumer_t       *consumer;
    ngx_array_t                    *parts;      /* ngx_eda_saga_part_t * */
    ngx_uint_t                      jobs;
    ngx_uint_t                      claimed;    /* asked in the last poll */
    ngx_event_t                     tick;
    ngx_event_t                     sweep;
    unsigned                        polling:1;
    unsigned                        sweeping:1;
    unsigned                        paused:1;
};


static ngx_int_t ngx_eda_saga_start(ngx_eda_saga_conf_t *conf);
static void ngx_eda_saga_record(const rd_kafka_message_t *msg, void *data);
static ngx_eda_saga_job_t *ngx_eda_saga_job(ngx_eda_saga_coord_t *coord,
    size_t extra);
static void ngx_eda_saga_run(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_read(void *reply, void *data);
static ngx_int_t ngx_eda_saga_commit(ngx_eda_saga_job_t *job,
    ngx_eda_saga_result_t *res, redisReply *v, int64_t now);
static void ngx_eda_saga_committed(void *reply, void *data);
static void ngx_eda_saga_produce(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_delivered(ngx_eda_kafka_dr_t *dr);
static void ngx_eda_saga_clear(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_cleared(void *reply, void *data);
static void ngx_eda_saga_later(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_retry(ngx_event_t *ev);
static void ngx_eda_saga_forget(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_dealt_with(ngx_eda_saga_coord_t *coord,
    ngx_eda_saga_part_t *part, int64_t offset);
static void ngx_eda_saga_done(ngx_eda_saga_job_t *job);
static void ngx_eda_saga_tick(ngx_event_t *ev);
static void ngx_eda_saga_claimed(void *reply, void *data);
static void ngx_eda_saga_sweep(ngx_event_t *ev);
static void ngx_eda_saga_swept(void *reply, void *data);
static void ngx_eda_saga_outbox(void *reply, void *data);
static ngx_eda_saga_job_t *ngx_eda_saga_claimed_job(
    ngx_eda_saga_coord_t *coord, redisReply *e);
static void ngx_eda_saga_count(ngx_eda_saga_coord_t *coord,
    const char *status);
static ngx_eda_saga_part_t *ngx_eda_saga_part(ngx_eda_saga_coord_t *coord,
    const char *topic, int32_t partition);


ngx_msec_t
ngx_eda_saga_coordinator(void *data)
{
    ngx_eda_saga_conf_t *conf = data;

    if (conf->coordinator == NULL && ngx_eda_saga_start(conf) != NGX_OK) {
        /* the log says why; the next call tries again */
        return 5000;
    }

    return 1000;
}


static ngx_int_t
ngx_eda_saga_start(ngx_eda_saga_conf_t *conf)
{
    u_char                         group[256], instance[256], *p;
    ngx_eda_saga_coord_t          *coord;
    ngx_eda_main_conf_t           *emcf;
    ngx_eda_kafka_consumer_opts_t  opts;

    ngx_setproctitle("eda saga coordinator");

    emcf = conf->emcf;

    coord = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_eda_saga_coord_t));
    if (coord == NULL) {
        return NGX_ERROR;
    }

    coord->conf = conf;
    coord->emcf = emcf;

    coord->parts = ngx_array_create(ngx_cycle->pool, 16,
                                    sizeof(ngx_eda_saga_part_t *));
    if (coord->parts == NULL) {
        return NGX_ERROR;
    }

    if (emcf->producer == NULL
        && ngx_eda_kafka_producer_init((ngx_cycle_t *) ngx_cycle, emcf)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (emcf->redis_state == NULL
        && ngx_eda_redis_init_worker((ngx_cycle_t *) ngx_cycle, emcf)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * A static member of the group, one per gateway (host and
     * configuration): a coordinator that replaces a dead or reloaded one
     * takes its partitions at once, without waiting for the session to
     * time out.
     */

    p = ngx_snprintf(group, sizeof(group) - 1, "%V", &conf->group);
    *p = '\0';

    p = ngx_snprintf(instance, sizeof(instance) - 1, "eda-saga-%V-%08xD",
                     &ngx_cycle->hostname,
                     ngx_crc32_short(ngx_cycle->conf_file.data,
                                     ngx_cycle->conf_file.len));
    *p = '\0';

    ngx_memzero(&opts, sizeof(ngx_eda_kafka_consumer_opts_t));
    opts.group = (char *) group;
    opts.instance = (char *) instance;
    opts.offset_reset = "earliest";
    opts.topics = conf->topics;
    opts.store = 1;

    coord->consumer = ngx_eda_kafka_consumer_create((ngx_cycle_t *) ngx_cycle,
                                                    emcf, &opts,
                                                    ngx_eda_saga_record,
                                                    coord);
    if (coord->consumer == NULL) {
        return NGX_ERROR;
    }

    coord->tick.handler = ngx_eda_saga_tick;
    coord->tick.data = coord;
    coord->tick.log = ngx_cycle->log;
    coord->tick.cancelable = 1;

    coord->sweep.handler = ngx_eda_saga_sweep;
    coord->sweep.data = coord;
    coord->sweep.log = ngx_cycle->log;
    coord->sweep.cancelable = 1;

    ngx_add_timer(&coord->tick, NGX_EDA_SAGA_TICK);
    ngx_add_timer(&coord->sweep, NGX_EDA_SAGA_SWEEP);

    conf->coordinator = coord;

    ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                  "eda: saga coordinator started (group %s, member %s)",
                  group, instance);

    return NGX_OK;
}


/* ------------------------------------------------------------------------
 * inputs: replies from Kafka, due timers from Redis
 */

static void
ngx_eda_saga_record(const rd_kafka_message_t *msg, void *data)
{
    ngx_eda_saga_coord_t *coord = data;

    u_char                    *p;
    u_char                     id[NGX_INT64_LEN * 2 + 256], source[256];
    size_t                     extra;
    ngx_eda_ce_event_t         ev;
    ngx_eda_saga_job_t        *job;
    ngx_eda_saga_part_t       *part;
    ngx_eda_ce_parsed_t        parsed;
    const ngx_eda_ce_str_t    *sid, *step, *type, *attempt;

    part = ngx_eda_saga_part(coord, rd_kafka_topic_name(msg->rkt),
                             msg->partition);
    if (part == NULL) {
        return;
    }

    parsed.owned = NULL;

    if (ngx_eda_kafka_record_event(msg, &ev, &parsed, id, source) != NGX_OK)
    {
        goto skip;
    }

    sid = ngx_eda_ce_get(&ev, "sagaid", 6);
    step = ngx_eda_ce_get(&ev, "sagastep", 8);
    type = ngx_eda_ce_get(&ev, "type", 4);
    attempt = ngx_eda_ce_get(&ev, "sagaattempt", 11);

    if (sid == NULL || step == NULL || type == NULL
        || !ngx_eda_saga_valid_id(sid->data, sid->len))
    {
        /* not a reply to a saga: nothing to do with it */
        goto skip;
    }

    extra = sid->len + 1 + step->len + 1 + type->len + 1 + ev.data.len + 1;

    job = ngx_eda_saga_job(coord, extra);
    if (job == NULL) {
        goto skip;
    }

    p = (u_char *) &job[1];

    job->id.data = p;
    job->id.len = sid->len;
    p = ngx_cpymem(p, sid->data, sid->len);
    *p++ = '\0';

    job->in.kind = NGX_EDA_SAGA_REPLY;
    job->in.step = (char *) p;
    p = ngx_cpymem(p, step->data, step->len);
    *p++ = '\0';

    job->in.type = (char *) p;
    p = ngx_cpymem(p, type->data, type->len);
    *p++ = '\0';

    if (ev.data.data != NULL) {
        job->in.data = (char *) p;
        job->in.data_len = ev.data.len;
        p = ngx_cpymem(p, ev.data.data, ev.data.len);
    }

    *p = '\0';

    if (attempt != NULL) {
        job->in.attempt = ngx_atoi((u_char *) attempt->data, attempt->len);
        if (job->in.attempt < 0) {
            job->in.attempt = 0;
        }
    }

    job->part = part;
    job->offset = msg->offset;
    part->pending++;

    if (parsed.owned != NULL) {
        ngx_eda_ce_parsed_free(&parsed);
    }

    ngx_eda_saga_run(job);
    return;

skip:

    if (parsed.owned != NULL) {
        ngx_eda_ce_parsed_free(&parsed);
    }

    ngx_eda_saga_dealt_with(coord, part, msg->offset);
}


static ngx_eda_saga_job_t *
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

static void
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
    }

    job->version.data = ngx_alloc(v->len, ngx_cycle->log);
    if (job->version.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(job->version.data, v->str, v->len);
    job->version.len = v->len;
    job->status = res->status;

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

    if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
        if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                          "eda: saga %V: Redis: %*s", &job->id,
                          (size_t) rep->len, rep->str);
        }

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

        ngx_eda_saga_run(job);
        return;
    }

    /* written: the input is dealt with, the outbox is safe in Redis */

    ngx_eda_saga_count(job->coord, job->status);

    if (job->part != NULL) {
        job->part->pending--;
        ngx_eda_saga_dealt_with(job->coord, job->part, job->offset);
        job->part = NULL;
    }

    ngx_eda_saga_produce(job);
}


/* the outbox to Kafka (structured CloudEvents, keyed by the saga id) */

static void
ngx_eda_saga_produce(ngx_eda_saga_job_t *job)
{
    u_char                  *p, *key, *value, *last;
    u_char                   topic[256];
    ngx_uint_t               i;
    ngx_eda_kafka_dr_t      *dr;
    ngx_eda_kafka_msg_t      msg;
    ngx_eda_kafka_header_t   ct;

    if (job->nitems == 0) {
        ngx_eda_saga_done(job);
        return;
    }

    ngx_str_set(&ct.name, "content-type");
    ngx_str_set(&ct.value, "application/cloudevents+json");

    job->waiting = job->nitems;

    for (i = 0; i < job->nitems; i++) {
        p = job->items[i].data;
        last = p + job->items[i].len;

        key = ngx_strlchr(p, last, '\n');
        value = key ? ngx_strlchr(key + 1, last, '\n') : NULL;

        if (value == NULL || key - p >= (ssize_t) sizeof(topic)) {
            /* not ours: drop it from the outbox */
            job->waiting--;
            continue;
        }

        ngx_memcpy(topic, p, key - p);
        topic[key - p] = '\0';

        ngx_memzero(&msg, sizeof(ngx_eda_kafka_msg_t));
        msg.topic = (char *) topic;
        msg.key.data = key + 1;
        msg.key.len = value - (key + 1);
        msg.value.data = value + 1;
        msg.value.len = last - (value + 1);
        msg.headers = &ct;
        msg.nheaders = 1;

        dr = ngx_eda_kafka_dr_create(ngx_cycle->log);
        if (dr == NULL) {
            job->failed++;
            job->waiting--;
            continue;
        }

        dr->handler = ngx_eda_saga_delivered;
        dr->data = job;

        if (ngx_eda_kafka_produce(job->coord->emcf, &msg, dr, ngx_cycle->log)
            != NGX_EDA_KAFKA_OK)
        {
            /* it stays in the outbox: the sweep sends it later */
            ngx_eda_kafka_dr_detach(dr);
            job->failed++;
            job->waiting--;
        }
    }

    if (job->waiting == 0) {
        if (job->failed) {
            ngx_eda_saga_done(job);

        } else {
            ngx_eda_saga_clear(job);
        }
    }
}


static void
ngx_eda_saga_delivered(ngx_eda_kafka_dr_t *dr)
{
    ngx_eda_saga_job_t  *job;

    job = dr->data;

    if (dr->err != 0) {
        job->failed++;
    }

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

    if (job->version.data != NULL) {
        ngx_free(job->version.data);
        job->version.data = NULL;
    }
}


/*
 * The record at OFFSET needs nothing more: the group's offset moves past
 * everything dealt with once nothing before it is pending.
 */

static void
ngx_eda_saga_dealt_with(ngx_eda_saga_coord_t *coord,
    ngx_eda_saga_part_t *part, int64_t offset)
{
    if (offset > part->high) {
        part->high = offset;
    }

    if (part->pending == 0) {
        ngx_eda_kafka_consumer_store(coord->consumer, (char *) part->topic,
                                     part->partition, part->high);
    }
}


static void
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


/* ------------------------------------------------------------------------
 * timers and outboxes in Redis
 */

static void
ngx_eda_saga_tick(ngx_event_t *ev)
{
    ngx_eda_saga_coord_t *coord = ev->data;

    int64_t     ms;
    ngx_uint_t  n;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_add_timer(&coord->tick, NGX_EDA_SAGA_TICK);

    if (coord->polling || coord->jobs >= NGX_EDA_SAGA_BUSY) {
        return;
    }

    /* no more than can be served at once: a claimed timer waits a lease */
    n = ngx_min(NGX_EDA_SAGA_CLAIM, NGX_EDA_SAGA_BUSY - coord->jobs);
    ms = ngx_eda_saga_now_ms();

    if (ngx_eda_saga_store_claim_timers(coord->emcf, ms,
                                        ms + NGX_EDA_SAGA_LEASE, n,
                                        ngx_eda_saga_claimed, coord)
        != NULL)
    {
        coord->polling = 1;
        coord->claimed = n;
    }
}


static void
ngx_eda_saga_claimed(void *reply, void *data)
{
    ngx_eda_saga_coord_t *coord = data;

    size_t               i;
    redisReply          *rep = reply;
    ngx_eda_saga_job_t  *job;

    coord->polling = 0;

    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        return;
    }

    for (i = 0; i < rep->elements; i++) {
        job = ngx_eda_saga_claimed_job(coord, rep->element[i]);
        if (job == NULL) {
            continue;
        }

        job->in.kind = NGX_EDA_SAGA_TIMER;

        ngx_eda_saga_run(job);
    }

    /* a full batch: more may be due */

    if (rep->elements == coord->claimed && coord->tick.timer_set) {
        ngx_del_timer(&coord->tick);
        ngx_add_timer(&coord->tick, 1);
    }
}


/*
 * Outboxes older than NGX_EDA_SAGA_STALE: their coordinator died, or Kafka
 * refused, between the transition and the acknowledgements.  Sent again.
 */

static void
ngx_eda_saga_sweep(ngx_event_t *ev)
{
    ngx_eda_saga_coord_t *coord = ev->data;

    int64_t  ms;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_add_timer(&coord->sweep, NGX_EDA_SAGA_SWEEP);

    if (coord->sweeping || coord->jobs >= NGX_EDA_SAGA_MAX_JOBS / 2) {
        return;
    }

    ms = ngx_eda_saga_now_ms();

    if (ngx_eda_saga_store_claim_outboxes(coord->emcf,
                                          ms - NGX_EDA_SAGA_STALE, ms, 100,
                                          ngx_eda_saga_swept, coord)
        != NULL)
    {
        coord->sweeping = 1;
    }
}


static void
ngx_eda_saga_swept(void *reply, void *data)
{
    ngx_eda_saga_coord_t *coord = data;

    size_t               i;
    redisReply          *rep = reply;
    ngx_eda_saga_job_t  *job;

    coord->sweeping = 0;

    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        return;
    }

    for (i = 0; i < rep->elements; i++) {
        job = ngx_eda_saga_claimed_job(coord, rep->element[i]);
        if (job == NULL) {
            continue;
        }

        job->sweep = 1;

        if (ngx_eda_saga_store_outbox(coord->emcf, &job->id,
                                      ngx_eda_saga_outbox, job)
            == NULL)
        {
            ngx_eda_saga_done(job);
            return;
        }
    }
}


static void
ngx_eda_saga_outbox(void *reply, void *data)
{
    ngx_eda_saga_job_t *job = data;

    size_t       i;
    redisReply  *rep = reply, *e;

    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        ngx_eda_saga_done(job);
        return;
    }

    for (i = 0; i < rep->elements && i < NGX_EDA_SAGA_OUTBOX_MAX; i++) {
        e = rep->element[i];

        if (e->type != REDIS_REPLY_STRING) {
            continue;
        }

        job->items[job->nitems].data = ngx_alloc(e->len, ngx_cycle->log);
        if (job->items[job->nitems].data == NULL) {
            break;
        }

        ngx_memcpy(job->items[job->nitems].data, e->str, e->len);
        job->items[job->nitems].len = e->len;
        job->nitems++;
    }

    if (job->nitems) {
        ngx_eda_metrics_count(job->coord->emcf, NGX_EDA_M_SAGA_RESENT,
                              job->nitems);
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "eda: saga %V: sending %ui records of its outbox "
                      "again", &job->id, job->nitems);
    }

    /* an empty outbox that was not cleared: clearing it now is right */

    ngx_eda_saga_produce(job);
}


/* a job for an id a claim returned, or NULL */

static ngx_eda_saga_job_t *
ngx_eda_saga_claimed_job(ngx_eda_saga_coord_t *coord, redisReply *e)
{
    ngx_eda_saga_job_t  *job;

    if (e->type != REDIS_REPLY_STRING
        || !ngx_eda_saga_valid_id(e->str, e->len))
    {
        return NULL;
    }

    job = ngx_eda_saga_job(coord, e->len + 1);
    if (job == NULL) {
        return NULL;
    }

    job->id.data = (u_char *) &job[1];
    job->id.len = e->len;
    ngx_memcpy(job->id.data, e->str, e->len);
    job->id.data[e->len] = '\0';

    return job;
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


static ngx_eda_saga_part_t *
ngx_eda_saga_part(ngx_eda_saga_coord_t *coord, const char *topic,
    int32_t partition)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_eda_saga_part_t   *part, **parts;

    parts = coord->parts->elts;

    for (i = 0; i < coord->parts->nelts; i++) {
        if (parts[i]->partition == partition
            && ngx_strcmp(parts[i]->topic, topic) == 0)
        {
            return parts[i];
        }
    }

    /* jobs point at it: allocated once, never moved */

    parts = ngx_array_push(coord->parts);
    part = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_eda_saga_part_t));
    if (parts == NULL || part == NULL) {
        return NULL;
    }

    *parts = part;
    len = ngx_strlen(topic);

    part->topic = ngx_pnalloc(ngx_cycle->pool, len + 1);
    if (part->topic == NULL) {
        return NULL;
    }

    ngx_memcpy(part->topic, topic, len + 1);
    part->partition = partition;
    part->pending = 0;
    part->high = -1;

    return part;
}
