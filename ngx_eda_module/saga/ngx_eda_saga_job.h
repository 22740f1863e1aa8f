
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_JOB_H_INCLUDED_
#define _NGX_EDA_SAGA_JOB_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_saga_store.h"
#include "ngx_eda_saga_coordinator.h"
#include "ngx_eda_saga_metrics.h"
#include "ngx_eda_saga_trace.h"


/*
 * The coordinator's state and its jobs.  A job is one input on its way
 * through an instance (ngx_eda_saga_job.c): a reply from Kafka
 * (ngx_eda_saga_replies.c) or a due timer (ngx_eda_saga_timers.c) is read
 * with the instance, applied, committed with its records, and the records
 * are produced and cleared from the outbox; an outbox left behind
 * (ngx_eda_saga_timers.c) is only produced and cleared.
 */


#define NGX_EDA_SAGA_MAX_JOBS     2048     /* inputs in progress */


typedef struct ngx_eda_saga_coord_s  ngx_eda_saga_coord_t;
typedef struct ngx_eda_saga_job_s    ngx_eda_saga_job_t;


/* a partition of a reply topic: its offset moves when nothing is pending */
typedef struct {
    u_char                     *topic;
    int32_t                     partition;
    ngx_uint_t                  pending;
    int64_t                     high;
} ngx_eda_saga_part_t;


/* a record of a job's outbox on its way to Kafka */
typedef struct {
    ngx_eda_saga_job_t         *job;
    unsigned                    dead:1;        /* its dead letter instead */
} ngx_eda_saga_sent_t;


struct ngx_eda_saga_job_s {
    ngx_eda_saga_coord_t       *coord;
    ngx_str_t                   id;
    ngx_eda_saga_input_t        in;
    ngx_eda_saga_part_t        *part;          /* a reply's, or NULL */
    int64_t                     offset;
    ngx_uint_t                  tries;
    ngx_str_t                   version;
    ngx_str_t                   items[NGX_EDA_SAGA_OUTBOX_MAX];
    ngx_uint_t                  nitems;
    ngx_eda_saga_sent_t         sent[NGX_EDA_SAGA_OUTBOX_MAX];
    ngx_uint_t                  waiting;       /* delivery reports */
    ngx_uint_t                  failed;
    ngx_uint_t                  errors;        /* Redis error replies */
    const char                 *status;        /* static, once written */
    ngx_eda_saga_obs_t          obs;           /* for the metrics */
    ngx_eda_saga_traced_t      *traced[NGX_EDA_SAGA_MAX_RECORDS];
    ngx_event_t                 retry;
    unsigned                    sweep:1;       /* an outbox to resend */
};


struct ngx_eda_saga_coord_s {
    ngx_eda_saga_conf_t            *conf;
    ngx_eda_main_conf_t            *emcf;
    ngx_eda_kafka_consumer_t       *consumer;
    ngx_array_t                    *parts;      /* ngx_eda_saga_part_t * */
    ngx_uint_t                      jobs;
    ngx_uint_t                      claimed;    /* asked in the last poll */
    ngx_uint_t                      rejected;   /* replies, since logged */
    time_t                          rejected_logged;
    ngx_event_t                     tick;
    ngx_event_t                     sweep;
    ngx_connection_t               *nudge;      /* workers' hints */
    unsigned                        polling:1;
    unsigned                        again:1;    /* a hint while polling */
    unsigned                        sweeping:1;
    unsigned                        paused:1;
};


/* a job with EXTRA bytes after it (its strings), counted as in progress */
ngx_eda_saga_job_t *ngx_eda_saga_job(ngx_eda_saga_coord_t *coord,
    size_t extra);

/* read the instance, apply the input, write the transition, produce */
void ngx_eda_saga_run(ngx_eda_saga_job_t *job);

/* the job's records (its outbox) to Kafka, then out of the outbox */
void ngx_eda_saga_produce(ngx_eda_saga_job_t *job);

/* the job is over: given up on or done with */
void ngx_eda_saga_done(ngx_eda_saga_job_t *job);


#endif /* _NGX_EDA_SAGA_JOB_H_INCLUDED_ */
