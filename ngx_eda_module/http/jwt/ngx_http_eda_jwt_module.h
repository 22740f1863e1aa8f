
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


#endif /* _NGX_HTTP_EDA_JWT_MODULE_H_INCLUDED_ */
