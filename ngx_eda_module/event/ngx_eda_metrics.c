
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


#define NGX_EDA_METRICS_SLOTS  64


static ngx_int_t ngx_eda_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


const ngx_msec_t  ngx_eda_latency_bounds[NGX_EDA_LATENCY_BUCKETS] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};


ngx_int_t
ngx_eda_metrics_add_zone(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf,
    void *tag)
{
    size_t           size;
    ngx_str_t        name = ngx_string("eda_metrics");
    ngx_shm_zone_t  *zone;

    /* the slots, and room for the slab allocator nginx puts in every zone */

    size = NGX_EDA_METRICS_SLOTS * sizeof(ngx_eda_metrics_slot_t);
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

    shm_zone->data = ngx_slab_calloc(shpool, NGX_EDA_METRICS_SLOTS
                                             * sizeof(ngx_eda_metrics_slot_t));
    if (shm_zone->data == NULL) {
        return NGX_ERROR;
    }

    shpool->data = shm_zone->data;

    return NGX_OK;
}


void
ngx_eda_metrics_init_process(ngx_eda_main_conf_t *emcf)
{
    ngx_uint_t               slot;
    ngx_eda_metrics_slot_t  *slots;

    if (emcf->metrics_zone == NULL || emcf->metrics_zone->data == NULL) {
        return;
    }

    slots = emcf->metrics_zone->data;

    /* helper processes and workers beyond the slots share the last one */

    slot = (ngx_process == NGX_PROCESS_WORKER) ? ngx_worker
                                               : NGX_EDA_METRICS_SLOTS - 1;
    if (slot >= NGX_EDA_METRICS_SLOTS) {
        slot = NGX_EDA_METRICS_SLOTS - 1;
    }

    emcf->metrics = &slots[slot];
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

    return emcf->metrics_zone->data;
}
