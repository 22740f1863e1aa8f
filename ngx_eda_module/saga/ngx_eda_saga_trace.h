
/*
 * Copyright (C) ngx_eda authors
 *
 * The spans of a saga's records for eda_otel_exporter: each record a
 * transition makes (a command, a compensation, a progress event, a dead
 * letter) is a PRODUCER span, the span its traceparent names, from its
 * send to Kafka's report on it.  A record sent again by the outbox sweep
 * is not exported again.
 */


#ifndef _NGX_EDA_SAGA_TRACE_H_INCLUDED_
#define _NGX_EDA_SAGA_TRACE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_saga.h"
#include "ngx_eda_kafka_producer.h"


struct ngx_eda_saga_job_s;


/* a record's span, kept by its job until Kafka's report */
typedef struct {
    ngx_eda_saga_span_t         span;
    uint64_t                    start_ns;
    u_char                      topic[256];
} ngx_eda_saga_traced_t;


/* keeps the span of REC, record I of the job, if it is to be exported */
void ngx_eda_saga_trace_keep(struct ngx_eda_saga_job_s *job,
    ngx_uint_t i, const ngx_eda_saga_record_t *rec);

/* record I leaves for Kafka now */
void ngx_eda_saga_trace_sent(struct ngx_eda_saga_job_s *job,
    ngx_uint_t i);

/*
 * Record I is settled: acknowledged (DR's partition and offset), or not
 * (ERROR, or DR's error): its span goes to the exporter.
 */
void ngx_eda_saga_trace_end(struct ngx_eda_saga_job_s *job,
    ngx_uint_t i, ngx_eda_kafka_dr_t *dr, const char *error);

/* the spans the job still keeps, dropped */
void ngx_eda_saga_trace_free(struct ngx_eda_saga_job_s *job);


#endif /* _NGX_EDA_SAGA_TRACE_H_INCLUDED_ */
