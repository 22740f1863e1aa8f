
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga coordinator's Kafka side: a reply (a CloudEvent that names a
 * saga id and step) becomes a job; a record that is not a reply, or one
 * whose job is over, only moves its partition's offset, which is stored
 * once nothing before it is pending.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_trace.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_saga_job.h"
#include "ngx_eda_saga_replies.h"


static ngx_eda_saga_job_t *ngx_eda_saga_reply_job(
    ngx_eda_saga_coord_t *coord, ngx_eda_ce_event_t *ev, const char *topic);
static u_char *ngx_eda_saga_copy(u_char *p, const char **dst,
    const char *src, size_t len);
static ngx_eda_saga_part_t *ngx_eda_saga_part(ngx_eda_saga_coord_t *coord,
    const char *topic, int32_t partition);


void
ngx_eda_saga_record(const rd_kafka_message_t *msg, void *data)
{
    ngx_eda_saga_coord_t *coord = data;

    const char           *topic;
    ngx_eda_ce_event_t    ev;
    ngx_eda_saga_job_t   *job;
    ngx_eda_saga_part_t  *part;
    ngx_eda_ce_parsed_t   parsed;

    topic = rd_kafka_topic_name(msg->rkt);

    part = ngx_eda_saga_part(coord, topic, msg->partition);
    if (part == NULL) {
        return;
    }

    parsed.owned = NULL;
    job = NULL;

    if (ngx_eda_kafka_record_event(msg, &ev, &parsed) == NGX_OK) {
        job = ngx_eda_saga_reply_job(coord, &ev, topic);
    }

    if (parsed.owned != NULL) {
        ngx_eda_ce_parsed_free(&parsed);
    }

    if (job == NULL) {
        ngx_eda_saga_dealt_with(coord, part, msg->offset);
        return;
    }

    job->part = part;
    job->offset = msg->offset;
    part->pending++;

    ngx_eda_saga_run(job);
}


/*
 * The job of a reply (the input and its strings copied), or NULL.  Whether
 * it is bound to a command (its topic, its idempotencykey) is the state
 * machine's to say; a saga id the gateway cannot have issued is not even
 * looked up.
 */

static ngx_eda_saga_job_t *
ngx_eda_saga_reply_job(ngx_eda_saga_coord_t *coord, ngx_eda_ce_event_t *ev,
    const char *topic)
{
    u_char                    *p;
    size_t                     extra, tlen;
    ngx_eda_saga_job_t        *job;
    const ngx_eda_ce_str_t    *sid, *step, *type, *attempt, *key, *tp;

    sid = ngx_eda_ce_get(ev, "sagaid", 6);
    step = ngx_eda_ce_get(ev, "sagastep", 8);
    type = ngx_eda_ce_get(ev, "type", 4);
    attempt = ngx_eda_ce_get(ev, "sagaattempt", 11);
    key = ngx_eda_ce_get(ev, "idempotencykey", 14);
    tp = ngx_eda_ce_get(ev, "traceparent", 11);

    if (tp != NULL && tp->len > NGX_EDA_TRACEPARENT_LEN + 64) {
        tp = NULL;      /* not one the state machine would take */
    }

    if (sid == NULL || step == NULL || type == NULL
        || !ngx_eda_saga_valid_id(sid->data, sid->len))
    {
        /* not a reply to a saga: nothing to do with it */
        return NULL;
    }

    tlen = ngx_strlen(topic);

    extra = sid->len + 1 + step->len + 1 + type->len + 1 + tlen + 1
            + (key ? key->len : 0) + 1 + (tp ? tp->len : 0) + 1
            + ev->data.len + 1;

    job = ngx_eda_saga_job(coord, extra);
    if (job == NULL) {
        return NULL;
    }

    p = (u_char *) &job[1];

    job->id.data = p;
    job->id.len = sid->len;
    p = ngx_cpymem(p, sid->data, sid->len);
    *p++ = '\0';

    job->in.kind = NGX_EDA_SAGA_REPLY;
    p = ngx_eda_saga_copy(p, &job->in.step, step->data, step->len);
    p = ngx_eda_saga_copy(p, &job->in.type, type->data, type->len);
    p = ngx_eda_saga_copy(p, &job->in.topic, topic, tlen);

    if (key != NULL) {
        p = ngx_eda_saga_copy(p, &job->in.key, key->data, key->len);
    }

    if (tp != NULL) {
        p = ngx_eda_saga_copy(p, &job->in.traceparent, tp->data, tp->len);
    }

    if (ev->data.data != NULL) {
        job->in.data = (char *) p;
        job->in.data_len = ev->data.len;
        p = ngx_cpymem(p, ev->data.data, ev->data.len);
    }

    *p = '\0';

    if (attempt != NULL) {
        job->in.attempt = ngx_atoi((u_char *) attempt->data, attempt->len);
        if (job->in.attempt < 0) {
            job->in.attempt = 0;
        }
    }

    return job;
}


/* SRC copied at P, NUL-terminated, as *DST: the byte after it */

static u_char *
ngx_eda_saga_copy(u_char *p, const char **dst, const char *src, size_t len)
{
    *dst = (const char *) p;
    p = ngx_cpymem(p, src, len);
    *p++ = '\0';

    return p;
}


void
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
