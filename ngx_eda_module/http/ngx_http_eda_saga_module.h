
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_SAGA_MODULE_H_INCLUDED_
#define _NGX_HTTP_EDA_SAGA_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * eda_saga_definitions and eda_saga (ngx_http_eda_saga_module.c); the
 * coordinator and the store it shares with them are in saga/.
 */


extern ngx_module_t  ngx_http_eda_saga_module;


#endif /* _NGX_HTTP_EDA_SAGA_MODULE_H_INCLUDED_ */
