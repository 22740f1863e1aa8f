
/*
 * Copyright (C) ngx_eda authors
 *
 * A request's hop in its W3C trace: the span the gateway opens for it,
 * a child of the caller's traceparent header or the root of a new trace
 * (a traceparent attribute of a posted event is not taken: only the
 * gateway sets that extension).  Every event the request produces
 * carries this span as its traceparent, and the caller's tracestate when
 * it is valid; the variables $eda_trace_id, $eda_span_id and
 * $eda_traceparent show it.
 */


#ifndef _NGX_HTTP_EDA_TRACE_H_INCLUDED_
#define _NGX_HTTP_EDA_TRACE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_otel.h"
#include "ngx_eda_trace.h"


typedef struct {
    ngx_eda_trace_t   trace;
    char              traceparent[NGX_EDA_TRACEPARENT_LEN]; /* this span */
    ngx_str_t         tracestate;     /* the caller's, valid, or empty */
    ngx_uint_t        continued;      /* 1: the caller's trace, 0: new */
} ngx_http_eda_trace_ctx_t;


/*
 * The request's hop, made on first use: a child of the traceparent
 * header, else a new sampled trace.  NULL when out of memory.
 */
ngx_http_eda_trace_ctx_t *ngx_http_eda_trace(ngx_http_request_t *r);

/*
 * Fills T with a span of its own: a child of PARENT (a traceparent value,
 * may be NULL or invalid) or a new sampled trace.  NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_http_eda_trace_span(ngx_eda_main_conf_t *emcf,
    const ngx_eda_ce_str_t *parent, ngx_http_eda_trace_ctx_t *t);

/*
 * Starts SPAN as the request's own span for eda_otel_exporter: its ids,
 * KIND, NAME (kept by the caller), from the request's start to now, and
 * the messaging attributes of a send to TOPIC when it is not NULL.
 * NGX_DECLINED when there is no exporter or no span.
 */
ngx_int_t ngx_http_eda_trace_export(ngx_http_request_t *r,
    ngx_eda_span_t *span, ngx_eda_span_kind_e kind, ngx_str_t *name,
    ngx_str_t *topic);

/* sets the event's traceparent (and tracestate) to T's */
ngx_int_t ngx_http_eda_trace_event(ngx_eda_ce_event_t *ev,
    ngx_http_eda_trace_ctx_t *t);

/* the preconfiguration of ngx_eda_module: the variables */
ngx_int_t ngx_http_eda_trace_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_EDA_TRACE_H_INCLUDED_ */
