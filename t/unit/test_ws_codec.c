
/*
 * Copyright (C) ngx_eda authors
 *
 * sources: core/ngx_eda_ws_codec.c core/ngx_eda_base64.c core/ngx_eda_utf8.c
 * libs: -lcrypto
 */


/*
 * Unit tests of the RFC 6455 codec.  Every stream is parsed whole and
 * again in pieces of 1, 2, 3, 5, 7 and 13 bytes; the pieces must give the
 * same events and the same error as the whole.  Client frames are built
 * with the server frame writer plus the masking a client adds, so the
 * writer is checked by the parser too.
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


static void stream_reset(stream_t *s);
static void add_raw(stream_t *s, const void *data, size_t len);
static void add_frame(stream_t *s, unsigned int fin, unsigned int opcode,
    const void *data, size_t len);
static void add_str(stream_t *s, unsigned int fin, unsigned int opcode,
    const char *str);
static void add_close(stream_t *s, unsigned int code, const void *reason,
    size_t len);
static int feed(const unsigned char *in, size_t len, size_t step,
    size_t max, rec_t *r);
static int rec_same(const rec_t *a, const rec_t *b);
static void rec_free(rec_t *r);
static void parse_all(const stream_t *s, size_t max, rec_t *r);
static int ev_is(const rec_t *r, size_t i, unsigned int opcode,
    const char *data);
static int fails_with(const stream_t *s, size_t max, unsigned int code);
static int parses_ok(const stream_t *s, size_t max);
static int accept_is(const char *key, const char *want);
static void test_accept(void);
static void test_rfc_examples(void);
static void test_many_frames(void);
static void test_interleaved(void);
static void test_protocol_errors(void);
static void test_fail_fast(void);
static void test_utf8_fragments(void);
static void test_max_message(void);
static void test_close(void);
static void test_writer(void);
static void test_roundtrip(void);
static void test_buffer(void);


static stream_t  st;

static const size_t  steps[] = { 1, 2, 3, 5, 7, 13 };


static void
stream_reset(stream_t *s)
{
    s->len = 0;
    s->keys = 0;
}


static void
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


static void
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


static void
add_str(stream_t *s, unsigned int fin, unsigned int opcode, const char *str)
{
    add_frame(s, fin, opcode, str, strlen(str));
}


static void
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
static int
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


static int
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


static void
rec_free(rec_t *r)
{
    size_t  i;

    for (i = 0; i < r->n; i++) {
        free(r->ev[i].data);
    }

    r->n = 0;
}


static void
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


static int
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


static int
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


static int
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


static int
accept_is(const char *key, const char *want)
{
    char  out[NGX_EDA_WS_ACCEPT_LEN];

    if (ngx_eda_ws_accept_key(key, strlen(key), out) != 0) {
        return want == NULL;
    }

    return want != NULL && memcmp(out, want, NGX_EDA_WS_ACCEPT_LEN) == 0;
}


static void
test_accept(void)
{
    char  out[NGX_EDA_WS_ACCEPT_LEN];

    /* RFC 6455 section 1.3 */
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZQ==",
                        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));

    EDA_CHECK(accept_is("AAAAAAAAAAAAAAAAAAAAAA==",
                        "ICX+Yqv66kxgM0FcWaLWlFLwTAI="));

    EDA_CHECK(accept_is("", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZQ=", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZQ===", NULL));
    EDA_CHECK(accept_is(" dGhlIHNhbXBsZSBub25jZQ==", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZQAA", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZ===", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25j*Q==", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZQ-_", NULL));

    /* non-zero pad bits: not the encoding of any 16 bytes */
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZR==", NULL));

    /* 18 bytes, 16 bytes of base64url */
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZQAB", NULL));
    EDA_CHECK(accept_is("dGhlIHNhbXBsZSBub25jZ_==", NULL));

    /* a NUL inside */
    EDA_CHECK(ngx_eda_ws_accept_key("dGhlIHNhbXBsZSBub2\0jZQ==", 24, out)
              == -1);
}


static void
test_rfc_examples(void)
{
    rec_t                 r;
    size_t                i;
    unsigned char        *big;
    static unsigned char  hello_masked[] = {
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
    };
    static unsigned char  hello_plain[] = {
        0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f
    };
    static unsigned char  frag_plain[] = {
        0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f
    };
    static unsigned char  ping_plain[] = {
        0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f
    };
    static unsigned char  ping_masked[] = {
        0x89, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
    };

    /* RFC 6455 section 5.7: a single-frame masked text message */
    stream_reset(&st);
    add_raw(&st, hello_masked, sizeof(hello_masked));
    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 1 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_TEXT, "Hello"));
    rec_free(&r);

    /* the same, built by the writer and masked like a client */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "Hello");
    EDA_CHECK(st.len == sizeof(hello_masked));
    parse_all(&st, 1024, &r);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_TEXT, "Hello"));
    rec_free(&r);

    /* the unmasked examples are server frames: a server rejects them */
    stream_reset(&st);
    add_raw(&st, hello_plain, sizeof(hello_plain));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, frag_plain, sizeof(frag_plain));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, ping_plain, sizeof(ping_plain));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    /* the fragmented message, masked */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "Hel");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "lo");
    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 1 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_TEXT, "Hello"));
    rec_free(&r);

    /* ping, and a masked pong answering it */
    stream_reset(&st);
    add_raw(&st, ping_masked, sizeof(ping_masked));
    add_str(&st, 1, NGX_EDA_WS_OP_PONG, "Hello");
    parse_all(&st, 0, &r);
    EDA_CHECK(r.n == 2 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_PING, "Hello"));
    EDA_CHECK(ev_is(&r, 1, NGX_EDA_WS_OP_PONG, "Hello"));
    rec_free(&r);

    big = malloc(BIG + 1);
    if (big == NULL) {
        abort();
    }

    for (i = 0; i < BIG + 1; i++) {
        big[i] = (unsigned char) (i * 7);
    }

    /* 256 bytes: a 16-bit length */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 256);
    EDA_CHECK(st.buf[0] == 0x82 && st.buf[1] == 0xfe && st.buf[2] == 0x01
              && st.buf[3] == 0x00 && st.len == 4 + 4 + 256);
    parse_all(&st, BIG, &r);
    EDA_CHECK(r.n == 1 && r.ev[0].opcode == NGX_EDA_WS_OP_BINARY
              && r.ev[0].len == 256 && memcmp(r.ev[0].data, big, 256) == 0);
    rec_free(&r);

    /* 64 KiB: a 64-bit length */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, BIG);
    EDA_CHECK(st.buf[0] == 0x82 && st.buf[1] == 0xff && st.buf[2] == 0
              && st.buf[7] == 0x01 && st.buf[8] == 0 && st.buf[9] == 0
              && st.len == 10 + 4 + BIG);
    parse_all(&st, BIG, &r);
    EDA_CHECK(r.n == 1 && r.ev[0].opcode == NGX_EDA_WS_OP_BINARY
              && r.ev[0].len == BIG && memcmp(r.ev[0].data, big, BIG) == 0);
    rec_free(&r);

    free(big);
}


static void
test_many_frames(void)
{
    rec_t  r;

    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "one");
    add_str(&st, 1, NGX_EDA_WS_OP_BINARY, "two");
    add_str(&st, 1, NGX_EDA_WS_OP_PING, "");
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "");
    add_str(&st, 1, NGX_EDA_WS_OP_PONG, "p");
    add_str(&st, 0, NGX_EDA_WS_OP_BINARY, "thr");
    add_str(&st, 0, NGX_EDA_WS_OP_CONT, "");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "ee");
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "");
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "caf\xc3\xa9");
    add_close(&st, 1000, "bye", 3);

    /* after the close frame: ignored, even when it is garbage */
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "late");
    add_raw(&st, "\xff\xff\xff", 3);

    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 9 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_TEXT, "one"));
    EDA_CHECK(ev_is(&r, 1, NGX_EDA_WS_OP_BINARY, "two"));
    EDA_CHECK(ev_is(&r, 2, NGX_EDA_WS_OP_PING, ""));
    EDA_CHECK(ev_is(&r, 3, NGX_EDA_WS_OP_TEXT, ""));
    EDA_CHECK(ev_is(&r, 4, NGX_EDA_WS_OP_PONG, "p"));
    EDA_CHECK(ev_is(&r, 5, NGX_EDA_WS_OP_BINARY, "three"));
    EDA_CHECK(ev_is(&r, 6, NGX_EDA_WS_OP_TEXT, ""));
    EDA_CHECK(ev_is(&r, 7, NGX_EDA_WS_OP_TEXT, "caf\xc3\xa9"));
    EDA_CHECK(ev_is(&r, 8, NGX_EDA_WS_OP_CLOSE, "bye"));
    EDA_CHECK(r.n == 9 && r.ev[8].code == 1000);
    rec_free(&r);

    /* nothing at all, and a frame cut short: no event, no error */
    stream_reset(&st);
    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 0 && !r.error);
    rec_free(&r);

    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "cut");
    st.len--;
    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 0 && !r.error);
    rec_free(&r);
}


static void
test_interleaved(void)
{
    rec_t  r;

    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "Hel");
    add_str(&st, 1, NGX_EDA_WS_OP_PING, "p1");
    add_str(&st, 0, NGX_EDA_WS_OP_CONT, "l");
    add_str(&st, 1, NGX_EDA_WS_OP_PONG, "");
    add_str(&st, 1, NGX_EDA_WS_OP_PING, "p2");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "o");
    add_str(&st, 1, NGX_EDA_WS_OP_BINARY, "next");

    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 5 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_PING, "p1"));
    EDA_CHECK(ev_is(&r, 1, NGX_EDA_WS_OP_PONG, ""));
    EDA_CHECK(ev_is(&r, 2, NGX_EDA_WS_OP_PING, "p2"));
    EDA_CHECK(ev_is(&r, 3, NGX_EDA_WS_OP_TEXT, "Hello"));
    EDA_CHECK(ev_is(&r, 4, NGX_EDA_WS_OP_BINARY, "next"));
    rec_free(&r);

    /* a close inside a fragmented message ends it */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_BINARY, "half");
    add_close(&st, 1001, "", 0);
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "rest");

    parse_all(&st, 1024, &r);
    EDA_CHECK(r.n == 1 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_CLOSE, ""));
    EDA_CHECK(r.n == 1 && r.ev[0].code == 1001);
    rec_free(&r);
}


static void
test_protocol_errors(void)
{
    size_t                i;
    unsigned int          op;
    unsigned char         pl[200];
    static unsigned int   bad_codes[] = {
        0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
        65535
    };
    static unsigned int   good_codes[] = {
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
        1014, 3000, 3999, 4000, 4999
    };
    static unsigned char  rsv[] = { 0x40, 0x20, 0x10 };
    static unsigned char  len16_short[] = {
        0x82, 0xfe, 0x00, 0x05, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'
    };
    static unsigned char  len16_125[] = {
        0x82, 0xfe, 0x00, 0x7d, 1, 2, 3, 4
    };
    static unsigned char  len64_short[] = {
        0x82, 0xff, 0, 0, 0, 0, 0, 0, 0x00, 0xc8, 1, 2, 3, 4
    };
    static unsigned char  len64_ffff[] = {
        0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4
    };
    static unsigned char  len64_msb[] = {
        0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0x10, 1, 2, 3, 4
    };
    static unsigned char  ping126[] = {
        0x89, 0xfe, 0x00, 0x7e, 1, 2, 3, 4
    };
    static unsigned char  ping127[] = {
        0x89, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x7e, 1, 2, 3, 4
    };

    memset(pl, 'x', sizeof(pl));

    /* RSV1, RSV2, RSV3: no extension was negotiated */
    for (i = 0; i < sizeof(rsv); i++) {
        stream_reset(&st);
        add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "ok");
        add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "rsv");
        st.buf[8] |= rsv[i];
        EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));
    }

    /* reserved opcodes */
    for (op = 0x3; op <= 0xf; op++) {
        if (op >= NGX_EDA_WS_OP_CLOSE && op <= NGX_EDA_WS_OP_PONG) {
            continue;
        }

        stream_reset(&st);
        add_str(&st, 1, op, "x");
        EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));
    }

    /* unmasked, after a good frame */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "ok");
    add_raw(&st, "\x82\x01x", 3);
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    /* control frames: at most 125 bytes, never fragmented */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_PING, pl, 125);
    add_frame(&st, 1, NGX_EDA_WS_OP_PONG, pl, 125);
    add_frame(&st, 1, NGX_EDA_WS_OP_CLOSE, "\x03\xe8", 2);
    EDA_CHECK(parses_ok(&st, 1024));

    stream_reset(&st);
    add_raw(&st, ping126, sizeof(ping126));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, ping127, sizeof(ping127));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    for (op = NGX_EDA_WS_OP_CLOSE; op <= NGX_EDA_WS_OP_PONG; op++) {
        stream_reset(&st);
        add_str(&st, 0, op, "");
        EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));
    }

    /* fragmentation out of order */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "x");
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "done");
    add_str(&st, 0, NGX_EDA_WS_OP_CONT, "x");
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "a");
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "b");
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_BINARY, "a");
    add_str(&st, 1, NGX_EDA_WS_OP_PING, "");
    add_str(&st, 0, NGX_EDA_WS_OP_BINARY, "b");
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    /* lengths: minimal encoding, the 64-bit high bit */
    stream_reset(&st);
    add_raw(&st, len16_short, sizeof(len16_short));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, len16_125, sizeof(len16_125));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, len64_short, sizeof(len64_short));
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, len64_ffff, sizeof(len64_ffff));
    EDA_CHECK(fails_with(&st, 1 << 20, NGX_EDA_WS_CLOSE_PROTOCOL));

    stream_reset(&st);
    add_raw(&st, len64_msb, sizeof(len64_msb));
    EDA_CHECK(fails_with(&st, (size_t) -1, NGX_EDA_WS_CLOSE_PROTOCOL));

    /* close frames: a 1-byte payload, codes, the reason's UTF-8 */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_CLOSE, "\x03", 1);
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    /* ... even when the bytes of an earlier ping would make a code */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_PING, "\x03\xe8", 2);
    add_frame(&st, 1, NGX_EDA_WS_OP_CLOSE, "\x03", 1);
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));

    for (i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
        stream_reset(&st);
        add_close(&st, bad_codes[i], "", 0);
        EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));
        EDA_CHECK(!ngx_eda_ws_close_code_valid(bad_codes[i]));
    }

    for (i = 0; i < sizeof(good_codes) / sizeof(good_codes[0]); i++) {
        stream_reset(&st);
        add_close(&st, good_codes[i], "r", 1);
        EDA_CHECK(parses_ok(&st, 1024));
        EDA_CHECK(ngx_eda_ws_close_code_valid(good_codes[i]));
    }

    stream_reset(&st);
    add_close(&st, 1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80", 10);
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_INVALID));

    stream_reset(&st);
    add_close(&st, 1000, "ok\xc3", 3);
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_INVALID));

    /* text that is not UTF-8 */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "bad \xff byte");
    EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_INVALID));

    /* binary is not checked */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_BINARY, "bad \xff byte");
    EDA_CHECK(parses_ok(&st, 1024));

    /* nor are ping and pong payloads */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_PING, "\xff");
    add_str(&st, 1, NGX_EDA_WS_OP_PONG, "\xc0\x80");
    EDA_CHECK(parses_ok(&st, 1024));
}


static void
test_fail_fast(void)
{
    size_t                n;
    unsigned char         frame[64];
    ngx_eda_ws_event_t    ev;
    ngx_eda_ws_parser_t   p;

    /* the length is judged before the masking key arrives */
    ngx_eda_ws_parser_init(&p, 100);
    EDA_CHECK(ngx_eda_ws_parse(&p, (const unsigned char *) "\x82\xfe\x10",
                               3, &n, &ev) == NGX_EDA_WS_AGAIN);
    EDA_CHECK(ngx_eda_ws_parse(&p, (const unsigned char *) "\x00\x01", 2,
                               &n, &ev) == NGX_EDA_WS_ERROR);
    EDA_CHECK(ev.code == NGX_EDA_WS_CLOSE_TOO_BIG && n == 1);
    EDA_CHECK(ev.reason != NULL && strcmp(ev.reason, "message too big") == 0);
    ngx_eda_ws_parser_destroy(&p);

    /* a 7-bit length too */
    ngx_eda_ws_parser_init(&p, 100);
    EDA_CHECK(ngx_eda_ws_parse(&p, (const unsigned char *) "\x81\xe5", 2,
                               &n, &ev) == NGX_EDA_WS_ERROR);
    EDA_CHECK(ev.code == NGX_EDA_WS_CLOSE_TOO_BIG);
    ngx_eda_ws_parser_destroy(&p);

    /* an unmasked frame on its second byte */
    ngx_eda_ws_parser_init(&p, 100);
    EDA_CHECK(ngx_eda_ws_parse(&p, (const unsigned char *) "\x81", 1,
                               &n, &ev) == NGX_EDA_WS_AGAIN);
    EDA_CHECK(n == 1);
    EDA_CHECK(ngx_eda_ws_parse(&p, (const unsigned char *) "\x05", 1,
                               &n, &ev) == NGX_EDA_WS_ERROR);
    EDA_CHECK(ev.code == NGX_EDA_WS_CLOSE_PROTOCOL);
    ngx_eda_ws_parser_destroy(&p);

    /* invalid UTF-8 at its first byte, the rest of the frame not sent */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "ab\xc0zzzzzzzz");
    memcpy(frame, st.buf, st.len);

    ngx_eda_ws_parser_init(&p, 100);
    EDA_CHECK(ngx_eda_ws_parse(&p, frame, 2 + 4 + 2, &n, &ev)
              == NGX_EDA_WS_AGAIN);
    EDA_CHECK(ngx_eda_ws_parse(&p, frame + 8, 1, &n, &ev)
              == NGX_EDA_WS_ERROR);
    EDA_CHECK(ev.code == NGX_EDA_WS_CLOSE_INVALID);
    ngx_eda_ws_parser_destroy(&p);

    /* a code point split across fragments fails at the bad byte */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "a\xf0\x9f");
    add_str(&st, 0, NGX_EDA_WS_OP_CONT, "\x98zzzz");
    memcpy(frame, st.buf, st.len);

    ngx_eda_ws_parser_init(&p, 100);
    EDA_CHECK(ngx_eda_ws_parse(&p, frame, 9 + 6 + 1, &n, &ev)
              == NGX_EDA_WS_AGAIN);
    EDA_CHECK(ngx_eda_ws_parse(&p, frame + 16, 1, &n, &ev)
              == NGX_EDA_WS_ERROR);
    EDA_CHECK(ev.code == NGX_EDA_WS_CLOSE_INVALID);
    ngx_eda_ws_parser_destroy(&p);

    /* an empty call is harmless in any state */
    ngx_eda_ws_parser_init(&p, 100);
    EDA_CHECK(ngx_eda_ws_parse(&p, NULL, 0, &n, &ev) == NGX_EDA_WS_AGAIN);
    EDA_CHECK(n == 0);
    ngx_eda_ws_parser_destroy(&p);
}


static void
test_utf8_fragments(void)
{
    char         a[16], b[16];
    rec_t        r;
    size_t       i, j;
    const char  *text;

    /* "x€😀y" cut into three fragments at every pair of places */
    text = "x\xe2\x82\xac\xf0\x9f\x98\x80y";

    for (i = 0; i <= 9; i++) {
        for (j = i; j <= 9; j++) {
            memcpy(a, text, i);
            memcpy(b, text + i, j - i);

            stream_reset(&st);
            add_frame(&st, 0, NGX_EDA_WS_OP_TEXT, a, i);
            add_frame(&st, 0, NGX_EDA_WS_OP_CONT, b, j - i);
            add_str(&st, 1, NGX_EDA_WS_OP_PING, "!");
            add_frame(&st, 1, NGX_EDA_WS_OP_CONT, text + j, 9 - j);

            parse_all(&st, 64, &r);
            EDA_CHECK(r.n == 2 && !r.error);
            EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_PING, "!"));
            EDA_CHECK(ev_is(&r, 1, NGX_EDA_WS_OP_TEXT, text));
            rec_free(&r);
        }
    }

    /* a surrogate split across fragments */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "\xed");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "\xa0\x80");
    EDA_CHECK(fails_with(&st, 64, NGX_EDA_WS_CLOSE_INVALID));

    /* an overlong form split across fragments */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "ok\xf0");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "\x8f\xbf\xbf");
    EDA_CHECK(fails_with(&st, 64, NGX_EDA_WS_CLOSE_INVALID));

    /* above U+10FFFF */
    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "\xf4\x90\x80\x80");
    EDA_CHECK(fails_with(&st, 64, NGX_EDA_WS_CLOSE_INVALID));

    /* the final fragment ends inside a character */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "\xf0\x9f");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "\x98");
    EDA_CHECK(fails_with(&st, 64, NGX_EDA_WS_CLOSE_INVALID));

    stream_reset(&st);
    add_str(&st, 1, NGX_EDA_WS_OP_TEXT, "end\xe2\x82");
    EDA_CHECK(fails_with(&st, 64, NGX_EDA_WS_CLOSE_INVALID));

    /* ... and an empty final fragment does not complete it */
    stream_reset(&st);
    add_str(&st, 0, NGX_EDA_WS_OP_TEXT, "\xc3");
    add_str(&st, 1, NGX_EDA_WS_OP_CONT, "");
    EDA_CHECK(fails_with(&st, 64, NGX_EDA_WS_CLOSE_INVALID));
}


static void
test_max_message(void)
{
    rec_t           r;
    unsigned char  *big;

    big = calloc(1, BIG + 2);
    if (big == NULL) {
        abort();
    }

    /* exactly at the limit, then one over */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 10);
    EDA_CHECK(parses_ok(&st, 10));

    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 11);
    EDA_CHECK(fails_with(&st, 10, NGX_EDA_WS_CLOSE_TOO_BIG));

    /* the total of the fragments */
    stream_reset(&st);
    add_frame(&st, 0, NGX_EDA_WS_OP_TEXT, "12345", 5);
    add_frame(&st, 1, NGX_EDA_WS_OP_CONT, "67890", 5);
    parse_all(&st, 10, &r);
    EDA_CHECK(r.n == 1 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_TEXT, "1234567890"));
    rec_free(&r);

    stream_reset(&st);
    add_frame(&st, 0, NGX_EDA_WS_OP_TEXT, "12345", 5);
    add_frame(&st, 0, NGX_EDA_WS_OP_CONT, "67890", 5);
    add_frame(&st, 1, NGX_EDA_WS_OP_CONT, "x", 1);
    EDA_CHECK(fails_with(&st, 10, NGX_EDA_WS_CLOSE_TOO_BIG));

    /* each message has the whole limit */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_TEXT, "1234567890", 10);
    add_frame(&st, 1, NGX_EDA_WS_OP_TEXT, "1234567890", 10);
    parse_all(&st, 10, &r);
    EDA_CHECK(r.n == 2 && !r.error);
    rec_free(&r);

    /* 0: only empty messages; control frames have their own bound */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_TEXT, "", 0);
    add_frame(&st, 1, NGX_EDA_WS_OP_PING, big, 125);
    EDA_CHECK(parses_ok(&st, 0));

    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, "x", 1);
    EDA_CHECK(fails_with(&st, 0, NGX_EDA_WS_CLOSE_TOO_BIG));

    /* 16-bit and 64-bit lengths at the limit and one over */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 65535);
    EDA_CHECK(parses_ok(&st, 65535));
    EDA_CHECK(fails_with(&st, 65534, NGX_EDA_WS_CLOSE_TOO_BIG));

    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, BIG);
    EDA_CHECK(parses_ok(&st, BIG));
    EDA_CHECK(fails_with(&st, BIG - 1, NGX_EDA_WS_CLOSE_TOO_BIG));

    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, BIG + 1);
    EDA_CHECK(fails_with(&st, BIG, NGX_EDA_WS_CLOSE_TOO_BIG));

    /* the largest length a frame can announce */
    stream_reset(&st);
    add_raw(&st, "\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xff", 10);
    EDA_CHECK(fails_with(&st, 1 << 30, NGX_EDA_WS_CLOSE_TOO_BIG));

    free(big);
}


static void
test_close(void)
{
    char   reason[123];
    rec_t  r;

    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_CLOSE, "", 0);
    parse_all(&st, 16, &r);
    EDA_CHECK(r.n == 1 && !r.error);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_CLOSE, ""));
    EDA_CHECK(r.n == 1 && r.ev[0].code == NGX_EDA_WS_CLOSE_NO_STATUS);
    rec_free(&r);

    stream_reset(&st);
    add_close(&st, 1000, "", 0);
    parse_all(&st, 16, &r);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_CLOSE, ""));
    EDA_CHECK(r.n == 1 && r.ev[0].code == 1000);
    rec_free(&r);

    stream_reset(&st);
    add_close(&st, 4001, "caf\xc3\xa9 closed", 12);
    parse_all(&st, 16, &r);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_CLOSE, "caf\xc3\xa9 closed"));
    EDA_CHECK(r.n == 1 && r.ev[0].code == 4001);
    rec_free(&r);

    /* the longest reason, and the message buffer limit does not apply */
    memset(reason, 'r', sizeof(reason));
    stream_reset(&st);
    add_close(&st, 1001, reason, sizeof(reason));
    parse_all(&st, 0, &r);
    EDA_CHECK(r.n == 1 && r.ev[0].len == 123 && r.ev[0].code == 1001);
    rec_free(&r);
}


static void
test_writer(void)
{
    char           reason[200];
    size_t         n;
    unsigned char  out[NGX_EDA_WS_MAX_CONTROL_FRAME + 1];

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_TEXT, 1, 0);
    EDA_CHECK(n == 2 && memcmp(out, "\x81\x00", 2) == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_BINARY, 1, 125);
    EDA_CHECK(n == 2 && memcmp(out, "\x82\x7d", 2) == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_TEXT, 1, 126);
    EDA_CHECK(n == 4 && memcmp(out, "\x81\x7e\x00\x7e", 4) == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_TEXT, 1, 65535);
    EDA_CHECK(n == 4 && memcmp(out, "\x81\x7e\xff\xff", 4) == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_BINARY, 1, 65536);
    EDA_CHECK(n == 10
              && memcmp(out, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10)
                 == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_BINARY, 1,
                                0x0102030405060708ULL);
    EDA_CHECK(n == 10
              && memcmp(out, "\x82\x7f\x01\x02\x03\x04\x05\x06\x07\x08", 10)
                 == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_TEXT, 0, 3);
    EDA_CHECK(n == 2 && memcmp(out, "\x01\x03", 2) == 0);

    n = ngx_eda_ws_frame_header(out, NGX_EDA_WS_OP_CONT, 1, 3);
    EDA_CHECK(n == 2 && memcmp(out, "\x80\x03", 2) == 0);

    /* close frames */
    n = ngx_eda_ws_close_frame(out, 0, "ignored", 7);
    EDA_CHECK(n == 2 && memcmp(out, "\x88\x00", 2) == 0);

    n = ngx_eda_ws_close_frame(out, 1000, NULL, 0);
    EDA_CHECK(n == 4 && memcmp(out, "\x88\x02\x03\xe8", 4) == 0);

    n = ngx_eda_ws_close_frame(out, 1008, "token expired", 13);
    EDA_CHECK(n == 17 && memcmp(out, "\x88\x0f\x03\xf0token expired", 17)
                         == 0);

    n = ngx_eda_ws_close_frame(out, 1013, "slow", 4);
    EDA_CHECK(n == 8 && memcmp(out, "\x88\x06\x03\xf5slow", 8) == 0);

    EDA_CHECK(ngx_eda_ws_close_frame(out, 1005, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_ws_close_frame(out, 1006, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_ws_close_frame(out, 1015, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_ws_close_frame(out, 999, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_ws_close_frame(out, 5000, NULL, 0) == 0);

    /* the reason is cut to 123 bytes */
    memset(reason, 'a', sizeof(reason));
    n = ngx_eda_ws_close_frame(out, 1001, reason, sizeof(reason));
    EDA_CHECK(n == 127 && out[1] == 125);

    /* ... never inside a character */
    reason[122] = '\xc3';
    reason[123] = '\xa9';
    n = ngx_eda_ws_close_frame(out, 1001, reason, 124);
    EDA_CHECK(n == 126 && out[1] == 124 && out[4 + 121] == 'a');

    n = ngx_eda_ws_close_frame(out, 1001, reason, 123);
    EDA_CHECK(n == 126 && out[1] == 124);

    reason[121] = '\xc3';
    reason[122] = '\xa9';
    n = ngx_eda_ws_close_frame(out, 1001, reason, 124);
    EDA_CHECK(n == 127 && out[1] == 125 && out[4 + 122] == 0xa9);

    /* ... and never with bytes that are not UTF-8 */
    n = ngx_eda_ws_close_frame(out, 1011, "ab\xff" "cd", 5);
    EDA_CHECK(n == 6 && memcmp(out + 4, "ab", 2) == 0);

    /* ping and pong */
    n = ngx_eda_ws_pong_frame(out, (const unsigned char *) "abc", 3);
    EDA_CHECK(n == 5 && memcmp(out, "\x8a\x03" "abc", 5) == 0);

    n = ngx_eda_ws_pong_frame(out, NULL, 0);
    EDA_CHECK(n == 2 && memcmp(out, "\x8a\x00", 2) == 0);

    n = ngx_eda_ws_ping_frame(out, (const unsigned char *) "k", 1);
    EDA_CHECK(n == 3 && memcmp(out, "\x89\x01k", 3) == 0);

    n = ngx_eda_ws_ping_frame(out, (const unsigned char *) reason, 125);
    EDA_CHECK(n == 127 && out[1] == 125);

    EDA_CHECK(ngx_eda_ws_pong_frame(out, (const unsigned char *) reason,
                                    126) == 0);
}


static void
test_roundtrip(void)
{
    rec_t                r;
    size_t               i, n, k, len, hdr;
    unsigned char        ctl[NGX_EDA_WS_MAX_CONTROL_FRAME];
    unsigned char       *pl;
    static const size_t  lens[] = { 0, 1, 125, 126, 65535, 65536 };

    pl = malloc(65536);
    if (pl == NULL) {
        abort();
    }

    for (i = 0; i < 65536; i++) {
        pl[i] = (unsigned char) ('a' + i % 26);
    }

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        len = lens[i];

        /* the writer's header plus a client's mask */
        stream_reset(&st);
        add_frame(&st, 1, NGX_EDA_WS_OP_TEXT, pl, len);

        hdr = len < 126 ? 2 : (len < 65536 ? 4 : 10);
        EDA_CHECK(st.len == hdr + 4 + len);

        parse_all(&st, 65536, &r);
        EDA_CHECK(r.n == 1 && !r.error && r.ev[0].len == len
                  && r.ev[0].opcode == NGX_EDA_WS_OP_TEXT
                  && memcmp(r.ev[0].data, pl, len) == 0);
        rec_free(&r);
    }

    /* control frames from the writer, masked like a client's */
    n = ngx_eda_ws_close_frame(ctl, 1000, "done", 4);
    stream_reset(&st);
    add_frame(&st, 1, ctl[0] & 0x0f, ctl + 2, n - 2);
    parse_all(&st, 0, &r);
    EDA_CHECK(ev_is(&r, 0, NGX_EDA_WS_OP_CLOSE, "done"));
    EDA_CHECK(r.n == 1 && r.ev[0].code == 1000);
    rec_free(&r);

    for (k = 0; k < 2; k++) {
        n = k ? ngx_eda_ws_pong_frame(ctl, pl, 125)
              : ngx_eda_ws_ping_frame(ctl, pl, 125);
        stream_reset(&st);
        add_frame(&st, 1, ctl[0] & 0x0f, ctl + 2, ctl[1]);
        parse_all(&st, 0, &r);
        EDA_CHECK(n == 127 && r.n == 1 && r.ev[0].len == 125
                  && r.ev[0].opcode == (k ? NGX_EDA_WS_OP_PONG
                                          : NGX_EDA_WS_OP_PING)
                  && memcmp(r.ev[0].data, pl, 125) == 0);
        rec_free(&r);
    }

    free(pl);
}


static void
test_buffer(void)
{
    size_t                n;
    unsigned char        *big;
    ngx_eda_ws_event_t    ev;
    ngx_eda_ws_parser_t   p;

    big = calloc(1, 10000);
    if (big == NULL) {
        abort();
    }

    /* a small message keeps its buffer for the next */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 100);

    ngx_eda_ws_parser_init(&p, 1 << 20);
    EDA_CHECK(ngx_eda_ws_parse(&p, st.buf, st.len, &n, &ev)
              == NGX_EDA_WS_EVENT);
    EDA_CHECK(ev.len == 100 && p.buf != NULL);
    EDA_CHECK(ngx_eda_ws_parse(&p, st.buf, 0, &n, &ev) == NGX_EDA_WS_AGAIN);
    EDA_CHECK(p.buf != NULL && p.cap <= NGX_EDA_WS_KEEP_BUFFER);

    /* a large one gives it back */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 10000);
    EDA_CHECK(ngx_eda_ws_parse(&p, st.buf, st.len, &n, &ev)
              == NGX_EDA_WS_EVENT);
    EDA_CHECK(ev.len == 10000 && n == st.len);
    EDA_CHECK(ngx_eda_ws_parse(&p, st.buf, 0, &n, &ev) == NGX_EDA_WS_AGAIN);
    EDA_CHECK(p.buf == NULL);

    /* memory follows the bytes, not the announced length */
    stream_reset(&st);
    add_frame(&st, 1, NGX_EDA_WS_OP_BINARY, big, 10000);
    EDA_CHECK(ngx_eda_ws_parse(&p, st.buf, 8 + 10, &n, &ev)
              == NGX_EDA_WS_AGAIN);
    EDA_CHECK(p.cap < 1000);

    ngx_eda_ws_parser_destroy(&p);
    EDA_CHECK(p.buf == NULL);

    /* an error frees at once */
    ngx_eda_ws_parser_init(&p, 1 << 20);
    stream_reset(&st);
    add_frame(&st, 0, NGX_EDA_WS_OP_BINARY, big, 100);
    add_raw(&st, "\x81\x00", 2);
    EDA_CHECK(ngx_eda_ws_parse(&p, st.buf, st.len, &n, &ev)
              == NGX_EDA_WS_ERROR);
    EDA_CHECK(p.buf == NULL);
    ngx_eda_ws_parser_destroy(&p);

    free(big);
}


int
main(void)
{
    st.buf = malloc(STREAM_MAX);
    if (st.buf == NULL) {
        return 1;
    }

    test_accept();
    test_rfc_examples();
    test_many_frames();
    test_interleaved();
    test_protocol_errors();
    test_fail_fast();
    test_utf8_fragments();
    test_max_message();
    test_close();
    test_writer();
    test_roundtrip();
    test_buffer();

    free(st.buf);

    EDA_UNIT_DONE();
}
