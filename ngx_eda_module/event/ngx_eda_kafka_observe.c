
/*
 * Copyright (C) ngx_eda authors
 *
 * librdkafka's statistics of the gateway's own clients (the producers,
 * the fan-out consumers, the saga coordinator's consumer): enabled on
 * their configuration, served by the poll the process already does (the
 * statistics callback runs in rd_kafka_poll() or rd_kafka_consumer_poll()
 * on the process's thread, so nothing waits for them), read by the core
 * and reported through the stats hooks.  Resume readers are not observed:
 * they are paused by not being polled, and would only pile statistics up.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_conf.h"
#include "ngx_eda_kafka_observe.h"
#include "ngx_eda_kafka_stats.h"


static int ngx_eda_kafka_observe_cb(rd_kafka_t *rk, char *json, size_t len,
    void *opaque);
static void ngx_eda_kafka_observe_lag(void *data, const char *topic,
    int32_t partition, int64_t lag);


void
ngx_eda_kafka_observe(rd_kafka_conf_t *conf, ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_opaque_t *base, ngx_uint_t role)
{
    char           errstr[256], buf[32];
    size_t         size;
    ngx_int_t      ms;
    ngx_uint_t     i, set;
    ngx_keyval_t  *kv;

    if (role == NGX_EDA_KAFKA_NO_ROLE) {
        return;
    }

    /* the operator's value stands: it was applied before this */

    set = 0;

    if (emcf->kafka_props != NULL) {
        kv = emcf->kafka_props->elts;

        for (i = 0; i < emcf->kafka_props->nelts; i++) {
            if (ngx_strcmp(kv[i].key.data, "statistics.interval.ms") == 0) {
                set = 1;
            }
        }
    }

    if (!set
        && rd_kafka_conf_set(conf, "statistics.interval.ms",
                             NGX_EDA_KAFKA_STATS_MS, errstr, sizeof(errstr))
           != RD_KAFKA_CONF_OK)
    {
        return;
    }

    size = sizeof(buf);

    if (rd_kafka_conf_get(conf, "statistics.interval.ms", buf, &size)
        != RD_KAFKA_CONF_OK)
    {
        return;
    }

    ms = ngx_atoi((u_char *) buf, ngx_strlen(buf));
    if (ms <= 0) {
        return;
    }

    /* three intervals missed: the figures are stale */

    base->emcf = emcf;
    base->role = role;
    base->ttl = (time_t) (3 * ms / 1000 + 1);

    rd_kafka_conf_set_stats_cb(conf, ngx_eda_kafka_observe_cb);
}


typedef struct {
    ngx_eda_kafka_opaque_t  *base;
    time_t                   until;
} ngx_eda_kafka_observe_ctx_t;


static int
ngx_eda_kafka_observe_cb(rd_kafka_t *rk, char *json, size_t len,
    void *opaque)
{
    ngx_eda_kafka_opaque_t  *base = opaque;

    ngx_eda_main_conf_t          *emcf;
    ngx_eda_kafka_stats_t         st;
    ngx_eda_kafka_observe_ctx_t   ctx;

    /* 0: librdkafka frees the document */

    if (base == NULL || base->emcf == NULL
        || !pthread_equal(pthread_self(), base->thread))
    {
        return 0;
    }

    emcf = base->emcf;

    if (emcf->stats_hooks == NULL) {
        return 0;
    }

    ctx.base = base;
    ctx.until = ngx_time() + base->ttl;

    if (ngx_eda_kafka_stats_parse(json, len, &st,
                                  base->role == NGX_EDA_KAFKA_PRODUCER_ROLE
                                  ? NULL : ngx_eda_kafka_observe_lag, &ctx)
        != 0)
    {
        ngx_log_error(NGX_LOG_WARN, base->log, 0,
                      "eda: librdkafka statistics not understood");
        return 0;
    }

    emcf->stats_hooks->brokers(emcf, base->role, st.brokers, st.brokers_up,
                               ctx.until);

    return 0;
}


static void
ngx_eda_kafka_observe_lag(void *data, const char *topic, int32_t partition,
    int64_t lag)
{
    ngx_eda_kafka_observe_ctx_t  *ctx = data;

    ngx_eda_main_conf_t  *emcf;

    emcf = ctx->base->emcf;

    emcf->stats_hooks->lag(emcf, ctx->base->role, topic, partition, lag,
                           ctx->until);
}
