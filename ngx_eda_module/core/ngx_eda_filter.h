
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_FILTER_H_INCLUDED_
#define _NGX_EDA_FILTER_H_INCLUDED_


#include <stddef.h>

#include "ngx_eda_ce.h"


/*
 * Subscription filters without nginx: which events a subscriber gets.  A
 * filter compares one attribute of an event (a CloudEvents attribute, or
 * "key", the Kafka record key) with a value: equal, starts with, or ends
 * with it.  The server's filters (eda_subscribe_filter) and the client's
 * narrowing (query arguments) are the same filters; an event is delivered
 * when it passes all of them.  A server filter is "required": its value
 * comes from the configuration, often from a variable (a claim of the
 * token), and an empty value there is a missing value, which must let no
 * event through rather than every event (as an empty prefix would).  No
 * nginx types: the same code is unit-tested (t/unit/test_filter.c) and
 * fuzzed (t/fuzz/fuzz_filter.c).
 */


#define NGX_EDA_FILTER_EQ      0
#define NGX_EDA_FILTER_PREFIX  1
#define NGX_EDA_FILTER_SUFFIX  2


typedef struct {
    const char  *attr;
    size_t       attr_len;
    int          op;              /* NGX_EDA_FILTER_* */
    const char  *value;
    size_t       value_len;
    int          required;        /* 1: an empty value passes nothing */
} ngx_eda_filter_t;


/* a query argument by which a client narrows what it receives */
typedef struct {
    const char  *arg;
    const char  *attr;
    int          op;
} ngx_eda_filter_arg_t;


/*
 * The client's arguments: "type" and "subject" (equal), "type_prefix" and
 * "subject_prefix"; the list ends with an entry whose arg is NULL.
 */
extern const ngx_eda_filter_arg_t  ngx_eda_filter_client_args[];


/*
 * The operator named NAME ("eq", "prefix" or "suffix", exactly), or -1.
 */
int ngx_eda_filter_op(const char *name, size_t len);

/*
 * 1 if ATTR may be filtered on: "key" or a valid CloudEvents attribute
 * name (ngx_eda_ce_valid_name); 0 otherwise.
 */
int ngx_eda_filter_attr_valid(const char *attr, size_t len);

/*
 * 1 if VALUE passes OP against WANT: equal to it, starting with it, or
 * ending with it; 0 otherwise.  An empty WANT is a prefix and a suffix of
 * any value, and equal only to the empty value.
 */
int ngx_eda_filter_test(int op, const char *value, size_t len,
    const char *want, size_t want_len);

/*
 * 1 if the event passes all N filters, 0 otherwise.  A filter on "key"
 * looks at KEY, NULL when the record has none; any other filter at the
 * event's attribute of that name.  An event without the attribute (or a
 * record without a key) does not pass, nor does any event when a required
 * filter's value is empty.
 */
int ngx_eda_filter_match(const ngx_eda_filter_t *filters, size_t n,
    const ngx_eda_ce_event_t *ev, const char *key, size_t key_len);


#endif /* _NGX_EDA_FILTER_H_INCLUDED_ */
