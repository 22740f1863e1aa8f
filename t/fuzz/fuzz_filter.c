
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for subscription filters.  The first byte picks the
 * operator, the second cuts the rest in two: the filter's value and the
 * event's.  The comparison must agree with a plain reading of eq, prefix
 * and suffix, and give the same answer whether the value is an
 * attribute, an extension or the record key; an absent attribute or key
 * never passes.  The operator and attribute checks run on the raw input.
 * Run it with "./build.sh fuzz filter [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_filter.h"


static int
fuzz_filter_expect(int op, const uint8_t *v, size_t len, const uint8_t *w,
    size_t wlen)
{
    size_t  i, off;

    if (op == NGX_EDA_FILTER_EQ && len != wlen) {
        return 0;
    }

    if (len < wlen) {
        return 0;
    }

    off = (op == NGX_EDA_FILTER_SUFFIX) ? len - wlen : 0;

    for (i = 0; i < wlen; i++) {
        if (v[off + i] != w[i]) {
            return 0;
        }
    }

    return 1;
}


static void
fuzz_filter_names(const uint8_t *buf, size_t size)
{
    int  op;

    op = ngx_eda_filter_op((const char *) buf, size);

    if (op != -1
        && !((op == NGX_EDA_FILTER_EQ && size == 2
              && memcmp(buf, "eq", 2) == 0)
             || (op == NGX_EDA_FILTER_PREFIX && size == 6
                 && memcmp(buf, "prefix", 6) == 0)
             || (op == NGX_EDA_FILTER_SUFFIX && size == 6
                 && memcmp(buf, "suffix", 6) == 0)))
    {
        abort();
    }

    if (ngx_eda_filter_attr_valid((const char *) buf, size)
        != ngx_eda_ce_valid_name((const char *) buf, size))
    {
        /* "key" is a valid attribute name as well */
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    int                  op, want;
    size_t               wlen, vlen;
    const char          *w, *v;
    ngx_eda_filter_t     f[2];
    ngx_eda_ce_event_t   ev;

    fuzz_filter_names(buf, size);

    if (size < 2) {
        return 0;
    }

    op = buf[0] % 3;
    wlen = buf[1] % (size - 1);
    w = (const char *) buf + 2;
    v = w + wlen;
    vlen = size - 2 - wlen;

    want = fuzz_filter_expect(op, (const uint8_t *) v, vlen,
                              (const uint8_t *) w, wlen);

    if (ngx_eda_filter_test(op, v, vlen, w, wlen) != want) {
        abort();
    }

    /* eq implies prefix and suffix */

    if (ngx_eda_filter_test(NGX_EDA_FILTER_EQ, v, vlen, w, wlen)
        && !(ngx_eda_filter_test(NGX_EDA_FILTER_PREFIX, v, vlen, w, wlen)
             && ngx_eda_filter_test(NGX_EDA_FILTER_SUFFIX, v, vlen, w, wlen)))
    {
        abort();
    }

    memset(&ev, 0, sizeof(ngx_eda_ce_event_t));
    (void) ngx_eda_ce_set(&ev, "type", 4, "t", 1);
    (void) ngx_eda_ce_set(&ev, "subject", 7, v, vlen);
    (void) ngx_eda_ce_set(&ev, "tenant", 6, v, vlen);

    f[0].op = op;
    f[0].value = w;
    f[0].value_len = wlen;
    f[0].required = 0;
    f[1] = f[0];

    f[0].attr = "subject";
    f[0].attr_len = 7;
    f[1].attr = "tenant";
    f[1].attr_len = 6;

    if (ngx_eda_filter_match(f, 1, &ev, NULL, 0) != want
        || ngx_eda_filter_match(f, 2, &ev, NULL, 0) != want)
    {
        abort();
    }

    f[1].attr = "key";
    f[1].attr_len = 3;

    if (ngx_eda_filter_match(&f[1], 1, &ev, v, vlen) != want
        || ngx_eda_filter_match(&f[1], 1, &ev, NULL, 0) != 0
        || ngx_eda_filter_match(f, 2, &ev, v, vlen) != want)
    {
        abort();
    }

    /* a required filter passes what the same filter passes, unless empty */

    f[0].required = 1;

    if (ngx_eda_filter_match(f, 1, &ev, NULL, 0) != (wlen ? want : 0)) {
        abort();
    }

    f[0].required = 0;
    f[0].attr = "source";
    f[0].attr_len = 6;

    if (ngx_eda_filter_match(f, 1, &ev, v, vlen) != 0
        || ngx_eda_filter_match(f, 0, &ev, NULL, 0) != 1)
    {
        abort();
    }

    return 0;
}
