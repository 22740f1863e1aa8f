
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_jwt_jwks_url: the keys of an identity provider's JWKS endpoint.
 * The document lives in a shared memory zone of its own: the first worker
 * fetches it when it starts and every "refresh", a worker that meets an
 * unknown kid fetches it at once if no fetch started in the last
 * "min_refresh" (one worker of all wins), and every worker converts a new
 * document once, when it first needs it.  A fetch that fails, or gives
 * something that is not a key set, keeps the last good keys.  The zone
 * outlives reloads, so keys are there from the first request after one.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_fetch.h"
#include "ngx_eda_jwt.h"
#include "ngx_eda_module.h"
#include "ngx_http_eda_jwt_int.h"
#include "ngx_http_eda_jwt_module.h"


#define NGX_HTTP_EDA_JWKS_ERR  160


typedef struct {
    ngx_shmtx_sh_t              lock;
    ngx_atomic_t                demand;       /* next on-demand fetch, s */
    ngx_uint_t                  generation;   /* 0: no document yet */
    time_t                      fetched;      /* the last good fetch */
    time_t                      failed;       /* the last failure, or 0 */
    u_char                      error[NGX_HTTP_EDA_JWKS_ERR];
    size_t                      len;
    u_char                      doc[1];
} ngx_http_eda_jwks_shm_t;


struct ngx_http_eda_jwks_keys_s {
    ngx_eda_jwt_keyset_t       *ks;
    ngx_uint_t                  refs;         /* +1 while current */
};


struct ngx_http_eda_jwks_s {
    ngx_eda_fetch_conf_t        fetch;
    ngx_str_t                   trusted;
    time_t                      refresh;
    time_t                      min_refresh;
    ngx_shm_zone_t             *zone;
    ngx_http_eda_jwks_shm_t    *sh;
    ngx_shmtx_t                 mutex;

    /* this worker's */
    ngx_uint_t                  generation;
    ngx_http_eda_jwks_keys_t   *current;
    ngx_event_t                 timer;        /* the first worker's */
    unsigned                    fetching:1;
};


static ngx_int_t ngx_http_eda_jwks_param(void *data, ngx_str_t *param);
static ngx_int_t ngx_http_eda_jwks_init_zone(ngx_shm_zone_t *zone,
    void *data);
static void ngx_http_eda_jwks_tick(ngx_event_t *ev);
static void ngx_http_eda_jwks_start(ngx_http_eda_jwks_t *jw);
static void ngx_http_eda_jwks_next(ngx_http_eda_jwks_t *jw,
    ngx_uint_t failed);
static void ngx_http_eda_jwks_fetched(void *data, ngx_int_t status,
    u_char *body, size_t len, const char *err);
static void ngx_http_eda_jwks_failed(ngx_http_eda_jwks_t *jw,
    const char *fmt, ngx_int_t status, const char *why);
static void ngx_http_eda_jwks_unref(ngx_http_eda_jwks_keys_t *k);
static void ngx_http_eda_jwks_release(void *data);


char *
ngx_http_eda_jwt_jwks_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_jwt_loc_conf_t *jlcf = conf;

    char                          *rv;
    size_t                         size;
    ngx_str_t                     *value, name;
    ngx_uint_t                     i;
    ngx_http_eda_jwks_t           *jw, **jwp;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    if (jlcf->keyset != NULL || jlcf->jwks != NULL) {
        return "is duplicate: a level has one eda_jwt_key_file or one "
               "eda_jwt_jwks_url";
    }

    value = cf->args->elts;

    jw = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_jwks_t));
    if (jw == NULL) {
        return NGX_CONF_ERROR;
    }

    jw->refresh = 600;
    jw->min_refresh = 30;
    jw->fetch.timeout = 5000;
    jw->fetch.max_size = 256 * 1024;

    if (ngx_eda_conf_params(cf, cmd, 2, ngx_http_eda_jwks_param, jw)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (jw->min_refresh > jw->refresh) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": min_refresh is longer than refresh",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    rv = ngx_eda_fetch_conf(cf, &jw->fetch, &value[1], &jw->trusted);
    if (rv != NULL) {
        if (rv == NGX_CONF_ERROR) {
            return rv;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" \"%V\": %s",
                           &cmd->name, &value[1], rv);
        return NGX_CONF_ERROR;
    }

    jmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_eda_jwt_module);

    /* one zone per URL: every location naming it shares its keys */

    if (jmcf->jwks == NULL) {
        jmcf->jwks = ngx_array_create(cf->pool, 2,
                                      sizeof(ngx_http_eda_jwks_t *));
        if (jmcf->jwks == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    jwp = jmcf->jwks->elts;

    for (i = 0; i < jmcf->jwks->nelts; i++) {
        if (jwp[i]->fetch.url.len == value[1].len
            && ngx_strncmp(jwp[i]->fetch.url.data, value[1].data,
                           value[1].len) == 0)
        {
            if (jwp[i]->refresh != jw->refresh
                || jwp[i]->min_refresh != jw->min_refresh
                || jwp[i]->fetch.timeout != jw->fetch.timeout
                || jwp[i]->fetch.max_size != jw->fetch.max_size
                || jwp[i]->trusted.len != jw->trusted.len
                || ngx_strncmp(jwp[i]->trusted.data, jw->trusted.data,
                               jw->trusted.len) != 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" \"%V\": the URL is named "
                                   "again with other parameters",
                                   &cmd->name, &value[1]);
                return NGX_CONF_ERROR;
            }

            jlcf->jwks = jwp[i];
            return NGX_CONF_OK;
        }
    }

    name.len = sizeof("eda_jwks:") - 1 + value[1].len;
    name.data = ngx_pnalloc(cf->pool, name.len);
    if (name.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(name.data, "eda_jwks:%V", &value[1]);

    /* the document, and room for the slab pool nginx puts in every zone */
    size = ngx_align(sizeof(ngx_http_eda_jwks_shm_t) + jw->fetch.max_size,
                     ngx_pagesize) + 8 * ngx_pagesize;

    jw->zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_eda_jwt_module);
    if (jw->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    jw->zone->init = ngx_http_eda_jwks_init_zone;
    jw->zone->data = jw;

    jwp = ngx_array_push(jmcf->jwks);
    if (jwp == NULL) {
        return NGX_CONF_ERROR;
    }

    *jwp = jw;
    jlcf->jwks = jw;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_eda_jwks_param(void *data, ngx_str_t *param)
{
    ngx_http_eda_jwks_t  *jw = data;

    ssize_t     size;
    time_t      t;
    ngx_str_t   v;
    ngx_msec_t  ms;

    v.data = (u_char *) ngx_strlchr(param->data, param->data + param->len,
                                    '=');
    if (v.data == NULL) {
        return NGX_DECLINED;
    }

    v.data++;
    v.len = param->data + param->len - v.data;

    if (ngx_strncmp(param->data, "refresh=", 8) == 0
        || ngx_strncmp(param->data, "min_refresh=", 12) == 0)
    {
        t = ngx_parse_time(&v, 1);
        if (t == (time_t) NGX_ERROR || t < 1) {
            return NGX_ERROR;
        }

        if (param->data[0] == 'r') {
            jw->refresh = t;

        } else {
            jw->min_refresh = t;
        }

        return NGX_OK;
    }

    if (ngx_strncmp(param->data, "timeout=", 8) == 0) {
        ms = ngx_parse_time(&v, 0);
        if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
            return NGX_ERROR;
        }

        jw->fetch.timeout = ms;
        return NGX_OK;
    }

    if (ngx_strncmp(param->data, "max_size=", 9) == 0) {
        size = ngx_parse_size(&v);
        if (size == NGX_ERROR || size < 1024 || size > 16 * 1024 * 1024) {
            return NGX_ERROR;
        }

        jw->fetch.max_size = (size_t) size;
        return NGX_OK;
    }

    if (ngx_strncmp(param->data, "trusted_certificate=", 20) == 0) {
        if (v.len == 0) {
            return NGX_ERROR;
        }

        jw->trusted = v;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * The zone starts with the slab pool nginx makes in every zone (the master
 * checks its mutex when it reaps a worker): the document is allocated
 * from it, never written over it.
 */

static ngx_int_t
ngx_http_eda_jwks_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_eda_jwks_t  *jw = zone->data;

    ngx_slab_pool_t      *shpool;
    ngx_http_eda_jwks_t  *old = data;

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (old != NULL) {
        /* a reload: the keys fetched so far stay */
        jw->sh = old->sh;

    } else if (zone->shm.exists) {
        jw->sh = shpool->data;

    } else {
        jw->sh = ngx_slab_calloc(shpool, sizeof(ngx_http_eda_jwks_shm_t)
                                         + jw->fetch.max_size);
        if (jw->sh == NULL) {
            return NGX_ERROR;
        }

        shpool->data = jw->sh;
    }

    if (ngx_shmtx_create(&jw->mutex, &jw->sh->lock, NULL) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* every worker: the first one fetches now and every "refresh" */

ngx_int_t
ngx_http_eda_jwks_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i;
    ngx_http_eda_jwks_t          **jwp;
    ngx_http_eda_jwt_main_conf_t  *jmcf;

    if (ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    jmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_eda_jwt_module);

    if (jmcf == NULL || jmcf->jwks == NULL) {
        return NGX_OK;
    }

    jwp = jmcf->jwks->elts;

    for (i = 0; i < jmcf->jwks->nelts; i++) {
        jwp[i]->timer.handler = ngx_http_eda_jwks_tick;
        jwp[i]->timer.data = jwp[i];
        jwp[i]->timer.log = cycle->log;
        jwp[i]->timer.cancelable = 1;

        if (ngx_worker == 0) {
            ngx_add_timer(&jwp[i]->timer, 1);
        }
    }

    return NGX_OK;
}


static void
ngx_http_eda_jwks_tick(ngx_event_t *ev)
{
    ngx_http_eda_jwks_t  *jw = ev->data;

    ngx_http_eda_jwks_start(jw);
}


/* the first worker's next fetch: after a failure, sooner */

static void
ngx_http_eda_jwks_next(ngx_http_eda_jwks_t *jw, ngx_uint_t failed)
{
    if (ngx_worker != 0 || ngx_exiting || ngx_terminate) {
        return;
    }

    ngx_add_timer(&jw->timer, (ngx_msec_t) (failed ? jw->min_refresh
                                                   : jw->refresh) * 1000);
}


static void
ngx_http_eda_jwks_start(ngx_http_eda_jwks_t *jw)
{
    if (jw->fetching) {
        return;
    }

    if (ngx_eda_fetch(&jw->fetch, ngx_cycle->log, ngx_http_eda_jwks_fetched,
                      jw)
        != NGX_OK)
    {
        ngx_http_eda_jwks_failed(jw, "cannot start a fetch", 0, NULL);
        return;
    }

    jw->fetching = 1;
}


/* a kid no key has: fetch at once, unless some worker did lately */

void
ngx_http_eda_jwks_unknown_kid(ngx_http_eda_jwks_t *jw)
{
    ngx_atomic_uint_t  next;

    next = jw->sh->demand;

    if ((time_t) next > ngx_time()
        || !ngx_atomic_cmp_set(&jw->sh->demand, next,
                               (ngx_atomic_uint_t) (ngx_time()
                                                    + jw->min_refresh)))
    {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                  "eda: a token names a kid the keys of \"%V\" do not "
                  "have: fetching them again", &jw->fetch.url);

    ngx_http_eda_jwks_start(jw);
}


static void
ngx_http_eda_jwks_fetched(void *data, ngx_int_t status, u_char *body,
    size_t len, const char *err)
{
    ngx_http_eda_jwks_t *jw = data;

    char                   kerr[NGX_EDA_JWT_ERRLEN];
    ngx_eda_jwt_keyset_t  *ks;

    jw->fetching = 0;

    if (err != NULL) {
        ngx_http_eda_jwks_failed(jw, "%s", 0, err);
        return;
    }

    if (status != 200) {
        ngx_http_eda_jwks_failed(jw, "answered %i", status, NULL);
        return;
    }

    ks = ngx_eda_jwt_keyset_load(body, len, kerr, sizeof(kerr));
    if (ks == NULL) {
        ngx_http_eda_jwks_failed(jw, "not a key set: %s", 0, kerr);
        return;
    }

    ngx_eda_jwt_keyset_free(ks);

    ngx_shmtx_lock(&jw->mutex);

    if (jw->sh->generation == 0 || jw->sh->len != len
        || ngx_memcmp(jw->sh->doc, body, len) != 0)
    {
        ngx_memcpy(jw->sh->doc, body, len);
        jw->sh->len = len;
        jw->sh->generation++;

        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "eda: keys of \"%V\" fetched (%uz bytes)",
                      &jw->fetch.url, len);
    }

    jw->sh->fetched = ngx_time();
    jw->sh->error[0] = '\0';

    ngx_shmtx_unlock(&jw->mutex);

    ngx_http_eda_jwks_next(jw, 0);
}


static void
ngx_http_eda_jwks_failed(ngx_http_eda_jwks_t *jw, const char *fmt,
    ngx_int_t status, const char *why)
{
    u_char  msg[NGX_HTTP_EDA_JWKS_ERR], *p;

    jw->fetching = 0;

    if (why != NULL) {
        p = ngx_snprintf(msg, sizeof(msg) - 1, fmt, why);

    } else {
        p = ngx_snprintf(msg, sizeof(msg) - 1, fmt, status);
    }

    *p = '\0';

    ngx_shmtx_lock(&jw->mutex);
    jw->sh->failed = ngx_time();
    ngx_memcpy(jw->sh->error, msg, (size_t) (p - msg) + 1);
    ngx_shmtx_unlock(&jw->mutex);

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "eda: fetching the keys of \"%V\" failed: %s; %s",
                  &jw->fetch.url, msg,
                  jw->sh->generation ? "the last good keys are kept"
                                     : "tokens are refused until it works");

    ngx_http_eda_jwks_next(jw, 1);
}


/*
 * The keys for a request, converted in this worker when the document
 * changed; NULL while none was ever fetched.  The request holds them
 * until its pool goes, so a newer document never frees keys in use.
 */

ngx_eda_jwt_keyset_t *
ngx_http_eda_jwks_keys(ngx_http_request_t *r, ngx_http_eda_jwks_t *jw)
{
    char                       err[NGX_EDA_JWT_ERRLEN];
    u_char                    *copy;
    size_t                     len;
    ngx_uint_t                 gen;
    ngx_pool_cleanup_t        *cln;
    ngx_eda_jwt_keyset_t      *ks;
    ngx_http_eda_jwks_keys_t  *k;

    gen = jw->sh->generation;

    if (gen != jw->generation && gen != 0) {
        copy = NULL;

        ngx_shmtx_lock(&jw->mutex);

        gen = jw->sh->generation;
        len = jw->sh->len;
        copy = ngx_alloc(len + 1, r->connection->log);

        if (copy != NULL) {
            ngx_memcpy(copy, jw->sh->doc, len);
        }

        ngx_shmtx_unlock(&jw->mutex);

        if (copy != NULL) {
            ks = ngx_eda_jwt_keyset_load(copy, len, err, sizeof(err));
            ngx_free(copy);

            k = NULL;

            if (ks != NULL) {
                k = ngx_alloc(sizeof(ngx_http_eda_jwks_keys_t),
                              r->connection->log);
                if (k == NULL) {
                    ngx_eda_jwt_keyset_free(ks);
                }
            }

            if (k != NULL) {
                k->ks = ks;
                k->refs = 1;

                if (jw->current != NULL) {
                    ngx_http_eda_jwks_unref(jw->current);
                }

                jw->current = k;
                jw->generation = gen;

            } else if (ks == NULL) {
                /* checked when fetched: cannot happen but for memory */
                ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                              "eda: keys of \"%V\": %s", &jw->fetch.url,
                              err);
            }
        }
    }

    if (jw->current == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_eda_jwks_release;
    cln->data = jw->current;
    jw->current->refs++;

    return jw->current->ks;
}


static void
ngx_http_eda_jwks_release(void *data)
{
    ngx_http_eda_jwks_unref(data);
}


static void
ngx_http_eda_jwks_unref(ngx_http_eda_jwks_keys_t *k)
{
    if (--k->refs == 0) {
        ngx_eda_jwt_keyset_free(k->ks);
        ngx_free(k);
    }
}


ngx_str_t *
ngx_http_eda_jwks_url(ngx_http_eda_jwks_t *jw)
{
    return &jw->fetch.url;
}
