
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_CE_H_INCLUDED_
#define _NGX_EDA_CE_H_INCLUDED_


#include <stddef.h>
#include <time.h>


/*
 * CloudEvents 1.0: attribute rules, the JSON event format (structured
 * mode) in both directions, and the small formats the gateway generates
 * (RFC 3339 time, UUIDv4 ids, W3C traceparent).  No nginx types: the same
 * code is unit-tested (t/unit/test_ce.c) and fuzzed (t/fuzz/fuzz_ce.c).
 *
 * Strings are (pointer, length) pairs and are never assumed to be
 * NUL-terminated.
 */


#define NGX_EDA_CE_MAX_ATTRS       64     /* context attributes per event */
#define NGX_EDA_CE_MAX_NAME        20     /* spec: SHOULD NOT exceed 20 */
#define NGX_EDA_CE_MAX_VALUE       4096   /* bytes of one attribute value */
#define NGX_EDA_CE_TIME_LEN        24     /* "2026-11-24T13:15:00.123Z" */
#define NGX_EDA_CE_UUID_LEN        36


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


/* a parsed structured event; buffers owned by it, see ..._parsed_free() */
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

/*
 * 1 if the media type is JSON: application/json or any type with a
 * "+json" structured syntax suffix (parameters such as charset ignored),
 * or text/json.  0 otherwise.
 */
int ngx_eda_ce_is_json_type(const char *type, size_t len);

/*
 * Encodes the event in the JSON event format (structured content mode):
 * specversion, id, source and type first, the other attributes in event
 * order, the data last.  Data is embedded as JSON when datacontenttype is
 * a JSON type (or absent) and the bytes are valid JSON; as a JSON string
 * when it is textual (text/<any>, or a charset parameter; or a JSON type
 * or absent, with bytes that are not JSON) and valid UTF-8; otherwise as
 * data_base64.  Returns a malloc()ed buffer (not NUL-terminated, *len set)
 * the caller free()s, or NULL on allocation failure or for an event that
 * ngx_eda_ce_validate() would reject for an empty name or a value that is
 * not UTF-8 (validate first).
 */
char *ngx_eda_ce_to_json(const ngx_eda_ce_event_t *ev, size_t *len);

/*
 * Parses a structured event (application/cloudevents+json), at most
 * 16 MiB, duplicate members rejected.  Attribute values that are JSON
 * strings are taken as they are; numbers and booleans of extension
 * attributes are converted to their canonical string form (7, 1.5, true);
 * null means absent (for data and data_base64 too); objects and arrays are
 * rejected, and so is anything but a string for the spec's own attributes.
 * "data" that is a JSON value other than a string becomes its compact JSON
 * serialisation, and an absent datacontenttype is then set to
 * "application/json" (the JSON format's implied default, made explicit);
 * a string "data" becomes its UTF-8 bytes, unless datacontenttype is a
 * JSON type: then it is a JSON string value and becomes its serialisation
 * (quotes included), as ngx_eda_ce_to_json() expects; "data_base64" is
 * decoded (both together are an error).  The result is validated with
 * ngx_eda_ce_validate().  Input of any content never crashes.  Returns 0
 * (the caller later calls ngx_eda_ce_parsed_free), or -1 with *err
 * (static) and *attr set as in ngx_eda_ce_validate(), except that the
 * name is a static string: the spec's attributes, data, data_base64 and
 * the common extensions are named; any other name is {NULL, 0}, as the
 * parsed input is gone by then.  Nothing is to be freed after an error.
 */
int ngx_eda_ce_from_json(const char *buf, size_t len,
    ngx_eda_ce_parsed_t *out, const char **err, ngx_eda_ce_str_t *attr);

void ngx_eda_ce_parsed_free(ngx_eda_ce_parsed_t *p);

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


#endif /* _NGX_EDA_CE_H_INCLUDED_ */
