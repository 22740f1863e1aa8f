
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "ngx_eda_cursor.h"


typedef struct {
    const char    *in;
    int            ok;
} decode_case_t;


static void test_roundtrip(void);
static void test_encode_refused(void);
static void test_decode(void);
static void test_many(void);


/* hand-made cursors: what a decoder must refuse, and a few it takes */
static const decode_case_t  decode_cases[] = {
    { "", 0 },
    { "eda1.", 0 },                          /* nothing */
    { "eda2.AQ", 0 },                        /* another prefix */
    { "eda1.AQ", 0 },                        /* a version, no topic */
    { "eda1.Ag", 0 },                        /* version 2 */
    { "eda1.AQAAAAEBAAA", 1 },               /* topic 1: partition 0 at 0 */
    { "eda1.AQAAAAEBAAA=", 0 },              /* padding */
    { "eda1.AQAAAAEBAAB", 0 },               /* unused bits set */
    { "eda1.AQAAAAEAAAA", 0 },               /* zero partitions */
    { "eda1.AQAAAAEBAA", 0 },                /* offset missing */
    { "eda1.AQAAAAEBAICA", 0 },              /* varint truncated */
    { "eda1.AQAAAAEBAIAA", 0 },              /* varint not shortest */
    { "eda1.AQAAAAECAAABAA", 1 },            /* partitions 0, 1 */
    { "eda1.AQAAAAECAQAAAA", 0 },            /* partitions 1, 0 */
    { "eda1.AQAAAAECAAAAAA", 0 },            /* partition 0 twice */
    { "eda1.AQAAAAEBAAAAAAABAQAA", 0 },      /* topic 1 twice */
    { "eda1.AQAAAAEBAAAAAAACAQAA", 1 },      /* topics 1 and 2 */
    { "eda1.AQAAAAEBAAAA", 0 },              /* trailing byte */
    { "eda1.AQAAAAEBgICAgAgA", 0 },          /* partition over 2^31-1 */
    { "eda1.AQAAAAEBAP______________AQ", 0 }, /* offset over 2^63-1 */
    { "eda1.AQAAAAEBAP________________", 0 }, /* ... and unterminated */
    { "eda1.AQAAAAE*AAA", 0 },               /* not base64url */
    { "eda1.AQAAAAE+AAA", 0 },               /* the other alphabet */
};


int
main(void)
{
    test_roundtrip();
    test_encode_refused();
    test_decode();
    test_many();

    EDA_UNIT_DONE();
}


static void
test_roundtrip(void)
{
    char                  out[256];
    size_t                len, n;
    ngx_eda_cursor_pos_t  got[8];
    ngx_eda_cursor_pos_t  pos[] = {
        { 0, 0, 0 },
        { 0, 1, 127 },
        { 0, 7, 128 },
        { 0xdeadbeef, 0, 300 },
        { 0xdeadbeef, 2147483647, INT64_MAX },
        { 7, 3, 1234567890123LL },
    };

    len = ngx_eda_cursor_encode(pos, 6, out);

    EDA_CHECK(len > 5 && len <= ngx_eda_cursor_max_len(6));
    EDA_CHECK(memcmp(out, "eda1.", 5) == 0);
    EDA_CHECK(memchr(out, '=', len) == NULL);
    EDA_CHECK(memchr(out, '+', len) == NULL);
    EDA_CHECK(memchr(out, '/', len) == NULL);

    EDA_CHECK(ngx_eda_cursor_decode(out, len, got, 8, &n) == 0);
    EDA_CHECK(n == 6);
    EDA_CHECK(memcmp(got, pos, sizeof(pos)) == 0);

    /* room for fewer than it holds */
    EDA_CHECK(ngx_eda_cursor_decode(out, len, got, 5, &n) == -1);

    /* one partition: the shortest */
    len = ngx_eda_cursor_encode(pos, 1, out);
    EDA_CHECK_STR(out, len, "eda1.AQAAAAABAAA");

    EDA_CHECK(ngx_eda_cursor_topic((const unsigned char *) "", 0)
              == 2166136261u);
    EDA_CHECK(ngx_eda_cursor_topic((const unsigned char *) "a", 1)
              == 0xe40c292cu);
}


static void
test_encode_refused(void)
{
    char                  out[256];
    ngx_eda_cursor_pos_t  neg_off[] = { { 1, 0, -1 } };
    ngx_eda_cursor_pos_t  neg_part[] = { { 1, -1, 0 } };
    ngx_eda_cursor_pos_t  order[] = { { 1, 1, 0 }, { 1, 0, 0 } };
    ngx_eda_cursor_pos_t  twice[] = { { 1, 0, 0 }, { 1, 0, 5 } };

    EDA_CHECK(ngx_eda_cursor_encode(neg_off, 0, out) == 0);
    EDA_CHECK(ngx_eda_cursor_encode(neg_off, 1, out) == 0);
    EDA_CHECK(ngx_eda_cursor_encode(neg_part, 1, out) == 0);
    EDA_CHECK(ngx_eda_cursor_encode(order, 2, out) == 0);
    EDA_CHECK(ngx_eda_cursor_encode(twice, 2, out) == 0);
    EDA_CHECK(ngx_eda_cursor_encode(neg_off, NGX_EDA_CURSOR_MAX + 1, out)
              == 0);
}


static void
test_decode(void)
{
    size_t                i, n;
    ngx_eda_cursor_pos_t  got[8];

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        if ((ngx_eda_cursor_decode(decode_cases[i].in,
                                   strlen(decode_cases[i].in), got, 8, &n)
             == 0) != decode_cases[i].ok)
        {
            printf("case %zu: %s\n", i, decode_cases[i].in);
            EDA_CHECK(0);

        } else {
            EDA_CHECK(1);
        }
    }

    EDA_CHECK(ngx_eda_cursor_decode("eda1.AQAAAAECAAABAA", 19, got, 8, &n)
              == 0);
    EDA_CHECK(n == 2 && got[0].topic == 1 && got[1].partition == 1
              && got[1].offset == 0);
}


/* the limits: partitions past the stack buffer, too many topics */

static void
test_many(void)
{
    char                  *out;
    size_t                 i, len, n;
    ngx_eda_cursor_pos_t  *pos, *got;

    pos = calloc(NGX_EDA_CURSOR_MAX, sizeof(ngx_eda_cursor_pos_t));
    got = calloc(NGX_EDA_CURSOR_MAX, sizeof(ngx_eda_cursor_pos_t));
    out = malloc(ngx_eda_cursor_max_len(NGX_EDA_CURSOR_MAX));

    if (pos == NULL || got == NULL || out == NULL) {
        EDA_CHECK(0);
        return;
    }

    for (i = 0; i < NGX_EDA_CURSOR_MAX; i++) {
        pos[i].topic = (uint32_t) (i / 100);
        pos[i].partition = (int32_t) (i % 100);
        pos[i].offset = (int64_t) i * 1000003;
    }

    len = ngx_eda_cursor_encode(pos, NGX_EDA_CURSOR_MAX, out);
    EDA_CHECK(len > 0);
    EDA_CHECK(ngx_eda_cursor_decode(out, len, got, NGX_EDA_CURSOR_MAX, &n)
              == 0);
    EDA_CHECK(n == NGX_EDA_CURSOR_MAX
              && memcmp(got, pos, n * sizeof(ngx_eda_cursor_pos_t)) == 0);

    /* 65 topics of one partition each */
    for (i = 0; i < 65; i++) {
        pos[i].topic = (uint32_t) i;
        pos[i].partition = 0;
    }

    len = ngx_eda_cursor_encode(pos, 65, out);
    EDA_CHECK(len > 0);
    EDA_CHECK(ngx_eda_cursor_decode(out, len, got, NGX_EDA_CURSOR_MAX, &n)
              == -1);
    len = ngx_eda_cursor_encode(pos, 64, out);
    EDA_CHECK(ngx_eda_cursor_decode(out, len, got, NGX_EDA_CURSOR_MAX, &n)
              == 0 && n == 64);

    free(pos);
    free(got);
    free(out);
}
