
/*
 * Copyright (C) ngx_eda authors
 *
 * The first-level JWT cache: validated claims by token digest in a shared
 * memory zone every worker reads, an rbtree for lookups and an LRU queue
 * so a full zone forgets its least recently used tokens.  The token itself
 * is never stored, only its SHA-256.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_jwt_cache.h"


typedef struct {
    ngx_rbtree_node_t   node;       /* key: the digest's first bytes */
    ngx_queue_t         queue;
    time_t              expires;
    time_t              checked;    /* revocation asked of Redis */
    ngx_uint_t          revoked;
    u_short             len;
    u_char              digest[NGX_EDA_JWT_CACHE_DIGEST];
    u_char              data[1];    /* the claims */
} ngx_eda_jwt_cache_node_t;


typedef struct {
    ngx_rbtree_t        rbtree;
    ngx_rbtree_node_t   sentinel;
    ngx_queue_t         queue;      /* most recently used first */
} ngx_eda_jwt_cache_sh_t;


typedef struct {
    ngx_eda_jwt_cache_sh_t  *sh;
    ngx_slab_pool_t         *shpool;
} ngx_eda_jwt_cache_t;


static ngx_int_t ngx_eda_jwt_cache_init(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_eda_jwt_cache_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_eda_jwt_cache_node_t *ngx_eda_jwt_cache_lookup(
    ngx_eda_jwt_cache_t *cache, u_char *key);
static void ngx_eda_jwt_cache_expire(ngx_eda_jwt_cache_t *cache,
    ngx_uint_t n);
static ngx_rbtree_key_t ngx_eda_jwt_cache_hash(u_char *key);


ngx_shm_zone_t *
ngx_eda_jwt_cache_zone(ngx_conf_t *cf, size_t size, void *tag)
{
    ngx_str_t             name = ngx_string("eda_jwt_cache");
    ngx_shm_zone_t       *zone;
    ngx_eda_jwt_cache_t  *cache;

    cache = ngx_pcalloc(cf->pool, sizeof(ngx_eda_jwt_cache_t));
    if (cache == NULL) {
        return NULL;
    }

    zone = ngx_shared_memory_add(cf, &name, size, tag);
    if (zone == NULL) {
        return NULL;
    }

    if (zone->data != NULL) {
        return zone;
    }

    zone->init = ngx_eda_jwt_cache_init;
    zone->data = cache;

    return zone;
}


static ngx_int_t
ngx_eda_jwt_cache_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_eda_jwt_cache_t  *ocache = data;

    size_t                len;
    ngx_eda_jwt_cache_t  *cache;

    cache = shm_zone->data;

    if (ocache != NULL) {
        /* a reload: the cached tokens stay valid */
        cache->sh = ocache->sh;
        cache->shpool = ocache->shpool;
        return NGX_OK;
    }

    cache->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        cache->sh = cache->shpool->data;
        return NGX_OK;
    }

    cache->sh = ngx_slab_alloc(cache->shpool, sizeof(ngx_eda_jwt_cache_sh_t));
    if (cache->sh == NULL) {
        return NGX_ERROR;
    }

    cache->shpool->data = cache->sh;

    ngx_rbtree_init(&cache->sh->rbtree, &cache->sh->sentinel,
                    ngx_eda_jwt_cache_insert);
    ngx_queue_init(&cache->sh->queue);

    len = sizeof(" in eda_jwt_cache zone \"\"") + shm_zone->shm.name.len;

    cache->shpool->log_ctx = ngx_slab_alloc(cache->shpool, len);
    if (cache->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(cache->shpool->log_ctx, " in eda_jwt_cache zone \"%V\"%Z",
                &shm_zone->shm.name);

    cache->shpool->log_nomem = 0;

    return NGX_OK;
}


ngx_int_t
ngx_eda_jwt_cache_get(ngx_shm_zone_t *zone, u_char *key, ngx_pool_t *pool,
    ngx_eda_jwt_cache_entry_t *e)
{
    ngx_int_t                  rc;
    ngx_eda_jwt_cache_t       *cache;
    ngx_eda_jwt_cache_node_t  *cn;

    cache = zone->data;
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&cache->shpool->mutex);

    cn = ngx_eda_jwt_cache_lookup(cache, key);

    if (cn != NULL && cn->expires > ngx_time()) {

        e->claims.data = ngx_pnalloc(pool, cn->len);

        if (e->claims.data != NULL) {
            ngx_memcpy(e->claims.data, cn->data, cn->len);
            e->claims.len = cn->len;
            e->expires = cn->expires;
            e->checked = cn->checked;
            e->revoked = cn->revoked;

            ngx_queue_remove(&cn->queue);
            ngx_queue_insert_head(&cache->sh->queue, &cn->queue);

            rc = NGX_OK;
        }
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return rc;
}


ngx_int_t
ngx_eda_jwt_cache_put(ngx_shm_zone_t *zone, u_char *key,
    ngx_eda_jwt_cache_entry_t *e)
{
    size_t                     size;
    ngx_uint_t                 tries;
    ngx_eda_jwt_cache_t       *cache;
    ngx_eda_jwt_cache_node_t  *cn;

    if (e->claims.len > NGX_EDA_JWT_CACHE_MAX_VALUE) {
        return NGX_DECLINED;
    }

    cache = zone->data;

    ngx_shmtx_lock(&cache->shpool->mutex);

    cn = ngx_eda_jwt_cache_lookup(cache, key);

    if (cn != NULL) {
        ngx_queue_remove(&cn->queue);
        ngx_rbtree_delete(&cache->sh->rbtree, &cn->node);
        ngx_slab_free_locked(cache->shpool, cn);
    }

    ngx_eda_jwt_cache_expire(cache, 2);

    size = offsetof(ngx_eda_jwt_cache_node_t, data) + e->claims.len;

    for (tries = 0; /* void */; tries++) {
        cn = ngx_slab_alloc_locked(cache->shpool, size);
        if (cn != NULL) {
            break;
        }

        if (tries == 8 || ngx_queue_empty(&cache->sh->queue)) {
            ngx_shmtx_unlock(&cache->shpool->mutex);
            return NGX_ERROR;
        }

        /* full: forget the least recently used tokens */
        ngx_eda_jwt_cache_expire(cache, 0);
    }

    cn->node.key = ngx_eda_jwt_cache_hash(key);
    ngx_memcpy(cn->digest, key, NGX_EDA_JWT_CACHE_DIGEST);
    ngx_memcpy(cn->data, e->claims.data, e->claims.len);
    cn->len = (u_short) e->claims.len;
    cn->expires = e->expires;
    cn->checked = e->checked;
    cn->revoked = e->revoked;

    ngx_rbtree_insert(&cache->sh->rbtree, &cn->node);
    ngx_queue_insert_head(&cache->sh->queue, &cn->queue);

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return NGX_OK;
}


static ngx_eda_jwt_cache_node_t *
ngx_eda_jwt_cache_lookup(ngx_eda_jwt_cache_t *cache, u_char *key)
{
    ngx_int_t                  rc;
    ngx_rbtree_key_t           hash;
    ngx_rbtree_node_t         *node, *sentinel;
    ngx_eda_jwt_cache_node_t  *cn;

    hash = ngx_eda_jwt_cache_hash(key);

    node = cache->sh->rbtree.root;
    sentinel = cache->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        cn = (ngx_eda_jwt_cache_node_t *) node;

        rc = ngx_memcmp(key, cn->digest, NGX_EDA_JWT_CACHE_DIGEST);

        if (rc == 0) {
            return cn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * n == 0: drop the least recently used entry whatever its age, then
 * expired ones; otherwise drop at most n expired entries from the tail.
 */

static void
ngx_eda_jwt_cache_expire(ngx_eda_jwt_cache_t *cache, ngx_uint_t n)
{
    time_t                     now;
    ngx_uint_t                 forced;
    ngx_queue_t               *q;
    ngx_eda_jwt_cache_node_t  *cn;

    now = ngx_time();
    forced = (n == 0);

    if (forced) {
        n = 2;
    }

    while (n-- && !ngx_queue_empty(&cache->sh->queue)) {

        q = ngx_queue_last(&cache->sh->queue);
        cn = ngx_queue_data(q, ngx_eda_jwt_cache_node_t, queue);

        if (!forced && cn->expires > now) {
            return;
        }

        forced = 0;

        ngx_queue_remove(q);
        ngx_rbtree_delete(&cache->sh->rbtree, &cn->node);
        ngx_slab_free_locked(cache->shpool, cn);
    }
}


static void
ngx_eda_jwt_cache_insert(ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t         **p;
    ngx_eda_jwt_cache_node_t   *cn, *cnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            cn = (ngx_eda_jwt_cache_node_t *) node;
            cnt = (ngx_eda_jwt_cache_node_t *) temp;

            p = (ngx_memcmp(cn->digest, cnt->digest,
                            NGX_EDA_JWT_CACHE_DIGEST) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/* the digest is hex: its first characters are already well spread */

static ngx_rbtree_key_t
ngx_eda_jwt_cache_hash(u_char *key)
{
    return ngx_crc32_short(key, 16);
}
