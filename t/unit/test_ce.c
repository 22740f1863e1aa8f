
/*
 * Copyright (C) ngx_eda authors
 *
 * sources: core/ngx_eda_ce.c core/ngx_eda_ce_json.c core/ngx_eda_base64.c
 * sources: core/ngx_eda_utf8.c
 * libs: -ljansson
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "ngx_eda_ce.h"


#define TP_VALID "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


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
    const char  *s;
    int          valid;
} valid_case_t;


typedef struct {
    const char  *name;
    const char  *value;
    int          rc;            /* what ngx_eda_ce_check_value() returns */
    const char  *err;           /* NULL: not checked */
} check_case_t;


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


static void set(ngx_eda_ce_event_t *ev, const char *name, const char *value);
static void base_event(ngx_eda_ce_event_t *ev);
static int check(const char *name, const char *value, const char **err);
static int check_n(const char *name, const char *value, size_t len);
static int from(const char *s, ngx_eda_ce_parsed_t *p, const char **err,
    ngx_eda_ce_str_t *attr);
static int attr_is(ngx_eda_ce_str_t *attr, const char *want);
static int encodes_to(const ngx_eda_ce_event_t *ev, const char *want);
static int valid_time(const char *s);
static int valid_tp(const char *s);
static long pct(const char *in, char *out);
static void roundtrip(const ngx_eda_ce_event_t *ev, size_t extra);
static size_t many_attrs(char *buf, size_t size, int n);
static void test_from_json_limits(void);


/* RFC 3339 date-times, valid or not */
static const valid_case_t  times[] = {
    { "2026-11-24T13:15:00Z", 1 },
    { "2026-11-24t13:15:00z", 1 },
    { "2026-11-24T13:15:00.1Z", 1 },
    { "2026-11-24T13:15:00.123456789Z", 1 },
    { "2026-11-24T13:15:00+05:30", 1 },
    { "2026-11-24T13:15:00.5-08:00", 1 },
    { "2024-02-29T00:00:00Z", 1 },
    { "2000-02-29T00:00:00Z", 1 },
    { "2026-12-31T23:59:60Z", 1 },
    { "", 0 },
    { "2026-11-24T13:15:00", 0 },
    { "2026-11-24", 0 },
    { "2026-13-24T13:15:00Z", 0 },
    { "2026-00-24T13:15:00Z", 0 },
    { "2026-11-00T13:15:00Z", 0 },
    { "2026-11-31T13:15:00Z", 0 },
    { "2023-02-29T00:00:00Z", 0 },
    { "1900-02-29T00:00:00Z", 0 },
    { "2026-11-24T24:00:00Z", 0 },
    { "2026-11-24T13:60:00Z", 0 },
    { "2026-11-24T13:15:61Z", 0 },
    { "2026-11-24 13:15:00Z", 0 },
    { "2026-11-24T13:15:00.Z", 0 },
    { "2026-11-24T13:15:00.123", 0 },
    { "2026-11-24T13:15:00ZZ", 0 },
    { "2026-11-24T13:15:00+0530", 0 },
    { "2026-11-24T13:15:00+24:00", 0 },
    { "2026-11-24T13:15:00+05:60", 0 },
    { "2026-11-24T13:15:00+05:3a", 0 },
    { "2026-11-24T13:15:00+05:30:00", 0 },
    { "26-11-24T13:15:00Z", 0 },
    { "2026/11/24T13:15:00Z", 0 },
    { "2026-1a-24T13:15:00Z", 0 }
};


/* traceparent values, valid or not */
static const valid_case_t  traceparents[] = {
    { TP_VALID, 1 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-00", 1 },
    { "01-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 1 },
    { "cc-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01-what-ever", 1 },
    { "", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-0", 0 },
    { "00-4BF92F3577B34DA6A3CE929D0E0E4736"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00F067AA0BA902B7-01", 0 },
    { "00-00000000000000000000000000000000"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-0000000000000000-01", 0 },
    { "ff-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 0 },
    { "0g-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01-x", 0 },
    { "01-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01x", 0 },
    { "00_4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "_00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7_01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-0z", 0 }
};


static const check_case_t  check_cases[] = {
    { "specversion", "1.0", 0, NULL },
    { "specversion", "0.3", -1, "specversion must be \"1.0\"" },
    { "specversion", "1.0 ", -1, NULL },
    { "specversion", "", -1, NULL },
    { "id", "x", 0, NULL },
    { "id", "", -1, "attribute must not be empty" },
    { "type", "com.example.thing", 0, NULL },
    { "type", "", -1, NULL },
    { "subject", "a b", 0, NULL },
    { "subject", "", -1, NULL },
    { "source", "https://example.com/a?b=c&d=%20#f", 0, NULL },
    { "source", "/relative/path", 0, NULL },
    { "source", "urn:uuid:6e8bc430-9c3a-11d9-9669", 0, NULL },
    { "source", "[::1]:80!$'()*+,;=~_@", 0, NULL },
    { "source", "", -1, "attribute must not be empty" },
    { "source", "a b", -1, "source must be a URI-reference" },
    { "source", "a\"b", -1, NULL },
    { "source", "a<b>", -1, NULL },
    { "source", "caf\xc3\xa9", -1, NULL },
    { "dataschema", "https://example.com/s.json", 0, NULL },
    { "dataschema", "urn:x", 0, NULL },
    { "dataschema", "a+b-c.d:", 0, NULL },
    { "dataschema", "/relative", -1, "dataschema must be an absolute URI" },
    { "dataschema", "", -1, NULL },
    { "dataschema", "http", -1, NULL },
    { "dataschema", "1http://x", -1, NULL },
    { "dataschema", "ht_tp://x", -1, NULL },
    { "dataschema", "http://a b", -1, NULL },
    { "time", "2026-11-24T13:15:00.123Z", 0, NULL },
    { "time", "2026-11-24 13:15:00Z", -1,
      "time must be an RFC 3339 timestamp" },
    { "datacontenttype", "application/json", 0, NULL },
    { "datacontenttype", "application/cloudevents+json", 0, NULL },
    { "datacontenttype", "text/plain; charset=utf-8", 0, NULL },
    { "datacontenttype", "text/plain;charset=\"a b\"", 0, NULL },
    { "datacontenttype", "text/plain ;q=1", 0, NULL },
    { "datacontenttype", "text/plain;", 0, NULL },
    { "datacontenttype", "json", -1, "datacontenttype must be a media type" },
    { "datacontenttype", "", -1, NULL },
    { "datacontenttype", "/json", -1, NULL },
    { "datacontenttype", "text/", -1, NULL },
    { "datacontenttype", "text/plain extra", -1, NULL },
    { "datacontenttype", "text /plain", -1, NULL },
    { "datacontenttype", "text/pl@in", -1, NULL },
    { "datacontenttype", "text/plain; a=\xc3\xa9", -1, NULL },

    /* extensions: anything clean goes */
    { "partitionkey", "a b \"c\"", 0, NULL }
};


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


static void
set(ngx_eda_ce_event_t *ev, const char *name, const char *value)
{
    EDA_CHECK(ngx_eda_ce_set(ev, name, strlen(name), value, strlen(value))
              == 0);
}


static void
base_event(ngx_eda_ce_event_t *ev)
{
    memset(ev, 0, sizeof(ngx_eda_ce_event_t));

    set(ev, "specversion", "1.0");
    set(ev, "id", "1");
    set(ev, "source", "/s");
    set(ev, "type", "t");
}


static int
check(const char *name, const char *value, const char **err)
{
    return ngx_eda_ce_check_value(name, strlen(name), value, strlen(value),
                                  err);
}


static int
check_n(const char *name, const char *value, size_t len)
{
    const char  *err;

    return ngx_eda_ce_check_value(name, strlen(name), value, len, &err);
}


static int
from(const char *s, ngx_eda_ce_parsed_t *p, const char **err,
    ngx_eda_ce_str_t *attr)
{
    return ngx_eda_ce_from_json(s, strlen(s), p, err, attr);
}


static int
attr_is(ngx_eda_ce_str_t *attr, const char *want)
{
    if (want == NULL) {
        return attr->data == NULL && attr->len == 0;
    }

    return attr->data != NULL && attr->len == strlen(want)
           && memcmp(attr->data, want, attr->len) == 0;
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


static int
valid_time(const char *s)
{
    return ngx_eda_ce_valid_time(s, strlen(s));
}


static int
valid_tp(const char *s)
{
    return ngx_eda_ce_valid_traceparent(s, strlen(s));
}


static long
pct(const char *in, char *out)
{
    return ngx_eda_ce_pct_decode(in, strlen(in), out);
}


static void
test_names(void)
{
    EDA_CHECK(ngx_eda_ce_valid_name("id", 2));
    EDA_CHECK(ngx_eda_ce_valid_name("abc123", 6));
    EDA_CHECK(ngx_eda_ce_valid_name("a2345678901234567890", 20));
    EDA_CHECK(!ngx_eda_ce_valid_name("a23456789012345678901", 21));
    EDA_CHECK(!ngx_eda_ce_valid_name("", 0));
    EDA_CHECK(!ngx_eda_ce_valid_name(NULL, 0));
    EDA_CHECK(!ngx_eda_ce_valid_name("Abc", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("aBc", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("a-b", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("a_b", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("a b", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("ab\0", 3));
}


static void
test_check_common(void)
{
    char         big[NGX_EDA_CE_MAX_VALUE + 1];
    const char  *err;

    memset(big, 'x', sizeof(big));

    EDA_CHECK(check_n("ext", big, NGX_EDA_CE_MAX_VALUE) == 0);
    EDA_CHECK(ngx_eda_ce_check_value("ext", 3, big, sizeof(big), &err)
              == -1);
    EDA_CHECK(strcmp(err, "attribute value too long") == 0);

    EDA_CHECK(check("ext", "", &err) == 0);
    EDA_CHECK(check("ext", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                    &err) == 0);

    EDA_CHECK(check("ext", "a\nb", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value contains a control character")
              == 0);
    EDA_CHECK(check("ext", "a\tb", &err) == -1);
    EDA_CHECK(check("ext", "a\x7f", &err) == -1);
    EDA_CHECK(check_n("ext", "a\0b", 3) == -1);

    EDA_CHECK(check("ext", "\xff", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value is not valid UTF-8") == 0);
    EDA_CHECK(check("ext", "\xc0\xaf", &err) == -1);          /* overlong */
    EDA_CHECK(check("ext", "\xe0\x80\xaf", &err) == -1);      /* overlong */
    EDA_CHECK(check("ext", "\xed\xa0\x80", &err) == -1);      /* surrogate */
    EDA_CHECK(check("ext", "\xf4\x90\x80\x80", &err) == -1);  /* > 10FFFF */
    EDA_CHECK(check("ext", "\xc3", &err) == -1);              /* truncated */
    EDA_CHECK(check("ext", "\xe2\x82", &err) == -1);
    EDA_CHECK(check("ext", "\x80", &err) == -1);
    EDA_CHECK(check("ext", "\xc3\x28", &err) == -1);
}


static void
test_check_rules(void)
{
    int          failed;
    size_t       i;
    const char  *err;

    for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        failed = eda_unit_failed;
        err = NULL;

        EDA_CHECK(check(check_cases[i].name, check_cases[i].value, &err)
                  == check_cases[i].rc);

        if (check_cases[i].err != NULL) {
            EDA_CHECK(err != NULL && strcmp(err, check_cases[i].err) == 0);
        }

        if (eda_unit_failed != failed) {
            printf("  in case %s \"%s\"\n", check_cases[i].name,
                   check_cases[i].value);
        }
    }
}


static void
test_validate(void)
{
    size_t              i;
    const char         *err;
    ngx_eda_ce_str_t    attr;
    ngx_eda_ce_event_t  ev;
    static char         names[NGX_EDA_CE_MAX_ATTRS][8];

    base_event(&ev);
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == 0);

    set(&ev, "time", "2026-11-24T13:15:00Z");
    set(&ev, "ext", "");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == 0);

    /* each required attribute in turn */
    for (i = 0; i < 4; i++) {
        base_event(&ev);
        ev.attrs[i] = ev.attrs[3];
        ev.nattrs = 3;

        EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
        EDA_CHECK(strcmp(err, "missing required attribute") == 0);
    }

    base_event(&ev);
    ev.nattrs = 3;
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, "type"));

    base_event(&ev);
    ev.attrs[0] = ev.attrs[3];
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "duplicate attribute") == 0);
    EDA_CHECK(attr_is(&attr, "type"));

    base_event(&ev);
    set(&ev, "Ext", "x");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "invalid attribute name") == 0);
    EDA_CHECK(attr_is(&attr, "Ext"));

    base_event(&ev);
    set(&ev, "specversion", "0.3");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "specversion must be \"1.0\"") == 0);
    EDA_CHECK(attr_is(&attr, "specversion"));

    base_event(&ev);
    set(&ev, "source", "a b");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, "source"));

    base_event(&ev);
    set(&ev, "ext", "\x01");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, "ext"));

    base_event(&ev);
    ev.nattrs = NGX_EDA_CE_MAX_ATTRS + 1;
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, NULL));

    /* a full event is still valid */
    base_event(&ev);
    for (i = 4; i < NGX_EDA_CE_MAX_ATTRS; i++) {
        snprintf(names[i], sizeof(names[i]), "e%u", (unsigned) i);
        set(&ev, names[i], "v");
    }
    EDA_CHECK(ev.nattrs == NGX_EDA_CE_MAX_ATTRS);
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == 0);
}


static void
test_get_set(void)
{
    ngx_eda_ce_event_t       ev;
    const ngx_eda_ce_str_t  *v;

    memset(&ev, 0, sizeof(ngx_eda_ce_event_t));

    EDA_CHECK(ngx_eda_ce_get(&ev, "id", 2) == NULL);

    set(&ev, "id", "a");
    set(&ev, "type", "t");
    set(&ev, "id", "bb");
    EDA_CHECK(ev.nattrs == 2);

    v = ngx_eda_ce_get(&ev, "id", 2);
    EDA_CHECK(v != NULL);
    if (v != NULL) {
        EDA_CHECK_STR(v->data, v->len, "bb");
    }

    EDA_CHECK(ngx_eda_ce_get(&ev, "i", 1) == NULL);
    EDA_CHECK(ngx_eda_ce_get(&ev, "idx", 3) == NULL);
    EDA_CHECK(ngx_eda_ce_get(&ev, "typ", 3) == NULL);

    /* only the length given counts */
    v = ngx_eda_ce_get(&ev, "typeXYZ", 4);
    EDA_CHECK(v != NULL);

    ev.nattrs = NGX_EDA_CE_MAX_ATTRS;
    EDA_CHECK(ngx_eda_ce_set(&ev, "new", 3, "x", 1) == -1);
    EDA_CHECK(ngx_eda_ce_set(&ev, "id", 2, "c", 1) == 0);
    v = ngx_eda_ce_get(&ev, "id", 2);
    EDA_CHECK(v != NULL && v->len == 1 && v->data[0] == 'c');
}


static void
test_is_json_type(void)
{
    EDA_CHECK(ngx_eda_ce_is_json_type("application/json", 16));
    EDA_CHECK(ngx_eda_ce_is_json_type("Application/JSON", 16));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/json; charset=utf-8",
                                      31));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/json ;x=y", 21));
    EDA_CHECK(ngx_eda_ce_is_json_type("text/json", 9));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/cloudevents+json", 28));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/vnd.a+JSON;v=1", 26));
    EDA_CHECK(!ngx_eda_ce_is_json_type("application/+json", 17));
    EDA_CHECK(!ngx_eda_ce_is_json_type("application/json-seq", 20));
    EDA_CHECK(!ngx_eda_ce_is_json_type("application/jsonx", 17));
    EDA_CHECK(!ngx_eda_ce_is_json_type("text/plain", 10));
    EDA_CHECK(!ngx_eda_ce_is_json_type("json", 4));
    EDA_CHECK(!ngx_eda_ce_is_json_type("text/plain; a=+json", 19));
    EDA_CHECK(!ngx_eda_ce_is_json_type("", 0));
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


static void
test_time(void)
{
    int     ok;
    char    out[NGX_EDA_CE_TIME_LEN];
    size_t  i;

    ngx_eda_ce_format_time(0, 0, out);
    EDA_CHECK_STR(out, sizeof(out), "1970-01-01T00:00:00.000Z");
    EDA_CHECK(ngx_eda_ce_valid_time(out, sizeof(out)));

    ngx_eda_ce_format_time(1795525288, 123, out);
    EDA_CHECK_STR(out, sizeof(out), "2026-11-24T13:01:28.123Z");
    EDA_CHECK(ngx_eda_ce_valid_time(out, sizeof(out)));

    ngx_eda_ce_format_time(951782400, 7, out);
    EDA_CHECK_STR(out, sizeof(out), "2000-02-29T00:00:00.007Z");

    ngx_eda_ce_format_time(4107542399, 999, out);
    EDA_CHECK_STR(out, sizeof(out), "2100-02-28T23:59:59.999Z");

    ngx_eda_ce_format_time(-1, 50, out);
    EDA_CHECK_STR(out, sizeof(out), "1969-12-31T23:59:59.050Z");

    ngx_eda_ce_format_time(0, 1500, out);
    EDA_CHECK_STR(out, sizeof(out), "1970-01-01T00:00:00.999Z");

    ngx_eda_ce_format_time(-62167219200, 0, out);
    EDA_CHECK_STR(out, sizeof(out), "0000-01-01T00:00:00.000Z");

    ngx_eda_ce_format_time(253402300799, 0, out);
    EDA_CHECK_STR(out, sizeof(out), "9999-12-31T23:59:59.000Z");

    if (sizeof(time_t) > 4) {
        ngx_eda_ce_format_time((time_t) 253402300800, 0, out);
        EDA_CHECK_STR(out, sizeof(out), "9999-12-31T23:59:59.999Z");
    }

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        ok = valid_time(times[i].s) != 0;
        EDA_CHECK(ok == times[i].valid);

        if (ok != times[i].valid) {
            printf("  in case \"%s\"\n", times[i].s);
        }
    }
}


static void
test_uuid4(void)
{
    int            i;
    char           out[NGX_EDA_CE_UUID_LEN];
    unsigned char  rnd[16];

    memset(rnd, 0, sizeof(rnd));
    ngx_eda_ce_format_uuid4(rnd, out);
    EDA_CHECK_STR(out, sizeof(out), "00000000-0000-4000-8000-000000000000");

    memset(rnd, 0xff, sizeof(rnd));
    ngx_eda_ce_format_uuid4(rnd, out);
    EDA_CHECK_STR(out, sizeof(out), "ffffffff-ffff-4fff-bfff-ffffffffffff");

    for (i = 0; i < 16; i++) {
        rnd[i] = (unsigned char) (i * 17 + 1);
    }
    ngx_eda_ce_format_uuid4(rnd, out);
    EDA_CHECK_STR(out, sizeof(out), "01122334-4556-4778-899a-abbccddeef00");

    /* version nibble 4, variant bits 10 whatever the random bytes */
    for (i = 0; i < 256; i++) {
        memset(rnd, i, sizeof(rnd));
        ngx_eda_ce_format_uuid4(rnd, out);
        EDA_CHECK(out[14] == '4');
        EDA_CHECK(out[19] == '8' || out[19] == '9' || out[19] == 'a'
                  || out[19] == 'b');
    }
}


static void
test_traceparent(void)
{
    int     ok;
    size_t  i;

    for (i = 0; i < sizeof(traceparents) / sizeof(traceparents[0]); i++) {
        ok = valid_tp(traceparents[i].s) != 0;
        EDA_CHECK(ok == traceparents[i].valid);

        if (ok != traceparents[i].valid) {
            printf("  in case \"%s\"\n", traceparents[i].s);
        }
    }
}


static void
test_pct_decode(void)
{
    char  out[64], buf[16];
    long  n;

    n = pct("%20", out);
    EDA_CHECK(n == 1 && out[0] == ' ');

    n = pct("a%2Fb%2fc", out);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(out, n, "a/b/c");

    n = pct("caf%C3%A9 %22q%22 100%25", out);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(out, n, "caf\xc3\xa9 \"q\" 100%");

    n = pct("plain", out);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(out, n, "plain");

    EDA_CHECK(pct("", out) == 0);

    EDA_CHECK(pct("%2", out) == -1);
    EDA_CHECK(pct("%", out) == -1);
    EDA_CHECK(pct("ab%", out) == -1);
    EDA_CHECK(pct("%zz", out) == -1);
    EDA_CHECK(pct("%2z", out) == -1);
    EDA_CHECK(pct("%ff", out) == -1);
    EDA_CHECK(pct("%C3", out) == -1);
    EDA_CHECK(pct("%C0%AF", out) == -1);
    EDA_CHECK(pct("\xff", out) == -1);

    /* in place */
    memcpy(buf, "x%41%42y", 8);
    n = ngx_eda_ce_pct_decode(buf, 8, buf);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(buf, n, "xABy");
}


int
main(void)
{
    test_names();
    test_check_common();
    test_check_rules();
    test_validate();
    test_get_set();
    test_is_json_type();
    test_to_json();
    test_roundtrip();
    test_from_json();
    test_from_json_errors();
    test_time();
    test_uuid4();
    test_traceparent();
    test_pct_decode();

    EDA_UNIT_DONE();
}
