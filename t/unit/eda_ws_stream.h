
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _EDA_WS_STREAM_H_INCLUDED_
#define _EDA_WS_STREAM_H_INCLUDED_


/*
 * Client byte streams for the unit tests of the RFC 6455 codec, and the
 * parser run over them.  Every stream is parsed whole and again in
 * pieces of 1, 2, 3, 5, 7 and 13 bytes; the pieces must give the same
 * events and the same error as the whole.  Client frames are built with
 * the server frame writer plus the masking a client adds, so the writer
 * is checked by the parser too.  The functions are static inline so that
 * a test binary that does not call one of them compiles without warnings.
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "ngx_eda_ws_codec.h"


#define REC_MAX        32
#define STREAM_MAX     (200 * 1024)
#define BIG            (64 * 1024)


typedef struct {
    unsigned int    opcode;
    unsigned int    code;
    size_t          len;
    unsigned char  *data;
} rec_event_t;


typedef struct {
    rec_event_t     ev[REC_MAX];
    size_t          n;
    int             error;
    unsigned int    err_code;
    const char     *reason;
} rec_t;


typedef struct {
    unsigned char  *buf;
    size_t          len;
    unsigned int    keys;
} stream_t;


static stream_t  st;

static const size_t  steps[] = { 1, 2, 3, 5, 7, 13 };


static inline void
stream_reset(stream_t *s)
{
    s->len = 0;
    s->keys = 0;
}


static inline void
add_raw(stream_t *s, const void *data, size_t len)
{
    if (s->len + len > STREAM_MAX) {
        printf("stream too long\n");
        abort();
    }

    if (len != 0) {
        memcpy(s->buf + s->len, data, len);
    }

    s->len += len;
}


static inline void
add_frame(stream_t *s, unsigned int fin, unsigned int opcode,
    const void *data, size_t len)
{
    size_t                i, n;
    unsigned char         hdr[NGX_EDA_WS_MAX_HEADER], key[4];
    unsigned char        *out;
    const unsigned char  *in;

    /* a different masking key for each frame, never all zero */
    s->keys++;
    key[0] = (unsigned char) (0x37 + s->keys);
    key[1] = 0xfa;
    key[2] = (unsigned char) (0x21 * s->keys);
    key[3] = 0x3d;

    n = ngx_eda_ws_frame_header(hdr, opcode, fin, len);
    hdr[1] |= 0x80;

    add_raw(s, hdr, n);
    add_raw(s, key, 4);

    out = s->buf + s->len;
    in = data;

    add_raw(s, data, len);

    for (i = 0; i < len; i++) {
        out[i] = in[i] ^ key[i & 3];
    }
}


static inline void
add_str(stream_t *s, unsigned int fin, unsigned int opcode, const char *str)
{
    add_frame(s, fin, opcode, str, strlen(str));
}


static inline void
add_close(stream_t *s, unsigned int code, const void *reason, size_t len)
{
    unsigned char  pl[256];

    pl[0] = (unsigned char) (code >> 8);
    pl[1] = (unsigned char) code;
    memcpy(pl + 2, reason, len);

    add_frame(s, 1, NGX_EDA_WS_OP_CLOSE, pl, len + 2);
}


/*
 * Feeds IN in pieces of STEP bytes (0: all at once) and records the events
 * and the error; returns 0, or -1 when the parser broke its contract.
 */
static inline int
feed(const unsigned char *in, size_t len, size_t step, size_t max, rec_t *r)
{
    int                   rc, bad;
    size_t                off, chunk, pos, n;
    rec_event_t          *e;
    ngx_eda_ws_event_t    ev;
    ngx_eda_ws_parser_t   p;

    memset(r, 0, sizeof(rec_t));
    ngx_eda_ws_parser_init(&p, max);

    bad = 0;

    for (off = 0; off < len || off == 0; off += chunk) {
        chunk = (step == 0 || len - off < step) ? len - off : step;
        pos = 0;

        for ( ;; ) {
            rc = ngx_eda_ws_parse(&p, in + off + pos, chunk - pos, &n, &ev);

            if (n > chunk - pos) {
                printf("consumed %zu of %zu\n", n, chunk - pos);
                bad = 1;
                goto done;
            }

            pos += n;

            if (rc == NGX_EDA_WS_AGAIN) {
                if (pos != chunk) {
                    printf("AGAIN with %zu bytes left\n", chunk - pos);
                    bad = 1;
                }

                break;
            }

            if (rc == NGX_EDA_WS_ERROR) {
                r->error = 1;
                r->err_code = ev.code;
                r->reason = ev.reason;

                if (ev.reason == NULL || ev.data != NULL) {
                    bad = 1;
                }

                /* the error is final */
                rc = ngx_eda_ws_parse(&p, in, len, &n, &ev);
                if (rc != NGX_EDA_WS_ERROR || ev.code != r->err_code
                    || n != 0)
                {
                    bad = 1;
                }

                goto done;
            }

            if (rc != NGX_EDA_WS_EVENT || ev.data == NULL
                || ev.reason != NULL || r->n == REC_MAX)
            {
                printf("bad event rc=%d n=%zu\n", rc, r->n);
                bad = 1;
                goto done;
            }

            e = &r->ev[r->n++];
            e->opcode = ev.opcode;
            e->code = ev.code;
            e->len = ev.len;
            e->data = malloc(ev.len + 1);

            if (e->data == NULL) {
                abort();
            }

            if (ev.len != 0) {
                memcpy(e->data, ev.data, ev.len);
            }
        }

        if (len == 0) {
            break;
        }
    }

done:

    ngx_eda_ws_parser_destroy(&p);
    ngx_eda_ws_parser_destroy(&p);

    return bad ? -1 : 0;
}


static inline int
rec_same(const rec_t *a, const rec_t *b)
{
    size_t  i;

    if (a->n != b->n || a->error != b->error || a->err_code != b->err_code)
    {
        return 0;
    }

    for (i = 0; i < a->n; i++) {
        if (a->ev[i].opcode != b->ev[i].opcode
            || a->ev[i].code != b->ev[i].code
            || a->ev[i].len != b->ev[i].len
            || memcmp(a->ev[i].data, b->ev[i].data, a->ev[i].len) != 0)
        {
            return 0;
        }
    }

    return 1;
}


static inline void
rec_free(rec_t *r)
{
    size_t  i;

    for (i = 0; i < r->n; i++) {
        free(r->ev[i].data);
    }

    r->n = 0;
}


static inline void
parse_all(const stream_t *s, size_t max, rec_t *r)
{
    int     same;
    rec_t   piece;
    size_t  i;

    EDA_CHECK(feed(s->buf, s->len, 0, max, r) == 0);

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        EDA_CHECK(feed(s->buf, s->len, steps[i], max, &piece) == 0);

        same = rec_same(r, &piece);
        if (!same) {
            printf("pieces of %zu differ from the whole\n", steps[i]);
        }

        EDA_CHECK(same);
        rec_free(&piece);
    }
}


static inline int
ev_is(const rec_t *r, size_t i, unsigned int opcode, const char *data)
{
    size_t  len;

    len = strlen(data);

    if (i >= r->n) {
        printf("event %zu missing (%zu events)\n", i, r->n);
        return 0;
    }

    if (r->ev[i].opcode != opcode || r->ev[i].len != len
        || memcmp(r->ev[i].data, data, len) != 0)
    {
        printf("event %zu: opcode %u \"%.*s\", want %u \"%s\"\n", i,
               r->ev[i].opcode, (int) r->ev[i].len,
               (const char *) r->ev[i].data, opcode, data);
        return 0;
    }

    return 1;
}


static inline int
fails_with(const stream_t *s, size_t max, unsigned int code)
{
    int    ok;
    rec_t  r;

    parse_all(s, max, &r);

    ok = r.error && r.err_code == code;

    if (!ok) {
        printf("want error %u, got %s %u (%zu events)\n", code,
               r.error ? "error" : "no error", r.err_code, r.n);
    }

    rec_free(&r);

    return ok;
}


static inline int
parses_ok(const stream_t *s, size_t max)
{
    int    ok;
    rec_t  r;

    parse_all(s, max, &r);

    ok = !r.error;

    if (!ok) {
        printf("want no error, got %u \"%s\" (%zu events)\n", r.err_code,
               r.reason, r.n);
    }

    rec_free(&r);

    return ok;
}


#endif /* _EDA_WS_STREAM_H_INCLUDED_ */
