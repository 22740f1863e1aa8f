
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "ngx_eda_ce.h"
#include "eda_ce_kafka_round.h"


#define MAX_HEADERS  8
#define MAX_ATTRS    8

#define CT           "content-type"
#define STRUCT_CT    "application/cloudevents+json; charset=UTF-8"
#define EVENT        "{\"specversion\":\"1.0\",\"id\":\"e1\"," \
                     "\"source\":\"/s\",\"type\":\"t\",\"data\":{\"a\":1}}"

/* an event with its required attributes, and the headers of it */
#define REQ_ATTRS    { "specversion", "1.0" }, { "id", "1" }, \
                     { "source", "/s" }, { "type", "t" }
#define REQ_HEADERS  { "ce_specversion", "1.0" }, { "ce_id", "1" }, \
                     { "ce_source", "/s" }, { "ce_type", "t" }
#define REQ_JSON     "{\"specversion\":\"1.0\",\"id\":\"1\"," \
                     "\"source\":\"/s\",\"type\":\"t\""

/* the attributes of a plain record of orders/3/42 after any content type */
#define PLAIN_ATTRS  { "id", "orders-3-42" }, { "source", "/kafka/orders" }, \
                     { "specversion", "1.0" }, { "type", "eda.kafka.record" }


typedef struct {
    const char  *name;
    const char  *value;             /* NULL: a header without a value */
} pair_t;


typedef struct {
    const char  *what;
    pair_t       headers[MAX_HEADERS];    /* up to a NULL name */
    const char  *value;             /* NULL: a record without a value */
    int          mode;              /* the result: a mode, or -1 */
    const char  *err;               /* after -1 */
    const char  *attr;              /* after -1: the name reported */
    pair_t       attrs[MAX_ATTRS];  /* the event's, in order */
    const char  *data;              /* NULL: absent */
    int          owned;             /* 1 if the event owns memory */
} record_case_t;


/* an event and the record ngx_eda_ce_to_kafka() makes of it */
typedef struct {
    const char  *what;
    pair_t       attrs[MAX_ATTRS];  /* the event's, up to a NULL name */
    const char  *data;              /* NULL: absent */
    int          mode;
    int          keyed;
    int          rc;
    pair_t       headers[MAX_HEADERS];    /* the record's, in order */
    const char  *value;             /* NULL: a record without a value */
    const char  *key;               /* NULL: no key */
} encode_case_t;


/* an event encoded, then decoded */
typedef struct {
    const char  *what;
    pair_t       attrs[MAX_ATTRS];
    const char  *data;
    int          mode;              /* encoded in this mode */
    int          decoded;           /* the mode it is read in, or -1 */
    pair_t       want[MAX_ATTRS];   /* none: the same attributes */
    const char  *want_data;         /* with want: the data read */
} round_case_t;


static void record(const pair_t *headers, const char *value,
    ngx_eda_ce_kafka_header_t *h, ngx_eda_ce_kafka_record_t *rec);
static void check_case(const record_case_t *c);
static void check_attrs(const record_case_t *c, const ngx_eda_ce_event_t *ev);
static void event(const pair_t *attrs, const char *data,
    ngx_eda_ce_event_t *ev);
static void check_opt(const ngx_eda_ce_str_t *str, const char *want);
static void check_encode(const encode_case_t *c);
static void check_round(const round_case_t *c);


static const record_case_t  cases[] = {

    /* plain: the gateway describes the record */

    { "no headers", { { NULL, NULL } }, "hello",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "hello", 1 },

    { "no value", { { NULL, NULL } }, NULL,
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, NULL, 1 },

    { "empty value", { { NULL, NULL } }, "",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "", 1 },

    { "content type", { { CT, "text/plain" } }, "hi",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL,
      { { "datacontenttype", "text/plain" }, PLAIN_ATTRS }, "hi", 1 },

    { "content type name in any case", { { "Content-TYPE", "a/b" } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL,
      { { "datacontenttype", "a/b" }, PLAIN_ATTRS }, "x", 1 },

    { "empty content type", { { CT, "" } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL,
      { { "datacontenttype", "" }, PLAIN_ATTRS }, "x", 1 },

    { "content type without a value", { { CT, NULL } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "x", 1 },

    { "the last content type counts", { { CT, "a/b" }, { CT, "c/d" } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL,
      { { "datacontenttype", "c/d" }, PLAIN_ATTRS }, "x", 1 },

    { "a last content type without a value clears it",
      { { CT, "a/b" }, { CT, NULL } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "x", 1 },

    { "not quite content-type", { { "content-types", "a/b" },
                                  { "content-typ", "a/b" } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "x", 1 },

    { "ce_ headers without ce_specversion", { { "ce_id", "1" } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "x", 1 },

    { "ce_specversion in another case", { { "CE_specversion", "1.0" },
                                          { "ce_SPECVERSION", "1.0" } },
      "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL, { PLAIN_ATTRS }, "x", 1 },

    /* binary: ce_ headers as they are, not decoded or validated */

    { "binary", { { "ce_specversion", "1.0" }, { "ce_id", "b1" },
                  { "ce_source", "/src" }, { "ce_type", "t.x" },
                  { CT, "application/json" }, { "ce_ext", "v" },
                  { "other", "o" } }, "{\"k\":1}",
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL,
      { { "datacontenttype", "application/json" }, { "specversion", "1.0" },
        { "id", "b1" }, { "source", "/src" }, { "type", "t.x" },
        { "ext", "v" } }, "{\"k\":1}", 0 },

    { "binary without a value", { { "ce_specversion", "1.0" } }, NULL,
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL,
      { { "specversion", "1.0" } }, NULL, 0 },

    { "binary: headers without a value skipped",
      { { "ce_specversion", NULL }, { "ce_id", NULL }, { "ce_x", "" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL, { { "x", "" } }, "d", 0 },

    { "binary: ce_data and ce_data_base64 are no attributes",
      { { "ce_specversion", "1.0" }, { "ce_data", "9" },
        { "ce_data_base64", "OQ==" }, { "ce_id", "d1" } }, "v",
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL,
      { { "specversion", "1.0" }, { "id", "d1" } }, "v", 0 },

    { "binary: a later header replaces", { { "ce_specversion", "1.0" },
                                           { "ce_id", "a" },
                                           { "ce_id", "b" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL,
      { { "specversion", "1.0" }, { "id", "b" } }, "d", 0 },

    { "binary: ce_datacontenttype over content-type",
      { { CT, "a/b" }, { "ce_datacontenttype", "c/d" },
        { "ce_specversion", "1.0" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL,
      { { "datacontenttype", "c/d" }, { "specversion", "1.0" } }, "d", 0 },

    { "binary: values not decoded, names not checked",
      { { "ce_specversion", "0.3" }, { "ce_", "empty name" },
        { "ce_Bad-Name", "caf%C3%A9" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, NULL, NULL,
      { { "specversion", "0.3" }, { "", "empty name" },
        { "Bad-Name", "caf%C3%A9" } }, "d", 0 },

    /* structured: the value is the JSON event */

    { "structured", { { CT, STRUCT_CT } }, EVENT,
      NGX_EDA_CE_KAFKA_STRUCTURED, NULL, NULL,
      { { "specversion", "1.0" }, { "id", "e1" }, { "source", "/s" },
        { "type", "t" }, { "datacontenttype", "application/json" } },
      "{\"a\":1}", 1 },

    { "structured in any case, any suffix",
      { { CT, "APPLICATION/CloudEvents-batch+json" } }, EVENT,
      NGX_EDA_CE_KAFKA_STRUCTURED, NULL, NULL,
      { { "specversion", "1.0" }, { "id", "e1" }, { "source", "/s" },
        { "type", "t" }, { "datacontenttype", "application/json" } },
      "{\"a\":1}", 1 },

    { "structured over binary", { { "ce_specversion", "1.0" },
                                  { "ce_id", "b1" }, { CT, STRUCT_CT } },
      EVENT,
      NGX_EDA_CE_KAFKA_STRUCTURED, NULL, NULL,
      { { "specversion", "1.0" }, { "id", "e1" }, { "source", "/s" },
        { "type", "t" }, { "datacontenttype", "application/json" } },
      "{\"a\":1}", 1 },

    { "a shorter type is not structured",
      { { CT, "application/cloudevent" } }, "x",
      NGX_EDA_CE_KAFKA_PLAIN, NULL, NULL,
      { { "datacontenttype", "application/cloudevent" }, PLAIN_ATTRS },
      "x", 1 },

    { "structured, not JSON", { { CT, STRUCT_CT } }, "{oops",
      -1, "invalid JSON", NULL, { { NULL, NULL } }, NULL, 0 },

    { "structured without a value", { { CT, STRUCT_CT } }, NULL,
      -1, "invalid JSON", NULL, { { NULL, NULL } }, NULL, 0 },

    { "structured, not an event", { { CT, STRUCT_CT } },
      "{\"specversion\":\"1.0\",\"source\":\"/s\",\"type\":\"t\"}",
      -1, "missing required attribute", "id", { { NULL, NULL } }, NULL, 0 },

    { "structured, a bad attribute", { { CT, STRUCT_CT } },
      "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"a b\","
      "\"type\":\"t\"}",
      -1, "source must be a URI-reference", "source", { { NULL, NULL } },
      NULL, 0 }
};


static const encode_case_t  encode_cases[] = {

    /* binary: every attribute a header, in the event's order */

    { "binary", { REQ_ATTRS, { "datacontenttype", "text/plain" },
                  { "ext", "v" } }, "hi",
      NGX_EDA_CE_KAFKA_BINARY, 0, 0,
      { REQ_HEADERS, { CT, "text/plain" }, { "ce_ext", "v" } }, "hi", NULL },

    { "binary: the event's order", { { "ext", "v" },
                                     { "datacontenttype", "a/b" },
                                     REQ_ATTRS }, "x",
      NGX_EDA_CE_KAFKA_BINARY, 0, 0,
      { { "ce_ext", "v" }, { CT, "a/b" }, REQ_HEADERS }, "x", NULL },

    { "binary without data", { REQ_ATTRS }, NULL,
      NGX_EDA_CE_KAFKA_BINARY, 0, 0, { REQ_HEADERS }, NULL, NULL },

    { "binary with empty data", { REQ_ATTRS }, "",
      NGX_EDA_CE_KAFKA_BINARY, 0, 0, { REQ_HEADERS }, "", NULL },

    { "binary: values as they are", { { "specversion", "1.0" },
                                      { "x", "caf\xc3\xa9 %41" },
                                      { "y", "" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, 0, 0,
      { { "ce_specversion", "1.0" }, { "ce_x", "caf\xc3\xa9 %41" },
        { "ce_y", "" } }, "d", NULL },

    { "binary, keyed", { REQ_ATTRS, { "partitionkey", "k1" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, 1, 0,
      { REQ_HEADERS, { "ce_partitionkey", "k1" } }, "d", "k1" },

    { "binary, a partitionkey but not keyed",
      { REQ_ATTRS, { "partitionkey", "k1" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, 0, 0,
      { REQ_HEADERS, { "ce_partitionkey", "k1" } }, "d", NULL },

    { "binary, keyed without a partitionkey", { REQ_ATTRS }, "d",
      NGX_EDA_CE_KAFKA_BINARY, 1, 0, { REQ_HEADERS }, "d", NULL },

    { "binary, an empty partitionkey is a key",
      { REQ_ATTRS, { "partitionkey", "" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, 1, 0,
      { REQ_HEADERS, { "ce_partitionkey", "" } }, "d", "" },

    /* structured: one header, the JSON event as the value */

    { "structured", { REQ_ATTRS, { "datacontenttype", "application/json" } },
      "{\"a\":1}",
      NGX_EDA_CE_KAFKA_STRUCTURED, 0, 0, { { CT, STRUCT_CT } },
      REQ_JSON ",\"datacontenttype\":\"application/json\",\"data\":{\"a\":1}}",
      NULL },

    { "structured: required attributes first", { { "ext", "v" }, REQ_ATTRS },
      NULL,
      NGX_EDA_CE_KAFKA_STRUCTURED, 0, 0, { { CT, STRUCT_CT } },
      REQ_JSON ",\"ext\":\"v\"}", NULL },

    { "structured text", { REQ_ATTRS, { "datacontenttype", "text/plain" } },
      "hi",
      NGX_EDA_CE_KAFKA_STRUCTURED, 0, 0, { { CT, STRUCT_CT } },
      REQ_JSON ",\"datacontenttype\":\"text/plain\",\"data\":\"hi\"}", NULL },

    { "structured bytes",
      { REQ_ATTRS, { "datacontenttype", "application/octet-stream" } },
      "\x80\xff",
      NGX_EDA_CE_KAFKA_STRUCTURED, 0, 0, { { CT, STRUCT_CT } },
      REQ_JSON ",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"gP8=\"}", NULL },

    { "structured, keyed", { REQ_ATTRS, { "partitionkey", "k1" } }, NULL,
      NGX_EDA_CE_KAFKA_STRUCTURED, 1, 0, { { CT, STRUCT_CT } },
      REQ_JSON ",\"partitionkey\":\"k1\"}", "k1" },

    /* what cannot be encoded */

    { "structured, an empty name", { REQ_ATTRS, { "", "v" } }, NULL,
      NGX_EDA_CE_KAFKA_STRUCTURED, 0, -1, { { NULL, NULL } }, NULL, NULL },

    { "plain is no mode to encode in", { REQ_ATTRS }, "d",
      NGX_EDA_CE_KAFKA_PLAIN, 0, -1, { { NULL, NULL } }, NULL, NULL }
};


static const round_case_t  round_cases[] = {

    /* binary: the same event, whatever the attributes */

    { "binary", { REQ_ATTRS, { "datacontenttype", "text/plain" },
                  { "subject", "s" }, { "ext", "v" } }, "hi",
      NGX_EDA_CE_KAFKA_BINARY, NGX_EDA_CE_KAFKA_BINARY,
      { { NULL, NULL } }, NULL },

    { "binary without data", { REQ_ATTRS }, NULL,
      NGX_EDA_CE_KAFKA_BINARY, NGX_EDA_CE_KAFKA_BINARY,
      { { NULL, NULL } }, NULL },

    { "binary with empty data", { REQ_ATTRS }, "",
      NGX_EDA_CE_KAFKA_BINARY, NGX_EDA_CE_KAFKA_BINARY,
      { { NULL, NULL } }, NULL },

    { "binary, not valid", { { "specversion", "0.3" }, { "Bad-Name", "%zz" },
                             { "e", "" } }, "\x80",
      NGX_EDA_CE_KAFKA_BINARY, NGX_EDA_CE_KAFKA_BINARY,
      { { NULL, NULL } }, NULL },

    /* structured: the same valid event */

    { "structured JSON", { REQ_ATTRS,
                           { "datacontenttype", "application/json" },
                           { "partitionkey", "k" } }, "{\"a\":[1,2]}",
      NGX_EDA_CE_KAFKA_STRUCTURED, NGX_EDA_CE_KAFKA_STRUCTURED,
      { { NULL, NULL } }, NULL },

    { "structured text", { REQ_ATTRS, { "datacontenttype", "text/plain" } },
      "hi",
      NGX_EDA_CE_KAFKA_STRUCTURED, NGX_EDA_CE_KAFKA_STRUCTURED,
      { { NULL, NULL } }, NULL },

    { "structured bytes",
      { REQ_ATTRS, { "datacontenttype", "application/octet-stream" } },
      "\x01\x80\xff",
      NGX_EDA_CE_KAFKA_STRUCTURED, NGX_EDA_CE_KAFKA_STRUCTURED,
      { { NULL, NULL } }, NULL },

    { "structured without data", { REQ_ATTRS, { "time",
                                                "2026-11-24T13:15:00Z" } },
      NULL,
      NGX_EDA_CE_KAFKA_STRUCTURED, NGX_EDA_CE_KAFKA_STRUCTURED,
      { { NULL, NULL } }, NULL },

    /* where the formats differ */

    { "structured JSON data gets its implied type", { REQ_ATTRS },
      "{ \"a\" : 1 }",
      NGX_EDA_CE_KAFKA_STRUCTURED, NGX_EDA_CE_KAFKA_STRUCTURED,
      { REQ_ATTRS, { "datacontenttype", "application/json" } }, "{\"a\":1}" },

    { "binary without specversion reads as plain", { { "id", "1" } }, "d",
      NGX_EDA_CE_KAFKA_BINARY, NGX_EDA_CE_KAFKA_PLAIN,
      { PLAIN_ATTRS }, "d" },

    { "binary with a structured type reads as structured",
      { REQ_ATTRS, { "datacontenttype", "application/cloudevents+json" } },
      "not JSON",
      NGX_EDA_CE_KAFKA_BINARY, -1, { { NULL, NULL } }, NULL },

    { "structured, not valid", { REQ_ATTRS, { "source", "a b" } }, NULL,
      NGX_EDA_CE_KAFKA_STRUCTURED, -1, { { NULL, NULL } }, NULL }
};


static void
record(const pair_t *headers, const char *value,
    ngx_eda_ce_kafka_header_t *h, ngx_eda_ce_kafka_record_t *rec)
{
    size_t  n;

    for (n = 0; n < MAX_HEADERS && headers[n].name != NULL; n++) {
        h[n].name.data = headers[n].name;
        h[n].name.len = strlen(headers[n].name);
        h[n].value.data = headers[n].value;
        h[n].value.len = headers[n].value ? strlen(headers[n].value) : 0;
    }

    rec->headers = h;
    rec->nheaders = n;
    rec->value.data = value;
    rec->value.len = value ? strlen(value) : 0;
    rec->topic.data = "orders";
    rec->topic.len = 6;
    rec->partition = 3;
    rec->offset = 42;
}


static void
check_case(const record_case_t *c)
{
    int                        rc, failed;
    const char                *err;
    ngx_eda_ce_str_t           attr;
    ngx_eda_ce_parsed_t        p;
    ngx_eda_ce_kafka_record_t  rec;
    ngx_eda_ce_kafka_header_t  h[MAX_HEADERS];

    failed = eda_unit_failed;

    record(c->headers, c->value, h, &rec);

    err = NULL;
    rc = ngx_eda_ce_from_kafka(&rec, &p, &err, &attr);

    EDA_CHECK(rc == c->mode);
    EDA_CHECK(ngx_eda_ce_kafka_mode(&rec)
              == (c->mode >= 0 ? c->mode : NGX_EDA_CE_KAFKA_STRUCTURED));

    if (c->mode < 0) {
        EDA_CHECK(err != NULL && strcmp(err, c->err) == 0);
        EDA_CHECK(c->attr == NULL ? attr.data == NULL && attr.len == 0
                                  : attr.data != NULL
                                    && attr.len == strlen(c->attr)
                                    && memcmp(attr.data, c->attr, attr.len)
                                       == 0);
        EDA_CHECK(p.owned == NULL && p.event.nattrs == 0);

    } else {
        EDA_CHECK(attr.data == NULL && attr.len == 0);
        EDA_CHECK((p.owned != NULL) == c->owned);
        check_attrs(c, &p.event);

        if (c->data == NULL) {
            EDA_CHECK(p.event.data.data == NULL && p.event.data.len == 0);

        } else {
            EDA_CHECK(p.event.data.data != NULL);
            EDA_CHECK_STR(p.event.data.data, p.event.data.len, c->data);
        }
    }

    ngx_eda_ce_parsed_free(&p);
    EDA_CHECK(p.owned == NULL);

    if (eda_unit_failed != failed) {
        printf("  in case \"%s\"\n", c->what);
    }
}


static void
check_attrs(const record_case_t *c, const ngx_eda_ce_event_t *ev)
{
    size_t  i, n;

    for (n = 0; n < MAX_ATTRS && c->attrs[n].name != NULL; n++) {
        /* void */
    }

    EDA_CHECK(ev->nattrs == n);

    for (i = 0; i < n && i < ev->nattrs; i++) {
        EDA_CHECK_STR(ev->attrs[i].name.data, ev->attrs[i].name.len,
                      c->attrs[i].name);
        EDA_CHECK_STR(ev->attrs[i].value.data, ev->attrs[i].value.len,
                      c->attrs[i].value);
    }
}


static void
test_cases(void)
{
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}


static void
event(const pair_t *attrs, const char *data, ngx_eda_ce_event_t *ev)
{
    size_t  i;

    memset(ev, 0, sizeof(ngx_eda_ce_event_t));

    for (i = 0; i < MAX_ATTRS && attrs[i].name != NULL; i++) {
        EDA_CHECK(ngx_eda_ce_set(ev, attrs[i].name, strlen(attrs[i].name),
                                 attrs[i].value, strlen(attrs[i].value))
                  == 0);
    }

    ev->data.data = data;
    ev->data.len = data ? strlen(data) : 0;
}


/* STR is WANT; NULL: STR is absent */

static void
check_opt(const ngx_eda_ce_str_t *str, const char *want)
{
    if (want == NULL) {
        EDA_CHECK(str->data == NULL && str->len == 0);
        return;
    }

    EDA_CHECK(str->data != NULL);
    EDA_CHECK_STR(str->data, str->len, want);
}


static void
check_encode(const encode_case_t *c)
{
    int                     rc, failed;
    size_t                  i, n;
    ngx_eda_ce_event_t      ev;
    eda_ce_kafka_pool_t     pool;
    ngx_eda_ce_kafka_out_t  out;

    failed = eda_unit_failed;

    event(c->attrs, c->data, &ev);

    memset(&pool, 0, sizeof(eda_ce_kafka_pool_t));
    out.headers = pool.headers;

    rc = ngx_eda_ce_to_kafka(&ev, c->mode, c->keyed, eda_ce_kafka_alloc,
                             &pool, &out);
    EDA_CHECK(rc == c->rc);
    EDA_CHECK(!pool.misused);

    if (rc == 0) {
        for (n = 0; n < MAX_HEADERS && c->headers[n].name != NULL; n++) {
            /* void */
        }

        EDA_CHECK(out.headers == pool.headers && out.nheaders == n);

        for (i = 0; i < n && i < out.nheaders; i++) {
            EDA_CHECK_STR(out.headers[i].name.data, out.headers[i].name.len,
                          c->headers[i].name);
            check_opt(&out.headers[i].value, c->headers[i].value);
        }

        check_opt(&out.value, c->value);
        check_opt(&out.key, c->key);

        /* the names in one block, or the JSON */
        EDA_CHECK(pool.nblocks <= 1);
    }

    eda_ce_kafka_pool_free(&pool);

    if (eda_unit_failed != failed) {
        printf("  in encode case \"%s\"\n", c->what);
    }
}


static void
check_round(const round_case_t *c)
{
    int                        rc, failed;
    ngx_eda_ce_event_t         ev, want;
    eda_ce_kafka_pool_t        pool;
    ngx_eda_ce_parsed_t        p;
    ngx_eda_ce_kafka_record_t  rec;

    failed = eda_unit_failed;

    event(c->attrs, c->data, &ev);

    memset(&pool, 0, sizeof(eda_ce_kafka_pool_t));
    memset(&rec, 0, sizeof(ngx_eda_ce_kafka_record_t));
    rec.topic.data = "orders";
    rec.topic.len = 6;
    rec.partition = 3;
    rec.offset = 42;

    rc = eda_ce_kafka_again(&ev, c->mode, &pool, &rec, &p);
    EDA_CHECK(rc == c->decoded);
    EDA_CHECK(!pool.misused);

    if (rc >= 0 && c->want[0].name == NULL) {
        EDA_CHECK(eda_ce_kafka_same(&ev, &p.event, 1));

    } else if (rc >= 0) {
        event(c->want, c->want_data, &want);
        EDA_CHECK(eda_ce_kafka_same(&want, &p.event, 1));
    }

    ngx_eda_ce_parsed_free(&p);
    eda_ce_kafka_pool_free(&pool);

    if (eda_unit_failed != failed) {
        printf("  in round trip case \"%s\"\n", c->what);
    }
}


static void
test_encode(void)
{
    size_t  i;

    for (i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]); i++) {
        check_encode(&encode_cases[i]);
    }

    for (i = 0; i < sizeof(round_cases) / sizeof(round_cases[0]); i++) {
        check_round(&round_cases[i]);
    }
}


/* the allocator failing, in either mode; nothing is then left to free */

static void
test_encode_no_memory(void)
{
    int                      i;
    ngx_eda_ce_event_t       ev;
    eda_ce_kafka_pool_t      pool;
    ngx_eda_ce_kafka_out_t   out;

    static const pair_t      attrs[] = { REQ_ATTRS, { NULL, NULL } };
    static const pair_t      ct_only[] = { { "datacontenttype", "a/b" },
                                           { NULL, NULL } };
    static const int         modes[] = { NGX_EDA_CE_KAFKA_BINARY,
                                         NGX_EDA_CE_KAFKA_STRUCTURED };

    memset(&pool, 0, sizeof(eda_ce_kafka_pool_t));
    pool.fail_at = 1;
    out.headers = pool.headers;

    for (i = 0; i < 2; i++) {
        event(attrs, "d", &ev);

        EDA_CHECK(ngx_eda_ce_to_kafka(&ev, modes[i], 1, eda_ce_kafka_alloc,
                                      &pool, &out)
                  == -1);
        EDA_CHECK(pool.nblocks == 0);
    }

    /* binary names that are all static need no memory */
    event(ct_only, "d", &ev);

    EDA_CHECK(ngx_eda_ce_to_kafka(&ev, NGX_EDA_CE_KAFKA_BINARY, 0,
                                  eda_ce_kafka_alloc, &pool, &out)
              == 0);
    EDA_CHECK(out.nheaders == 1 && pool.nblocks == 0 && !pool.misused);
    EDA_CHECK_STR(out.headers[0].name.data, out.headers[0].name.len, CT);
}


/* a full event, NGX_EDA_CE_MAX_ATTRS attributes, both ways in both modes */

static void
test_round_full(void)
{
    int                         i;
    size_t                      k;
    char                        names[NGX_EDA_CE_MAX_ATTRS][8];
    ngx_eda_ce_event_t          ev;
    eda_ce_kafka_pool_t         pool;
    ngx_eda_ce_parsed_t         p;
    ngx_eda_ce_kafka_record_t   rec;

    static const pair_t         attrs[] = { REQ_ATTRS, { NULL, NULL } };
    static const int            modes[] = { NGX_EDA_CE_KAFKA_BINARY,
                                            NGX_EDA_CE_KAFKA_STRUCTURED };

    event(attrs, "d", &ev);

    for (k = ev.nattrs; k < NGX_EDA_CE_MAX_ATTRS; k++) {
        snprintf(names[k], sizeof(names[k]), "e%u", (unsigned) k);
        EDA_CHECK(ngx_eda_ce_set(&ev, names[k], strlen(names[k]), names[k],
                                 strlen(names[k]))
                  == 0);
    }

    EDA_CHECK(ev.nattrs == NGX_EDA_CE_MAX_ATTRS);

    for (i = 0; i < 2; i++) {
        memset(&pool, 0, sizeof(eda_ce_kafka_pool_t));
        memset(&rec, 0, sizeof(ngx_eda_ce_kafka_record_t));

        EDA_CHECK(eda_ce_kafka_again(&ev, modes[i], &pool, &rec, &p)
                  == modes[i]);
        EDA_CHECK(rec.nheaders
                  == (modes[i] == NGX_EDA_CE_KAFKA_BINARY
                      ? NGX_EDA_CE_MAX_ATTRS : 1));
        EDA_CHECK(eda_ce_kafka_same(&ev, &p.event, 1));

        ngx_eda_ce_parsed_free(&p);
        eda_ce_kafka_pool_free(&pool);
    }
}


/* plain ids and sources: the numbers as they are, cut as documented */

static void
test_plain_names(void)
{
    size_t                      i;
    char                        topic[400], want[512];
    const char                 *err;
    ngx_eda_ce_str_t            attr;
    ngx_eda_ce_parsed_t         p;
    const ngx_eda_ce_str_t     *v;
    ngx_eda_ce_kafka_record_t   rec;

    static const struct {
        size_t       topic_len;
        int32_t      partition;
        int64_t      offset;
        const char  *nums;          /* what follows the topic in the id */
        size_t       id_len;
        size_t       source_len;
    } t[] = {
        { 0, 0, 0, "-0-0", 4, 7 },
        { 1, -1, -1001, "--1--1001", 10, 8 },
        { 249, 2147483647, INT64_MAX, "-2147483647-9223372036854775807",
          280, 256 },
        { 250, 0, 0, "-0-0", 254, 256 },
        { 290, 12, 345, "-12-345", 296, 256 },
        { 296, 1, 1, "-1-1", 296, 256 },
        { 399, -2147483647 - 1, INT64_MIN,
          "--2147483648--9223372036854775808", 296, 256 }
    };

    for (i = 0; i < sizeof(topic); i++) {
        topic[i] = (char) ('a' + i % 26);
    }

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memset(&rec, 0, sizeof(rec));
        rec.topic.data = t[i].topic_len ? topic : NULL;
        rec.topic.len = t[i].topic_len;
        rec.partition = t[i].partition;
        rec.offset = t[i].offset;

        EDA_CHECK(ngx_eda_ce_from_kafka(&rec, &p, &err, &attr)
                  == NGX_EDA_CE_KAFKA_PLAIN);

        memcpy(want, topic, t[i].topic_len);
        memcpy(want + t[i].topic_len, t[i].nums, strlen(t[i].nums) + 1);
        want[t[i].id_len] = '\0';

        v = ngx_eda_ce_get(&p.event, "id", 2);
        EDA_CHECK(v != NULL);
        if (v != NULL) {
            EDA_CHECK_STR(v->data, v->len, want);
        }

        memcpy(want, "/kafka/", 7);
        memcpy(want + 7, topic, t[i].topic_len);
        want[t[i].source_len] = '\0';

        v = ngx_eda_ce_get(&p.event, "source", 6);
        EDA_CHECK(v != NULL);
        if (v != NULL) {
            EDA_CHECK_STR(v->data, v->len, want);
        }

        EDA_CHECK(p.event.data.data == NULL);

        ngx_eda_ce_parsed_free(&p);
    }
}


/* binary records with more ce_ headers than an event has attributes */

static void
test_binary_full(void)
{
    size_t                      i;
    char                        names[NGX_EDA_CE_MAX_ATTRS + 8][8];
    const char                 *err;
    ngx_eda_ce_str_t            attr;
    ngx_eda_ce_parsed_t         p;
    ngx_eda_ce_kafka_record_t   rec;
    ngx_eda_ce_kafka_header_t   h[NGX_EDA_CE_MAX_ATTRS + 8];

    for (i = 0; i < NGX_EDA_CE_MAX_ATTRS + 8; i++) {
        snprintf(names[i], sizeof(names[i]), "ce_e%u", (unsigned) i);
        h[i].name.data = names[i];
        h[i].name.len = strlen(names[i]);
        h[i].value.data = "v";
        h[i].value.len = 1;
    }

    /* the last one, past the limit, replaces the first */
    h[NGX_EDA_CE_MAX_ATTRS + 7].name = h[0].name;
    h[NGX_EDA_CE_MAX_ATTRS + 7].value.data = "last";
    h[NGX_EDA_CE_MAX_ATTRS + 7].value.len = 4;

    h[1].name.data = "ce_specversion";
    h[1].name.len = 14;

    memset(&rec, 0, sizeof(rec));
    rec.headers = h;
    rec.nheaders = NGX_EDA_CE_MAX_ATTRS + 8;

    EDA_CHECK(ngx_eda_ce_from_kafka(&rec, &p, &err, &attr)
              == NGX_EDA_CE_KAFKA_BINARY);
    EDA_CHECK(p.event.nattrs == NGX_EDA_CE_MAX_ATTRS);
    EDA_CHECK_STR(p.event.attrs[0].value.data, p.event.attrs[0].value.len,
                  "last");
    EDA_CHECK(ngx_eda_ce_get(&p.event, "specversion", 11) != NULL);
    EDA_CHECK_STR(p.event.attrs[NGX_EDA_CE_MAX_ATTRS - 1].name.data,
                  p.event.attrs[NGX_EDA_CE_MAX_ATTRS - 1].name.len, "e63");
    EDA_CHECK(ngx_eda_ce_get(&p.event, "e64", 3) == NULL);
    EDA_CHECK(p.owned == NULL);

    ngx_eda_ce_parsed_free(&p);
}


int
main(void)
{
    test_cases();
    test_plain_names();
    test_binary_full();
    test_encode();
    test_encode_no_memory();
    test_round_full();

    EDA_UNIT_DONE();
}
