
/*
 * Copyright (C) ngx_eda authors
 *
 * Random bytes for ids (event ids, group and connection names), drawn
 * from OpenSSL a block at a time and kept per process.
 */


#ifndef _NGX_EDA_RANDOM_H_INCLUDED_
#define _NGX_EDA_RANDOM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"


/* forgets what the parent process drew: call in init_process */
void ngx_eda_random_init_process(ngx_eda_main_conf_t *emcf);

ngx_int_t ngx_eda_random(ngx_eda_main_conf_t *emcf, u_char *out, size_t n);


#endif /* _NGX_EDA_RANDOM_H_INCLUDED_ */
