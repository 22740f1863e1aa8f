
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _EDA_CE_KAFKA_ROUND_H_INCLUDED_
#define _EDA_CE_KAFKA_ROUND_H_INCLUDED_


/*
 * The round trip of the Kafka binding, shared by the unit tests and the
 * fuzz target of ngx_eda_ce_kafka.c: memory for ngx_eda_ce_to_kafka()
 * that says whether it was asked for as documented, an event encoded and
 * decoded again, and a comparison of two events.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_eda_ce.h"


/* ngx_eda_ce_to_kafka() asks for memory at most twice */
#define EDA_CE_KAFKA_BLOCKS  2


typedef struct {
    void                       *blocks[EDA_CE_KAFKA_BLOCKS];
    size_t                      nblocks;
    size_t                      fail_at;    /* the call that fails, from 1 */
    int                         misused;    /* asked for 0 bytes, or more */
    ngx_eda_ce_kafka_header_t   headers[NGX_EDA_CE_MAX_ATTRS];
} eda_ce_kafka_pool_t;


static void *
eda_ce_kafka_alloc(void *ctx, size_t size)
{
    void                 *p;
    eda_ce_kafka_pool_t  *pool;

    pool = ctx;

    if (size == 0 || pool->nblocks == EDA_CE_KAFKA_BLOCKS) {
        pool->misused = 1;
        return NULL;
    }

    if (pool->nblocks + 1 == pool->fail_at) {
        return NULL;
    }

    p = malloc(size);
    if (p != NULL) {
        pool->blocks[pool->nblocks++] = p;
    }

    return p;
}


static void
eda_ce_kafka_pool_free(eda_ce_kafka_pool_t *pool)
{
    size_t  i;

    for (i = 0; i < pool->nblocks; i++) {
        free(pool->blocks[i]);
    }

    pool->nblocks = 0;
}


/*
 * EV encoded in MODE, keyed, as REC (its topic, partition and offset as
 * the caller set them), then decoded into P: the mode decoded (P to be
 * freed), -1 if decoding failed, or -2 if encoding did.  The event may
 * point into POOL: free POOL after it.
 */

static int
eda_ce_kafka_again(const ngx_eda_ce_event_t *ev, int mode,
    eda_ce_kafka_pool_t *pool, ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_parsed_t *p)
{
    const char              *err;
    ngx_eda_ce_str_t         attr;
    ngx_eda_ce_kafka_out_t   out;

    memset(p, 0, sizeof(ngx_eda_ce_parsed_t));
    out.headers = pool->headers;

    if (ngx_eda_ce_to_kafka(ev, mode, 1, eda_ce_kafka_alloc, pool, &out)
        != 0)
    {
        eda_ce_kafka_pool_free(pool);
        return -2;
    }

    rec->headers = out.headers;
    rec->nheaders = out.nheaders;
    rec->value = out.value;

    return ngx_eda_ce_from_kafka(rec, p, &err, &attr);
}


/*
 * 1 if every attribute of A is in B with the same value; EXACT: and B
 * has no other, and the same data.
 */

static int
eda_ce_kafka_same(const ngx_eda_ce_event_t *a, const ngx_eda_ce_event_t *b,
    int exact)
{
    size_t                   i;
    const ngx_eda_ce_str_t  *v;

    if (exact
        && (a->nattrs != b->nattrs
            || (a->data.data == NULL) != (b->data.data == NULL)
            || a->data.len != b->data.len
            || (a->data.len != 0
                && memcmp(a->data.data, b->data.data, a->data.len) != 0)))
    {
        return 0;
    }

    for (i = 0; i < a->nattrs; i++) {
        v = ngx_eda_ce_get(b, a->attrs[i].name.data, a->attrs[i].name.len);

        if (v == NULL || v->len != a->attrs[i].value.len
            || (v->len != 0
                && memcmp(v->data, a->attrs[i].value.data, v->len) != 0))
        {
            return 0;
        }
    }

    return 1;
}


#endif /* _EDA_CE_KAFKA_ROUND_H_INCLUDED_ */
