
/*
 * Copyright (C) ngx_eda authors
 *
 * What an eda_subscribe location does, for eda_asyncapi.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_filter.h"
#include "ngx_http_eda_describe.h"
#include "ngx_http_eda_subscribe.h"
#include "ngx_http_eda_subscribe_describe.h"


ngx_int_t
ngx_http_eda_subscribe_describe(ngx_conf_t *cf, void **loc_conf,
    ngx_eda_aa_location_t *loc)
{
    ngx_str_t                       *t;
    ngx_uint_t                       i;
    const char                     **topics;
    ngx_eda_main_conf_t             *emcf;
    ngx_eda_aa_filter_t             *filters;
    ngx_http_eda_sub_loc_conf_t     *slcf;
    ngx_http_eda_sub_filter_conf_t  *f;

    slcf = loc_conf[ngx_http_eda_subscribe_module.ctx_index];
    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    if (slcf->topics == NULL) {
        return NGX_OK;
    }

    topics = ngx_palloc(cf->pool, slcf->topics->nelts * sizeof(char *));
    if (topics == NULL) {
        return NGX_ERROR;
    }

    t = slcf->topics->elts;

    for (i = 0; i < slcf->topics->nelts; i++) {
        topics[i] = ngx_http_eda_describe_str(cf, &t[i]);
        if (topics[i] == NULL) {
            return NGX_ERROR;
        }
    }

    loc->topics = topics;
    loc->ntopics = slcf->topics->nelts;

    if (slcf->filters != NULL && slcf->filters->nelts) {
        filters = ngx_pcalloc(cf->pool, slcf->filters->nelts
                                        * sizeof(ngx_eda_aa_filter_t));
        if (filters == NULL) {
            return NGX_ERROR;
        }

        f = slcf->filters->elts;

        for (i = 0; i < slcf->filters->nelts; i++) {
            filters[i].attr = ngx_http_eda_describe_str(cf, &f[i].attr);
            filters[i].op = f[i].op == NGX_EDA_FILTER_PREFIX ? "prefix"
                            : f[i].op == NGX_EDA_FILTER_SUFFIX ? "suffix"
                            : "eq";

            if (filters[i].attr == NULL
                || ngx_http_eda_describe_value(cf, f[i].value,
                                               &filters[i].value)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        loc->filters = filters;
        loc->nfilters = slcf->filters->nelts;
    }

    loc->data_format = (slcf->format == NGX_HTTP_EDA_FORMAT_DATA);
    loc->socketio = (slcf->socketio == 1);

    if (loc->socketio) {
        loc->sio_ns = slcf->sio_ns.len
                      ? ngx_http_eda_describe_str(cf, &slcf->sio_ns) : "/";
        loc->polling = (emcf->redis != NULL);

        if (loc->sio_ns == NULL) {
            return NGX_ERROR;
        }
    }

    loc->topic = NULL;

    if (slcf->publish.len) {
        loc->topic = ngx_http_eda_describe_str(cf, &slcf->publish);
        if (loc->topic == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
