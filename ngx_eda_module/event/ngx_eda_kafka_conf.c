
/*
 * Copyright (C) ngx_eda authors
 *
 * What the producer and the consumers share: the eda_kafka_* settings
 * checked at configuration time, their librdkafka configuration, and
 * librdkafka's logs taken from its log queue, which the process polls in
 * its own thread (nginx's logging is not thread-safe).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <pthread.h>
#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_conf.h"


static ngx_int_t ngx_eda_kafka_conf_apply(rd_kafka_conf_t *conf,
    ngx_eda_main_conf_t *emcf, char *errstr, size_t errlen);
static void ngx_eda_kafka_log_cb(const rd_kafka_t *rk, int level,
    const char *fac, const char *buf);
static void ngx_eda_kafka_check_cleanup(void *data);


ngx_int_t
ngx_eda_kafka_topic_check(ngx_conf_t *cf, ngx_str_t *directive,
    ngx_str_t *topic)
{
    u_char      ch;
    ngx_uint_t  i;

    if (topic->len == 0 || topic->len > 249
        || (topic->len == 1 && topic->data[0] == '.')
        || (topic->len == 2 && topic->data[0] == '.'
            && topic->data[1] == '.'))
    {
        goto invalid;
    }

    for (i = 0; i < topic->len; i++) {
        ch = topic->data[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'
              || ch == '-'))
        {
            goto invalid;
        }
    }

    return NGX_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid Kafka topic name \"%V\" in \"%V\": 1 to 249 "
                       "characters of [a-zA-Z0-9._-]", topic, directive);

    return NGX_ERROR;
}


/*
 * Every property is tried on a scratch librdkafka configuration while the
 * file is parsed, so "nginx -t" reports an unknown name or a bad value with
 * librdkafka's own explanation instead of a worker failing later.
 */

ngx_int_t
ngx_eda_kafka_property_check(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf,
    ngx_str_t *directive, ngx_str_t *name, ngx_str_t *value)
{
    char                 errstr[512];
    ngx_pool_cleanup_t  *cln;

    if (emcf->kafka_check == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        emcf->kafka_check = rd_kafka_conf_new();
        if (emcf->kafka_check == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_eda_kafka_check_cleanup;
        cln->data = emcf->kafka_check;
    }

    /* the arguments of a directive are NUL-terminated by the parser */

    if (rd_kafka_conf_set(emcf->kafka_check, (char *) name->data,
                          (char *) value->data, errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"%V\" \"%V\" \"%V\": %s",
                           directive, name, value, errstr);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_eda_kafka_check_cleanup(void *data)
{
    rd_kafka_conf_t  *kc = data;

    rd_kafka_conf_destroy(kc);
}


rd_kafka_conf_t *
ngx_eda_kafka_conf_create(ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_setting_t *defaults, char *errstr, size_t errlen)
{
    rd_kafka_conf_t  *conf;

    conf = rd_kafka_conf_new();
    if (conf == NULL) {
        ngx_cpystrn((u_char *) errstr, (u_char *) "out of memory", errlen);
        return NULL;
    }

    if (ngx_eda_kafka_conf_set(conf, defaults, errstr, errlen) != NGX_OK
        || ngx_eda_kafka_conf_apply(conf, emcf, errstr, errlen) != NGX_OK)
    {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    return conf;
}


ngx_int_t
ngx_eda_kafka_conf_set(rd_kafka_conf_t *conf,
    ngx_eda_kafka_setting_t *settings, char *errstr, size_t errlen)
{
    ngx_eda_kafka_setting_t  *s;

    for (s = settings; s->name != NULL; s++) {
        if (s->value != NULL
            && rd_kafka_conf_set(conf, s->name, s->value, errstr, errlen)
               != RD_KAFKA_CONF_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * What every Kafka client of the gateway shares: the brokers, the
 * operator's properties and logging through the worker's own thread.
 */

static ngx_int_t
ngx_eda_kafka_conf_apply(rd_kafka_conf_t *conf, ngx_eda_main_conf_t *emcf,
    char *errstr, size_t errlen)
{
    ngx_uint_t     i;
    ngx_keyval_t  *kv;

    /* eda_kafka_brokers is NUL-terminated by the configuration parser */

    if (rd_kafka_conf_set(conf, "bootstrap.servers",
                          (char *) emcf->kafka_brokers.data, errstr, errlen)
        != RD_KAFKA_CONF_OK)
    {
        return NGX_ERROR;
    }

    if (emcf->kafka_props != NULL) {
        kv = emcf->kafka_props->elts;

        for (i = 0; i < emcf->kafka_props->nelts; i++) {
            if (rd_kafka_conf_set(conf, (char *) kv[i].key.data,
                                  (char *) kv[i].value.data, errstr, errlen)
                != RD_KAFKA_CONF_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (rd_kafka_conf_set(conf, "log.queue", "true", errstr, errlen)
        != RD_KAFKA_CONF_OK)
    {
        return NGX_ERROR;
    }

    rd_kafka_conf_set_log_cb(conf, ngx_eda_kafka_log_cb);

    return NGX_OK;
}


rd_kafka_t *
ngx_eda_kafka_client(rd_kafka_type_t type, rd_kafka_conf_t *conf,
    void *opaque, ngx_log_t *log)
{
    char         errstr[512];
    rd_kafka_t  *rk;

    rd_kafka_conf_set_opaque(conf, opaque);

    rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "eda: creating the Kafka %s failed: %s",
                      type == RD_KAFKA_PRODUCER ? "producer" : "consumer",
                      errstr);
        return NULL;
    }

    /* log.queue is set: this fails only if librdkafka changes */

    if (rd_kafka_set_log_queue(rk, NULL) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "eda: librdkafka logs stay on its own threads");
    }

    return rk;
}


static void
ngx_eda_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
    ngx_uint_t               nlevel;
    ngx_eda_kafka_opaque_t  *p;

    p = rd_kafka_opaque(rk);

    /*
     * Until rd_kafka_set_log_queue() takes effect, librdkafka logs from its
     * own threads, where nginx's logging must not be used.
     */

    if (p == NULL || !pthread_equal(pthread_self(), p->thread)) {
        return;
    }

    /* syslog levels: 0 emerg .. 7 debug; transient noise stays at info */

    if (level <= 2) {
        nlevel = NGX_LOG_ALERT;

    } else if (level == 3) {
        nlevel = NGX_LOG_WARN;

    } else if (level <= 6) {
        nlevel = NGX_LOG_INFO;

    } else {
        nlevel = NGX_LOG_DEBUG;
    }

    ngx_log_error(nlevel, p->log, 0, "eda: librdkafka %s: %s", fac, buf);
}
