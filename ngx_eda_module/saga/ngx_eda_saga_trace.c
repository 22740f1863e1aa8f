
/*
 * Copyright (C) ngx_eda authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_eda_otel.h"
#include "ngx_eda_saga_job.h"
#include "ngx_eda_saga_trace.h"



void
ngx_eda_saga_trace_keep(ngx_eda_saga_job_t *job, ngx_uint_t i,
    const ngx_eda_saga_record_t *rec)
{
    size_t                  len;
    ngx_eda_saga_traced_t  *t;

    job->traced[i] = NULL;

    if (job->coord->emcf->otel == NULL || !rec->traced
        || !(rec->span.trace.flags & NGX_EDA_TRACE_SAMPLED))
    {
        return;
    }

    len = ngx_strlen(rec->topic);

    if (len >= sizeof(t->topic)) {
        return;
    }

    /* without memory only the span is lost */
    t = ngx_alloc(sizeof(ngx_eda_saga_traced_t), ngx_cycle->log);
    if (t == NULL) {
        return;
    }

    t->span = rec->span;
    t->start_ns = ngx_eda_otel_now();
    ngx_memcpy(t->topic, rec->topic, len + 1);

    job->traced[i] = t;
}


void
ngx_eda_saga_trace_sent(ngx_eda_saga_job_t *job, ngx_uint_t i)
{
    if (i < NGX_EDA_SAGA_MAX_RECORDS && job->traced[i] != NULL) {
        job->traced[i]->start_ns = ngx_eda_otel_now();
    }
}


void
ngx_eda_saga_trace_end(ngx_eda_saga_job_t *job, ngx_uint_t i,
    ngx_eda_kafka_dr_t *dr, const char *error)
{
    u_char                  name[300], part[NGX_INT32_LEN],
                            off[NGX_INT64_LEN];
    ngx_eda_span_t          span;
    ngx_eda_saga_traced_t  *t;

    if (i >= NGX_EDA_SAGA_MAX_RECORDS || job->traced[i] == NULL) {
        return;
    }

    t = job->traced[i];
    job->traced[i] = NULL;

    if (error == NULL && dr != NULL && dr->err != 0) {
        error = dr->errstr;
    }

    ngx_memzero(&span, sizeof(ngx_eda_span_t));

    span.trace = t->span.trace;
    span.kind = NGX_EDA_SPAN_PRODUCER;
    span.name.data = name;
    span.name.len = ngx_snprintf(name, sizeof(name), "send %s", t->topic)
                    - name;
    span.start_ns = t->start_ns;
    span.end_ns = ngx_eda_otel_now();

    ngx_eda_otel_attr(&span, "messaging.system", "kafka", 5);
    ngx_eda_otel_attr(&span, "messaging.destination.name", t->topic,
                      ngx_strlen(t->topic));
    ngx_eda_otel_attr(&span, "messaging.operation.type", "send", 4);
    ngx_eda_otel_attr(&span, "messaging.message.id", t->span.id,
                      ngx_strlen(t->span.id));
    ngx_eda_otel_attr(&span, "cloudevents.event_type", t->span.type,
                      ngx_strlen(t->span.type));
    ngx_eda_otel_attr(&span, "eda.saga.id", job->id.data, job->id.len);

    if (t->span.step[0] != '\0') {
        ngx_eda_otel_attr(&span, "eda.saga.step", t->span.step,
                          ngx_strlen(t->span.step));
    }

    if (t->span.attempt[0] != '\0') {
        ngx_eda_otel_attr(&span, "eda.saga.attempt", t->span.attempt,
                          ngx_strlen(t->span.attempt));
    }

    if (error == NULL && dr != NULL) {
        ngx_eda_otel_attr(&span, "messaging.destination.partition.id", part,
                          ngx_sprintf(part, "%D", dr->partition) - part);
        ngx_eda_otel_attr(&span, "messaging.kafka.offset", off,
                          ngx_sprintf(off, "%L", dr->offset) - off);
    }

    if (error != NULL) {
        ngx_eda_otel_error(&span, error);
    }

    ngx_eda_otel_span(job->coord->emcf, &span);

    ngx_free(t);
}


void
ngx_eda_saga_trace_free(ngx_eda_saga_job_t *job)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_EDA_SAGA_MAX_RECORDS; i++) {
        if (job->traced[i] != NULL) {
            ngx_free(job->traced[i]);
            job->traced[i] = NULL;
        }
    }
}

