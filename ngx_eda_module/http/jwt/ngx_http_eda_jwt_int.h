
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_JWT_INT_H_INCLUDED_
#define _NGX_HTTP_EDA_JWT_INT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_jwt.h"
#include "ngx_eda_redis.h"


/*
 * What the files of eda_jwt share: its configuration and request context,
 * and the calls between ngx_http_eda_jwt_module.c (directives), _handler.c
 * (the access phase), _lookup.c (L1, L2, revocation) and _variables.c.
 */


#define NGX_HTTP_EDA_JWT_OFF         0
#define NGX_HTTP_EDA_JWT_ON          1
#define NGX_HTTP_EDA_JWT_OPTIONAL    2


typedef struct ngx_http_eda_jwks_s       ngx_http_eda_jwks_t;
typedef struct ngx_http_eda_jwks_keys_s  ngx_http_eda_jwks_keys_t;


typedef struct {
    size_t                      shm_size;
    time_t                      ttl;
    ngx_flag_t                  redis;
    ngx_shm_zone_t             *zone;
    ngx_uint_t                  used;
    ngx_uint_t                  cache_set;
    ngx_array_t                *jwks;          /* ngx_http_eda_jwks_t * */
} ngx_http_eda_jwt_main_conf_t;


typedef struct {
    ngx_uint_t                  mode;
    ngx_eda_jwt_keyset_t       *keyset;
    ngx_str_t                   key_file;
    ngx_http_eda_jwks_t        *jwks;          /* or keyset */
    ngx_eda_jwt_algs_t          algorithms;
    ngx_uint_t                  algorithms_set;
    ngx_str_t                   issuer;
    ngx_array_t                *audiences;     /* ngx_str_t */
    time_t                      leeway;
    ngx_array_t                *required;      /* ngx_eda_jwt_claim_req_t */
    ngx_http_complex_value_t   *token;
    ngx_flag_t                  revocation;
    ngx_eda_jwt_policy_t        policy;
    ngx_uint_t                  deferred;      /* the token comes later */
} ngx_http_eda_jwt_loc_conf_t;


typedef struct {
    ngx_http_request_t         *request;
    ngx_eda_jwt_result_t        res;
    ngx_str_t                   token;
    ngx_eda_jwt_keyset_t       *keyset;       /* this request's keys */
    u_char                      digest[NGX_EDA_JWT_CACHE_KEY_LEN];
    ngx_eda_redis_cmd_t        *cmd[2];
    ngx_uint_t                  pending;
    ngx_str_t                   l2;           /* Redis's cached entry */
    ngx_int_t                   revoked;      /* -1: unknown */
    ngx_eda_jwt_rc_e            rc;
    const char                 *err;
    void                      (*judged)(void *data);  /* or NULL: go on */
    void                       *data;                 /* with the phases */
    unsigned                    have_res:1;
    unsigned                    waiting:1;
    unsigned                    done:1;
    unsigned                    l2_asked:1;
    unsigned                    unavailable:1;  /* no keys yet: 503 */
} ngx_http_eda_jwt_ctx_t;


/* ngx_http_eda_jwt_handler.c */
ngx_int_t ngx_http_eda_jwt_handler(ngx_http_request_t *r);

/* ngx_http_eda_jwt_lookup.c */
ngx_int_t ngx_http_eda_jwt_lookup(ngx_http_request_t *r,
    ngx_http_eda_jwt_ctx_t *ctx, ngx_http_eda_jwt_loc_conf_t *jlcf);

/* ngx_http_eda_jwt_jwks.c */
char *ngx_http_eda_jwt_jwks_url(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_eda_jwks_init_process(ngx_cycle_t *cycle);
ngx_eda_jwt_keyset_t *ngx_http_eda_jwks_keys(ngx_http_request_t *r,
    ngx_http_eda_jwks_t *jw);
void ngx_http_eda_jwks_unknown_kid(ngx_http_eda_jwks_t *jw);
ngx_str_t *ngx_http_eda_jwks_url(ngx_http_eda_jwks_t *jw);

/* ngx_http_eda_jwt_variables.c */
ngx_int_t ngx_http_eda_jwt_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_EDA_JWT_INT_H_INCLUDED_ */
