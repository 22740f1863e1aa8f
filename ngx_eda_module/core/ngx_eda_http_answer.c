
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>
#include <strings.h>

#include "ngx_eda_http_answer.h"
#include "ngx_eda_otlp.h"


static int ngx_eda_http_header_is(const char *line, size_t len,
    const char *name, const char **value, size_t *value_len);


int
ngx_eda_http_answer(const char *buf, size_t len, int *status,
    const char **body, size_t *body_len, const char **err)
{
    int          code, have_length;
    size_t       n, length, vlen;
    const char  *p, *last, *eol, *v;

    code = ngx_eda_otlp_status(buf, len);

    if (code <= 0) {
        *err = "no HTTP/1.x status line";
        return -1;
    }

    last = buf + len;

    p = memchr(buf, '\n', len);
    if (p == NULL) {
        *err = "the headers do not end";
        return -1;
    }

    p++;
    have_length = 0;
    length = 0;

    for ( ;; ) {
        eol = memchr(p, '\n', (size_t) (last - p));
        if (eol == NULL) {
            *err = "the headers do not end";
            return -1;
        }

        n = (size_t) (eol - p);

        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }

        if (n == 0) {
            p = eol + 1;
            break;
        }

        if (ngx_eda_http_header_is(p, n, "transfer-encoding", &v, &vlen)) {
            *err = "a Transfer-Encoding answer to an HTTP/1.0 request";
            return -1;
        }

        if (ngx_eda_http_header_is(p, n, "content-length", &v, &vlen)) {
            if (vlen == 0 || vlen > 12 || have_length) {
                *err = "an invalid Content-Length";
                return -1;
            }

            length = 0;

            for ( /* void */ ; vlen; vlen--, v++) {
                if (*v < '0' || *v > '9') {
                    *err = "an invalid Content-Length";
                    return -1;
                }

                length = length * 10 + (size_t) (*v - '0');
            }

            have_length = 1;
        }

        p = eol + 1;
    }

    n = (size_t) (last - p);

    if (have_length) {
        if (length > n) {
            *err = "the body is shorter than its Content-Length";
            return -1;
        }

        n = length;
    }

    *status = code;
    *body = p;
    *body_len = n;

    return 0;
}


/* LINE (without its end) is the header NAME: its value, spaces trimmed */

static int
ngx_eda_http_header_is(const char *line, size_t len, const char *name,
    const char **value, size_t *value_len)
{
    size_t       n;
    const char  *v, *end;

    n = strlen(name);

    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0) {
        return 0;
    }

    v = line + n + 1;
    end = line + len;

    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }

    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    *value = v;
    *value_len = (size_t) (end - v);

    return 1;
}
