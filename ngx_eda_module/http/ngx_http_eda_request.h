
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_REQUEST_H_INCLUDED_
#define _NGX_HTTP_EDA_REQUEST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * The request body read (ngx_http_read_client_request_body) as one string:
 * the buffer itself when it is one, else a copy in r->pool (parts written
 * to a temporary file are read back).
 */
ngx_int_t ngx_http_eda_request_body(ngx_http_request_t *r, ngx_str_t *body);

/* the value of the request's first header NAME (any case), or NULL */
ngx_str_t *ngx_http_eda_find_header(ngx_http_request_t *r, const char *name,
    size_t len);

/*
 * 1 if Content-Type CT starts with the media type TYPE (any case), ended
 * there, by a parameter or by a "+" suffix
 */
ngx_uint_t ngx_http_eda_media_type_is(ngx_str_t *ct, const char *type,
    size_t len);


#endif /* _NGX_HTTP_EDA_REQUEST_H_INCLUDED_ */
