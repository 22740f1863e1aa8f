
/*
 * Copyright (C) ngx_eda authors
 *
 * The event settings of a location: eda_ce_mode, eda_ce_client_attributes,
 * eda_ce_extension and eda_kafka_header are parsed and checked here, and
 * every setting is created and merged here; ngx_http_eda_event.c reads
 * them for a request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_http_eda_event_conf.h"


#define NGX_HTTP_EDA_CA_DEFAULT                                              \
    (NGX_HTTP_EDA_CA_ID|NGX_HTTP_EDA_CA_TYPE|NGX_HTTP_EDA_CA_SUBJECT         \
     |NGX_HTTP_EDA_CA_TIME|NGX_HTTP_EDA_CA_DATASCHEMA                        \
     |NGX_HTTP_EDA_CA_EXTENSIONS)


typedef struct {
    const char                 *name;
    ngx_uint_t                  flag;
} ngx_http_eda_attr_flag_t;


static char *ngx_http_eda_cv_pair_add(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_array_t **a, ngx_str_t *value);


static ngx_conf_enum_t  ngx_http_eda_ce_modes[] = {
    { ngx_string("binary"), NGX_HTTP_EDA_CE_BINARY },
    { ngx_string("structured"), NGX_HTTP_EDA_CE_STRUCTURED },
    { ngx_null_string, 0 }
};


/*
 * Names that are not extensions: the standard attributes, the data, and
 * the extensions the gateway alone sets (partitionkey from eda_kafka_key,
 * the tracing extension from the W3C headers).
 */
static ngx_str_t  ngx_http_eda_reserved[] = {
    ngx_string("specversion"),
    ngx_string("id"),
    ngx_string("source"),
    ngx_string("type"),
    ngx_string("subject"),
    ngx_string("time"),
    ngx_string("dataschema"),
    ngx_string("datacontenttype"),
    ngx_string("data"),
    ngx_string("data_base64"),
    ngx_string("partitionkey"),
    ngx_string("traceparent"),
    ngx_string("tracestate"),
    ngx_null_string
};


static ngx_http_eda_attr_flag_t  ngx_http_eda_attr_flags[] = {
    { "id", NGX_HTTP_EDA_CA_ID },
    { "source", NGX_HTTP_EDA_CA_SOURCE },
    { "type", NGX_HTTP_EDA_CA_TYPE },
    { "subject", NGX_HTTP_EDA_CA_SUBJECT },
    { "time", NGX_HTTP_EDA_CA_TIME },
    { "dataschema", NGX_HTTP_EDA_CA_DATASCHEMA },
    { "extensions", NGX_HTTP_EDA_CA_EXTENSIONS },
    { NULL, 0 }
};


void
ngx_http_eda_event_init_conf(ngx_http_eda_event_conf_t *conf)
{
    /*
     * left as ngx_pcalloc() set them:
     *
     *     conf->ce_extensions = NULL;
     *     conf->kafka_headers = NULL;
     */

    conf->ce_type = NGX_CONF_UNSET_PTR;
    conf->ce_source = NGX_CONF_UNSET_PTR;
    conf->ce_subject = NGX_CONF_UNSET_PTR;
    conf->ce_id = NGX_CONF_UNSET_PTR;
    conf->ce_dataschema = NGX_CONF_UNSET_PTR;
    conf->kafka_key = NGX_CONF_UNSET_PTR;
    conf->ce_mode = NGX_CONF_UNSET_UINT;
    conf->client_attrs = NGX_CONF_UNSET_UINT;
}


void
ngx_http_eda_event_merge_conf(ngx_http_eda_event_conf_t *prev,
    ngx_http_eda_event_conf_t *conf)
{
    ngx_conf_merge_ptr_value(conf->ce_type, prev->ce_type, NULL);
    ngx_conf_merge_ptr_value(conf->ce_source, prev->ce_source, NULL);
    ngx_conf_merge_ptr_value(conf->ce_subject, prev->ce_subject, NULL);
    ngx_conf_merge_ptr_value(conf->ce_id, prev->ce_id, NULL);
    ngx_conf_merge_ptr_value(conf->ce_dataschema, prev->ce_dataschema, NULL);
    ngx_conf_merge_ptr_value(conf->kafka_key, prev->kafka_key, NULL);
    ngx_conf_merge_uint_value(conf->ce_mode, prev->ce_mode,
                              NGX_HTTP_EDA_CE_BINARY);
    ngx_conf_merge_uint_value(conf->client_attrs, prev->client_attrs,
                              NGX_HTTP_EDA_CA_DEFAULT);

    if (conf->ce_extensions == NULL) {
        conf->ce_extensions = prev->ce_extensions;
    }

    if (conf->kafka_headers == NULL) {
        conf->kafka_headers = prev->kafka_headers;
    }
}


ngx_uint_t
ngx_http_eda_event_reserved(const u_char *name, size_t len)
{
    ngx_str_t  *r;

    for (r = ngx_http_eda_reserved; r->len != 0; r++) {
        if (r->len == len && ngx_strncmp(r->data, name, len) == 0) {
            return 1;
        }
    }

    return 0;
}


ngx_http_eda_cv_pair_t *
ngx_http_eda_event_pair(ngx_array_t *a, const u_char *name, size_t len)
{
    ngx_uint_t               i;
    ngx_http_eda_cv_pair_t  *pair;

    if (a == NULL) {
        return NULL;
    }

    pair = a->elts;

    for (i = 0; i < a->nelts; i++) {
        if (pair[i].name.len == len
            && ngx_strncmp(pair[i].name.data, name, len) == 0)
        {
            return &pair[i];
        }
    }

    return NULL;
}


/* eda_ce_extension NAME complex-value */

char *
ngx_http_eda_event_extension(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    if (!ngx_eda_ce_valid_name((const char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid CloudEvents attribute name \"%V\" in "
                           "\"%V\": 1 to 20 lower-case letters or digits",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_eda_event_reserved(value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" cannot set \"%V\": it is not an "
                           "extension (use eda_ce_%V or eda_kafka_key)",
                           &cmd->name, &value[1], &value[1]);
        return NGX_CONF_ERROR;
    }

    return ngx_http_eda_cv_pair_add(cf, cmd,
                                    (ngx_array_t **) (p + cmd->offset),
                                    value);
}


/* eda_kafka_header NAME complex-value */

char *
ngx_http_eda_event_kafka_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    if (value[1].len == 0
        || (value[1].len >= 3
            && ngx_strncasecmp(value[1].data, (u_char *) "ce_", 3) == 0)
        || (value[1].len == 12
            && ngx_strncasecmp(value[1].data, (u_char *) "content-type", 12)
               == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Kafka header name \"%V\" in \"%V\": "
                           "\"ce_*\" and \"content-type\" belong to the "
                           "CloudEvents binding", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return ngx_http_eda_cv_pair_add(cf, cmd,
                                    (ngx_array_t **) (p + cmd->offset),
                                    value);
}


/* a NAME (value[1]) and complex value (value[2]) pair, once per NAME */

static char *
ngx_http_eda_cv_pair_add(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_array_t **a, ngx_str_t *value)
{
    ngx_http_eda_cv_pair_t            *pair;
    ngx_http_compile_complex_value_t   ccv;

    if (*a == NULL) {
        *a = ngx_array_create(cf->pool, 4, sizeof(ngx_http_eda_cv_pair_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_eda_event_pair(*a, value[1].data, value[1].len) != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate \"%V\" \"%V\"", &cmd->name,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    pair = ngx_array_push(*a);
    if (pair == NULL) {
        return NGX_CONF_ERROR;
    }

    pair->name = value[1];

    pair->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (pair->value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = pair->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_eda_event_client_attributes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t                 *value;
    ngx_uint_t                 i, mask, *attrs;
    ngx_http_eda_attr_flag_t  *f;

    attrs = (ngx_uint_t *) (p + cmd->offset);

    if (*attrs != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mask = 0;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "none") == 0) {
        *attrs = 0;
        return NGX_CONF_OK;
    }

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "all") == 0) {
        for (f = ngx_http_eda_attr_flags; f->name != NULL; f++) {
            mask |= f->flag;
        }

        *attrs = mask;
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        for (f = ngx_http_eda_attr_flags; f->name != NULL; f++) {
            if (ngx_strcmp(value[i].data, f->name) == 0) {
                mask |= f->flag;
                break;
            }
        }

        if (f->name == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in \"%V\": expected "
                               "\"none\", \"all\" or some of id, source, "
                               "type, subject, time, dataschema, extensions",
                               &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }
    }

    *attrs = mask;

    return NGX_CONF_OK;
}


char *
ngx_http_eda_event_ce_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t        *value;
    ngx_uint_t       *mode;
    ngx_conf_enum_t  *e;

    mode = (ngx_uint_t *) (p + cmd->offset);

    if (*mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (e = ngx_http_eda_ce_modes; e->name.len != 0; e++) {
        if (e->name.len == value[1].len
            && ngx_strcmp(e->name.data, value[1].data) == 0)
        {
            *mode = e->value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\": expected "
                       "\"binary\" or \"structured\"",
                       &value[1], &cmd->name);

    return NGX_CONF_ERROR;
}
