
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_CE_JSON_H_INCLUDED_
#define _NGX_EDA_CE_JSON_H_INCLUDED_


#include <stddef.h>

#include "ngx_eda_ce.h"


/*
 * The JSON event format of CloudEvents 1.0 (structured content mode) in
 * both directions, and the memory of a parsed event.  No nginx types:
 * unit-tested (t/unit/test_ce.c) and fuzzed (t/fuzz/fuzz_ce.c).
 * ngx_eda_ce.h includes this header.
 */


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

/*
 * Releases what P owns (harmless for a zeroed P, or twice) and zeroes it.
 */
void ngx_eda_ce_parsed_free(ngx_eda_ce_parsed_t *p);

/*
 * For the other cores that build a parsed event: LEN bytes that P then
 * owns and ngx_eda_ce_parsed_free() releases.  P->owned must be NULL.
 * Returns NULL on allocation failure.
 */
char *ngx_eda_ce_parsed_alloc(ngx_eda_ce_parsed_t *p, size_t len);


#endif /* _NGX_EDA_CE_JSON_H_INCLUDED_ */
