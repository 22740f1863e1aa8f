
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * eda_jwt's access phase: the token from the request, its judgement
 * (ngx_http_eda_jwt_lookup.c), possibly after a wait for Redis, and the
 * answer: on to the next phase, or 401/403 with RFC 6750's
 * WWW-Authenticate.  Also what other modules ask of the admitted token.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_jwt.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_jwt_int.h"
#include "ngx_http_eda_jwt_module.h"


static ngx_int_t ngx_http_eda_jwt_token(ngx_http_request_t *r,
    ngx_http_eda_jwt_loc_conf_t *jlcf, ngx_str_t *token);
static ngx_int_t ngx_http_eda_jwt_finish(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static ngx_int_t ngx_http_eda_jwt_reject(ngx_http_request_t *r,
    ngx_eda_jwt_rc_e rc, const char *desc);
static ngx_http_eda_jwt_ctx_t *ngx_http_eda_jwt_ctx(ngx_http_request_t *r,
    ngx_str_t *token);
static void ngx_http_eda_jwt_cleanup(void *data);


ngx_int_t
ngx_http_eda_jwt_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_str_t                     token;
    ngx_http_eda_jwt_ctx_t       *ctx;
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    jlcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_jwt_module);

    if (jlcf->mode == NGX_HTTP_EDA_JWT_OFF || jlcf->deferred
        || r != r->main)
    {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_jwt_module);

    if (ctx != NULL) {
        if (ctx->waiting) {
            return NGX_AGAIN;
        }

        if (ctx->done) {
            return ngx_http_eda_jwt_finish(r, ctx, jlcf);
        }

        /* an internal redirect: the token was judged already */
        return NGX_DECLINED;
    }

    if (ngx_http_eda_jwt_token(r, jlcf, &token) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (token.len == 0) {
        if (jlcf->mode == NGX_HTTP_EDA_JWT_OPTIONAL) {
            return NGX_DECLINED;
        }

        return ngx_http_eda_jwt_reject(r, NGX_EDA_JWT_OK, NULL);
    }

    ctx = ngx_http_eda_jwt_ctx(r, &token);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_eda_jwt_lookup(r, ctx, jlcf);

    if (rc == NGX_AGAIN) {
        ctx->waiting = 1;
        r->read_event_handler = ngx_http_test_reading;
        return NGX_AGAIN;
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->done = 1;

    return ngx_http_eda_jwt_finish(r, ctx, jlcf);
}


/* the request's judgement of TOKEN, to come; a new one replaces any */

static ngx_http_eda_jwt_ctx_t *
ngx_http_eda_jwt_ctx(ngx_http_request_t *r, ngx_str_t *token)
{
    ngx_pool_cleanup_t      *cln;
    ngx_http_eda_jwt_ctx_t  *ctx;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_jwt_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->request = r;
    ctx->token = *token;
    ctx->revoked = -1;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_eda_jwt_cleanup;
    cln->data = ctx;

    if (ngx_eda_jwt_cache_key((const char *) token->data, token->len,
                              (char *) ctx->digest)
        != 0)
    {
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_eda_jwt_module);

    return ctx;
}


/* the token: eda_jwt_token, else "Authorization: Bearer <token>" */

static ngx_int_t
ngx_http_eda_jwt_token(ngx_http_request_t *r,
    ngx_http_eda_jwt_loc_conf_t *jlcf, ngx_str_t *token)
{
    u_char     *p, *last;
    ngx_str_t  *auth;

    token->len = 0;
    token->data = NULL;

    if (jlcf->token != NULL) {
        return ngx_http_complex_value(r, jlcf->token, token);
    }

    if (r->headers_in.authorization == NULL) {
        return NGX_OK;
    }

    auth = &r->headers_in.authorization->value;

    if (auth->len <= sizeof("Bearer ") - 1
        || ngx_strncasecmp(auth->data, (u_char *) "Bearer ",
                           sizeof("Bearer ") - 1) != 0)
    {
        return NGX_OK;
    }

    p = auth->data + sizeof("Bearer ") - 1;
    last = auth->data + auth->len;

    while (p < last && *p == ' ') {
        p++;
    }

    while (last > p && last[-1] == ' ') {
        last--;
    }

    token->data = p;
    token->len = last - p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_jwt_finish(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
    if (ctx->unavailable) {
        ngx_http_finalize_request(r, ngx_http_eda_problem(r,
                                      NGX_HTTP_SERVICE_UNAVAILABLE, ctx->err,
                                      1));
        return NGX_DONE;
    }

    if (ctx->rc != NGX_EDA_JWT_OK) {
        return ngx_http_eda_jwt_reject(r, ctx->rc, ctx->err);
    }

    if (ctx->revoked == 1) {
        return ngx_http_eda_jwt_reject(r, NGX_EDA_JWT_BAD_CLAIMS,
                                       "the token was revoked");
    }

    return NGX_DECLINED;
}


/*
 * 401 with RFC 6750's WWW-Authenticate (no error code when there was no
 * token at all), 403 for a valid token that lacks a required claim.
 */

static ngx_int_t
ngx_http_eda_jwt_reject(ngx_http_request_t *r, ngx_eda_jwt_rc_e rc,
    const char *desc)
{
    u_char                  *p;
    size_t                   len;
    ngx_int_t                status;
    const char              *error;
    ngx_table_elt_t         *h;
    ngx_eda_main_conf_t     *emcf;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (rc == NGX_EDA_JWT_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_eda_metrics_count(emcf, NGX_EDA_M_JWT_REJECTED, 1);

    if (rc == NGX_EDA_JWT_OK) {
        status = NGX_HTTP_UNAUTHORIZED;
        error = NULL;
        desc = "a bearer token is required";

    } else {
        status = ngx_eda_jwt_rc_status(rc);
        error = ngx_eda_jwt_rc_error(rc);

        if (desc == NULL) {
            desc = "invalid token";
        }
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof("Bearer error=\"\", error_description=\"\"") - 1
          + (error ? ngx_strlen(error) : 0) + ngx_strlen(desc);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = p;

    if (error == NULL) {
        p = ngx_cpymem(p, "Bearer", sizeof("Bearer") - 1);

    } else {
        p = ngx_sprintf(p, "Bearer error=\"%s\", error_description=\"%s\"",
                        error, desc);
    }

    h->value.len = p - h->value.data;

    ngx_http_finalize_request(r, ngx_http_eda_problem(r, status, desc, 0));

    return NGX_DONE;
}


static void
ngx_http_eda_jwt_cleanup(void *data)
{
    ngx_http_eda_jwt_ctx_t  *ctx = data;

    ngx_uint_t  i;

    for (i = 0; i < 2; i++) {
        if (ctx->cmd[i] != NULL) {
            ngx_eda_redis_detach(ctx->cmd[i]);
            ctx->cmd[i] = NULL;
        }
    }

    if (ctx->have_res) {
        ngx_eda_jwt_result_free(&ctx->res);
        ctx->have_res = 0;
    }
}


time_t
ngx_http_eda_jwt_expires(ngx_http_request_t *r)
{
    ngx_http_eda_jwt_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_eda_jwt_module);

    if (ctx == NULL || !ctx->have_res || ctx->rc != NGX_EDA_JWT_OK
        || !ctx->res.has_exp)
    {
        return 0;
    }

    return (time_t) ctx->res.exp;
}


void
ngx_http_eda_jwt_defer(ngx_conf_t *cf)
{
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    jlcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_eda_jwt_module);
    jlcf->deferred = 1;
}


ngx_uint_t
ngx_http_eda_jwt_enabled(ngx_http_request_t *r)
{
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    jlcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_jwt_module);

    return jlcf->mode != NGX_HTTP_EDA_JWT_OFF;
}


ngx_int_t
ngx_http_eda_jwt_judge(ngx_http_request_t *r, ngx_str_t *token,
    void (*judged)(void *data), void *data)
{
    ngx_int_t                     rc;
    ngx_http_eda_jwt_ctx_t       *ctx;
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    jlcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_jwt_module);

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_jwt_module);
    if (ctx != NULL && ctx->waiting) {
        return NGX_ERROR;
    }

    ctx = ngx_http_eda_jwt_ctx(r, token);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->judged = judged;
    ctx->data = data;

    rc = ngx_http_eda_jwt_lookup(r, ctx, jlcf);

    if (rc == NGX_AGAIN) {
        ctx->waiting = 1;
        return NGX_AGAIN;
    }

    if (rc == NGX_ERROR) {
        ctx->rc = NGX_EDA_JWT_ERROR;
    }

    ctx->done = 1;

    return NGX_OK;
}


ngx_int_t
ngx_http_eda_jwt_outcome(ngx_http_request_t *r, const char **desc)
{
    ngx_eda_main_conf_t     *emcf;
    ngx_http_eda_jwt_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_jwt_module);

    if (ctx == NULL || !ctx->done) {
        *desc = "a bearer token is required";
        return NGX_HTTP_UNAUTHORIZED;
    }

    if (ctx->rc == NGX_EDA_JWT_OK && ctx->revoked != 1) {
        return NGX_OK;
    }

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);
    ngx_eda_metrics_count(emcf, NGX_EDA_M_JWT_REJECTED, 1);

    if (ctx->unavailable) {
        *desc = ctx->err;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    if (ctx->rc == NGX_EDA_JWT_ERROR) {
        *desc = "the token could not be checked";
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->rc == NGX_EDA_JWT_OK) {
        *desc = "the token was revoked";
        return NGX_HTTP_UNAUTHORIZED;
    }

    *desc = ctx->err ? ctx->err : "invalid token";

    return ngx_eda_jwt_rc_status(ctx->rc);
}
