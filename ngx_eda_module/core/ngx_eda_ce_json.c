
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The JSON event format of CloudEvents 1.0 in both directions: an event
 * to its structured form (data embedded as JSON, as a string or in
 * base64, by its content type), and a structured event back to
 * attributes and data bytes, owned by the parsed result.  Only libc and
 * jansson, so it is unit-tested and fuzzed without nginx.
 */


#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_ce_json.h"
#include "ngx_eda_utf8.h"


/* the same bound the HTTP side puts on a structured request body */
#define NGX_EDA_CE_MAX_JSON      (16 * 1024 * 1024)

#define NGX_EDA_CE_JSON_DUMP     (JSON_COMPACT | JSON_PRESERVE_ORDER)
#define NGX_EDA_CE_JSON_LOAD     (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)


/* what ngx_eda_ce_parsed_t.owned points to; the owned bytes follow it */
typedef struct {
    json_t  *root;
} ngx_eda_ce_owned_t;


static int ngx_eda_ce_json_add_attr(json_t *obj, const char *name,
    size_t name_len, const ngx_eda_ce_str_t *value);
static int ngx_eda_ce_json_add_data(json_t *obj,
    const ngx_eda_ce_event_t *ev);
static json_t *ngx_eda_ce_json_load(const char *buf, size_t len,
    const char **err);
static int ngx_eda_ce_json_members(json_t *root, ngx_eda_ce_event_t *ev,
    json_t **data, json_t **b64, const char **err, ngx_eda_ce_str_t *attr);
static int ngx_eda_ce_json_member(json_t *root, void *iter,
    ngx_eda_ce_event_t *ev, const char **err, ngx_eda_ce_str_t *attr);
static int ngx_eda_ce_json_data(json_t *root, json_t *data, json_t *b64,
    ngx_eda_ce_parsed_t *out, const char **err, ngx_eda_ce_str_t *attr);
static int ngx_eda_ce_json_dumped(json_t *data, char *p, size_t size,
    const ngx_eda_ce_str_t *ct, ngx_eda_ce_parsed_t *out, const char **err);
static int ngx_eda_ce_json_base64(json_t *b64, char *p,
    ngx_eda_ce_parsed_t *out, const char **err, ngx_eda_ce_str_t *attr);
static void ngx_eda_ce_static_name(const char *name, size_t len,
    ngx_eda_ce_str_t *attr);


char *
ngx_eda_ce_to_json(const ngx_eda_ce_event_t *ev, size_t *len)
{
    int                       idx;
    char                     *buf;
    size_t                    i, k, n, nattrs;
    json_t                   *obj;
    const ngx_eda_ce_attr_t  *a;
    const ngx_eda_ce_str_t   *v;

    obj = json_object();
    if (obj == NULL) {
        return NULL;
    }

    nattrs = ev->nattrs < NGX_EDA_CE_MAX_ATTRS ? ev->nattrs
                                               : NGX_EDA_CE_MAX_ATTRS;

    for (k = 0; k < NGX_EDA_CE_NREQUIRED; k++) {
        n = strlen(ngx_eda_ce_known[k]);
        v = ngx_eda_ce_get(ev, ngx_eda_ce_known[k], n);

        if (v != NULL
            && ngx_eda_ce_json_add_attr(obj, ngx_eda_ce_known[k], n, v) != 0)
        {
            goto failed;
        }
    }

    for (i = 0; i < nattrs; i++) {
        a = &ev->attrs[i];
        idx = ngx_eda_ce_known_index(a->name.data, a->name.len);

        if (idx >= 0 && idx < NGX_EDA_CE_NREQUIRED) {
            continue;
        }

        if (ngx_eda_ce_json_add_attr(obj, a->name.data, a->name.len,
                                     &a->value)
            != 0)
        {
            goto failed;
        }
    }

    if (ev->data.data != NULL && ngx_eda_ce_json_add_data(obj, ev) != 0) {
        goto failed;
    }

    n = json_dumpb(obj, NULL, 0, NGX_EDA_CE_JSON_DUMP);
    if (n == 0) {
        goto failed;
    }

    buf = malloc(n);
    if (buf == NULL) {
        goto failed;
    }

    if (json_dumpb(obj, buf, n, NGX_EDA_CE_JSON_DUMP) != n) {
        free(buf);
        goto failed;
    }

    json_decref(obj);

    *len = n;

    return buf;

failed:

    json_decref(obj);

    return NULL;
}


int
ngx_eda_ce_from_json(const char *buf, size_t len, ngx_eda_ce_parsed_t *out,
    const char **err, ngx_eda_ce_str_t *attr)
{
    json_t              *root, *data, *b64;
    ngx_eda_ce_str_t     bad;
    ngx_eda_ce_owned_t  *owned;

    memset(out, 0, sizeof(ngx_eda_ce_parsed_t));
    attr->data = NULL;
    attr->len = 0;

    root = ngx_eda_ce_json_load(buf, len, err);
    if (root == NULL) {
        return -1;
    }

    if (!json_is_object(root)) {
        *err = "event must be a JSON object";
        goto failed;
    }

    if (ngx_eda_ce_json_members(root, &out->event, &data, &b64, err, attr)
        != 0)
    {
        goto failed;
    }

    if (ngx_eda_ce_json_data(root, data, b64, out, err, attr) != 0) {
        goto failed;
    }

    if (ngx_eda_ce_validate(&out->event, err, &bad) != 0) {
        ngx_eda_ce_static_name(bad.data, bad.len, attr);
        ngx_eda_ce_parsed_free(out);
        return -1;
    }

    return 0;

failed:

    owned = out->owned;
    free(owned);
    json_decref(root);
    memset(out, 0, sizeof(ngx_eda_ce_parsed_t));

    return -1;
}


void
ngx_eda_ce_parsed_free(ngx_eda_ce_parsed_t *p)
{
    ngx_eda_ce_owned_t  *owned;

    owned = p->owned;

    if (owned != NULL) {
        json_decref(owned->root);
        free(owned);
    }

    memset(p, 0, sizeof(ngx_eda_ce_parsed_t));
}


char *
ngx_eda_ce_parsed_alloc(ngx_eda_ce_parsed_t *p, size_t len)
{
    ngx_eda_ce_owned_t  *owned;

    if (len > (size_t) -1 - sizeof(ngx_eda_ce_owned_t)) {
        return NULL;
    }

    owned = malloc(sizeof(ngx_eda_ce_owned_t) + len);
    if (owned == NULL) {
        return NULL;
    }

    owned->root = NULL;
    p->owned = owned;

    return (char *) (owned + 1);
}


static int
ngx_eda_ce_json_add_attr(json_t *obj, const char *name, size_t name_len,
    const ngx_eda_ce_str_t *value)
{
    json_t  *v;

    if (name_len == 0) {
        return -1;
    }

    v = json_stringn(value->len ? value->data : "", value->len);

    /* json_object_setn_new() takes care of a NULL value */
    return json_object_setn_new(obj, name, name_len, v);
}


static int
ngx_eda_ce_json_add_data(json_t *obj, const ngx_eda_ce_event_t *ev)
{
    int                      text;
    char                    *b64;
    size_t                   n;
    json_t                  *v;
    json_error_t             jerr;
    const unsigned char     *p;
    const ngx_eda_ce_str_t  *ct;

    p = (const unsigned char *) ev->data.data;
    n = ev->data.len;

    ct = ngx_eda_ce_get(ev, "datacontenttype", 15);

    if (ct == NULL || ngx_eda_ce_is_json_type(ct->data, ct->len)) {
        v = json_loadb((const char *) p, n,
                       NGX_EDA_CE_JSON_LOAD | JSON_DECODE_ANY, &jerr);

        if (v != NULL) {
            return json_object_set_new(obj, "data", v);
        }

        /* a JSON type with bytes that are not JSON: still text, likely */
        text = 1;

    } else {
        text = ngx_eda_ce_is_text_type(ct->data, ct->len);
    }

    if (text && ngx_eda_utf8_valid(p, n)) {
        return json_object_set_new(obj, "data",
                                   json_stringn(n ? (const char *) p : "", n));
    }

    b64 = malloc(n / 3 * 4 + 4);
    if (b64 == NULL) {
        return -1;
    }

    v = json_stringn(b64, ngx_eda_base64_encode(p, n, b64));

    free(b64);

    return json_object_set_new(obj, "data_base64", v);
}


static json_t *
ngx_eda_ce_json_load(const char *buf, size_t len, const char **err)
{
    json_t        *root;
    json_error_t   jerr;

    if (len > NGX_EDA_CE_MAX_JSON) {
        *err = "event too large";
        return NULL;
    }

    root = json_loadb(buf, len, NGX_EDA_CE_JSON_LOAD | JSON_DECODE_ANY, &jerr);

    if (root != NULL) {
        return root;
    }

    switch (json_error_code(&jerr)) {

    case json_error_duplicate_key:
        *err = "duplicate attribute";
        break;

    case json_error_invalid_utf8:
        *err = "invalid UTF-8";
        break;

    case json_error_out_of_memory:
        *err = "out of memory";
        break;

    default:
        *err = "invalid JSON";
        break;
    }

    return NULL;
}


/* the attributes into EV; data and data_base64 (not null) set aside */

static int
ngx_eda_ce_json_members(json_t *root, ngx_eda_ce_event_t *ev, json_t **data,
    json_t **b64, const char **err, ngx_eda_ce_str_t *attr)
{
    void        *iter;
    size_t       klen;
    const char  *key;

    *data = NULL;
    *b64 = NULL;

    for (iter = json_object_iter(root);
         iter != NULL;
         iter = json_object_iter_next(root, iter))
    {
        key = json_object_iter_key(iter);
        klen = json_object_iter_key_len(iter);

        if (json_is_null(json_object_iter_value(iter))) {
            continue;
        }

        if (klen == 4 && memcmp(key, "data", 4) == 0) {
            *data = json_object_iter_value(iter);
            continue;
        }

        if (klen == 11 && memcmp(key, "data_base64", 11) == 0) {
            *b64 = json_object_iter_value(iter);
            continue;
        }

        if (ngx_eda_ce_json_member(root, iter, ev, err, attr) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
ngx_eda_ce_json_member(json_t *root, void *iter, ngx_eda_ce_event_t *ev,
    const char **err, ngx_eda_ce_str_t *attr)
{
    int          idx;
    char         num[64];
    size_t       n, klen;
    json_t      *v;
    const char  *key;

    key = json_object_iter_key(iter);
    klen = json_object_iter_key_len(iter);
    v = json_object_iter_value(iter);

    if (ev->nattrs == NGX_EDA_CE_MAX_ATTRS) {
        *err = "too many attributes";
        return -1;
    }

    if (!json_is_string(v)) {
        idx = ngx_eda_ce_known_index(key, klen);

        if (idx >= 0 && idx < NGX_EDA_CE_NCORE) {
            *err = "attribute must be a string";
            ngx_eda_ce_static_name(key, klen, attr);
            return -1;
        }

        if (json_is_object(v) || json_is_array(v)) {
            *err = "extension must be a string, number or boolean";
            ngx_eda_ce_static_name(key, klen, attr);
            return -1;
        }

        /* jansson's own rendering is the canonical one: 7, 1.5, true */
        n = json_dumpb(v, num, sizeof(num), JSON_ENCODE_ANY);

        if (n == 0 || n > sizeof(num)) {
            *err = "invalid extension value";
            ngx_eda_ce_static_name(key, klen, attr);
            return -1;
        }

        /* the string replaces the number, so the tree owns its bytes */
        if (json_object_iter_set_new(root, iter, json_stringn(num, n)) != 0) {
            *err = "out of memory";
            return -1;
        }

        v = json_object_iter_value(iter);
    }

    ev->attrs[ev->nattrs].name.data = key;
    ev->attrs[ev->nattrs].name.len = klen;
    ev->attrs[ev->nattrs].value.data = json_string_value(v);
    ev->attrs[ev->nattrs].value.len = json_string_length(v);
    ev->nattrs++;

    return 0;
}


static int
ngx_eda_ce_json_data(json_t *root, json_t *data, json_t *b64,
    ngx_eda_ce_parsed_t *out, const char **err, ngx_eda_ce_str_t *attr)
{
    int                      serialise;
    char                    *p;
    size_t                   size;
    const ngx_eda_ce_str_t  *ct;

    if (data != NULL && b64 != NULL) {
        *err = "data and data_base64 are exclusive";
        ngx_eda_ce_static_name("data_base64", 11, attr);
        return -1;
    }

    if (b64 != NULL && !json_is_string(b64)) {
        *err = "data_base64 must be a string";
        ngx_eda_ce_static_name("data_base64", 11, attr);
        return -1;
    }

    ct = ngx_eda_ce_get(&out->event, "datacontenttype", 15);

    /* a string is a JSON value too when the type says the data is JSON */
    serialise = data != NULL
                && (!json_is_string(data)
                    || (ct != NULL
                        && ngx_eda_ce_is_json_type(ct->data, ct->len)));

    size = 0;

    if (serialise) {
        size = json_dumpb(data, NULL, 0,
                          NGX_EDA_CE_JSON_DUMP | JSON_ENCODE_ANY);
        if (size == 0) {
            *err = "out of memory";
            return -1;
        }

    } else if (b64 != NULL) {
        size = json_string_length(b64) / 4 * 3;
    }

    p = ngx_eda_ce_parsed_alloc(out, size);
    if (p == NULL) {
        *err = "out of memory";
        return -1;
    }

    ((ngx_eda_ce_owned_t *) out->owned)->root = root;

    if (serialise) {
        return ngx_eda_ce_json_dumped(data, p, size, ct, out, err);
    }

    if (data != NULL) {
        out->event.data.data = json_string_value(data);
        out->event.data.len = json_string_length(data);

    } else if (b64 != NULL) {
        return ngx_eda_ce_json_base64(b64, p, out, err, attr);
    }

    return 0;
}


/* the data as its JSON serialisation, SIZE bytes, written to P */

static int
ngx_eda_ce_json_dumped(json_t *data, char *p, size_t size,
    const ngx_eda_ce_str_t *ct, ngx_eda_ce_parsed_t *out, const char **err)
{
    if (json_dumpb(data, p, size, NGX_EDA_CE_JSON_DUMP | JSON_ENCODE_ANY)
        != size)
    {
        *err = "out of memory";
        return -1;
    }

    out->event.data.data = p;
    out->event.data.len = size;

    if (ct == NULL) {
        if (out->event.nattrs == NGX_EDA_CE_MAX_ATTRS) {
            *err = "too many attributes";
            return -1;
        }

        /* what the JSON format implies, made explicit for binary mode */
        ngx_eda_ce_set(&out->event, "datacontenttype", 15,
                       "application/json", 16);
    }

    return 0;
}


/* data_base64 decoded to P, which has room for its length / 4 * 3 */

static int
ngx_eda_ce_json_base64(json_t *b64, char *p, ngx_eda_ce_parsed_t *out,
    const char **err, ngx_eda_ce_str_t *attr)
{
    size_t  n;

    if (ngx_eda_base64_decode(json_string_value(b64),
                              json_string_length(b64), (unsigned char *) p,
                              &n, NGX_EDA_BASE64_PADDED)
        != 0)
    {
        *err = "invalid base64 in data_base64";
        ngx_eda_ce_static_name("data_base64", 11, attr);
        return -1;
    }

    out->event.data.data = p;
    out->event.data.len = n;

    return 0;
}


static void
ngx_eda_ce_static_name(const char *name, size_t len, ngx_eda_ce_str_t *attr)
{
    int  idx;

    idx = ngx_eda_ce_known_index(name, len);

    if (idx < 0) {
        attr->data = NULL;
        attr->len = 0;
        return;
    }

    attr->data = ngx_eda_ce_known[idx];
    attr->len = len;
}
