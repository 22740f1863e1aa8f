
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_trace.h"


static const char  ngx_eda_trace_hexdigits[] = "0123456789abcdef";


static void
ngx_eda_trace_unhex(const char *s, size_t n, uint8_t *out)
{
    int     hi, lo;
    size_t  i;

    for (i = 0; i < n; i++) {
        hi = s[2 * i];
        lo = s[2 * i + 1];
        hi = hi >= 'a' ? hi - 'a' + 10 : hi - '0';
        lo = lo >= 'a' ? lo - 'a' + 10 : lo - '0';
        out[i] = (uint8_t) (hi << 4 | lo);
    }
}


int
ngx_eda_trace_parse(ngx_eda_trace_t *t, const char *s, size_t len)
{
    /* lower-case hex, the dashes, version ff, zero ids: all checked */
    if (!ngx_eda_ce_valid_traceparent(s, len)) {
        return -1;
    }

    ngx_eda_trace_unhex(s + 3, 16, t->trace_id);
    ngx_eda_trace_unhex(s + 36, 8, t->parent_id);
    ngx_eda_trace_unhex(s + 53, 1, &t->flags);

    return 0;
}


static void
ngx_eda_trace_nonzero(uint8_t *id, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (id[i]) {
            return;
        }
    }

    id[n - 1] = 1;
}


void
ngx_eda_trace_child(ngx_eda_trace_t *t, const uint8_t *random)
{
    memcpy(t->span_id, random + 16, 8);
    ngx_eda_trace_nonzero(t->span_id, 8);
}


void
ngx_eda_trace_root(ngx_eda_trace_t *t, const uint8_t *random, uint8_t flags)
{
    memcpy(t->trace_id, random, 16);
    ngx_eda_trace_nonzero(t->trace_id, 16);
    memset(t->parent_id, 0, 8);
    t->flags = flags;
    ngx_eda_trace_child(t, random);
}


void
ngx_eda_trace_hex(const uint8_t *id, size_t n, char *out)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        out[2 * i] = ngx_eda_trace_hexdigits[id[i] >> 4];
        out[2 * i + 1] = ngx_eda_trace_hexdigits[id[i] & 0x0f];
    }
}


void
ngx_eda_trace_format(const ngx_eda_trace_t *t, char *out)
{
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    ngx_eda_trace_hex(t->trace_id, 16, out + 3);
    out[35] = '-';
    ngx_eda_trace_hex(t->span_id, 8, out + 36);
    out[52] = '-';
    ngx_eda_trace_hex(&t->flags, 1, out + 53);
}


/*
 * A tracestate is passed on untouched when it looks like one: at most
 * 512 bytes of printable ASCII, at most 32 comma-separated members (blank
 * ones allowed), each "key=value" with a key of lower-case letters,
 * digits and "_-*" "/" "@" starting with a letter or digit, and a value
 * without "," or "=" that does not end in a space.
 */

static int
ngx_eda_trace_valid_member(const char *s, size_t len)
{
    char    c;
    size_t  i, eq;

    while (len && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }

    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }

    if (len == 0) {
        return 1;               /* an empty member is allowed */
    }

    for (eq = 0; eq < len && s[eq] != '='; eq++) {
        c = s[eq];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || (eq > 0 && (c == '_' || c == '-' || c == '*' || c == '/'
                             || c == '@'))))
        {
            return 0;
        }
    }

    if (eq == 0 || eq == len || eq > 256 || len - eq - 1 > 256) {
        return 0;
    }

    for (i = eq + 1; i < len; i++) {
        c = s[i];

        if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
            return 0;
        }
    }

    return len > eq + 1;
}


int
ngx_eda_trace_valid_state(const char *s, size_t len)
{
    size_t  i, start, members;

    if (len == 0 || len > NGX_EDA_TRACESTATE_MAX) {
        return 0;
    }

    members = 0;
    start = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && s[i] != ',') {
            if (s[i] < 0x20 || s[i] > 0x7e) {
                return 0;
            }
            continue;
        }

        if (!ngx_eda_trace_valid_member(s + start, i - start)) {
            return 0;
        }

        if (++members > 32) {
            return 0;
        }

        start = i + 1;
    }

    return 1;
}
