
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_CE_H_INCLUDED_
#define _NGX_EDA_CE_H_INCLUDED_


#include <stddef.h>
#include <time.h>


/*
 * CloudEvents 1.0: the event and its attribute rules, and the small
 * formats the gateway generates (RFC 3339 time, UUIDv4 ids, W3C
 * traceparent).  No nginx types: the same code is unit-tested
 * (t/unit/test_ce.c) and fuzzed (t/fuzz/fuzz_ce.c).  The JSON event format
 * is in ngx_eda_ce_json.h and the Kafka binding in ngx_eda_ce_kafka.h,
 * both included at the end of this header.
 *
 * Strings are (pointer, length) pairs and are never assumed to be
 * NUL-terminated.
 */


#define NGX_EDA_CE_MAX_ATTRS       64     /* context attributes per event */
#define NGX_EDA_CE_MAX_NAME        20     /* spec: SHOULD NOT exceed 20 */
#define NGX_EDA_CE_MAX_VALUE       4096   /* bytes of one attribute value */
#define NGX_EDA_CE_TIME_LEN        24     /* "2026-11-24T13:15:00.123Z" */
#define NGX_EDA_CE_UUID_LEN        36

/* the first entries of ngx_eda_ce_known[] */
#define NGX_EDA_CE_NREQUIRED       4      /* specversion, id, source, type */
#define NGX_EDA_CE_NCORE           8      /* and the spec's optional ones */


typedef struct {
    const char  *data;
    size_t       len;
} ngx_eda_ce_str_t;


typedef struct {
    ngx_eda_ce_str_t  name;
    ngx_eda_ce_str_t  value;
} ngx_eda_ce_attr_t;


/*
 * An event: every context attribute as a string (specversion, id, source,
 * type, datacontenttype, dataschema, subject, time and extensions, in any
 * order) and the data as raw bytes.  Data is absent when data.data is NULL;
 * present but empty when data.data is not NULL and data.len is 0.
 */
typedef struct {
    ngx_eda_ce_attr_t  attrs[NGX_EDA_CE_MAX_ATTRS];
    size_t             nattrs;
    ngx_eda_ce_str_t   data;
} ngx_eda_ce_event_t;


/* a parsed or decoded event; buffers owned by it, see ..._parsed_free() */
typedef struct {
    ngx_eda_ce_event_t  event;
    void               *owned;      /* opaque: everything event points to */
} ngx_eda_ce_parsed_t;


/*
 * 1 if NAME is a valid attribute name: 1..NGX_EDA_CE_MAX_NAME characters,
 * each a lower-case ASCII letter or a digit; 0 otherwise.
 */
int ngx_eda_ce_valid_name(const char *name, size_t len);

/*
 * Checks one attribute value by the rules of its name: specversion is
 * exactly "1.0"; id, type, source and subject are non-empty; source is a
 * URI-reference and dataschema an absolute URI (RFC 3986 characters, no
 * spaces or controls); time is RFC 3339; datacontenttype is an RFC 2045
 * media type ("type/subtype" with optional parameters); any value is at
 * most NGX_EDA_CE_MAX_VALUE bytes, valid UTF-8 and free of control
 * characters.  Returns 0, or -1 with *err set to a static message.
 */
int ngx_eda_ce_check_value(const char *name, size_t name_len,
    const char *value, size_t value_len, const char **err);

/*
 * Checks a whole event: every name valid and unique, every value valid,
 * specversion, id, source and type present.  Returns 0, or -1 with *err
 * set to a static message and *attr to the offending attribute's name
 * (or NULL when the problem is not about one attribute).
 */
int ngx_eda_ce_validate(const ngx_eda_ce_event_t *ev, const char **err,
    ngx_eda_ce_str_t *attr);

/*
 * Finds an attribute by name; returns NULL when absent.
 */
const ngx_eda_ce_str_t *ngx_eda_ce_get(const ngx_eda_ce_event_t *ev,
    const char *name, size_t len);

/*
 * Sets an attribute, replacing an existing one of the same name.  The
 * event keeps the pointers.  Returns 0, or -1 when the event is full.
 */
int ngx_eda_ce_set(ngx_eda_ce_event_t *ev, const char *name, size_t name_len,
    const char *value, size_t value_len);

/* removes an attribute if the event has it (the last one takes its place) */
void ngx_eda_ce_unset(ngx_eda_ce_event_t *ev, const char *name,
    size_t name_len);

/*
 * 1 if the media type is JSON: application/json or any type with a
 * "+json" structured syntax suffix (parameters such as charset ignored),
 * or text/json.  0 otherwise.
 */
int ngx_eda_ce_is_json_type(const char *type, size_t len);

/*
 * 1 if the media type is textual: text/<any>, or any type with a charset
 * parameter; 0 otherwise.
 */
int ngx_eda_ce_is_text_type(const char *type, size_t len);

/*
 * Writes an RFC 3339 UTC time with milliseconds, exactly
 * NGX_EDA_CE_TIME_LEN bytes ("YYYY-MM-DDTHH:MM:SS.mmmZ"), no NUL.
 */
void ngx_eda_ce_format_time(time_t sec, unsigned int msec, char *out);

/*
 * 1 if the value is an RFC 3339 date-time ("YYYY-MM-DDTHH:MM:SS" with
 * optional fraction and "Z" or "+HH:MM"/"-HH:MM", 'T'/'t' and 'Z'/'z'
 * accepted), with field ranges checked; 0 otherwise.
 */
int ngx_eda_ce_valid_time(const char *s, size_t len);

/*
 * Formats 16 random bytes as a version 4, variant 1 UUID in lower-case
 * hex, exactly NGX_EDA_CE_UUID_LEN bytes, no NUL.
 */
void ngx_eda_ce_format_uuid4(const unsigned char rnd[16], char *out);

/*
 * 1 if the value is a W3C Trace Context traceparent header of version 00
 * ("00-<32 hex>-<16 hex>-<2 hex>", lower-case, trace and parent ids not
 * all zero) or of a later version (2 hex other than "ff", at least the
 * same fields); 0 otherwise.
 */
int ngx_eda_ce_valid_traceparent(const char *s, size_t len);

/*
 * Decodes the percent-encoding of the CloudEvents HTTP binding (binary
 * mode ce-* header values): writes to OUT (at least LEN bytes; it may be
 * IN itself, decoding in place) and returns the decoded length, or -1 for
 * a malformed escape or a result that is not valid UTF-8.
 */
long ngx_eda_ce_pct_decode(const char *in, size_t len, char *out);


/*
 * For the other CloudEvents cores (JSON format, Kafka binding).
 *
 * The names the cores know, NULL-terminated: NGX_EDA_CE_NREQUIRED
 * required ones first, in the order the JSON format puts them, up to
 * NGX_EDA_CE_NCORE the spec's own (values must be strings), then data,
 * data_base64 and the common extensions, so that an error report names
 * them with a string that outlives the input.
 */
extern const char *const  ngx_eda_ce_known[];

/* the index of NAME in ngx_eda_ce_known[], or -1 */
int ngx_eda_ce_known_index(const char *name, size_t len);

/*
 * 1 if S (LEN bytes) starts with LIT (NUL-terminated, lower case), ASCII
 * letters of S compared in any case; 0 otherwise.
 */
int ngx_eda_ce_ci_prefix(const char *s, size_t len, const char *lit);


#include "ngx_eda_ce_json.h"
#include "ngx_eda_ce_kafka.h"


#endif /* _NGX_EDA_CE_H_INCLUDED_ */
