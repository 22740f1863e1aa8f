
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdint.h>

#include "eda_unit.h"
#include "ngx_eda_trace.h"


typedef struct {
    const char  *in;
    int          ok;
} trace_case_t;


static const trace_case_t  parse_cases[] = {
    { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 1 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", 1 },
    { "00-00000000000000000000000000000000-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", 0 },
    { "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", 0 },
    { "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", 0 },
    { "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", 1 },
    { "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", 0 },
    { "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", 0 },
    { "", 0 },
};


static const trace_case_t  state_cases[] = {
    { "congo=t61rcWkgMzE", 1 },
    { "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", 1 },
    { "rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE", 1 },
    { "tenant@vendor=x", 1 },
    { "a=1,,b=2", 1 },                       /* an empty member */
    { "", 0 },
    { "Rojo=1", 0 },                          /* upper-case key */
    { "=1", 0 },
    { "a=", 0 },
    { "a", 0 },
    { "a=b=c", 0 },
    { "a=b\x01", 0 },
    { "_a=1", 0 },
    { "a=1,b=2\n", 0 },
};


static void
test_parse(void)
{
    size_t           i;
    ngx_eda_trace_t  t;

    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        int  got = ngx_eda_trace_parse(&t, parse_cases[i].in,
                                       strlen(parse_cases[i].in)) == 0;
        if (got != parse_cases[i].ok) {
            printf("FAIL parse \"%s\": got %d\n", parse_cases[i].in, got);
        }
        EDA_CHECK(got == parse_cases[i].ok);
    }

    EDA_CHECK(ngx_eda_trace_parse(&t, parse_cases[0].in, 55) == 0);
    EDA_CHECK(t.trace_id[0] == 0x4b && t.trace_id[15] == 0x36);
    EDA_CHECK(t.parent_id[0] == 0x00 && t.parent_id[1] == 0xf0
              && t.parent_id[7] == 0xb7);
    EDA_CHECK(t.flags == NGX_EDA_TRACE_SAMPLED);
}


/* a child keeps the trace, the flags and the parent; gets its own span */
static void
test_child_and_format(void)
{
    char             out[NGX_EDA_TRACEPARENT_LEN];
    uint8_t          rnd[24];
    ngx_eda_trace_t  t;

    memset(rnd, 0xab, sizeof(rnd));
    ngx_eda_trace_parse(&t, parse_cases[1].in, 55);
    ngx_eda_trace_child(&t, rnd);
    ngx_eda_trace_format(&t, out);
    EDA_CHECK_STR(out, sizeof(out),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-abababababababab-00");
    EDA_CHECK(t.parent_id[1] == 0xf0);

    /* the written value parses back: the next hop continues this span */
    EDA_CHECK(ngx_eda_trace_parse(&t, out, sizeof(out)) == 0);
    EDA_CHECK(t.parent_id[0] == 0xab);

    /* a root: random trace and span, no parent, the flags given */
    memset(rnd, 0, 16);
    memset(rnd + 16, 0x11, 8);
    ngx_eda_trace_root(&t, rnd, NGX_EDA_TRACE_SAMPLED);
    ngx_eda_trace_format(&t, out);
    EDA_CHECK_STR(out, sizeof(out),
        "00-00000000000000000000000000000001-1111111111111111-01");
    EDA_CHECK(t.parent_id[0] == 0 && t.parent_id[7] == 0);

    /* a zero span id is never written */
    memset(rnd, 0, sizeof(rnd));
    ngx_eda_trace_child(&t, rnd);
    ngx_eda_trace_format(&t, out);
    EDA_CHECK(ngx_eda_trace_parse(&t, out, sizeof(out)) == 0);
}


static void
test_state(void)
{
    char    big[NGX_EDA_TRACESTATE_MAX + 2];
    size_t  i;

    for (i = 0; i < sizeof(state_cases) / sizeof(state_cases[0]); i++) {
        int  got = ngx_eda_trace_valid_state(state_cases[i].in,
                                             strlen(state_cases[i].in));
        if (got != state_cases[i].ok) {
            printf("FAIL tracestate \"%s\": got %d\n", state_cases[i].in,
                   got);
        }
        EDA_CHECK(got == state_cases[i].ok);
    }

    /* 33 members, then 512 and 513 bytes */
    memset(big, 0, sizeof(big));
    for (i = 0; i < 33; i++) {
        memcpy(big + 4 * i, "a=1,", 4);
    }
    EDA_CHECK(!ngx_eda_trace_valid_state(big, 4 * 33 - 1));
    EDA_CHECK(ngx_eda_trace_valid_state(big, 4 * 32 - 1));

    memcpy(big, "a=", 2);
    memset(big + 2, 'x', sizeof(big) - 2);
    EDA_CHECK(!ngx_eda_trace_valid_state(big, 256 + 3));   /* long value */
    memcpy(big + 200, ",b=", 3);
    memcpy(big + 400, ",c=", 3);
    EDA_CHECK(ngx_eda_trace_valid_state(big, NGX_EDA_TRACESTATE_MAX));
    EDA_CHECK(!ngx_eda_trace_valid_state(big, NGX_EDA_TRACESTATE_MAX + 1));
}


int
main(void)
{
    test_parse();
    test_child_and_format();
    test_state();

    EDA_UNIT_DONE();
}
