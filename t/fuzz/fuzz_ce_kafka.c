
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the Kafka binding: a record made of the input
 * decodes into an event, or into an error only for a structured record.
 * The input is split so: the first line is the topic; the next lines, up
 * to an empty one, are headers, "name:value", or "name" alone for a
 * header without a value; the rest is the value, and without an empty
 * line the record has no value.  Partition and offset come from the
 * input's length.  Every byte the event points to is read (so ASan checks
 * it is still there), a structured event must be valid, and the event
 * must go through the JSON encoder as the fan-out sends it.  Then the
 * event is encoded as a record and decoded again (the round trip): in
 * binary mode it comes back the same whenever it can be read as binary;
 * in structured mode a valid event keeps its attributes, and what comes
 * back comes back the same from a second round.
 * Run it with "./build.sh fuzz ce_kafka [seconds]".
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_ce.h"
#include "../unit/eda_ce_kafka_round.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ce_kafka_split(const char *s, size_t size,
    ngx_eda_ce_kafka_header_t *h, ngx_eda_ce_kafka_record_t *rec);
static size_t fuzz_ce_kafka_line(const char *s, size_t size, size_t i);
static unsigned fuzz_ce_kafka_touch(const ngx_eda_ce_str_t *str);
static void fuzz_ce_kafka_event(int mode, const ngx_eda_ce_event_t *ev);
static void fuzz_ce_kafka_round(const ngx_eda_ce_event_t *ev);
static void fuzz_ce_kafka_structured(const ngx_eda_ce_event_t *ev);
static int fuzz_ce_kafka_again(const ngx_eda_ce_event_t *ev, int mode,
    eda_ce_kafka_pool_t *pool, ngx_eda_ce_parsed_t *p);
static void fuzz_ce_kafka_fail(const char *what, const char *err);


/* the checksum of every byte read: kept, so reads are not optimised out */
static volatile unsigned  fuzz_ce_kafka_sum;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                         rc, mode;
    size_t                      i, n;
    const char                 *s, *err;
    ngx_eda_ce_str_t            attr;
    ngx_eda_ce_parsed_t         p;
    ngx_eda_ce_kafka_record_t   rec;
    ngx_eda_ce_kafka_header_t  *h;

    s = (const char *) data;

    /* at most one header per byte */
    n = 0;
    for (i = 0; i < size; i++) {
        n += (s[i] == '\n');
    }

    h = malloc((n + 1) * sizeof(ngx_eda_ce_kafka_header_t));
    if (h == NULL) {
        return 0;
    }

    fuzz_ce_kafka_split(s, size, h, &rec);

    err = NULL;
    rc = ngx_eda_ce_from_kafka(&rec, &p, &err, &attr);
    mode = ngx_eda_ce_kafka_mode(&rec);

    if (rc < 0) {
        if (err == NULL || p.owned != NULL || p.event.nattrs != 0
            || (attr.data == NULL) != (attr.len == 0))
        {
            fuzz_ce_kafka_fail("error report", err);
        }

        if (mode != NGX_EDA_CE_KAFKA_STRUCTURED
            && strcmp(err, "out of memory") != 0)
        {
            fuzz_ce_kafka_fail("a record that is not structured refused",
                               err);
        }

    } else {
        if (rc != mode) {
            fuzz_ce_kafka_fail("mode differs from ngx_eda_ce_kafka_mode",
                               NULL);
        }

        fuzz_ce_kafka_event(mode, &p.event);
        fuzz_ce_kafka_round(&p.event);
    }

    ngx_eda_ce_parsed_free(&p);
    free(h);

    return 0;
}


static void
fuzz_ce_kafka_split(const char *s, size_t size, ngx_eda_ce_kafka_header_t *h,
    ngx_eda_ce_kafka_record_t *rec)
{
    size_t       i, end, n;
    const char  *colon;

    memset(rec, 0, sizeof(ngx_eda_ce_kafka_record_t));

    rec->partition = (int32_t) (uint32_t) (size * 7919 - 1);
    rec->offset = (int64_t) size * 1000003 - 1001;

    end = fuzz_ce_kafka_line(s, size, 0);
    rec->topic.data = s;
    rec->topic.len = end;

    n = 0;

    for (i = end + 1; i < size; i = end + 1) {
        end = fuzz_ce_kafka_line(s, size, i);

        if (end == i) {
            /* an empty line: the rest is the value */
            rec->value.data = s + i + 1;
            rec->value.len = size - i - 1;
            break;
        }

        colon = memchr(s + i, ':', end - i);

        h[n].name.data = s + i;

        if (colon == NULL) {
            h[n].name.len = end - i;
            h[n].value.data = NULL;
            h[n].value.len = 0;

        } else {
            h[n].name.len = (size_t) (colon - (s + i));
            h[n].value.data = colon + 1;
            h[n].value.len = (size_t) (s + end - colon - 1);
        }

        n++;
    }

    rec->headers = h;
    rec->nheaders = n;
}


/* the end of the line that starts at I: its '\n', or SIZE */

static size_t
fuzz_ce_kafka_line(const char *s, size_t size, size_t i)
{
    while (i < size && s[i] != '\n') {
        i++;
    }

    return i;
}


static unsigned
fuzz_ce_kafka_touch(const ngx_eda_ce_str_t *str)
{
    size_t    i;
    unsigned  sum;

    if (str->data == NULL) {
        if (str->len != 0) {
            fuzz_ce_kafka_fail("a NULL string with a length", NULL);
        }

        return 0;
    }

    sum = 0;

    for (i = 0; i < str->len; i++) {
        sum = sum * 31 + (unsigned char) str->data[i];
    }

    return sum;
}


static void
fuzz_ce_kafka_event(int mode, const ngx_eda_ce_event_t *ev)
{
    char                    *json;
    size_t                   i, len;
    unsigned                 sum;
    const char              *err;
    ngx_eda_ce_str_t         attr;
    const ngx_eda_ce_str_t  *v;

    if (ev->nattrs > NGX_EDA_CE_MAX_ATTRS) {
        fuzz_ce_kafka_fail("too many attributes", NULL);
    }

    sum = fuzz_ce_kafka_touch(&ev->data);

    for (i = 0; i < ev->nattrs; i++) {
        sum += fuzz_ce_kafka_touch(&ev->attrs[i].name);
        sum += fuzz_ce_kafka_touch(&ev->attrs[i].value);
    }

    fuzz_ce_kafka_sum += sum;

    if (mode == NGX_EDA_CE_KAFKA_STRUCTURED
        && ngx_eda_ce_validate(ev, &err, &attr) != 0)
    {
        fuzz_ce_kafka_fail("a structured event that is not valid", err);
    }

    if (mode == NGX_EDA_CE_KAFKA_PLAIN) {
        v = ngx_eda_ce_get(ev, "id", 2);

        if (v == NULL || v->len > NGX_EDA_CE_KAFKA_MAX_ID) {
            fuzz_ce_kafka_fail("plain id", NULL);
        }

        v = ngx_eda_ce_get(ev, "source", 6);

        if (v == NULL || v->len > NGX_EDA_CE_KAFKA_MAX_SOURCE) {
            fuzz_ce_kafka_fail("plain source", NULL);
        }
    }

    /* NULL is an answer too: an event with an empty name, say */
    json = ngx_eda_ce_to_json(ev, &len);
    free(json);
}


/*
 * Binary mode gives the event back but for what the binding cannot tell
 * apart: without specversion the record is plain, and a content type
 * that says structured makes it structured.
 */

static void
fuzz_ce_kafka_round(const ngx_eda_ce_event_t *ev)
{
    int                      rc;
    ngx_eda_ce_parsed_t      p;
    eda_ce_kafka_pool_t      pool;
    const ngx_eda_ce_str_t  *ct;

    rc = fuzz_ce_kafka_again(ev, NGX_EDA_CE_KAFKA_BINARY, &pool, &p);

    if (rc == -2) {
        fuzz_ce_kafka_fail("binary encoding failed", NULL);
    }

    ct = ngx_eda_ce_get(ev, "datacontenttype", 15);

    if (ngx_eda_ce_get(ev, "specversion", 11) != NULL
        && (ct == NULL
            || !ngx_eda_ce_ci_prefix(ct->data, ct->len,
                                     "application/cloudevents"))
        && (rc != NGX_EDA_CE_KAFKA_BINARY
            || !eda_ce_kafka_same(ev, &p.event, 1)))
    {
        fuzz_ce_kafka_fail("binary round trip", NULL);
    }

    ngx_eda_ce_parsed_free(&p);
    eda_ce_kafka_pool_free(&pool);

    fuzz_ce_kafka_structured(ev);
}


/*
 * Structured mode gives a valid event's attributes back; the data may
 * change form (JSON made compact, a string of a JSON type quoted) and
 * datacontenttype may be added.  Not for an extension named "data",
 * which the JSON format cannot tell from the data, nor for a full event
 * whose JSON data would add datacontenttype.
 */

static void
fuzz_ce_kafka_structured(const ngx_eda_ce_event_t *ev)
{
    int                    rc, valid;
    const char            *err;
    ngx_eda_ce_str_t       attr;
    ngx_eda_ce_parsed_t    p, again;
    eda_ce_kafka_pool_t    pool, pool2;

    valid = ngx_eda_ce_validate(ev, &err, &attr) == 0
            && ngx_eda_ce_get(ev, "data", 4) == NULL
            && (ev->nattrs < NGX_EDA_CE_MAX_ATTRS
                || ngx_eda_ce_get(ev, "datacontenttype", 15) != NULL);

    rc = fuzz_ce_kafka_again(ev, NGX_EDA_CE_KAFKA_STRUCTURED, &pool, &p);

    if (valid
        && (rc != NGX_EDA_CE_KAFKA_STRUCTURED
            || !eda_ce_kafka_same(ev, &p.event, 0)))
    {
        fuzz_ce_kafka_fail("structured round trip of a valid event", NULL);
    }

    if (rc == NGX_EDA_CE_KAFKA_STRUCTURED) {
        rc = fuzz_ce_kafka_again(&p.event, NGX_EDA_CE_KAFKA_STRUCTURED,
                                 &pool2, &again);

        if (rc != NGX_EDA_CE_KAFKA_STRUCTURED
            || !eda_ce_kafka_same(&p.event, &again.event, 1))
        {
            fuzz_ce_kafka_fail("structured second round", NULL);
        }

        ngx_eda_ce_parsed_free(&again);
        eda_ce_kafka_pool_free(&pool2);
    }

    ngx_eda_ce_parsed_free(&p);
    eda_ce_kafka_pool_free(&pool);
}


/*
 * EV encoded in MODE and decoded into P, by eda_ce_kafka_again(), with
 * what the record must look like checked on the way.
 */

static int
fuzz_ce_kafka_again(const ngx_eda_ce_event_t *ev, int mode,
    eda_ce_kafka_pool_t *pool, ngx_eda_ce_parsed_t *p)
{
    int                        rc;
    ngx_eda_ce_kafka_record_t  rec;

    memset(pool, 0, sizeof(eda_ce_kafka_pool_t));
    memset(&rec, 0, sizeof(ngx_eda_ce_kafka_record_t));

    rc = eda_ce_kafka_again(ev, mode, pool, &rec, p);

    if (pool->misused) {
        fuzz_ce_kafka_fail("allocations", NULL);
    }

    if (rc != -2
        && (rec.nheaders > NGX_EDA_CE_MAX_ATTRS
            || (mode == NGX_EDA_CE_KAFKA_STRUCTURED && rec.nheaders != 1)))
    {
        fuzz_ce_kafka_fail("headers written", NULL);
    }

    fuzz_ce_kafka_sum += fuzz_ce_kafka_touch(&rec.value);

    return rc;
}


static void
fuzz_ce_kafka_fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_ce_kafka: %s (%s)\n", what,
            err != NULL ? err : "no error");
    abort();
}
