
/*
 * Copyright (C) ngx_eda authors
 *
 * Kafka consumers driven by the nginx event loop.  The fan-out's, one per
 * worker: every partition of the subscribed topics from their end, in a
 * consumer group of its own (so the broker assigns it all partitions
 * without a blocking metadata request, and nothing is committed).  The
 * saga coordinator's: a shared group, offsets stored by the caller once a
 * record is dealt with.  Records reach the process's thread as the
 * producer's delivery reports do: librdkafka writes to a pipe when its
 * queue becomes non-empty, and the pipe's read end is an nginx connection.
 * Also here: a record as a CloudEvent, whatever the producer wrote.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_conf.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_kafka_observe.h"
#include "ngx_eda_kafka_wake.h"
#include "ngx_eda_random.h"


#define NGX_EDA_CONSUMER_BATCH  256

/* librdkafka's own default, should the configuration not answer */
#define NGX_EDA_CONSUMER_MAX_POLL  300000


struct ngx_eda_kafka_consumer_s {
    ngx_eda_kafka_opaque_t    base;
    rd_kafka_t               *rk;
    ngx_eda_kafka_wake_t      wake;
    ngx_eda_kafka_record_pt   handler;
    ngx_eda_kafka_assign_pt   assign;
    void                     *data;

    /* polls a quiet consumer well within max.poll.interval.ms */
    ngx_event_t               keepalive;
    ngx_msec_t                keepalive_every;

    unsigned                  paused:1;
    unsigned                  eof:1;
};


static rd_kafka_conf_t *ngx_eda_kafka_consumer_conf(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf, ngx_eda_kafka_consumer_opts_t *opts);
static ngx_int_t ngx_eda_kafka_consumer_subscribe(rd_kafka_t *rk,
    ngx_array_t *topics, ngx_log_t *log);
static ngx_msec_t ngx_eda_kafka_consumer_max_poll(rd_kafka_conf_t *conf);
static void ngx_eda_kafka_consumer_read(ngx_event_t *rev);
static void ngx_eda_kafka_consumer_keepalive(ngx_event_t *ev);
static void ngx_eda_kafka_consumer_error(rd_kafka_t *rk, int err,
    const char *reason, void *opaque);
static void ngx_eda_kafka_consumer_rebalance(rd_kafka_t *rk,
    rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
    void *opaque);


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
    ngx_eda_kafka_record_pt handler, ngx_eda_kafka_assign_pt assign,
    void *data)
{
    u_char                         group[128], rnd[8], *p;
    ngx_eda_kafka_consumer_opts_t  opts;

    if (ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK) {
        return NGX_ERROR;
    }

    /* a group of its own: every partition, and never a shared offset */

    p = ngx_snprintf(group, sizeof(group) - 2 * sizeof(rnd) - 1,
                     "ngx_eda-fanout-%V-%P-", &cycle->hostname, ngx_pid);
    p = ngx_hex_dump(p, rnd, sizeof(rnd));
    *p = '\0';

    ngx_memzero(&opts, sizeof(ngx_eda_kafka_consumer_opts_t));
    opts.group = (char *) group;
    opts.offset_reset = "latest";
    opts.topics = emcf->consume_topics;
    opts.eof = 1;
    opts.assign = assign;
    opts.observe = NGX_EDA_KAFKA_FANOUT_ROLE;

    emcf->consumer = ngx_eda_kafka_consumer_create(cycle, emcf, &opts,
                                                   handler, data);

    return emcf->consumer ? NGX_OK : NGX_ERROR;
}


ngx_eda_kafka_consumer_t *
ngx_eda_kafka_consumer_create(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_consumer_opts_t *opts, ngx_eda_kafka_record_pt handler,
    void *data)
{
    rd_kafka_t                *rk;
    rd_kafka_conf_t           *conf;
    ngx_eda_kafka_consumer_t  *kc;

    kc = ngx_pcalloc(cycle->pool, sizeof(ngx_eda_kafka_consumer_t));
    if (kc == NULL) {
        return NULL;
    }

    kc->base.log = cycle->log;
    kc->base.thread = pthread_self();
    kc->handler = handler;
    kc->assign = opts->assign;
    kc->data = data;
    kc->eof = opts->eof ? 1 : 0;

    conf = ngx_eda_kafka_consumer_conf(cycle, emcf, opts);
    if (conf == NULL) {
        return NULL;
    }

    kc->keepalive_every = ngx_eda_kafka_consumer_max_poll(conf) / 3;

    ngx_eda_kafka_observe(conf, emcf, &kc->base, opts->observe);

    rk = ngx_eda_kafka_client(RD_KAFKA_CONSUMER, conf, kc, cycle->log);
    if (rk == NULL) {
        return NULL;
    }

    kc->rk = rk;

    (void) rd_kafka_poll_set_consumer(rk);

    if (ngx_eda_kafka_consumer_subscribe(rk, opts->topics, cycle->log)
        != NGX_OK)
    {
        goto failed;
    }

    if (ngx_eda_kafka_wake_start(&kc->wake, rd_kafka_queue_get_consumer(rk),
                                 ngx_eda_kafka_consumer_read, kc, cycle->log)
        != NGX_OK)
    {
        goto failed;
    }

    kc->keepalive.handler = ngx_eda_kafka_consumer_keepalive;
    kc->keepalive.data = kc;
    kc->keepalive.log = cycle->log;
    kc->keepalive.cancelable = 1;

    ngx_add_timer(&kc->keepalive, kc->keepalive_every);

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "eda: Kafka consumer %s started (group %s)",
                  rd_kafka_name(rk), opts->group);

    return kc;

failed:

    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    return NULL;
}


/*
 * The operator's properties may change how records are fetched, not the
 * group nor how offsets are kept: those come after them.
 */

static rd_kafka_conf_t *
ngx_eda_kafka_consumer_conf(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_consumer_opts_t *opts)
{
    char                      errstr[512];
    rd_kafka_conf_t          *conf;
    ngx_eda_kafka_setting_t   defaults[3], settings[7];

    defaults[0].name = "auto.offset.reset";
    defaults[0].value = opts->offset_reset;
    defaults[1].name = "fetch.wait.max.ms";
    defaults[1].value = "50";
    defaults[2].name = NULL;

    settings[0].name = "group.id";
    settings[0].value = opts->group;
    settings[1].name = "group.instance.id";
    settings[1].value = opts->instance;
    settings[2].name = "enable.auto.commit";
    settings[2].value = opts->store ? "true" : "false";
    settings[3].name = "enable.auto.offset.store";
    settings[3].value = opts->store ? "false" : NULL;
    settings[4].name = "auto.commit.interval.ms";
    settings[4].value = opts->store ? "1000" : NULL;
    settings[5].name = "enable.partition.eof";
    settings[5].value = opts->eof ? "true" : "false";
    settings[6].name = NULL;

    conf = ngx_eda_kafka_conf_create(emcf, defaults, errstr, sizeof(errstr));

    if (conf != NULL
        && ngx_eda_kafka_conf_set(conf, settings, errstr, sizeof(errstr))
           != NGX_OK)
    {
        rd_kafka_conf_destroy(conf);
        conf = NULL;
    }

    if (conf == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "eda: Kafka consumer configuration failed: %s",
                      errstr);
        return NULL;
    }

    rd_kafka_conf_set_error_cb(conf, ngx_eda_kafka_consumer_error);

    if (opts->assign != NULL) {
        rd_kafka_conf_set_rebalance_cb(conf,
                                       ngx_eda_kafka_consumer_rebalance);
    }

    return conf;
}


static ngx_int_t
ngx_eda_kafka_consumer_subscribe(rd_kafka_t *rk, ngx_array_t *topics,
    ngx_log_t *log)
{
    ngx_str_t                         *t;
    ngx_uint_t                         i;
    rd_kafka_resp_err_t                err;
    rd_kafka_topic_partition_list_t   *list;

    list = rd_kafka_topic_partition_list_new(topics->nelts);
    if (list == NULL) {
        return NGX_ERROR;
    }

    t = topics->elts;

    for (i = 0; i < topics->nelts; i++) {
        /* topics are NUL-terminated */
        (void) rd_kafka_topic_partition_list_add(list, (char *) t[i].data,
                                                 RD_KAFKA_PARTITION_UA);
    }

    err = rd_kafka_subscribe(rk, list);
    rd_kafka_topic_partition_list_destroy(list);

    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "eda: subscribing the Kafka consumer failed: %s",
                      rd_kafka_err2str(err));
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the record at OFFSET is dealt with: the group may move past it */

void
ngx_eda_kafka_consumer_store(ngx_eda_kafka_consumer_t *kc, const char *topic,
    int32_t partition, int64_t offset)
{
    rd_kafka_topic_partition_list_t  *list;

    list = rd_kafka_topic_partition_list_new(1);
    if (list == NULL) {
        return;
    }

    rd_kafka_topic_partition_list_add(list, topic, partition)->offset =
        offset + 1;

    /* a partition no longer assigned: its next owner reads it again */
    (void) rd_kafka_offsets_store(kc->rk, list);

    rd_kafka_topic_partition_list_destroy(list);
}


/*
 * Paused, the consumer leaves records in librdkafka's bounded queue (and
 * librdkafka stops fetching when it is full): a caller that cannot keep up
 * bounds its memory.
 */

void
ngx_eda_kafka_consumer_pause(ngx_eda_kafka_consumer_t *kc, ngx_uint_t pause)
{
    if (kc->paused && !pause) {
        ngx_post_event(kc->wake.conn->read, &ngx_posted_events);
    }

    kc->paused = pause;
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

    if (kc->keepalive.timer_set) {
        ngx_del_timer(&kc->keepalive);
    }

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

        if (kc->paused) {
            return;
        }

        msg = rd_kafka_consumer_poll(kc->rk, 0);
        if (msg == NULL) {
            return;
        }

        if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR
            || (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && kc->eof))
        {
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


/*
 * librdkafka takes a consumer that the application has not polled for
 * max.poll.interval.ms for stuck: it leaves the group, and the group
 * rebalances.  Records wake the event loop, a quiet topic does not, so a
 * timer polls at a third of that interval.  A consumer paused for
 * back-pressure is not polled (its records would have to be held here):
 * its callers resume it within their own timeouts (a Redis command's).
 */

static void
ngx_eda_kafka_consumer_keepalive(ngx_event_t *ev)
{
    ngx_eda_kafka_consumer_t  *kc = ev->data;

    if (!kc->paused) {
        ngx_eda_kafka_consumer_read(kc->wake.conn->read);
    }

    ngx_add_timer(ev, kc->keepalive_every);
}


static ngx_msec_t
ngx_eda_kafka_consumer_max_poll(rd_kafka_conf_t *conf)
{
    char        buf[32];
    size_t      size;
    ngx_int_t   n;

    size = sizeof(buf);

    if (rd_kafka_conf_get(conf, "max.poll.interval.ms", buf, &size)
        != RD_KAFKA_CONF_OK)
    {
        return NGX_EDA_CONSUMER_MAX_POLL;
    }

    n = ngx_atoi((u_char *) buf, ngx_strlen(buf));

    return (n > 3) ? (ngx_msec_t) n : NGX_EDA_CONSUMER_MAX_POLL;
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


/* the record's headers and value, decoded by ngx_eda_ce_from_kafka() */

ngx_int_t
ngx_eda_kafka_record_event(const rd_kafka_message_t *msg,
    ngx_eda_ce_event_t *ev, ngx_eda_ce_parsed_t *parsed)
{
    int                         rc;
    size_t                      n, cnt, size;
    ngx_uint_t                  structured;
    const char                 *name, *err, *topic;
    const void                 *value;
    ngx_eda_ce_str_t            attr;
    rd_kafka_headers_t         *hdrs;
    ngx_eda_ce_kafka_record_t   rec;
    ngx_eda_ce_kafka_header_t  *h, local[16];

    h = local;
    n = 0;

    if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        cnt = rd_kafka_header_cnt(hdrs);

        /* a few on the stack, the rare record with more allocated */
        if (cnt > sizeof(local) / sizeof(local[0])) {
            h = ngx_alloc(cnt * sizeof(ngx_eda_ce_kafka_header_t),
                          ngx_cycle->log);
            if (h == NULL) {
                return NGX_ERROR;
            }
        }

        for (n = 0;
             n < cnt
             && rd_kafka_header_get_all(hdrs, n, &name, &value, &size)
                == RD_KAFKA_RESP_ERR_NO_ERROR;
             n++)
        {
            h[n].name.data = name;
            h[n].name.len = ngx_strlen(name);
            h[n].value.data = value;
            h[n].value.len = size;
        }
    }

    topic = rd_kafka_topic_name(msg->rkt);

    rec.headers = h;
    rec.nheaders = n;
    rec.value.data = msg->payload;
    rec.value.len = msg->len;
    rec.topic.data = topic;
    rec.topic.len = ngx_strlen(topic);
    rec.partition = msg->partition;
    rec.offset = msg->offset;

    rc = ngx_eda_ce_from_kafka(&rec, parsed, &err, &attr);

    /* the headers are read again, only to tell what failed */
    structured = rc < 0 && ngx_eda_ce_kafka_mode(&rec)
                           == NGX_EDA_CE_KAFKA_STRUCTURED;

    if (h != local) {
        ngx_free(h);
    }

    if (structured) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "eda: structured record %s/%d/%O is invalid (%s), "
                      "skipped", topic, msg->partition, (off_t) msg->offset,
                      err);
        return NGX_DECLINED;
    }

    if (rc < 0) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "eda: record %s/%d/%O skipped: %s", topic,
                      msg->partition, (off_t) msg->offset, err);
        return NGX_ERROR;
    }

    *ev = parsed->event;

    return NGX_OK;
}


/*
 * The group's assignment, told to the caller (in the process's thread:
 * rebalances are served by the consumer's poll) and applied as the
 * protocol in use wants: eager by default, cooperative if the operator
 * chose it with eda_kafka_property.
 */

static void
ngx_eda_kafka_consumer_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ngx_eda_kafka_consumer_t *kc = opaque;

    ngx_uint_t         assigned, cooperative;
    rd_kafka_error_t  *error;

    assigned = (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS);
    cooperative = (ngx_strcmp(rd_kafka_rebalance_protocol(rk),
                              "COOPERATIVE") == 0);

    /* told before it is applied: the caller may choose where each starts */
    kc->assign(parts, assigned, kc->data);

    error = NULL;

    if (cooperative) {
        error = assigned ? rd_kafka_incremental_assign(rk, parts)
                         : rd_kafka_incremental_unassign(rk, parts);

    } else {
        (void) rd_kafka_assign(rk, assigned ? parts : NULL);
    }

    if (error != NULL) {
        ngx_log_error(NGX_LOG_WARN, kc->base.log, 0,
                      "eda: Kafka consumer: applying the assignment "
                      "failed: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }

}
