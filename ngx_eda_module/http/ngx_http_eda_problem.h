
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_PROBLEM_H_INCLUDED_
#define _NGX_HTTP_EDA_PROBLEM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * An RFC 9457 problem: the status, a human-readable detail and, when the
 * problem is about one field (an event attribute), its name.
 */
typedef struct {
    ngx_uint_t   status;
    ngx_str_t    detail;
    ngx_str_t    attribute;     /* len 0: none */
    time_t       retry_after;   /* 0: no Retry-After header */
    const char  *allow;         /* a 405's Allow header */
} ngx_http_eda_problem_t;


/*
 * Sends the problem as application/problem+json and returns what the
 * content handler passes to ngx_http_finalize_request().
 */
ngx_int_t ngx_http_eda_problem_send(ngx_http_request_t *r,
    ngx_http_eda_problem_t *p);

/*
 * The common case: a status and a detail (and Retry-After when not 0); a
 * body not read yet is discarded, so keepalive survives the refusal.
 */
ngx_int_t ngx_http_eda_problem(ngx_http_request_t *r, ngx_uint_t status,
    const char *detail, time_t retry_after);

/* 405 with the methods the location takes in Allow ("GET, POST") */
ngx_int_t ngx_http_eda_not_allowed(ngx_http_request_t *r, const char *allow,
    const char *detail);

/*
 * Sends B (in memory, the whole body) with STATUS and Content-Type TYPE (a
 * static string); returns what the content handler passes on.
 */
ngx_int_t ngx_http_eda_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, ngx_buf_t *b);


#endif /* _NGX_HTTP_EDA_PROBLEM_H_INCLUDED_ */
