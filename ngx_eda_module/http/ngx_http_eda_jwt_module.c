
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_jwt: JWT validation in the access phase.  The algorithm and the key
 * come from configuration (ngx_eda_jwt.c), validated claims are cached by
 * token digest in a shared memory zone (L1) and, for the algorithms whose
 * verification costs more than a Redis round trip, in Redis (L2); with
 * eda_jwt_revocation a jti listed in Redis is refused by every gateway
 * within the L1 lifetime.  Redis is never needed for a correct answer:
 * when it is away or slow, tokens are verified locally.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>

#include "ngx_eda_module.h"
#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_cache.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_jwt_module.h"


#define NGX_HTTP_EDA_JWT_OFF         0
#define NGX_HTTP_EDA_JWT_ON          1
#define NGX_HTTP_EDA_JWT_OPTIONAL    2

#define NGX_HTTP_EDA_JWT_SHM_SIZE    (1024 * 1024)
#define NGX_HTTP_EDA_JWT_TTL         60

/* an entry whose revocation could not be asked is asked again soon */
#define NGX_HTTP_EDA_JWT_UNCHECKED   5

#define NGX_HTTP_EDA_JWT_MAX_FILE    (1024 * 1024)


typedef struct {
    size_t                      shm_size;
    time_t                      ttl;
    ngx_flag_t                  redis;
    ngx_shm_zone_t             *zone;
    ngx_uint_t                  used;
    ngx_uint_t                  cache_set;
} ngx_http_eda_jwt_main_conf_t;


typedef struct {
    ngx_uint_t                  mode;
    ngx_eda_jwt_keyset_t       *keyset;
    ngx_str_t                   key_file;
    ngx_eda_jwt_algs_t          algorithms;
    ngx_uint_t                  algorithms_set;
    ngx_str_t                   issuer;
    ngx_array_t                *audiences;     /* ngx_str_t */
    time_t                      leeway;
    ngx_array_t                *required;      /* ngx_eda_jwt_claim_req_t */
    ngx_http_complex_value_t   *token;
    ngx_flag_t                  revocation;
    ngx_eda_jwt_policy_t        policy;
} ngx_http_eda_jwt_loc_conf_t;


typedef struct {
    ngx_http_request_t         *request;
    ngx_eda_jwt_result_t        res;
    ngx_str_t                   token;
    u_char                      digest[NGX_EDA_JWT_CACHE_KEY_LEN];
    ngx_eda_redis_cmd_t        *cmd[2];
    ngx_uint_t                  pending;
    ngx_str_t                   l2;           /* Redis's cached entry */
    ngx_int_t                   revoked;      /* -1: unknown */
    ngx_eda_jwt_rc_e            rc;
    const char                 *err;
    unsigned                    have_res:1;
    unsigned                    waiting:1;
    unsigned                    done:1;
    unsigned                    l2_asked:1;
} ngx_http_eda_jwt_ctx_t;


static ngx_int_t ngx_http_eda_jwt_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_jwt_token(ngx_http_request_t *r,
    ngx_http_eda_jwt_loc_conf_t *jlcf, ngx_str_t *token);
static ngx_int_t ngx_http_eda_jwt_lookup(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static ngx_int_t ngx_http_eda_jwt_verify(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static ngx_int_t ngx_http_eda_jwt_ask_redis(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf,
    ngx_uint_t l2, const char *jti, size_t jti_len);
static void ngx_http_eda_jwt_l2_reply(void *reply, void *data);
static void ngx_http_eda_jwt_revoked_reply(void *reply, void *data);
static void ngx_http_eda_jwt_answered(ngx_http_eda_jwt_ctx_t *ctx);
static ngx_int_t ngx_http_eda_jwt_finish(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static void ngx_http_eda_jwt_remember(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static void ngx_http_eda_jwt_share(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static ngx_int_t ngx_http_eda_jwt_reject(ngx_http_request_t *r,
    ngx_eda_jwt_rc_e rc, const char *desc);
static ngx_str_t *ngx_http_eda_jwt_redis_key(ngx_http_request_t *r,
    const char *kind, const u_char *id, size_t len);
static void ngx_http_eda_jwt_cleanup(void *data);

static ngx_int_t ngx_http_eda_jwt_sub_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_eda_jwt_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_eda_jwt_render(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, const char *name, size_t len);

static ngx_int_t ngx_http_eda_jwt_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_eda_jwt_init(ngx_conf_t *cf);
static void *ngx_http_eda_jwt_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_eda_jwt_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_eda_jwt(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_jwt_audience(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_jwt_require_claim(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_eda_jwt_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_jwt_revocation(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_eda_jwt_keyset_cleanup(void *data);


static ngx_command_t  ngx_http_eda_jwt_commands[] = {

    { ngx_string("eda_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_jwt,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_jwt_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_jwt_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_jwt_algorithms"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_jwt_algorithms,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_jwt_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_jwt_loc_conf_t, issuer),
      NULL },

    { ngx_string("eda_jwt_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_jwt_audience,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_jwt_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_jwt_loc_conf_t, leeway),
      NULL },

    { ngx_string("eda_jwt_require_claim"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_eda_jwt_require_claim,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_jwt_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_jwt_loc_conf_t, token),
      NULL },

    { ngx_string("eda_jwt_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_eda_jwt_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_jwt_revocation"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_eda_jwt_revocation,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_jwt_loc_conf_t, revocation),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_jwt_module_ctx = {
    ngx_http_eda_jwt_add_variables,        /* preconfiguration */
    ngx_http_eda_jwt_init,                 /* postconfiguration */

    ngx_http_eda_jwt_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_jwt_create_loc_conf,      /* create location configuration */
    ngx_http_eda_jwt_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_eda_jwt_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_jwt_module_ctx,          /* module context */
    ngx_http_eda_jwt_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_eda_jwt_sub_name = ngx_string("eda_jwt_sub");
static ngx_str_t  ngx_http_eda_jwt_claim_name =
    ngx_string("eda_jwt_claim_");


static ngx_int_t
ngx_http_eda_jwt_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_str_t                     token;
    ngx_pool_cleanup_t           *cln;
    ngx_http_eda_jwt_ctx_t       *ctx;
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    jlcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_jwt_module);

    if (jlcf->mode == NGX_HTTP_EDA_JWT_OFF || r != r->main) {
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

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_jwt_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ctx->token = token;
    ctx->revoked = -1;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_eda_jwt_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_eda_jwt_module);

    if (ngx_eda_jwt_cache_key((const char *) token.data, token.len,
                              (char *) ctx->digest)
        != 0)
    {
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


/*
 * L1 first; on a miss the token is verified here and now, except for the
 * algorithms whose verification costs more than a Redis round trip, for
 * which Redis (L2) is asked first.  Revocation is asked of Redis when a
 * token enters L1, together with L2 when both are needed.
 * NGX_OK: ctx->rc holds the outcome; NGX_AGAIN: waiting for Redis.
 */

static ngx_int_t
ngx_http_eda_jwt_lookup(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
    ngx_int_t                      rc;
    ngx_uint_t                     expensive;
    ngx_eda_jwt_token_t            t;
    ngx_eda_main_conf_t           *emcf;
    ngx_eda_jwt_cache_entry_t      e;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    jmcf = ngx_http_get_module_main_conf(r, ngx_http_eda_jwt_module);
    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (jmcf->zone != NULL
        && ngx_eda_jwt_cache_get(jmcf->zone, ctx->digest, r->pool, &e)
           == NGX_OK
        && ngx_eda_jwt_result_restore(jlcf->keyset,
                                      (const char *) e.claims.data,
                                      e.claims.len, &ctx->res, &ctx->err)
           == NGX_EDA_JWT_OK)
    {
        ctx->have_res = 1;
        ctx->revoked = e.revoked;
        ngx_eda_metrics_count(emcf, NGX_EDA_M_JWT_CACHE_HIT, 1);

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "eda jwt: L1 hit");

        ctx->rc = ngx_eda_jwt_check_claims(&jlcf->policy, &ctx->res,
                                           ngx_time(), &ctx->err);
        return NGX_OK;
    }

    ngx_eda_metrics_count(emcf, NGX_EDA_M_JWT_CACHE_MISS, 1);

    expensive = 0;

    if (jmcf->redis) {
        if (ngx_eda_jwt_parse((const char *) ctx->token.data, ctx->token.len,
                              jlcf->policy.max_token_len, &t, &ctx->err)
            != NGX_EDA_JWT_OK)
        {
            ctx->rc = NGX_EDA_JWT_MALFORMED;
            return NGX_OK;
        }

        expensive = (NGX_EDA_JWT_ALG_BIT(t.alg) & NGX_EDA_JWT_ALGS_ES) != 0;
        ngx_eda_jwt_token_free(&t);
    }

    if (expensive) {
        rc = ngx_http_eda_jwt_ask_redis(r, ctx, jlcf, 1, NULL, 0);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    return ngx_http_eda_jwt_verify(r, ctx, jlcf);
}


static ngx_int_t
ngx_http_eda_jwt_verify(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
    ngx_int_t  rc;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "eda jwt: verifying");

    ctx->rc = ngx_eda_jwt_verify(jlcf->keyset, &jlcf->policy,
                                 (const char *) ctx->token.data,
                                 ctx->token.len, ngx_time(), &ctx->res,
                                 &ctx->err);

    if (ctx->rc != NGX_EDA_JWT_OK) {
        return NGX_OK;
    }

    ctx->have_res = 1;

    ngx_http_eda_jwt_share(r, ctx, jlcf);

    if (jlcf->revocation && ctx->res.jti != NULL && ctx->revoked == -1) {
        rc = ngx_http_eda_jwt_ask_redis(r, ctx, jlcf, 0, ctx->res.jti,
                                        ctx->res.jti_len);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    ngx_http_eda_jwt_remember(r, ctx, jlcf);

    return NGX_OK;
}


/*
 * Sends GET of the L2 entry (l2) or EXISTS of the revocation key.
 * NGX_AGAIN when sent, NGX_DECLINED when Redis is not there.
 */

static ngx_int_t
ngx_http_eda_jwt_ask_redis(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf, ngx_uint_t l2, const char *jti,
    size_t jti_len)
{
    size_t                 argvlen[2];
    ngx_str_t             *key;
    const char            *argv[2];
    ngx_eda_main_conf_t   *emcf;
    ngx_eda_redis_cmd_t   *cmd;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (l2) {
        key = ngx_http_eda_jwt_redis_key(r, "jwt:", ctx->digest,
                                         NGX_EDA_JWT_CACHE_KEY_LEN);
        argv[0] = "GET";
        argvlen[0] = 3;

    } else {
        key = ngx_http_eda_jwt_redis_key(r, "revoked:", (const u_char *) jti,
                                         jti_len);
        argv[0] = "EXISTS";
        argvlen[0] = 6;
    }

    if (key == NULL) {
        return NGX_ERROR;
    }

    argv[1] = (const char *) key->data;
    argvlen[1] = key->len;

    cmd = ngx_eda_redis_command(emcf, l2 ? ngx_http_eda_jwt_l2_reply
                                         : ngx_http_eda_jwt_revoked_reply,
                                ctx, 2, argv, argvlen);
    if (cmd == NULL) {
        return NGX_DECLINED;
    }

    ctx->cmd[l2 ? 0 : 1] = cmd;
    ctx->pending++;

    if (l2) {
        ctx->l2_asked = 1;
    }

    return NGX_AGAIN;
}


static void
ngx_http_eda_jwt_l2_reply(void *reply, void *data)
{
    redisReply              *rr = reply;
    ngx_http_eda_jwt_ctx_t  *ctx = data;

    ctx->cmd[0] = NULL;

    if (rr != NULL && rr->type == REDIS_REPLY_STRING && rr->len > 0) {
        ctx->l2.data = ngx_pnalloc(ctx->request->pool, rr->len);

        if (ctx->l2.data != NULL) {
            ngx_memcpy(ctx->l2.data, rr->str, rr->len);
            ctx->l2.len = rr->len;
        }
    }

    ngx_http_eda_jwt_answered(ctx);
}


static void
ngx_http_eda_jwt_revoked_reply(void *reply, void *data)
{
    redisReply              *rr = reply;
    ngx_http_eda_jwt_ctx_t  *ctx = data;

    ctx->cmd[1] = NULL;

    if (rr != NULL && rr->type == REDIS_REPLY_INTEGER) {
        ctx->revoked = rr->integer > 0;
    }

    ngx_http_eda_jwt_answered(ctx);
}


/* a Redis answer (or its absence) came: go on with the request */

static void
ngx_http_eda_jwt_answered(ngx_http_eda_jwt_ctx_t *ctx)
{
    ngx_int_t                     rc;
    ngx_connection_t             *c;
    ngx_http_request_t           *r;
    ngx_http_eda_jwt_loc_conf_t  *jlcf;

    if (--ctx->pending) {
        return;
    }

    r = ctx->request;
    c = r->connection;
    jlcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_jwt_module);

    if (!ctx->have_res) {

        /* an L2 answer: a usable entry, or verify here after all */

        if (ctx->l2.len
            && ngx_eda_jwt_result_restore(jlcf->keyset,
                                          (const char *) ctx->l2.data,
                                          ctx->l2.len, &ctx->res, &ctx->err)
               == NGX_EDA_JWT_OK)
        {
            ctx->have_res = 1;
            ctx->rc = ngx_eda_jwt_check_claims(&jlcf->policy, &ctx->res,
                                               ngx_time(), &ctx->err);
            rc = NGX_OK;

            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0, "eda jwt: L2 hit");

            if (ctx->rc == NGX_EDA_JWT_OK && jlcf->revocation
                && ctx->res.jti != NULL)
            {
                rc = ngx_http_eda_jwt_ask_redis(r, ctx, jlcf, 0,
                                                ctx->res.jti,
                                                ctx->res.jti_len);
                if (rc == NGX_AGAIN) {
                    return;
                }
            }

            if (ctx->rc == NGX_EDA_JWT_OK) {
                ngx_http_eda_jwt_remember(r, ctx, jlcf);
            }

        } else {
            rc = ngx_http_eda_jwt_verify(r, ctx, jlcf);
            if (rc == NGX_AGAIN) {
                return;
            }
        }

        if (rc == NGX_ERROR) {
            ctx->rc = NGX_EDA_JWT_ERROR;
        }

    } else {
        ngx_http_eda_jwt_remember(r, ctx, jlcf);
    }

    ctx->waiting = 0;
    ctx->done = 1;

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_eda_jwt_finish(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
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
 * Into L1, for at most the configured time and never past exp; an entry
 * whose revocation could not be asked lives only briefly.
 */

static void
ngx_http_eda_jwt_remember(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
    char                          *json;
    size_t                         len;
    time_t                         ttl, now;
    ngx_eda_jwt_cache_entry_t      e;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    jmcf = ngx_http_get_module_main_conf(r, ngx_http_eda_jwt_module);

    if (jmcf->zone == NULL) {
        return;
    }

    now = ngx_time();
    ttl = jmcf->ttl;

    if (jlcf->revocation && ctx->res.jti != NULL && ctx->revoked == -1) {
        ttl = ngx_min(ttl, NGX_HTTP_EDA_JWT_UNCHECKED);
    }

    if (ctx->res.has_exp) {
        if (ctx->res.exp <= now) {
            return;
        }

        ttl = ngx_min(ttl, (time_t) (ctx->res.exp - now));
    }

    json = ngx_eda_jwt_result_serialize(jlcf->keyset, &ctx->res, &len);
    if (json == NULL) {
        return;
    }

    e.claims.data = (u_char *) json;
    e.claims.len = len;
    e.expires = now + ttl;
    e.revoked = (ctx->revoked == 1);

    (void) ngx_eda_jwt_cache_put(jmcf->zone, ctx->digest, &e);

    free(json);
}


/* into L2, for the other gateways: only the expensive algorithms */

static void
ngx_http_eda_jwt_share(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
    char                          *json;
    size_t                         len, argvlen[5];
    u_char                         ttl_buf[NGX_TIME_T_LEN];
    time_t                         ttl, now;
    ngx_str_t                     *key;
    const char                    *argv[5];
    ngx_eda_main_conf_t           *emcf;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    jmcf = ngx_http_get_module_main_conf(r, ngx_http_eda_jwt_module);

    if (!jmcf->redis || ctx->l2_asked == 0) {
        return;
    }

    now = ngx_time();
    ttl = jmcf->ttl;

    if (ctx->res.has_exp) {
        if (ctx->res.exp <= now) {
            return;
        }

        ttl = ngx_min(ttl, (time_t) (ctx->res.exp - now));
    }

    key = ngx_http_eda_jwt_redis_key(r, "jwt:", ctx->digest,
                                     NGX_EDA_JWT_CACHE_KEY_LEN);
    if (key == NULL) {
        return;
    }

    json = ngx_eda_jwt_result_serialize(jlcf->keyset, &ctx->res, &len);
    if (json == NULL) {
        return;
    }

    argv[0] = "SET";
    argvlen[0] = 3;
    argv[1] = (const char *) key->data;
    argvlen[1] = key->len;
    argv[2] = json;
    argvlen[2] = len;
    argv[3] = "EX";
    argvlen[3] = 2;
    argv[4] = (const char *) ttl_buf;
    argvlen[4] = ngx_sprintf(ttl_buf, "%T", ttl) - ttl_buf;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    /* fire and forget: nobody waits for it */
    (void) ngx_eda_redis_command(emcf, NULL, NULL, 5, argv, argvlen);

    free(json);
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


static ngx_str_t *
ngx_http_eda_jwt_redis_key(ngx_http_request_t *r, const char *kind,
    const u_char *id, size_t len)
{
    u_char               *p;
    ngx_str_t            *key, *prefix;
    ngx_eda_main_conf_t  *emcf;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);
    prefix = ngx_eda_redis_prefix(emcf);

    key = ngx_palloc(r->pool, sizeof(ngx_str_t));
    if (key == NULL) {
        return NULL;
    }

    key->len = prefix->len + ngx_strlen(kind) + len;

    key->data = ngx_pnalloc(r->pool, key->len);
    if (key->data == NULL) {
        return NULL;
    }

    p = ngx_cpymem(key->data, prefix->data, prefix->len);
    p = ngx_cpymem(p, kind, ngx_strlen(kind));
    ngx_memcpy(p, id, len);

    return key;
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


static ngx_int_t
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
ngx_http_eda_jwt_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt           *h;
    ngx_eda_main_conf_t           *emcf;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    jmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_eda_jwt_module);
    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    if (!jmcf->used) {
        return NGX_OK;
    }

    if (emcf->redis_used && emcf->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_jwt_revocation\" and \"eda_jwt_cache "
                           "redis=on\" require \"eda_redis\"");
        return NGX_ERROR;
    }

    if (jmcf->shm_size) {
        jmcf->zone = ngx_eda_jwt_cache_zone(cf, jmcf->shm_size,
                                            &ngx_http_eda_jwt_module);
        if (jmcf->zone == NULL) {
            return NGX_ERROR;
        }
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_eda_jwt_handler;

    return NGX_OK;
}


static void *
ngx_http_eda_jwt_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    jmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_jwt_main_conf_t));
    if (jmcf == NULL) {
        return NULL;
    }

    jmcf->shm_size = NGX_HTTP_EDA_JWT_SHM_SIZE;
    jmcf->ttl = NGX_HTTP_EDA_JWT_TTL;
    jmcf->redis = 0;

    return jmcf;
}


static void *
ngx_http_eda_jwt_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_jwt_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_jwt_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->keyset = NULL;
     *     conf->issuer = { 0, NULL };
     *     conf->audiences = NULL;
     *     conf->required = NULL;
     *     conf->algorithms_set = 0;
     */

    conf->mode = NGX_CONF_UNSET_UINT;
    conf->leeway = NGX_CONF_UNSET;
    conf->token = NGX_CONF_UNSET_PTR;
    conf->revocation = NGX_CONF_UNSET;
    conf->issuer.len = NGX_CONF_UNSET_SIZE;

    return conf;
}


static char *
ngx_http_eda_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_eda_jwt_loc_conf_t *prev = parent;
    ngx_http_eda_jwt_loc_conf_t *conf = child;

    size_t                    *lens;
    ngx_str_t                 *aud;
    ngx_uint_t                 i;
    const char               **names;
    ngx_eda_jwt_algs_t         usable;

    ngx_conf_merge_uint_value(conf->mode, prev->mode, NGX_HTTP_EDA_JWT_OFF);
    ngx_conf_merge_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_ptr_value(conf->token, prev->token, NULL);
    ngx_conf_merge_value(conf->revocation, prev->revocation, 0);

    if (conf->issuer.len == NGX_CONF_UNSET_SIZE) {
        conf->issuer = prev->issuer;

        if (conf->issuer.len == NGX_CONF_UNSET_SIZE) {
            ngx_str_null(&conf->issuer);
        }
    }

    if (conf->keyset == NULL) {
        conf->keyset = prev->keyset;
        conf->key_file = prev->key_file;
    }

    if (!conf->algorithms_set) {
        conf->algorithms = prev->algorithms;
        conf->algorithms_set = prev->algorithms_set;
    }

    if (conf->audiences == NULL) {
        conf->audiences = prev->audiences;
    }

    if (conf->required == NULL) {
        conf->required = prev->required;
    }

    if (conf->mode == NGX_HTTP_EDA_JWT_OFF) {
        return NGX_CONF_OK;
    }

    if (conf->keyset == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_jwt\" requires \"eda_jwt_key_file\"");
        return NGX_CONF_ERROR;
    }

    if (!conf->algorithms_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_jwt\" requires \"eda_jwt_algorithms\": "
                           "the accepted algorithms are never guessed");
        return NGX_CONF_ERROR;
    }

    usable = ngx_eda_jwt_keyset_algs(conf->keyset) & conf->algorithms;

    if (usable == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no key in \"%V\" verifies any algorithm of "
                           "\"eda_jwt_algorithms\"", &conf->key_file);
        return NGX_CONF_ERROR;
    }

    ngx_eda_jwt_policy_init(&conf->policy);

    conf->policy.algorithms = conf->algorithms;
    conf->policy.leeway = conf->leeway;

    if (conf->issuer.len) {
        conf->policy.issuer = (const char *) conf->issuer.data;
        conf->policy.issuer_len = conf->issuer.len;
    }

    if (conf->audiences != NULL) {
        names = ngx_palloc(cf->pool, conf->audiences->nelts * sizeof(char *));
        lens = ngx_palloc(cf->pool, conf->audiences->nelts * sizeof(size_t));
        if (names == NULL || lens == NULL) {
            return NGX_CONF_ERROR;
        }

        aud = conf->audiences->elts;

        for (i = 0; i < conf->audiences->nelts; i++) {
            names[i] = (const char *) aud[i].data;
            lens[i] = aud[i].len;
        }

        conf->policy.audiences = names;
        conf->policy.audience_lens = lens;
        conf->policy.naudiences = conf->audiences->nelts;
    }

    if (conf->required != NULL) {
        conf->policy.required = conf->required->elts;
        conf->policy.nrequired = conf->required->nelts;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    ngx_str_t                     *value;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    if (jlcf->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        jlcf->mode = NGX_HTTP_EDA_JWT_ON;

    } else if (ngx_strcmp(value[1].data, "optional") == 0) {
        jlcf->mode = NGX_HTTP_EDA_JWT_OPTIONAL;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        jlcf->mode = NGX_HTTP_EDA_JWT_OFF;
        return NGX_CONF_OK;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\": expected \"on\", "
                           "\"off\" or \"optional\"", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    jmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_eda_jwt_module);
    jmcf->used = 1;

    return NGX_CONF_OK;
}


/* the key file is read and its keys converted once, here */

static char *
ngx_http_eda_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    char                  err[NGX_EDA_JWT_ERRLEN];
    u_char               *buf;
    ssize_t               n;
    ngx_fd_t              fd;
    ngx_str_t            *value, name;
    ngx_file_info_t       fi;
    ngx_pool_cleanup_t   *cln;
    ngx_eda_jwt_keyset_t *ks;

    if (jlcf->keyset != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot open \"%V\"", &cmd->name, &name);
        return NGX_CONF_ERROR;
    }

    buf = NULL;
    n = -1;

    if (ngx_fd_info(fd, &fi) != NGX_FILE_ERROR
        && ngx_file_size(&fi) <= NGX_HTTP_EDA_JWT_MAX_FILE)
    {
        buf = ngx_pnalloc(cf->temp_pool, ngx_file_size(&fi) + 1);
        if (buf != NULL) {
            n = ngx_read_fd(fd, buf, ngx_file_size(&fi));
        }
    }

    ngx_close_file(fd);

    if (buf == NULL || n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": cannot read \"%V\" (at most 1m)",
                           &cmd->name, &name);
        return NGX_CONF_ERROR;
    }

    ks = ngx_eda_jwt_keyset_load(buf, (size_t) n, err, sizeof(err));

    /* the secret or keys do not stay in the temporary pool */
    ngx_explicit_memzero(buf, n);

    if (ks == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" \"%V\": %s",
                           &cmd->name, &name, err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_eda_jwt_keyset_free(ks);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_eda_jwt_keyset_cleanup;
    cln->data = ks;

    jlcf->keyset = ks;
    jlcf->key_file = name;

    return NGX_CONF_OK;
}


static void
ngx_http_eda_jwt_keyset_cleanup(void *data)
{
    ngx_eda_jwt_keyset_free(data);
}


static char *
ngx_http_eda_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    ngx_str_t          *value;
    ngx_uint_t          i;
    ngx_eda_jwt_alg_e   alg;

    if (jlcf->algorithms_set) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        alg = ngx_eda_jwt_alg_parse((const char *) value[i].data,
                                    value[i].len);

        if (alg == NGX_EDA_JWT_ALG_UNKNOWN) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid algorithm \"%V\" in \"%V\": one of "
                               "HS256/384/512, RS256/384/512, ES256/384/512"
                               "%s", &value[i], &cmd->name,
                               ngx_strcasecmp(value[i].data,
                                              (u_char *) "none") == 0
                               ? " (\"none\" is never accepted)" : "");
            return NGX_CONF_ERROR;
        }

        jlcf->algorithms |= NGX_EDA_JWT_ALG_BIT(alg);
    }

    jlcf->algorithms_set = 1;

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_jwt_audience(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    ngx_str_t   *value, *aud;
    ngx_uint_t   i;

    if (jlcf->audiences != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    jlcf->audiences = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                       sizeof(ngx_str_t));
    if (jlcf->audiences == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        aud = ngx_array_push(jlcf->audiences);
        if (aud == NULL) {
            return NGX_CONF_ERROR;
        }

        *aud = value[i];
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_jwt_require_claim(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    ngx_str_t                *value;
    ngx_eda_jwt_claim_req_t  *req;

    value = cf->args->elts;

    if (jlcf->required == NULL) {
        jlcf->required = ngx_array_create(cf->pool, 4,
                                          sizeof(ngx_eda_jwt_claim_req_t));
        if (jlcf->required == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    req = ngx_array_push(jlcf->required);
    if (req == NULL) {
        return NGX_CONF_ERROR;
    }

    req->name = (const char *) value[1].data;
    req->name_len = value[1].len;
    req->value = (const char *) value[2].data;
    req->value_len = value[2].len;

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_jwt_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_main_conf_t *jmcf = conf;

    ssize_t               size;
    ngx_str_t            *value, s;
    ngx_uint_t            i;
    ngx_eda_main_conf_t  *emcf;

    if (jmcf->cache_set) {
        return "is duplicate";
    }

    jmcf->cache_set = 1;
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "shm_size=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            size = ngx_parse_size(&s);
            if (size == NGX_ERROR
                || (size != 0 && (size_t) size < 8 * ngx_pagesize))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\" in \"%V\": 0 (no cache) "
                                   "or at least %uz", &value[i], &cmd->name,
                                   8 * ngx_pagesize);
                return NGX_CONF_ERROR;
            }

            jmcf->shm_size = size;
            continue;
        }

        if (ngx_strcmp(value[i].data, "redis=on") == 0) {
            jmcf->redis = 1;
            emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
            emcf->redis_used = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "redis=off") == 0) {
            jmcf->redis = 0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            jmcf->ttl = ngx_parse_time(&s, 1);
            if (jmcf->ttl == (time_t) NGX_ERROR || jmcf->ttl == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\" in \"%V\"", &value[i],
                                   &cmd->name);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown parameter \"%V\" in \"%V\"", &value[i],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_jwt_revocation(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    char                 *rv;
    ngx_eda_main_conf_t  *emcf;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);

    if (rv == NGX_CONF_OK && jlcf->revocation) {
        emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
        emcf->redis_used = 1;
    }

    return rv;
}
