
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga coordinator's polls of Redis: every NGX_EDA_SAGA_TICK the
 * instances whose timer is due are claimed (leased, so another
 * coordinator does not take them too) and each becomes a job; every
 * NGX_EDA_SAGA_SWEEP the outboxes that wait too long are read and sent
 * again.  A new instance is due at once: the worker that created it says
 * so (ngx_eda_saga_nudge.c) and the timers are claimed then, not at the
 * next tick.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <hiredis/hiredis.h>

#include "ngx_eda_saga.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_saga_store.h"
#include "ngx_eda_saga_job.h"
#include "ngx_eda_saga_timers.h"
#include "ngx_eda_saga_nudge.h"


#define NGX_EDA_SAGA_TICK         50       /* ms between timer polls */
#define NGX_EDA_SAGA_SWEEP        1000     /* ms between outbox sweeps */
#define NGX_EDA_SAGA_CLAIM        200      /* timers per poll, at most */
#define NGX_EDA_SAGA_BUSY         256      /* jobs beyond which none are
                                              claimed: Redis allows 1024
                                              commands in flight */
#define NGX_EDA_SAGA_LEASE        10000    /* ms a claimed timer waits */
#define NGX_EDA_SAGA_STALE        5000     /* ms before an outbox is resent */


static void ngx_eda_saga_tick(ngx_event_t *ev);
static void ngx_eda_saga_nudged(ngx_event_t *rev);
static void ngx_eda_saga_claim(ngx_eda_saga_coord_t *coord);
static void ngx_eda_saga_claimed(void *reply, void *data);
static void ngx_eda_saga_sweep(ngx_event_t *ev);
static void ngx_eda_saga_swept(void *reply, void *data);
static void ngx_eda_saga_outbox(void *reply, void *data);
static ngx_eda_saga_job_t *ngx_eda_saga_claimed_job(
    ngx_eda_saga_coord_t *coord, redisReply *e);


void
ngx_eda_saga_timers_start(ngx_eda_saga_coord_t *coord)
{
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

    /* without the hints, new instances wait for the tick: slower, not lost */
    coord->nudge = ngx_eda_saga_nudge_listen(coord->conf, ngx_eda_saga_nudged,
                                             coord);
    if (coord->nudge == NULL) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "eda: saga coordinator: no hints from the workers, "
                      "new sagas start at the next %d ms poll",
                      NGX_EDA_SAGA_TICK);
    }
}


static void
ngx_eda_saga_nudged(ngx_event_t *rev)
{
    ngx_connection_t      *c = rev->data;
    ngx_eda_saga_coord_t  *coord = c->data;

    if (ngx_eda_saga_nudge_drain(c) == 0
        || ngx_exiting || ngx_quit || ngx_terminate)
    {
        return;
    }

    if (coord->polling) {
        /* the claim in flight may have missed it: one more after it */
        coord->again = 1;
        return;
    }

    ngx_eda_saga_claim(coord);
}


static void
ngx_eda_saga_tick(ngx_event_t *ev)
{
    ngx_eda_saga_coord_t *coord = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_add_timer(&coord->tick, NGX_EDA_SAGA_TICK);

    if (!coord->polling) {
        ngx_eda_saga_claim(coord);
    }
}


static void
ngx_eda_saga_claim(ngx_eda_saga_coord_t *coord)
{
    int64_t     ms;
    ngx_uint_t  n;

    coord->again = 0;

    if (coord->jobs >= NGX_EDA_SAGA_BUSY
        || ngx_exiting || ngx_quit || ngx_terminate)
    {
        /* the tick tries again */
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

    /* a full batch: more may be due; a hint came meanwhile: it may be */

    if (rep->elements == coord->claimed || coord->again) {
        ngx_eda_saga_claim(coord);
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
