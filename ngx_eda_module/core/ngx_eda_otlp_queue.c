
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The exporter's queue: a ring of span copies, each one malloc()ed block
 * made by ngx_eda_otlp_span_copy().  Its size is fixed at the start, so
 * the memory spans take is bounded by the size times the largest copy.
 */


#include <stdlib.h>

#include "ngx_eda_otlp.h"
#include "ngx_eda_otlp_queue.h"


int
ngx_eda_otlp_queue_init(ngx_eda_otlp_queue_t *q, size_t size)
{
    q->slot = calloc(size ? size : 1, sizeof(ngx_eda_otlp_span_t *));
    if (q->slot == NULL) {
        return -1;
    }

    q->size = size ? size : 1;
    q->head = 0;
    q->count = 0;

    return 0;
}


int
ngx_eda_otlp_queue_push(ngx_eda_otlp_queue_t *q,
    const ngx_eda_otlp_span_t *span)
{
    ngx_eda_otlp_span_t  *copy;

    if (q->count == q->size) {
        return 1;
    }

    copy = ngx_eda_otlp_span_copy(span);
    if (copy == NULL) {
        return -1;
    }

    q->slot[(q->head + q->count) % q->size] = copy;
    q->count++;

    return 0;
}


size_t
ngx_eda_otlp_queue_take(ngx_eda_otlp_queue_t *q, ngx_eda_otlp_span_t **out,
    size_t max)
{
    size_t  n;

    for (n = 0; n < max && q->count > 0; n++) {
        out[n] = q->slot[q->head];
        q->slot[q->head] = NULL;
        q->head = (q->head + 1) % q->size;
        q->count--;
    }

    return n;
}


size_t
ngx_eda_otlp_queue_free(ngx_eda_otlp_queue_t *q)
{
    size_t  n;

    n = q->count;

    while (q->count > 0) {
        free(q->slot[q->head]);
        q->head = (q->head + 1) % q->size;
        q->count--;
    }

    free(q->slot);
    q->slot = NULL;

    return n;
}
