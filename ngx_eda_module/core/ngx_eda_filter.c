
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "ngx_eda_filter.h"


static int ngx_eda_filter_is_key(const char *attr, size_t len);


const ngx_eda_filter_arg_t  ngx_eda_filter_client_args[] = {
    { "type", "type", NGX_EDA_FILTER_EQ },
    { "subject", "subject", NGX_EDA_FILTER_EQ },
    { "type_prefix", "type", NGX_EDA_FILTER_PREFIX },
    { "subject_prefix", "subject", NGX_EDA_FILTER_PREFIX },
    { NULL, NULL, 0 }
};


/* by their NGX_EDA_FILTER_* number */
static const char  *ngx_eda_filter_ops[] = {
    "eq",
    "prefix",
    "suffix",
    NULL
};


int
ngx_eda_filter_op(const char *name, size_t len)
{
    int  op;

    for (op = 0; ngx_eda_filter_ops[op] != NULL; op++) {
        if (strlen(ngx_eda_filter_ops[op]) == len
            && memcmp(ngx_eda_filter_ops[op], name, len) == 0)
        {
            return op;
        }
    }

    return -1;
}


int
ngx_eda_filter_attr_valid(const char *attr, size_t len)
{
    return ngx_eda_filter_is_key(attr, len)
           || ngx_eda_ce_valid_name(attr, len);
}


int
ngx_eda_filter_test(int op, const char *value, size_t len,
    const char *want, size_t want_len)
{
    if (len < want_len) {
        return 0;
    }

    /* nothing to compare: memcmp() must not see a NULL pointer */

    if (want_len == 0) {
        return op != NGX_EDA_FILTER_EQ || len == 0;
    }

    switch (op) {

    case NGX_EDA_FILTER_EQ:
        return len == want_len && memcmp(value, want, len) == 0;

    case NGX_EDA_FILTER_PREFIX:
        return memcmp(value, want, want_len) == 0;

    default: /* NGX_EDA_FILTER_SUFFIX */
        return memcmp(value + len - want_len, want, want_len) == 0;
    }
}


int
ngx_eda_filter_match(const ngx_eda_filter_t *filters, size_t n,
    const ngx_eda_ce_event_t *ev, const char *key, size_t key_len)
{
    size_t                   i, len;
    const char              *v;
    const ngx_eda_ce_str_t  *a;

    for (i = 0; i < n; i++) {

        if (filters[i].required && filters[i].value_len == 0) {
            return 0;
        }

        if (ngx_eda_filter_is_key(filters[i].attr, filters[i].attr_len)) {
            v = key;
            len = key_len;

            if (v == NULL) {
                return 0;
            }

        } else {
            a = ngx_eda_ce_get(ev, filters[i].attr, filters[i].attr_len);
            if (a == NULL) {
                return 0;
            }

            v = a->data;
            len = a->len;
        }

        if (!ngx_eda_filter_test(filters[i].op, v, len, filters[i].value,
                                 filters[i].value_len))
        {
            return 0;
        }
    }

    return 1;
}


/* "key" is the record key, and hides an extension of that name */

static int
ngx_eda_filter_is_key(const char *attr, size_t len)
{
    return len == 3 && memcmp(attr, "key", 3) == 0;
}
