
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_JWT_MODULE_H_INCLUDED_
#define _NGX_HTTP_EDA_JWT_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


extern ngx_module_t  ngx_http_eda_jwt_module;


/*
 * The exp claim of the token the request was admitted with, 0 when it was
 * admitted without one: long-lived connections end with their credentials.
 */
time_t ngx_http_eda_jwt_expires(ngx_http_request_t *r);

/*
 * For a location whose clients give their token after the request (a
 * Socket.IO CONNECT): the access phase lets every request through, and
 * the module that reads the token asks for its judgement.
 */
void ngx_http_eda_jwt_defer(ngx_conf_t *cf);

/* 1 if the location has eda_jwt on or optional */
ngx_uint_t ngx_http_eda_jwt_enabled(ngx_http_request_t *r);

/*
 * Judges TOKEN with the location's eda_jwt settings, L1/L2 caches and
 * revocation, as the access phase would.  NGX_OK: judged now; NGX_AGAIN:
 * JUDGED(DATA) is called once it is (the request must stay); NGX_ERROR.
 * Then ngx_http_eda_jwt_outcome() says what, and ngx_http_eda_jwt_expires()
 * and the $eda_jwt_* variables are the token's.
 */
ngx_int_t ngx_http_eda_jwt_judge(ngx_http_request_t *r, ngx_str_t *token,
    void (*judged)(void *data), void *data);

/*
 * NGX_OK for an admitted token; else the status a request would get
 * (401, 403, 500) with *DESC saying why.
 */
ngx_int_t ngx_http_eda_jwt_outcome(ngx_http_request_t *r, const char **desc);


#endif /* _NGX_HTTP_EDA_JWT_MODULE_H_INCLUDED_ */
