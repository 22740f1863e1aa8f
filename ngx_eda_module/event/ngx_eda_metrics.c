
/*
 * Copyright (C) ngx_eda authors
 *
 * Per-worker counters in shared memory: one slot per worker process, written
 * only by its owner, read by whoever exposes them.  The zone is found again
 * by name on reload, so counters keep counting across configurations.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_metrics.h"


static ngx_int_t ngx_eda_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_eda_metrics_full(ngx_eda_main_conf_t *emcf,
    const char *what);


const ngx_msec_t  ngx_eda_latency_bounds[NGX_EDA_LATENCY_BUCKETS] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};


const ngx_msec_t  ngx_eda_saga_bounds[NGX_EDA_SAGA_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000,
    1800000
};


ngx_int_t
ngx_eda_metrics_add_zone(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf,
    void *tag)
{
    size_t           size;
    ngx_str_t        name = ngx_string("eda_metrics");
    ngx_shm_zone_t  *zone;

    /* the slots, and room for the slab allocator nginx puts in every zone */

    size = sizeof(ngx_eda_metrics_shm_t);
    size = ngx_align(size, ngx_pagesize) + 8 * ngx_pagesize;

    zone = ngx_shared_memory_add(cf, &name, size, tag);
    if (zone == NULL) {
        return NGX_ERROR;
    }

    zone->init = ngx_eda_metrics_init_zone;
    zone->noreuse = 0;

    emcf->metrics_zone = zone;

    return NGX_OK;
}


/*
 * nginx starts every zone with a slab pool whose mutex the master checks
 * when it reaps a worker: the slots come from that pool, they must not
 * overwrite it.
 */

static ngx_int_t
ngx_eda_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data != NULL) {
        /* a reload: the same segment, keep counting */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    shm_zone->data = ngx_slab_calloc(shpool, sizeof(ngx_eda_metrics_shm_t));
    if (shm_zone->data == NULL) {
        return NGX_ERROR;
    }

    shpool->data = shm_zone->data;

    return NGX_OK;
}


void
ngx_eda_metrics_init_process(ngx_eda_main_conf_t *emcf)
{
    ngx_uint_t              slot;
    ngx_eda_metrics_shm_t  *shm;

    if (emcf->metrics_zone == NULL || emcf->metrics_zone->data == NULL) {
        return;
    }

    shm = emcf->metrics_zone->data;

    /* helper processes and workers beyond the slots share the last one */

    slot = (ngx_process == NGX_PROCESS_WORKER) ? ngx_worker
                                               : NGX_EDA_METRICS_SLOTS - 1;
    if (slot >= NGX_EDA_METRICS_SLOTS) {
        slot = NGX_EDA_METRICS_SLOTS - 1;
    }

    emcf->metrics = &shm->slot[slot];
}


void
ngx_eda_metrics_count(ngx_eda_main_conf_t *emcf, ngx_eda_metric_e m,
    ngx_atomic_int_t n)
{
    if (emcf->metrics != NULL) {
        (void) ngx_atomic_fetch_add(&emcf->metrics->value[m], n);
    }
}


void
ngx_eda_metrics_set(ngx_eda_main_conf_t *emcf, ngx_eda_metric_e m,
    ngx_atomic_uint_t v)
{
    if (emcf->metrics != NULL) {
        emcf->metrics->value[m] = v;
    }
}


void
ngx_eda_metrics_latency(ngx_eda_main_conf_t *emcf, ngx_msec_t ms)
{
    ngx_uint_t  i;

    if (emcf->metrics == NULL) {
        return;
    }

    for (i = 0; i < NGX_EDA_LATENCY_BUCKETS; i++) {
        if (ms <= ngx_eda_latency_bounds[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&emcf->metrics->latency[i], 1);
    (void) ngx_atomic_fetch_add(&emcf->metrics->latency_sum_ms,
                                (ngx_atomic_int_t) ms);
}


ngx_eda_metrics_slot_t *
ngx_eda_metrics_slots(ngx_eda_main_conf_t *emcf, ngx_uint_t *n)
{
    if (emcf->metrics_zone == NULL || emcf->metrics_zone->data == NULL) {
        return NULL;
    }

    *n = NGX_EDA_METRICS_SLOTS;

    return ((ngx_eda_metrics_shm_t *) emcf->metrics_zone->data)->slot;
}


ngx_eda_metrics_shm_t *
ngx_eda_metrics_shared(ngx_eda_main_conf_t *emcf)
{
    if (emcf->metrics_zone == NULL) {
        return NULL;
    }

    return emcf->metrics_zone->data;
}


/*
 * Entries are only ever added, and an entry is published (ready) after its
 * key is written, so finding one needs no lock; adding one takes the
 * zone's mutex, held for a scan of the table at most.
 */

ngx_eda_metrics_series_t *
ngx_eda_metrics_series(ngx_eda_main_conf_t *emcf, ngx_uint_t kind,
    u_char *key, size_t len)
{
    ngx_uint_t                 i;
    ngx_slab_pool_t           *shpool;
    ngx_eda_metrics_shm_t     *shm;
    ngx_eda_metrics_series_t  *s;

    shm = ngx_eda_metrics_shared(emcf);
    if (shm == NULL || len > NGX_EDA_SERIES_KEY) {
        return NULL;
    }

    for (i = 0; i < NGX_EDA_SERIES; i++) {
        s = &shm->series[i];

        if (!s->ready) {
            break;
        }

        if (s->kind == kind && s->key_len == len
            && ngx_memcmp(s->key, key, len) == 0)
        {
            return s;
        }
    }

    shpool = (ngx_slab_pool_t *) emcf->metrics_zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    for ( /* void */ ; i < NGX_EDA_SERIES; i++) {
        s = &shm->series[i];

        if (!s->ready) {
            s->kind = kind;
            s->key_len = len;
            ngx_memcpy(s->key, key, len);
            ngx_memory_barrier();
            s->ready = 1;
            break;
        }

        if (s->kind == kind && s->key_len == len
            && ngx_memcmp(s->key, key, len) == 0)
        {
            break;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (i == NGX_EDA_SERIES) {
        ngx_eda_metrics_full(emcf, "series");
        return NULL;
    }

    return &shm->series[i];
}


void
ngx_eda_metrics_series_add(ngx_eda_metrics_series_t *s, ngx_uint_t i,
    ngx_atomic_int_t n)
{
    if (s != NULL && i < NGX_EDA_SERIES_VALUES) {
        (void) ngx_atomic_fetch_add(&s->value[i], n);
    }
}


/* values: the buckets, +Inf, then the sum in milliseconds */

void
ngx_eda_metrics_saga_duration(ngx_eda_metrics_series_t *s, ngx_msec_t ms)
{
    ngx_uint_t  i;

    if (s == NULL) {
        return;
    }

    for (i = 0; i < NGX_EDA_SAGA_BUCKETS; i++) {
        if (ms <= ngx_eda_saga_bounds[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&s->value[i], 1);
    (void) ngx_atomic_fetch_add(&s->value[NGX_EDA_SAGA_BUCKETS + 1],
                                (ngx_atomic_int_t) ms);
}


void
ngx_eda_metrics_brokers(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
    ngx_uint_t known, ngx_uint_t up, time_t until)
{
    ngx_eda_metrics_slot_t  *slot;

    slot = emcf->metrics;

    if (slot == NULL || role >= NGX_EDA_KAFKA_ROLES) {
        return;
    }

    slot->brokers[role] = known;
    slot->brokers_up[role] = up;
    slot->brokers_until[role] = (ngx_atomic_uint_t) until;
}


void
ngx_eda_metrics_lag(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
    const char *topic, int32_t partition, int64_t lag, time_t until)
{
    size_t                  len;
    ngx_uint_t              i, slot;
    ngx_slab_pool_t        *shpool;
    ngx_eda_metrics_shm_t  *shm;
    ngx_eda_metrics_lag_t  *l;

    shm = ngx_eda_metrics_shared(emcf);
    len = ngx_strlen(topic);

    if (shm == NULL || emcf->metrics == NULL || len > NGX_EDA_TOPIC_MAX) {
        return;
    }

    slot = emcf->metrics - shm->slot;

    for (i = 0; i < NGX_EDA_LAGS; i++) {
        l = &shm->lag[i];

        if (!l->ready) {
            break;
        }

        if (l->role == role && l->partition == partition
            && l->topic_len == len && ngx_memcmp(l->topic, topic, len) == 0)
        {
            goto found;
        }
    }

    shpool = (ngx_slab_pool_t *) emcf->metrics_zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    for ( /* void */ ; i < NGX_EDA_LAGS; i++) {
        l = &shm->lag[i];

        if (!l->ready) {
            l->role = role;
            l->partition = partition;
            l->topic_len = len;
            ngx_memcpy(l->topic, topic, len);
            ngx_memory_barrier();
            l->ready = 1;
            break;
        }

        if (l->role == role && l->partition == partition
            && l->topic_len == len && ngx_memcmp(l->topic, topic, len) == 0)
        {
            break;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (i == NGX_EDA_LAGS) {
        ngx_eda_metrics_full(emcf, "consumer lag");
        return;
    }

    l = &shm->lag[i];

found:

    l->lag[slot] = lag;
    l->until[slot] = until;
}


/* counted every time, logged once per process */

static void
ngx_eda_metrics_full(ngx_eda_main_conf_t *emcf, const char *what)
{
    ngx_eda_metrics_count(emcf, NGX_EDA_M_SERIES_DROPPED, 1);

    if (emcf->metrics_full_logged) {
        return;
    }

    emcf->metrics_full_logged = 1;

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "eda: the metrics zone's %s table is full: new series "
                  "are not exposed (counted in eda_metrics_dropped_total)",
                  what);
}
