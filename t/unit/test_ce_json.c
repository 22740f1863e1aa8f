
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "eda_ce_unit.h"


/* the required four as base_event() sets them, in the JSON output order */
#define TJ_HEAD  "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\"," \
                 "\"type\":\"t\""

/* data: bytes that may hold a NUL, with their length */
#define TJ_DATA(s)  s, sizeof(s) - 1
#define TJ_NONE     NULL, 0

#define FE_HEAD  "{\"specversion\":\"1.0\",\"source\":\"/s\",\"type\":\"t\","

#define FE_ANY     0            /* the name reported is not checked */
#define FE_NAME    1            /* it is attr, or {NULL, 0} for NULL */


typedef struct {
    const char  *what;
    int          bare;          /* 1: the attributes alone, no base_event */
    const char  *attrs[6][2];   /* set in this order, up to a NULL name */
    const char  *data;          /* NULL: absent */
    size_t       len;
    const char  *want;
} to_json_case_t;


typedef struct {
    const char  *json;
    const char  *err;           /* NULL: not checked */
    int          check_attr;    /* FE_ANY, FE_NAME */
    const char  *attr;
    int          check_owned;   /* 1: nothing is owned after the error */
} from_error_case_t;


static int from(const char *s, ngx_eda_ce_parsed_t *p, const char **err,
    ngx_eda_ce_str_t *attr);
static int encodes_to(const ngx_eda_ce_event_t *ev, const char *want);
static void roundtrip(const ngx_eda_ce_event_t *ev, size_t extra);
static size_t many_attrs(char *buf, size_t size, int n);
static void test_from_json_limits(void);


static const to_json_case_t  to_json_cases[] = {

    { "the required four first whatever the event order, data last", 1,
      { { "ext", "x" }, { "type", "t" },
        { "datacontenttype", "application/json" }, { "source", "/s" },
        { "id", "1" }, { "specversion", "1.0" } },
      TJ_DATA("{ \"a\" : [1, 2.5, \"x\"] }"),
      TJ_HEAD ",\"ext\":\"x\",\"datacontenttype\":\"application/json\","
      "\"data\":{\"a\":[1,2.5,\"x\"]}}" },

    { "absent data, absent type", 0, { { NULL, NULL } }, TJ_NONE,
      TJ_HEAD "}" },

    { "absent type: JSON if it parses", 0, { { NULL, NULL } },
      TJ_DATA("42"),
      TJ_HEAD ",\"data\":42}" },

    { "absent type: a string if not", 0, { { NULL, NULL } },
      TJ_DATA("hello \"you\""),
      TJ_HEAD ",\"data\":\"hello \\\"you\\\"\"}" },

    { "absent type, not UTF-8", 0, { { NULL, NULL } },
      TJ_DATA("\xff\x00"),
      TJ_HEAD ",\"data_base64\":\"/wA=\"}" },

    { "present but empty", 0, { { NULL, NULL } }, TJ_DATA(""),
      TJ_HEAD ",\"data\":\"\"}" },

    { "text", 0, { { "datacontenttype", "text/plain" } },
      TJ_DATA("caf\xc3\xa9\n"),
      TJ_HEAD ",\"datacontenttype\":\"text/plain\","
      "\"data\":\"caf\xc3\xa9\\n\"}" },

    { "text that is valid JSON stays text", 0,
      { { "datacontenttype", "text/plain" } }, TJ_DATA("{}"),
      TJ_HEAD ",\"datacontenttype\":\"text/plain\",\"data\":\"{}\"}" },

    { "text that is not UTF-8", 0, { { "datacontenttype", "text/plain" } },
      TJ_DATA("a\xff"),
      TJ_HEAD ",\"datacontenttype\":\"text/plain\","
      "\"data_base64\":\"Yf8=\"}" },

    { "a charset makes text", 0,
      { { "datacontenttype", "application/xml; charset=utf-8" } },
      TJ_DATA("<a/>"),
      TJ_HEAD ",\"datacontenttype\":\"application/xml; charset=utf-8\","
      "\"data\":\"<a/>\"}" },

    { "binary", 0, { { "datacontenttype", "application/octet-stream" } },
      TJ_DATA("\x00\x01\xff"),
      TJ_HEAD ",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"AAH/\"}" },

    { "binary, two padding characters", 0,
      { { "datacontenttype", "application/octet-stream" } }, TJ_DATA("a"),
      TJ_HEAD ",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"YQ==\"}" },

    { "binary, one padding character", 0,
      { { "datacontenttype", "application/octet-stream" } }, TJ_DATA("ab"),
      TJ_HEAD ",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"YWI=\"}" },

    { "binary, no padding", 0,
      { { "datacontenttype", "application/octet-stream" } },
      TJ_DATA("abcd>?"),
      TJ_HEAD ",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"YWJjZD4/\"}" },

    { "binary, empty", 0,
      { { "datacontenttype", "application/octet-stream" } }, TJ_DATA(""),
      TJ_HEAD ",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"\"}" },

    { "a JSON type with bytes that are not JSON", 0,
      { { "datacontenttype", "application/json" } }, TJ_DATA("{oops"),
      TJ_HEAD ",\"datacontenttype\":\"application/json\","
      "\"data\":\"{oops\"}" },

    { "a JSON type with bytes that are neither JSON nor UTF-8", 0,
      { { "datacontenttype", "application/json" } }, TJ_DATA("\"\xff\""),
      TJ_HEAD ",\"datacontenttype\":\"application/json\","
      "\"data_base64\":\"Iv8i\"}" },

    { "duplicate keys are not JSON we would embed", 0,
      { { "datacontenttype", "application/json" } },
      TJ_DATA("{\"a\":1,\"a\":2}"),
      TJ_HEAD ",\"datacontenttype\":\"application/json\","
      "\"data\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}" }
};


static const from_error_case_t  from_error_cases[] = {

    { "[]", "event must be a JSON object", FE_NAME, NULL, 1 },
    { "\"x\"", "event must be a JSON object", FE_ANY, NULL, 0 },
    { "", "invalid JSON", FE_ANY, NULL, 0 },
    { FE_HEAD "\"id\":\"1\"", "invalid JSON", FE_ANY, NULL, 0 },
    { FE_HEAD "\"id\":\"1\"} x", "invalid JSON", FE_ANY, NULL, 0 },
    { FE_HEAD "\"id\":\"\xff\"}", "invalid UTF-8", FE_ANY, NULL, 0 },
    { FE_HEAD "\"id\":\"1\",\"id\":\"2\"}", "duplicate attribute", FE_ANY,
      NULL, 0 },
    { FE_HEAD "\"id\":{}}", "attribute must be a string", FE_NAME, "id", 0 },
    { FE_HEAD "\"id\":1}", "attribute must be a string", FE_NAME, "id", 0 },
    { FE_HEAD "\"id\":\"1\",\"time\":true}", NULL, FE_NAME, "time", 0 },
    { FE_HEAD "\"id\":\"1\",\"ext\":[\"a\"]}",
      "extension must be a string, number or boolean", FE_NAME, NULL, 0 },
    { FE_HEAD "\"id\":\"1\",\"tracestate\":{}}", NULL, FE_NAME,
      "tracestate", 0 },
    { "{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"/s\","
      "\"type\":\"t\"}", "specversion must be \"1.0\"", FE_NAME,
      "specversion", 0 },
    { "{\"specversion\":1.0,\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}",
      "attribute must be a string", FE_ANY, NULL, 0 },
    { FE_HEAD "\"data\":1}", "missing required attribute", FE_NAME, "id",
      1 },
    { FE_HEAD "\"id\":null}", "missing required attribute", FE_NAME, "id",
      0 },
    { FE_HEAD "\"id\":\"\"}", "attribute must not be empty", FE_NAME, "id",
      0 },
    { FE_HEAD "\"id\":\"a\\u0000b\"}",
      "attribute value contains a control character", FE_ANY, NULL, 0 },
    { FE_HEAD "\"id\":\"1\",\"Bad\":\"x\"}", "invalid attribute name",
      FE_NAME, NULL, 0 },

    /* jansson itself refuses NUL in member names */
    { FE_HEAD "\"id\":\"1\",\"a\\u0000\":\"x\"}", "invalid JSON", FE_ANY,
      NULL, 0 },

    { FE_HEAD "\"id\":\"1\",\"data\":\"x\",\"data_base64\":\"eA==\"}",
      "data and data_base64 are exclusive", FE_NAME, "data_base64", 0 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":\"abc\"}",
      "invalid base64 in data_base64", FE_NAME, "data_base64", 1 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":\"ab=c\"}",
      "invalid base64 in data_base64", FE_ANY, NULL, 0 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":\"a===\"}", NULL, FE_ANY, NULL,
      0 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":\"YQ==YQ==\"}", NULL, FE_ANY,
      NULL, 0 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":\"YW-_\"}", NULL, FE_ANY, NULL,
      0 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":\"YWJj\\n\"}", NULL, FE_ANY,
      NULL, 0 },
    { FE_HEAD "\"id\":\"1\",\"data_base64\":1}",
      "data_base64 must be a string", FE_ANY, NULL, 0 }
};


static int
from(const char *s, ngx_eda_ce_parsed_t *p, const char **err,
    ngx_eda_ce_str_t *attr)
{
    return ngx_eda_ce_from_json(s, strlen(s), p, err, attr);
}


static int
encodes_to(const ngx_eda_ce_event_t *ev, const char *want)
{
    int     ok;
    char   *json;
    size_t  len;

    json = ngx_eda_ce_to_json(ev, &len);
    if (json == NULL) {
        printf("to_json failed, want %s\n", want);
        return 0;
    }

    ok = len == strlen(want) && memcmp(json, want, len) == 0;

    if (!ok) {
        printf("to_json: got %.*s\n          want %s\n", (int) len, json,
               want);
    }

    free(json);

    return ok;
}


static void
test_to_json(void)
{
    int                 ok;
    size_t              i, k;
    ngx_eda_ce_event_t  ev;

    for (i = 0; i < sizeof(to_json_cases) / sizeof(to_json_cases[0]); i++) {

        if (to_json_cases[i].bare) {
            memset(&ev, 0, sizeof(ngx_eda_ce_event_t));

        } else {
            base_event(&ev);
        }

        for (k = 0; k < 6 && to_json_cases[i].attrs[k][0] != NULL; k++) {
            set(&ev, to_json_cases[i].attrs[k][0],
                to_json_cases[i].attrs[k][1]);
        }

        ev.data.data = to_json_cases[i].data;
        ev.data.len = to_json_cases[i].len;

        ok = encodes_to(&ev, to_json_cases[i].want);
        EDA_CHECK(ok);

        if (!ok) {
            printf("  in case \"%s\"\n", to_json_cases[i].what);
        }
    }
}


static void
roundtrip(const ngx_eda_ce_event_t *ev, size_t extra)
{
    char                    *json;
    size_t                   i, len;
    const char              *err;
    ngx_eda_ce_str_t         attr;
    ngx_eda_ce_parsed_t      p;
    const ngx_eda_ce_str_t  *v;

    json = ngx_eda_ce_to_json(ev, &len);
    EDA_CHECK(json != NULL);
    if (json == NULL) {
        return;
    }

    EDA_CHECK(ngx_eda_ce_from_json(json, len, &p, &err, &attr) == 0);
    free(json);

    if (p.owned == NULL) {
        return;
    }

    EDA_CHECK(p.event.nattrs == ev->nattrs + extra);

    for (i = 0; i < ev->nattrs; i++) {
        v = ngx_eda_ce_get(&p.event, ev->attrs[i].name.data,
                           ev->attrs[i].name.len);
        EDA_CHECK(v != NULL && v->len == ev->attrs[i].value.len
                  && memcmp(v->data, ev->attrs[i].value.data, v->len) == 0);
    }

    if (ev->data.data == NULL) {
        EDA_CHECK(p.event.data.data == NULL);

    } else {
        EDA_CHECK(p.event.data.data != NULL);
        EDA_CHECK(p.event.data.len == ev->data.len
                  && memcmp(p.event.data.data, ev->data.data,
                            ev->data.len) == 0);
    }

    ngx_eda_ce_parsed_free(&p);
    EDA_CHECK(p.owned == NULL);
}


static void
test_roundtrip(void)
{
    ngx_eda_ce_event_t  ev;

    base_event(&ev);
    set(&ev, "time", "2026-11-24T13:15:00.123Z");
    set(&ev, "subject", "sub \"quoted\" \xc3\xa9");
    set(&ev, "traceparent", TP_VALID);
    roundtrip(&ev, 0);

    set(&ev, "datacontenttype", "application/json");
    ev.data.data = "{\"a\":[1,2.5,\"x\",null,true],\"b\":{}}";
    ev.data.len = strlen(ev.data.data);
    roundtrip(&ev, 0);

    /* a JSON string value keeps its quotes */
    ev.data.data = "\"str\"";
    ev.data.len = 5;
    roundtrip(&ev, 0);

    set(&ev, "datacontenttype", "text/plain; charset=utf-8");
    ev.data.data = "line 1\nline 2 \"\xe2\x82\xac\"";
    ev.data.len = strlen(ev.data.data);
    roundtrip(&ev, 0);

    ev.data.data = "nul \0 inside";
    ev.data.len = 12;
    roundtrip(&ev, 0);

    set(&ev, "datacontenttype", "application/octet-stream");
    ev.data.data = "\x00\x01\x02\xfe\xff";
    ev.data.len = 5;
    roundtrip(&ev, 0);

    ev.data.data = "";
    ev.data.len = 0;
    roundtrip(&ev, 0);

    /* JSON data without a type gets the implied one on the way back */
    base_event(&ev);
    ev.data.data = "[1,2]";
    ev.data.len = 5;
    roundtrip(&ev, 1);

    ev.data.data = "plain";
    ev.data.len = 5;
    roundtrip(&ev, 0);
}


static void
test_from_json(void)
{
    const char              *err;
    ngx_eda_ce_str_t         attr;
    ngx_eda_ce_parsed_t      p;
    const ngx_eda_ce_str_t  *v;

    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"subject\":null,\"data\":{\"k\":[1]},"
                   "\"ext\":\"v\"}", &p, &err, &attr) == 0);
    EDA_CHECK(p.event.nattrs == 6);
    EDA_CHECK(ngx_eda_ce_get(&p.event, "subject", 7) == NULL);
    v = ngx_eda_ce_get(&p.event, "datacontenttype", 15);
    EDA_CHECK(v != NULL);
    if (v != NULL) {
        EDA_CHECK_STR(v->data, v->len, "application/json");
    }
    v = ngx_eda_ce_get(&p.event, "ext", 3);
    EDA_CHECK(v != NULL);
    if (v != NULL) {
        EDA_CHECK_STR(v->data, v->len, "v");
    }
    EDA_CHECK_STR(p.event.data.data, p.event.data.len, "{\"k\":[1]}");
    ngx_eda_ce_parsed_free(&p);

    /* a string without a type is text; with a JSON type it is JSON */
    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"data\":\"hi\\n\"}", &p, &err, &attr)
              == 0);
    EDA_CHECK(p.event.nattrs == 4);
    EDA_CHECK_STR(p.event.data.data, p.event.data.len, "hi\n");
    ngx_eda_ce_parsed_free(&p);

    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"datacontenttype\":\"text/json\","
                   "\"data\":\"hi\"}", &p, &err, &attr) == 0);
    EDA_CHECK_STR(p.event.data.data, p.event.data.len, "\"hi\"");
    ngx_eda_ce_parsed_free(&p);

    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"data\":7}", &p, &err, &attr) == 0);
    EDA_CHECK_STR(p.event.data.data, p.event.data.len, "7");
    ngx_eda_ce_parsed_free(&p);

    /* null data is absent data */
    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"data\":null,\"data_base64\":null}",
                   &p, &err, &attr) == 0);
    EDA_CHECK(p.event.data.data == NULL && p.event.nattrs == 4);
    ngx_eda_ce_parsed_free(&p);

    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"data_base64\":\"AAH/YQ==\"}",
                   &p, &err, &attr) == 0);
    EDA_CHECK(p.event.data.len == 4
              && memcmp(p.event.data.data, "\x00\x01\xff" "a", 4) == 0);
    EDA_CHECK(p.event.nattrs == 4);
    ngx_eda_ce_parsed_free(&p);

    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"data_base64\":\"\"}", &p, &err, &attr)
              == 0);
    EDA_CHECK(p.event.data.data != NULL && p.event.data.len == 0);
    ngx_eda_ce_parsed_free(&p);

    /* extension numbers and booleans become strings */
    EDA_CHECK(from("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                   "\"type\":\"t\",\"num\":42,\"neg\":-7,\"real\":1.5,"
                   "\"yes\":true,\"no\":false}", &p, &err, &attr) == 0);
    EDA_CHECK(p.event.nattrs == 9);
    v = ngx_eda_ce_get(&p.event, "num", 3);
    EDA_CHECK(v != NULL && v->len == 2 && memcmp(v->data, "42", 2) == 0);
    v = ngx_eda_ce_get(&p.event, "neg", 3);
    EDA_CHECK(v != NULL && v->len == 2 && memcmp(v->data, "-7", 2) == 0);
    v = ngx_eda_ce_get(&p.event, "real", 4);
    EDA_CHECK(v != NULL && v->len == 3 && memcmp(v->data, "1.5", 3) == 0);
    v = ngx_eda_ce_get(&p.event, "yes", 3);
    EDA_CHECK(v != NULL && v->len == 4 && memcmp(v->data, "true", 4) == 0);
    v = ngx_eda_ce_get(&p.event, "no", 2);
    EDA_CHECK(v != NULL && v->len == 5 && memcmp(v->data, "false", 5) == 0);
    ngx_eda_ce_parsed_free(&p);

    /* freeing twice, or a zeroed result, is harmless */
    ngx_eda_ce_parsed_free(&p);
}


/* FE_HEAD, id and N extensions, without the closing brace; its length */

static size_t
many_attrs(char *buf, size_t size, int n)
{
    int     i;
    size_t  len;

    len = (size_t) snprintf(buf, size, FE_HEAD "\"id\":\"1\"");

    for (i = 0; i < n; i++) {
        len += (size_t) snprintf(buf + len, size - len, ",\"e%d\":\"v\"", i);
    }

    return len;
}


static void
test_from_json_limits(void)
{
    char                *big, many[2048];
    size_t               n;
    const char          *err;
    ngx_eda_ce_str_t     attr;
    ngx_eda_ce_parsed_t  p;

    /* 4 required + 61 extensions: one too many */
    n = many_attrs(many, sizeof(many), NGX_EDA_CE_MAX_ATTRS - 3);
    snprintf(many + n, sizeof(many) - n, "}");
    EDA_CHECK(from(many, &p, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "too many attributes") == 0);

    /* 64 fit */
    n = many_attrs(many, sizeof(many), NGX_EDA_CE_MAX_ATTRS - 4);
    snprintf(many + n, sizeof(many) - n, "}");
    EDA_CHECK(from(many, &p, &err, &attr) == 0);
    ngx_eda_ce_parsed_free(&p);

    /* ... but not with the implied datacontenttype on top */
    snprintf(many + n, sizeof(many) - n, ",\"data\":{}}");
    EDA_CHECK(from(many, &p, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "too many attributes") == 0);
    EDA_CHECK(p.owned == NULL);

    n = 16 * 1024 * 1024 + 1;
    big = malloc(n);
    EDA_CHECK(big != NULL);
    if (big != NULL) {
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        EDA_CHECK(ngx_eda_ce_from_json(big, n, &p, &err, &attr) == -1);
        EDA_CHECK(strcmp(err, "event too large") == 0);
        EDA_CHECK(ngx_eda_ce_from_json(big + 1, n - 1, &p, &err, &attr)
                  == -1);
        EDA_CHECK(strcmp(err, "invalid JSON") == 0);
        free(big);
    }
}


static void
test_from_json_errors(void)
{
    int                  failed;
    size_t               i;
    const char          *err;
    ngx_eda_ce_str_t     attr;
    ngx_eda_ce_parsed_t  p;

    for (i = 0; i < sizeof(from_error_cases) / sizeof(from_error_cases[0]);
         i++)
    {
        failed = eda_unit_failed;

        EDA_CHECK(from(from_error_cases[i].json, &p, &err, &attr) == -1);

        if (from_error_cases[i].err != NULL) {
            EDA_CHECK(strcmp(err, from_error_cases[i].err) == 0);
        }

        if (from_error_cases[i].check_attr == FE_NAME) {
            EDA_CHECK(attr_is(&attr, from_error_cases[i].attr));
        }

        if (from_error_cases[i].check_owned) {
            EDA_CHECK(p.owned == NULL);
        }

        if (eda_unit_failed != failed) {
            printf("  in case %s\n", from_error_cases[i].json);
        }
    }

    test_from_json_limits();
}


int
main(void)
{
    test_to_json();
    test_roundtrip();
    test_from_json();
    test_from_json_errors();

    EDA_UNIT_DONE();
}
