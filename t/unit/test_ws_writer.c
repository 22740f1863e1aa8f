
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of the server side of the RFC 6455 codec: the handshake's
 * accept key, frame headers, close, ping and pong frames as the writer
 * makes them, and the writer's frames read back by the parser.
 */


#include "eda_ws_stream.h"


static int accept_is(const char *key, const char *want);
static void test_accept(void);
static void test_writer(void);
static void test_writer_control(void);
static void test_roundtrip(void);


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
test_writer(void)
{
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
}


/* close frames, their reasons cut to fit, ping and pong */
static void
test_writer_control(void)
{
    char           reason[200];
    size_t         n;
    unsigned char  out[NGX_EDA_WS_MAX_CONTROL_FRAME + 1];

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


int
main(void)
{
    st.buf = malloc(STREAM_MAX);
    if (st.buf == NULL) {
        return 1;
    }

    test_accept();
    test_writer();
    test_writer_control();
    test_roundtrip();

    free(st.buf);

    EDA_UNIT_DONE();
}
