
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "ngx_eda_sse.h"


static size_t ngx_eda_sse_field(unsigned char *out, const char *field,
    size_t field_len, const unsigned char *value, size_t len);


size_t
ngx_eda_sse_event(unsigned char *out, const unsigned char *id,
    size_t id_len, const unsigned char *name, size_t name_len,
    const unsigned char *data, size_t data_len)
{
    size_t                n, line;
    const unsigned char  *p, *end;

    n = 0;

    if (id_len) {
        n += ngx_eda_sse_field(out ? out + n : NULL, "id: ", 4, id, id_len);
    }

    if (name_len) {
        n += ngx_eda_sse_field(out ? out + n : NULL, "event: ", 7, name,
                               name_len);
    }

    /* a line ends at LF, CR or CR LF; the last line may be empty */

    p = data;
    end = data + data_len;

    for ( ;; ) {
        line = 0;

        while (p + line < end && p[line] != '\n' && p[line] != '\r') {
            line++;
        }

        if (out != NULL) {
            memcpy(out + n, "data: ", 6);
            if (line) {
                memcpy(out + n + 6, p, line);
            }
            out[n + 6 + line] = '\n';
        }

        n += 6 + line + 1;
        p += line;

        if (p == end) {
            break;
        }

        if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            p++;
        }

        p++;
    }

    if (out != NULL) {
        out[n] = '\n';
    }

    return n + 1;
}


/* "FIELD" VALUE LF, without the bytes that cannot be in a field */

static size_t
ngx_eda_sse_field(unsigned char *out, const char *field, size_t field_len,
    const unsigned char *value, size_t len)
{
    size_t  i, n;

    n = field_len;

    if (out != NULL) {
        memcpy(out, field, field_len);
    }

    for (i = 0; i < len; i++) {
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') {
            continue;
        }

        if (out != NULL) {
            out[n] = value[i];
        }

        n++;
    }

    if (out != NULL) {
        out[n] = '\n';
    }

    return n + 1;
}
