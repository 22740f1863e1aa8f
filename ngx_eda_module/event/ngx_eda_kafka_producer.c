
/*
 * Copyright (C) ngx_eda authors
 *
 * The per-worker Kafka producer.  One librdkafka handle per worker, created
 * in init_process.  librdkafka signals a pipe whenever its main queue goes
 * from empty to non-empty (rd_kafka_queue_io_event_enable); the read end
 * is an nginx connection whose handler serves delivery reports, errors and
 * logs in the worker's own thread, so nothing blocks and no thread is
 * added per request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <pthread.h>
#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_conf.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_kafka_observe.h"
#include "ngx_eda_kafka_wake.h"


/* events served per wake-up before yielding to other connections */
#define NGX_EDA_KAFKA_POLL_BATCH       256

#define NGX_EDA_KAFKA_DEFAULT_TIMEOUT  "10000"


typedef struct {
    /* first: librdkafka's log callback takes the opaque for one of these */
    ngx_eda_kafka_opaque_t   base;      /* log and thread, for logging */
    rd_kafka_t              *rk;
    ngx_eda_kafka_wake_t     wake;
    ngx_eda_main_conf_t     *emcf;

    /*
     * Set when librdkafka reports all brokers down, cleared by the next
     * successful delivery.  While set, one message at a time is let
     * through as a probe; the others are refused at once (503).
     */
    unsigned                 brokers_down:1;
    unsigned                 fatal:1;
    unsigned                 exiting:1;

    /*
     * What the messages in the producer really hold: librdkafka bounds
     * the values by queue.buffering.max.kbytes, the gateway bounds values,
     * keys and headers (CloudEvents attributes) together by the same.
     */
    size_t                   held;
    size_t                   held_max;
} ngx_eda_kafka_producer_t;


static ngx_eda_kafka_refusal_e ngx_eda_kafka_produced(
    ngx_eda_kafka_producer_t *p, ngx_eda_kafka_refusal_e rc);
static rd_kafka_conf_t *ngx_eda_kafka_conf_build(ngx_eda_main_conf_t *emcf,
    char *errstr, size_t errlen);
static void ngx_eda_kafka_dr_msg_cb(rd_kafka_t *rk,
    const rd_kafka_message_t *msg, void *opaque);
static void ngx_eda_kafka_error_cb(rd_kafka_t *rk, int err,
    const char *reason, void *opaque);
static void ngx_eda_kafka_read_handler(ngx_event_t *rev);
static size_t ngx_eda_kafka_delivered_size(const rd_kafka_message_t *msg);


/*
 * The gateway's defaults: no acknowledged event may be lost or duplicated
 * (acks=all with the idempotent producer), a request gets an answer within
 * seconds rather than librdkafka's five minutes, and a worker's queue is
 * bounded well below librdkafka's 1 GB so a Kafka outage cannot grow
 * memory.  Every one can be overridden with eda_kafka_property.
 */
static ngx_eda_kafka_setting_t  ngx_eda_kafka_defaults[] = {
    { "acks", "all" },
    { "enable.idempotence", "true" },
    { "linger.ms", "1" },
    { "message.timeout.ms", NGX_EDA_KAFKA_DEFAULT_TIMEOUT },
    { "queue.buffering.max.messages", "100000" },
    { "queue.buffering.max.kbytes", "65536" },
    { "socket.keepalive.enable", "true" },
    { "client.id", "ngx_eda" },
    { NULL, NULL }
};


ngx_int_t
ngx_eda_kafka_producer_conf_check(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf)
{
    char              errstr[512], acks[16], idem[16], timeout[32];
    size_t            len;
    ngx_int_t         n;
    rd_kafka_conf_t  *conf;

    if (emcf->kafka_brokers.data == NULL) {
        return NGX_DECLINED;
    }

    conf = ngx_eda_kafka_conf_build(emcf, errstr, sizeof(errstr));
    if (conf == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Kafka producer configuration: %s",
                           errstr);
        return NGX_ERROR;
    }

    len = sizeof(acks);
    if (rd_kafka_conf_get(conf, "acks", acks, &len) != RD_KAFKA_CONF_OK) {
        ngx_cpystrn((u_char *) acks, (u_char *) "-1", sizeof(acks));
    }

    len = sizeof(idem);
    if (rd_kafka_conf_get(conf, "enable.idempotence", idem, &len)
        != RD_KAFKA_CONF_OK)
    {
        ngx_cpystrn((u_char *) idem, (u_char *) "true", sizeof(idem));
    }

    len = sizeof(timeout);
    if (rd_kafka_conf_get(conf, "message.timeout.ms", timeout, &len)
        != RD_KAFKA_CONF_OK)
    {
        ngx_cpystrn((u_char *) timeout,
                    (u_char *) NGX_EDA_KAFKA_DEFAULT_TIMEOUT, sizeof(timeout));
    }

    rd_kafka_conf_destroy(conf);

    n = ngx_atoi((u_char *) timeout, ngx_strlen(timeout));

    if (n == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_kafka_property\" message.timeout.ms 0 "
                           "means no delivery timeout: a request waiting for "
                           "Kafka's acknowledgement would never be answered; "
                           "set a limit in ms");
        return NGX_ERROR;
    }

    if (n == NGX_ERROR) {
        n = ngx_atoi((u_char *) NGX_EDA_KAFKA_DEFAULT_TIMEOUT,
                     sizeof(NGX_EDA_KAFKA_DEFAULT_TIMEOUT) - 1);
    }

    emcf->delivery_timeout = n;

    if (ngx_strcmp(acks, "-1") != 0) {

        if (ngx_strcmp(idem, "true") == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"eda_kafka_property\" acks %s conflicts "
                               "with enable.idempotence true (the gateway's "
                               "default): the idempotent producer needs "
                               "acks all; set enable.idempotence false too "
                               "to accept weaker guarantees", acks);
            return NGX_ERROR;
        }

        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"eda_kafka_property\" acks %s weakens the "
                           "publish guarantee: a 2xx no longer means every "
                           "in-sync replica has the event, and a broker "
                           "failure can lose acknowledged events", acks);

    } else if (ngx_strcmp(idem, "true") != 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"eda_kafka_property\" enable.idempotence "
                           "false weakens the publish guarantee: "
                           "librdkafka's retries can write an event twice");
    }

    return NGX_OK;
}


ngx_msec_t
ngx_eda_kafka_delivery_timeout(ngx_eda_main_conf_t *emcf)
{
    return emcf->delivery_timeout;
}


static rd_kafka_conf_t *
ngx_eda_kafka_conf_build(ngx_eda_main_conf_t *emcf, char *errstr,
    size_t errlen)
{
    rd_kafka_conf_t  *conf;

    conf = ngx_eda_kafka_conf_create(emcf, ngx_eda_kafka_defaults, errstr,
                                     errlen);
    if (conf == NULL) {
        return NULL;
    }

    rd_kafka_conf_set_dr_msg_cb(conf, ngx_eda_kafka_dr_msg_cb);
    rd_kafka_conf_set_error_cb(conf, ngx_eda_kafka_error_cb);

    return conf;
}


ngx_int_t
ngx_eda_kafka_producer_init(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    char                       errstr[512], kbytes[32];
    size_t                     len;
    ngx_int_t                  n;
    rd_kafka_t                *rk;
    rd_kafka_conf_t           *conf;
    ngx_eda_kafka_producer_t  *p;

    p = ngx_pcalloc(cycle->pool, sizeof(ngx_eda_kafka_producer_t));
    if (p == NULL) {
        return NGX_ERROR;
    }

    p->base.log = cycle->log;
    p->emcf = emcf;
    p->base.thread = pthread_self();

    conf = ngx_eda_kafka_conf_build(emcf, errstr, sizeof(errstr));
    if (conf == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "eda: Kafka producer configuration failed: %s",
                      errstr);
        return NGX_ERROR;
    }

    ngx_eda_kafka_observe(conf, emcf, &p->base, NGX_EDA_KAFKA_PRODUCER_ROLE);

    len = sizeof(kbytes);
    p->held_max = 65536 * 1024;

    if (rd_kafka_conf_get(conf, "queue.buffering.max.kbytes", kbytes, &len)
        == RD_KAFKA_CONF_OK)
    {
        n = ngx_atoi((u_char *) kbytes, ngx_strlen(kbytes));
        if (n > 0) {
            p->held_max = (size_t) n * 1024;
        }
    }

    rk = ngx_eda_kafka_client(RD_KAFKA_PRODUCER, conf, p, cycle->log);
    if (rk == NULL) {
        return NGX_ERROR;
    }

    p->rk = rk;

    if (ngx_eda_kafka_wake_start(&p->wake, rd_kafka_queue_get_main(rk),
                                 ngx_eda_kafka_read_handler, p, cycle->log)
        != NGX_OK)
    {
        rd_kafka_destroy(rk);
        return NGX_ERROR;
    }

    emcf->producer = p;

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "eda: Kafka producer %s started (brokers %V)",
                  rd_kafka_name(rk), &emcf->kafka_brokers);

    return NGX_OK;
}


/*
 * Worker exit (reload, quit): librdkafka gets a bounded time to deliver
 * what is queued, then whatever is left is counted, logged and purged.
 * Waiting requests are gone by now: nginx keeps a worker alive while a
 * request waits, through the request's delivery timer.
 */

void
ngx_eda_kafka_producer_exit(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    int                        left;
    ngx_eda_kafka_producer_t  *p;

    p = emcf->producer;
    if (p == NULL) {
        return;
    }

    emcf->producer = NULL;

    /* reports served from here on must not touch requests */
    p->exiting = 1;

    ngx_eda_kafka_wake_stop(&p->wake);

    (void) rd_kafka_flush(p->rk, (int) emcf->exit_flush);

    left = rd_kafka_outq_len(p->rk);

    if (left > 0) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "eda: %d Kafka events still unacknowledged after "
                      "%M ms at exit (eda_kafka_exit_flush), purged", left,
                      emcf->exit_flush);

        /* their reports (counted as purged) come with the poll */
        (void) rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE
                                     |RD_KAFKA_PURGE_F_INFLIGHT);
        (void) rd_kafka_poll(p->rk, 0);
    }

    rd_kafka_destroy(p->rk);

    /* a gauge must not keep an exited worker's last value */

    if (emcf->kafka_hooks != NULL) {
        emcf->kafka_hooks->queued(emcf, 0);
    }
}


ngx_eda_kafka_dr_t *
ngx_eda_kafka_dr_create(ngx_log_t *log)
{
    return ngx_calloc(sizeof(ngx_eda_kafka_dr_t), log);
}


void
ngx_eda_kafka_dr_detach(ngx_eda_kafka_dr_t *dr)
{
    dr->handler = NULL;
    dr->data = NULL;
}


ngx_eda_kafka_refusal_e
ngx_eda_kafka_produce(ngx_eda_main_conf_t *emcf, ngx_eda_kafka_msg_t *msg,
    ngx_eda_kafka_dr_t *dr, ngx_log_t *log)
{
    size_t                     size;
    ngx_uint_t                 i;
    rd_kafka_resp_err_t        err;
    rd_kafka_headers_t        *hdrs;
    ngx_eda_kafka_producer_t  *p;

    p = emcf->producer;

    if (p == NULL || p->fatal) {
        return NGX_EDA_KAFKA_NO_PRODUCER;
    }

    if (p->brokers_down && rd_kafka_outq_len(p->rk) > 0) {
        return ngx_eda_kafka_produced(p, NGX_EDA_KAFKA_BROKERS_DOWN);
    }

    size = msg->value.len + msg->key.len;

    for (i = 0; i < msg->nheaders; i++) {
        size += msg->headers[i].name.len + msg->headers[i].value.len;
    }

    if (p->held + size > p->held_max && p->held > 0) {
        return ngx_eda_kafka_produced(p, NGX_EDA_KAFKA_QUEUE_FULL);
    }

    hdrs = NULL;

    if (msg->nheaders > 0) {
        hdrs = rd_kafka_headers_new(msg->nheaders);
        if (hdrs == NULL) {
            return NGX_EDA_KAFKA_FAILED;
        }

        for (i = 0; i < msg->nheaders; i++) {
            (void) rd_kafka_header_add(hdrs,
                                       (const char *) msg->headers[i].name.data,
                                       msg->headers[i].name.len,
                                       msg->headers[i].value.data,
                                       msg->headers[i].value.len);
        }
    }

    if (dr != NULL) {
        dr->start = ngx_current_msec;
    }

    err = rd_kafka_producev(p->rk,
                            RD_KAFKA_V_TOPIC(msg->topic),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(msg->key.data, msg->key.len),
                            RD_KAFKA_V_VALUE(msg->value.data, msg->value.len),
                            RD_KAFKA_V_HEADERS(hdrs),
                            RD_KAFKA_V_OPAQUE(dr),
                            RD_KAFKA_V_END);

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->held += size;
        return ngx_eda_kafka_produced(p, NGX_EDA_KAFKA_OK);
    }

    /* on failure the headers stay ours */

    if (hdrs != NULL) {
        rd_kafka_headers_destroy(hdrs);
    }

    switch (err) {

    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        return ngx_eda_kafka_produced(p, NGX_EDA_KAFKA_QUEUE_FULL);

    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        return ngx_eda_kafka_produced(p, NGX_EDA_KAFKA_TOO_LARGE);

    default:
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "eda: producing to \"%s\" failed: %s",
                      msg->topic, rd_kafka_err2str(err));
        return ngx_eda_kafka_produced(p, NGX_EDA_KAFKA_FAILED);
    }
}


static ngx_eda_kafka_refusal_e
ngx_eda_kafka_produced(ngx_eda_kafka_producer_t *p,
    ngx_eda_kafka_refusal_e rc)
{
    if (p->emcf->kafka_hooks != NULL) {
        p->emcf->kafka_hooks->produced(p->emcf, rc);
    }

    return rc;
}


static void
ngx_eda_kafka_read_handler(ngx_event_t *rev)
{
    ngx_int_t                  i;
    ngx_connection_t          *c;
    ngx_eda_kafka_producer_t  *p;

    c = rev->data;
    p = c->data;

    /* drain the pipe first: a write after this read means new events */
    ngx_eda_kafka_wake_drain(c);

    for (i = 0; i < NGX_EDA_KAFKA_POLL_BATCH; i++) {
        if (rd_kafka_poll(p->rk, 0) == 0) {
            break;
        }
    }

    if (p->emcf->kafka_hooks != NULL) {
        p->emcf->kafka_hooks->queued(p->emcf, rd_kafka_outq_len(p->rk));
    }

    /*
     * The pipe is written only when the queue goes from empty to
     * non-empty: events left behind by the batch limit are served on
     * the next turn of the event loop.
     */

    if (i == NGX_EDA_KAFKA_POLL_BATCH) {
        ngx_post_event(rev, &ngx_posted_events);
    }
}


static void
ngx_eda_kafka_dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg,
    void *opaque)
{
    size_t                     size;
    ngx_eda_kafka_dr_t        *dr;
    ngx_eda_kafka_hooks_t     *hooks;
    ngx_eda_kafka_producer_t  *p = opaque;

    dr = msg->_private;
    hooks = p->emcf->kafka_hooks;

    size = ngx_eda_kafka_delivered_size(msg);
    p->held = (p->held > size) ? p->held - size : 0;

    if (hooks != NULL) {
        hooks->delivered(p->emcf, msg->err);
    }

    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->brokers_down = 0;

    } else {
        ngx_log_error(NGX_LOG_WARN, p->base.log, 0,
                      "eda: delivery to \"%s\" failed: %s",
                      rd_kafka_topic_name(msg->rkt),
                      rd_kafka_err2str(msg->err));
    }

    if (dr == NULL) {
        return;
    }

    if (hooks != NULL) {
        hooks->waited(p->emcf, ngx_current_msec - dr->start);
    }

    if (dr->handler != NULL && !p->exiting) {
        dr->err = msg->err;
        dr->errstr = rd_kafka_err2str(msg->err);
        dr->persisted = rd_kafka_message_status(msg);
        dr->partition = msg->partition;
        dr->offset = msg->offset;

        dr->handler(dr);
    }

    ngx_free(dr);
}


static void
ngx_eda_kafka_error_cb(rd_kafka_t *rk, int err, const char *reason,
    void *opaque)
{
    char                       errstr[512];
    rd_kafka_resp_err_t        fatal;
    ngx_eda_kafka_producer_t  *p = opaque;

    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        if (!p->brokers_down) {
            ngx_log_error(NGX_LOG_ERR, p->base.log, 0,
                          "eda: all Kafka brokers are down: %s", reason);
        }

        p->brokers_down = 1;
        return;
    }

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        fatal = rd_kafka_fatal_error(rk, errstr, sizeof(errstr));
        p->fatal = 1;

        ngx_log_error(NGX_LOG_ALERT, p->base.log, 0,
                      "eda: Kafka producer fatal error %s: %s",
                      rd_kafka_err2name(fatal), errstr);
        return;
    }

    ngx_log_error(NGX_LOG_WARN, p->base.log, 0, "eda: Kafka: %s: %s",
                  rd_kafka_err2name(err), reason);
}


/* what a reported message held, as ngx_eda_kafka_produce counted it */

static size_t
ngx_eda_kafka_delivered_size(const rd_kafka_message_t *msg)
{
    size_t               i, size, vlen;
    const char          *name;
    const void          *value;
    rd_kafka_headers_t  *hdrs;

    size = msg->len + msg->key_len;

    if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return size;
    }

    for (i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &vlen)
         == RD_KAFKA_RESP_ERR_NO_ERROR;
         i++)
    {
        size += ngx_strlen(name) + vlen;
    }

    return size;
}
