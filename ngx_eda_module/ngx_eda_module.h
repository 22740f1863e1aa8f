
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_MODULE_H_INCLUDED_
#define _NGX_EDA_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#define NGX_EDA_VERSION  "0.1.0"


typedef struct {
    ngx_str_t              addr;        /* host:port or unix:/path */
    ngx_str_t              password;
    ngx_int_t              db;
    ngx_msec_t             timeout;
    ngx_str_t              prefix;      /* key prefix, default "eda:" */
} ngx_eda_redis_conf_t;


typedef struct {
    ngx_str_t              kafka_brokers;
    ngx_array_t           *kafka_props;  /* ngx_keyval_t */
    ngx_eda_redis_conf_t  *redis;        /* NULL without eda_redis */

    void                  *kafka_check;  /* rd_kafka_conf_t for validation */
} ngx_eda_main_conf_t;


extern ngx_module_t  ngx_eda_module;


#endif /* _NGX_EDA_MODULE_H_INCLUDED_ */
