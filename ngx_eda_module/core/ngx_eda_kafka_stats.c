
/*
 * Copyright (C) ngx_eda authors
 *
 * librdkafka's statistics JSON, read with jansson.  Brokers are those
 * with a node id (the bootstrap entries, node id -1, are addresses, not
 * brokers), logical connections (the group coordinator's) left out; a
 * partition's lag is reported only while it is fetched.
 */


#include <string.h>

#include <jansson.h>

#include "ngx_eda_kafka_stats.h"


static void ngx_eda_kafka_stats_brokers(json_t *brokers,
    ngx_eda_kafka_stats_t *out);
static void ngx_eda_kafka_stats_topics(json_t *topics,
    ngx_eda_kafka_stats_lag_pt lag, void *data);
static int64_t ngx_eda_kafka_stats_int(json_t *o, const char *name);


int
ngx_eda_kafka_stats_parse(const char *json, size_t len,
    ngx_eda_kafka_stats_t *out, ngx_eda_kafka_stats_lag_pt lag, void *data)
{
    json_t        *doc, *v;
    json_error_t   err;

    memset(out, 0, sizeof(ngx_eda_kafka_stats_t));

    doc = json_loadb(json, len, 0, &err);
    if (doc == NULL) {
        return -1;
    }

    if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "type")))
    {
        json_decref(doc);
        return -1;
    }

    v = json_object_get(doc, "msg_cnt");
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        out->msg_cnt = json_integer_value(v);
    }

    ngx_eda_kafka_stats_brokers(json_object_get(doc, "brokers"), out);

    if (lag != NULL) {
        ngx_eda_kafka_stats_topics(json_object_get(doc, "topics"), lag,
                                   data);
    }

    json_decref(doc);

    return 0;
}


static void
ngx_eda_kafka_stats_brokers(json_t *brokers, ngx_eda_kafka_stats_t *out)
{
    json_t      *b, *id, *state, *source;
    const char  *name;

    if (!json_is_object(brokers)) {
        return;
    }

    json_object_foreach(brokers, name, b) {
        id = json_object_get(b, "nodeid");
        state = json_object_get(b, "state");
        source = json_object_get(b, "source");

        if (!json_is_integer(id) || json_integer_value(id) < 0) {
            continue;
        }

        /* the group coordinator's connection is another to a known one */

        if (json_is_string(source)
            && strcmp(json_string_value(source), "logical") == 0)
        {
            continue;
        }

        out->brokers++;

        if (json_is_string(state)
            && strcmp(json_string_value(state), "UP") == 0)
        {
            out->brokers_up++;
        }
    }
}


/*
 * A partition's lag from the consumer's position: librdkafka's own
 * consumer_lag is measured from the committed offset, and the fan-out
 * commits nothing.  The end is the last stable offset (read_committed),
 * else the high watermark; the position is the application's (the next
 * record it gets), else, before its first record, where fetching starts.
 */

static void
ngx_eda_kafka_stats_topics(json_t *topics, ngx_eda_kafka_stats_lag_pt lag,
    void *data)
{
    json_t      *t, *parts, *p, *fetch;
    int64_t      partition, end, pos;
    const char  *topic, *key;

    if (!json_is_object(topics)) {
        return;
    }

    json_object_foreach(topics, topic, t) {
        parts = json_object_get(t, "partitions");
        if (!json_is_object(parts)) {
            continue;
        }

        json_object_foreach(parts, key, p) {
            fetch = json_object_get(p, "fetch_state");
            partition = ngx_eda_kafka_stats_int(p, "partition");

            /* -1: the "unassigned" partition librdkafka keeps per topic */

            if (partition < 0 || partition > INT32_MAX
                || !json_is_string(fetch)
                || strcmp(json_string_value(fetch), "active") != 0)
            {
                continue;
            }

            end = ngx_eda_kafka_stats_int(p, "ls_offset");
            if (end < 0) {
                end = ngx_eda_kafka_stats_int(p, "hi_offset");
            }

            pos = ngx_eda_kafka_stats_int(p, "app_offset");
            if (pos < 0) {
                pos = ngx_eda_kafka_stats_int(p, "next_offset");
            }

            if (end < 0 || pos < 0) {
                continue;
            }

            lag(data, topic, (int32_t) partition, end > pos ? end - pos : 0);
        }
    }
}


/* an integer member, or -1 */

static int64_t
ngx_eda_kafka_stats_int(json_t *o, const char *name)
{
    json_t  *v;

    v = json_object_get(o, name);

    return json_is_integer(v) ? (int64_t) json_integer_value(v) : -1;
}
