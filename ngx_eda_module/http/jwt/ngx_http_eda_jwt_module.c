
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
 *
 * This file holds the module, its directives and their configuration;
 * the access phase is in ngx_http_eda_jwt_handler.c, the caches and the
 * revocation check in ngx_http_eda_jwt_lookup.c, the $eda_jwt_*
 * variables in ngx_http_eda_jwt_variables.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_cache.h"
#include "ngx_http_eda_jwt_int.h"
#include "ngx_http_eda_jwt_module.h"


#define NGX_HTTP_EDA_JWT_SHM_SIZE    (1024 * 1024)
#define NGX_HTTP_EDA_JWT_TTL         60

#define NGX_HTTP_EDA_JWT_MAX_FILE    (1024 * 1024)


static ngx_int_t ngx_http_eda_jwt_init(ngx_conf_t *cf);
static void *ngx_http_eda_jwt_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_eda_jwt_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_eda_jwt_check_keys(ngx_conf_t *cf,
    ngx_http_eda_jwt_loc_conf_t *conf);
static char *ngx_http_eda_jwt_policy(ngx_conf_t *cf,
    ngx_http_eda_jwt_loc_conf_t *conf);
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

    { ngx_string("eda_jwt_jwks_url"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_eda_jwt_jwks_url,
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
    ngx_http_eda_jwks_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


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

    if (conf->keyset == NULL && conf->jwks == NULL) {
        conf->keyset = prev->keyset;
        conf->key_file = prev->key_file;
        conf->jwks = prev->jwks;
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

    if (ngx_http_eda_jwt_check_keys(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_eda_jwt_policy(cf, conf);
}


/* a location that checks tokens has keys for an allowed algorithm */

static ngx_int_t
ngx_http_eda_jwt_check_keys(ngx_conf_t *cf, ngx_http_eda_jwt_loc_conf_t *conf)
{
    if (conf->keyset == NULL && conf->jwks == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_jwt\" requires \"eda_jwt_key_file\" or "
                           "\"eda_jwt_jwks_url\"");
        return NGX_ERROR;
    }

    if (!conf->algorithms_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_jwt\" requires \"eda_jwt_algorithms\": "
                           "the accepted algorithms are never guessed");
        return NGX_ERROR;
    }

    /* the keys of a URL are known only once fetched */

    if (conf->keyset != NULL
        && (ngx_eda_jwt_keyset_algs(conf->keyset) & conf->algorithms) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no key in \"%V\" verifies any algorithm of "
                           "\"eda_jwt_algorithms\"", &conf->key_file);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the core's policy, pointing to the merged configuration's strings */

static char *
ngx_http_eda_jwt_policy(ngx_conf_t *cf, ngx_http_eda_jwt_loc_conf_t *conf)
{
    size_t        *lens;
    ngx_str_t     *aud;
    ngx_uint_t     i;
    const char   **names;

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

    if (jlcf->keyset != NULL || jlcf->jwks != NULL) {
        return "is duplicate: a level has one eda_jwt_key_file or one "
               "eda_jwt_jwks_url";
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
