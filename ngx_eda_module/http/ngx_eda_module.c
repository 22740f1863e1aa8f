
/*
 * Copyright (C) ngx_eda authors
 *
 * The base module of ngx_eda: the http-level settings every feature shares
 * (the Kafka cluster and its librdkafka properties, the Redis server).
 * Its name is the name of the shared object, ngx_eda_module.so.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_http_eda_content.h"
#include "ngx_http_eda_trace.h"
#include "ngx_eda_addr.h"
#include "ngx_eda_kafka_conf.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_random.h"
#include "ngx_eda_redis.h"


#define NGX_EDA_REDIS_DEFAULT_TIMEOUT  200
#define NGX_EDA_REDIS_DEFAULT_PREFIX   "eda:"


static void *ngx_eda_create_main_conf(ngx_conf_t *cf);
static char *ngx_eda_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_int_t ngx_eda_init_process(ngx_cycle_t *cycle);
static void ngx_eda_exit_process(ngx_cycle_t *cycle);
static char *ngx_eda_kafka_brokers(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_eda_kafka_property(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_eda_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_eda_redis_param(void *data, ngx_str_t *param);


static ngx_command_t  ngx_eda_commands[] = {

    { ngx_string("eda_kafka_brokers"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_eda_kafka_brokers,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_kafka_property"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_eda_kafka_property,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_kafka_exit_flush"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_eda_main_conf_t, exit_flush),
      NULL },

    { ngx_string("eda_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_eda_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_eda_module_ctx = {
    ngx_http_eda_trace_add_variables,      /* preconfiguration */
    ngx_http_eda_apply_content,            /* postconfiguration */

    ngx_eda_create_main_conf,              /* create main configuration */
    ngx_eda_init_main_conf,                /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_eda_module = {
    NGX_MODULE_V1,
    &ngx_eda_module_ctx,                   /* module context */
    ngx_eda_commands,                      /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_eda_init_process,                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_eda_exit_process,                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_eda_create_main_conf(ngx_conf_t *cf)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_pcalloc(cf->pool, sizeof(ngx_eda_main_conf_t));
    if (emcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     emcf->kafka_brokers = { 0, NULL };
     *     emcf->kafka_props = NULL;
     *     emcf->redis = NULL;
     *     emcf->kafka_producer = 0;
     *     emcf->kafka_check = NULL;
     *     emcf->producer = NULL;
     *     emcf->metrics = NULL;
     */

    emcf->exit_flush = NGX_CONF_UNSET_MSEC;

    if (ngx_eda_metrics_add_zone(cf, emcf, &ngx_eda_module) != NGX_OK) {
        return NULL;
    }

    return emcf;
}


/*
 * Called by every directive that produces to Kafka, so the worker starts a
 * producer and a missing eda_kafka_brokers is reported against the
 * directive that needs it.
 */

void
ngx_eda_require_producer(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf,
    ngx_str_t *directive)
{
    if (emcf->kafka_producer) {
        return;
    }

    emcf->kafka_producer = 1;

    if (emcf->kafka_consumer) {
        return;
    }

    emcf->producer_user = *directive;
    emcf->producer_file = cf->conf_file->file.name;
    emcf->producer_line = cf->conf_file->line;
}


static char *
ngx_eda_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_eda_main_conf_t *emcf = conf;

    ngx_conf_init_msec_value(emcf->exit_flush, 3000);

    if ((emcf->kafka_producer || emcf->kafka_consumer)
        && emcf->kafka_brokers.data == NULL)
    {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"%V\" in %V:%ui requires \"eda_kafka_brokers\" in "
                      "the http block", &emcf->producer_user,
                      &emcf->producer_file, emcf->producer_line);
        return NGX_CONF_ERROR;
    }

    if (ngx_eda_kafka_producer_conf_check(cf, emcf) == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    if (emcf->redis_used && ngx_eda_redis_conf_check(cf, emcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_eda_init_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);
    if (emcf == NULL) {
        return NGX_OK;
    }

    ngx_eda_metrics_init_process(emcf);

    ngx_eda_random_init_process(emcf);

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    /*
     * A worker without a producer still serves every other location: the
     * publishing locations answer 503 and the error log says why.
     */

    if (emcf->kafka_producer) {
        (void) ngx_eda_kafka_producer_init(cycle, emcf);
    }

    if (emcf->redis_used && emcf->redis != NULL) {
        (void) ngx_eda_redis_init_worker(cycle, emcf);
    }

    return NGX_OK;
}


static void
ngx_eda_exit_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);
    if (emcf == NULL) {
        return;
    }

    ngx_eda_redis_exit_worker(cycle, emcf);
    ngx_eda_kafka_producer_exit(cycle, emcf);
}


static char *
ngx_eda_kafka_brokers(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_eda_main_conf_t *emcf = conf;

    size_t       count, off;
    ngx_str_t   *value;
    const char  *err;

    if (emcf->kafka_brokers.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_eda_addr_parse_list((const char *) value[1].data, value[1].len,
                                &count, &off, &err)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid broker list \"%V\" in \"%V\" at "
                           "offset %uz: %s", &value[1], &cmd->name, off, err);
        return NGX_CONF_ERROR;
    }

    emcf->kafka_brokers = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_eda_kafka_property(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_eda_main_conf_t *emcf = conf;

    ngx_str_t     *value;
    ngx_uint_t     i;
    ngx_keyval_t  *kv;

    value = cf->args->elts;

    if ((value[1].len == sizeof("bootstrap.servers") - 1
         && ngx_strcmp(value[1].data, "bootstrap.servers") == 0)
        || (value[1].len == sizeof("metadata.broker.list") - 1
            && ngx_strcmp(value[1].data, "metadata.broker.list") == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" cannot set \"%V\", use "
                           "\"eda_kafka_brokers\"", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    if (emcf->kafka_props == NULL) {
        emcf->kafka_props = ngx_array_create(cf->pool, 8,
                                             sizeof(ngx_keyval_t));
        if (emcf->kafka_props == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    kv = emcf->kafka_props->elts;

    for (i = 0; i < emcf->kafka_props->nelts; i++) {
        if (kv[i].key.len == value[1].len
            && ngx_strncmp(kv[i].key.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate \"%V\" property \"%V\"",
                               &cmd->name, &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_eda_kafka_property_check(cf, emcf, &cmd->name, &value[1],
                                     &value[2])
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    kv = ngx_array_push(emcf->kafka_props);
    if (kv == NULL) {
        return NGX_CONF_ERROR;
    }

    kv->key = value[1];
    kv->value = value[2];

    return NGX_CONF_OK;
}


static char *
ngx_eda_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_eda_main_conf_t *emcf = conf;

    ngx_str_t             *value;
    const char            *err;
    ngx_eda_addr_t         addr;
    ngx_eda_redis_conf_t  *rcf;

    if (emcf->redis != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_eda_addr_parse((const char *) value[1].data, value[1].len,
                           NGX_EDA_ADDR_ALLOW_UNIX, &addr, &err)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid address \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name, err);
        return NGX_CONF_ERROR;
    }

    rcf = ngx_pcalloc(cf->pool, sizeof(ngx_eda_redis_conf_t));
    if (rcf == NULL) {
        return NGX_CONF_ERROR;
    }

    rcf->addr = value[1];
    rcf->db = 0;
    rcf->timeout = NGX_EDA_REDIS_DEFAULT_TIMEOUT;
    ngx_str_set(&rcf->prefix, NGX_EDA_REDIS_DEFAULT_PREFIX);

    if (ngx_eda_conf_params(cf, cmd, 2,
                            ngx_eda_redis_param, rcf)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    emcf->redis = rcf;

    return NGX_CONF_OK;
}


/* one name=value of eda_redis: NGX_DECLINED for an unknown name */

static ngx_int_t
ngx_eda_redis_param(void *data, ngx_str_t *param)
{
    ngx_eda_redis_conf_t  *rcf = data;

    ngx_int_t  n;
    ngx_str_t  s;

    if (ngx_strncmp(param->data, "password=", 9) == 0) {
        rcf->password.data = param->data + 9;
        rcf->password.len = param->len - 9;

        return rcf->password.len == 0 ? NGX_ERROR : NGX_OK;
    }

    if (ngx_strncmp(param->data, "db=", 3) == 0) {
        n = ngx_atoi(param->data + 3, param->len - 3);
        if (n == NGX_ERROR) {
            return NGX_ERROR;
        }

        rcf->db = n;
        rcf->db_str.data = param->data + 3;
        rcf->db_str.len = param->len - 3;
        return NGX_OK;
    }

    if (ngx_strncmp(param->data, "timeout=", 8) == 0) {
        s.data = param->data + 8;
        s.len = param->len - 8;

        rcf->timeout = ngx_parse_time(&s, 0);
        if (rcf->timeout == (ngx_msec_t) NGX_ERROR || rcf->timeout == 0) {
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    if (ngx_strncmp(param->data, "prefix=", 7) == 0) {
        rcf->prefix.data = param->data + 7;
        rcf->prefix.len = param->len - 7;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


char *
ngx_eda_conf_params(ngx_conf_t *cf, ngx_command_t *cmd, ngx_uint_t first,
    ngx_eda_conf_param_pt param, void *data)
{
    ngx_int_t   rc;
    ngx_str_t  *value;
    ngx_uint_t  i;

    value = cf->args->elts;

    for (i = first; i < cf->args->nelts; i++) {

        rc = param(data, &value[i]);

        if (rc == NGX_OK) {
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s parameter \"%V\" in \"%V\"",
                           rc == NGX_DECLINED ? "unknown" : "invalid",
                           &value[i], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
