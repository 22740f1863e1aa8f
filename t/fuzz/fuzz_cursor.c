
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for resume cursors.  The input is read as a cursor;
 * one that decodes must encode back to the same string (a cursor has one
 * spelling) and decode again to the same positions.  The input is also
 * cut into positions and encoded, and what encodes must decode back.
 * Run it with "./build.sh fuzz cursor [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_cursor.h"


#define FUZZ_CURSOR_MAX  64


static void
fuzz_cursor_decode(const uint8_t *data, size_t size)
{
    char                  out[4096];
    size_t                n, m, len;
    ngx_eda_cursor_pos_t  pos[FUZZ_CURSOR_MAX], again[FUZZ_CURSOR_MAX];

    if (ngx_eda_cursor_decode((const char *) data, size, pos,
                              FUZZ_CURSOR_MAX, &n)
        != 0)
    {
        return;
    }

    if (ngx_eda_cursor_max_len(n) > sizeof(out)) {
        abort();
    }

    len = ngx_eda_cursor_encode(pos, n, out);

    if (len != size || memcmp(out, data, size) != 0) {
        abort();
    }

    if (ngx_eda_cursor_decode(out, len, again, FUZZ_CURSOR_MAX, &m) != 0
        || m != n || memcmp(again, pos, n * sizeof(pos[0])) != 0)
    {
        abort();
    }
}


static void
fuzz_cursor_encode(const uint8_t *data, size_t size)
{
    char                  out[4096];
    size_t                i, n, m, len;
    ngx_eda_cursor_pos_t  pos[FUZZ_CURSOR_MAX], got[FUZZ_CURSOR_MAX];

    n = size / 13;
    n = (n > FUZZ_CURSOR_MAX) ? FUZZ_CURSOR_MAX : n;

    for (i = 0; i < n; i++) {
        pos[i].topic = data[i * 13] & 3;
        memcpy(&pos[i].partition, data + i * 13 + 1, 4);
        memcpy(&pos[i].offset, data + i * 13 + 5, 8);
    }

    len = ngx_eda_cursor_encode(pos, n, out);

    if (len == 0) {
        return;
    }

    /* grouped by topic and in order, or refused; a topic again refuses */

    if (ngx_eda_cursor_decode(out, len, got, FUZZ_CURSOR_MAX, &m) == 0
        && (m != n || memcmp(got, pos, n * sizeof(pos[0])) != 0))
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_cursor_decode(data, size);
    fuzz_cursor_encode(data, size);

    return 0;
}
