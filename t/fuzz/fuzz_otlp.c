
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the OTLP core.  Any input is read as the start of
 * a collector's answer (the status is 0, -1 or a code from 100 to 599,
 * and a longer input never undoes a code found); and, cut in pieces,
 * becomes the strings of a span: its copy is valid UTF-8, so the batch
 * encodes, and the JSON parses back to the copy's name.  Run it with
 * "./build.sh fuzz otlp [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_otlp.h"
#include "ngx_eda_otlp_queue.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                       st, st2;
    char                     *out;
    size_t                    i, len, piece;
    json_t                   *root, *name;
    json_error_t              err;
    ngx_eda_otlp_span_t       span, *copy;
    ngx_eda_otlp_queue_t      q;
    ngx_eda_otlp_resource_t   res;
    const char               *p = (const char *) data;

    st = ngx_eda_otlp_status(p, size);

    if (st != 0 && st != -1 && (st < 100 || st > 599)) {
        abort();
    }

    for (len = 0; len < size && len < 16; len++) {
        st2 = ngx_eda_otlp_status(p, len);

        if (st2 > 0 && st != st2) {
            abort();
        }
    }

    memset(&span, 0, sizeof(span));

    piece = size / 4;
    span.name.data = p;
    span.name.len = piece;
    span.status_message.data = p + piece;
    span.status_message.len = piece;
    span.error = 1;
    span.kind = size % 7;
    span.nattrs = NGX_EDA_OTLP_MAX_ATTRS;

    for (i = 0; i < NGX_EDA_OTLP_MAX_ATTRS; i++) {
        span.attrs[i].key.data = p + 2 * piece;
        span.attrs[i].key.len = (i * 7) % (piece + 1);
        span.attrs[i].value.data = p + 3 * piece;
        span.attrs[i].value.len = size - 3 * piece;
    }

    if (ngx_eda_otlp_queue_init(&q, 1) != 0
        || ngx_eda_otlp_queue_push(&q, &span) != 0
        || ngx_eda_otlp_queue_take(&q, &copy, 1) != 1)
    {
        abort();
    }

    (void) ngx_eda_otlp_queue_free(&q);

    res.service_name = copy->name;
    res.instance_id = copy->status_message;
    res.scope_name = copy->attrs[0].value;
    res.scope_version = copy->attrs[1].key;

    out = ngx_eda_otlp_encode(&res, &copy, 1, &len);
    if (out == NULL) {
        abort();
    }

    root = json_loadb(out, len, JSON_ALLOW_NUL, &err);
    if (root == NULL) {
        abort();
    }

    name = json_object_get(json_array_get(json_object_get(json_array_get(
               json_object_get(json_array_get(json_object_get(root,
               "resourceSpans"), 0), "scopeSpans"), 0), "spans"), 0),
               "name");

    if (!json_is_string(name)
        || json_string_length(name) != copy->name.len
        || memcmp(json_string_value(name), copy->name.data, copy->name.len)
           != 0)
    {
        abort();
    }

    json_decref(root);
    free(out);
    free(copy);

    return 0;
}
