
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _EDA_SSE_READER_H_INCLUDED_
#define _EDA_SSE_READER_H_INCLUDED_


/*
 * A text/event-stream reader written after the HTML standard's parsing
 * rules ("interpreting an event stream"), the way a browser's EventSource
 * reads what the gateway writes.  Used by the unit tests and the fuzz
 * target of ngx_eda_sse.c; it reads one stream into one event at most.
 */


#include <stdlib.h>
#include <string.h>


typedef struct {
    int             dispatched;
    unsigned char  *data;          /* malloc()ed by the reader */
    size_t          data_len;
    unsigned char   id[4096];
    size_t          id_len;
    unsigned char   type[4096];
    size_t          type_len;
} eda_sse_read_t;


static void
eda_sse_append(unsigned char *buf, size_t *len, size_t max,
    const unsigned char *p, size_t n)
{
    if (*len + n > max) {
        n = max - *len;
    }

    memcpy(buf + *len, p, n);
    *len += n;
}


static void
eda_sse_read(const unsigned char *s, size_t len, eda_sse_read_t *ev)
{
    size_t                line, name, vlen;
    const unsigned char  *p, *end, *v;

    memset(ev, 0, sizeof(eda_sse_read_t));
    ev->data = malloc(len + 1);

    p = s;
    end = s + len;

    while (p < end && !ev->dispatched) {

        line = 0;
        while (p + line < end && p[line] != '\n' && p[line] != '\r') {
            line++;
        }

        if (p + line == end) {
            break;                 /* an unterminated line is not read */
        }

        if (line == 0) {
            if (ev->data_len) {
                ev->data_len--;    /* the last LF */
                ev->dispatched = 1;
            }

        } else if (p[0] != ':') {
            name = 0;
            while (name < line && p[name] != ':') {
                name++;
            }

            v = p + name;
            vlen = line - name;

            if (vlen) {
                v++;
                vlen--;
                if (vlen && *v == ' ') {
                    v++;
                    vlen--;
                }
            }

            if (name == 4 && memcmp(p, "data", 4) == 0) {
                memcpy(ev->data + ev->data_len, v, vlen);
                ev->data_len += vlen;
                ev->data[ev->data_len++] = '\n';

            } else if (name == 5 && memcmp(p, "event", 5) == 0) {
                ev->type_len = 0;
                eda_sse_append(ev->type, &ev->type_len, sizeof(ev->type),
                               v, vlen);

            } else if (name == 2 && memcmp(p, "id", 2) == 0
                       && memchr(v, '\0', vlen) == NULL)
            {
                ev->id_len = 0;
                eda_sse_append(ev->id, &ev->id_len, sizeof(ev->id), v, vlen);
            }
        }

        p += line;

        if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            p++;
        }

        p++;
    }
}


#endif /* _EDA_SSE_READER_H_INCLUDED_ */
