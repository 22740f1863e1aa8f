
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eda_unit.h"
#include "ngx_eda_otlp.h"
#include "ngx_eda_otlp_queue.h"


#define S(s)  { s, sizeof(s) - 1 }


typedef struct {
    const char  *in;
    int          status;
} status_case_t;


static const status_case_t  status_cases[] = {
    { "HTTP/1.1 200 OK\r\n", 200 },
    { "HTTP/1.0 202 Accepted\r\n", 202 },
    { "HTTP/1.1 204\r\n", 204 },
    { "HTTP/1.1 400 Bad Request", 400 },
    { "HTTP/1.1 429 Too Many Requests\r\n", 429 },
    { "HTTP/1.1 503 Service Unavailable\r\n", 503 },
    { "HTTP/1.1 200\n", 200 },
    { "", 0 },
    { "HTT", 0 },
    { "HTTP/1.", 0 },
    { "HTTP/1.1", 0 },
    { "HTTP/1.1 ", 0 },
    { "HTTP/1.1 20", 0 },
    { "HTTP/1.1 200", 0 },
    { "http/1.1 200 OK\r\n", -1 },
    { "HTTP/2 200\r\n", -1 },
    { "HTTP/1.x 200\r\n", -1 },
    { "HTTP/1.1  200\r\n", -1 },
    { "HTTP/1.1 2a0\r\n", -1 },
    { "HTTP/1.1 099 Low\r\n", -1 },
    { "HTTP/1.1 600 High\r\n", -1 },
    { "HTTP/1.1 2000\r\n", -1 },
    { "SSH-2.0-OpenSSH\r\n", -1 },
};


typedef struct {
    ngx_eda_otlp_str_t   in;
    const char          *out;
} clean_case_t;


static const clean_case_t  clean_cases[] = {
    { S("publish orders"), "publish orders" },
    { S(""), "" },
    { S("caf\xc3\xa9"), "caf\xc3\xa9" },
    { S("a\xff" "b"), "a?b" },
    { S("\xc3"), "?" },
    { S("\xed\xa0\x80x"), "???x" },
    { S("\xe2\x82\xac\x80"), "\xe2\x82\xac?" },
};


static const char  expect_one[] =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"gw\"}},"
    "{\"key\":\"service.instance.id\",\"value\":"
    "{\"stringValue\":\"host-7\"}}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"ngx_eda\",\"version\":\"0.1.0\"},"
    "\"spans\":[{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
    "\"spanId\":\"00f067aa0ba902b7\",\"parentSpanId\":\"0102030405060708\","
    "\"flags\":1,\"name\":\"publish orders\",\"kind\":4,"
    "\"startTimeUnixNano\":\"1700000000000000001\","
    "\"endTimeUnixNano\":\"18446744073709551615\","
    "\"attributes\":[{\"key\":\"messaging.system\",\"value\":"
    "{\"stringValue\":\"kafka\"}},{\"key\":\"messaging.destination.name\","
    "\"value\":{\"stringValue\":\"orders\"}}]},"
    "{\"traceId\":\"ffffffffffffffffffffffffffffffff\","
    "\"spanId\":\"0000000000000001\",\"flags\":0,\"name\":\"saga \\\"x\\\"\","
    "\"startTimeUnixNano\":\"0\",\"endTimeUnixNano\":\"5\","
    "\"status\":{\"code\":2,\"message\":\"timed out\"}}]}]}]}";

static const char  expect_none[] =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"ngx_eda\"}}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"ngx_eda\"},\"spans\":[]}]}]}";


static void
test_status(void)
{
    size_t  i;

    for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
        int  got;

        got = ngx_eda_otlp_status(status_cases[i].in,
                                  strlen(status_cases[i].in));
        if (got != status_cases[i].status) {
            printf("status of \"%s\": %d\n", status_cases[i].in, got);
        }

        EDA_CHECK(got == status_cases[i].status);
    }
}


static void
test_clean(void)
{
    size_t                i;
    ngx_eda_otlp_span_t   span, *copy;

    for (i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++) {
        memset(&span, 0, sizeof(span));
        span.name = clean_cases[i].in;
        span.nattrs = 1;
        span.attrs[0].key = clean_cases[i].in;
        span.attrs[0].value = (ngx_eda_otlp_str_t) S("v");

        copy = ngx_eda_otlp_span_copy(&span);
        EDA_CHECK(copy != NULL);
        if (copy == NULL) {
            continue;
        }

        EDA_CHECK_STR(copy->name.data, copy->name.len, clean_cases[i].out);
        EDA_CHECK_STR(copy->attrs[0].key.data, copy->attrs[0].key.len,
                      clean_cases[i].out);
        EDA_CHECK_STR(copy->attrs[0].value.data, copy->attrs[0].value.len,
                      "v");
        EDA_CHECK(copy->name.data != span.name.data || span.name.len == 0);
        free(copy);
    }
}


static void
test_cut(void)
{
    char                  big[NGX_EDA_OTLP_STR_MAX + 8];
    size_t                i;
    ngx_eda_otlp_span_t   span, *copy;

    /* a two-byte character across the limit is left out whole */

    memset(big, 'a', sizeof(big));
    big[NGX_EDA_OTLP_STR_MAX - 1] = (char) 0xc3;
    big[NGX_EDA_OTLP_STR_MAX] = (char) 0xa9;

    memset(&span, 0, sizeof(span));
    span.name.data = big;
    span.name.len = sizeof(big);
    span.nattrs = NGX_EDA_OTLP_MAX_ATTRS + 5;    /* only the first kept */

    for (i = 0; i < NGX_EDA_OTLP_MAX_ATTRS; i++) {
        span.attrs[i].key = (ngx_eda_otlp_str_t) S("k");
        span.attrs[i].value = (ngx_eda_otlp_str_t) S("v");
    }

    copy = ngx_eda_otlp_span_copy(&span);
    EDA_CHECK(copy != NULL);
    if (copy == NULL) {
        return;
    }

    EDA_CHECK(copy->name.len == NGX_EDA_OTLP_STR_MAX - 1);
    EDA_CHECK(copy->nattrs == NGX_EDA_OTLP_MAX_ATTRS);
    free(copy);
}


static void
test_encode(void)
{
    char                     *json;
    size_t                    len;
    ngx_eda_otlp_span_t       a, b, *spans[2];
    ngx_eda_otlp_resource_t   res;

    static const uint8_t  trace[16] = {
        0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
        0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36
    };
    static const uint8_t  span_id[8] = {
        0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7
    };

    memset(&a, 0, sizeof(a));
    memcpy(a.trace_id, trace, 16);
    memcpy(a.span_id, span_id, 8);
    memcpy(a.parent_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    a.flags = 1;
    a.kind = NGX_EDA_OTLP_KIND_PRODUCER;
    a.start_ns = 1700000000000000001ULL;
    a.end_ns = UINT64_MAX;
    a.name = (ngx_eda_otlp_str_t) S("publish orders");
    a.nattrs = 2;
    a.attrs[0].key = (ngx_eda_otlp_str_t) S("messaging.system");
    a.attrs[0].value = (ngx_eda_otlp_str_t) S("kafka");
    a.attrs[1].key = (ngx_eda_otlp_str_t) S("messaging.destination.name");
    a.attrs[1].value = (ngx_eda_otlp_str_t) S("orders");

    /* a root, no kind, an error: no parentSpanId, no kind, a status */

    memset(&b, 0, sizeof(b));
    memset(b.trace_id, 0xff, 16);
    b.span_id[7] = 1;
    b.kind = 9;
    b.error = 1;
    b.end_ns = 5;
    b.name = (ngx_eda_otlp_str_t) S("saga \"x\"");
    b.status_message = (ngx_eda_otlp_str_t) S("timed out");

    res.service_name = (ngx_eda_otlp_str_t) S("gw");
    res.instance_id = (ngx_eda_otlp_str_t) S("host-7");
    res.scope_name = (ngx_eda_otlp_str_t) S("ngx_eda");
    res.scope_version = (ngx_eda_otlp_str_t) S("0.1.0");

    spans[0] = &a;
    spans[1] = &b;

    json = ngx_eda_otlp_encode(&res, spans, 2, &len);
    EDA_CHECK(json != NULL);
    if (json != NULL) {
        EDA_CHECK_STR(json, len, expect_one);
        free(json);
    }

    /* an empty batch, no instance id, no version */

    res.service_name = (ngx_eda_otlp_str_t) S("ngx_eda");
    res.instance_id = (ngx_eda_otlp_str_t) { NULL, 0 };
    res.scope_version = (ngx_eda_otlp_str_t) { NULL, 0 };

    json = ngx_eda_otlp_encode(&res, spans, 0, &len);
    EDA_CHECK(json != NULL);
    if (json != NULL) {
        EDA_CHECK_STR(json, len, expect_none);
        free(json);
    }

    /* a string that is not UTF-8 (not made by the copy) is refused */

    a.name = (ngx_eda_otlp_str_t) S("bad \xff");
    json = ngx_eda_otlp_encode(&res, spans, 1, &len);
    EDA_CHECK(json == NULL);
    free(json);
}


static void
test_queue(void)
{
    size_t                 i, n;
    ngx_eda_otlp_span_t    span, *out[8];
    ngx_eda_otlp_queue_t   q;

    memset(&span, 0, sizeof(span));
    span.name = (ngx_eda_otlp_str_t) S("s");

    EDA_CHECK(ngx_eda_otlp_queue_init(&q, 3) == 0);

    /* three fit, the fourth is refused */

    for (i = 0; i < 3; i++) {
        span.start_ns = i;
        EDA_CHECK(ngx_eda_otlp_queue_push(&q, &span) == 0);
    }

    span.start_ns = 99;
    EDA_CHECK(ngx_eda_otlp_queue_push(&q, &span) == 1);
    EDA_CHECK(q.count == 3);

    /* oldest first, at most what is asked */

    n = ngx_eda_otlp_queue_take(&q, out, 2);
    EDA_CHECK(n == 2);
    EDA_CHECK(out[0]->start_ns == 0 && out[1]->start_ns == 1);
    EDA_CHECK(out[0]->name.data != span.name.data);
    free(out[0]);
    free(out[1]);

    /* the ring wraps */

    for (i = 3; i < 5; i++) {
        span.start_ns = i;
        EDA_CHECK(ngx_eda_otlp_queue_push(&q, &span) == 0);
    }

    EDA_CHECK(ngx_eda_otlp_queue_push(&q, &span) == 1);

    n = ngx_eda_otlp_queue_take(&q, out, 8);
    EDA_CHECK(n == 3);
    EDA_CHECK(out[0]->start_ns == 2 && out[1]->start_ns == 3
              && out[2]->start_ns == 4);

    for (i = 0; i < n; i++) {
        free(out[i]);
    }

    EDA_CHECK(ngx_eda_otlp_queue_take(&q, out, 8) == 0);

    /* what is left when the process goes is freed and counted */

    EDA_CHECK(ngx_eda_otlp_queue_push(&q, &span) == 0);
    EDA_CHECK(ngx_eda_otlp_queue_free(&q) == 1);
}


int
main(void)
{
    test_status();
    test_clean();
    test_cut();
    test_encode();
    test_queue();

    EDA_UNIT_DONE();
}
