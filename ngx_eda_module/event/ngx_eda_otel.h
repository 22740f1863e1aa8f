
/*
 * Copyright (C) ngx_eda authors
 *
 * Span export over OTLP/HTTP: each process keeps the spans it finished
 * in a bounded queue and posts them in batches to the collector of
 * eda_otel_exporter, never waiting for it; a span that finds the queue
 * full is dropped and counted.
 */


#ifndef _NGX_EDA_OTEL_H_INCLUDED_
#define _NGX_EDA_OTEL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_trace.h"


typedef enum {
    NGX_EDA_SPAN_INTERNAL = 1,
    NGX_EDA_SPAN_SERVER,
    NGX_EDA_SPAN_CLIENT,
    NGX_EDA_SPAN_PRODUCER,
    NGX_EDA_SPAN_CONSUMER
} ngx_eda_span_kind_e;


#define NGX_EDA_SPAN_MAX_ATTRS  6

typedef struct {
    ngx_eda_trace_t       trace;        /* ids: its own and its parent's */
    ngx_str_t             name;         /* e.g. "publish orders" */
    ngx_eda_span_kind_e   kind;
    uint64_t              start_ns;     /* Unix time in nanoseconds */
    uint64_t              end_ns;
    unsigned              error:1;      /* status ERROR, else UNSET/OK */
    ngx_str_t             status_message;
    ngx_uint_t            nattrs;
    ngx_keyval_t          attrs[NGX_EDA_SPAN_MAX_ATTRS];  /* strings */
} ngx_eda_span_t;


/*
 * Hands a finished span to this process's exporter: copied, so SPAN and
 * its strings may go right after the call.  Does nothing when no
 * exporter is configured or the span's trace is not sampled.
 */
void ngx_eda_otel_span(ngx_eda_main_conf_t *emcf, const ngx_eda_span_t *span);

/* the current time as Unix nanoseconds, for start_ns and end_ns */
uint64_t ngx_eda_otel_now(void);


#endif /* _NGX_EDA_OTEL_H_INCLUDED_ */
