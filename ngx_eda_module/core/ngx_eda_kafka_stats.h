
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_STATS_H_INCLUDED_
#define _NGX_EDA_KAFKA_STATS_H_INCLUDED_


/*
 * librdkafka's statistics document (statistics.interval.ms), read for
 * what the gateway exposes: how many brokers a client knows and how many
 * it is connected to, and the lag of every partition a consumer fetches.
 * No nginx types.
 */


#include <stddef.h>
#include <stdint.h>


typedef struct {
    unsigned       brokers;       /* brokers learnt from metadata */
    unsigned       brokers_up;    /* of them, connected (state "UP") */
    int64_t        msg_cnt;       /* messages in the producer's queues */
} ngx_eda_kafka_stats_t;


/*
 * Called for each partition being fetched whose ends librdkafka knows:
 * TOPIC (NUL-terminated, valid during the call), PARTITION >= 0, and LAG,
 * the records after the consumer's position (>= 0).
 */
typedef void (*ngx_eda_kafka_stats_lag_pt)(void *data, const char *topic,
    int32_t partition, int64_t lag);


/* 0, or -1 for a document that is not one of librdkafka's statistics */
int ngx_eda_kafka_stats_parse(const char *json, size_t len,
    ngx_eda_kafka_stats_t *out, ngx_eda_kafka_stats_lag_pt lag, void *data);


#endif /* _NGX_EDA_KAFKA_STATS_H_INCLUDED_ */
