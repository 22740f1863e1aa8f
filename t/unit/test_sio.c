
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of the Socket.IO protocol 5 core: the packets the official
 * client sends (also inside their Engine.IO message), every error of the
 * decoder and its limits, binary attachments put back in place, the
 * reserved names, and every encoder byte for byte, refused inputs and
 * read back by the decoder.
 */


#include <stdlib.h>

#include <jansson.h>

#include "eda_unit.h"
#include "ngx_eda_eio.h"
#include "ngx_eda_sio.h"


#define U(s)            (const unsigned char *) (s)
#define CANARY          0xa5
#define MAX_ATT         10
#define MAX_DEPTH       8

#define OK              NGX_EDA_SIO_OK
#define CONNECT         NGX_EDA_SIO_CONNECT
#define DISCONNECT      NGX_EDA_SIO_DISCONNECT
#define EVENT           NGX_EDA_SIO_EVENT
#define ACK             NGX_EDA_SIO_ACK
#define BEVENT          NGX_EDA_SIO_BINARY_EVENT
#define BACK            NGX_EDA_SIO_BINARY_ACK

#define PH(n)           "{\"_placeholder\":true,\"num\":" #n "}"

/* eight levels of nesting, the table's limit */
#define DEEP8           "[\"x\",[[[[[[[1]]]]]]]]"
#define DEEP9           "[\"x\",[[[[[[[[1]]]]]]]]]"


typedef struct {
    const char    *in;
    int            rc;
    unsigned int   type;
    const char    *nsp;
    int64_t        id;
    unsigned int   att;
    const char    *payload;           /* JSON; NULL: none */
} decode_case_t;


typedef struct {
    const char    *payload;
    unsigned int   n;                 /* attachments announced */
    unsigned int   add;               /* attachments given */
    int            rc;
    const char    *result;            /* after replacing; NULL: as it was */
} binary_case_t;


static void test_decode(void);
static void check_decode(const decode_case_t *c);
static void test_decode_len(void);
static void test_eio_layers(void);
static size_t deep(char *buf, size_t levels);
static void test_limits(void);
static void test_binary(void);
static void run_binary(const binary_case_t *c);
static json_t *make_hex(void *ctx, unsigned int num,
    const ngx_eda_sio_attachment_t *att);
static json_t *make_none(void *ctx, unsigned int num,
    const ngx_eda_sio_attachment_t *att);
static void test_binary_add(void);
static void test_binary_nomem(void);
static void test_reserved(void);
static void test_event(void);
static void check_event(const ngx_eda_sio_event_t *ev, const char *want);
static void check_split(const ngx_eda_sio_event_t *ev);
static void test_event_refused(void);
static void test_event_roundtrip(void);
static void test_other(void);
static void check_bytes(size_t len, unsigned char *out, size_t wrote,
    const char *want);
static void test_other_refused(void);
static void test_other_roundtrip(void);
static void test_strerror(void);


static const decode_case_t  decode_cases[] = {

    /* what socket.io-client 4.x sends */
    { "0", OK, CONNECT, "/", -1, 0, NULL },
    { "0{\"token\":\"x\"}", OK, CONNECT, "/", -1, 0, "{\"token\":\"x\"}" },
    { "0/admin,{\"token\":\"x\"}", OK, CONNECT, "/admin", -1, 0,
      "{\"token\":\"x\"}" },
    { "0/admin,", OK, CONNECT, "/admin", -1, 0, NULL },
    { "0{\"pid\":\"p\",\"offset\":\"o\"}", OK, CONNECT, "/", -1, 0,
      "{\"pid\":\"p\",\"offset\":\"o\"}" },
    { "1", OK, DISCONNECT, "/", -1, 0, NULL },
    { "1/admin,", OK, DISCONNECT, "/admin", -1, 0, NULL },
    { "2[\"hello\",1]", OK, EVENT, "/", -1, 0, "[\"hello\",1]" },
    { "21[\"x\"]", OK, EVENT, "/", 1, 0, "[\"x\"]" },
    { "2/admin,3[\"x\",{}]", OK, EVENT, "/admin", 3, 0, "[\"x\",{}]" },
    { "31[\"ok\"]", OK, ACK, "/", 1, 0, "[\"ok\"]" },
    { "31[]", OK, ACK, "/", 1, 0, "[]" },
    { "3/admin,0[1,2]", OK, ACK, "/admin", 0, 0, "[1,2]" },
    { "51-[\"up\"," PH(0) "]", OK, BEVENT, "/", -1, 1,
      "[\"up\"," PH(0) "]" },
    { "52-/admin,9[\"up\"," PH(0) "," PH(1) "]", OK, BEVENT, "/admin", 9,
      2, "[\"up\"," PH(0) "," PH(1) "]" },
    { "61-4[" PH(0) "]", OK, BACK, "/", 4, 1, "[" PH(0) "]" },
    { "50-[\"x\"]", OK, BEVENT, "/", -1, 0, "[\"x\"]" },
    { "510-[\"x\"]", OK, BEVENT, "/", -1, 10, "[\"x\"]" },

    /* edges socket.io's parser takes the same way */
    { "0/admin", OK, CONNECT, "/admin", -1, 0, NULL },
    { "0/admin{\"a\":1}", OK, CONNECT, "/admin{\"a\":1}", -1, 0, NULL },
    { "2/,[\"x\"]", OK, EVENT, "/", -1, 0, "[\"x\"]" },
    { "29007199254740991[\"x\"]", OK, EVENT, "/", 9007199254740991LL, 0,
      "[\"x\"]" },
    { "20[\"x\"]", OK, EVENT, "/", 0, 0, "[\"x\"]" },
    { "2007[\"x\"]", OK, EVENT, "/", 7, 0, "[\"x\"]" },
    { "2 [\"x\"] ", OK, EVENT, "/", -1, 0, "[\"x\"]" },
    { "2[\"\xe2\x82\xac\",\"\\u00e9\"]", OK, EVENT, "/", -1, 0,
      "[\"\xe2\x82\xac\",\"\xc3\xa9\"]" },
    { "2/\xc3\xa9,[\"x\"]", OK, EVENT, "/\xc3\xa9", -1, 0, "[\"x\"]" },
    { "2[\"Connect\"]", OK, EVENT, "/", -1, 0, "[\"Connect\"]" },
    { "2[\"connectx\"]", OK, EVENT, "/", -1, 0, "[\"connectx\"]" },
    { "2[\"\"]", OK, EVENT, "/", -1, 0, "[\"\"]" },
    { "2" DEEP8, OK, EVENT, "/", -1, 0, DEEP8 },
    { "2[\"x\",\"]]]]][[[[[[[[[[\"]", OK, EVENT, "/", -1, 0,
      "[\"x\",\"]]]]][[[[[[[[[[\"]" },
    { "2[\"x\",\"\\\"[[[[[[[[[\"]", OK, EVENT, "/", -1, 0,
      "[\"x\",\"\\\"[[[[[[[[[\"]" },
    { "2[\"x\",{\"a\":{\"b\":[{\"c\":1}]}}]", OK, EVENT, "/", -1, 0,
      "[\"x\",{\"a\":{\"b\":[{\"c\":1}]}}]" },
    { "2[\"x\",{\"a\":1,\"a\":2}]", OK, EVENT, "/", -1, 0,
      "[\"x\",{\"a\":2}]" },

    { "", NGX_EDA_SIO_ERR_EMPTY, 0, NULL, 0, 0, NULL },
    { "7", NGX_EDA_SIO_ERR_TYPE, 0, NULL, 0, 0, NULL },
    { "9[\"x\"]", NGX_EDA_SIO_ERR_TYPE, 0, NULL, 0, 0, NULL },
    { "x", NGX_EDA_SIO_ERR_TYPE, 0, NULL, 0, 0, NULL },
    { "/", NGX_EDA_SIO_ERR_TYPE, 0, NULL, 0, 0, NULL },
    { "[\"x\"]", NGX_EDA_SIO_ERR_TYPE, 0, NULL, 0, 0, NULL },
    { "4{\"message\":\"x\"}", NGX_EDA_SIO_ERR_SERVER_ONLY, 0, NULL, 0, 0,
      NULL },
    { "4", NGX_EDA_SIO_ERR_SERVER_ONLY, 0, NULL, 0, 0, NULL },

    { "5", NGX_EDA_SIO_ERR_ATTACHMENTS, 0, NULL, 0, 0, NULL },
    { "5[\"x\"]", NGX_EDA_SIO_ERR_ATTACHMENTS, 0, NULL, 0, 0, NULL },
    { "5-[\"x\"]", NGX_EDA_SIO_ERR_ATTACHMENTS, 0, NULL, 0, 0, NULL },
    { "51[\"x\"]", NGX_EDA_SIO_ERR_ATTACHMENTS, 0, NULL, 0, 0, NULL },
    { "51", NGX_EDA_SIO_ERR_ATTACHMENTS, 0, NULL, 0, 0, NULL },
    { "6/admin,1-1[]", NGX_EDA_SIO_ERR_ATTACHMENTS, 0, NULL, 0, 0, NULL },
    { "511-[\"x\"]", NGX_EDA_SIO_ERR_ATT_LIMIT, 0, NULL, 0, 0, NULL },
    { "599999999999999999999999999-[\"x\"]", NGX_EDA_SIO_ERR_ATT_LIMIT, 0,
      NULL, 0, 0, NULL },
    { "518446744073709551617-[\"x\"]", NGX_EDA_SIO_ERR_ATT_LIMIT, 0,
      NULL, 0, 0, NULL },

    { "0/ad\xffmin,{}", NGX_EDA_SIO_ERR_NAMESPACE, 0, NULL, 0, 0, NULL },
    { "2/\xc3,[\"x\"]", NGX_EDA_SIO_ERR_NAMESPACE, 0, NULL, 0, 0, NULL },
    { "2/a\x1e" "b,[\"x\"]", NGX_EDA_SIO_ERR_NAMESPACE, 0, NULL, 0, 0,
      NULL },
    { "0/a\nb", NGX_EDA_SIO_ERR_NAMESPACE, 0, NULL, 0, 0, NULL },
    { "0/a\x7f,{}", NGX_EDA_SIO_ERR_NAMESPACE, 0, NULL, 0, 0, NULL },

    { "29007199254740992[\"x\"]", NGX_EDA_SIO_ERR_ACK_ID, 0, NULL, 0, 0,
      NULL },
    { "218446744073709551616[\"x\"]", NGX_EDA_SIO_ERR_ACK_ID, 0, NULL, 0,
      0, NULL },
    { "3/admin,99999999999999999999999999[]", NGX_EDA_SIO_ERR_ACK_ID, 0,
      NULL, 0, 0, NULL },
    { "01{}", NGX_EDA_SIO_ERR_ACK_UNEXPECTED, 0, NULL, 0, 0, NULL },
    { "0/admin,1", NGX_EDA_SIO_ERR_ACK_UNEXPECTED, 0, NULL, 0, 0, NULL },
    { "11", NGX_EDA_SIO_ERR_ACK_UNEXPECTED, 0, NULL, 0, 0, NULL },
    { "3[\"x\"]", NGX_EDA_SIO_ERR_ACK_MISSING, 0, NULL, 0, 0, NULL },
    { "3/admin,[]", NGX_EDA_SIO_ERR_ACK_MISSING, 0, NULL, 0, 0, NULL },
    { "61-[" PH(0) "]", NGX_EDA_SIO_ERR_ACK_MISSING, 0, NULL, 0, 0, NULL },

    { "2", NGX_EDA_SIO_ERR_NO_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "21", NGX_EDA_SIO_ERR_NO_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "2/admin,", NGX_EDA_SIO_ERR_NO_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "2/admin,[\"x\"]x", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "31", NGX_EDA_SIO_ERR_NO_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "51-", NGX_EDA_SIO_ERR_NO_PAYLOAD, 0, NULL, 0, 0, NULL },

    { "2" DEEP9, NGX_EDA_SIO_ERR_DEPTH, 0, NULL, 0, 0, NULL },
    { "0{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{}}}}}}}}}",
      NGX_EDA_SIO_ERR_DEPTH, 0, NULL, 0, 0, NULL },

    { "2[\"x\"", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"x\"]x", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"x\"][]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2abc", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"x\",]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2['x']", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "0{", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"x\\u0000\"]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"\\ud800\"]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"x\",99999999999999999999]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0,
      0, NULL },
    { "2[\"x\",1e999]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"\xff\"]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"\xed\xa0\x80\"]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },
    { "2[\"a\nb\"]", NGX_EDA_SIO_ERR_JSON, 0, NULL, 0, 0, NULL },

    { "0[]", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "0\"x\"", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "0null", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "1{}", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "1/admin,{}", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "1x", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "2{}", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "2[]", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "2\"x\"", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "21 5", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "31{}", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "61-1{}", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "51-[]", NGX_EDA_SIO_ERR_PAYLOAD, 0, NULL, 0, 0, NULL },
    { "2[1]", NGX_EDA_SIO_ERR_EVENT_NAME, 0, NULL, 0, 0, NULL },
    { "2[null,\"x\"]", NGX_EDA_SIO_ERR_EVENT_NAME, 0, NULL, 0, 0, NULL },
    { "2[[\"x\"]]", NGX_EDA_SIO_ERR_EVENT_NAME, 0, NULL, 0, 0, NULL },
    { "51-[" PH(0) "]", NGX_EDA_SIO_ERR_EVENT_NAME, 0, NULL, 0, 0, NULL },

    { "2[\"connect\"]", NGX_EDA_SIO_ERR_RESERVED, 0, NULL, 0, 0, NULL },
    { "2[\"connect_error\",1]", NGX_EDA_SIO_ERR_RESERVED, 0, NULL, 0, 0,
      NULL },
    { "2/admin,[\"disconnect\"]", NGX_EDA_SIO_ERR_RESERVED, 0, NULL, 0, 0,
      NULL },
    { "2[\"disconnecting\"]", NGX_EDA_SIO_ERR_RESERVED, 0, NULL, 0, 0,
      NULL },
    { "21[\"newListener\"]", NGX_EDA_SIO_ERR_RESERVED, 0, NULL, 0, 0,
      NULL },
    { "51-[\"removeListener\"," PH(0) "]", NGX_EDA_SIO_ERR_RESERVED, 0,
      NULL, 0, 0, NULL },
};


static void
test_decode(void)
{
    size_t  i;

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        check_decode(&decode_cases[i]);
    }
}


static void
check_decode(const decode_case_t *c)
{
    int                   rc;
    json_t               *want;
    json_error_t          err;
    ngx_eda_sio_limits_t  lim;
    ngx_eda_sio_packet_t  pkt;

    lim.max_attachments = MAX_ATT;
    lim.max_depth = MAX_DEPTH;

    rc = ngx_eda_sio_decode(U(c->in), strlen(c->in), &lim, &pkt);

    EDA_CHECK(rc == c->rc);
    if (rc != c->rc) {
        printf("  case \"%s\": %d (%s)\n", c->in, rc,
               ngx_eda_sio_strerror(rc));
    }

    if (rc != OK) {
        EDA_CHECK(pkt.payload == NULL && pkt.name == NULL);
        return;
    }

    if (c->rc != OK) {
        json_decref(pkt.payload);
        return;
    }

    EDA_CHECK(pkt.type == c->type);
    EDA_CHECK_STR(pkt.nsp, pkt.nsp_len, c->nsp);
    EDA_CHECK(pkt.id == c->id);
    EDA_CHECK(pkt.attachments == c->att);

    if (c->payload == NULL) {
        EDA_CHECK(pkt.payload == NULL);

    } else {
        want = json_loads(c->payload, 0, &err);
        EDA_CHECK(want != NULL && json_equal(want, pkt.payload));
        json_decref(want);
    }

    if (c->type == EVENT || c->type == BEVENT) {
        EDA_CHECK(pkt.name != NULL
                  && pkt.name == json_string_value(
                                     json_array_get(pkt.payload, 0)));

    } else {
        EDA_CHECK(pkt.name == NULL);
    }

    json_decref(pkt.payload);
}


/* bytes after the given length are not read; a NUL ends nothing */

static void
test_decode_len(void)
{
    ngx_eda_sio_limits_t  lim;
    ngx_eda_sio_packet_t  pkt;

    lim.max_attachments = MAX_ATT;
    lim.max_depth = 0;

    EDA_CHECK(ngx_eda_sio_decode(U("2[\"x\"]garbage"), 6, &lim, &pkt)
              == OK);
    EDA_CHECK(pkt.name_len == 1);
    json_decref(pkt.payload);

    EDA_CHECK(ngx_eda_sio_decode(U("0/admin,{}"), 7, &lim, &pkt) == OK);
    EDA_CHECK_STR(pkt.nsp, pkt.nsp_len, "/admin");
    EDA_CHECK(pkt.payload == NULL);

    EDA_CHECK(ngx_eda_sio_decode(U("2[\"x\"]\0"), 7, &lim, &pkt)
              == NGX_EDA_SIO_ERR_JSON);
    EDA_CHECK(ngx_eda_sio_decode(U("0/a\0b,{}"), 8, &lim, &pkt)
              == NGX_EDA_SIO_ERR_NAMESPACE);

    EDA_CHECK(ngx_eda_sio_decode(NULL, 0, &lim, &pkt)
              == NGX_EDA_SIO_ERR_EMPTY);
}


/* the frames as a WebSocket carries them: Engine.IO first, then these */

static void
test_eio_layers(void)
{
    size_t                i;
    ngx_eda_eio_packet_t  ep;
    ngx_eda_sio_limits_t  lim;
    ngx_eda_sio_packet_t  sp;
    static const char    *frames[] = {
        "40", "40/admin,{\"token\":\"x\"}", "42[\"hello\",1]", "421[\"x\"]",
        "451-[\"up\"," PH(0) "]", "430[\"ok\"]", "41", "41/admin,"
    };
    static const unsigned int  types[] = {
        CONNECT, CONNECT, EVENT, EVENT, BEVENT, ACK, DISCONNECT, DISCONNECT
    };

    lim.max_attachments = 1;
    lim.max_depth = 4;

    for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        EDA_CHECK(ngx_eda_eio_decode(U(frames[i]), strlen(frames[i]), NULL,
                                     0, &ep)
                  == NGX_EDA_EIO_OK);
        EDA_CHECK(ep.type == NGX_EDA_EIO_MESSAGE && !ep.binary);

        EDA_CHECK(ngx_eda_sio_decode(ep.data, ep.len, &lim, &sp) == OK);
        EDA_CHECK(sp.type == types[i]);
        json_decref(sp.payload);
    }
}


/* an event nesting LEVELS arrays, its own included, in BUF */

static size_t
deep(char *buf, size_t levels)
{
    size_t  n;

    memcpy(buf, "2[\"x\",", 6);
    n = 6;

    memset(buf + n, '[', levels - 1);
    n += levels - 1;
    buf[n++] = '1';
    memset(buf + n, ']', levels);
    n += levels;

    return n;
}


static void
test_limits(void)
{
    char                  buf[600];
    ngx_eda_sio_limits_t  lim;
    ngx_eda_sio_packet_t  pkt;

    lim.max_attachments = 0;

    /* depth 0 and above the cap are the cap: 128 */
    lim.max_depth = 0;
    EDA_CHECK(ngx_eda_sio_decode(U(buf), deep(buf, 129), &lim, &pkt)
              == NGX_EDA_SIO_ERR_DEPTH);
    EDA_CHECK(ngx_eda_sio_decode(U(buf), deep(buf, 128), &lim, &pkt) == OK);
    json_decref(pkt.payload);

    lim.max_depth = 1000;
    EDA_CHECK(ngx_eda_sio_decode(U(buf), deep(buf, 129), &lim, &pkt)
              == NGX_EDA_SIO_ERR_DEPTH);

    lim.max_depth = 127;
    EDA_CHECK(ngx_eda_sio_decode(U(buf), deep(buf, 128), &lim, &pkt)
              == NGX_EDA_SIO_ERR_DEPTH);
    EDA_CHECK(ngx_eda_sio_decode(U(buf), deep(buf, 127), &lim, &pkt) == OK);
    json_decref(pkt.payload);

    /* depth 1: flat */
    lim.max_depth = 1;
    EDA_CHECK(ngx_eda_sio_decode(U("2[\"x\",1]"), 8, &lim, &pkt) == OK);
    json_decref(pkt.payload);
    EDA_CHECK(ngx_eda_sio_decode(U("2[\"x\",{}]"), 9, &lim, &pkt)
              == NGX_EDA_SIO_ERR_DEPTH);

    /* no attachments allowed: "0-" only */
    lim.max_attachments = 0;
    EDA_CHECK(ngx_eda_sio_decode(U("50-[\"x\"]"), 8, &lim, &pkt) == OK);
    json_decref(pkt.payload);
    EDA_CHECK(ngx_eda_sio_decode(U("51-[\"x\"]"), 8, &lim, &pkt)
              == NGX_EDA_SIO_ERR_ATT_LIMIT);

    lim.max_attachments = 0xffffffff;
    EDA_CHECK(ngx_eda_sio_decode(U("54294967295-[\"x\"]"), 17, &lim, &pkt)
              == OK);
    EDA_CHECK(pkt.attachments == 0xffffffff);
    json_decref(pkt.payload);
    EDA_CHECK(ngx_eda_sio_decode(U("54294967296-[\"x\"]"), 17, &lim, &pkt)
              == NGX_EDA_SIO_ERR_ATT_LIMIT);
}


static const binary_case_t  binary_cases[] = {
    { "[\"up\"," PH(0) "]", 1, 1, OK, "[\"up\",\"0:010203\"]" },
    { "[\"up\"," PH(1) ",{\"a\":[" PH(0) "]}]", 2, 2, OK,
      "[\"up\",\"1:040506\",{\"a\":[\"0:010203\"]}]" },
    { "[" PH(0) "]", 1, 1, OK, "[\"0:010203\"]" },
    { "[\"x\",{\"_placeholder\":true,\"num\":0,\"more\":1}]", 1, 1, OK,
      "[\"x\",\"0:010203\"]" },
    { "[\"x\",[[[{\"k\":" PH(2) "}]]]," PH(0) ",{\"b\":" PH(1) "}]", 3, 3,
      OK, "[\"x\",[[[{\"k\":\"2:070809\"}]]],\"0:010203\","
          "{\"b\":\"1:040506\"}]" },

    /* nothing to replace */
    { "[\"x\",1]", 0, 0, OK, NULL },
    { "[\"x\",{\"_placeholder\":false,\"num\":0}]", 0, 0, OK, NULL },
    { "[\"x\",{\"_placeholder\":\"true\",\"num\":0}]", 0, 0, OK, NULL },
    { "[\"x\",{\"_placeholder\":1,\"num\":0}]", 0, 0, OK, NULL },

    { "[\"up\"," PH(0) "]", 1, 0, NGX_EDA_SIO_ERR_BIN_MISSING, NULL },
    { "[\"up\"," PH(0) "," PH(1) "]", 2, 1, NGX_EDA_SIO_ERR_BIN_MISSING,
      NULL },
    { "[\"up\"," PH(1) "]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER, NULL },
    { "[\"up\"," PH(-1) "]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER, NULL },
    { "[\"up\"," PH(0) "]", 0, 0, NGX_EDA_SIO_ERR_PLACEHOLDER, NULL },
    { "[\"up\"," PH("0") "]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER, NULL },
    { "[\"up\"," PH(0.0) "]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER, NULL },
    { "[\"up\"," PH(null) "]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER, NULL },
    { "[\"up\"," PH(4294967296) "]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER,
      NULL },
    { "[\"up\",{\"_placeholder\":true}]", 1, 1, NGX_EDA_SIO_ERR_PLACEHOLDER,
      NULL },
    { "[\"up\"," PH(0) "," PH(0) "]", 1, 1, NGX_EDA_SIO_ERR_PH_TWICE,
      NULL },
    { "[\"up\"," PH(0) ",{\"a\":" PH(0) "}]", 2, 2,
      NGX_EDA_SIO_ERR_PH_TWICE, NULL },
    { "[\"up\"," PH(0) "]", 2, 2, NGX_EDA_SIO_ERR_PH_UNUSED, NULL },
    { "[\"up\"]", 1, 1, NGX_EDA_SIO_ERR_PH_UNUSED, NULL },

    /* a placeholder holds no other: the inner one does not count */
    { "[\"x\",{\"_placeholder\":true,\"num\":0,\"in\":" PH(1) "}]", 2, 2,
      NGX_EDA_SIO_ERR_PH_UNUSED, NULL },
};


static void
test_binary(void)
{
    size_t  i;

    for (i = 0; i < sizeof(binary_cases) / sizeof(binary_cases[0]); i++) {
        run_binary(&binary_cases[i]);
    }
}


static void
run_binary(const binary_case_t *c)
{
    int                        rc;
    json_t                    *payload, *copy, *want;
    unsigned int               i;
    json_error_t               err;
    ngx_eda_sio_binary_t       b;
    ngx_eda_sio_attachment_t   att[4];
    static const char          bytes[] = "\1\2\3\4\5\6\7\10\11";

    payload = json_loads(c->payload, 0, &err);
    EDA_CHECK(payload != NULL);
    copy = json_deep_copy(payload);

    ngx_eda_sio_binary_init(&b, att, c->n);

    for (i = 0; i < c->add; i++) {
        rc = ngx_eda_sio_binary_add(&b, U(bytes + 3 * i), 3);
        EDA_CHECK(rc == (i + 1 == c->n ? OK : NGX_EDA_SIO_AGAIN));
    }

    /* checking alone changes nothing */
    rc = ngx_eda_sio_binary_resolve(&b, payload, NULL, NULL);
    EDA_CHECK(rc == c->rc && json_equal(payload, copy));

    rc = ngx_eda_sio_binary_resolve(&b, payload, make_hex, NULL);
    EDA_CHECK(rc == c->rc);
    if (rc != c->rc) {
        printf("  case %s: %d (%s)\n", c->payload, rc,
               ngx_eda_sio_strerror(rc));
    }

    /* a refused payload is left as it was */
    want = (c->result != NULL) ? json_loads(c->result, 0, &err)
                               : json_incref(copy);
    EDA_CHECK(want != NULL && json_equal(payload, want));

    json_decref(want);
    json_decref(copy);
    json_decref(payload);
}


/* "NUM:hex of the bytes" */

static json_t *
make_hex(void *ctx, unsigned int num, const ngx_eda_sio_attachment_t *att)
{
    size_t  i;
    char    s[64];

    (void) ctx;

    snprintf(s, sizeof(s), "%u:", num);

    for (i = 0; i < att->len && i < 16; i++) {
        snprintf(s + strlen(s), 3, "%02x", att->data[i]);
    }

    return json_string(s);
}


static json_t *
make_none(void *ctx, unsigned int num, const ngx_eda_sio_attachment_t *att)
{
    (void) ctx;
    (void) num;
    (void) att;

    return NULL;
}


static void
test_binary_add(void)
{
    json_t                    *payload;
    json_error_t               err;
    ngx_eda_sio_binary_t       b;
    ngx_eda_sio_attachment_t   att[2];

    ngx_eda_sio_binary_init(&b, att, 0);
    EDA_CHECK(ngx_eda_sio_binary_add(&b, U("x"), 1)
              == NGX_EDA_SIO_ERR_BIN_EXTRA);

    ngx_eda_sio_binary_init(&b, att, 2);
    EDA_CHECK(ngx_eda_sio_binary_add(&b, U("a"), 1) == NGX_EDA_SIO_AGAIN);
    EDA_CHECK(ngx_eda_sio_binary_add(&b, NULL, 0) == OK);
    EDA_CHECK(ngx_eda_sio_binary_add(&b, U("c"), 1)
              == NGX_EDA_SIO_ERR_BIN_EXTRA);
    EDA_CHECK(b.got == 2 && att[0].len == 1 && att[1].len == 0);

    /* the resolver may run again: it starts its marks afresh */
    payload = json_loads("[\"x\"," PH(1) "," PH(0) "]", 0, &err);
    EDA_CHECK(ngx_eda_sio_binary_resolve(&b, payload, NULL, NULL) == OK);
    EDA_CHECK(ngx_eda_sio_binary_resolve(&b, payload, NULL, NULL) == OK);
    EDA_CHECK(att[0].used && att[1].used);
    EDA_CHECK(ngx_eda_sio_binary_resolve(&b, payload, make_hex, NULL)
              == OK);
    EDA_CHECK_STR(json_string_value(json_array_get(payload, 1)), 2, "1:");
    json_decref(payload);

    /* not an array or an object: nothing inside */
    payload = json_string("x");
    ngx_eda_sio_binary_init(&b, att, 0);
    EDA_CHECK(ngx_eda_sio_binary_resolve(&b, payload, make_hex, NULL)
              == OK);
    json_decref(payload);
}


static void
test_binary_nomem(void)
{
    json_t                    *payload;
    json_error_t               err;
    ngx_eda_sio_binary_t       b;
    ngx_eda_sio_attachment_t   att[1];

    payload = json_loads("[\"x\",{\"a\":" PH(0) "}]", 0, &err);

    ngx_eda_sio_binary_init(&b, att, 1);
    (void) ngx_eda_sio_binary_add(&b, U("z"), 1);

    EDA_CHECK(ngx_eda_sio_binary_resolve(&b, payload, make_none, NULL)
              == NGX_EDA_SIO_ERR_NOMEM);

    json_decref(payload);
}


static void
test_reserved(void)
{
    size_t              i;
    static const char  *yes[] = {
        "connect", "connect_error", "disconnect", "disconnecting",
        "newListener", "removeListener"
    };
    static const char  *no[] = {
        "", "connec", "connect_", "Connect", "CONNECT", "newlistener",
        "removeListeners", "disconnected", "error", "message", "ping"
    };

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        EDA_CHECK(ngx_eda_sio_reserved(U(yes[i]), strlen(yes[i])) == 1);
    }

    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        EDA_CHECK(ngx_eda_sio_reserved(U(no[i]), strlen(no[i])) == 0);
    }

    EDA_CHECK(ngx_eda_sio_reserved(U("connect\0"), 8) == 0);
    EDA_CHECK(ngx_eda_sio_reserved(U("connect"), 6) == 0);
    EDA_CHECK(ngx_eda_sio_reserved(NULL, 0) == 0);
}


static void
test_event(void)
{
    ngx_eda_sio_raw_t    args[3];
    ngx_eda_sio_event_t  ev;

    memset(&ev, 0, sizeof(ev));
    ev.head.id = -1;
    ev.name = U("com.example.order.created");
    ev.name_len = 25;
    args[0].data = U("{\"id\":1}");
    args[0].len = 8;
    ev.args = args;
    ev.nargs = 1;
    ev.offset = U("OFFSET");
    ev.offset_len = 6;

    check_event(&ev, "2[\"com.example.order.created\",{\"id\":1},\"OFFSET\"]");

    ev.head.flags = NGX_EDA_SIO_EIO_MESSAGE;
    check_event(&ev,
                "42[\"com.example.order.created\",{\"id\":1},\"OFFSET\"]");

    ev.head.nsp = U("/admin");
    ev.head.nsp_len = 6;
    ev.head.id = 12;
    ev.name = U("x");
    ev.name_len = 1;
    args[1].data = U("2");
    args[1].len = 1;
    args[2].data = U("[true,null]");
    args[2].len = 11;
    ev.nargs = 3;
    ev.offset = NULL;
    check_event(&ev, "42/admin,12[\"x\",{\"id\":1},2,[true,null]]");

    ev.head.flags = 0;
    ev.head.nsp = U("/");
    ev.head.nsp_len = 1;
    ev.head.id = 0;
    ev.nargs = 0;
    check_event(&ev, "20[\"x\"]");

    ev.head.nsp_len = 0;
    ev.head.id = -1;
    ev.offset = U("");
    ev.offset_len = 0;
    check_event(&ev, "2[\"x\",\"\"]");

    ev.head.nsp = NULL;
    ev.head.nsp_len = 3;
    ev.name = U("a\"b\\c\x01\x1f\x7f\xe2\x82\xac");
    ev.name_len = 11;
    ev.offset = U("1-0\n");
    ev.offset_len = 4;
    check_event(&ev, "2[\"a\\\"b\\\\c\\u0001\\u001f\x7f\xe2\x82\xac\","
                     "\"1-0\\n\"]");

    ev.name = NULL;
    ev.name_len = 0;
    ev.offset = NULL;
    ev.head.id = NGX_EDA_SIO_MAX_ACK_ID;
    check_event(&ev, "29007199254740991[\"\"]");
}


static void
check_event(const ngx_eda_sio_event_t *ev, const char *want)
{
    size_t          len;
    unsigned char  *out;

    len = ngx_eda_sio_event_len(ev);
    out = malloc(len + 1);
    out[len] = CANARY;

    check_bytes(len, out, ngx_eda_sio_event_write(out, ev), want);
    free(out);

    if (ev->nargs == 1) {
        check_split(ev);
    }
}


/* prefix, the one shared argument, suffix: the same bytes */

static void
check_split(const ngx_eda_sio_event_t *ev)
{
    size_t          whole, pre, suf, n;
    unsigned char  *a, *b;

    whole = ngx_eda_sio_event_len(ev);
    pre = ngx_eda_sio_event_prefix_len(ev);
    suf = ngx_eda_sio_event_suffix_len(ev);

    EDA_CHECK(pre > 0 && suf > 0 && pre + ev->args[0].len + suf == whole);

    a = malloc(whole);
    b = malloc(whole + 1);
    b[whole] = CANARY;

    (void) ngx_eda_sio_event_write(a, ev);

    n = ngx_eda_sio_event_prefix_write(b, ev);
    EDA_CHECK(n == pre);
    memcpy(b + n, ev->args[0].data, ev->args[0].len);
    n += ev->args[0].len;
    n += ngx_eda_sio_event_suffix_write(b + n, ev);

    EDA_CHECK(n == whole && memcmp(a, b, whole) == 0 && b[whole] == CANARY);

    free(a);
    free(b);
}


static void
test_event_refused(void)
{
    size_t               i;
    unsigned char        out[64];
    ngx_eda_sio_raw_t    args[2];
    ngx_eda_sio_event_t  ev, bad;

    memset(&ev, 0, sizeof(ev));
    memset(out, CANARY, sizeof(out));
    ev.head.id = -1;
    ev.name = U("x");
    ev.name_len = 1;
    args[0].data = U("1");
    args[0].len = 1;
    ev.args = args;
    ev.nargs = 1;

    EDA_CHECK(ngx_eda_sio_event_len(&ev) == 8);

    for (i = 0; i < 15; i++) {
        bad = ev;

        switch (i) {
        case 0: bad.name = U("connect"); bad.name_len = 7; break;
        case 1: bad.name = U("removeListener"); bad.name_len = 14; break;
        case 2: bad.name = U("\xff"); break;
        case 3: bad.name = NULL; break;
        case 4: bad.offset = U("\xc3"); bad.offset_len = 1; break;
        case 5: bad.head.nsp = U("admin"); bad.head.nsp_len = 5; break;
        case 6: bad.head.nsp = U("/a,b"); bad.head.nsp_len = 4; break;
        case 7: bad.head.nsp = U("/\xff"); bad.head.nsp_len = 2; break;
        case 8: bad.head.id = NGX_EDA_SIO_MAX_ACK_ID + 1; break;
        case 9: bad.head.id = -2; break;
        case 10: args[1].data = U(""); args[1].len = 0; bad.nargs = 2; break;
        case 11: args[1].data = NULL; args[1].len = 1; bad.nargs = 2; break;
        case 12: bad.head.nsp = U("/a\x1e"); bad.head.nsp_len = 3; break;
        case 13: bad.head.nsp = U("/\t"); bad.head.nsp_len = 2; break;
        default: bad.head.nsp = U(","); bad.head.nsp_len = 1; break;
        }

        EDA_CHECK(ngx_eda_sio_event_len(&bad) == 0);
        EDA_CHECK(ngx_eda_sio_event_write(out, &bad) == 0);

        /* the split form checks the same, except the arguments */
        if (i != 10 && i != 11) {
            EDA_CHECK(ngx_eda_sio_event_prefix_len(&bad) == 0);
            EDA_CHECK(ngx_eda_sio_event_suffix_len(&bad) == 0);
            EDA_CHECK(ngx_eda_sio_event_prefix_write(out, &bad) == 0);
            EDA_CHECK(ngx_eda_sio_event_suffix_write(out, &bad) == 0);

        } else {
            EDA_CHECK(ngx_eda_sio_event_prefix_len(&bad) == 6);
        }
    }

    EDA_CHECK(out[0] == CANARY);
}


/* written, then read back by the decoder as a client's would be */

static void
test_event_roundtrip(void)
{
    int                    c;
    size_t                 len, n;
    json_t                *name;
    unsigned char          buf[512], out[2048];
    ngx_eda_sio_raw_t      args[2];
    ngx_eda_sio_event_t    ev;
    ngx_eda_sio_limits_t   lim;
    ngx_eda_sio_packet_t   pkt;

    lim.max_attachments = 0;
    lim.max_depth = 0;

    /* every ASCII byte but NUL, then some UTF-8, in the name */
    n = 0;
    for (c = 1; c < 0x80; c++) {
        buf[n++] = (unsigned char) c;
    }
    memcpy(buf + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    n += 9;

    memset(&ev, 0, sizeof(ev));
    ev.head.nsp = U("/ns \xc3\xa9");
    ev.head.nsp_len = 6;
    ev.head.id = 77;
    ev.name = buf;
    ev.name_len = n;
    args[0].data = U("{\"a\":[1,2,{\"b\":null}]}");
    args[0].len = 22;
    args[1].data = U("\"s\"");
    args[1].len = 3;
    ev.args = args;
    ev.nargs = 2;
    ev.offset = buf + 1;
    ev.offset_len = n - 1;

    len = ngx_eda_sio_event_write(out, &ev);
    EDA_CHECK(len > 0 && len == ngx_eda_sio_event_len(&ev));
    EDA_CHECK(memchr(out, NGX_EDA_EIO_SEPARATOR, len) == NULL);

    EDA_CHECK(ngx_eda_sio_decode(out, len, &lim, &pkt) == OK);
    EDA_CHECK(pkt.type == EVENT && pkt.id == 77);
    EDA_CHECK(pkt.nsp_len == 6 && memcmp(pkt.nsp, "/ns \xc3\xa9", 6) == 0);
    EDA_CHECK(pkt.name_len == n && memcmp(pkt.name, buf, n) == 0);
    EDA_CHECK(json_array_size(pkt.payload) == 4);
    EDA_CHECK(json_integer_value(json_array_get(json_object_get(
                  json_array_get(pkt.payload, 1), "a"), 1)) == 2);
    EDA_CHECK_STR(json_string_value(json_array_get(pkt.payload, 2)), 1,
                  "s");

    /* the offset is the last string argument */
    name = json_array_get(pkt.payload, 3);
    EDA_CHECK(json_string_length(name) == n - 1
              && memcmp(json_string_value(name), buf + 1, n - 1) == 0);

    json_decref(pkt.payload);
}


static void
test_other(void)
{
    size_t              len;
    unsigned char       out[128];
    ngx_eda_sio_raw_t   args[2], data;
    ngx_eda_sio_head_t  h;

    memset(&h, 0, sizeof(h));
    h.id = 5;
    args[0].data = U("\"ok\"");
    args[0].len = 4;
    args[1].data = U("{}");
    args[1].len = 2;

    out[sizeof(out) - 1] = CANARY;

    len = ngx_eda_sio_ack_len(&h, args, 1);
    check_bytes(len, out, ngx_eda_sio_ack_write(out, &h, args, 1),
                "35[\"ok\"]");
    len = ngx_eda_sio_ack_len(&h, args, 0);
    check_bytes(len, out, ngx_eda_sio_ack_write(out, &h, args, 0), "35[]");

    h.flags = NGX_EDA_SIO_EIO_MESSAGE;
    h.nsp = U("/admin");
    h.nsp_len = 6;
    h.id = 0;
    len = ngx_eda_sio_ack_len(&h, args, 2);
    check_bytes(len, out, ngx_eda_sio_ack_write(out, &h, args, 2),
                "43/admin,0[\"ok\",{}]");

    h.id = -1;
    len = ngx_eda_sio_connect_len(&h, U("abc"), 3, NULL, 0);
    check_bytes(len, out,
                ngx_eda_sio_connect_write(out, &h, U("abc"), 3, NULL, 0),
                "40/admin,{\"sid\":\"abc\"}");

    h.flags = 0;
    h.nsp = NULL;
    len = ngx_eda_sio_connect_len(&h, U("abc"), 3, U("p\"1"), 3);
    check_bytes(len, out,
                ngx_eda_sio_connect_write(out, &h, U("abc"), 3, U("p\"1"),
                                          3),
                "0{\"sid\":\"abc\",\"pid\":\"p\\\"1\"}");

    len = ngx_eda_sio_connect_error_len(&h, U("Not authorized"), 14, NULL);
    check_bytes(len, out,
                ngx_eda_sio_connect_error_write(out, &h,
                                                U("Not authorized"), 14,
                                                NULL),
                "4{\"message\":\"Not authorized\"}");

    data.data = U("{\"code\":401}");
    data.len = 12;
    h.flags = NGX_EDA_SIO_EIO_MESSAGE;
    h.nsp = U("/admin");
    len = ngx_eda_sio_connect_error_len(&h, U("a\tb"), 3, &data);
    check_bytes(len, out,
                ngx_eda_sio_connect_error_write(out, &h, U("a\tb"), 3,
                                                &data),
                "44/admin,{\"message\":\"a\\tb\",\"data\":{\"code\":401}}");

    len = ngx_eda_sio_disconnect_len(&h);
    check_bytes(len, out, ngx_eda_sio_disconnect_write(out, &h),
                "41/admin,");

    h.nsp_len = 0;
    len = ngx_eda_sio_disconnect_len(&h);
    check_bytes(len, out, ngx_eda_sio_disconnect_write(out, &h), "41");

    h.flags = 0;
    len = ngx_eda_sio_disconnect_len(&h);
    check_bytes(len, out, ngx_eda_sio_disconnect_write(out, &h), "1");

    EDA_CHECK(out[sizeof(out) - 1] == CANARY);
}


static void
check_bytes(size_t len, unsigned char *out, size_t wrote, const char *want)
{
    EDA_CHECK(len == wrote);
    EDA_CHECK_STR(out, wrote, want);
}


static void
test_other_refused(void)
{
    unsigned char       out[64];
    ngx_eda_sio_raw_t   args[1], empty;
    ngx_eda_sio_head_t  h;

    memset(&h, 0, sizeof(h));
    memset(out, CANARY, sizeof(out));
    args[0].data = U("1");
    args[0].len = 1;
    empty.data = U("");
    empty.len = 0;

    /* an ack needs an id, the others have none */
    h.id = -1;
    EDA_CHECK(ngx_eda_sio_ack_len(&h, args, 1) == 0);
    EDA_CHECK(ngx_eda_sio_ack_write(out, &h, args, 1) == 0);
    h.id = NGX_EDA_SIO_MAX_ACK_ID + 1;
    EDA_CHECK(ngx_eda_sio_ack_len(&h, args, 1) == 0);
    h.id = 1;
    EDA_CHECK(ngx_eda_sio_ack_len(&h, &empty, 1) == 0);
    EDA_CHECK(ngx_eda_sio_connect_len(&h, U("s"), 1, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_sio_connect_error_len(&h, U("m"), 1, NULL) == 0);
    EDA_CHECK(ngx_eda_sio_disconnect_len(&h) == 0);
    EDA_CHECK(ngx_eda_sio_disconnect_write(out, &h) == 0);

    h.id = -1;
    EDA_CHECK(ngx_eda_sio_connect_len(&h, U("s"), 1, NULL, 0) == 12);
    EDA_CHECK(ngx_eda_sio_connect_len(&h, NULL, 0, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_sio_connect_len(&h, U("\xff"), 1, NULL, 0) == 0);
    EDA_CHECK(ngx_eda_sio_connect_len(&h, U("s"), 1, U("\xc3"), 1) == 0);
    EDA_CHECK(ngx_eda_sio_connect_write(out, &h, U("s"), 1, U("\xc3"), 1)
              == 0);
    EDA_CHECK(ngx_eda_sio_connect_error_len(&h, U("\xff"), 1, NULL) == 0);
    EDA_CHECK(ngx_eda_sio_connect_error_len(&h, U("m"), 1, &empty) == 0);
    EDA_CHECK(ngx_eda_sio_connect_error_write(out, &h, U("m"), 1, &empty)
              == 0);
    EDA_CHECK(ngx_eda_sio_connect_error_len(&h, NULL, 0, NULL) == 15);

    h.nsp = U("admin,");
    h.nsp_len = 6;
    EDA_CHECK(ngx_eda_sio_disconnect_len(&h) == 0);

    EDA_CHECK(out[0] == CANARY);
}


/* the server's packets read back where the decoder takes them */

static void
test_other_roundtrip(void)
{
    size_t                len;
    unsigned char         out[128];
    ngx_eda_sio_raw_t     args[2];
    ngx_eda_sio_head_t    h;
    ngx_eda_sio_limits_t  lim;
    ngx_eda_sio_packet_t  pkt;

    lim.max_attachments = 0;
    lim.max_depth = 4;

    memset(&h, 0, sizeof(h));
    h.nsp = U("/chat");
    h.nsp_len = 5;
    h.id = 4096;
    args[0].data = U("[1,{\"x\":\"y\"}]");
    args[0].len = 13;
    args[1].data = U("null");
    args[1].len = 4;

    len = ngx_eda_sio_ack_write(out, &h, args, 2);
    EDA_CHECK(ngx_eda_sio_decode(out, len, &lim, &pkt) == OK);
    EDA_CHECK(pkt.type == ACK && pkt.id == 4096 && pkt.nsp_len == 5);
    EDA_CHECK(json_array_size(pkt.payload) == 2
              && json_is_null(json_array_get(pkt.payload, 1)));
    json_decref(pkt.payload);

    h.id = -1;
    len = ngx_eda_sio_connect_write(out, &h, U("s\\1"), 3, U("p"), 1);
    EDA_CHECK(ngx_eda_sio_decode(out, len, &lim, &pkt) == OK);
    EDA_CHECK(pkt.type == CONNECT);
    EDA_CHECK_STR(json_string_value(json_object_get(pkt.payload, "sid")),
                  3, "s\\1");
    json_decref(pkt.payload);

    len = ngx_eda_sio_disconnect_write(out, &h);
    EDA_CHECK(ngx_eda_sio_decode(out, len, &lim, &pkt) == OK);
    EDA_CHECK(pkt.type == DISCONNECT && pkt.payload == NULL);
    EDA_CHECK_STR(pkt.nsp, pkt.nsp_len, "/chat");

    /* a client never sends it: the decoder refuses it as such */
    len = ngx_eda_sio_connect_error_write(out, &h, U("no"), 2, NULL);
    EDA_CHECK(ngx_eda_sio_decode(out, len, &lim, &pkt)
              == NGX_EDA_SIO_ERR_SERVER_ONLY);
}


static void
test_strerror(void)
{
    int          rc, k;
    const char  *msg[24];

    for (rc = NGX_EDA_SIO_ERR_PH_UNUSED; rc <= NGX_EDA_SIO_AGAIN; rc++) {
        k = rc - NGX_EDA_SIO_ERR_PH_UNUSED;
        msg[k] = ngx_eda_sio_strerror(rc);
        EDA_CHECK(msg[k] != NULL && strcmp(msg[k], "unknown error") != 0);
    }

    for (rc = 0; rc < 23; rc++) {
        for (k = rc + 1; k < 23; k++) {
            EDA_CHECK(strcmp(msg[rc], msg[k]) != 0);
        }
    }

    EDA_CHECK(strcmp(ngx_eda_sio_strerror(-22), "unknown error") == 0);
    EDA_CHECK(strcmp(ngx_eda_sio_strerror(2), "unknown error") == 0);
}


int
main(void)
{
    test_decode();
    test_decode_len();
    test_eio_layers();
    test_limits();
    test_binary();
    test_binary_add();
    test_binary_nomem();
    test_reserved();
    test_event();
    test_event_refused();
    test_event_roundtrip();
    test_other();
    test_other_refused();
    test_other_roundtrip();
    test_strerror();

    EDA_UNIT_DONE();
}
