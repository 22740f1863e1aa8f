
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

/*
 * A directive's name=value parameters from argument FIRST on, each given
 * to PARAM with DATA: NGX_OK, NGX_DECLINED (unknown) or NGX_ERROR
 * (invalid), which fails the directive with a message naming it.
 */
typedef ngx_int_t (*ngx_eda_conf_param_pt)(void *data, ngx_str_t *param);

char *ngx_eda_conf_params(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_uint_t first, ngx_eda_conf_param_pt param, void *data);


#endif /* _NGX_EDA_MODULE_H_INCLUDED_ */
