
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_otel_exporter: where and how each process exports its spans over
 * OTLP/HTTP (the exporter is event/ngx_eda_otel.c), and what it reports,
 * counted in the eda_metrics zone.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_otel.h"


#define NGX_HTTP_EDA_OTEL_BATCH      512
#define NGX_HTTP_EDA_OTEL_QUEUE      2048
#define NGX_HTTP_EDA_OTEL_QUEUE_MAX  1048576
#define NGX_HTTP_EDA_OTEL_INTERVAL   5000
#define NGX_HTTP_EDA_OTEL_TIMEOUT    10000


static char *ngx_http_eda_otel_exporter(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_eda_otel_param(void *data, ngx_str_t *param);
static ngx_int_t ngx_http_eda_otel_init_process(ngx_cycle_t *cycle);
static void ngx_http_eda_otel_exit_process(ngx_cycle_t *cycle);
static void ngx_http_eda_otel_exported(ngx_eda_main_conf_t *emcf,
    ngx_uint_t n);
static void ngx_http_eda_otel_dropped(ngx_eda_main_conf_t *emcf,
    ngx_eda_otel_drop_e why, ngx_uint_t n);


static ngx_command_t  ngx_http_eda_otel_commands[] = {

    { ngx_string("eda_otel_exporter"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_eda_otel_exporter,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_otel_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_eda_otel_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_otel_module_ctx,         /* module context */
    ngx_http_eda_otel_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_eda_otel_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_eda_otel_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_eda_otel_hooks_t  ngx_http_eda_otel_hooks = {
    ngx_http_eda_otel_exported,
    ngx_http_eda_otel_dropped
};


static char *
ngx_http_eda_otel_exporter(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char                 *err;
    ngx_str_t            *value;
    ngx_eda_main_conf_t  *emcf;
    ngx_eda_otel_conf_t  *ocf;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    if (emcf->otel != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ocf = ngx_pcalloc(cf->pool, sizeof(ngx_eda_otel_conf_t));
    if (ocf == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&ocf->service, "ngx_eda");
    ngx_str_set(&ocf->version, NGX_EDA_VERSION);
    ocf->batch = NGX_HTTP_EDA_OTEL_BATCH;
    ocf->queue = NGX_HTTP_EDA_OTEL_QUEUE;
    ocf->interval = NGX_HTTP_EDA_OTEL_INTERVAL;
    ocf->timeout = NGX_HTTP_EDA_OTEL_TIMEOUT;

    err = ngx_eda_otel_set_url(cf, ocf, &value[1]);
    if (err != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URL \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name, err);
        return NGX_CONF_ERROR;
    }

    if (ngx_eda_conf_params(cf, cmd, 2,
                            ngx_http_eda_otel_param, ocf)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ocf->batch > ocf->queue) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": batch=%ui is larger than queue=%ui",
                           &cmd->name, ocf->batch, ocf->queue);
        return NGX_CONF_ERROR;
    }

    emcf->otel = ocf;

    return NGX_CONF_OK;
}


/* one name=value of eda_otel_exporter: NGX_DECLINED for an unknown name */

static ngx_int_t
ngx_http_eda_otel_param(void *data, ngx_str_t *param)
{
    ngx_eda_otel_conf_t  *ocf = data;

    u_char      *p, *last;
    ngx_int_t    n;
    ngx_str_t    s;
    ngx_msec_t   ms;

    p = ngx_strlchr(param->data, param->data + param->len, '=');
    if (p == NULL) {
        return NGX_DECLINED;
    }

    last = param->data + param->len;
    s.data = p + 1;
    s.len = last - s.data;

#define ngx_http_eda_otel_is(name)                                            \
    ((size_t) (p - param->data) == sizeof(name) - 1                           \
     && ngx_strncmp(param->data, name, sizeof(name) - 1) == 0)

    if (ngx_http_eda_otel_is("service")) {
        if (s.len == 0) {
            return NGX_ERROR;
        }

        for (p = s.data; p < last; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                return NGX_ERROR;
            }
        }

        ocf->service = s;
        return NGX_OK;
    }

    if (ngx_http_eda_otel_is("batch") || ngx_http_eda_otel_is("queue")) {
        n = ngx_atoi(s.data, s.len);
        if (n == NGX_ERROR || n < 1 || n > NGX_HTTP_EDA_OTEL_QUEUE_MAX) {
            return NGX_ERROR;
        }

        if (param->data[0] == 'b') {
            ocf->batch = n;

        } else {
            ocf->queue = n;
        }

        return NGX_OK;
    }

    if (ngx_http_eda_otel_is("interval") || ngx_http_eda_otel_is("timeout"))
    {
        ms = ngx_parse_time(&s, 0);
        if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
            return NGX_ERROR;
        }

        if (param->data[0] == 'i') {
            ocf->interval = ms;

        } else {
            ocf->timeout = ms;
        }

        return NGX_OK;
    }

#undef ngx_http_eda_otel_is

    return NGX_DECLINED;
}


/*
 * Every process that may finish spans reports them: the workers and the
 * saga coordinator.  The exporter itself starts at a process's first span.
 */

static ngx_int_t
ngx_http_eda_otel_init_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);
    if (emcf == NULL || emcf->otel == NULL) {
        return NGX_OK;
    }

    emcf->otel_hooks = &ngx_http_eda_otel_hooks;

    return NGX_OK;
}


static void
ngx_http_eda_otel_exit_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);
    if (emcf == NULL) {
        return;
    }

    ngx_eda_otel_exit_process(emcf);
}


static void
ngx_http_eda_otel_exported(ngx_eda_main_conf_t *emcf, ngx_uint_t n)
{
    ngx_eda_metrics_count(emcf, NGX_EDA_M_OTEL_EXPORTED, n);
}


static void
ngx_http_eda_otel_dropped(ngx_eda_main_conf_t *emcf, ngx_eda_otel_drop_e why,
    ngx_uint_t n)
{
    ngx_eda_metric_e  m;

    switch (why) {

    case NGX_EDA_OTEL_DROP_QUEUE_FULL:
        m = NGX_EDA_M_OTEL_DROP_QUEUE_FULL;
        break;

    case NGX_EDA_OTEL_DROP_TIMEOUT:
        m = NGX_EDA_M_OTEL_DROP_TIMEOUT;
        break;

    case NGX_EDA_OTEL_DROP_EXIT:
        m = NGX_EDA_M_OTEL_DROP_EXIT;
        break;

    default:
        m = NGX_EDA_M_OTEL_DROP_COLLECTOR;
        break;
    }

    ngx_eda_metrics_count(emcf, m, n);
}
