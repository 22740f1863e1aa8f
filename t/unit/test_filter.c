
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Subscription filters, one case a line: the filters as a configuration
 * or a client would give them, the event they see, and the outcome.  An
 * attribute written "?name" is the client's query argument "name"; the
 * others are the server's filters, where an empty value lets nothing
 * through.
 */


#include "eda_unit.h"
#include "ngx_eda_filter.h"


#define TEST_REJECT  -1               /* refused at configuration time */
#define TEST_DROP     0
#define TEST_PASS     1

#define TEST_MAX_FILTERS  2


typedef struct {
    const char  *attr;                /* NULL: no more filters */
    const char  *op;                  /* NULL with a client argument */
    const char  *value;
} test_filter_spec_t;


typedef struct {
    const char          *name;
    test_filter_spec_t   filters[TEST_MAX_FILTERS];
    const char          *subject;     /* NULL: the event has none */
    const char          *tenant;      /* an extension; NULL: none */
    const char          *key;         /* NULL: the record has no key */
    int                  want;
} test_filter_case_t;


static const test_filter_case_t  cases[] = {

    /* no filter: everything passes */
    { "none", { { NULL } }, "42", NULL, NULL, TEST_PASS },

    /* eq */
    { "eq", { { "subject", "eq", "42" } }, "42", NULL, NULL, TEST_PASS },
    { "eq longer", { { "subject", "eq", "42" } }, "421", NULL, NULL,
      TEST_DROP },
    { "eq shorter", { { "subject", "eq", "421" } }, "42", NULL, NULL,
      TEST_DROP },
    { "eq case", { { "type", "eq", "Order.created" } }, NULL, NULL, NULL,
      TEST_DROP },
    { "eq absent", { { "subject", "eq", "42" } }, NULL, NULL, NULL,
      TEST_DROP },
    { "eq empty", { { "subject", "eq", "" } }, "42", NULL, NULL,
      TEST_DROP },
    { "eq empty of empty", { { "subject", "eq", "" } }, "", NULL, NULL,
      TEST_DROP },

    /* prefix */
    { "prefix", { { "type", "prefix", "order." } }, NULL, NULL, NULL,
      TEST_PASS },
    { "prefix whole", { { "type", "prefix", "order.created" } }, NULL, NULL,
      NULL, TEST_PASS },
    { "prefix longer", { { "type", "prefix", "order.created.v2" } }, NULL,
      NULL, NULL, TEST_DROP },
    { "prefix other", { { "type", "prefix", "order.x" } }, NULL, NULL,
      NULL, TEST_DROP },
    { "prefix empty", { { "subject", "prefix", "" } }, "42", NULL, NULL,
      TEST_DROP },
    { "prefix empty absent", { { "subject", "prefix", "" } }, NULL, NULL,
      NULL, TEST_DROP },

    /* suffix */
    { "suffix", { { "type", "suffix", ".created" } }, NULL, NULL, NULL,
      TEST_PASS },
    { "suffix start", { { "type", "suffix", "order" } }, NULL, NULL, NULL,
      TEST_DROP },
    { "suffix longer", { { "subject", "suffix", "142" } }, "42", NULL, NULL,
      TEST_DROP },
    { "suffix empty", { { "subject", "suffix", "" } }, "42", NULL, NULL,
      TEST_DROP },

    /* extensions and the record key */
    { "extension", { { "tenant", "eq", "acme" } }, NULL, "acme", NULL,
      TEST_PASS },
    { "extension absent", { { "tenant", "eq", "acme" } }, NULL, NULL, NULL,
      TEST_DROP },
    { "key", { { "key", "eq", "k1" } }, NULL, NULL, "k1", TEST_PASS },
    { "key other", { { "key", "eq", "k1" } }, NULL, NULL, "k2", TEST_DROP },
    { "key suffix", { { "key", "suffix", "1" } }, NULL, NULL, "k1",
      TEST_PASS },
    { "key absent", { { "key", "eq", "k1" } }, NULL, NULL, NULL, TEST_DROP },
    { "key absent empty prefix", { { "key", "prefix", "" } }, NULL, NULL,
      NULL, TEST_DROP },
    { "key empty", { { "key", "prefix", "" } }, NULL, NULL, "", TEST_DROP },
    { "key hides extension", { { "key", "eq", "ext" } }, NULL, NULL, "k1",
      TEST_DROP },

    /* all must hold */
    { "both hold", { { "subject", "eq", "42" }, { "type", "prefix", "o" } },
      "42", NULL, NULL, TEST_PASS },
    { "second fails", { { "subject", "eq", "42" }, { "type", "eq", "o" } },
      "42", NULL, NULL, TEST_DROP },
    { "first fails", { { "subject", "eq", "4" }, { "type", "prefix", "o" } },
      "42", NULL, NULL, TEST_DROP },

    /* the client's query arguments */
    { "?type", { { "?type", NULL, "order.created" } }, NULL, NULL, NULL,
      TEST_PASS },
    { "?type is eq", { { "?type", NULL, "order." } }, NULL, NULL, NULL,
      TEST_DROP },
    { "?subject", { { "?subject", NULL, "42" } }, "42", NULL, NULL,
      TEST_PASS },
    { "?type_prefix", { { "?type_prefix", NULL, "order." } }, NULL, NULL,
      NULL, TEST_PASS },
    { "?subject_prefix", { { "?subject_prefix", NULL, "5" } }, "42", NULL,
      NULL, TEST_DROP },
    { "?subject_prefix empty", { { "?subject_prefix", NULL, "" } }, NULL,
      NULL, NULL, TEST_DROP },
    { "?subject_prefix empty of 42", { { "?subject_prefix", NULL, "" } },
      "42", NULL, NULL, TEST_PASS },
    { "?subject empty of empty", { { "?subject", NULL, "" } }, "", NULL,
      NULL, TEST_PASS },
    { "empty server value, client", { { "subject", "prefix", "" },
                                      { "?subject", NULL, "42" } },
      "42", NULL, NULL, TEST_DROP },
    { "server and client", { { "subject", "eq", "42" },
                             { "?type_prefix", NULL, "order." } },
      "42", NULL, NULL, TEST_PASS },
    { "client narrows", { { "subject", "prefix", "4" },
                          { "?subject", NULL, "43" } },
      "42", NULL, NULL, TEST_DROP },
    { "?type_suffix", { { "?type_suffix", NULL, "d" } }, NULL, NULL, NULL,
      TEST_REJECT },
    { "?key", { { "?key", NULL, "k1" } }, NULL, NULL, "k1", TEST_REJECT },

    /* what the configuration refuses */
    { "op case", { { "subject", "EQ", "42" } }, "42", NULL, NULL,
      TEST_REJECT },
    { "op unknown", { { "subject", "equals", "42" } }, "42", NULL, NULL,
      TEST_REJECT },
    { "op partial", { { "subject", "pre", "42" } }, "42", NULL, NULL,
      TEST_REJECT },
    { "op empty", { { "subject", "", "42" } }, "42", NULL, NULL,
      TEST_REJECT },
    { "attr case", { { "Subject", "eq", "42" } }, "42", NULL, NULL,
      TEST_REJECT },
    { "attr empty", { { "", "eq", "42" } }, "42", NULL, NULL, TEST_REJECT },
    { "attr underscore", { { "data_base64", "eq", "x" } }, NULL, NULL, NULL,
      TEST_REJECT },
    { "attr too long", { { "abcdefghijklmnopqrstu", "eq", "x" } }, NULL,
      NULL, NULL, TEST_REJECT },
    { "attr longest", { { "abcdefghijklmnopqrst", "eq", "x" } }, NULL, NULL,
      NULL, TEST_DROP },
};


/* the filter as the module builds it, or -1 where it refuses it */

static int
test_filter_build(const test_filter_spec_t *spec, ngx_eda_filter_t *f)
{
    const ngx_eda_filter_arg_t  *a;

    f->value = spec->value;
    f->value_len = strlen(spec->value);
    f->required = (spec->attr[0] != '?');

    if (spec->attr[0] == '?') {
        for (a = ngx_eda_filter_client_args; a->arg != NULL; a++) {
            if (strcmp(a->arg, spec->attr + 1) == 0) {
                f->attr = a->attr;
                f->attr_len = strlen(a->attr);
                f->op = a->op;
                return 0;
            }
        }

        return -1;
    }

    f->attr = spec->attr;
    f->attr_len = strlen(spec->attr);
    f->op = ngx_eda_filter_op(spec->op, strlen(spec->op));

    if (f->op == -1 || !ngx_eda_filter_attr_valid(f->attr, f->attr_len)) {
        return -1;
    }

    return 0;
}


static void
test_filter_event(const test_filter_case_t *c, ngx_eda_ce_event_t *ev)
{
    memset(ev, 0, sizeof(ngx_eda_ce_event_t));

    (void) ngx_eda_ce_set(ev, "specversion", 11, "1.0", 3);
    (void) ngx_eda_ce_set(ev, "id", 2, "e1", 2);
    (void) ngx_eda_ce_set(ev, "source", 6, "/orders", 7);
    (void) ngx_eda_ce_set(ev, "type", 4, "order.created", 13);
    (void) ngx_eda_ce_set(ev, "ext", 3, "ext", 3);

    if (c->subject != NULL) {
        (void) ngx_eda_ce_set(ev, "subject", 7, c->subject,
                              strlen(c->subject));
    }

    if (c->tenant != NULL) {
        (void) ngx_eda_ce_set(ev, "tenant", 6, c->tenant, strlen(c->tenant));
    }
}


static int
test_filter_run(const test_filter_case_t *c)
{
    size_t              n;
    ngx_eda_filter_t    f[TEST_MAX_FILTERS];
    ngx_eda_ce_event_t  ev;

    for (n = 0; n < TEST_MAX_FILTERS && c->filters[n].attr != NULL; n++) {
        if (test_filter_build(&c->filters[n], &f[n]) != 0) {
            return TEST_REJECT;
        }
    }

    test_filter_event(c, &ev);

    return ngx_eda_filter_match(f, n, &ev, c->key,
                                c->key ? strlen(c->key) : 0);
}


int
main(void)
{
    int     got;
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got = test_filter_run(&cases[i]);

        if (got != cases[i].want) {
            printf("case \"%s\": got %d, want %d\n", cases[i].name, got,
                   cases[i].want);
        }

        EDA_CHECK(got == cases[i].want);
    }

    EDA_UNIT_DONE();
}
