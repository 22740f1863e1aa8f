
/*
 * Copyright (C) ngx_eda authors
 */


#include "ngx_eda_base64.h"


static int ngx_eda_base64_value(unsigned char ch, unsigned int flags);


static const char  ngx_eda_base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


size_t
ngx_eda_base64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t        i, o;
    unsigned int  v;

    o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        v = (unsigned int) in[i] << 16 | (unsigned int) in[i + 1] << 8
            | in[i + 2];

        out[o++] = ngx_eda_base64_chars[v >> 18];
        out[o++] = ngx_eda_base64_chars[(v >> 12) & 0x3f];
        out[o++] = ngx_eda_base64_chars[(v >> 6) & 0x3f];
        out[o++] = ngx_eda_base64_chars[v & 0x3f];
    }

    if (i == len) {
        return o;
    }

    v = (unsigned int) in[i] << 16;

    if (len - i == 2) {
        v |= (unsigned int) in[i + 1] << 8;
    }

    out[o++] = ngx_eda_base64_chars[v >> 18];
    out[o++] = ngx_eda_base64_chars[(v >> 12) & 0x3f];
    out[o++] = (len - i == 2) ? ngx_eda_base64_chars[(v >> 6) & 0x3f] : '=';
    out[o++] = '=';

    return o;
}


int
ngx_eda_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *out_len, unsigned int flags)
{
    int           v, bits;
    size_t        i, n;
    unsigned int  acc;

    if (flags & NGX_EDA_BASE64_PADDED) {
        if (len % 4 != 0) {
            return -1;
        }

        /* at most two, and only at the end: others fail as characters */
        if (len > 0 && in[len - 1] == '=') {
            len--;

            if (in[len - 1] == '=') {
                len--;
            }
        }
    }

    /* one character carries 6 bits, less than a byte */
    if (len % 4 == 1) {
        return -1;
    }

    acc = 0;
    bits = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        v = ngx_eda_base64_value((unsigned char) in[i], flags);
        if (v < 0) {
            return -1;
        }

        acc = (acc << 6) | (unsigned int) v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
        }

        acc &= (1u << bits) - 1;
    }

    if ((flags & NGX_EDA_BASE64_STRICT) && acc != 0) {
        return -1;
    }

    *out_len = n;

    return 0;
}


static int
ngx_eda_base64_value(unsigned char ch, unsigned int flags)
{
    if (ch >= 'A' && ch <= 'Z') {
        return ch - 'A';
    }

    if (ch >= 'a' && ch <= 'z') {
        return ch - 'a' + 26;
    }

    if (ch >= '0' && ch <= '9') {
        return ch - '0' + 52;
    }

    if (flags & NGX_EDA_BASE64_URL) {
        return ch == '-' ? 62 : (ch == '_' ? 63 : -1);
    }

    return ch == '+' ? 62 : (ch == '/' ? 63 : -1);
}
