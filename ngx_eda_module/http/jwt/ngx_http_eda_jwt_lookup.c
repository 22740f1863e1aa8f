
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * How eda_jwt judges a token: the shared memory cache (L1) first, then,
 * for the expensive algorithms, the Redis entry of another gateway (L2),
 * else a local verification; the revocation list in Redis when a token
 * enters L1, or when a location with eda_jwt_revocation finds an entry
 * that a location without it made.  Redis answers resume the request's
 * phases.
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
#include "ngx_http_eda_jwt_int.h"
#include "ngx_http_eda_jwt_module.h"


/* an entry whose revocation could not be asked is asked again soon */
#define NGX_HTTP_EDA_JWT_UNCHECKED   5


static ngx_int_t ngx_http_eda_jwt_l1_revocation(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf,
    ngx_eda_jwt_cache_entry_t *e);
static ngx_int_t ngx_http_eda_jwt_verify(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static ngx_int_t ngx_http_eda_jwt_ask_redis(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf,
    ngx_uint_t l2, const char *jti, size_t jti_len);
static void ngx_http_eda_jwt_l2_reply(void *reply, void *data);
static void ngx_http_eda_jwt_revoked_reply(void *reply, void *data);
static void ngx_http_eda_jwt_answered(ngx_http_eda_jwt_ctx_t *ctx);
static void ngx_http_eda_jwt_remember(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static void ngx_http_eda_jwt_share(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);
static ngx_str_t *ngx_http_eda_jwt_redis_key(ngx_http_request_t *r,
    const char *kind, const u_char *id, size_t len);


/*
 * L1 first; on a miss the token is verified here and now, except for the
 * algorithms whose verification costs more than a Redis round trip, for
 * which Redis (L2) is asked first.  Revocation is asked of Redis when a
 * token enters L1, together with L2 when both are needed, and on an L1
 * hit whose entry was not checked.
 * NGX_OK: ctx->rc holds the outcome; NGX_AGAIN: waiting for Redis.
 */

ngx_int_t
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

    ctx->keyset = (jlcf->jwks != NULL) ? ngx_http_eda_jwks_keys(r, jlcf->jwks)
                                       : jlcf->keyset;

    if (ctx->keyset == NULL) {
        ctx->unavailable = 1;
        ctx->rc = NGX_EDA_JWT_ERROR;
        ctx->err = "the keys of eda_jwt_jwks_url are not fetched yet";
        return NGX_OK;
    }

    if (jmcf->zone != NULL
        && ngx_eda_jwt_cache_get(jmcf->zone, ctx->digest, r->pool, &e)
           == NGX_OK
        && ngx_eda_jwt_result_restore(ctx->keyset,
                                      (const char *) e.claims.data,
                                      e.claims.len, &ctx->res, &ctx->err)
           == NGX_EDA_JWT_OK)
    {
        ctx->have_res = 1;
        ngx_eda_metrics_count(emcf, NGX_EDA_M_JWT_CACHE_HIT, 1);

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "eda jwt: L1 hit");

        ctx->rc = ngx_eda_jwt_check_claims(&jlcf->policy, &ctx->res,
                                           ngx_time(), &ctx->err);

        return ngx_http_eda_jwt_l1_revocation(r, ctx, jlcf, &e);
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


/*
 * The zone serves every location, eda_jwt_revocation is per location: an
 * entry made where it is off was never asked about, so where it is on,
 * Redis is asked now and the answer stored.  A check counts for the L1
 * lifetime configured now, even for an entry from before a reload.
 */

static ngx_int_t
ngx_http_eda_jwt_l1_revocation(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf,
    ngx_eda_jwt_cache_entry_t *e)
{
    ngx_int_t                      rc;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    jmcf = ngx_http_get_module_main_conf(r, ngx_http_eda_jwt_module);

    if (e->revoked) {
        ctx->revoked = 1;
        return NGX_OK;
    }

    if (e->checked != 0 && e->checked + jmcf->ttl > ngx_time()) {
        ctx->revoked = 0;
        return NGX_OK;
    }

    if (!jlcf->revocation || ctx->res.jti == NULL
        || ctx->rc != NGX_EDA_JWT_OK)
    {
        return NGX_OK;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "eda jwt: L1 entry not checked for revocation");

    rc = ngx_http_eda_jwt_ask_redis(r, ctx, jlcf, 0, ctx->res.jti,
                                    ctx->res.jti_len);

    return (rc == NGX_DECLINED) ? NGX_OK : rc;
}


static ngx_int_t
ngx_http_eda_jwt_verify(ngx_http_request_t *r, ngx_http_eda_jwt_ctx_t *ctx,
    ngx_http_eda_jwt_loc_conf_t *jlcf)
{
    ngx_int_t  rc;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "eda jwt: verifying");

    ctx->rc = ngx_eda_jwt_verify(ctx->keyset, &jlcf->policy,
                                 (const char *) ctx->token.data,
                                 ctx->token.len, ngx_time(), &ctx->res,
                                 &ctx->err);

    if (ctx->rc == NGX_EDA_JWT_NO_KEY && jlcf->jwks != NULL) {
        /* the provider may have published a key since: fetch again */
        ngx_http_eda_jwks_unknown_kid(jlcf->jwks);
    }

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
            && ngx_eda_jwt_result_restore(ctx->keyset,
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

    if (ctx->judged != NULL) {
        /* a token judged for another module (ngx_http_eda_jwt_judge) */
        ctx->judged(ctx->data);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


/*
 * Into L1, for at most the configured time and never past exp, with the
 * time of the revocation check if this location made one; an entry whose
 * revocation could not be asked lives only briefly.
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

    json = ngx_eda_jwt_result_serialize(ctx->keyset, &ctx->res, &len);
    if (json == NULL) {
        return;
    }

    e.claims.data = (u_char *) json;
    e.claims.len = len;
    e.expires = now + ttl;
    e.checked = (jlcf->revocation && ctx->res.jti != NULL) ? now : 0;
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

    json = ngx_eda_jwt_result_serialize(ctx->keyset, &ctx->res, &len);
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
