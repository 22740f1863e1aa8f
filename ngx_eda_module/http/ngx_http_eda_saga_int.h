
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_SAGA_INT_H_INCLUDED_
#define _NGX_HTTP_EDA_SAGA_INT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_redis.h"
#include "ngx_eda_saga_coordinator.h"


/*
 * What the files of eda_saga share: its configuration and request
 * context, and the calls between ngx_http_eda_saga_module.c (directives,
 * GET) and ngx_http_eda_saga_start.c (POST).
 */


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   file;
    ngx_uint_t                  line;
} ngx_http_eda_saga_use_t;


/* an eda_saga_extension */
typedef struct {
    ngx_str_t                   name;          /* NUL-terminated */
    ngx_http_complex_value_t    value;
} ngx_http_eda_saga_ext_t;


typedef struct {
    ngx_eda_saga_conf_t         saga;          /* the coordinator's */
    ngx_array_t                *uses;          /* eda_saga names to check */
    ngx_int_t                   jwt_sub;       /* $eda_jwt_sub's index */
} ngx_http_eda_saga_main_conf_t;


typedef struct {
    ngx_str_t                   name;          /* eda_saga */
    ngx_str_t                   base;          /* the location's, "/" ended */
    size_t                      max_input;
    ngx_http_complex_value_t   *key_scope;
    ngx_array_t                *extensions;    /* ngx_http_eda_saga_ext_t */
} ngx_http_eda_saga_loc_conf_t;


typedef struct {
    ngx_eda_redis_cmd_t        *cmd;
    ngx_str_t                   id;
    ngx_str_t                   href;          /* base and id */
} ngx_http_eda_saga_ctx_t;


/* ngx_http_eda_saga_module.c */

/* the request's context, its Redis command detached when it goes first */
ngx_http_eda_saga_ctx_t *ngx_http_eda_saga_ctx(ngx_http_request_t *r);

/* BODY (in r->pool), application/json, with STATUS */
ngx_int_t ngx_http_eda_saga_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len);

/* ngx_http_eda_saga_start.c */

/* a POST: what the content handler returns */
ngx_int_t ngx_http_eda_saga_post(ngx_http_request_t *r);


#endif /* _NGX_HTTP_EDA_SAGA_INT_H_INCLUDED_ */
