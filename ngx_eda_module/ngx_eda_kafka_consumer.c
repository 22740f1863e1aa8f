
/*
 * Copyright (C) ngx_eda authors
 *
 * The per-worker Kafka consumer of the fan-out: every worker reads every
 * partition of the subscribed topics from their end, each in a consumer
 * group of its own (so the broker assigns it all partitions without a
 * blocking metadata request, and nothing is committed).  Records reach the
 * worker's thread as the producer's delivery reports do: librdkafka writes
 * to a pipe when its queue becomes non-empty, and the pipe's read end is
 * an nginx connection.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_module.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_kafka_wake.h"


#define NGX_EDA_CONSUMER_BATCH  256


typedef struct {
    ngx_eda_kafka_opaque_t    base;
    rd_kafka_t               *rk;
    ngx_eda_kafka_wake_t      wake;
    ngx_eda_kafka_record_pt   handler;
    void                     *data;
} ngx_eda_kafka_consumer_t;


static void ngx_eda_kafka_consumer_read(ngx_event_t *rev);
static void ngx_eda_kafka_consumer_error(rd_kafka_t *rk, int err,
    const char *reason, void *opaque);


ngx_int_t
ngx_eda_kafka_consume_topic(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf,
    ngx_str_t *topic)
{
    ngx_str_t   *t;
    ngx_uint_t   i;

    if (emcf->consume_topics == NULL) {
        emcf->consume_topics = ngx_array_create(cf->pool, 4,
                                                sizeof(ngx_str_t));
        if (emcf->consume_topics == NULL) {
            return NGX_ERROR;
        }
    }

    t = emcf->consume_topics->elts;

    for (i = 0; i < emcf->consume_topics->nelts; i++) {
        if (t[i].len == topic->len
            && ngx_strncmp(t[i].data, topic->data, topic->len) == 0)
        {
            return NGX_OK;
        }
    }

    t = ngx_array_push(emcf->consume_topics);
    if (t == NULL) {
        return NGX_ERROR;
    }

    *t = *topic;

    return NGX_OK;
}


ngx_int_t
ngx_eda_kafka_consumer_init(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_record_pt handler, void *data)
{
    char                               errstr[512];
    u_char                             group[128], rnd[8], *p;
    ngx_str_t                         *t;
    ngx_uint_t                         i;
    rd_kafka_t                        *rk;
    rd_kafka_conf_t                   *conf;
    rd_kafka_resp_err_t                err;
    ngx_eda_kafka_consumer_t          *kc;
    rd_kafka_topic_partition_list_t   *list;

    kc = ngx_pcalloc(cycle->pool, sizeof(ngx_eda_kafka_consumer_t));
    if (kc == NULL) {
        return NGX_ERROR;
    }

    kc->base.log = cycle->log;
    kc->base.thread = pthread_self();
    kc->handler = handler;
    kc->data = data;

    if (ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return NGX_ERROR;
    }

    /* a group of its own: every partition, and never a shared offset */

    p = ngx_snprintf(group, sizeof(group) - 2 * sizeof(rnd) - 1,
                     "ngx_eda-fanout-%V-%P-", &cycle->hostname, ngx_pid);
    p = ngx_hex_dump(p, rnd, sizeof(rnd));
    *p = '\0';

    conf = rd_kafka_conf_new();
    if (conf == NULL) {
        return NGX_ERROR;
    }

    if (rd_kafka_conf_set(conf, "auto.offset.reset", "latest", errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "fetch.wait.max.ms", "50", errstr,
                             sizeof(errstr)) != RD_KAFKA_CONF_OK
        || ngx_eda_kafka_conf_apply(conf, emcf, errstr, sizeof(errstr))
           != NGX_OK
        || rd_kafka_conf_set(conf, "group.id", (char *) group, errstr,
                             sizeof(errstr)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr,
                             sizeof(errstr)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "enable.partition.eof", "false", errstr,
                             sizeof(errstr)) != RD_KAFKA_CONF_OK)
    {
        rd_kafka_conf_destroy(conf);
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "eda: Kafka consumer configuration failed: %s",
                      errstr);
        return NGX_ERROR;
    }

    rd_kafka_conf_set_error_cb(conf, ngx_eda_kafka_consumer_error);
    rd_kafka_conf_set_opaque(conf, kc);

    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "eda: creating the Kafka consumer failed: %s", errstr);
        return NGX_ERROR;
    }

    kc->rk = rk;

    (void) rd_kafka_set_log_queue(rk, NULL);
    (void) rd_kafka_poll_set_consumer(rk);

    list = rd_kafka_topic_partition_list_new(emcf->consume_topics->nelts);
    if (list == NULL) {
        goto failed;
    }

    t = emcf->consume_topics->elts;

    for (i = 0; i < emcf->consume_topics->nelts; i++) {
        /* topics are NUL-terminated by the configuration parser */
        (void) rd_kafka_topic_partition_list_add(list, (char *) t[i].data,
                                                 RD_KAFKA_PARTITION_UA);
    }

    err = rd_kafka_subscribe(rk, list);
    rd_kafka_topic_partition_list_destroy(list);

    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "eda: subscribing the Kafka consumer failed: %s",
                      rd_kafka_err2str(err));
        goto failed;
    }

    if (ngx_eda_kafka_wake_start(&kc->wake, rd_kafka_queue_get_consumer(rk),
                                 ngx_eda_kafka_consumer_read, kc, cycle->log)
        != NGX_OK)
    {
        goto failed;
    }

    emcf->consumer = kc;

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "eda: Kafka consumer %s started (group %s)",
                  rd_kafka_name(rk), group);

    return NGX_OK;

failed:

    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);

    return NGX_ERROR;
}


/*
 * Worker exit: the group is the worker's own and holds no offsets, so it
 * is left without the (blocking) consumer close; the broker forgets it
 * after the session timeout.
 */

void
ngx_eda_kafka_consumer_exit(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    ngx_eda_kafka_consumer_t  *kc;

    kc = emcf->consumer;
    if (kc == NULL) {
        return;
    }

    emcf->consumer = NULL;

    ngx_eda_kafka_wake_stop(&kc->wake);
    rd_kafka_destroy_flags(kc->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}


static void
ngx_eda_kafka_consumer_read(ngx_event_t *rev)
{
    ngx_uint_t                 i;
    ngx_connection_t          *c;
    rd_kafka_message_t        *msg;
    ngx_eda_kafka_consumer_t  *kc;

    c = rev->data;
    kc = c->data;

    ngx_eda_kafka_wake_drain(c);

    for (i = 0; i < NGX_EDA_CONSUMER_BATCH; i++) {

        msg = rd_kafka_consumer_poll(kc->rk, 0);
        if (msg == NULL) {
            return;
        }

        if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            kc->handler(msg, kc->data);

        } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            ngx_log_error(NGX_LOG_WARN, kc->base.log, 0,
                          "eda: Kafka consumer: %s",
                          rd_kafka_message_errstr(msg));
        }

        rd_kafka_message_destroy(msg);
    }

    /* more than a batch: the rest on the next turn of the event loop */
    ngx_post_event(rev, &ngx_posted_events);
}


static void
ngx_eda_kafka_consumer_error(rd_kafka_t *rk, int err, const char *reason,
    void *opaque)
{
    ngx_eda_kafka_consumer_t  *kc = opaque;

    ngx_uint_t  level;

    level = (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) ? NGX_LOG_ERR
                                                         : NGX_LOG_WARN;

    ngx_log_error(level, kc->base.log, 0, "eda: Kafka consumer: %s: %s",
                  rd_kafka_err2name(err), reason);
}
