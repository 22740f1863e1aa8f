
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "ngx_eda_json_out.h"


static const char  ngx_eda_json_hex[] = "0123456789abcdef";


void
ngx_eda_json_out_init(ngx_eda_json_out_t *o, unsigned char *out)
{
    o->pos = out;
    o->len = 0;
}


void
ngx_eda_json_put(ngx_eda_json_out_t *o, const void *p, size_t len)
{
    if (o->pos != NULL && len != 0) {
        memcpy(o->pos, p, len);
        o->pos += len;
    }

    o->len += len;
}


void
ngx_eda_json_put_string(ngx_eda_json_out_t *o, const unsigned char *p,
    size_t len)
{
    size_t         i, run;
    unsigned char  c, esc[6];

    if (len == 0) {
        ngx_eda_json_put(o, "\"\"", 2);
        return;
    }

    ngx_eda_json_put(o, "\"", 1);

    run = 0;

    for (i = 0; i < len; i++) {
        c = p[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        /* the bytes since the last escape go as they are */
        ngx_eda_json_put(o, p + run, i - run);
        run = i + 1;

        esc[0] = '\\';

        switch (c) {
        case '"':
        case '\\':
            esc[1] = c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = ngx_eda_json_hex[c >> 4];
            esc[5] = ngx_eda_json_hex[c & 0xf];
            ngx_eda_json_put(o, esc, 6);
            continue;
        }

        ngx_eda_json_put(o, esc, 2);
    }

    ngx_eda_json_put(o, p + run, len - run);
    ngx_eda_json_put(o, "\"", 1);
}


void
ngx_eda_json_put_uint(ngx_eda_json_out_t *o, uint64_t v)
{
    size_t         n;
    unsigned char  digits[20];

    n = sizeof(digits);

    do {
        digits[--n] = (unsigned char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    ngx_eda_json_put(o, digits + n, sizeof(digits) - n);
}
