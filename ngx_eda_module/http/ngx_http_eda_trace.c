
/*
 * Copyright (C) ngx_eda authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_trace.h"


static ngx_int_t ngx_http_eda_trace_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_http_eda_trace_ctx_t *ngx_http_eda_trace_find(
    ngx_http_request_t *r);
static void ngx_http_eda_trace_cleanup(void *data);


#define NGX_HTTP_EDA_TRACE_VAR_TRACE_ID     0
#define NGX_HTTP_EDA_TRACE_VAR_SPAN_ID      1
#define NGX_HTTP_EDA_TRACE_VAR_TRACEPARENT  2


static ngx_http_variable_t  ngx_http_eda_trace_vars[] = {

    { ngx_string("eda_trace_id"), NULL, ngx_http_eda_trace_variable,
      NGX_HTTP_EDA_TRACE_VAR_TRACE_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("eda_span_id"), NULL, ngx_http_eda_trace_variable,
      NGX_HTTP_EDA_TRACE_VAR_SPAN_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("eda_traceparent"), NULL, ngx_http_eda_trace_variable,
      NGX_HTTP_EDA_TRACE_VAR_TRACEPARENT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_eda_trace_span(ngx_eda_main_conf_t *emcf,
    const ngx_eda_ce_str_t *parent, ngx_http_eda_trace_ctx_t *t)
{
    uint8_t  rnd[24];

    if (ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return NGX_ERROR;
    }

    if (parent != NULL
        && ngx_eda_trace_parse(&t->trace, parent->data, parent->len) == 0)
    {
        ngx_eda_trace_child(&t->trace, rnd);
        t->continued = 1;

    } else {
        ngx_eda_trace_root(&t->trace, rnd, NGX_EDA_TRACE_SAMPLED);
        t->continued = 0;
    }

    ngx_eda_trace_format(&t->trace, t->traceparent);
    ngx_str_null(&t->tracestate);

    return NGX_OK;
}


ngx_http_eda_trace_ctx_t *
ngx_http_eda_trace(ngx_http_request_t *r)
{
    ngx_str_t                 *hv;
    ngx_pool_cleanup_t        *cln;
    ngx_eda_ce_str_t           tp, *parent;
    ngx_eda_main_conf_t       *emcf;
    ngx_http_eda_trace_ctx_t  *t;

    /* one span for the request and its subrequests */
    r = r->main;

    t = ngx_http_eda_trace_find(r);
    if (t != NULL) {
        return t;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_eda_trace_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    t = cln->data;
    ngx_memzero(t, sizeof(ngx_http_eda_trace_ctx_t));
    cln->handler = ngx_http_eda_trace_cleanup;

    parent = NULL;

    hv = ngx_http_eda_find_header(r, "traceparent",
                                  sizeof("traceparent") - 1);
    if (hv != NULL) {
        tp.data = (const char *) hv->data;
        tp.len = hv->len;
        parent = &tp;
    }

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (ngx_http_eda_trace_span(emcf, parent, t) != NGX_OK) {
        return NULL;
    }

    /* tracestate goes with the traceparent it came with */
    if (t->continued && hv != NULL) {
        hv = ngx_http_eda_find_header(r, "tracestate",
                                      sizeof("tracestate") - 1);
        if (hv != NULL
            && ngx_eda_trace_valid_state((const char *) hv->data, hv->len))
        {
            t->tracestate = *hv;
        }
    }

    ngx_http_set_ctx(r, t, ngx_eda_module);

    return t;
}


/*
 * The request's span, also after an internal redirect (error_page,
 * try_files, a named location), which clears the request's module
 * contexts: the span lives in a cleanup of the request's pool, found by
 * its handler, as the realip module keeps its context.
 */

static ngx_http_eda_trace_ctx_t *
ngx_http_eda_trace_find(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_eda_trace_ctx_t  *t;

    t = ngx_http_get_module_ctx(r, ngx_eda_module);
    if (t != NULL) {
        return t;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_eda_trace_cleanup) {
            t = cln->data;
            ngx_http_set_ctx(r, t, ngx_eda_module);
            return t;
        }
    }

    return NULL;
}


static void
ngx_http_eda_trace_cleanup(void *data)
{
    /* nothing to free: the handler marks the span's cleanup */
}


ngx_int_t
ngx_http_eda_trace_event(ngx_eda_ce_event_t *ev, ngx_http_eda_trace_ctx_t *t)
{
    if (ngx_eda_ce_set(ev, "traceparent", 11, t->traceparent,
                       NGX_EDA_TRACEPARENT_LEN)
        != 0)
    {
        return NGX_ERROR;
    }

    if (t->tracestate.len == 0) {
        ngx_eda_ce_unset(ev, "tracestate", 10);
        return NGX_OK;
    }

    return ngx_eda_ce_set(ev, "tracestate", 10,
                          (const char *) t->tracestate.data,
                          t->tracestate.len)
           == 0 ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_eda_trace_export(ngx_http_request_t *r, ngx_eda_span_t *span,
    ngx_eda_span_kind_e kind, ngx_str_t *name, ngx_str_t *topic)
{
    ngx_eda_main_conf_t       *emcf;
    ngx_http_eda_trace_ctx_t  *t;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (emcf->otel == NULL) {
        return NGX_DECLINED;
    }

    t = ngx_http_eda_trace(r);
    if (t == NULL) {
        return NGX_DECLINED;
    }

    ngx_memzero(span, sizeof(ngx_eda_span_t));

    span->trace = t->trace;
    span->kind = kind;
    span->name = *name;
    span->start_ns = ((uint64_t) r->start_sec * 1000 + r->start_msec)
                     * 1000000;
    span->end_ns = ngx_eda_otel_now();

    if (topic != NULL) {
        ngx_eda_otel_attr(span, "messaging.system", "kafka", 5);
        ngx_eda_otel_attr(span, "messaging.destination.name", topic->data,
                          topic->len);
        ngx_eda_otel_attr(span, "messaging.operation.type", "send", 4);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_trace_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                    *p;
    ngx_http_eda_trace_ctx_t  *t;

    t = ngx_http_eda_trace(r);
    if (t == NULL) {
        return NGX_ERROR;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    switch (data) {

    case NGX_HTTP_EDA_TRACE_VAR_TRACE_ID:
        p = (u_char *) t->traceparent + 3;
        v->len = NGX_EDA_TRACE_ID_HEX;
        break;

    case NGX_HTTP_EDA_TRACE_VAR_SPAN_ID:
        p = (u_char *) t->traceparent + 36;
        v->len = NGX_EDA_SPAN_ID_HEX;
        break;

    default: /* NGX_HTTP_EDA_TRACE_VAR_TRACEPARENT */
        p = (u_char *) t->traceparent;
        v->len = NGX_EDA_TRACEPARENT_LEN;
        break;
    }

    v->data = p;

    return NGX_OK;
}


ngx_int_t
ngx_http_eda_trace_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_eda_trace_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}
