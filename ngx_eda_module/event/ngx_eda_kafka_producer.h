
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_PRODUCER_H_INCLUDED_
#define _NGX_EDA_KAFKA_PRODUCER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_conf.h"


typedef struct ngx_eda_kafka_dr_s  ngx_eda_kafka_dr_t;

typedef void (*ngx_eda_kafka_dr_handler_pt)(ngx_eda_kafka_dr_t *dr);


/*
 * The delivery report of one message a caller waits for.  It is allocated
 * by ngx_eda_kafka_dr_create() and owned by the producer until the report
 * arrives: a caller that goes away (a closed client connection) calls
 * ngx_eda_kafka_dr_detach() and the producer frees it silently later.  A
 * message ngx_eda_kafka_produce() refuses leaves its report with the
 * caller, to free with ngx_free().
 */
struct ngx_eda_kafka_dr_s {
    ngx_eda_kafka_dr_handler_pt   handler;   /* NULL once detached */
    void                         *data;

    ngx_int_t                     err;       /* rd_kafka_resp_err_t */
    const char                   *errstr;
    ngx_int_t                     persisted; /* rd_kafka_msg_status_t */
    int32_t                       partition;
    int64_t                       offset;
    ngx_msec_t                    start;
};


typedef struct {
    ngx_str_t                     name;
    ngx_str_t                     value;
} ngx_eda_kafka_header_t;


typedef struct {
    const char                   *topic;     /* NUL-terminated */
    ngx_str_t                     key;       /* data NULL: no key */
    ngx_str_t                     value;
    ngx_eda_kafka_header_t       *headers;
    ngx_uint_t                    nheaders;
} ngx_eda_kafka_msg_t;


/* why ngx_eda_kafka_produce() refused a message */
typedef enum {
    NGX_EDA_KAFKA_OK = 0,
    NGX_EDA_KAFKA_NO_PRODUCER,      /* not configured or failed to start */
    NGX_EDA_KAFKA_BROKERS_DOWN,     /* all brokers down, a probe in flight */
    NGX_EDA_KAFKA_QUEUE_FULL,       /* the bounded producer queue is full */
    NGX_EDA_KAFKA_TOO_LARGE,        /* over message.max.bytes */
    NGX_EDA_KAFKA_FAILED            /* any other refusal */
} ngx_eda_kafka_refusal_e;


/*
 * What the producer reports, for whoever counts it (the metrics): called
 * in the process's thread, they must not produce.
 */
struct ngx_eda_kafka_hooks_s {
    /* librdkafka took a message (NGX_EDA_KAFKA_OK) or why it was refused */
    void  (*produced)(ngx_eda_main_conf_t *emcf, ngx_eda_kafka_refusal_e rc);

    /* a delivery report; ERR is its rd_kafka_resp_err_t */
    void  (*delivered)(ngx_eda_main_conf_t *emcf, ngx_int_t err);

    /* the time a caller waited for its message's delivery report */
    void  (*waited)(ngx_eda_main_conf_t *emcf, ngx_msec_t ms);

    /* the messages in the producer now */
    void  (*queued)(ngx_eda_main_conf_t *emcf, ngx_uint_t n);
};


ngx_int_t ngx_eda_kafka_producer_init(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);
void ngx_eda_kafka_producer_exit(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);
ngx_int_t ngx_eda_kafka_producer_conf_check(ngx_conf_t *cf,
    ngx_eda_main_conf_t *emcf);

ngx_eda_kafka_dr_t *ngx_eda_kafka_dr_create(ngx_log_t *log);
void ngx_eda_kafka_dr_detach(ngx_eda_kafka_dr_t *dr);

ngx_eda_kafka_refusal_e ngx_eda_kafka_produce(ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_msg_t *msg, ngx_eda_kafka_dr_t *dr, ngx_log_t *log);

ngx_msec_t ngx_eda_kafka_delivery_timeout(ngx_eda_main_conf_t *emcf);


#endif /* _NGX_EDA_KAFKA_PRODUCER_H_INCLUDED_ */
