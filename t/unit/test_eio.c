
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of the Engine.IO protocol 4 core: single packets as a
 * WebSocket carries them, polling bodies read packet by packet (text in
 * place, binary in the caller's buffer), every error, bodies written and
 * read back, and the handshake's open packet.
 */


#include <stdlib.h>

#include <jansson.h>

#include "eda_unit.h"
#include "ngx_eda_eio.h"


#define S(s)         (const unsigned char *) s, sizeof(s) - 1
#define MAX_PACKETS  4

#define OPEN         NGX_EDA_EIO_OPEN
#define CLOSE        NGX_EDA_EIO_CLOSE
#define PING         NGX_EDA_EIO_PING
#define PONG         NGX_EDA_EIO_PONG
#define MESSAGE      NGX_EDA_EIO_MESSAGE
#define UPGRADE      NGX_EDA_EIO_UPGRADE
#define NOOP         NGX_EDA_EIO_NOOP
#define BIN          100               /* a binary message */

#define CANARY       0xa5


typedef struct {
    const char    *in;
    size_t         len;
    size_t         bin_size;
    int            rc;
    unsigned int   type;               /* BIN: binary message */
    const char    *data;
    size_t         data_len;
} decode_case_t;


typedef struct {
    unsigned int   type;
    const char    *data;
    size_t         len;
} want_packet_t;


typedef struct {
    const char     *in;
    size_t          len;
    unsigned int    max;
    int             bin_short;         /* bytes less than needed */
    want_packet_t   want[MAX_PACKETS];
    size_t          n;
    int             rc;                /* after the packets */
} payload_case_t;


static void test_decode(void);
static void test_payload(void);
static void run_payload(const payload_case_t *pc);
static size_t bin_need(const payload_case_t *pc);
static void test_payload_kept(void);
static void test_payload_final(void);
static void test_encode(void);
static void check_encode(const ngx_eda_eio_packet_t *pkts, size_t n,
    const void *want, size_t want_len);
static void test_encode_refused(void);
static void test_roundtrip(void);
static void test_open(void);
static void check_open(const ngx_eda_eio_open_t *o, const char *want);
static void test_open_escaped(void);
static void test_open_refused(void);
static void test_strerror(void);


/* what a client sends on a WebSocket, one packet per text frame */
static const decode_case_t  decode_cases[] = {
    { "2probe", 6, 0, NGX_EDA_EIO_OK, PING, "probe", 5 },
    { "3probe", 6, 0, NGX_EDA_EIO_OK, PONG, "probe", 5 },
    { "5", 1, 0, NGX_EDA_EIO_OK, UPGRADE, "", 0 },
    { "3", 1, 0, NGX_EDA_EIO_OK, PONG, "", 0 },
    { "2", 1, 0, NGX_EDA_EIO_OK, PING, "", 0 },
    { "1", 1, 0, NGX_EDA_EIO_OK, CLOSE, "", 0 },
    { "6", 1, 0, NGX_EDA_EIO_OK, NOOP, "", 0 },
    { "0x", 2, 0, NGX_EDA_EIO_OK, OPEN, "x", 1 },
    { "4hello", 6, 0, NGX_EDA_EIO_OK, MESSAGE, "hello", 5 },
    { "40", 2, 0, NGX_EDA_EIO_OK, MESSAGE, "0", 1 },
    { "42[\"hello\",1]", 13, 0, NGX_EDA_EIO_OK, MESSAGE, "2[\"hello\",1]",
      12 },
    { "4\xe2\x82\xac", 4, 0, NGX_EDA_EIO_OK, MESSAGE, "\xe2\x82\xac", 3 },
    { "4a\0b", 4, 0, NGX_EDA_EIO_OK, MESSAGE, "a\0b", 3 },

    /* binary messages, base64 with its padding */
    { "bAQID", 5, 3, NGX_EDA_EIO_OK, BIN, "\1\2\3", 3 },
    { "bAQI=", 5, 2, NGX_EDA_EIO_OK, BIN, "\1\2", 2 },
    { "bAQ==", 5, 1, NGX_EDA_EIO_OK, BIN, "\1", 1 },
    { "b", 1, 0, NGX_EDA_EIO_OK, BIN, "", 0 },
    { "bAAEC/w==", 9, 4, NGX_EDA_EIO_OK, BIN, "\0\1\2\xff", 4 },

    { "", 0, 0, NGX_EDA_EIO_ERR_EMPTY, 0, NULL, 0 },
    { "7", 1, 0, NGX_EDA_EIO_ERR_TYPE, 0, NULL, 0 },
    { "9x", 2, 0, NGX_EDA_EIO_ERR_TYPE, 0, NULL, 0 },
    { "/", 1, 0, NGX_EDA_EIO_ERR_TYPE, 0, NULL, 0 },
    { "x4", 2, 0, NGX_EDA_EIO_ERR_TYPE, 0, NULL, 0 },
    { "B", 1, 0, NGX_EDA_EIO_ERR_TYPE, 0, NULL, 0 },
    { "\x1e", 1, 0, NGX_EDA_EIO_ERR_TYPE, 0, NULL, 0 },
    { "4\xff", 2, 0, NGX_EDA_EIO_ERR_UTF8, 0, NULL, 0 },
    { "4\xc3", 2, 0, NGX_EDA_EIO_ERR_UTF8, 0, NULL, 0 },
    { "2\xed\xa0\x80", 4, 0, NGX_EDA_EIO_ERR_UTF8, 0, NULL, 0 },
    { "bAQI", 4, 3, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "bAQIDB", 6, 8, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "b!!!!", 5, 3, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "bA===", 5, 3, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "b====", 5, 3, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "bAQ=D", 5, 3, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "b-_-_", 5, 3, NGX_EDA_EIO_ERR_BASE64, 0, NULL, 0 },
    { "bAQID", 5, 2, NGX_EDA_EIO_ERR_NO_ROOM, 0, NULL, 0 },
    { "bAQ==", 5, 0, NGX_EDA_EIO_ERR_NO_ROOM, 0, NULL, 0 },
};


/* polling bodies */
static const payload_case_t  payload_cases[] = {
    { "4hello\x1e" "4world", 13, 8, 0,
      { { MESSAGE, "hello", 5 }, { MESSAGE, "world", 5 } }, 2,
      NGX_EDA_EIO_DONE },
    { "4hello\x1e" "bAQID", 12, 8, 0,
      { { MESSAGE, "hello", 5 }, { BIN, "\1\2\3", 3 } }, 2,
      NGX_EDA_EIO_DONE },
    { "bAQID\x1e" "bBAUG\x1e" "b", 13, 8, 0,
      { { BIN, "\1\2\3", 3 }, { BIN, "\4\5\6", 3 }, { BIN, "", 0 } }, 3,
      NGX_EDA_EIO_DONE },
    { "2probe", 6, 8, 0, { { PING, "probe", 5 } }, 1, NGX_EDA_EIO_DONE },
    { "6\x1e" "6", 3, 8, 0, { { NOOP, "", 0 }, { NOOP, "", 0 } }, 2,
      NGX_EDA_EIO_DONE },
    { "1", 1, 1, 0, { { CLOSE, "", 0 } }, 1, NGX_EDA_EIO_DONE },
    { "4a\x1e" "4b\x1e" "4c", 8, 3, 0,
      { { MESSAGE, "a", 1 }, { MESSAGE, "b", 1 }, { MESSAGE, "c", 1 } }, 3,
      NGX_EDA_EIO_DONE },
    { "4\xe2\x82\xac\x1e" "4x", 7, 8, 0,
      { { MESSAGE, "\xe2\x82\xac", 3 }, { MESSAGE, "x", 1 } }, 2,
      NGX_EDA_EIO_DONE },

    /* empty packets anywhere */
    { "", 0, 8, 0, { { 0, NULL, 0 } }, 0, NGX_EDA_EIO_ERR_EMPTY },
    { "\x1e", 1, 8, 0, { { 0, NULL, 0 } }, 0, NGX_EDA_EIO_ERR_EMPTY },
    { "4a\x1e", 3, 8, 0, { { MESSAGE, "a", 1 } }, 1,
      NGX_EDA_EIO_ERR_EMPTY },
    { "\x1e" "4a", 3, 8, 0, { { 0, NULL, 0 } }, 0, NGX_EDA_EIO_ERR_EMPTY },
    { "4a\x1e\x1e" "4b", 6, 8, 0, { { MESSAGE, "a", 1 } }, 1,
      NGX_EDA_EIO_ERR_EMPTY },

    /* the packet limit */
    { "4a\x1e" "4b\x1e" "4c", 8, 2, 0,
      { { MESSAGE, "a", 1 }, { MESSAGE, "b", 1 } }, 2,
      NGX_EDA_EIO_ERR_TOO_MANY },
    { "4a", 2, 0, 0, { { 0, NULL, 0 } }, 0, NGX_EDA_EIO_ERR_TOO_MANY },

    /* the first bad packet ends the body */
    { "4a\x1e" "9", 4, 8, 0, { { MESSAGE, "a", 1 } }, 1,
      NGX_EDA_EIO_ERR_TYPE },
    { "4a\x1e" "4\xff\x1e" "4b", 7, 8, 0, { { MESSAGE, "a", 1 } }, 1,
      NGX_EDA_EIO_ERR_UTF8 },
    { "4a\x1e" "bAQI", 7, 8, 0, { { MESSAGE, "a", 1 } }, 1,
      NGX_EDA_EIO_ERR_BASE64 },

    /* the binary buffer: exactly enough, then one byte short */
    { "bAQID\x1e" "bBAU=", 11, 8, 0,
      { { BIN, "\1\2\3", 3 }, { BIN, "\4\5", 2 } }, 2, NGX_EDA_EIO_DONE },
    { "bAQID\x1e" "bBAU=", 11, 8, 1, { { BIN, "\1\2\3", 3 } }, 1,
      NGX_EDA_EIO_ERR_NO_ROOM },
};


static void
test_decode(void)
{
    int                    rc;
    size_t                 i;
    unsigned char         *bin;
    ngx_eda_eio_packet_t   pkt;
    const decode_case_t   *c;

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        c = &decode_cases[i];

        bin = (c->bin_size > 0) ? malloc(c->bin_size) : NULL;

        rc = ngx_eda_eio_decode((const unsigned char *) c->in, c->len, bin,
                                c->bin_size, &pkt);
        EDA_CHECK(rc == c->rc);

        if (rc != c->rc) {
            printf("  case \"%s\": %d\n", c->in, rc);
        }

        if (rc == NGX_EDA_EIO_OK && c->rc == NGX_EDA_EIO_OK) {
            EDA_CHECK(pkt.data != NULL);
            EDA_CHECK(pkt.binary == (c->type == BIN));
            EDA_CHECK(pkt.type == (c->type == BIN ? MESSAGE : c->type));
            EDA_CHECK(pkt.len == c->data_len
                      && memcmp(pkt.data, c->data, c->data_len) == 0);

            /* text stays in place, binary goes to the caller's buffer */
            EDA_CHECK(c->type == BIN || pkt.data == (const unsigned char *)
                                                    c->in + 1);
            EDA_CHECK(c->type != BIN || c->data_len == 0 || pkt.data == bin);
        }

        free(bin);
    }
}


static void
test_payload(void)
{
    size_t  i;

    for (i = 0; i < sizeof(payload_cases) / sizeof(payload_cases[0]); i++) {
        run_payload(&payload_cases[i]);
    }
}


static void
run_payload(const payload_case_t *pc)
{
    int                     rc;
    size_t                  k, size;
    unsigned char          *bin;
    ngx_eda_eio_packet_t    pkt;
    const want_packet_t    *w;
    ngx_eda_eio_payload_t   it;

    size = bin_need(pc) - (size_t) pc->bin_short;
    bin = malloc(size + 1);

    ngx_eda_eio_payload_init(&it, (const unsigned char *) pc->in, pc->len,
                             pc->max, bin, size);

    for (k = 0; ; k++) {
        rc = ngx_eda_eio_payload_next(&it, &pkt);
        if (rc != NGX_EDA_EIO_OK) {
            break;
        }

        EDA_CHECK(k < pc->n);
        if (k >= pc->n) {
            break;
        }

        w = &pc->want[k];

        EDA_CHECK(pkt.binary == (w->type == BIN));
        EDA_CHECK(pkt.type == (w->type == BIN ? MESSAGE : w->type));
        EDA_CHECK(pkt.data != NULL && pkt.len == w->len
                  && memcmp(pkt.data, w->data, w->len) == 0);
    }

    EDA_CHECK(k == pc->n);
    EDA_CHECK(rc == pc->rc);

    if (k != pc->n || rc != pc->rc) {
        printf("  body of %zu bytes: %zu packets, %d\n", pc->len, k, rc);
    }

    free(bin);
}


/* the decoded bytes of the body's binary packets */

static size_t
bin_need(const payload_case_t *pc)
{
    size_t  k, n;

    n = 0;

    for (k = 0; k < pc->n; k++) {
        if (pc->want[k].type == BIN) {
            n += pc->want[k].len;
        }
    }

    /* the packet that fails for want of room needs 2 more */
    return n + (pc->rc == NGX_EDA_EIO_ERR_NO_ROOM ? 2 : 0);
}


/* binary packets of one body stay valid until the end of it */

static void
test_payload_kept(void)
{
    size_t                  n;
    unsigned char           bin[NGX_EDA_EIO_BIN_SIZE(17)];
    ngx_eda_eio_packet_t    pkt[3];
    ngx_eda_eio_payload_t   it;

    ngx_eda_eio_payload_init(&it, S("bAQID\x1e" "4x\x1e" "bBAUG"), 8, bin,
                             sizeof(bin));

    for (n = 0; n < 3; n++) {
        EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt[n]) == NGX_EDA_EIO_OK);
    }

    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt[0]) == NGX_EDA_EIO_DONE);

    ngx_eda_eio_payload_init(&it, S("bAQID\x1e" "4x\x1e" "bBAUG"), 8, bin,
                             sizeof(bin));

    for (n = 0; n < 3; n++) {
        (void) ngx_eda_eio_payload_next(&it, &pkt[n]);
    }

    EDA_CHECK(pkt[0].binary && pkt[0].len == 3
              && memcmp(pkt[0].data, "\1\2\3", 3) == 0);
    EDA_CHECK(!pkt[1].binary && pkt[1].len == 1 && pkt[1].data[0] == 'x');
    EDA_CHECK(pkt[2].binary && pkt[2].len == 3
              && memcmp(pkt[2].data, "\4\5\6", 3) == 0);
    EDA_CHECK(pkt[2].data == pkt[0].data + 3);
}


/* after the end or an error every call says the same */

static void
test_payload_final(void)
{
    ngx_eda_eio_packet_t    pkt;
    ngx_eda_eio_payload_t   it;

    ngx_eda_eio_payload_init(&it, S("4a"), 8, NULL, 0);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_OK);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_DONE);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_DONE);
    EDA_CHECK(pkt.data == NULL && pkt.len == 0);

    ngx_eda_eio_payload_init(&it, S("8\x1e" "4a"), 8, NULL, 0);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_ERR_TYPE);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_ERR_TYPE);

    /* a binary packet without a buffer */
    ngx_eda_eio_payload_init(&it, S("4a\x1e" "bAQID"), 8, NULL, 0);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_OK);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt)
              == NGX_EDA_EIO_ERR_NO_ROOM);

    /* NULL body */
    ngx_eda_eio_payload_init(&it, NULL, 0, 8, NULL, 0);
    EDA_CHECK(ngx_eda_eio_payload_next(&it, &pkt) == NGX_EDA_EIO_ERR_EMPTY);
}


static void
test_encode(void)
{
    ngx_eda_eio_packet_t  p[3];

    memset(p, 0, sizeof(p));

    p[0].type = MESSAGE;
    p[0].data = (const unsigned char *) "hello";
    p[0].len = 5;
    p[1].type = MESSAGE;
    p[1].data = (const unsigned char *) "world";
    p[1].len = 5;
    check_encode(p, 2, S("4hello\x1e" "4world"));

    p[1].binary = 1;
    p[1].data = (const unsigned char *) "\1\2\3";
    p[1].len = 3;
    check_encode(p, 2, S("4hello\x1e" "bAQID"));

    p[2].type = MESSAGE;
    p[2].binary = 1;
    p[2].data = (const unsigned char *) "\1";
    p[2].len = 1;
    check_encode(p, 3, S("4hello\x1e" "bAQID\x1e" "bAQ=="));

    p[0].type = PING;
    p[0].data = NULL;
    p[0].len = 0;
    check_encode(p, 1, S("2"));

    p[0].type = PONG;
    p[0].data = (const unsigned char *) "probe";
    p[0].len = 5;
    check_encode(p, 1, S("3probe"));

    p[0].type = NOOP;
    p[0].len = 0;
    p[1].binary = 1;
    p[1].len = 0;
    check_encode(p, 2, S("6\x1e" "b"));

    p[0].type = MESSAGE;
    p[0].data = (const unsigned char *) "2[\"a\\u001eb\"]";
    p[0].len = 13;
    check_encode(p, 1, S("42[\"a\\u001eb\"]"));
}


static void
check_encode(const ngx_eda_eio_packet_t *pkts, size_t n, const void *want,
    size_t want_len)
{
    size_t          len, wrote;
    unsigned char  *out;

    len = ngx_eda_eio_payload_len(pkts, n);
    EDA_CHECK(len == want_len);

    out = malloc(len + 1);
    out[len] = CANARY;

    wrote = ngx_eda_eio_payload_write(out, pkts, n);

    EDA_CHECK(wrote == len && out[len] == CANARY);
    EDA_CHECK(wrote == want_len && memcmp(out, want, want_len) == 0);

    free(out);
}


static void
test_encode_refused(void)
{
    unsigned char         out[16];
    ngx_eda_eio_packet_t  p[2];

    memset(p, 0, sizeof(p));
    memset(out, CANARY, sizeof(out));

    EDA_CHECK(ngx_eda_eio_payload_len(p, 0) == 0);

    p[0].type = MESSAGE;
    p[0].data = (const unsigned char *) "a";
    p[0].len = 1;

    /* type 7, a binary ping, the separator inside text */
    p[1].type = 7;
    EDA_CHECK(ngx_eda_eio_payload_len(p, 2) == 0);

    p[1].type = PING;
    p[1].binary = 1;
    EDA_CHECK(ngx_eda_eio_payload_len(p, 2) == 0);

    p[1].type = MESSAGE;
    p[1].binary = 0;
    p[1].data = (const unsigned char *) "a\x1e" "4b";
    p[1].len = 4;
    EDA_CHECK(ngx_eda_eio_payload_len(p, 2) == 0);

    /* nothing is written, not even the packets before */
    EDA_CHECK(ngx_eda_eio_payload_write(out, p, 2) == 0);
    EDA_CHECK(out[0] == CANARY);

    p[1].binary = 1;
    EDA_CHECK(ngx_eda_eio_payload_len(p, 2) == 12);
}


/* every byte value as a binary message, text around it: written, read */

static void
test_roundtrip(void)
{
    int                     rc;
    size_t                  i, len, n;
    unsigned char          *out, *bin, bytes[256];
    ngx_eda_eio_packet_t    p[4], got;
    ngx_eda_eio_payload_t   it;

    for (i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (unsigned char) i;
    }

    for (n = 0; n <= sizeof(bytes); n += 37) {
        memset(p, 0, sizeof(p));

        p[0].type = MESSAGE;
        p[0].data = (const unsigned char *) "2[\"x\"]";
        p[0].len = 6;
        p[1].type = MESSAGE;
        p[1].binary = 1;
        p[1].data = bytes;
        p[1].len = n;
        p[2].type = PING;
        p[2].data = (const unsigned char *) "probe";
        p[2].len = 5;
        p[3].type = MESSAGE;
        p[3].binary = 1;
        p[3].data = bytes + (sizeof(bytes) - n);
        p[3].len = n;

        len = ngx_eda_eio_payload_len(p, 4);
        out = malloc(len);
        bin = malloc(NGX_EDA_EIO_BIN_SIZE(len));
        EDA_CHECK(ngx_eda_eio_payload_write(out, p, 4) == len);

        ngx_eda_eio_payload_init(&it, out, len, 4, bin,
                                 NGX_EDA_EIO_BIN_SIZE(len));

        for (i = 0; i < 4; i++) {
            rc = ngx_eda_eio_payload_next(&it, &got);
            EDA_CHECK(rc == NGX_EDA_EIO_OK && got.type == p[i].type
                      && got.binary == p[i].binary && got.len == p[i].len
                      && (got.len == 0
                          || memcmp(got.data, p[i].data, got.len) == 0));
        }

        EDA_CHECK(ngx_eda_eio_payload_next(&it, &got) == NGX_EDA_EIO_DONE);

        free(bin);
        free(out);
    }
}


static void
test_open(void)
{
    ngx_eda_eio_open_t  o;

    o.sid = (const unsigned char *) "lv_VI97HAXpY6yYWAAAC";
    o.sid_len = 20;
    o.websocket = 1;
    o.ping_interval = 25000;
    o.ping_timeout = 20000;
    o.max_payload = 1000000;

    check_open(&o, "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\","
                   "\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
                   "\"pingTimeout\":20000,\"maxPayload\":1000000}");

    o.websocket = 0;
    o.ping_interval = 0;
    o.ping_timeout = 1;
    o.max_payload = NGX_EDA_EIO_MAX_NUMBER;

    check_open(&o, "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[],"
                   "\"pingInterval\":0,\"pingTimeout\":1,"
                   "\"maxPayload\":9007199254740991}");
}


static void
check_open(const ngx_eda_eio_open_t *o, const char *want)
{
    size_t          len;
    unsigned char  *out;

    len = ngx_eda_eio_open_len(o);
    EDA_CHECK(len == strlen(want));

    out = malloc(len + 1);
    out[len] = CANARY;

    EDA_CHECK(ngx_eda_eio_open_write(out, o) == len && out[len] == CANARY);
    EDA_CHECK_STR(out, len, want);

    free(out);
}


/* what a sid holds comes back from a JSON parser as it was */

static void
test_open_escaped(void)
{
    size_t               len;
    json_t              *root, *sid;
    unsigned char        out[512];
    json_error_t         err;
    ngx_eda_eio_open_t   o;
    static const char    raw[] = "a\"b\\c\n\t\x01\x1e\x7f\xe2\x82\xac/";

    memset(&o, 0, sizeof(o));
    o.sid = (const unsigned char *) raw;
    o.sid_len = sizeof(raw) - 1;

    len = ngx_eda_eio_open_write(out, &o);
    EDA_CHECK(len == ngx_eda_eio_open_len(&o) && len > 1);
    EDA_CHECK(memchr(out, NGX_EDA_EIO_SEPARATOR, len) == NULL);
    EDA_CHECK(out[0] == '0');

    root = json_loadb((const char *) out + 1, len - 1, 0, &err);
    EDA_CHECK(root != NULL);

    sid = json_object_get(root, "sid");
    EDA_CHECK(json_is_string(sid));
    EDA_CHECK_STR(json_string_value(sid), json_string_length(sid), raw);
    EDA_CHECK(json_integer_value(json_object_get(root, "pingInterval"))
              == 0);
    EDA_CHECK(json_array_size(json_object_get(root, "upgrades")) == 0);

    json_decref(root);

    EDA_CHECK(memcmp(out, "0{\"sid\":\"a\\\"b\\\\c\\n\\t\\u0001\\u001e", 31)
              == 0);
}


static void
test_open_refused(void)
{
    unsigned char        sid[NGX_EDA_EIO_MAX_SID + 1], out[512];
    ngx_eda_eio_open_t   o;

    memset(sid, 'x', sizeof(sid));
    memset(&o, 0, sizeof(o));
    memset(out, CANARY, sizeof(out));

    o.sid = sid;
    o.sid_len = NGX_EDA_EIO_MAX_SID;
    EDA_CHECK(ngx_eda_eio_open_len(&o) > NGX_EDA_EIO_MAX_SID);

    o.sid_len = NGX_EDA_EIO_MAX_SID + 1;
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);
    EDA_CHECK(ngx_eda_eio_open_write(out, &o) == 0 && out[0] == CANARY);

    o.sid_len = 0;
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);

    o.sid = (const unsigned char *) "a\xff";
    o.sid_len = 2;
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);

    o.sid = (const unsigned char *) "a\xc3";
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);

    o.sid = (const unsigned char *) "ab";
    o.ping_interval = NGX_EDA_EIO_MAX_NUMBER + 1;
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);

    o.ping_interval = 0;
    o.ping_timeout = NGX_EDA_EIO_MAX_NUMBER + 1;
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);

    o.ping_timeout = 0;
    o.max_payload = UINT64_MAX;
    EDA_CHECK(ngx_eda_eio_open_len(&o) == 0);

    o.max_payload = 0;
    EDA_CHECK(ngx_eda_eio_open_len(&o) > 0);
}


static void
test_strerror(void)
{
    int          rc, k;
    const char  *msg[8];

    for (rc = NGX_EDA_EIO_ERR_TOO_MANY; rc <= NGX_EDA_EIO_DONE; rc++) {
        msg[rc - NGX_EDA_EIO_ERR_TOO_MANY] = ngx_eda_eio_strerror(rc);
        EDA_CHECK(msg[rc - NGX_EDA_EIO_ERR_TOO_MANY] != NULL
                  && strcmp(msg[rc - NGX_EDA_EIO_ERR_TOO_MANY],
                            "unknown error") != 0);
    }

    /* each its own */
    for (rc = 0; rc < 8; rc++) {
        for (k = rc + 1; k < 8; k++) {
            EDA_CHECK(strcmp(msg[rc], msg[k]) != 0);
        }
    }

    EDA_CHECK(strcmp(ngx_eda_eio_strerror(-7), "unknown error") == 0);
    EDA_CHECK(strcmp(ngx_eda_eio_strerror(2), "unknown error") == 0);
    EDA_CHECK(strcmp(ngx_eda_eio_strerror(-1000), "unknown error") == 0);
}


int
main(void)
{
    test_decode();
    test_payload();
    test_payload_kept();
    test_payload_final();
    test_encode();
    test_encode_refused();
    test_roundtrip();
    test_open();
    test_open_escaped();
    test_open_refused();
    test_strerror();

    EDA_UNIT_DONE();
}
