
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_subscribe: WebSocket clients receive the events of Kafka topics.
 * The handler answers the RFC 6455 handshake, or a request for
 * text/event-stream (Server-Sent Events), and then owns the connection.
 * Each worker consumes the subscribed topics (ngx_eda_kafka_consumer.c);
 * every record is turned into one structured CloudEvent and, once per
 * encoding some client uses (WebSocket or SSE, whole event or data only),
 * into one frame shared by reference between the connections whose
 * filters it passes.  A connection's queue is bounded by
 * eda_ws_send_buffer: a client that cannot keep up is closed (1008), so
 * memory stays bounded whatever clients do.
 *
 * This file: the directives, the configuration and the worker's start and
 * exit.  The handshake, the connection, the fan-out, the history, client
 * publishing and the event stream each have a file of their own in this
 * folder (ngx_http_eda_subscribe.h lists them).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_filter.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_jwt_module.h"
#include "ngx_http_eda_subscribe.h"
#include "ngx_http_eda_content.h"


static ngx_int_t ngx_http_eda_sub_init_process(ngx_cycle_t *cycle);
static void ngx_http_eda_sub_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_eda_sub_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_eda_sub_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_sub_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_eda_sub_postconfiguration(ngx_conf_t *cf);
static char *ngx_http_eda_socketio(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_socketio_namespace(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_eda_subscribe(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_subscribe_filter(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_eda_ws_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_ws_publish_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_conf_enum_t  ngx_http_eda_sub_formats[] = {
    { ngx_string("cloudevent"), NGX_HTTP_EDA_FORMAT_EVENT },
    { ngx_string("data"), NGX_HTTP_EDA_FORMAT_DATA },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_eda_sub_commands[] = {

    { ngx_string("eda_subscribe"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_subscribe,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_subscribe_filter"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE3,
      ngx_http_eda_subscribe_filter,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_socketio"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_eda_socketio,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_socketio_namespace"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_socketio_namespace,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_ws_ping"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, ping),
      NULL },

    { ngx_string("eda_ws_max_message"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, max_message),
      NULL },

    { ngx_string("eda_ws_publish"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_ws_publish_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_ws_history"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, history),
      NULL },

    { ngx_string("eda_ws_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_ws_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, origins),
      NULL },

    { ngx_string("eda_ws_subprotocols"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_ws_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, protocols),
      NULL },

    { ngx_string("eda_ws_format"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, format),
      &ngx_http_eda_sub_formats },

    { ngx_string("eda_ws_send_buffer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_sub_loc_conf_t, send_buffer),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_sub_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_eda_sub_postconfiguration,    /* postconfiguration */

    ngx_http_eda_sub_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_sub_create_loc_conf,      /* create location configuration */
    ngx_http_eda_sub_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_eda_subscribe_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_sub_module_ctx,          /* module context */
    ngx_http_eda_sub_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_eda_sub_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_eda_sub_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_eda_sub_init_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_sub_main_conf_t  *smcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_eda_subscribe_module);
    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);

    if (smcf == NULL || !smcf->used || emcf == NULL) {
        return NGX_OK;
    }

    smcf->emcf = emcf;
    ngx_queue_init(&smcf->clients);
    ngx_queue_init(&smcf->resuming);
    ngx_queue_init(&smcf->starting);

    if (ngx_http_eda_ws_history_init(cycle, smcf) != NGX_OK
        || ngx_http_eda_sub_positions_init(cycle, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a worker without its consumer still serves; the log says why */

    (void) ngx_eda_kafka_consumer_init(cycle, emcf, ngx_http_eda_sub_record,
                                       ngx_http_eda_sub_assign, smcf);

    return NGX_OK;
}


static void
ngx_http_eda_sub_exit_process(ngx_cycle_t *cycle)
{
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_sub_main_conf_t  *smcf;

    emcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_eda_module);

    if (emcf != NULL) {
        ngx_eda_kafka_consumer_exit(cycle, emcf);
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_eda_subscribe_module);

    if (smcf != NULL) {
        ngx_http_eda_ws_history_exit(smcf);
        ngx_http_eda_resume_exit(smcf);
    }
}


static void *
ngx_http_eda_sub_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_sub_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    ngx_queue_init(&smcf->clients);

    return smcf;
}


static void *
ngx_http_eda_sub_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_sub_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_sub_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->ping = NGX_CONF_UNSET_MSEC;
    conf->max_message = NGX_CONF_UNSET_SIZE;
    conf->send_buffer = NGX_CONF_UNSET_SIZE;
    conf->history = NGX_CONF_UNSET_UINT;
    conf->format = NGX_CONF_UNSET_UINT;
    conf->socketio = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_eda_sub_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_eda_sub_loc_conf_t *prev = parent;
    ngx_http_eda_sub_loc_conf_t *conf = child;

    ngx_conf_merge_msec_value(conf->ping, prev->ping, 30000);
    ngx_conf_merge_size_value(conf->max_message, prev->max_message,
                              64 * 1024);
    ngx_conf_merge_size_value(conf->send_buffer, prev->send_buffer,
                              1024 * 1024);

    ngx_conf_merge_uint_value(conf->history, prev->history, 0);
    ngx_conf_merge_uint_value(conf->format, prev->format,
                              NGX_HTTP_EDA_FORMAT_EVENT);

    if (conf->filters == NULL) {
        conf->filters = prev->filters;
    }

    if (conf->origins == NULL) {
        conf->origins = prev->origins;
    }

    if (conf->protocols == NULL) {
        conf->protocols = prev->protocols;
    }

    if (conf->socketio == NGX_CONF_UNSET) {
        conf->socketio = 0;
    }

    if (conf->sio_ns.len && !conf->socketio) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_socketio_namespace\" needs \"eda_socketio\" "
                           "in the same location");
        return NGX_CONF_ERROR;
    }

    if (conf->topics == NULL) {
        if (conf->socketio) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"eda_socketio\" needs \"eda_subscribe\" "
                               "in the same location");
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (conf->socketio && conf->sio_ns.len == 0) {
        ngx_str_set(&conf->sio_ns, "/");
    }

    if (conf->socketio && conf->ping == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_socketio\" needs a heartbeat: "
                           "\"eda_ws_ping 0\" cannot be used with it");
        return NGX_CONF_ERROR;
    }

    if (conf->socketio && conf->format != NGX_HTTP_EDA_FORMAT_EVENT) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_socketio\" sends whole events: "
                           "\"eda_ws_format data\" cannot be used with it");
        return NGX_CONF_ERROR;
    }

    if (conf->send_buffer < 4096) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_ws_send_buffer\" must be at least 4k");
        return NGX_CONF_ERROR;
    }

    if (conf->history > 100000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_ws_history\" must be at most 100000");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_eda_sub_stream_conf(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_eda_ws_history_conf(cf, conf);
}


static char *
ngx_http_eda_subscribe(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    ngx_str_t                     *value, *t;
    ngx_uint_t                     i, j;
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_sub_main_conf_t  *smcf;

    if (slcf->topics != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    slcf->topics = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                    sizeof(ngx_str_t));
    if (slcf->topics == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_eda_kafka_topic_check(cf, &cmd->name, &value[i]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        t = slcf->topics->elts;

        for (j = 0; j < slcf->topics->nelts; j++) {
            if (t[j].len == value[i].len
                && ngx_strncmp(t[j].data, value[i].data, t[j].len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "topic \"%V\" is given twice in \"%V\"",
                                   &value[i], &cmd->name);
                return NGX_CONF_ERROR;
            }
        }

        t = ngx_array_push(slcf->topics);
        if (t == NULL) {
            return NGX_CONF_ERROR;
        }

        *t = value[i];

        if (ngx_eda_kafka_consume_topic(cf, emcf, &value[i]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    /* eda_kafka_brokers is checked at the end of the http block */
    if (!emcf->kafka_consumer) {
        emcf->kafka_consumer = 1;
        emcf->producer_user = cmd->name;
        emcf->producer_file = cf->conf_file->file.name;
        emcf->producer_line = cf->conf_file->line;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_eda_subscribe_module);
    smcf->used = 1;

    return ngx_http_eda_claim_content(cf, cmd,
                                      ngx_http_eda_subscribe_handler);
}


static char *
ngx_http_eda_subscribe_filter(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    int                                op;
    ngx_str_t                         *value;
    ngx_http_eda_sub_filter_conf_t    *f;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (!ngx_eda_filter_attr_valid((const char *) value[1].data,
                                   value[1].len))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid attribute \"%V\" in \"%V\": a CloudEvents "
                           "attribute name or \"key\"", &value[1],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    op = ngx_eda_filter_op((const char *) value[2].data, value[2].len);

    if (op == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid operator \"%V\" in \"%V\": expected "
                           "\"eq\", \"prefix\" or \"suffix\"", &value[2],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (slcf->filters == NULL) {
        slcf->filters = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_http_eda_sub_filter_conf_t));
        if (slcf->filters == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    f = ngx_array_push(slcf->filters);
    if (f == NULL) {
        return NGX_CONF_ERROR;
    }

    f->attr = value[1];
    f->op = op;

    f->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (f->value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[3];
    ccv.complex_value = f->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * eda_ws_origin ORIGIN ...: each "scheme://host[:port]" as a browser sends
 * it (no path, no trailing slash); eda_ws_subprotocols NAME ...: tokens.
 */

static char *
ngx_http_eda_ws_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char        *c, *host;
    ngx_str_t     *value, *s;
    ngx_uint_t     i, origin;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a != NULL) {
        return "is duplicate";
    }

    *a = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(ngx_str_t));
    if (*a == NULL) {
        return NGX_CONF_ERROR;
    }

    origin = (cmd->offset == offsetof(ngx_http_eda_sub_loc_conf_t, origins));
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (origin) {
            host = NULL;

            if (value[i].len > 7
                && ngx_strncasecmp(value[i].data, (u_char *) "http://", 7)
                   == 0)
            {
                host = value[i].data + 7;

            } else if (value[i].len > 8
                       && ngx_strncasecmp(value[i].data,
                                          (u_char *) "https://", 8) == 0)
            {
                host = value[i].data + 8;
            }

            if (host == NULL
                || ngx_strlchr(host, value[i].data + value[i].len, '/')
                   != NULL)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid origin \"%V\" in \"%V\": "
                                   "expected \"https://host[:port]\"",
                                   &value[i], &cmd->name);
                return NGX_CONF_ERROR;
            }

        } else {
            for (c = value[i].data; c < value[i].data + value[i].len; c++) {
                if (*c <= ' ' || *c >= 0x7f
                    || ngx_strchr("()<>@,;:\\\"/[]?={}", *c) != NULL)
                {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid subprotocol \"%V\" in "
                                       "\"%V\": not a token",
                                       &value[i], &cmd->name);
                    return NGX_CONF_ERROR;
                }
            }
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_ws_publish_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    ngx_str_t            *value;
    ngx_eda_main_conf_t  *emcf;

    if (slcf->publish.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_eda_kafka_topic_check(cf, &cmd->name, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    slcf->publish = value[1];

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
    ngx_eda_require_producer(cf, emcf, &cmd->name);

    return NGX_CONF_OK;
}


/*
 * Socket.IO's polling sessions live in Redis: with eda_redis, the worker
 * connects to it.
 */

static ngx_int_t
ngx_http_eda_sub_postconfiguration(ngx_conf_t *cf)
{
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_eda_subscribe_module);
    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    if (smcf->socketio && emcf->redis != NULL && !emcf->redis_used) {
        /* checked here: the http block's own check came before */
        emcf->redis_used = 1;

        if (ngx_eda_redis_conf_check(cf, emcf) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static char *
ngx_http_eda_socketio(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    ngx_http_eda_sub_main_conf_t  *smcf;

    if (slcf->socketio != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    slcf->socketio = 1;

    /* the token comes in the CONNECT packet, not with the handshake */
    ngx_http_eda_jwt_defer(cf);

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_eda_subscribe_module);
    smcf->socketio = 1;

    return NGX_CONF_OK;
}


/* "/" by default; a name starts with "/", holds no "," nor control */

static char *
ngx_http_eda_socketio_namespace(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_eda_sub_loc_conf_t *slcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (slcf->sio_ns.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] == ',' || value[1].data[i] < 0x20
            || value[1].data[i] == 0x7f)
        {
            break;
        }
    }

    if (value[1].len == 0 || value[1].data[0] != '/' || i < value[1].len
        || value[1].len > 128)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid namespace \"%V\" in \"%V\": it starts "
                           "with \"/\" and holds no \",\" (at most 128 "
                           "bytes)", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    slcf->sio_ns = value[1];

    return NGX_CONF_OK;
}
