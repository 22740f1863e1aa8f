
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_REPLIES_H_INCLUDED_
#define _NGX_EDA_SAGA_REPLIES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_saga_job.h"


/*
 * Participants' replies from Kafka (ngx_eda_saga_replies.c): each one a
 * job, and the consumer group's offsets, which only move past replies
 * whose transition is written.
 */


/* the consumer's handler: DATA is the coordinator */
void ngx_eda_saga_record(const rd_kafka_message_t *msg, void *data);

/*
 * The record at OFFSET of PART needs nothing more: the group's offset
 * moves past everything dealt with once nothing before it is pending.
 */
void ngx_eda_saga_dealt_with(ngx_eda_saga_coord_t *coord,
    ngx_eda_saga_part_t *part, int64_t offset);


#endif /* _NGX_EDA_SAGA_REPLIES_H_INCLUDED_ */
