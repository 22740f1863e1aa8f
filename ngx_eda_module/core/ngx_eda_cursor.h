
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_CURSOR_H_INCLUDED_
#define _NGX_EDA_CURSOR_H_INCLUDED_


/*
 * A resume cursor: where a client stands in the Kafka topics it reads, as
 * the next offset of each partition, written as a short URL-safe string
 * any gateway can read back.  "eda1." and base64url (no padding) of:
 *
 *     per topic: a 32-bit hash of its name (FNV-1a, big-endian),
 *                the number of partitions that follow (varint),
 *                per partition: its number and next offset (varints)
 *
 * Topics are named by hash so a cursor stays short and still names them
 * across a reload that reorders or adds topics.  No nginx types.
 */


#include <stddef.h>
#include <stdint.h>


#define NGX_EDA_CURSOR_PREFIX      "eda1."
#define NGX_EDA_CURSOR_PREFIX_LEN  5

/* what a cursor can name at most: a bound on decoding work and memory */
#define NGX_EDA_CURSOR_MAX         4096
#define NGX_EDA_CURSOR_TOPICS      64


typedef struct {
    uint32_t   topic;        /* ngx_eda_cursor_topic() */
    int32_t    partition;
    int64_t    offset;       /* the next record's, >= 0 */
} ngx_eda_cursor_pos_t;


uint32_t ngx_eda_cursor_topic(const unsigned char *name, size_t len);

/* the longest string N positions can be written as */
size_t ngx_eda_cursor_max_len(size_t n);

/*
 * Writes the cursor of the N positions in POS (those of one topic next to
 * each other; partitions and offsets >= 0) to OUT, which holds
 * ngx_eda_cursor_max_len(N) bytes; no NUL.  Returns the length, or 0 when
 * N is 0 or over NGX_EDA_CURSOR_MAX or a position is negative.
 */
size_t ngx_eda_cursor_encode(const ngx_eda_cursor_pos_t *pos, size_t n,
    char *out);

/*
 * Reads the cursor IN into POS (room for MAX positions) and sets *N.
 * 0 on success; -1 for anything that is not a cursor this code writes:
 * another prefix, bad base64url, a truncated or overlong varint, a topic
 * given twice, more than NGX_EDA_CURSOR_TOPICS topics, a partition out of
 * order, trailing bytes, more than MAX positions.
 */
int ngx_eda_cursor_decode(const char *in, size_t len,
    ngx_eda_cursor_pos_t *pos, size_t max, size_t *n);


#endif /* _NGX_EDA_CURSOR_H_INCLUDED_ */
