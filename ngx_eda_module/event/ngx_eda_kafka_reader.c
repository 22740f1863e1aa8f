
/*
 * Copyright (C) ngx_eda authors
 *
 * Readers: consumers that read chosen partitions from chosen offsets, for
 * clients that resume from a cursor.  Each has a group id of its own only
 * because librdkafka's consumer API wants one: it never joins the group
 * (partitions are assigned, not subscribed) and never commits.  An offset
 * Kafka does not have is reported, not reset.  Records reach the process's
 * thread through the wake-up pipe, like every consumer's.  A reader is
 * kept and reused: making one costs threads and broker connections.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_conf.h"
#include "ngx_eda_kafka_reader.h"
#include "ngx_eda_kafka_wake.h"
#include "ngx_eda_random.h"


#define NGX_EDA_READER_BATCH  64


struct ngx_eda_kafka_reader_s {
    ngx_eda_kafka_opaque_t    base;
    rd_kafka_t               *rk;
    ngx_eda_kafka_wake_t      wake;
    ngx_eda_kafka_read_pt     handler;
    void                     *data;
    unsigned                  paused:1;
};


static rd_kafka_conf_t *ngx_eda_kafka_reader_conf(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);
static void ngx_eda_kafka_reader_read(ngx_event_t *rev);
static void ngx_eda_kafka_reader_error(rd_kafka_t *rk, int err,
    const char *reason, void *opaque);


ngx_eda_kafka_reader_t *
ngx_eda_kafka_reader_create(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    rd_kafka_t              *rk;
    rd_kafka_conf_t         *conf;
    ngx_eda_kafka_reader_t  *kr;

    kr = ngx_pcalloc(cycle->pool, sizeof(ngx_eda_kafka_reader_t));
    if (kr == NULL) {
        return NULL;
    }

    kr->base.log = cycle->log;
    kr->base.thread = pthread_self();

    conf = ngx_eda_kafka_reader_conf(cycle, emcf);
    if (conf == NULL) {
        return NULL;
    }

    rk = ngx_eda_kafka_client(RD_KAFKA_CONSUMER, conf, kr, cycle->log);
    if (rk == NULL) {
        return NULL;
    }

    kr->rk = rk;

    (void) rd_kafka_poll_set_consumer(rk);

    if (ngx_eda_kafka_wake_start(&kr->wake, rd_kafka_queue_get_consumer(rk),
                                 ngx_eda_kafka_reader_read, kr, cycle->log)
        != NGX_OK)
    {
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        return NULL;
    }

    return kr;
}


static rd_kafka_conf_t *
ngx_eda_kafka_reader_conf(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    char                      errstr[512];
    u_char                    group[128], rnd[8], *p;
    rd_kafka_conf_t          *conf;
    ngx_eda_kafka_setting_t   defaults[4], settings[5];

    if (ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return NULL;
    }

    p = ngx_snprintf(group, sizeof(group) - 2 * sizeof(rnd) - 1,
                     "ngx_eda-resume-%V-%P-", &cycle->hostname, ngx_pid);
    p = ngx_hex_dump(p, rnd, sizeof(rnd));
    *p = '\0';

    /* a reader is paused by not being polled: a small queue meanwhile */

    defaults[0].name = "fetch.wait.max.ms";
    defaults[0].value = "50";
    defaults[1].name = "queued.max.messages.kbytes";
    defaults[1].value = "1024";
    defaults[2].name = "queued.min.messages";
    defaults[2].value = "1000";
    defaults[3].name = NULL;

    settings[0].name = "group.id";
    settings[0].value = (char *) group;
    settings[1].name = "enable.auto.commit";
    settings[1].value = "false";
    settings[2].name = "auto.offset.reset";
    settings[2].value = "error";
    settings[3].name = "enable.partition.eof";
    settings[3].value = "true";
    settings[4].name = NULL;

    conf = ngx_eda_kafka_conf_create(emcf, defaults, errstr, sizeof(errstr));

    if (conf != NULL
        && ngx_eda_kafka_conf_set(conf, settings, errstr, sizeof(errstr))
           != NGX_OK)
    {
        rd_kafka_conf_destroy(conf);
        conf = NULL;
    }

    if (conf == NULL) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "eda: Kafka reader configuration failed: %s", errstr);
        return NULL;
    }

    rd_kafka_conf_set_error_cb(conf, ngx_eda_kafka_reader_error);

    return conf;
}


ngx_int_t
ngx_eda_kafka_reader_assign(ngx_eda_kafka_reader_t *kr,
    rd_kafka_topic_partition_list_t *from, ngx_eda_kafka_read_pt handler,
    void *data)
{
    rd_kafka_resp_err_t  err;

    err = rd_kafka_assign(kr->rk, from);

    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ngx_log_error(NGX_LOG_ERR, kr->base.log, 0,
                      "eda: Kafka reader: assigning partitions failed: %s",
                      rd_kafka_err2str(err));
        return NGX_ERROR;
    }

    kr->handler = handler;
    kr->data = data;
    kr->paused = 0;

    return NGX_OK;
}


/*
 * Records of the last assignment still queued are dropped by librdkafka
 * once the assignment changes; the handler is gone before that.
 */

void
ngx_eda_kafka_reader_unassign(ngx_eda_kafka_reader_t *kr)
{
    kr->handler = NULL;
    kr->data = NULL;
    kr->paused = 0;

    (void) rd_kafka_assign(kr->rk, NULL);
}


void
ngx_eda_kafka_reader_pause(ngx_eda_kafka_reader_t *kr, ngx_uint_t pause)
{
    if (kr->paused && !pause) {
        ngx_post_event(kr->wake.conn->read, &ngx_posted_events);
    }

    kr->paused = pause;
}


void
ngx_eda_kafka_reader_destroy(ngx_eda_kafka_reader_t *kr)
{
    ngx_eda_kafka_wake_stop(&kr->wake);
    rd_kafka_destroy_flags(kr->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}


static void
ngx_eda_kafka_reader_read(ngx_event_t *rev)
{
    ngx_uint_t               i;
    ngx_connection_t        *c;
    rd_kafka_message_t      *msg;
    ngx_eda_kafka_reader_t  *kr;

    c = rev->data;
    kr = c->data;

    ngx_eda_kafka_wake_drain(c);

    for (i = 0; i < NGX_EDA_READER_BATCH; i++) {

        if (kr->paused) {
            return;
        }

        msg = rd_kafka_consumer_poll(kr->rk, 0);
        if (msg == NULL) {
            return;
        }

        if (kr->handler == NULL) {
            /* idle: what is left of the last assignment */

        } else if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR
                   || msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF
                   || (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET
                       && msg->rkt != NULL))
        {
            kr->handler(kr, msg, kr->data);

        } else {
            ngx_log_error(NGX_LOG_WARN, kr->base.log, 0,
                          "eda: Kafka reader: %s",
                          rd_kafka_message_errstr(msg));
        }

        rd_kafka_message_destroy(msg);
    }

    ngx_post_event(rev, &ngx_posted_events);
}


static void
ngx_eda_kafka_reader_error(rd_kafka_t *rk, int err, const char *reason,
    void *opaque)
{
    ngx_eda_kafka_reader_t *kr = opaque;

    ngx_log_error(NGX_LOG_WARN, kr->base.log, 0,
                  "eda: Kafka reader: %s: %s", rd_kafka_err2name(err),
                  reason);
}
