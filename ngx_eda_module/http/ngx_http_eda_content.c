
/*
 * Copyright (C) ngx_eda authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_http_eda_content.h"


char *
ngx_http_eda_claim_content(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_http_handler_pt handler)
{
    ngx_uint_t                 i;
    ngx_eda_main_conf_t       *emcf;
    ngx_http_eda_content_t    *c;
    ngx_http_core_loc_conf_t  *clcf;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (emcf->content == NULL) {
        emcf->content = ngx_array_create(cf->pool, 8,
                                         sizeof(ngx_http_eda_content_t));
        if (emcf->content == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    c = emcf->content->elts;

    for (i = 0; i < emcf->content->nelts; i++) {
        if (c[i].clcf == clcf) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" and \"%V\" (in %V:%ui) cannot be in "
                               "the same location", &cmd->name,
                               &c[i].directive, &c[i].file, c[i].line);
            return NGX_CONF_ERROR;
        }
    }

    c = ngx_array_push(emcf->content);
    if (c == NULL) {
        return NGX_CONF_ERROR;
    }

    c->cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    c->clcf = clcf;
    c->handler = handler;
    c->directive = cmd->name;
    c->file = cf->conf_file->file.name;
    c->line = cf->conf_file->line;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_eda_apply_content(ngx_conf_t *cf)
{
    ngx_uint_t               i;
    ngx_eda_main_conf_t     *emcf;
    ngx_http_eda_content_t  *c;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    if (emcf->content == NULL) {
        return NGX_OK;
    }

    c = emcf->content->elts;

    for (i = 0; i < emcf->content->nelts; i++) {

        if (c[i].clcf->handler != NULL
            && c[i].clcf->handler != c[i].handler)
        {
            /* proxy_pass and the like: the module takes the requests */
            ngx_log_error(NGX_LOG_NOTICE, cf->log, 0,
                          "\"%V\" in %V:%ui takes the requests of location "
                          "\"%V\"; the other content directive there "
                          "(proxy_pass, grpc_pass, ...) is not used",
                          &c[i].directive, &c[i].file, c[i].line,
                          &c[i].clcf->name);
        }

        c[i].clcf->handler = c[i].handler;
    }

    return NGX_OK;
}


ngx_array_t *
ngx_http_eda_content_claims(ngx_conf_t *cf)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    return emcf->content;
}
