
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for W3C Trace Context values.  A traceparent that
 * parses, given its own span, must write back to a value that parses
 * again to the same trace and flags, with that span as the parent; a
 * version 00 value written back with its parent as the span must be the
 * input.  Any input goes to the tracestate check too.  Run it with
 * "./build.sh fuzz trace [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_trace.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char             out[NGX_EDA_TRACEPARENT_LEN];
    uint8_t          rnd[24];
    ngx_eda_trace_t  t, again;

    (void) ngx_eda_trace_valid_state((const char *) data, size);

    if (ngx_eda_trace_parse(&t, (const char *) data, size) != 0) {
        return 0;
    }

    memcpy(t.span_id, t.parent_id, 8);
    ngx_eda_trace_format(&t, out);

    if (size == NGX_EDA_TRACEPARENT_LEN && data[0] == '0' && data[1] == '0'
        && memcmp(out, data, size) != 0)
    {
        abort();
    }

    memset(rnd, size & 0xff, sizeof(rnd));
    ngx_eda_trace_child(&t, rnd);
    ngx_eda_trace_format(&t, out);

    if (ngx_eda_trace_parse(&again, out, sizeof(out)) != 0
        || memcmp(again.trace_id, t.trace_id, 16) != 0
        || memcmp(again.parent_id, t.span_id, 8) != 0
        || again.flags != t.flags)
    {
        abort();
    }

    return 0;
}
