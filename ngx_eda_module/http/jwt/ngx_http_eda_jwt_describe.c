
/*
 * Copyright (C) ngx_eda authors
 *
 * What eda_jwt checks in a location, for eda_asyncapi.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_describe.h"
#include "ngx_http_eda_jwt_int.h"
#include "ngx_http_eda_jwt_module.h"
#include "ngx_http_eda_jwt_describe.h"


ngx_int_t
ngx_http_eda_jwt_describe(ngx_conf_t *cf, void **loc_conf,
    const ngx_eda_aa_jwt_t **jwt)
{
    u_char                       *p;
    ngx_str_t                    *aud;
    ngx_uint_t                    i, n;
    const char                   *name;
    ngx_eda_aa_jwt_t             *j;
    ngx_eda_jwt_alg_e             alg;
    ngx_eda_jwt_claim_req_t      *req;
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    jlcf = loc_conf[ngx_http_eda_jwt_module.ctx_index];

    *jwt = NULL;

    if (jlcf->mode == NGX_HTTP_EDA_JWT_OFF) {
        return NGX_OK;
    }

    j = ngx_pcalloc(cf->pool, sizeof(ngx_eda_aa_jwt_t));
    if (j == NULL) {
        return NGX_ERROR;
    }

    j->mode = jlcf->mode == NGX_HTTP_EDA_JWT_OPTIONAL
              ? NGX_EDA_AA_JWT_OPTIONAL : NGX_EDA_AA_JWT_ON;
    j->revocation = (jlcf->revocation == 1);

    j->algorithms = ngx_palloc(cf->pool,
                               NGX_EDA_JWT_ALG_LAST * sizeof(char *));
    if (j->algorithms == NULL) {
        return NGX_ERROR;
    }

    for (alg = NGX_EDA_JWT_HS256; alg <= NGX_EDA_JWT_ALG_LAST; alg++) {
        if (jlcf->algorithms & NGX_EDA_JWT_ALG_BIT(alg)) {
            j->algorithms[j->nalgorithms++] = ngx_eda_jwt_alg_name(alg);
        }
    }

    if (jlcf->issuer.len) {
        j->issuer = ngx_http_eda_describe_str(cf, &jlcf->issuer);
        if (j->issuer == NULL) {
            return NGX_ERROR;
        }
    }

    if (jlcf->audiences != NULL && jlcf->audiences->nelts) {
        j->audiences = ngx_palloc(cf->pool,
                                  jlcf->audiences->nelts * sizeof(char *));
        if (j->audiences == NULL) {
            return NGX_ERROR;
        }

        aud = jlcf->audiences->elts;

        for (i = 0; i < jlcf->audiences->nelts; i++) {
            j->audiences[i] = ngx_http_eda_describe_str(cf, &aud[i]);
            if (j->audiences[i] == NULL) {
                return NGX_ERROR;
            }
        }

        j->naudiences = jlcf->audiences->nelts;
    }

    if (jlcf->required != NULL && jlcf->required->nelts) {
        j->claims = ngx_palloc(cf->pool,
                               jlcf->required->nelts * sizeof(char *));
        if (j->claims == NULL) {
            return NGX_ERROR;
        }

        req = jlcf->required->elts;

        for (i = 0; i < jlcf->required->nelts; i++) {
            n = req[i].name_len + 1 + req[i].value_len;
            p = ngx_pnalloc(cf->pool, n + 1);
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_sprintf(p, "%*s=%*s%Z", req[i].name_len, req[i].name,
                        req[i].value_len, req[i].value);
            j->claims[i] = (const char *) p;
        }

        j->nclaims = jlcf->required->nelts;
    }

    if (jlcf->token != NULL) {
        name = ngx_http_eda_describe_str(cf, &jlcf->token->value);
        if (name == NULL) {
            return NGX_ERROR;
        }

        j->token = name;
    }

    *jwt = j;

    return NGX_OK;
}
