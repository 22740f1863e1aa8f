
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga state machine: an instance's state (a JSON document) and an
 * input give the next state and the records to produce.  The definitions
 * come from ngx_eda_saga_def.c.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_trace.h"


#define NGX_EDA_SAGA_MAX_ID        NGX_EDA_SAGA_ID_LEN


typedef struct {
    json_t                     *st;        /* the state being changed */
    json_t                     *ext;       /* has the events' extensions */
    const ngx_eda_saga_def_t   *def;
    const char                 *id;
    int64_t                     now;
    double                      rnd;
    ngx_eda_saga_result_t      *res;
    /* the trace: the instance's, span_id the span new records continue */
    ngx_eda_trace_t             trace;
    int                         traced;
    const char                 *tracestate;
} ngx_eda_saga_ctx_t;


/* what the state says, read once */
typedef struct {
    const char                 *status;    /* static */
    const char                 *waiting;
    int64_t                     step;
    int64_t                     attempt;
    int64_t                     due;
    int                         comp;
    int                         terminal;
} ngx_eda_saga_cur_t;


static int ngx_eda_saga_load(const ngx_eda_saga_defs_t *defs,
    const char *state, size_t len, ngx_eda_saga_ctx_t *ctx,
    ngx_eda_saga_cur_t *cur, char *err, size_t errlen);
static int ngx_eda_saga_on_start(ngx_eda_saga_ctx_t *ctx,
    const ngx_eda_saga_cur_t *cur);
static int ngx_eda_saga_on_timer(ngx_eda_saga_ctx_t *ctx,
    const ngx_eda_saga_cur_t *cur);
static int ngx_eda_saga_on_reply(ngx_eda_saga_ctx_t *ctx,
    const ngx_eda_saga_cur_t *cur, const ngx_eda_saga_input_t *in);
static int ngx_eda_saga_bound(ngx_eda_saga_ctx_t *ctx,
    const ngx_eda_saga_input_t *in, size_t *step, int *comp, long *attempt);
static int ngx_eda_saga_dump(ngx_eda_saga_ctx_t *ctx);
static void ngx_eda_saga_fail(char *err, size_t errlen, const char *msg);
static const char *ngx_eda_saga_status(const char *status, int *terminal);
static const ngx_eda_saga_cmd_t *ngx_eda_saga_cmd(
    const ngx_eda_saga_def_t *def, size_t step, int compensation);
static int ngx_eda_saga_listed(const char *type, const char **list,
    size_t n);
static int ngx_eda_saga_dispatch(ngx_eda_saga_ctx_t *ctx, size_t step,
    int compensation, unsigned attempt, const char *status);
static int ngx_eda_saga_success(ngx_eda_saga_ctx_t *ctx,
    const ngx_eda_saga_input_t *in);
static int ngx_eda_saga_failure(ngx_eda_saga_ctx_t *ctx, const char *reason);
static int ngx_eda_saga_compensate_from(ngx_eda_saga_ctx_t *ctx, long step);
static int ngx_eda_saga_finish(ngx_eda_saga_ctx_t *ctx, const char *status);
static int ngx_eda_saga_progress(ngx_eda_saga_ctx_t *ctx, const char *status,
    const char *reason);
static int ngx_eda_saga_record(ngx_eda_saga_ctx_t *ctx, const char *topic,
    json_t *event);
static json_t *ngx_eda_saga_event(ngx_eda_saga_ctx_t *ctx, const char *id,
    const char *type);
static int ngx_eda_saga_extend(ngx_eda_saga_ctx_t *ctx, json_t *ev);
static void ngx_eda_saga_span(ngx_eda_saga_ctx_t *ctx, json_t *event,
    ngx_eda_saga_record_t *r);
static void ngx_eda_saga_span_str(char *dst, const char *s);
static void ngx_eda_saga_trace_load(ngx_eda_saga_ctx_t *ctx,
    const char *traceparent, const char *tracestate);
static int ngx_eda_saga_trace(ngx_eda_saga_ctx_t *ctx, json_t *ev,
    const char *id);
static json_t *ngx_eda_saga_extensions(const ngx_eda_saga_attr_t *ext,
    size_t n);
static void ngx_eda_saga_history(ngx_eda_saga_ctx_t *ctx,
    const char *status, const char *reason);
static void ngx_eda_saga_time(int64_t ms, char *out);
static int64_t ngx_eda_saga_int(json_t *st, const char *name);
static const char *ngx_eda_saga_str(json_t *st, const char *name);


/*
 * Not extensions: the CloudEvents attributes, those of the saga's commands
 * and replies, and those the gateway sets on events it publishes.
 */
static const char *const  ngx_eda_saga_reserved[] = {
    "specversion", "id", "source", "type", "subject", "time",
    "datacontenttype", "dataschema", "data", "data_base64", "sagaid",
    "sagastep", "sagaattempt", "idempotencykey", "traceparent",
    "tracestate", "partitionkey", NULL
};


static void
ngx_eda_saga_fail(char *err, size_t errlen, const char *msg)
{
    if (errlen != 0) {
        snprintf(err, errlen, "%s", msg);
    }
}


uint64_t
ngx_eda_saga_backoff(const ngx_eda_saga_cmd_t *cmd, unsigned attempt,
    double rnd)
{
    double  b;

    b = (double) cmd->initial_backoff
        * pow(cmd->multiplier, attempt > 1 ? attempt - 1 : 0);

    if (b > (double) cmd->max_backoff) {
        b = (double) cmd->max_backoff;
    }

    /* +- jitter: rnd 0 is the low end, rnd close to 1 the high end */
    b += b * cmd->jitter * (2 * rnd - 1);

    return b < 0 ? 0 : (uint64_t) b;
}


/* ------------------------------------------------------------------------
 * extensions
 */

const char *
ngx_eda_saga_ext_name(const char *name, size_t len)
{
    size_t  i;

    if (!ngx_eda_ce_valid_name(name, len)) {
        return "an extension name is 1 to 20 lower-case letters or digits";
    }

    for (i = 0; ngx_eda_saga_reserved[i] != NULL; i++) {
        if (strlen(ngx_eda_saga_reserved[i]) == len
            && memcmp(ngx_eda_saga_reserved[i], name, len) == 0)
        {
            return "it is a CloudEvents or saga attribute, not an extension";
        }
    }

    return NULL;
}


int
ngx_eda_saga_ext_value(const char *name, const char *value, size_t len,
    const char **err)
{
    if (len > NGX_EDA_SAGA_MAX_EXT_VALUE) {
        *err = "the value is longer than 256 bytes";
        return -1;
    }

    return ngx_eda_ce_check_value(name, strlen(name), value, len, err);
}


/* the "extensions" of a new state, NULL for none; (json_t *) -1: bad */

static json_t *
ngx_eda_saga_extensions(const ngx_eda_saga_attr_t *ext, size_t n)
{
    size_t       i;
    json_t      *o;
    const char  *err;

    if (n > NGX_EDA_SAGA_MAX_EXT) {
        return (json_t *) -1;
    }

    o = NULL;

    for (i = 0; i < n; i++) {
        if (ngx_eda_saga_ext_name(ext[i].name, strlen(ext[i].name)) != NULL
            || ngx_eda_saga_ext_value(ext[i].name, ext[i].value,
                                      ext[i].value_len, &err)
               != 0)
        {
            goto failed;
        }

        if (ext[i].value_len == 0) {
            continue;       /* a filter on it fails closed */
        }

        if (o == NULL) {
            o = json_object();
            if (o == NULL) {
                goto failed;
            }
        }

        if (json_object_set_new(o, ext[i].name,
                                json_stringn(ext[i].value, ext[i].value_len))
            != 0)
        {
            goto failed;
        }
    }

    return o;

failed:

    json_decref(o);

    return (json_t *) -1;
}


/* ------------------------------------------------------------------------
 * instances
 */

char *
ngx_eda_saga_new(const ngx_eda_saga_def_t *def, const char *id,
    const char *input, size_t input_len, const ngx_eda_saga_attr_t *ext,
    size_t n_ext, int64_t now, size_t *len)
{
    char                 t[NGX_EDA_CE_TIME_LEN + 1], *out;
    size_t               i, n;
    json_t              *st, *in, *x;
    json_error_t         jerr;
    ngx_eda_trace_t      tr;
    ngx_eda_saga_attr_t  own[NGX_EDA_SAGA_MAX_EXT];
    const char          *tp, *ts;
    size_t               ts_len;

    if (!ngx_eda_saga_valid_id(id, strlen(id))) {
        return NULL;
    }

    /* the instance's trace comes among the extensions, kept apart */
    tp = NULL;
    ts = NULL;
    ts_len = 0;
    n = 0;

    for (i = 0; i < n_ext; i++) {
        if (ext[i].name == NULL) {
            return NULL;
        }

        if (strcmp(ext[i].name, "traceparent") == 0) {
            tp = ext[i].value_len == NGX_EDA_TRACEPARENT_LEN
                 && ngx_eda_trace_parse(&tr, ext[i].value,
                                        ext[i].value_len) == 0
                 ? ext[i].value : NULL;

        } else if (strcmp(ext[i].name, "tracestate") == 0) {
            ts = ngx_eda_trace_valid_state(ext[i].value, ext[i].value_len)
                 ? ext[i].value : NULL;
            ts_len = ext[i].value_len;

        } else if (n == NGX_EDA_SAGA_MAX_EXT) {
            return NULL;

        } else {
            own[n++] = ext[i];
        }
    }

    x = ngx_eda_saga_extensions(own, n);
    if (x == (json_t *) -1) {
        return NULL;
    }

    if (input != NULL) {
        in = json_loadb(input, input_len, JSON_DECODE_ANY, &jerr);
        if (in == NULL) {
            json_decref(x);
            return NULL;
        }

    } else {
        in = json_null();
    }

    ngx_eda_saga_time(now, t);

    st = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:I, s:o, s:{}, "
                   "s:n, s:i, s:i, s:s, s:s, s:[{s:s, s:s}]}",
                   "id", id, "saga", def->name, "status", "pending",
                   "phase", "forward", "step", 0, "attempt", 0,
                   "waiting", "start", "due", (json_int_t) now,
                   "input", in, "results", "reason", "dead_letters", 0,
                   "seq", 0, "created", t, "updated", t,
                   "history", "time", t, "status", "pending");
    if (st == NULL) {
        json_decref(x);
        return NULL;
    }

    if (x != NULL && json_object_set_new(st, "extensions", x) != 0) {
        json_decref(st);
        return NULL;
    }

    if ((tp != NULL
         && json_object_set_new(st, "trace",
                                json_stringn(tp, NGX_EDA_TRACEPARENT_LEN))
            != 0)
        || (tp != NULL && ts != NULL
            && json_object_set_new(st, "tracestate",
                                   json_stringn(ts, ts_len))
               != 0))
    {
        json_decref(st);
        return NULL;
    }

    out = json_dumps(st, JSON_COMPACT);
    json_decref(st);

    if (out != NULL) {
        *len = strlen(out);
    }

    return out;
}


/*
 * A record Kafka refuses for good names its instance (subject) and saga
 * (source, "/eda/saga/<name>"); its dead letter says what could not be
 * sent, not the record itself, which may be what was too large.  The
 * instance's state is not at hand, but the record has its extensions:
 * its attributes that are not reserved (ngx_eda_saga_extend).
 */

int
ngx_eda_saga_undeliverable(const ngx_eda_saga_defs_t *defs,
    const char *topic, const char *value, size_t len, const char *reason,
    int64_t now, ngx_eda_saga_result_t *res)
{
    int                  rc;
    char                 did[160];
    json_t              *rec, *ev, *data;
    const char          *source, *rid, *type;
    json_error_t         jerr;
    ngx_eda_saga_ctx_t   ctx;

    memset(res, 0, sizeof(ngx_eda_saga_result_t));

    rec = json_loadb(value, len, 0, &jerr);
    source = ngx_eda_saga_str(rec, "source");
    rid = ngx_eda_saga_str(rec, "id");
    type = ngx_eda_saga_str(rec, "type");

    ctx.id = ngx_eda_saga_str(rec, "subject");
    ctx.def = NULL;

    if (source != NULL && strncmp(source, "/eda/saga/", 10) == 0) {
        ctx.def = ngx_eda_saga_find(defs, source + 10, strlen(source + 10));
    }

    if (ctx.def == NULL || rid == NULL || type == NULL || ctx.id == NULL
        || !ngx_eda_saga_valid_id(ctx.id, strlen(ctx.id)))
    {
        json_decref(rec);
        return -1;
    }

    ctx.st = NULL;
    ctx.ext = rec;
    ctx.now = now;
    ctx.rnd = 0;
    ctx.res = res;

    /* the dead letter continues the span of the record it stands for */
    ngx_eda_saga_trace_load(&ctx, ngx_eda_saga_str(rec, "traceparent"),
                            ngx_eda_saga_str(rec, "tracestate"));

    snprintf(did, sizeof(did), "%.120s.undeliverable", rid);

    rc = -1;
    ev = ngx_eda_saga_event(&ctx, did, "eda.saga.undeliverable");

    data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
                     "saga", ctx.def->name, "id", ctx.id, "reason", reason,
                     "topic", topic, "record_id", rid, "record_type", type,
                     "size", (json_int_t) len);

    if (ev != NULL && data != NULL) {
        rc = json_object_set_new(ev, "data", data);     /* takes DATA */
        data = NULL;

        if (rc == 0) {
            rc = ngx_eda_saga_record(&ctx, ctx.def->dead_letter_topic, ev);
            ev = NULL;
        }
    }

    json_decref(data);
    json_decref(ev);
    json_decref(rec);

    if (rc != 0) {
        ngx_eda_saga_result_free(res);
    }

    return rc;
}


/* every status, as static strings; the finished ones last */
static const char *const  ngx_eda_saga_statuses[] = {
    "pending", "started", "running", "retrying", "compensating",
    "completed", "compensated", "failed", NULL
};

#define NGX_EDA_SAGA_FIRST_TERMINAL  5


/* the static string of STATUS, or NULL; *terminal set */

static const char *
ngx_eda_saga_status(const char *status, int *terminal)
{
    size_t  i;

    *terminal = 0;

    for (i = 0; status != NULL && ngx_eda_saga_statuses[i] != NULL; i++) {
        if (strcmp(status, ngx_eda_saga_statuses[i]) == 0) {
            *terminal = (i >= NGX_EDA_SAGA_FIRST_TERMINAL);
            return ngx_eda_saga_statuses[i];
        }
    }

    return NULL;
}


int
ngx_eda_saga_apply(const ngx_eda_saga_defs_t *defs, const char *state,
    size_t len, const ngx_eda_saga_input_t *in, int64_t now, double rnd,
    ngx_eda_saga_result_t *res, char *err, size_t errlen)
{
    int                  rc;
    ngx_eda_saga_ctx_t   ctx;
    ngx_eda_saga_cur_t   cur;

    memset(res, 0, sizeof(ngx_eda_saga_result_t));

    ctx.now = now;
    ctx.rnd = rnd;
    ctx.res = res;

    if (ngx_eda_saga_load(defs, state, len, &ctx, &cur, err, errlen) != 0) {
        return -1;
    }

    res->status = cur.status;
    res->due = cur.due;

    ngx_eda_saga_trace_load(&ctx, ngx_eda_saga_str(ctx.st, "trace"),
                            ngx_eda_saga_str(ctx.st, "tracestate"));

    /* a reply of the instance's trace: what follows continues its span */
    if (in->kind == NGX_EDA_SAGA_REPLY && in->traceparent != NULL
        && ctx.traced)
    {
        ngx_eda_trace_t  reply;

        if (ngx_eda_trace_parse(&reply, in->traceparent,
                                strlen(in->traceparent)) == 0
            && memcmp(reply.trace_id, ctx.trace.trace_id, 16) == 0)
        {
            memcpy(ctx.trace.span_id, reply.parent_id, 8);
        }
    }

    if (cur.terminal) {
        res->terminal = 1;
        res->due = 0;
        json_decref(ctx.st);
        return 0;
    }

    switch (in->kind) {

    case NGX_EDA_SAGA_START:
        rc = ngx_eda_saga_on_start(&ctx, &cur);
        break;

    case NGX_EDA_SAGA_TIMER:
        rc = ngx_eda_saga_on_timer(&ctx, &cur);
        break;

    default: /* NGX_EDA_SAGA_REPLY */
        rc = ngx_eda_saga_on_reply(&ctx, &cur, in);
        break;
    }

    if (rc == 0 && res->changed) {
        rc = ngx_eda_saga_dump(&ctx);
    }

    json_decref(ctx.st);

    if (rc != 0) {
        ngx_eda_saga_fail(err, errlen, "out of memory");
        ngx_eda_saga_result_free(res);
        memset(res, 0, sizeof(ngx_eda_saga_result_t));
        return -1;
    }

    return 0;
}


/* STATE parsed into CTX->st and read into CUR, if it is an instance */

static int
ngx_eda_saga_load(const ngx_eda_saga_defs_t *defs, const char *state,
    size_t len, ngx_eda_saga_ctx_t *ctx, ngx_eda_saga_cur_t *cur, char *err,
    size_t errlen)
{
    json_t        *st;
    const char    *name, *phase;
    json_error_t   jerr;

    st = json_loadb(state, len, 0, &jerr);
    if (st == NULL || !json_is_object(st)) {
        ngx_eda_saga_fail(err, errlen, "the state is not a JSON object");
        json_decref(st);
        return -1;
    }

    name = ngx_eda_saga_str(st, "saga");
    ctx->id = ngx_eda_saga_str(st, "id");
    ctx->ext = json_object_get(st, "extensions");   /* none in old states */
    cur->status = ngx_eda_saga_status(ngx_eda_saga_str(st, "status"),
                                      &cur->terminal);
    cur->waiting = ngx_eda_saga_str(st, "waiting");
    phase = ngx_eda_saga_str(st, "phase");
    cur->step = ngx_eda_saga_int(st, "step");
    cur->attempt = ngx_eda_saga_int(st, "attempt");
    cur->due = ngx_eda_saga_int(st, "due");

    ctx->def = (name != NULL) ? ngx_eda_saga_find(defs, name, strlen(name))
                              : NULL;

    if (ctx->def == NULL || ctx->id == NULL || cur->status == NULL
        || cur->waiting == NULL || phase == NULL || cur->step < 0
        || (size_t) cur->step >= ctx->def->nsteps || cur->attempt < 0
        || cur->due < 0
        || !json_is_object(json_object_get(st, "results")))
    {
        ngx_eda_saga_fail(err, errlen, "the state is not an instance of "
                          "the configured sagas");
        json_decref(st);
        return -1;
    }

    cur->comp = (strcmp(phase, "compensation") == 0);
    ctx->st = st;

    return 0;
}


static int
ngx_eda_saga_on_start(ngx_eda_saga_ctx_t *ctx, const ngx_eda_saga_cur_t *cur)
{
    int  rc;

    if (strcmp(cur->status, "pending") != 0) {
        return 0;
    }

    rc = ngx_eda_saga_dispatch(ctx, 0, 0, 1, "started");
    ctx->res->changed = 1;

    return rc;
}


/* a due timer: the start, the next attempt, or a reply that is late */

static int
ngx_eda_saga_on_timer(ngx_eda_saga_ctx_t *ctx, const ngx_eda_saga_cur_t *cur)
{
    if (cur->due == 0 || ctx->now < cur->due) {
        return 0;
    }

    if (strcmp(cur->status, "pending") == 0) {
        ctx->res->changed = 1;
        return ngx_eda_saga_dispatch(ctx, 0, 0, 1, "started");
    }

    if (strcmp(cur->waiting, "retry") == 0) {
        ctx->res->changed = 1;
        return ngx_eda_saga_dispatch(ctx, (size_t) cur->step, cur->comp,
                                     (unsigned) cur->attempt + 1,
                                     cur->comp ? "compensating" : "running");
    }

    if (strcmp(cur->waiting, "reply") == 0) {
        ctx->res->changed = 1;
        return ngx_eda_saga_failure(ctx, "timeout");
    }

    return 0;
}


/*
 * A reply to the command waited for: a success of any of its attempts, or
 * a failure of its latest one.  A reply that is not bound to a command of
 * the step it names is not the participant's: rejected.
 */

static int
ngx_eda_saga_on_reply(ngx_eda_saga_ctx_t *ctx, const ngx_eda_saga_cur_t *cur,
    const ngx_eda_saga_input_t *in)
{
    int                        comp;
    long                       attempt;
    char                       reason[256];
    size_t                     step;
    const ngx_eda_saga_cmd_t  *cmd;

    if (in->type == NULL || strcmp(cur->status, "pending") == 0) {
        return 0;
    }

    if (ngx_eda_saga_bound(ctx, in, &step, &comp, &attempt) != 0) {
        ctx->res->rejected = 1;
        return 0;
    }

    if (step != (size_t) cur->step || comp != cur->comp) {
        /* a redelivery of a reply already dealt with */
        return 0;
    }

    if (attempt > cur->attempt) {
        /* an attempt not sent yet cannot have been answered */
        ctx->res->rejected = 1;
        return 0;
    }

    cmd = ngx_eda_saga_cmd(ctx->def, step, comp);

    if (ngx_eda_saga_listed(in->type, cmd->success, cmd->nsuccess)) {
        /* a success of any attempt of the step is the step's */
        ctx->res->changed = 1;
        return ngx_eda_saga_success(ctx, in);
    }

    if (ngx_eda_saga_listed(in->type, cmd->failure, cmd->nfailure)
        && strcmp(cur->waiting, "reply") == 0 && attempt == cur->attempt)
    {
        /* a failure of an attempt already retried is stale */
        snprintf(reason, sizeof(reason), "reply %.200s", in->type);
        ctx->res->changed = 1;
        return ngx_eda_saga_failure(ctx, reason);
    }

    return 0;
}


/*
 * 0 if IN names a step of the instance (sagastep), came on the reply
 * topic of one of that step's commands and carries, as its
 * idempotencykey, the id that command was sent with: "<saga id>.<step
 * number>.<f or c>.<attempt>" (see ngx_eda_saga_dispatch); its step,
 * phase and attempt set.  A participant of another step, which may see
 * the saga id, can write only to its own reply topics.
 */

static int
ngx_eda_saga_bound(ngx_eda_saga_ctx_t *ctx, const ngx_eda_saga_input_t *in,
    size_t *step, int *comp, long *attempt)
{
    size_t                     i, n;
    const ngx_eda_saga_cmd_t  *cmd;

    if (in->step == NULL || in->key == NULL || in->topic == NULL) {
        return -1;
    }

    for (i = 0; i < ctx->def->nsteps; i++) {
        if (strcmp(in->step, ctx->def->steps[i].name) == 0) {
            break;
        }
    }

    if (i == ctx->def->nsteps
        || ngx_eda_saga_cmd_id_parse(in->key, ctx->id, &n, comp, attempt)
           != 0
        || n != i + 1)
    {
        return -1;
    }

    cmd = ngx_eda_saga_cmd(ctx->def, i, *comp);

    if (cmd->topic == NULL || strcmp(in->topic, cmd->reply_topic) != 0
        || (in->attempt != 0 && in->attempt != *attempt))
    {
        return -1;
    }

    *step = i;

    return 0;
}


/* the changed state, as the result carries it */

static int
ngx_eda_saga_dump(ngx_eda_saga_ctx_t *ctx)
{
    ngx_eda_saga_result_t  *res;

    res = ctx->res;

    res->state = json_dumps(ctx->st, JSON_COMPACT);
    if (res->state == NULL) {
        return -1;
    }

    res->state_len = strlen(res->state);
    res->saga = ctx->def->name;
    res->due = ngx_eda_saga_int(ctx->st, "due");
    res->status = ngx_eda_saga_status(ngx_eda_saga_str(ctx->st, "status"),
                                      &res->terminal);

    return 0;
}


void
ngx_eda_saga_result_free(ngx_eda_saga_result_t *res)
{
    size_t  i;

    for (i = 0; i < res->nrecords; i++) {
        free(res->records[i].topic);
        free(res->records[i].key);
        free(res->records[i].value);
    }

    res->nrecords = 0;
    free(res->state);
    res->state = NULL;
}


static const ngx_eda_saga_cmd_t *
ngx_eda_saga_cmd(const ngx_eda_saga_def_t *def, size_t step,
    int compensation)
{
    return compensation ? &def->steps[step].compensation
                        : &def->steps[step].forward;
}


static int
ngx_eda_saga_listed(const char *type, const char **list, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (strcmp(type, list[i]) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Sends attempt ATTEMPT of the command (or compensation) of STEP and waits
 * for its reply until the timeout.  The command's id is also its
 * idempotency key: the same for a redelivery of this attempt, another for
 * the next attempt.
 */

static int
ngx_eda_saga_dispatch(ngx_eda_saga_ctx_t *ctx, size_t step, int compensation,
    unsigned attempt, const char *status)
{
    char                      cid[NGX_EDA_SAGA_MAX_ID + 64], n[24];
    json_t                   *ev, *data, *results;
    const ngx_eda_saga_cmd_t *cmd;

    cmd = ngx_eda_saga_cmd(ctx->def, step, compensation);

    json_object_set_new(ctx->st, "status", json_string(status));
    json_object_set_new(ctx->st, "phase",
                        json_string(compensation ? "compensation"
                                                 : "forward"));
    json_object_set_new(ctx->st, "step", json_integer((json_int_t) step));
    json_object_set_new(ctx->st, "attempt",
                        json_integer((json_int_t) attempt));
    json_object_set_new(ctx->st, "waiting", json_string("reply"));
    json_object_set_new(ctx->st, "due",
                        json_integer((json_int_t) (ctx->now + cmd->timeout)));

    if (attempt == 1) {
        json_object_del(ctx->st, "unanswered");
    }

    ngx_eda_saga_cmd_id(cid, sizeof(cid), ctx->id, step, compensation,
                        attempt);
    snprintf(n, sizeof(n), "%u", attempt);

    ev = ngx_eda_saga_event(ctx, cid, cmd->type);
    if (ev == NULL) {
        return -1;
    }

    results = json_object_get(ctx->st, "results");

    data = json_pack("{s:s, s:s, s:s, s:s, s:i, s:O, s:O}",
                     "saga", ctx->def->name, "id", ctx->id,
                     "step", ctx->def->steps[step].name,
                     "phase", compensation ? "compensation" : "forward",
                     "attempt", (int) attempt,
                     "input", json_object_get(ctx->st, "input"),
                     "results", results);

    if (data == NULL
        || json_object_set_new(ev, "sagaid", json_string(ctx->id)) != 0
        || json_object_set_new(ev, "sagastep",
                               json_string(ctx->def->steps[step].name)) != 0
        || json_object_set_new(ev, "sagaattempt", json_string(n)) != 0
        || json_object_set_new(ev, "idempotencykey", json_string(cid)) != 0
        || json_object_set_new(ev, "data", data) != 0)
    {
        json_decref(ev);
        return -1;
    }

    if (ngx_eda_saga_record(ctx, cmd->topic, ev) != 0) {
        return -1;
    }

    ngx_eda_saga_history(ctx, status, NULL);

    return ngx_eda_saga_progress(ctx, status, NULL);
}


static int
ngx_eda_saga_success(ngx_eda_saga_ctx_t *ctx, const ngx_eda_saga_input_t *in)
{
    int64_t        step;
    json_t        *data;
    json_error_t   jerr;

    step = ngx_eda_saga_int(ctx->st, "step");

    if (strcmp(ngx_eda_saga_str(ctx->st, "phase"), "compensation") == 0) {
        ngx_eda_saga_history(ctx, "compensated-step", NULL);
        return ngx_eda_saga_compensate_from(ctx, step - 1);
    }

    if (in->data != NULL && in->data_len > ctx->def->max_result) {
        /*
         * Not stored, so the state and the events that carry the results
         * stay bounded.  The participant did the work: the attempt fails,
         * and if no attempt succeeds, this step is compensated too.
         */
        json_object_set_new(ctx->st, "unanswered", json_true());
        return ngx_eda_saga_failure(ctx, "result too large");
    }

    data = NULL;

    if (in->data != NULL) {
        data = json_loadb(in->data, in->data_len, JSON_DECODE_ANY, &jerr);

        if (data == NULL) {
            /* text that is not JSON: kept as a string (NULL if not UTF-8) */
            data = json_stringn(in->data, in->data_len);
        }
    }

    if (json_object_set_new(json_object_get(ctx->st, "results"),
                            ctx->def->steps[step].name,
                            data ? data : json_null())
        != 0)
    {
        return -1;
    }

    if ((size_t) step + 1 == ctx->def->nsteps) {
        return ngx_eda_saga_finish(ctx, "completed");
    }

    return ngx_eda_saga_dispatch(ctx, (size_t) step + 1, 0, 1, "running");
}


/*
 * An attempt failed (a failure reply, or no reply in time): the next
 * attempt after the backoff, or, once the attempts are spent, the
 * compensations of the completed steps, latest first.  A step with an
 * attempt left unanswered may have been done all the same (its success
 * arrives too late to count), so its own compensation runs first.  A
 * compensation that exhausts its attempts goes to the dead-letter topic
 * and the earlier ones still run.
 */

static int
ngx_eda_saga_failure(ngx_eda_saga_ctx_t *ctx, const char *reason)
{
    int                        comp;
    char                       cid[NGX_EDA_SAGA_MAX_ID + 64];
    int64_t                    step, attempt;
    json_t                    *ev, *data;
    const ngx_eda_saga_cmd_t  *cmd;

    step = ngx_eda_saga_int(ctx->st, "step");
    attempt = ngx_eda_saga_int(ctx->st, "attempt");
    comp = (strcmp(ngx_eda_saga_str(ctx->st, "phase"), "compensation") == 0);
    cmd = ngx_eda_saga_cmd(ctx->def, (size_t) step, comp);

    if (!comp && strcmp(reason, "timeout") == 0) {
        json_object_set_new(ctx->st, "unanswered", json_true());
    }

    ctx->res->step = ctx->def->steps[step].name;
    ctx->res->timeouts += (strcmp(reason, "timeout") == 0);

    if (attempt < (int64_t) cmd->max_attempts) {
        ctx->res->retries++;
        json_object_set_new(ctx->st, "status", json_string("retrying"));
        json_object_set_new(ctx->st, "waiting", json_string("retry"));
        json_object_set_new(ctx->st, "due", json_integer((json_int_t)
            (ctx->now + ngx_eda_saga_backoff(cmd, (unsigned) attempt,
                                             ctx->rnd))));
        ngx_eda_saga_history(ctx, "retrying", reason);
        return ngx_eda_saga_progress(ctx, "retrying", reason);
    }

    if (!comp) {
        json_object_set_new(ctx->st, "reason", json_string(reason));
        json_object_set_new(ctx->st, "failed_step",
                            json_string(ctx->def->steps[step].name));
        ngx_eda_saga_history(ctx, "step-failed", reason);
        return ngx_eda_saga_compensate_from(ctx,
                   json_is_true(json_object_get(ctx->st, "unanswered"))
                   ? step : step - 1);
    }

    /* a compensation that cannot be done: a human must look at it */

    snprintf(cid, sizeof(cid), "%s.%lld.dead-letter", ctx->id,
             (long long) step + 1);

    ev = ngx_eda_saga_event(ctx, cid, "eda.saga.dead-letter");
    if (ev == NULL) {
        return -1;
    }

    data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:O, s:O}",
                     "saga", ctx->def->name, "id", ctx->id,
                     "step", ctx->def->steps[step].name,
                     "reason", reason, "command_topic", cmd->topic,
                     "command_type", cmd->type,
                     "attempts", (int) attempt,
                     "input", json_object_get(ctx->st, "input"),
                     "results", json_object_get(ctx->st, "results"));

    if (data == NULL || json_object_set_new(ev, "data", data) != 0) {
        json_decref(ev);
        return -1;
    }

    if (ngx_eda_saga_record(ctx, ctx->def->dead_letter_topic, ev) != 0) {
        return -1;
    }

    json_object_set_new(ctx->st, "dead_letters",
        json_integer(ngx_eda_saga_int(ctx->st, "dead_letters") + 1));
    ctx->res->dead_letters++;
    ngx_eda_saga_history(ctx, "dead-letter", reason);

    return ngx_eda_saga_compensate_from(ctx, step - 1);
}


/* the latest step at or before STEP that has a compensation, or the end */

static int
ngx_eda_saga_compensate_from(ngx_eda_saga_ctx_t *ctx, long step)
{
    for ( /* void */ ; step >= 0; step--) {
        if (ctx->def->steps[step].compensation.topic != NULL) {
            return ngx_eda_saga_dispatch(ctx, (size_t) step, 1, 1,
                                         "compensating");
        }
    }

    return ngx_eda_saga_finish(ctx,
                               ngx_eda_saga_int(ctx->st, "dead_letters") > 0
                               ? "failed" : "compensated");
}


static int
ngx_eda_saga_finish(ngx_eda_saga_ctx_t *ctx, const char *status)
{
    json_object_set_new(ctx->st, "status", json_string(status));
    json_object_set_new(ctx->st, "waiting", json_string("none"));
    json_object_set_new(ctx->st, "due", json_integer(0));

    ngx_eda_saga_history(ctx, status, NULL);

    return ngx_eda_saga_progress(ctx, status,
                                 json_string_value(json_object_get(ctx->st,
                                                                   "reason")));
}


/* eda.saga.<status> on the events topic: subscribers follow a saga */

static int
ngx_eda_saga_progress(ngx_eda_saga_ctx_t *ctx, const char *status,
    const char *reason)
{
    char       pid[NGX_EDA_SAGA_MAX_ID + 32], type[64];
    int64_t    seq, step;
    json_t    *ev, *data;

    seq = ngx_eda_saga_int(ctx->st, "seq") + 1;
    json_object_set_new(ctx->st, "seq", json_integer(seq));

    snprintf(pid, sizeof(pid), "%s.e%lld", ctx->id, (long long) seq);
    snprintf(type, sizeof(type), "eda.saga.%s", status);

    ev = ngx_eda_saga_event(ctx, pid, type);
    if (ev == NULL) {
        return -1;
    }

    step = ngx_eda_saga_int(ctx->st, "step");

    data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}",
                     "saga", ctx->def->name, "id", ctx->id,
                     "status", status,
                     "step", ctx->def->steps[step].name,
                     "phase", ngx_eda_saga_str(ctx->st, "phase"),
                     "attempt", (json_int_t) ngx_eda_saga_int(ctx->st,
                                                              "attempt"));
    if (data == NULL) {
        json_decref(ev);
        return -1;
    }

    if (reason != NULL) {
        json_object_set_new(data, "reason", json_string(reason));
    }

    if (strcmp(status, "completed") == 0) {
        json_object_set(data, "results", json_object_get(ctx->st, "results"));
    }

    if (json_object_set_new(ev, "data", data) != 0) {
        json_decref(ev);
        return -1;
    }

    return ngx_eda_saga_record(ctx, ctx->def->events_topic, ev);
}


/* takes EVENT over */

static int
ngx_eda_saga_record(ngx_eda_saga_ctx_t *ctx, const char *topic,
    json_t *event)
{
    ngx_eda_saga_record_t  *r;

    if (ctx->res->nrecords == NGX_EDA_SAGA_MAX_RECORDS) {
        json_decref(event);
        return -1;
    }

    r = &ctx->res->records[ctx->res->nrecords];

    r->topic = strdup(topic);
    r->key = strdup(ctx->id);
    r->value = json_dumps(event, JSON_COMPACT);
    r->traced = 0;
    ngx_eda_saga_span(ctx, event, r);
    json_decref(event);

    ctx->res->nrecords++;

    if (r->topic == NULL || r->key == NULL || r->value == NULL) {
        return -1;
    }

    r->value_len = strlen(r->value);

    return 0;
}


/*
 * R's span, from the EVENT it is made of: the span of its traceparent,
 * a child of the one ctx->trace continues; nothing when the instance has
 * no trace.
 */

static void
ngx_eda_saga_span(ngx_eda_saga_ctx_t *ctx, json_t *event,
    ngx_eda_saga_record_t *r)
{
    json_t               *data, *v;
    const char           *tp;
    ngx_eda_saga_span_t  *sp;

    tp = ngx_eda_saga_str(event, "traceparent");

    if (!ctx->traced || tp == NULL) {
        return;
    }

    sp = &r->span;

    if (ngx_eda_trace_parse(&sp->trace, tp, strlen(tp)) != 0) {
        return;
    }

    /* the traceparent names the record's span: the parent is ours */
    memcpy(sp->trace.span_id, sp->trace.parent_id, 8);
    memcpy(sp->trace.parent_id, ctx->trace.span_id, 8);
    r->traced = 1;

    ngx_eda_saga_span_str(sp->id, ngx_eda_saga_str(event, "id"));
    ngx_eda_saga_span_str(sp->type, ngx_eda_saga_str(event, "type"));

    /* a command names its step and attempt; an event of the saga, in data */

    data = json_object_get(event, "data");

    v = json_object_get(event, "sagastep");
    if (v == NULL) {
        v = json_object_get(data, "step");
    }

    ngx_eda_saga_span_str(sp->step, json_string_value(v));

    v = json_object_get(event, "sagaattempt");
    if (v == NULL) {
        v = json_object_get(data, "attempt");
    }

    if (json_is_integer(v)) {
        snprintf(sp->attempt, sizeof(sp->attempt), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));

    } else {
        ngx_eda_saga_span_str(sp->attempt, json_string_value(v));
    }
}


/* S (NULL: "") into a span's string, cut at a character if too long */

static void
ngx_eda_saga_span_str(char *dst, const char *s)
{
    size_t  n;

    n = (s != NULL) ? strlen(s) : 0;

    if (n >= NGX_EDA_SAGA_SPAN_STR) {
        n = NGX_EDA_SAGA_SPAN_STR - 1;

        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    memcpy(dst, s != NULL ? s : "", n);
    dst[n] = '\0';
}


static json_t *
ngx_eda_saga_event(ngx_eda_saga_ctx_t *ctx, const char *id, const char *type)
{
    char     t[NGX_EDA_CE_TIME_LEN + 1], source[NGX_EDA_SAGA_MAX_NAME + 16];
    json_t  *ev;

    ngx_eda_saga_time(ctx->now, t);
    snprintf(source, sizeof(source), "/eda/saga/%s", ctx->def->name);

    ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                   "specversion", "1.0", "id", id, "source", source,
                   "type", type, "subject", ctx->id, "time", t,
                   "datacontenttype", "application/json");

    if (ev != NULL
        && (ngx_eda_saga_extend(ctx, ev) != 0
            || ngx_eda_saga_trace(ctx, ev, id) != 0))
    {
        json_decref(ev);
        return NULL;
    }

    return ev;
}


/*
 * The instance's extensions on EV: the string members of ctx->ext whose
 * names and values an extension can have, at most NGX_EDA_SAGA_MAX_EXT.
 * Whatever else a state (or a record) has there is not an extension and
 * never replaces an attribute the coordinator sets.
 */

static int
ngx_eda_saga_extend(ngx_eda_saga_ctx_t *ctx, json_t *ev)
{
    size_t       n;
    json_t      *v;
    const char  *name, *err;

    if (!json_is_object(ctx->ext)) {
        return 0;
    }

    n = 0;

    json_object_foreach(ctx->ext, name, v) {
        if (n == NGX_EDA_SAGA_MAX_EXT) {
            break;
        }

        if (!json_is_string(v)
            || json_string_length(v) == 0
            || ngx_eda_saga_ext_name(name, strlen(name)) != NULL
            || ngx_eda_saga_ext_value(name, json_string_value(v),
                                      json_string_length(v), &err)
               != 0)
        {
            continue;
        }

        if (json_object_set(ev, name, v) != 0) {
            return -1;
        }

        n++;
    }

    return 0;
}


/*
 * The trace of the records: TRACEPARENT (the instance's span, or a
 * record's) parsed into ctx->trace with that span as the one records
 * continue; nothing when it is absent or invalid (older states).
 */

static void
ngx_eda_saga_trace_load(ngx_eda_saga_ctx_t *ctx, const char *traceparent,
    const char *tracestate)
{
    ctx->traced = 0;
    ctx->tracestate = NULL;

    if (traceparent == NULL
        || ngx_eda_trace_parse(&ctx->trace, traceparent, strlen(traceparent))
           != 0)
    {
        return;
    }

    memcpy(ctx->trace.span_id, ctx->trace.parent_id, 8);
    ctx->traced = 1;

    if (tracestate != NULL
        && ngx_eda_trace_valid_state(tracestate, strlen(tracestate)))
    {
        ctx->tracestate = tracestate;
    }
}


/*
 * EV's traceparent: the instance's trace, a span of its own that is a
 * child of ctx->trace.span_id.  The span id is derived from the trace id
 * and the record's id (FNV-1a, then a 64-bit finaliser), so a record the
 * coordinator makes again (an outbox sent again, a transition applied
 * twice) has the same span.
 */

static int
ngx_eda_saga_trace(ngx_eda_saga_ctx_t *ctx, json_t *ev, const char *id)
{
    char             tp[NGX_EDA_TRACEPARENT_LEN];
    size_t           i;
    uint8_t          rnd[24];
    uint64_t         h;
    ngx_eda_trace_t  span;

    if (!ctx->traced) {
        return 0;
    }

    h = 0xcbf29ce484222325ULL;

    for (i = 0; i < 16; i++) {
        h = (h ^ ctx->trace.trace_id[i]) * 0x100000001b3ULL;
    }

    for (i = 0; id[i] != '\0'; i++) {
        h = (h ^ (uint8_t) id[i]) * 0x100000001b3ULL;
    }

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;

    for (i = 0; i < 8; i++) {
        rnd[16 + i] = (uint8_t) (h >> (56 - 8 * i));
    }

    span = ctx->trace;
    memcpy(span.parent_id, ctx->trace.span_id, 8);
    ngx_eda_trace_child(&span, rnd);
    ngx_eda_trace_format(&span, tp);

    if (json_object_set_new(ev, "traceparent",
                            json_stringn(tp, NGX_EDA_TRACEPARENT_LEN))
        != 0)
    {
        return -1;
    }

    if (ctx->tracestate != NULL
        && json_object_set_new(ev, "tracestate",
                               json_string(ctx->tracestate))
           != 0)
    {
        return -1;
    }

    return 0;
}


/* the last NGX_EDA_SAGA_MAX_HISTORY transitions, for GET */

static void
ngx_eda_saga_history(ngx_eda_saga_ctx_t *ctx, const char *status,
    const char *reason)
{
    char     t[NGX_EDA_CE_TIME_LEN + 1];
    json_t  *h, *e;

    ngx_eda_saga_time(ctx->now, t);
    json_object_set_new(ctx->st, "updated", json_string(t));

    h = json_object_get(ctx->st, "history");
    if (!json_is_array(h)) {
        h = json_array();
        json_object_set_new(ctx->st, "history", h);
    }

    e = json_pack("{s:s, s:s, s:s, s:I}", "time", t, "status", status,
                  "step",
                  ctx->def->steps[ngx_eda_saga_int(ctx->st, "step")].name,
                  "attempt",
                  (json_int_t) ngx_eda_saga_int(ctx->st, "attempt"));
    if (e == NULL) {
        return;
    }

    if (reason != NULL) {
        json_object_set_new(e, "reason", json_string(reason));
    }

    json_array_append_new(h, e);

    while (json_array_size(h) > NGX_EDA_SAGA_MAX_HISTORY) {
        json_array_remove(h, 1);     /* the first entry says when it began */
    }
}


static void
ngx_eda_saga_time(int64_t ms, char *out)
{
    ngx_eda_ce_format_time((time_t) (ms / 1000), (unsigned int) (ms % 1000),
                           out);
    out[NGX_EDA_CE_TIME_LEN] = '\0';
}


static int64_t
ngx_eda_saga_int(json_t *st, const char *name)
{
    json_t  *v;

    v = json_object_get(st, name);

    return json_is_integer(v) ? (int64_t) json_integer_value(v) : -1;
}


static const char *
ngx_eda_saga_str(json_t *st, const char *name)
{
    return json_string_value(json_object_get(st, name));
}
