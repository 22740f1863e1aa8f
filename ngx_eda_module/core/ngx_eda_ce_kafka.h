
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_CE_KAFKA_H_INCLUDED_
#define _NGX_EDA_CE_KAFKA_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_eda_ce.h"


/*
 * The CloudEvents Kafka protocol binding both ways: a Kafka record as a
 * CloudEvent, whatever the producer wrote, and the record the gateway
 * produces for an event.  No nginx or librdkafka types: unit-tested
 * (t/unit/test_ce_kafka.c) and fuzzed (t/fuzz/fuzz_ce_kafka.c).
 * ngx_eda_ce.h includes this header.
 */


/* how a record is read, by its headers */
#define NGX_EDA_CE_KAFKA_PLAIN       0    /* data of an event we describe */
#define NGX_EDA_CE_KAFKA_BINARY      1    /* a ce_specversion header */
#define NGX_EDA_CE_KAFKA_STRUCTURED  2    /* application/cloudevents... */

/*
 * The id and source of a plain record are cut to these many bytes, as the
 * consumer's buffers always cut them; a real topic name (at most 249
 * bytes) never comes near.
 */
#define NGX_EDA_CE_KAFKA_MAX_ID      296
#define NGX_EDA_CE_KAFKA_MAX_SOURCE  256

/* the content type of the records the gateway produces in structured mode */
#define NGX_EDA_CE_KAFKA_JSON_TYPE                                           \
    "application/cloudevents+json; charset=UTF-8"


/* a record header; value.data NULL: a header without a value */
typedef struct {
    ngx_eda_ce_str_t  name;
    ngx_eda_ce_str_t  value;
} ngx_eda_ce_kafka_header_t;


typedef struct {
    const ngx_eda_ce_kafka_header_t  *headers;    /* in record order */
    size_t                            nheaders;
    ngx_eda_ce_str_t                  value;      /* data NULL: no value */
    ngx_eda_ce_str_t                  topic;
    int32_t                           partition;
    int64_t                           offset;
} ngx_eda_ce_kafka_record_t;


/* SIZE bytes of the caller's memory, or NULL; CTX is the caller's own */
typedef void *(*ngx_eda_ce_kafka_alloc_pt)(void *ctx, size_t size);


/* a record to produce; the topic is the caller's */
typedef struct {
    ngx_eda_ce_kafka_header_t  *headers;    /* the caller's, see below */
    size_t                      nheaders;
    ngx_eda_ce_str_t            value;      /* data NULL: no value */
    ngx_eda_ce_str_t            key;        /* data NULL: no key */
} ngx_eda_ce_kafka_out_t;


/*
 * The mode of a record.  The content type is the value of the last
 * "content-type" header (name in any case); one with no value means none.
 * Structured: a content type that starts with "application/cloudevents"
 * (any case).  Binary: otherwise, if any header is named exactly
 * "ce_specversion".  Plain: any other record.
 */
int ngx_eda_ce_kafka_mode(const ngx_eda_ce_kafka_record_t *rec);

/*
 * Decodes a record into OUT->event by its mode:
 * - structured: the value parsed by ngx_eda_ce_from_json() (validated);
 * - binary: the value as the data (absent without a value), the content
 *   type as datacontenttype, then every header "ce_<name>" that has a
 *   value as attribute <name>, in record order, a later one replacing an
 *   earlier one of the same name and past NGX_EDA_CE_MAX_ATTRS dropped;
 *   names and values are taken as they are, neither decoded nor
 *   validated (validate before trusting them);
 * - plain: the value as the data and the content type as datacontenttype,
 *   as in binary mode, then id "<topic>-<partition>-<offset>", source
 *   "/kafka/<topic>" (cut as NGX_EDA_CE_KAFKA_MAX_* say), specversion
 *   "1.0" and type "eda.kafka.record".
 * The event points into REC's header values and value, which must outlive
 * it, and into memory OUT owns: release it with ngx_eda_ce_parsed_free()
 * (OUT->owned is NULL when nothing is owned).  Returns the mode, or -1 with
 * *err (static) and *attr set as ngx_eda_ce_from_json() sets them for a
 * structured record it refuses, or *err "out of memory"; nothing is to be
 * freed after an error.  Input of any content and size never crashes.
 */
int ngx_eda_ce_from_kafka(const ngx_eda_ce_kafka_record_t *rec,
    ngx_eda_ce_parsed_t *out, const char **err, ngx_eda_ce_str_t *attr);

/*
 * Encodes an event as the record to produce (the producer side), in MODE:
 * - NGX_EDA_CE_KAFKA_BINARY: in the event's order, every attribute as
 *   header "ce_<name>", except datacontenttype as "content-type"; the data
 *   as the value (none when the data is absent);
 * - NGX_EDA_CE_KAFKA_STRUCTURED: the one header "content-type" with
 *   NGX_EDA_CE_KAFKA_JSON_TYPE; ngx_eda_ce_to_json() as the value.
 * With KEYED, the partitionkey attribute, when the event has one, is the
 * key; otherwise there is no key.  OUT->headers must have room for
 * NGX_EDA_CE_MAX_ATTRS headers (ev->nattrs in binary mode and 1 in
 * structured mode are enough).
 * Memory: the "ce_" names and the JSON value are written to memory from
 * ALLOC (called with CTX; at most twice); the caller owns and releases it.
 * Header values, the binary value and the key point into EV, which must
 * outlive the record; the other names and values are static.  Returns 0,
 * or -1 when ALLOC or the JSON encoder fails (an event that is not valid,
 * say) or MODE is neither; OUT is then not to be used.
 */
int ngx_eda_ce_to_kafka(const ngx_eda_ce_event_t *ev, int mode, int keyed,
    ngx_eda_ce_kafka_alloc_pt alloc, void *ctx, ngx_eda_ce_kafka_out_t *out);


#endif /* _NGX_EDA_CE_KAFKA_H_INCLUDED_ */
