
/*
 * Copyright (C) ngx_eda authors
 *
 * Span export over OTLP/HTTP: each process keeps the spans it finished
 * in a bounded queue and posts them in batches to the collector of
 * eda_otel_exporter, never waiting for it; a span that finds the queue
 * full is dropped and counted.  Each process that hands it a span (a
 * worker, the saga coordinator) starts its own exporter at the first one.
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


#define NGX_EDA_SPAN_MAX_ATTRS  12

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


/* eda_otel_exporter, parsed at configuration time */
typedef struct {
    ngx_str_t             url;
    ngx_addr_t            addr;         /* resolved in the master */
    ngx_str_t             host;         /* the Host header: host[:port] */
    ngx_str_t             uri;          /* default /v1/traces */
    ngx_str_t             service;      /* service.name, default ngx_eda */
    ngx_str_t             version;      /* the scope's version */
    ngx_uint_t            batch;        /* spans per request */
    ngx_uint_t            queue;        /* spans held per process */
    ngx_msec_t            interval;     /* the longest a span waits */
    ngx_msec_t            timeout;      /* one whole exchange */
} ngx_eda_otel_conf_t;


typedef enum {
    NGX_EDA_OTEL_DROP_QUEUE_FULL = 0,   /* the process's queue was full */
    NGX_EDA_OTEL_DROP_COLLECTOR,        /* refused, unreachable, non-2xx */
    NGX_EDA_OTEL_DROP_TIMEOUT,          /* no answer within timeout= */
    NGX_EDA_OTEL_DROP_EXIT              /* still queued at worker exit */
} ngx_eda_otel_drop_e;


/* what the exporter reports to (the metrics), like the Kafka hooks */
struct ngx_eda_otel_hooks_s {
    void  (*exported)(ngx_eda_main_conf_t *emcf, ngx_uint_t n);
    void  (*dropped)(ngx_eda_main_conf_t *emcf, ngx_eda_otel_drop_e why,
                     ngx_uint_t n);
};


/*
 * The collector's URL: http://host[:port][/path] (https is not supported
 * yet), resolved now; NULL, or the reason it is refused.
 */
char *ngx_eda_otel_set_url(ngx_conf_t *cf, ngx_eda_otel_conf_t *ocf,
    ngx_str_t *url);

/*
 * At worker exit: nothing is sent; the spans still queued or in flight
 * are counted as dropped (exit).
 */
void ngx_eda_otel_exit_process(ngx_eda_main_conf_t *emcf);

/*
 * Hands a finished span to this process's exporter: copied, so SPAN and
 * its strings may go right after the call.  Does nothing when no
 * exporter is configured or the span's trace is not sampled.
 */
void ngx_eda_otel_span(ngx_eda_main_conf_t *emcf, const ngx_eda_span_t *span);

/*
 * Adds an attribute to SPAN, KEY a static string, VALUE LEN bytes the
 * caller keeps until ngx_eda_otel_span(); beyond NGX_EDA_SPAN_MAX_ATTRS
 * it is left out.
 */
void ngx_eda_otel_attr(ngx_eda_span_t *span, const char *key,
    const void *value, size_t len);

/* SPAN's status ERROR with MESSAGE (static, or kept by the caller) */
void ngx_eda_otel_error(ngx_eda_span_t *span, const char *message);

/* the current time as Unix nanoseconds, for start_ns and end_ns */
uint64_t ngx_eda_otel_now(void);


#endif /* _NGX_EDA_OTEL_H_INCLUDED_ */
