
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_CONSUMER_H_INCLUDED_
#define _NGX_EDA_KAFKA_CONSUMER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_module.h"


/* called in the worker's thread for every record of the topics */
typedef void (*ngx_eda_kafka_record_pt)(const rd_kafka_message_t *msg,
    void *data);


/* at configuration time: a topic the worker's consumer must read */
ngx_int_t ngx_eda_kafka_consume_topic(ngx_conf_t *cf,
    ngx_eda_main_conf_t *emcf, ngx_str_t *topic);

ngx_int_t ngx_eda_kafka_consumer_init(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf, ngx_eda_kafka_record_pt handler, void *data);
void ngx_eda_kafka_consumer_exit(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);


#endif /* _NGX_EDA_KAFKA_CONSUMER_H_INCLUDED_ */
