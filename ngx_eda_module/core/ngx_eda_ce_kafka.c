
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The CloudEvents Kafka protocol binding.  Consumer side: a record, as
 * plain header and value buffers, becomes an event, structured (the value
 * is the JSON event), binary (ce_ headers and content-type) or plain (the
 * value is the data of an event the gateway describes).  Producer side:
 * an event becomes the headers, value and key of a binary or structured
 * record.  Only libc and the other CloudEvents cores, so it is
 * unit-tested and fuzzed without nginx or librdkafka.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_ce_json.h"
#include "ngx_eda_ce_kafka.h"


#define NGX_EDA_CE_KAFKA_STRUCTURED_TYPE  "application/cloudevents"
#define NGX_EDA_CE_KAFKA_SOURCE           "/kafka/"
#define NGX_EDA_CE_KAFKA_PREFIX           "ce_"

/* "-<int32>-<int64>" */
#define NGX_EDA_CE_KAFKA_NUMS_LEN         (2 + 11 + 20)


static int ngx_eda_ce_kafka_scan(const ngx_eda_ce_kafka_record_t *rec,
    const ngx_eda_ce_str_t **ct);
static int ngx_eda_ce_kafka_name_is(const ngx_eda_ce_str_t *name,
    const char *lit);
static void ngx_eda_ce_kafka_binary(const ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_event_t *ev);
static int ngx_eda_ce_kafka_plain(const ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_parsed_t *out);
static int ngx_eda_ce_kafka_to_binary(const ngx_eda_ce_event_t *ev,
    ngx_eda_ce_kafka_alloc_pt alloc, void *ctx, ngx_eda_ce_kafka_out_t *out);
static int ngx_eda_ce_kafka_to_structured(const ngx_eda_ce_event_t *ev,
    ngx_eda_ce_kafka_alloc_pt alloc, void *ctx, ngx_eda_ce_kafka_out_t *out);


int
ngx_eda_ce_kafka_mode(const ngx_eda_ce_kafka_record_t *rec)
{
    const ngx_eda_ce_str_t  *ct;

    return ngx_eda_ce_kafka_scan(rec, &ct);
}


int
ngx_eda_ce_from_kafka(const ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_parsed_t *out, const char **err, ngx_eda_ce_str_t *attr)
{
    int                      mode;
    ngx_eda_ce_event_t      *ev;
    const ngx_eda_ce_str_t  *ct;

    memset(out, 0, sizeof(ngx_eda_ce_parsed_t));
    attr->data = NULL;
    attr->len = 0;

    mode = ngx_eda_ce_kafka_scan(rec, &ct);

    if (mode == NGX_EDA_CE_KAFKA_STRUCTURED) {
        if (ngx_eda_ce_from_json(rec->value.data, rec->value.len, out, err,
                                 attr)
            != 0)
        {
            return -1;
        }

        return mode;
    }

    ev = &out->event;

    if (rec->value.data != NULL) {
        ev->data = rec->value;
    }

    if (ct != NULL) {
        (void) ngx_eda_ce_set(ev, "datacontenttype", 15, ct->data, ct->len);
    }

    if (mode == NGX_EDA_CE_KAFKA_BINARY) {
        ngx_eda_ce_kafka_binary(rec, ev);
        return mode;
    }

    if (ngx_eda_ce_kafka_plain(rec, out) != 0) {
        memset(out, 0, sizeof(ngx_eda_ce_parsed_t));
        *err = "out of memory";
        return -1;
    }

    return mode;
}


/*
 * The mode, and in *CT the content type: the last content-type header,
 * NULL when there is none or it has no value.
 */

static int
ngx_eda_ce_kafka_scan(const ngx_eda_ce_kafka_record_t *rec,
    const ngx_eda_ce_str_t **ct)
{
    int                               binary;
    size_t                            i;
    const ngx_eda_ce_kafka_header_t  *h;

    *ct = NULL;
    binary = 0;

    for (i = 0; i < rec->nheaders; i++) {
        h = &rec->headers[i];

        if (h->name.len == sizeof("content-type") - 1
            && ngx_eda_ce_ci_prefix(h->name.data, h->name.len,
                                    "content-type"))
        {
            *ct = (h->value.data != NULL) ? &h->value : NULL;

        } else if (ngx_eda_ce_kafka_name_is(&h->name, "ce_specversion")) {
            binary = 1;
        }
    }

    if (*ct != NULL
        && ngx_eda_ce_ci_prefix((*ct)->data, (*ct)->len,
                                NGX_EDA_CE_KAFKA_STRUCTURED_TYPE))
    {
        return NGX_EDA_CE_KAFKA_STRUCTURED;
    }

    return binary ? NGX_EDA_CE_KAFKA_BINARY : NGX_EDA_CE_KAFKA_PLAIN;
}


static int
ngx_eda_ce_kafka_name_is(const ngx_eda_ce_str_t *name, const char *lit)
{
    size_t  len;

    len = strlen(lit);

    return name->len == len && memcmp(name->data, lit, len) == 0;
}


static void
ngx_eda_ce_kafka_binary(const ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_event_t *ev)
{
    size_t                            i;
    const ngx_eda_ce_kafka_header_t  *h;

    for (i = 0; i < rec->nheaders; i++) {
        h = &rec->headers[i];

        /*
         * "data" and "data_base64" are the JSON format's members for the
         * data, never attributes: as headers they would give the event
         * two data the fan-out cannot write apart (the fuzzer found it)
         */
        if (ngx_eda_ce_kafka_name_is(&h->name, "ce_data")
            || ngx_eda_ce_kafka_name_is(&h->name, "ce_data_base64"))
        {
            continue;
        }

        if (h->name.len >= 3 && memcmp(h->name.data, "ce_", 3) == 0
            && h->value.data != NULL)
        {
            (void) ngx_eda_ce_set(ev, h->name.data + 3, h->name.len - 3,
                                  h->value.data, h->value.len);
        }
    }
}


/* the attributes of an event that carries the record as its data */

static int
ngx_eda_ce_kafka_plain(const ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_parsed_t *out)
{
    int     n;
    char   *p, nums[NGX_EDA_CE_KAFKA_NUMS_LEN + 1];
    size_t  tlen, id_len, source_len;

    n = snprintf(nums, sizeof(nums), "-%d-%lld", (int) rec->partition,
                 (long long) rec->offset);
    if (n < 0 || (size_t) n >= sizeof(nums)) {
        return -1;
    }

    /* cut first: no sum below can overflow, whatever the topic's length */
    tlen = rec->topic.len < NGX_EDA_CE_KAFKA_MAX_ID ? rec->topic.len
                                                    : NGX_EDA_CE_KAFKA_MAX_ID;

    id_len = tlen + (size_t) n;
    if (id_len > NGX_EDA_CE_KAFKA_MAX_ID) {
        id_len = NGX_EDA_CE_KAFKA_MAX_ID;
    }

    source_len = sizeof(NGX_EDA_CE_KAFKA_SOURCE) - 1 + tlen;
    if (source_len > NGX_EDA_CE_KAFKA_MAX_SOURCE) {
        source_len = NGX_EDA_CE_KAFKA_MAX_SOURCE;
    }

    p = ngx_eda_ce_parsed_alloc(out, id_len + source_len);
    if (p == NULL) {
        return -1;
    }

    /* "<topic>-<partition>-<offset>", of which the numbers may be cut */
    if (tlen != 0) {
        memcpy(p, rec->topic.data, tlen);
    }

    memcpy(p + tlen, nums, id_len - tlen);
    (void) ngx_eda_ce_set(&out->event, "id", 2, p, id_len);

    p += id_len;

    /* "/kafka/<topic>", of which the topic may be cut */
    memcpy(p, NGX_EDA_CE_KAFKA_SOURCE, sizeof(NGX_EDA_CE_KAFKA_SOURCE) - 1);

    if (tlen != 0) {
        memcpy(p + sizeof(NGX_EDA_CE_KAFKA_SOURCE) - 1, rec->topic.data,
               source_len - (sizeof(NGX_EDA_CE_KAFKA_SOURCE) - 1));
    }

    (void) ngx_eda_ce_set(&out->event, "source", 6, p, source_len);

    (void) ngx_eda_ce_set(&out->event, "specversion", 11, "1.0", 3);
    (void) ngx_eda_ce_set(&out->event, "type", 4, "eda.kafka.record", 16);

    return 0;
}


int
ngx_eda_ce_to_kafka(const ngx_eda_ce_event_t *ev, int mode, int keyed,
    ngx_eda_ce_kafka_alloc_pt alloc, void *ctx, ngx_eda_ce_kafka_out_t *out)
{
    int                      rc;
    const ngx_eda_ce_str_t  *key;

    out->nheaders = 0;
    out->value.data = NULL;
    out->value.len = 0;
    out->key.data = NULL;
    out->key.len = 0;

    if (mode == NGX_EDA_CE_KAFKA_BINARY) {
        rc = ngx_eda_ce_kafka_to_binary(ev, alloc, ctx, out);

    } else if (mode == NGX_EDA_CE_KAFKA_STRUCTURED) {
        rc = ngx_eda_ce_kafka_to_structured(ev, alloc, ctx, out);

    } else {
        rc = -1;
    }

    if (rc != 0) {
        return -1;
    }

    key = ngx_eda_ce_get(ev, "partitionkey", sizeof("partitionkey") - 1);

    if (keyed && key != NULL) {
        out->key = *key;
    }

    return 0;
}


/* binary mode: one header per attribute, the names in one buffer */

static int
ngx_eda_ce_kafka_to_binary(const ngx_eda_ce_event_t *ev,
    ngx_eda_ce_kafka_alloc_pt alloc, void *ctx, ngx_eda_ce_kafka_out_t *out)
{
    char                       *p;
    size_t                      i, n, size;
    const ngx_eda_ce_attr_t    *a;
    ngx_eda_ce_kafka_header_t  *h;

    n = ev->nattrs < NGX_EDA_CE_MAX_ATTRS ? ev->nattrs : NGX_EDA_CE_MAX_ATTRS;

    size = 0;

    for (i = 0; i < n; i++) {
        if (!ngx_eda_ce_kafka_name_is(&ev->attrs[i].name, "datacontenttype")) {
            size += sizeof(NGX_EDA_CE_KAFKA_PREFIX) - 1
                    + ev->attrs[i].name.len;
        }
    }

    p = NULL;

    if (size != 0) {
        p = alloc(ctx, size);
        if (p == NULL) {
            return -1;
        }
    }

    for (i = 0; i < n; i++) {
        a = &ev->attrs[i];
        h = &out->headers[i];

        if (ngx_eda_ce_kafka_name_is(&a->name, "datacontenttype")) {
            h->name.data = "content-type";
            h->name.len = sizeof("content-type") - 1;

        } else {
            h->name.data = p;
            h->name.len = sizeof(NGX_EDA_CE_KAFKA_PREFIX) - 1 + a->name.len;

            memcpy(p, NGX_EDA_CE_KAFKA_PREFIX,
                   sizeof(NGX_EDA_CE_KAFKA_PREFIX) - 1);

            if (a->name.len != 0) {
                memcpy(p + sizeof(NGX_EDA_CE_KAFKA_PREFIX) - 1, a->name.data,
                       a->name.len);
            }

            p += h->name.len;
        }

        h->value = a->value;
    }

    out->nheaders = n;
    out->value = ev->data;

    return 0;
}


/* structured mode: the JSON event as the value, and its content type */

static int
ngx_eda_ce_kafka_to_structured(const ngx_eda_ce_event_t *ev,
    ngx_eda_ce_kafka_alloc_pt alloc, void *ctx, ngx_eda_ce_kafka_out_t *out)
{
    char                       *json, *p;
    size_t                      len;
    ngx_eda_ce_kafka_header_t  *h;

    json = ngx_eda_ce_to_json(ev, &len);
    if (json == NULL) {
        return -1;
    }

    p = alloc(ctx, len);
    if (p == NULL) {
        free(json);
        return -1;
    }

    memcpy(p, json, len);
    free(json);

    out->value.data = p;
    out->value.len = len;

    h = &out->headers[0];

    h->name.data = "content-type";
    h->name.len = sizeof("content-type") - 1;
    h->value.data = NGX_EDA_CE_KAFKA_JSON_TYPE;
    h->value.len = sizeof(NGX_EDA_CE_KAFKA_JSON_TYPE) - 1;

    out->nheaders = 1;

    return 0;
}
