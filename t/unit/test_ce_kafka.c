
/*
 * Copyright (C) ngx_eda authors
 *
 * sources: core/ngx_eda_ce_kafka.c core/ngx_eda_ce.c core/ngx_eda_ce_json.c
 * sources: core/ngx_eda_base64.c core/ngx_eda_utf8.c
 * libs: -ljansson
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "ngx_eda_ce.h"


#define MAX_HEADERS  8
#define MAX_ATTRS    8

#define CT           "content-type"
#define STRUCT_CT    "application/cloudevents+json; charset=UTF-8"
#define EVENT        "{\"specversion\":\"1.0\",\"id\":\"e1\"," \
                     "\"source\":\"/s\",\"type\":\"t\",\"data\":{\"a\":1}}"

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


static void record(const pair_t *headers, const char *value,
    ngx_eda_ce_kafka_header_t *h, ngx_eda_ce_kafka_record_t *rec);
static void check_case(const record_case_t *c);
static void check_attrs(const record_case_t *c, const ngx_eda_ce_event_t *ev);


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

    EDA_UNIT_DONE();
}
