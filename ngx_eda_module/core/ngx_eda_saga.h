
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_H_INCLUDED_
#define _NGX_EDA_SAGA_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_eda_saga_def.h"
#include "ngx_eda_saga_id.h"
#include "ngx_eda_trace.h"


/*
 * The saga state machine without nginx: it drives one instance of a saga
 * of the definitions (ngx_eda_saga_def.h).  An instance's state is a JSON
 * document (kept in Redis by the glue); an input (start, a participant's
 * reply, a due timer) gives the next state, the records to produce
 * (commands, progress events, dead letters) and when the instance must be
 * looked at again.  Everything random or timed comes in as arguments, so
 * the same input always gives the same output: unit-tested
 * (t/unit/test_saga.c) and fuzzed (t/fuzz/fuzz_saga.c).
 */


#define NGX_EDA_SAGA_MAX_RECORDS   4      /* per transition */
#define NGX_EDA_SAGA_MAX_HISTORY   64     /* entries kept in a state */
#define NGX_EDA_SAGA_MAX_EXT       8      /* extensions of an instance */
#define NGX_EDA_SAGA_MAX_EXT_VALUE 256    /* bytes of one's value */


typedef enum {
    NGX_EDA_SAGA_START = 0,
    NGX_EDA_SAGA_REPLY,
    NGX_EDA_SAGA_TIMER
} ngx_eda_saga_input_e;


/* what happened to an instance */
typedef struct {
    ngx_eda_saga_input_e  kind;
    /* a reply: its CloudEvent type, the sagastep and sagaattempt it names
     * (attempt 0: not named), the topic it came on, its idempotencykey
     * (the id of the command it answers), its data as JSON text (NULL:
     * none) */
    const char         *type;
    const char         *step;
    long                attempt;
    const char         *topic;
    const char         *key;
    const char         *data;
    size_t              data_len;
    /* the reply's traceparent (NULL: none); of the instance's trace, the
     * records of this transition continue its span */
    const char         *traceparent;
} ngx_eda_saga_input_t;


/*
 * An extension attribute every event of an instance carries: NAME
 * (NUL-terminated, see ngx_eda_saga_ext_name) and its value.
 */
typedef struct {
    const char         *name;
    const char         *value;
    size_t              value_len;
} ngx_eda_saga_attr_t;


#define NGX_EDA_SAGA_SPAN_STR      128    /* bytes of a span's string */


/*
 * What a record's span is, for an exporter: TRACE's span_id is the span
 * of the record's traceparent, its parent_id the span the record
 * continues (the instance's, or a reply's of its trace); the event's id,
 * type, sagastep ("" for an event of the whole saga) and attempt ("" when
 * none), each cut to NGX_EDA_SAGA_SPAN_STR - 1 bytes at a character.
 */
typedef struct {
    ngx_eda_trace_t     trace;
    char                id[NGX_EDA_SAGA_SPAN_STR];
    char                type[NGX_EDA_SAGA_SPAN_STR];
    char                step[NGX_EDA_SAGA_SPAN_STR];
    char                attempt[24];
} ngx_eda_saga_span_t;


/* a record to produce: value is a structured CloudEvent (JSON) */
typedef struct {
    char               *topic;
    char               *key;
    char               *value;
    size_t              value_len;
    int                 traced;         /* the instance has a trace: */
    ngx_eda_saga_span_t span;           /* the record's span in it */
} ngx_eda_saga_record_t;


typedef struct {
    int                 changed;        /* 0: the input does not apply */
    char               *state;          /* the next state (when changed) */
    size_t              state_len;
    ngx_eda_saga_record_t  records[NGX_EDA_SAGA_MAX_RECORDS];
    size_t              nrecords;
    int64_t             due;            /* look again then (ms); 0: never */
    int                 terminal;
    const char         *status;         /* static: the status now */
    int                 rejected;       /* a reply not bound to a command
                                           of the step it names */

    /* what the transition did, for the metrics (names static in DEFS) */
    const char         *saga;
    const char         *step;           /* that failed, retried or not */
    int                 retries;        /* a command is to be sent again */
    int                 timeouts;       /* a command's reply did not come */
    int                 dead_letters;
} ngx_eda_saga_result_t;


/*
 * NULL if NAME can be an extension of an instance (1 to 20 lower-case
 * letters or digits, not a CloudEvents attribute, not one the saga or
 * the gateway sets: sagaid, sagastep, sagaattempt, idempotencykey,
 * traceparent, tracestate, partitionkey); else why not, a static string.
 */
const char *ngx_eda_saga_ext_name(const char *name, size_t len);

/*
 * The state of a new instance, "pending" until its START: ID (a version 4
 * UUID as the gateway issues it, see ngx_eda_saga_valid_id), INPUT (JSON
 * text; NULL: none), EXT the N_EXT extensions (at most
 * NGX_EDA_SAGA_MAX_EXT) every event of the instance carries, kept in the
 * state as "extensions"; one with an empty value is left out.  EXT may
 * also hold "traceparent" (the span of the instance, see ngx_eda_trace.h)
 * and "tracestate": the instance's trace, kept as "trace" and
 * "tracestate"; every record then carries a span of that trace of its
 * own (invalid ones are left out).  Returns a
 * malloc()ed NUL-terminated document, or NULL when the id is not one,
 * INPUT is not JSON, an extension's name is not one or its value is not
 * an attribute value (UTF-8 without control characters, at most
 * NGX_EDA_SAGA_MAX_EXT_VALUE bytes), or memory runs out.
 */
char *ngx_eda_saga_new(const ngx_eda_saga_def_t *def, const char *id,
    const char *input, size_t input_len, const ngx_eda_saga_attr_t *ext,
    size_t n_ext, int64_t now, size_t *len);

/*
 * 0 if VALUE can be the value of extension NAME; else -1 with *err set to
 * a static message.
 */
int ngx_eda_saga_ext_value(const char *name, const char *value, size_t len,
    const char **err);

/*
 * Applies IN to the instance STATE (as ngx_eda_saga_new() or an earlier
 * transition made it) at time NOW (ms since the epoch); RND in [0, 1)
 * draws the retry jitter.  Returns 0 with RES filled (free it with
 * ngx_eda_saga_result_free), or -1 with ERR set when the state is not one
 * of DEFS' instances.  RES->due is always where the instance's timer must
 * be, changed or not.  A reply counts only on the reply topic of the
 * command it answers and with that command's id as its idempotencykey;
 * any other is ignored with RES->rejected set.
 */
int ngx_eda_saga_apply(const ngx_eda_saga_defs_t *defs, const char *state,
    size_t len, const ngx_eda_saga_input_t *in, int64_t now, double rnd,
    ngx_eda_saga_result_t *res, char *err, size_t errlen);
void ngx_eda_saga_result_free(ngx_eda_saga_result_t *res);


/*
 * The dead letter of a record of an instance that Kafka refuses for good
 * (too large for the broker, an invalid topic): TOPIC and VALUE as a
 * transition made them, REASON why, NOW the time (ms).  It carries the
 * extensions of the record.  Returns 0 with
 * RES->records[0] filled (free it with ngx_eda_saga_result_free), or -1
 * when VALUE is not a record of one of DEFS' instances.
 */
int ngx_eda_saga_undeliverable(const ngx_eda_saga_defs_t *defs,
    const char *topic, const char *value, size_t len, const char *reason,
    int64_t now, ngx_eda_saga_result_t *res);

/*
 * The backoff before attempt ATTEMPT + 1 of a command (ms), jitter drawn
 * with RND in [0, 1): initial * multiplier^(attempt - 1), at most max,
 * then +- jitter.
 */
uint64_t ngx_eda_saga_backoff(const ngx_eda_saga_cmd_t *cmd, unsigned attempt,
    double rnd);


#endif /* _NGX_EDA_SAGA_H_INCLUDED_ */
