
/*
 * Copyright (C) ngx_eda authors
 *
 * Resume cursors: positions in Kafka written as a string and read back
 * (see ngx_eda_cursor.h for the layout).
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_cursor.h"


#define NGX_EDA_CURSOR_VERSION   1

/* a position's worst case: hash, count, partition, offset */
#define NGX_EDA_CURSOR_POS_MAX   (4 + 5 + 5 + 10)

/* positions encoded without a heap allocation */
#define NGX_EDA_CURSOR_STACK     64


static unsigned char *ngx_eda_cursor_varint(unsigned char *p, uint64_t v);
static int ngx_eda_cursor_read_varint(const unsigned char **p,
    const unsigned char *last, uint64_t max, uint64_t *v);
static int ngx_eda_cursor_read_topic(const unsigned char **p,
    const unsigned char *last, ngx_eda_cursor_pos_t *pos, size_t max,
    size_t *n);


uint32_t
ngx_eda_cursor_topic(const unsigned char *name, size_t len)
{
    size_t    i;
    uint32_t  h;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= name[i];
        h *= 16777619u;
    }

    return h;
}


size_t
ngx_eda_cursor_max_len(size_t n)
{
    return NGX_EDA_CURSOR_PREFIX_LEN
           + ngx_eda_base64_encoded_len(1 + n * NGX_EDA_CURSOR_POS_MAX);
}


size_t
ngx_eda_cursor_encode(const ngx_eda_cursor_pos_t *pos, size_t n, char *out)
{
    size_t          i, j, len;
    unsigned char  *p, *bin;
    unsigned char   stack[1 + NGX_EDA_CURSOR_STACK * NGX_EDA_CURSOR_POS_MAX];

    if (n == 0 || n > NGX_EDA_CURSOR_MAX) {
        return 0;
    }

    /* the binary form, on the stack for the usual few partitions */

    bin = (n <= NGX_EDA_CURSOR_STACK) ? stack
          : malloc(1 + n * NGX_EDA_CURSOR_POS_MAX);
    if (bin == NULL) {
        return 0;
    }

    p = bin;
    *p++ = NGX_EDA_CURSOR_VERSION;

    for (i = 0; i < n; i = j) {

        for (j = i; j < n && pos[j].topic == pos[i].topic; j++) {
            if (pos[j].partition < 0 || pos[j].offset < 0
                || (j > i && pos[j].partition <= pos[j - 1].partition))
            {
                goto invalid;
            }
        }

        *p++ = (unsigned char) (pos[i].topic >> 24);
        *p++ = (unsigned char) (pos[i].topic >> 16);
        *p++ = (unsigned char) (pos[i].topic >> 8);
        *p++ = (unsigned char) pos[i].topic;

        p = ngx_eda_cursor_varint(p, j - i);

        for ( /* void */ ; i < j; i++) {
            p = ngx_eda_cursor_varint(p, (uint64_t) pos[i].partition);
            p = ngx_eda_cursor_varint(p, (uint64_t) pos[i].offset);
        }
    }

    memcpy(out, NGX_EDA_CURSOR_PREFIX, NGX_EDA_CURSOR_PREFIX_LEN);
    len = ngx_eda_base64_encode(bin, p - bin,
                                out + NGX_EDA_CURSOR_PREFIX_LEN);

    if (bin != stack) {
        free(bin);
    }

    for (i = NGX_EDA_CURSOR_PREFIX_LEN;
         i < NGX_EDA_CURSOR_PREFIX_LEN + len;
         i++)
    {
        if (out[i] == '+') {
            out[i] = '-';

        } else if (out[i] == '/') {
            out[i] = '_';

        } else if (out[i] == '=') {
            break;
        }
    }

    return i;

invalid:

    if (bin != stack) {
        free(bin);
    }

    return 0;
}


int
ngx_eda_cursor_decode(const char *in, size_t len, ngx_eda_cursor_pos_t *pos,
    size_t max, size_t *n)
{
    int                   rc;
    size_t                i, blen, ntopics;
    uint32_t              topics[NGX_EDA_CURSOR_TOPICS];
    unsigned char        *bin;
    const unsigned char  *p, *last;

    if (len <= NGX_EDA_CURSOR_PREFIX_LEN
        || memcmp(in, NGX_EDA_CURSOR_PREFIX, NGX_EDA_CURSOR_PREFIX_LEN) != 0
        || len > ngx_eda_cursor_max_len(max))
    {
        return -1;
    }

    in += NGX_EDA_CURSOR_PREFIX_LEN;
    len -= NGX_EDA_CURSOR_PREFIX_LEN;

    bin = malloc(ngx_eda_base64_decoded_max(len));
    if (bin == NULL) {
        return -1;
    }

    /* base64url without padding: the project's decoder, strict */

    rc = ngx_eda_base64_decode(in, len, bin, &blen,
                               NGX_EDA_BASE64_URL|NGX_EDA_BASE64_STRICT);
    *n = 0;

    if (rc != 0 || blen < 1 || bin[0] != NGX_EDA_CURSOR_VERSION) {
        free(bin);
        return -1;
    }

    p = bin + 1;
    last = bin + blen;

    for (ntopics = 0; p < last; ntopics++) {

        if (ntopics == NGX_EDA_CURSOR_TOPICS
            || ngx_eda_cursor_read_topic(&p, last, pos, max, n) != 0)
        {
            free(bin);
            return -1;
        }

        topics[ntopics] = pos[*n - 1].topic;

        for (i = 0; i < ntopics; i++) {
            if (topics[i] == topics[ntopics]) {
                free(bin);
                return -1;
            }
        }
    }

    free(bin);

    return (*n > 0) ? 0 : -1;
}


static int
ngx_eda_cursor_read_topic(const unsigned char **pp, const unsigned char *last,
    ngx_eda_cursor_pos_t *pos, size_t max, size_t *n)
{
    size_t                first;
    uint32_t              topic;
    uint64_t              count, part, off;
    const unsigned char  *p;

    p = *pp;

    if (last - p < 4) {
        return -1;
    }

    topic = ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
            | ((uint32_t) p[2] << 8) | p[3];
    p += 4;

    if (ngx_eda_cursor_read_varint(&p, last, max, &count) != 0
        || count == 0 || count > max - *n)
    {
        return -1;
    }

    first = *n;

    for ( /* void */ ; count; count--) {
        if (ngx_eda_cursor_read_varint(&p, last, INT32_MAX, &part) != 0
            || ngx_eda_cursor_read_varint(&p, last, INT64_MAX, &off) != 0
            || (*n > first && (uint64_t) pos[*n - 1].partition >= part))
        {
            return -1;
        }

        pos[*n].topic = topic;
        pos[*n].partition = (int32_t) part;
        pos[*n].offset = (int64_t) off;
        (*n)++;
    }

    *pp = p;

    return 0;
}


static unsigned char *
ngx_eda_cursor_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char) (v | 0x80);
        v >>= 7;
    }

    *p++ = (unsigned char) v;

    return p;
}


/* LEB128, shortest form only (so each cursor has one spelling), <= MAX */

static int
ngx_eda_cursor_read_varint(const unsigned char **pp,
    const unsigned char *last, uint64_t max, uint64_t *v)
{
    unsigned              shift;
    const unsigned char  *p;

    p = *pp;
    *v = 0;

    for (shift = 0; p < last && shift < 64; shift += 7) {
        if (shift == 63 && (*p & 0x7e)) {
            return -1;
        }

        *v |= (uint64_t) (*p & 0x7f) << shift;

        if ((*p++ & 0x80) == 0) {
            if ((p[-1] == 0 && shift > 0) || *v > max) {
                return -1;
            }

            *pp = p;
            return 0;
        }
    }

    return -1;
}
