
/*
 * Copyright (C) ngx_eda authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_publish_module.h"
#include "ngx_http_eda_saga_module.h"
#include "ngx_http_eda_saga_int.h"
#include "ngx_http_eda_describe.h"


const char *
ngx_http_eda_describe_str(ngx_conf_t *cf, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_pnalloc(cf->pool, s->len + 1);
    if (p == NULL) {
        return NULL;
    }

    ngx_cpystrn(p, s->data, s->len + 1);

    return (const char *) p;
}


ngx_int_t
ngx_http_eda_describe_value(ngx_conf_t *cf, ngx_http_complex_value_t *cv,
    ngx_eda_aa_value_t *v)
{
    v->text = NULL;
    v->dynamic = 0;

    if (cv == NULL) {
        return NGX_OK;
    }

    /* the value as configured; lengths are set only with variables */
    v->text = ngx_http_eda_describe_str(cf, &cv->value);
    v->dynamic = (cv->lengths != NULL);

    return v->text != NULL ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_eda_describe_event(ngx_conf_t *cf, void **loc_conf,
    ngx_eda_aa_event_t *ev, const char **topic)
{
    ngx_str_t                   t;
    ngx_http_eda_event_conf_t  *ecf;

    ecf = ngx_http_eda_publish_loc_event(loc_conf, &t);

    *topic = NULL;

    if (t.len) {
        *topic = ngx_http_eda_describe_str(cf, &t);
        if (*topic == NULL) {
            return NGX_ERROR;
        }
    }

    ev->structured = (ecf->ce_mode == NGX_HTTP_EDA_CE_STRUCTURED);

    if (ngx_http_eda_describe_value(cf, ecf->ce_type, &ev->type) != NGX_OK
        || ngx_http_eda_describe_value(cf, ecf->ce_source, &ev->source)
           != NGX_OK
        || ngx_http_eda_describe_value(cf, ecf->ce_subject, &ev->subject)
           != NGX_OK
        || ngx_http_eda_describe_value(cf, ecf->ce_dataschema,
                                       &ev->dataschema) != NGX_OK
        || ngx_http_eda_describe_value(cf, ecf->kafka_key, &ev->key)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_eda_describe_saga(ngx_conf_t *cf, void **loc_conf,
    const char **name, const ngx_eda_saga_defs_t **defs)
{
    ngx_http_eda_saga_loc_conf_t   *slcf;
    ngx_http_eda_saga_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_eda_saga_module);
    slcf = loc_conf[ngx_http_eda_saga_module.ctx_index];

    *defs = smcf->saga.defs;
    *name = NULL;

    if (slcf->name.len) {
        *name = ngx_http_eda_describe_str(cf, &slcf->name);
        if (*name == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
