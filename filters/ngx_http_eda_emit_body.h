
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_EMIT_BODY_H_INCLUDED_
#define _NGX_HTTP_EDA_EMIT_BODY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* the copy of a response body, in r->pool */
typedef struct {
    off_t                       expected;     /* Content-Length or -1 */
    off_t                       received;
    u_char                     *data;
    size_t                      len;
    size_t                      size;
    unsigned                    omitted:1;
} ngx_http_eda_emit_body_t;


/*
 * Adds the bytes of buffer B (in memory or in a file) to the copy; past
 * MAX bytes in all, or for a buffer it cannot read, the copy is omitted.
 * NGX_ERROR: out of memory.
 */
ngx_int_t ngx_http_eda_emit_body_add(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body, ngx_buf_t *b, size_t max);

/* leaves the body out of the event (the copy is freed) */
void ngx_http_eda_emit_body_omit(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body);


#endif /* _NGX_HTTP_EDA_EMIT_BODY_H_INCLUDED_ */
