
/*
 * Copyright (C) ngx_eda authors
 *
 * OTLP/HTTP with the JSON encoding
 * (https://opentelemetry.io/docs/specs/otlp/): a batch of finished spans
 * as one ExportTraceServiceRequest, and the status line of the
 * collector's answer.  No nginx types: unit-tested and fuzzed as it is.
 */


#ifndef _NGX_EDA_OTLP_H_INCLUDED_
#define _NGX_EDA_OTLP_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_EDA_OTLP_MAX_ATTRS   12
#define NGX_EDA_OTLP_STR_MAX     1024    /* bytes kept of any one string */

/* OTLP SpanKind values */
#define NGX_EDA_OTLP_KIND_INTERNAL  1
#define NGX_EDA_OTLP_KIND_SERVER    2
#define NGX_EDA_OTLP_KIND_CLIENT    3
#define NGX_EDA_OTLP_KIND_PRODUCER  4
#define NGX_EDA_OTLP_KIND_CONSUMER  5


typedef struct {
    const char  *data;
    size_t       len;
} ngx_eda_otlp_str_t;


typedef struct {
    ngx_eda_otlp_str_t  key;
    ngx_eda_otlp_str_t  value;          /* a string attribute */
} ngx_eda_otlp_attr_t;


typedef struct {
    uint8_t              trace_id[16];
    uint8_t              span_id[8];
    uint8_t              parent_id[8];  /* all zero: a root span */
    uint8_t              flags;         /* W3C trace-flags */
    int                  kind;          /* NGX_EDA_OTLP_KIND_*, else 0 */
    int                  error;         /* 1: status ERROR, else UNSET */
    uint64_t             start_ns;      /* Unix time in nanoseconds */
    uint64_t             end_ns;
    ngx_eda_otlp_str_t   name;
    ngx_eda_otlp_str_t   status_message;   /* with error only */
    size_t               nattrs;
    ngx_eda_otlp_attr_t  attrs[NGX_EDA_OTLP_MAX_ATTRS];
} ngx_eda_otlp_span_t;


/* what every span of a process shares: the resource and the scope */
typedef struct {
    ngx_eda_otlp_str_t   service_name;     /* service.name */
    ngx_eda_otlp_str_t   instance_id;      /* service.instance.id, or {0} */
    ngx_eda_otlp_str_t   scope_name;
    ngx_eda_otlp_str_t   scope_version;
} ngx_eda_otlp_resource_t;


/*
 * A copy of SPAN in one malloc()ed block, free()d as one: each string cut
 * to NGX_EDA_OTLP_STR_MAX bytes at a character boundary, invalid UTF-8
 * bytes replaced by '?', attributes beyond NGX_EDA_OTLP_MAX_ATTRS left
 * out.  NULL when memory is short.
 */
ngx_eda_otlp_span_t *ngx_eda_otlp_span_copy(const ngx_eda_otlp_span_t *span);

/*
 * The ExportTraceServiceRequest of N spans (valid UTF-8 strings, as
 * ngx_eda_otlp_span_copy() makes them) as compact JSON in a malloc()ed
 * buffer of *LEN bytes (no NUL), free()d by the caller; NULL when memory
 * is short or a string is not UTF-8.
 */
char *ngx_eda_otlp_encode(const ngx_eda_otlp_resource_t *res,
    ngx_eda_otlp_span_t *const *spans, size_t n, size_t *len);

/*
 * The status code of the HTTP/1.x response that starts with the LEN
 * bytes at P: 100 to 599 once the status line's code is there, 0 while
 * the bytes so far can still start a status line, -1 when they cannot.
 */
int ngx_eda_otlp_status(const char *p, size_t len);


#endif /* _NGX_EDA_OTLP_H_INCLUDED_ */
