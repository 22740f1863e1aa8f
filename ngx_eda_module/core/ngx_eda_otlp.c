
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * OTLP/HTTP JSON: the protobuf JSON mapping of ExportTraceServiceRequest
 * with the exceptions OTLP makes (trace and span ids as hex, not base64;
 * enum values as integers).  64-bit integers are strings, as the mapping
 * asks.  One resource, one scope, all the batch's spans in it.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_otlp.h"
#include "ngx_eda_utf8.h"


#define NGX_EDA_OTLP_DUMP        (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* OTLP Status.code */
#define NGX_EDA_OTLP_STATUS_ERROR  2


static size_t ngx_eda_otlp_clean(char *dst, const ngx_eda_otlp_str_t *src);
static int ngx_eda_otlp_set_str(json_t *obj, const char *key,
    const ngx_eda_otlp_str_t *s);
static int ngx_eda_otlp_set_hex(json_t *obj, const char *key,
    const uint8_t *id, size_t n);
static int ngx_eda_otlp_set_time(json_t *obj, const char *key, uint64_t ns);
static int ngx_eda_otlp_add_attr(json_t *arr, const ngx_eda_otlp_str_t *key,
    const ngx_eda_otlp_str_t *value);
static json_t *ngx_eda_otlp_span_json(const ngx_eda_otlp_span_t *span);


ngx_eda_otlp_span_t *
ngx_eda_otlp_span_copy(const ngx_eda_otlp_span_t *span)
{
    char                 *p;
    size_t                i, n, size;
    ngx_eda_otlp_span_t  *copy;

    n = span->nattrs < NGX_EDA_OTLP_MAX_ATTRS ? span->nattrs
                                              : NGX_EDA_OTLP_MAX_ATTRS;

    /* the strings can only shrink: cut, and '?' for a bad byte */

    size = sizeof(ngx_eda_otlp_span_t) + span->name.len
           + span->status_message.len;

    for (i = 0; i < n; i++) {
        size += span->attrs[i].key.len + span->attrs[i].value.len;
    }

    copy = malloc(size);
    if (copy == NULL) {
        return NULL;
    }

    *copy = *span;
    copy->nattrs = n;

    p = (char *) (copy + 1);

    copy->name.data = p;
    copy->name.len = ngx_eda_otlp_clean(p, &span->name);
    p += copy->name.len;

    copy->status_message.data = p;
    copy->status_message.len = ngx_eda_otlp_clean(p, &span->status_message);
    p += copy->status_message.len;

    for (i = 0; i < n; i++) {
        copy->attrs[i].key.data = p;
        copy->attrs[i].key.len = ngx_eda_otlp_clean(p, &span->attrs[i].key);
        p += copy->attrs[i].key.len;

        copy->attrs[i].value.data = p;
        copy->attrs[i].value.len = ngx_eda_otlp_clean(p,
                                                      &span->attrs[i].value);
        p += copy->attrs[i].value.len;
    }

    return copy;
}


/* SRC into DST as valid UTF-8 of at most NGX_EDA_OTLP_STR_MAX bytes */

static size_t
ngx_eda_otlp_clean(char *dst, const ngx_eda_otlp_str_t *src)
{
    size_t                len, out, ok;
    const unsigned char  *p;

    p = (const unsigned char *) src->data;
    len = src->len;
    out = 0;

    while (len > 0 && out < NGX_EDA_OTLP_STR_MAX) {

        ok = ngx_eda_utf8_prefix(p, len, NGX_EDA_OTLP_STR_MAX - out);

        memcpy(dst + out, p, ok);
        out += ok;
        p += ok;
        len -= ok;

        if (len == 0 || out == NGX_EDA_OTLP_STR_MAX) {
            break;
        }

        if (ngx_eda_utf8_prefix(p, len, 4) > 0) {
            /* a valid character that does not fit: the cut is here */
            break;
        }

        dst[out++] = '?';
        p++;
        len--;
    }

    return out;
}


char *
ngx_eda_otlp_encode(const ngx_eda_otlp_resource_t *res,
    ngx_eda_otlp_span_t *const *spans, size_t n, size_t *len)
{
    char    *buf;
    size_t   i, size;
    json_t  *root, *rs, *resource, *attrs, *ss, *scope, *arr, *span;

    root = json_object();
    rs = json_object();
    resource = json_object();
    attrs = json_array();
    ss = json_object();
    scope = json_object();
    arr = json_array();

    buf = NULL;

    if (root == NULL || rs == NULL || resource == NULL || attrs == NULL
        || ss == NULL || scope == NULL || arr == NULL)
    {
        goto done;
    }

    /* each json_*_new() below takes its reference, whatever happens */

    if (json_object_set_new(root, "resourceSpans", json_array()) != 0
        || json_array_append(json_object_get(root, "resourceSpans"), rs)
           != 0
        || json_object_set(rs, "resource", resource) != 0
        || json_object_set(resource, "attributes", attrs) != 0
        || json_object_set_new(rs, "scopeSpans", json_array()) != 0
        || json_array_append(json_object_get(rs, "scopeSpans"), ss) != 0
        || json_object_set(ss, "scope", scope) != 0
        || json_object_set(ss, "spans", arr) != 0)
    {
        goto done;
    }

    if (ngx_eda_otlp_add_attr(attrs,
                              &(ngx_eda_otlp_str_t) { "service.name", 12 },
                              &res->service_name)
        != 0)
    {
        goto done;
    }

    if (res->instance_id.len != 0
        && ngx_eda_otlp_add_attr(attrs,
                                 &(ngx_eda_otlp_str_t)
                                     { "service.instance.id", 19 },
                                 &res->instance_id)
           != 0)
    {
        goto done;
    }

    if (ngx_eda_otlp_set_str(scope, "name", &res->scope_name) != 0
        || (res->scope_version.len != 0
            && ngx_eda_otlp_set_str(scope, "version", &res->scope_version)
               != 0))
    {
        goto done;
    }

    for (i = 0; i < n; i++) {
        span = ngx_eda_otlp_span_json(spans[i]);

        if (span == NULL || json_array_append_new(arr, span) != 0) {
            goto done;
        }
    }

    size = json_dumpb(root, NULL, 0, NGX_EDA_OTLP_DUMP);
    if (size == 0) {
        goto done;
    }

    buf = malloc(size);
    if (buf == NULL) {
        goto done;
    }

    if (json_dumpb(root, buf, size, NGX_EDA_OTLP_DUMP) != size) {
        free(buf);
        buf = NULL;
        goto done;
    }

    *len = size;

done:

    json_decref(root);
    json_decref(rs);
    json_decref(resource);
    json_decref(attrs);
    json_decref(ss);
    json_decref(scope);
    json_decref(arr);

    return buf;
}


static json_t *
ngx_eda_otlp_span_json(const ngx_eda_otlp_span_t *span)
{
    size_t   i;
    json_t  *obj, *attrs, *status;

    static const uint8_t  zero[8];

    obj = json_object();
    if (obj == NULL) {
        return NULL;
    }

    if (ngx_eda_otlp_set_hex(obj, "traceId", span->trace_id, 16) != 0
        || ngx_eda_otlp_set_hex(obj, "spanId", span->span_id, 8) != 0)
    {
        goto failed;
    }

    if (memcmp(span->parent_id, zero, 8) != 0
        && ngx_eda_otlp_set_hex(obj, "parentSpanId", span->parent_id, 8)
           != 0)
    {
        goto failed;
    }

    /* bits 0-7 of Span.flags are the W3C trace flags */

    if (json_object_set_new(obj, "flags", json_integer(span->flags)) != 0
        || ngx_eda_otlp_set_str(obj, "name", &span->name) != 0)
    {
        goto failed;
    }

    if (span->kind >= NGX_EDA_OTLP_KIND_INTERNAL
        && span->kind <= NGX_EDA_OTLP_KIND_CONSUMER
        && json_object_set_new(obj, "kind", json_integer(span->kind)) != 0)
    {
        goto failed;
    }

    if (ngx_eda_otlp_set_time(obj, "startTimeUnixNano", span->start_ns) != 0
        || ngx_eda_otlp_set_time(obj, "endTimeUnixNano", span->end_ns) != 0)
    {
        goto failed;
    }

    if (span->nattrs != 0) {
        attrs = json_array();

        if (json_object_set_new(obj, "attributes", attrs) != 0) {
            goto failed;
        }

        for (i = 0; i < span->nattrs && i < NGX_EDA_OTLP_MAX_ATTRS; i++) {
            if (ngx_eda_otlp_add_attr(attrs, &span->attrs[i].key,
                                      &span->attrs[i].value)
                != 0)
            {
                goto failed;
            }
        }
    }

    if (span->error) {
        status = json_object();

        if (json_object_set_new(obj, "status", status) != 0
            || json_object_set_new(status, "code",
                                   json_integer(NGX_EDA_OTLP_STATUS_ERROR))
               != 0
            || (span->status_message.len != 0
                && ngx_eda_otlp_set_str(status, "message",
                                        &span->status_message)
                   != 0))
        {
            goto failed;
        }
    }

    return obj;

failed:

    json_decref(obj);

    return NULL;
}


static int
ngx_eda_otlp_set_str(json_t *obj, const char *key,
    const ngx_eda_otlp_str_t *s)
{
    return json_object_set_new(obj, key,
                               json_stringn(s->len ? s->data : "", s->len));
}


static int
ngx_eda_otlp_set_hex(json_t *obj, const char *key, const uint8_t *id,
    size_t n)
{
    char    hex[32];
    size_t  i;

    static const char  digits[] = "0123456789abcdef";

    for (i = 0; i < n; i++) {
        hex[2 * i] = digits[id[i] >> 4];
        hex[2 * i + 1] = digits[id[i] & 0x0f];
    }

    return json_object_set_new(obj, key, json_stringn(hex, 2 * n));
}


static int
ngx_eda_otlp_set_time(json_t *obj, const char *key, uint64_t ns)
{
    char  num[24];
    int   n;

    n = snprintf(num, sizeof(num), "%llu", (unsigned long long) ns);

    return json_object_set_new(obj, key, json_stringn(num, (size_t) n));
}


/* {"key": KEY, "value": {"stringValue": VALUE}} */

static int
ngx_eda_otlp_add_attr(json_t *arr, const ngx_eda_otlp_str_t *key,
    const ngx_eda_otlp_str_t *value)
{
    json_t  *kv, *any;

    kv = json_object();
    if (kv == NULL) {
        return -1;
    }

    if (json_array_append_new(arr, kv) != 0) {
        return -1;
    }

    any = json_object();

    if (ngx_eda_otlp_set_str(kv, "key", key) != 0
        || json_object_set_new(kv, "value", any) != 0
        || ngx_eda_otlp_set_str(any, "stringValue", value) != 0)
    {
        return -1;
    }

    return 0;
}


int
ngx_eda_otlp_status(const char *p, size_t len)
{
    int     code;
    size_t  i;

    static const char  prefix[] = "HTTP/1.";

    /* "HTTP/1." DIGIT SP 3DIGIT */

    for (i = 0; i < len && i < sizeof(prefix) - 1; i++) {
        if (p[i] != prefix[i]) {
            return -1;
        }
    }

    if (len <= 7) {
        return 0;
    }

    if (p[7] < '0' || p[7] > '9') {
        return -1;
    }

    if (len <= 8) {
        return 0;
    }

    if (p[8] != ' ') {
        return -1;
    }

    code = 0;

    for (i = 9; i < 12; i++) {
        if (i >= len) {
            return 0;
        }

        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }

        code = code * 10 + (p[i] - '0');
    }

    if (code < 100 || code > 599) {
        return -1;
    }

    /* the code ends there: a space, or the line's end */

    if (len == 12) {
        return 0;
    }

    if (p[12] != ' ' && p[12] != '\r' && p[12] != '\n') {
        return -1;
    }

    return code;
}
