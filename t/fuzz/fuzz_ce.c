
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the CloudEvents core.  Anything from_json()
 * accepts must encode, and the encoding must parse back to the same
 * attributes (plus the datacontenttype the JSON format implies for JSON
 * data, made explicit on the way back); the small validators and the
 * percent-decoder run on the raw input too.
 * Run it with "./build.sh fuzz ce [seconds]".
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_ce.h"


#define FUZZ_CE_MAX_JSON  (16 * 1024 * 1024)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ce_roundtrip(const ngx_eda_ce_event_t *ev);
static void fuzz_ce_fail(const char *what, const char *err);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                 *out;
    long                  n;
    const char           *s, *err;
    ngx_eda_ce_str_t      attr;
    ngx_eda_ce_parsed_t   p;

    s = (const char *) data;

    err = NULL;

    if (ngx_eda_ce_from_json(s, size, &p, &err, &attr) == 0) {
        fuzz_ce_roundtrip(&p.event);
        ngx_eda_ce_parsed_free(&p);

    } else {
        if (err == NULL || p.owned != NULL
            || (attr.data == NULL) != (attr.len == 0))
        {
            fuzz_ce_fail("from_json error report", err);
        }
    }

    out = malloc(size + 1);
    if (out == NULL) {
        return 0;
    }

    n = ngx_eda_ce_pct_decode(s, size, out);

    if (n > (long) size) {
        fuzz_ce_fail("pct_decode grew the input", NULL);
    }

    free(out);

    (void) ngx_eda_ce_valid_time(s, size);
    (void) ngx_eda_ce_valid_traceparent(s, size);
    (void) ngx_eda_ce_valid_name(s, size);
    (void) ngx_eda_ce_is_json_type(s, size);

    (void) ngx_eda_ce_check_value("source", 6, s, size, &err);
    (void) ngx_eda_ce_check_value("dataschema", 10, s, size, &err);
    (void) ngx_eda_ce_check_value("datacontenttype", 15, s, size, &err);

    return 0;
}


static void
fuzz_ce_roundtrip(const ngx_eda_ce_event_t *ev)
{
    char                    *json;
    size_t                   i, len, extra;
    const char              *err;
    ngx_eda_ce_str_t         attr;
    ngx_eda_ce_parsed_t      p;
    const ngx_eda_ce_str_t  *v;

    json = ngx_eda_ce_to_json(ev, &len);
    if (json == NULL) {
        fuzz_ce_fail("to_json of a parsed event", NULL);
        return;
    }

    /* base64 grows data: the limit may be crossed on the way back */
    if (len > FUZZ_CE_MAX_JSON) {
        free(json);
        return;
    }

    if (ngx_eda_ce_from_json(json, len, &p, &err, &attr) != 0) {
        fprintf(stderr, "re-encoded: %.*s\n", (int) len, json);
        fuzz_ce_fail("from_json of to_json output", err);
    }

    extra = 0;

    if (ngx_eda_ce_get(ev, "datacontenttype", 15) == NULL
        && ngx_eda_ce_get(&p.event, "datacontenttype", 15) != NULL)
    {
        extra = 1;
    }

    if (p.event.nattrs != ev->nattrs + extra) {
        fprintf(stderr, "re-encoded: %.*s\n", (int) len, json);
        fuzz_ce_fail("attribute count changed", NULL);
    }

    for (i = 0; i < ev->nattrs; i++) {
        v = ngx_eda_ce_get(&p.event, ev->attrs[i].name.data,
                           ev->attrs[i].name.len);

        if (v == NULL || v->len != ev->attrs[i].value.len
            || (v->len != 0
                && memcmp(v->data, ev->attrs[i].value.data, v->len) != 0))
        {
            fprintf(stderr, "re-encoded: %.*s\n", (int) len, json);
            fuzz_ce_fail("attribute value changed", NULL);
        }
    }

    if ((ev->data.data == NULL) != (p.event.data.data == NULL)) {
        fuzz_ce_fail("data presence changed", NULL);
    }

    ngx_eda_ce_parsed_free(&p);
    free(json);
}


static void
fuzz_ce_fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_ce: %s (%s)\n", what,
            err != NULL ? err : "no error");
    abort();
}
