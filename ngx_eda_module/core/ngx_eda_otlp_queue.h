
/*
 * Copyright (C) ngx_eda authors
 *
 * A bounded first-in first-out queue of copied spans, what the exporter
 * of a process holds between two batches: a span that finds it full is
 * refused, never waited for.  No nginx types.
 */


#ifndef _NGX_EDA_OTLP_QUEUE_H_INCLUDED_
#define _NGX_EDA_OTLP_QUEUE_H_INCLUDED_


#include <stddef.h>

#include "ngx_eda_otlp.h"


typedef struct {
    ngx_eda_otlp_span_t  **slot;
    size_t                 size;
    size_t                 head;        /* the oldest span */
    size_t                 count;
} ngx_eda_otlp_queue_t;


/* 0, or -1 when memory is short; SIZE is at least 1 */
int ngx_eda_otlp_queue_init(ngx_eda_otlp_queue_t *q, size_t size);

/*
 * Queues a copy of SPAN (ngx_eda_otlp_span_copy()): 0 when queued, 1 when
 * the queue is full, -1 when memory is short; SPAN is never kept.
 */
int ngx_eda_otlp_queue_push(ngx_eda_otlp_queue_t *q,
    const ngx_eda_otlp_span_t *span);

/*
 * Moves the oldest spans, at most MAX, into OUT, oldest first, and
 * returns how many; the caller free()s each.
 */
size_t ngx_eda_otlp_queue_take(ngx_eda_otlp_queue_t *q,
    ngx_eda_otlp_span_t **out, size_t max);

/* frees the queue and the spans still in it; returns how many there were */
size_t ngx_eda_otlp_queue_free(ngx_eda_otlp_queue_t *q);


#endif /* _NGX_EDA_OTLP_QUEUE_H_INCLUDED_ */
