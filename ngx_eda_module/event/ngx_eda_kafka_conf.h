
/*
 * Copyright (C) ngx_eda authors
 *
 * What every Kafka client of the gateway shares: checking eda_kafka_*
 * settings while the configuration is read, the librdkafka configuration
 * built from them, and a handle whose logs reach nginx's log only from
 * the process's own thread.
 */


#ifndef _NGX_EDA_KAFKA_CONF_H_INCLUDED_
#define _NGX_EDA_KAFKA_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <pthread.h>
#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"


/*
 * The first member of every librdkafka handle's opaque: librdkafka's logs
 * reach nginx's log only from the worker's own thread.
 */
typedef struct {
    ngx_log_t                    *log;
    pthread_t                     thread;

    /* ngx_eda_kafka_observe(): whose statistics, NULL emcf for none */
    ngx_eda_main_conf_t          *emcf;
    ngx_uint_t                    role;
    time_t                        ttl;
} ngx_eda_kafka_opaque_t;


/* a librdkafka property; a NULL value leaves it as it is */
typedef struct {
    const char                   *name;
    const char                   *value;
} ngx_eda_kafka_setting_t;


/* Kafka's rules for a topic name; logs the error against the directive */
ngx_int_t ngx_eda_kafka_topic_check(ngx_conf_t *cf, ngx_str_t *directive,
    ngx_str_t *topic);

/*
 * An eda_kafka_property NAME VALUE tried on a scratch configuration, so a
 * bad one is reported with librdkafka's reason against DIRECTIVE.
 */
ngx_int_t ngx_eda_kafka_property_check(ngx_conf_t *cf,
    ngx_eda_main_conf_t *emcf, ngx_str_t *directive, ngx_str_t *name,
    ngx_str_t *value);

/*
 * A client's configuration: DEFAULTS (ended by a NULL name), then the
 * brokers and the operator's properties, then logging through the log
 * queue.  NULL with the reason in ERRSTR.
 */
rd_kafka_conf_t *ngx_eda_kafka_conf_create(ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_setting_t *defaults, char *errstr, size_t errlen);

/* SETTINGS (ended by a NULL name) set in order on CONF */
ngx_int_t ngx_eda_kafka_conf_set(rd_kafka_conf_t *conf,
    ngx_eda_kafka_setting_t *settings, char *errstr, size_t errlen);

/*
 * A handle of TYPE on CONF, which it takes over even when it fails, its
 * logs served by the queue the process polls.
 */
rd_kafka_t *ngx_eda_kafka_client(rd_kafka_type_t type, rd_kafka_conf_t *conf,
    void *opaque, ngx_log_t *log);


#endif /* _NGX_EDA_KAFKA_CONF_H_INCLUDED_ */
