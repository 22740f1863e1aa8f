
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_READER_H_INCLUDED_
#define _NGX_EDA_KAFKA_READER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"


typedef struct ngx_eda_kafka_reader_s  ngx_eda_kafka_reader_t;

/*
 * Called in the process's thread with each record read, each end of a
 * partition (RD_KAFKA_RESP_ERR__PARTITION_EOF, msg->offset the end) and
 * each partition whose offset Kafka no longer has or never had
 * (RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET): check msg->err.
 */
typedef void (*ngx_eda_kafka_read_pt)(ngx_eda_kafka_reader_t *kr,
    const rd_kafka_message_t *msg, void *data);


/*
 * A reader: a consumer of no group that reads given partitions from given
 * offsets, for clients that resume from a cursor.  Made idle, reused.
 */
ngx_eda_kafka_reader_t *ngx_eda_kafka_reader_create(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);

/* reads FROM (offsets set), reporting to HANDLER until unassigned */
ngx_int_t ngx_eda_kafka_reader_assign(ngx_eda_kafka_reader_t *kr,
    rd_kafka_topic_partition_list_t *from, ngx_eda_kafka_read_pt handler,
    void *data);
void ngx_eda_kafka_reader_unassign(ngx_eda_kafka_reader_t *kr);

/* paused, it reports nothing and holds at most a small fetch queue */
void ngx_eda_kafka_reader_pause(ngx_eda_kafka_reader_t *kr,
    ngx_uint_t pause);

/* worker exit */
void ngx_eda_kafka_reader_destroy(ngx_eda_kafka_reader_t *kr);


#endif /* _NGX_EDA_KAFKA_READER_H_INCLUDED_ */
