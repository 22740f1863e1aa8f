
/*
 * Copyright (C) ngx_eda authors
 *
 * The base HTTP module, ngx_eda_module, whose main configuration (see
 * ngx_eda_conf.h) every feature shares, and what its directives offer the
 * other modules at configuration time.
 */


#ifndef _NGX_EDA_MODULE_H_INCLUDED_
#define _NGX_EDA_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_random.h"


#define NGX_EDA_VERSION  "0.1.0"


extern ngx_module_t  ngx_eda_module;


void ngx_eda_require_producer(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf,
    ngx_str_t *directive);


#endif /* _NGX_EDA_MODULE_H_INCLUDED_ */
