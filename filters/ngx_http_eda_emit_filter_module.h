
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_EMIT_FILTER_MODULE_H_INCLUDED_
#define _NGX_HTTP_EDA_EMIT_FILTER_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_emit_body.h"


/* what became of a response: $eda_emit_status */
#define NGX_HTTP_EDA_EMIT_SKIPPED     0
#define NGX_HTTP_EDA_EMIT_COLLECTING  1
#define NGX_HTTP_EDA_EMIT_QUEUED      2
#define NGX_HTTP_EDA_EMIT_FAILED      3


typedef struct {
    ngx_str_t                   topic;        /* NUL-terminated */
    ngx_uint_t                  on;
    size_t                      max_body;
} ngx_http_eda_emit_loc_conf_t;


/* a response on its way to the client */
typedef struct {
    ngx_uint_t                  state;
    ngx_uint_t                  status;
    ngx_str_t                   content_type;
    ngx_str_t                   location;
    ngx_http_eda_emit_body_t    body;
} ngx_http_eda_emit_ctx_t;


extern ngx_module_t  ngx_http_eda_emit_filter_module;


/*
 * The response is not emitted: counted, and logged at LEVEL (at most a
 * few times a second) with the REASON and the attribute ATTR it concerns
 * (NULL or empty: none).
 */
void ngx_http_eda_emit_fail(ngx_http_request_t *r,
    ngx_http_eda_emit_ctx_t *ctx, ngx_uint_t level, const char *reason,
    ngx_str_t *attr);


#endif /* _NGX_HTTP_EDA_EMIT_FILTER_MODULE_H_INCLUDED_ */
