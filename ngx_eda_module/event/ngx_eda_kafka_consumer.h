
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_CONSUMER_H_INCLUDED_
#define _NGX_EDA_KAFKA_CONSUMER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_ce.h"


typedef struct ngx_eda_kafka_consumer_s  ngx_eda_kafka_consumer_t;


/*
 * The partitions the group gave (ASSIGNED) or took (!ASSIGNED); called
 * before the consumer reads them (the callee may set where each starts:
 * its offset in PARTS), and before it stops.
 */
typedef void (*ngx_eda_kafka_assign_pt)(
    rd_kafka_topic_partition_list_t *parts, ngx_uint_t assigned,
    void *data);


typedef struct {
    char                     *group;         /* group.id */
    char                     *instance;      /* group.instance.id, or NULL */
    char                     *offset_reset;  /* "latest", "earliest" */
    ngx_array_t              *topics;        /* ngx_str_t, NUL-terminated */
    ngx_uint_t                store;         /* offsets stored by the caller
                                                and committed */
    ngx_uint_t                eof;           /* the end of a partition is
                                                reported: a message with
                                                RD_KAFKA_RESP_ERR__PARTITION_EOF
                                                and the end's offset */
    ngx_eda_kafka_assign_pt   assign;        /* or NULL */
    ngx_uint_t                observe;       /* ngx_eda_kafka_role_e */
} ngx_eda_kafka_consumer_opts_t;


/*
 * Called in the process's thread for every record of the topics (and with
 * opts.eof the ends of partitions: check msg->err).
 */
typedef void (*ngx_eda_kafka_record_pt)(const rd_kafka_message_t *msg,
    void *data);


/* at configuration time: a topic the worker's consumer must read */
ngx_int_t ngx_eda_kafka_consume_topic(ngx_conf_t *cf,
    ngx_eda_main_conf_t *emcf, ngx_str_t *topic);

/*
 * The worker's fan-out consumer, with the ends of partitions and the
 * assignment reported, so its caller knows where it stands in each.
 */
ngx_int_t ngx_eda_kafka_consumer_init(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf, ngx_eda_kafka_record_pt handler,
    ngx_eda_kafka_assign_pt assign, void *data);
void ngx_eda_kafka_consumer_exit(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);

ngx_eda_kafka_consumer_t *ngx_eda_kafka_consumer_create(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf, ngx_eda_kafka_consumer_opts_t *opts,
    ngx_eda_kafka_record_pt handler, void *data);
void ngx_eda_kafka_consumer_store(ngx_eda_kafka_consumer_t *kc,
    const char *topic, int32_t partition, int64_t offset);
void ngx_eda_kafka_consumer_pause(ngx_eda_kafka_consumer_t *kc,
    ngx_uint_t pause);

/*
 * The record as a CloudEvent (ngx_eda_ce_from_kafka()): a structured one
 * as it is; binary mode from its "ce_" headers and content-type; any other
 * record as the data of an event the gateway describes (type
 * "eda.kafka.record", id "topic-partition-offset", source
 * "/kafka/<topic>").  The event points into the message, and into PARSED
 * (free with ngx_eda_ce_parsed_free when PARSED->owned is set).
 * NGX_DECLINED for an invalid structured record.
 */
ngx_int_t ngx_eda_kafka_record_event(const rd_kafka_message_t *msg,
    ngx_eda_ce_event_t *ev, ngx_eda_ce_parsed_t *parsed);


#endif /* _NGX_EDA_KAFKA_CONSUMER_H_INCLUDED_ */
