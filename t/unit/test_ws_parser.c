
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of the frame parser of the RFC 6455 codec: the RFC's
 * examples, many and interleaved frames, every protocol error with the
 * close code it gives, UTF-8 across fragments, the message size limit,
 * close frames and the parser's buffer.
 */


#include "eda_ws_stream.h"


#define STREAM_FRAMES  3

/* a table's names for the opcodes, close codes and frame contents */
#define OP_CONT        NGX_EDA_WS_OP_CONT
#define OP_TEXT        NGX_EDA_WS_OP_TEXT
#define OP_BINARY      NGX_EDA_WS_OP_BINARY
#define OP_CLOSE       NGX_EDA_WS_OP_CLOSE
#define OP_PING        NGX_EDA_WS_OP_PING
#define OP_PONG        NGX_EDA_WS_OP_PONG
#define RAW            0x100          /* the bytes as they are */
#define PROTOCOL       NGX_EDA_WS_CLOSE_PROTOCOL
#define INVALID        NGX_EDA_WS_CLOSE_INVALID

#define S(s)           s, sizeof(s) - 1
#define A(a)           a, sizeof(a)

#define X25            "xxxxxxxxxxxxxxxxxxxxxxxxx"
#define X125           X25 X25 X25 X25 X25


/* a frame of a stream: masked like a client's, or RAW */
typedef struct {
    unsigned int    fin;
    unsigned int    opcode;
    const void     *data;             /* NULL: no more frames */
    size_t          len;
} stream_frame_t;


typedef struct {
    stream_frame_t  frames[STREAM_FRAMES];
    size_t          max;
    unsigned int    want;             /* a close code, 0: no error */
} stream_case_t;


static void test_rfc_examples(void);
static void test_rfc_lengths(void);
static void test_many_frames(void);
static void test_interleaved(void);
static void test_protocol_errors(void);
static void test_protocol_streams(void);
static void test_close_codes(void);
static void run_streams(const stream_case_t *sc, size_t n);
static void test_fail_fast(void);
static void test_utf8_fragments(void);
static void test_max_message(void);
static void test_close(void);
static void test_buffer(void);


static void
test_rfc_examples(void)
{
    rec_t                 r;
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
}


/* the lengths of 16 and 64 bits, as the writer makes them */
static void
test_rfc_lengths(void)
{
    rec_t           r;
    size_t          i;
    unsigned char  *big;

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


/* RSV bits, reserved opcodes, fragmented control frames */
static void
test_protocol_errors(void)
{
    size_t                i;
    unsigned int          op;
    static unsigned char  rsv[] = { 0x40, 0x20, 0x10 };

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

    /* control frames are never fragmented */
    for (op = NGX_EDA_WS_OP_CLOSE; op <= NGX_EDA_WS_OP_PONG; op++) {
        stream_reset(&st);
        add_str(&st, 0, op, "");
        EDA_CHECK(fails_with(&st, 1024, NGX_EDA_WS_CLOSE_PROTOCOL));
    }

    test_protocol_streams();
    test_close_codes();
}


/* each stream and the close code it must fail with, or 0: none */
static void
test_protocol_streams(void)
{
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

    static const stream_case_t  cases[] = {

        /* unmasked, after a good frame */
        { { { 1, OP_TEXT, S("ok") }, { 0, RAW, S("\x82\x01x") } },
          1024, PROTOCOL },

        /* control frames: at most 125 bytes */
        { { { 1, OP_PING, S(X125) }, { 1, OP_PONG, S(X125) },
            { 1, OP_CLOSE, S("\x03\xe8") } },
          1024, 0 },
        { { { 0, RAW, A(ping126) } }, 1024, PROTOCOL },
        { { { 0, RAW, A(ping127) } }, 1024, PROTOCOL },

        /* fragmentation out of order */
        { { { 1, OP_CONT, S("x") } }, 1024, PROTOCOL },
        { { { 1, OP_TEXT, S("done") }, { 0, OP_CONT, S("x") } },
          1024, PROTOCOL },
        { { { 0, OP_TEXT, S("a") }, { 1, OP_TEXT, S("b") } },
          1024, PROTOCOL },
        { { { 0, OP_BINARY, S("a") }, { 1, OP_PING, S("") },
            { 0, OP_BINARY, S("b") } },
          1024, PROTOCOL },

        /* lengths: minimal encoding, the 64-bit high bit */
        { { { 0, RAW, A(len16_short) } }, 1024, PROTOCOL },
        { { { 0, RAW, A(len16_125) } }, 1024, PROTOCOL },
        { { { 0, RAW, A(len64_short) } }, 1024, PROTOCOL },
        { { { 0, RAW, A(len64_ffff) } }, 1 << 20, PROTOCOL },
        { { { 0, RAW, A(len64_msb) } }, (size_t) -1, PROTOCOL },

        /* close frames: a 1-byte payload ... */
        { { { 1, OP_CLOSE, S("\x03") } }, 1024, PROTOCOL },

        /* ... even when the bytes of an earlier ping would make a code */
        { { { 1, OP_PING, S("\x03\xe8") }, { 1, OP_CLOSE, S("\x03") } },
          1024, PROTOCOL },

        /* a reason that is not UTF-8 (code 1000) */
        { { { 1, OP_CLOSE,
              S("\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80") } },
          1024, INVALID },
        { { { 1, OP_CLOSE, S("\x03\xe8" "ok\xc3") } }, 1024, INVALID },

        /* text that is not UTF-8 */
        { { { 1, OP_TEXT, S("bad \xff byte") } }, 1024, INVALID },

        /* binary is not checked */
        { { { 1, OP_BINARY, S("bad \xff byte") } }, 1024, 0 },

        /* nor are ping and pong payloads */
        { { { 1, OP_PING, S("\xff") }, { 1, OP_PONG, S("\xc0\x80") } },
          1024, 0 }
    };

    run_streams(cases, sizeof(cases) / sizeof(cases[0]));
}


/* close codes: the reserved and unknown ones fail, the others parse */
static void
test_close_codes(void)
{
    size_t               i;
    static unsigned int  bad_codes[] = {
        0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
        65535
    };
    static unsigned int  good_codes[] = {
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
        1014, 3000, 3999, 4000, 4999
    };

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
}


/* each case's frames built into one stream, and its outcome judged */
static void
run_streams(const stream_case_t *sc, size_t n)
{
    int                   ok;
    size_t                i, k;
    const stream_frame_t  *f;

    for (i = 0; i < n; i++) {
        stream_reset(&st);

        for (k = 0; k < STREAM_FRAMES && sc[i].frames[k].data != NULL; k++) {
            f = &sc[i].frames[k];

            if (f->opcode == RAW) {
                add_raw(&st, f->data, f->len);

            } else {
                add_frame(&st, f->fin, f->opcode, f->data, f->len);
            }
        }

        ok = sc[i].want == 0 ? parses_ok(&st, sc[i].max)
                             : fails_with(&st, sc[i].max, sc[i].want);
        if (!ok) {
            printf("stream case %zu\n", i);
        }

        EDA_CHECK(ok);
    }
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

    test_rfc_examples();
    test_rfc_lengths();
    test_many_frames();
    test_interleaved();
    test_protocol_errors();
    test_fail_fast();
    test_utf8_fragments();
    test_max_message();
    test_close();
    test_buffer();

    free(st.buf);

    EDA_UNIT_DONE();
}
