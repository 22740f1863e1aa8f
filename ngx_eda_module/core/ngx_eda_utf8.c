
/*
 * Copyright (C) ngx_eda authors
 */


#include "ngx_eda_utf8.h"


int
ngx_eda_utf8_valid(const unsigned char *p, size_t len)
{
    ngx_eda_utf8_t  u;

    ngx_eda_utf8_init(&u);

    return ngx_eda_utf8_feed(&u, p, len) == 0
           && ngx_eda_utf8_complete(&u);
}


size_t
ngx_eda_utf8_prefix(const unsigned char *p, size_t len, size_t max)
{
    size_t          i, good;
    ngx_eda_utf8_t  u;

    if (len > max) {
        len = max;
    }

    ngx_eda_utf8_init(&u);

    good = 0;

    for (i = 0; i < len; i++) {
        if (ngx_eda_utf8_feed(&u, p + i, 1) != 0) {
            break;
        }

        if (u.need == 0) {
            good = i + 1;
        }
    }

    return good;
}


void
ngx_eda_utf8_init(ngx_eda_utf8_t *u)
{
    u->need = 0;
    u->lo = 0x80;
    u->hi = 0xbf;
}


int
ngx_eda_utf8_feed(ngx_eda_utf8_t *u, const unsigned char *p,
    size_t len)
{
    size_t        i;
    unsigned int  c;

    /*
     * Bounding the byte after the lead byte is what rules out overlong
     * forms (E0, F0), surrogates (ED) and code points above U+10FFFF
     * (F4); C0, C1 and F5-FF never start a valid sequence.
     */

    for (i = 0; i < len; i++) {
        c = p[i];

        if (u->need != 0) {
            if (c < u->lo || c > u->hi) {
                return -1;
            }

            u->need--;
            u->lo = 0x80;
            u->hi = 0xbf;
            continue;
        }

        if (c < 0x80) {
            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            u->need = 1;

        } else if (c >= 0xe0 && c <= 0xef) {
            u->need = 2;

            if (c == 0xe0) {
                u->lo = 0xa0;

            } else if (c == 0xed) {
                u->hi = 0x9f;
            }

        } else if (c >= 0xf0 && c <= 0xf4) {
            u->need = 3;

            if (c == 0xf0) {
                u->lo = 0x90;

            } else if (c == 0xf4) {
                u->hi = 0x8f;
            }

        } else {
            return -1;
        }
    }

    return 0;
}


int
ngx_eda_utf8_complete(const ngx_eda_utf8_t *u)
{
    return u->need == 0;
}
