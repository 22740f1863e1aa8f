
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * eda_jwt's variables: $eda_jwt_sub and $eda_jwt_claim_NAME, the claims
 * of the token the request was admitted with, as text.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_jwt.h"
#include "ngx_http_eda_jwt_int.h"
#include "ngx_http_eda_jwt_module.h"


static ngx_int_t ngx_http_eda_jwt_sub_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_eda_jwt_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_eda_jwt_render(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, const char *name, size_t len);


static ngx_str_t  ngx_http_eda_jwt_sub_name = ngx_string("eda_jwt_sub");
static ngx_str_t  ngx_http_eda_jwt_claim_name =
    ngx_string("eda_jwt_claim_");


ngx_int_t
ngx_http_eda_jwt_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_eda_jwt_sub_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_eda_jwt_sub_variable;

    var = ngx_http_add_variable(cf, &ngx_http_eda_jwt_claim_name,
                                NGX_HTTP_VAR_PREFIX
                                |NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_eda_jwt_claim_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_jwt_sub_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_eda_jwt_render(r, v, "sub", 3);
}


static ngx_int_t
ngx_http_eda_jwt_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  *name = (ngx_str_t *) data;

    return ngx_http_eda_jwt_render(r, v,
                           (const char *) name->data
                           + ngx_http_eda_jwt_claim_name.len,
                           name->len - ngx_http_eda_jwt_claim_name.len);
}


/*
 * A claim as text.  Control characters are replaced, so that a claim can
 * go into a header or a log line as it is.
 */

static ngx_int_t
ngx_http_eda_jwt_render(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    const char *name, size_t len)
{
    u_char                  *p, *last;
    size_t                   n;
    ngx_http_eda_jwt_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_eda_jwt_module);

    if (ctx == NULL || !ctx->have_res || ctx->rc != NGX_EDA_JWT_OK
        || ngx_eda_jwt_claim_render(&ctx->res, name, len, NULL, 0, &n) != 0
        || n == 0)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, n);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ngx_eda_jwt_claim_render(&ctx->res, name, len, (char *) p, n, &n)
        != 0)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    for (last = p + n, v->data = p; p < last; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }

    v->len = n;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
