
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the RFC 6455 codec.  The first input byte picks
 * the message size limit and the seed of the piece sizes; the rest is a
 * client byte stream.  It is parsed whole and in pieces, and both must
 * give the same events and the same error, every event keeping the
 * parser's promises (text is UTF-8, sizes within bounds, valid close
 * codes).  The same bytes are then sent as a message the way a client
 * would, written by the frame writer, fragmented, masked, with pings
 * between the fragments and a writer-made close frame after them, and
 * must come back unchanged.
 * Run it with "./build.sh fuzz ws [seconds]".
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_ws_codec.h"


#define FUZZ_WS_MAX_EXPECT  32


typedef struct {
    size_t        events;
    uint64_t      digest;
    int           error;
    unsigned int  code;
} fuzz_ws_summary_t;


typedef struct {
    unsigned int          opcode;
    unsigned int          code;
    const unsigned char  *data;
    size_t                len;
} fuzz_ws_expect_t;


/* a round trip: the client stream built and the events it must give */
typedef struct {
    unsigned char     *s;
    size_t             slen;
    size_t             frag;
    size_t             nexp;
    uint32_t           rnd;
    fuzz_ws_expect_t   want[FUZZ_WS_MAX_EXPECT];
    unsigned char      cf[NGX_EDA_WS_MAX_CONTROL_FRAME];
} fuzz_ws_trip_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ws_run(const unsigned char *in, size_t len, size_t max,
    uint32_t seed, int whole, fuzz_ws_summary_t *sum);
static void fuzz_ws_check_event(const ngx_eda_ws_event_t *ev, size_t max);
static void fuzz_ws_roundtrip(const unsigned char *in, size_t len,
    uint32_t seed);
static void fuzz_ws_trip_message(fuzz_ws_trip_t *t, const unsigned char *in,
    size_t len, unsigned int op);
static void fuzz_ws_trip_close(fuzz_ws_trip_t *t, const unsigned char *in,
    size_t len, unsigned int op);
static void fuzz_ws_trip_expect(fuzz_ws_trip_t *t, unsigned int opcode,
    unsigned int code, const unsigned char *data, size_t len);
static void fuzz_ws_trip_parse(fuzz_ws_trip_t *t, size_t max);
static size_t fuzz_ws_client_frame(unsigned char *out, unsigned int fin,
    unsigned int opcode, const unsigned char *data, size_t len,
    uint32_t *rnd);
static void fuzz_ws_utf8(const unsigned char *in, size_t len, uint32_t seed);
static uint32_t fuzz_ws_next(uint32_t *state);
static uint64_t fuzz_ws_mix(uint64_t h, const unsigned char *p, size_t len);
static void fuzz_ws_fail(const char *what);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  accept[NGX_EDA_WS_ACCEPT_LEN];
    size_t                i, max, len;
    uint32_t              seed;
    fuzz_ws_summary_t     whole, pieces;
    const unsigned char  *in;

    if (size == 0) {
        return 0;
    }

    /* 0, 1, 2, 4, ... 16384 bytes: small limits are the interesting ones */
    max = (data[0] & 0x0f) == 0 ? 0 : (size_t) 1 << ((data[0] & 0x0f) - 1);
    seed = (uint32_t) data[0] * 2654435761u + 1;

    in = data + 1;
    len = size - 1;

    fuzz_ws_run(in, len, max, seed, 1, &whole);
    fuzz_ws_run(in, len, max, seed, 0, &pieces);

    if (whole.events != pieces.events || whole.digest != pieces.digest
        || whole.error != pieces.error || whole.code != pieces.code)
    {
        fprintf(stderr, "whole: %zu events, error %d/%u; pieces: %zu "
                "events, error %d/%u\n", whole.events, whole.error,
                whole.code, pieces.events, pieces.error, pieces.code);
        fuzz_ws_fail("pieces and whole differ");
    }

    fuzz_ws_roundtrip(in, len, seed);
    fuzz_ws_utf8(in, len, seed);

    if (ngx_eda_ws_accept_key((const char *) in, len, accept) == 0) {
        if (len != NGX_EDA_WS_KEY_LEN) {
            fuzz_ws_fail("accept key of a key of the wrong length");
        }

        for (i = 0; i < NGX_EDA_WS_ACCEPT_LEN; i++) {
            if (accept[i] == '\0') {
                fuzz_ws_fail("NUL in an accept key");
            }
        }
    }

    return 0;
}


static void
fuzz_ws_run(const unsigned char *in, size_t len, size_t max, uint32_t seed,
    int whole, fuzz_ws_summary_t *sum)
{
    int                   rc;
    size_t                off, chunk, pos, n, limit;
    unsigned char         tag[8];
    ngx_eda_ws_event_t    ev;
    ngx_eda_ws_parser_t   p;

    memset(sum, 0, sizeof(fuzz_ws_summary_t));
    ngx_eda_ws_parser_init(&p, max);

    /* the pieces: up to 1, 4, 16 or 64 bytes each, by the seed */
    limit = (size_t) 1 << (2 * ((seed >> 8) & 3));

    for (off = 0; off < len; off += chunk) {
        chunk = whole ? len : 1 + fuzz_ws_next(&seed) % limit;

        if (chunk > len - off) {
            chunk = len - off;
        }

        pos = 0;

        for ( ;; ) {
            rc = ngx_eda_ws_parse(&p, in + off + pos, chunk - pos, &n, &ev);

            if (n > chunk - pos) {
                fuzz_ws_fail("consumed more than given");
            }

            pos += n;

            if (rc == NGX_EDA_WS_AGAIN) {
                if (pos != chunk) {
                    fuzz_ws_fail("AGAIN before the end of the input");
                }

                break;
            }

            if (rc == NGX_EDA_WS_ERROR) {
                if (ev.reason == NULL || ev.data != NULL
                    || (ev.code != NGX_EDA_WS_CLOSE_PROTOCOL
                        && ev.code != NGX_EDA_WS_CLOSE_INVALID
                        && ev.code != NGX_EDA_WS_CLOSE_TOO_BIG
                        && ev.code != NGX_EDA_WS_CLOSE_INTERNAL))
                {
                    fuzz_ws_fail("bad error report");
                }

                sum->error = 1;
                sum->code = ev.code;

                if (ngx_eda_ws_parse(&p, in, len, &n, &ev) != NGX_EDA_WS_ERROR
                    || ev.code != sum->code || n != 0)
                {
                    fuzz_ws_fail("error not final");
                }

                ngx_eda_ws_parser_destroy(&p);
                return;
            }

            if (rc != NGX_EDA_WS_EVENT) {
                fuzz_ws_fail("unknown result");
            }

            fuzz_ws_check_event(&ev, max);

            tag[0] = (unsigned char) ev.opcode;
            tag[1] = (unsigned char) (ev.code >> 8);
            tag[2] = (unsigned char) ev.code;
            tag[3] = (unsigned char) (ev.len >> 24);
            tag[4] = (unsigned char) (ev.len >> 16);
            tag[5] = (unsigned char) (ev.len >> 8);
            tag[6] = (unsigned char) ev.len;
            tag[7] = 0;

            sum->events++;
            sum->digest = fuzz_ws_mix(sum->digest, tag, sizeof(tag));
            sum->digest = fuzz_ws_mix(sum->digest, ev.data, ev.len);
        }
    }

    ngx_eda_ws_parser_destroy(&p);
}


static void
fuzz_ws_check_event(const ngx_eda_ws_event_t *ev, size_t max)
{
    if (ev->data == NULL || ev->reason != NULL) {
        fuzz_ws_fail("event without data or with a reason");
    }

    switch (ev->opcode) {

    case NGX_EDA_WS_OP_TEXT:
        if (!ngx_eda_utf8_valid(ev->data, ev->len)) {
            fuzz_ws_fail("text message is not UTF-8");
        }

        /* fall through */

    case NGX_EDA_WS_OP_BINARY:
        if (ev->len > max) {
            fuzz_ws_fail("message above the limit");
        }

        break;

    case NGX_EDA_WS_OP_PING:
    case NGX_EDA_WS_OP_PONG:
        if (ev->len > NGX_EDA_WS_MAX_CONTROL) {
            fuzz_ws_fail("control payload above 125 bytes");
        }

        break;

    case NGX_EDA_WS_OP_CLOSE:
        if (ev->len > NGX_EDA_WS_MAX_REASON
            || !ngx_eda_utf8_valid(ev->data, ev->len)
            || (ev->code != NGX_EDA_WS_CLOSE_NO_STATUS
                && !ngx_eda_ws_close_code_valid(ev->code))
            || (ev->code == NGX_EDA_WS_CLOSE_NO_STATUS && ev->len != 0))
        {
            fuzz_ws_fail("bad close event");
        }

        break;

    default:
        fuzz_ws_fail("event of an unknown opcode");
    }
}


static void
fuzz_ws_roundtrip(const unsigned char *in, size_t len, uint32_t seed)
{
    size_t          cap;
    unsigned int    op;
    fuzz_ws_trip_t  t;

    t.rnd = seed ^ 0x5bd1e995u;
    t.frag = 1 + fuzz_ws_next(&t.rnd) % 6;

    /* at most 6 data frames, 6 pings and a close, 14 + 125 bytes each */
    cap = len + 13 * (14 + NGX_EDA_WS_MAX_CONTROL);

    t.s = malloc(cap);
    if (t.s == NULL) {
        return;
    }

    op = ngx_eda_utf8_valid(in, len) ? NGX_EDA_WS_OP_TEXT
                                        : NGX_EDA_WS_OP_BINARY;
    t.slen = 0;
    t.nexp = 0;

    fuzz_ws_trip_message(&t, in, len, op);
    fuzz_ws_trip_close(&t, in, len, op);

    if (t.slen > cap) {
        fuzz_ws_fail("round-trip buffer overflow");
    }

    fuzz_ws_trip_parse(&t, len);

    free(t.s);
}


/* the input as one message of t->frag fragments, pings between them */
static void
fuzz_ws_trip_message(fuzz_ws_trip_t *t, const unsigned char *in,
    size_t len, unsigned int op)
{
    size_t        i, n, off, cut;
    unsigned int  fin;

    off = 0;

    for (i = 0; i < t->frag; i++) {
        if (i + 1 == t->frag) {
            cut = len - off;

        } else {
            cut = len - off == 0 ? 0
                                 : fuzz_ws_next(&t->rnd) % (len - off + 1);
        }

        fin = (i + 1 == t->frag);
        t->slen += fuzz_ws_client_frame(t->s + t->slen, fin,
                                        i == 0 ? op : NGX_EDA_WS_OP_CONT,
                                        in + off, cut, &t->rnd);
        off += cut;

        if (!fin && (fuzz_ws_next(&t->rnd) & 1)) {
            n = len < NGX_EDA_WS_MAX_CONTROL ? len : NGX_EDA_WS_MAX_CONTROL;
            n = fuzz_ws_next(&t->rnd) % (n + 1);

            t->slen += fuzz_ws_client_frame(t->s + t->slen, 1,
                                            NGX_EDA_WS_OP_PING, in, n,
                                            &t->rnd);
            fuzz_ws_trip_expect(t, NGX_EDA_WS_OP_PING, 0, in, n);
        }
    }

    fuzz_ws_trip_expect(t, op, 0, in, len);
}


/*
 * The writer's close frame, as a client would send it: the reason is
 * the input's longest valid prefix within 123 bytes, which for valid
 * UTF-8 is all of it or falls short by less than one character.
 */
static void
fuzz_ws_trip_close(fuzz_ws_trip_t *t, const unsigned char *in, size_t len,
    unsigned int op)
{
    size_t  clen, rlen;

    clen = ngx_eda_ws_close_frame(t->cf, NGX_EDA_WS_CLOSE_NORMAL,
                                  (const char *) in, len);
    rlen = ngx_eda_utf8_prefix(in, len, NGX_EDA_WS_MAX_REASON);

    if (clen != 4 + rlen || t->cf[0] != (0x80 | NGX_EDA_WS_OP_CLOSE)
        || t->cf[1] != clen - 2 || t->cf[2] != 0x03 || t->cf[3] != 0xe8
        || (rlen != 0 && memcmp(t->cf + 4, in, rlen) != 0)
        || !ngx_eda_utf8_valid(t->cf + 4, rlen)
        || (op == NGX_EDA_WS_OP_TEXT && rlen != len
            && rlen + 4 <= NGX_EDA_WS_MAX_REASON))
    {
        fuzz_ws_fail("bad close frame from the writer");
    }

    t->slen += fuzz_ws_client_frame(t->s + t->slen, 1, NGX_EDA_WS_OP_CLOSE,
                                    t->cf + 2, clen - 2, &t->rnd);

    fuzz_ws_trip_expect(t, NGX_EDA_WS_OP_CLOSE, NGX_EDA_WS_CLOSE_NORMAL,
                        t->cf + 4, clen - 4);
}


static void
fuzz_ws_trip_expect(fuzz_ws_trip_t *t, unsigned int opcode,
    unsigned int code, const unsigned char *data, size_t len)
{
    fuzz_ws_expect_t  *e;

    e = &t->want[t->nexp++];
    e->opcode = opcode;
    e->code = code;
    e->data = data;
    e->len = len;
}


/* the stream parsed in random pieces must give exactly the expected */
static void
fuzz_ws_trip_parse(fuzz_ws_trip_t *t, size_t max)
{
    int                   rc;
    size_t                n, pos, off, chunk, got;
    fuzz_ws_expect_t     *w;
    ngx_eda_ws_event_t    ev;
    ngx_eda_ws_parser_t   p;

    ngx_eda_ws_parser_init(&p, max);
    got = 0;

    for (off = 0; off < t->slen; off += chunk) {
        chunk = 1 + fuzz_ws_next(&t->rnd) % 64;

        if (chunk > t->slen - off) {
            chunk = t->slen - off;
        }

        pos = 0;

        for ( ;; ) {
            rc = ngx_eda_ws_parse(&p, t->s + off + pos, chunk - pos, &n,
                                  &ev);
            pos += n;

            if (rc == NGX_EDA_WS_AGAIN) {
                break;
            }

            if (rc == NGX_EDA_WS_ERROR) {
                fprintf(stderr, "round trip: error %u: %s\n", ev.code,
                        ev.reason);
                fuzz_ws_fail("round trip failed to parse");
            }

            w = &t->want[got];

            if (got == t->nexp || ev.opcode != w->opcode || ev.len != w->len
                || (ev.len != 0 && memcmp(ev.data, w->data, ev.len) != 0)
                || (ev.opcode == NGX_EDA_WS_OP_CLOSE && ev.code != w->code))
            {
                fprintf(stderr, "round trip: event %zu, opcode %u len %zu"
                        "\n", got, ev.opcode, ev.len);
                fuzz_ws_fail("round trip changed the events");
            }

            got++;
        }
    }

    if (got != t->nexp) {
        fuzz_ws_fail("round trip lost events");
    }

    ngx_eda_ws_parser_destroy(&p);
}


static size_t
fuzz_ws_client_frame(unsigned char *out, unsigned int fin,
    unsigned int opcode, const unsigned char *data, size_t len,
    uint32_t *rnd)
{
    size_t    i, n;
    uint32_t  key;

    n = ngx_eda_ws_frame_header(out, opcode, fin, len);
    out[1] |= 0x80;

    key = fuzz_ws_next(rnd);

    out[n++] = (unsigned char) (key >> 24);
    out[n++] = (unsigned char) (key >> 16);
    out[n++] = (unsigned char) (key >> 8);
    out[n++] = (unsigned char) key;

    for (i = 0; i < len; i++) {
        out[n + i] = data[i] ^ out[n - 4 + (i & 3)];
    }

    return n + len;
}


static void
fuzz_ws_utf8(const unsigned char *in, size_t len, uint32_t seed)
{
    int                ok;
    size_t             off, n, prefix;
    ngx_eda_utf8_t  u;

    ngx_eda_utf8_init(&u);
    ok = 1;

    for (off = 0; off < len; off += n) {
        n = 1 + fuzz_ws_next(&seed) % 8;

        if (n > len - off) {
            n = len - off;
        }

        if (ngx_eda_utf8_feed(&u, in + off, n) != 0) {
            ok = 0;
            break;
        }
    }

    if (ok) {
        ok = ngx_eda_utf8_complete(&u);
    }

    if (ok != ngx_eda_utf8_valid(in, len)) {
        fuzz_ws_fail("incremental and whole UTF-8 checks differ");
    }

    prefix = ngx_eda_utf8_prefix(in, len, len);

    if (!ngx_eda_utf8_valid(in, prefix) || (ok && prefix != len)
        || (!ok && prefix == len))
    {
        fuzz_ws_fail("bad UTF-8 prefix");
    }
}


static uint32_t
fuzz_ws_next(uint32_t *state)
{
    uint32_t  x;

    x = *state != 0 ? *state : 0x9e3779b9u;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;

    *state = x;

    return x;
}


static uint64_t
fuzz_ws_mix(uint64_t h, const unsigned char *p, size_t len)
{
    size_t  i;

    /* FNV-1a */
    if (h == 0) {
        h = 0xcbf29ce484222325ULL;
    }

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static void
fuzz_ws_fail(const char *what)
{
    fprintf(stderr, "fuzz_ws: %s\n", what);
    abort();
}
