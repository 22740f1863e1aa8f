
/*
 * Copyright (C) ngx_eda authors
 *
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as the
 * gateway uses it: a traceparent parsed and written, a hop's own span
 * derived from the span it continues, and what a finished span is for the
 * exporter.  No nginx types: unit-tested and fuzzed as it is.
 */


#ifndef _NGX_EDA_TRACE_H_INCLUDED_
#define _NGX_EDA_TRACE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_EDA_TRACEPARENT_LEN   55     /* 00-<32>-<16>-<2> */
#define NGX_EDA_TRACE_ID_HEX      32
#define NGX_EDA_SPAN_ID_HEX       16
#define NGX_EDA_TRACESTATE_MAX    512

#define NGX_EDA_TRACE_SAMPLED     0x01


typedef struct {
    uint8_t   trace_id[16];
    uint8_t   span_id[8];        /* this hop's span */
    uint8_t   parent_id[8];      /* the span it continues; zero: a root */
    uint8_t   flags;             /* trace-flags, sampled = 0x01 */
} ngx_eda_trace_t;


/*
 * Parses a traceparent header value into T's trace id, parent id (the
 * caller's span id) and flags; 0 on success, -1 when the value is not a
 * valid traceparent (a version other than 00 is read by its first four
 * fields, as the specification asks, unless it is ff; all-zero ids are
 * invalid).  T's span_id is left alone.
 */
int ngx_eda_trace_parse(ngx_eda_trace_t *t, const char *s, size_t len);

/*
 * ngx_eda_trace_child() makes T's span_id a new span (from RANDOM[16..23])
 * and leaves the trace, parent and flags as they are: after a parse, T is
 * then a child of the caller's span.  ngx_eda_trace_root() makes T a new
 * trace: trace id from RANDOM[0..15], span id from RANDOM[16..23], no
 * parent, FLAGS.  RANDOM is 24 bytes; a zero id is nudged to non-zero.
 */
void ngx_eda_trace_child(ngx_eda_trace_t *t, const uint8_t *random);
void ngx_eda_trace_root(ngx_eda_trace_t *t, const uint8_t *random,
    uint8_t flags);

/* writes "00-<trace>-<span>-<flags>", NGX_EDA_TRACEPARENT_LEN bytes */
void ngx_eda_trace_format(const ngx_eda_trace_t *t, char *out);

/* lower-case hex of N bytes of ID into OUT (2 * N bytes, no NUL) */
void ngx_eda_trace_hex(const uint8_t *id, size_t n, char *out);

/* 1 if the value is a tracestate the gateway may pass on as it is */
int ngx_eda_trace_valid_state(const char *s, size_t len);


#endif /* _NGX_EDA_TRACE_H_INCLUDED_ */
