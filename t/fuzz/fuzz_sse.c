
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the event-stream writer.  The input is cut in three
 * by its first two bytes: an id, an event name and the data.  The event is
 * written, the written length must be the announced one, and a reader that
 * follows the HTML standard must get back exactly one event with the data
 * (line ends as LF), the id and the name (without CR, LF and NUL).
 * Run it with "./build.sh fuzz sse [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_sse.h"
#include "../unit/eda_sse_reader.h"


static size_t
fuzz_sse_strip(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (in[i] != '\r' && in[i] != '\n' && in[i] != '\0') {
            out[n++] = in[i];
        }
    }

    return n;
}


static size_t
fuzz_sse_lines(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == '\r') {
            out[n++] = '\n';
            if (i + 1 < len && in[i + 1] == '\n') {
                i++;
            }

        } else {
            out[n++] = in[i];
        }
    }

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    size_t           id_len, name_len, data_len, len, n, want_len;
    uint8_t         *out, *want, id[4096], name[4096];
    const uint8_t   *p;
    eda_sse_read_t   ev;

    if (size < 2) {
        return 0;
    }

    p = buf + 2;
    size -= 2;

    id_len = buf[0] % (size + 1);
    name_len = buf[1] % (size - id_len + 1);
    data_len = size - id_len - name_len;

    len = ngx_eda_sse_event(NULL, p, id_len, p + id_len, name_len,
                            p + id_len + name_len, data_len);

    out = malloc(len);
    if (out == NULL) {
        return 0;
    }

    n = ngx_eda_sse_event(out, p, id_len, p + id_len, name_len,
                          p + id_len + name_len, data_len);
    if (n != len || out[n - 1] != '\n') {
        abort();
    }

    eda_sse_read(out, n, &ev);

    if (!ev.dispatched) {
        abort();
    }

    want = malloc(data_len + 1);
    want_len = fuzz_sse_lines(p + id_len + name_len, data_len, want);

    if (ev.data_len != want_len || memcmp(ev.data, want, want_len) != 0) {
        abort();
    }

    if (ev.id_len != fuzz_sse_strip(p, id_len, id)
        || memcmp(ev.id, id, ev.id_len) != 0)
    {
        abort();
    }

    if (ev.type_len != fuzz_sse_strip(p + id_len, name_len, name)
        || memcmp(ev.type, name, ev.type_len) != 0)
    {
        abort();
    }

    free(want);
    free(ev.data);
    free(out);

    return 0;
}
