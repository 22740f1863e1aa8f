
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_JWT_CACHE_H_INCLUDED_
#define _NGX_EDA_JWT_CACHE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_EDA_JWT_CACHE_DIGEST     64     /* hex SHA-256 of the token */
#define NGX_EDA_JWT_CACHE_MAX_VALUE  4096   /* larger claims: not cached */


typedef struct {
    ngx_str_t     claims;     /* compact JSON, copied to the caller's pool */
    time_t        expires;
    time_t        checked;    /* revocation asked of Redis; 0: never */
    ngx_uint_t    revoked;
} ngx_eda_jwt_cache_entry_t;


ngx_shm_zone_t *ngx_eda_jwt_cache_zone(ngx_conf_t *cf, size_t size,
    void *tag);

/* NGX_OK (found, not expired) or NGX_DECLINED */
ngx_int_t ngx_eda_jwt_cache_get(ngx_shm_zone_t *zone, u_char *key,
    ngx_pool_t *pool, ngx_eda_jwt_cache_entry_t *e);

/* the oldest entries make room when the zone is full */
ngx_int_t ngx_eda_jwt_cache_put(ngx_shm_zone_t *zone, u_char *key,
    ngx_eda_jwt_cache_entry_t *e);


#endif /* _NGX_EDA_JWT_CACHE_H_INCLUDED_ */
