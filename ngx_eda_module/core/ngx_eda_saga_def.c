
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga definitions file: parsed with jansson and checked member by
 * member; the definitions keep pointers into the parsed JSON, which they
 * own.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_saga_def.h"


#define NGX_EDA_SAGA_MAX_TIMEOUT   (24 * 3600 * 1000ULL)


static int ngx_eda_saga_parse_saga(ngx_eda_saga_def_t *def, const char *name,
    json_t *obj, const char *events, const char *dead, char *err,
    size_t errlen);
static int ngx_eda_saga_parse_step(ngx_eda_saga_def_t *def, size_t i,
    json_t *s, char *err, size_t errlen);
static int ngx_eda_saga_parse_command(json_t *s, const char *what, char *err,
    size_t errlen);
static int ngx_eda_saga_parse_comp(ngx_eda_saga_step_t *step, json_t *s,
    const char *what, char *err, size_t errlen);
static int ngx_eda_saga_parse_cmd(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const ngx_eda_saga_cmd_t *inherit, const char *what, char *err,
    size_t errlen);
static int ngx_eda_saga_parse_replies(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const char *what, char *err, size_t errlen);
static int ngx_eda_saga_parse_timing(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const ngx_eda_saga_cmd_t *inherit, const char *what, char *err,
    size_t errlen);
static int ngx_eda_saga_parse_types(const char ***out, size_t *n,
    json_t *arr, const char *member, char *err, size_t errlen);
static int ngx_eda_saga_parse_retry(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    char *err, size_t errlen);
static int ngx_eda_saga_retry_number(json_t *obj, const char *member,
    double min, double max, double *out, char *err, size_t errlen);
static int ngx_eda_saga_topic_member(json_t *obj, const char *member,
    const char **topic, const char *what, char *err, size_t errlen);
static int ngx_eda_saga_size_member(json_t *obj, const char *member,
    size_t *size, const char *what, char *err, size_t errlen);
static int ngx_eda_saga_duration(json_t *v, uint64_t *ms);
static int ngx_eda_saga_only(json_t *obj, const char *const *allowed,
    const char **unknown);
static int ngx_eda_saga_valid_name(const char *s);
static int ngx_eda_saga_valid_topic(const char *s);
static size_t ngx_eda_saga_name_len(const char *s);
static void ngx_eda_saga_err(char *err, size_t errlen, const char *fmt, ...);
static void ngx_eda_saga_err_prefix(char *err, size_t errlen,
    const char *what);


static const char *const  ngx_eda_saga_top_keys[] = {
    "events_topic", "dead_letter_topic", "max_result", "sagas", NULL
};

static const char *const  ngx_eda_saga_saga_keys[] = {
    "events_topic", "dead_letter_topic", "max_result", "steps", NULL
};

static const char *const  ngx_eda_saga_step_keys[] = {
    "name", "command", "reply_topic", "success", "failure", "timeout",
    "retry", "compensation", NULL
};

static const char *const  ngx_eda_saga_comp_keys[] = {
    "topic", "type", "reply_topic", "success", "failure", "timeout",
    "retry", NULL
};

static const char *const  ngx_eda_saga_command_keys[] = {
    "topic", "type", NULL
};

static const char *const  ngx_eda_saga_retry_keys[] = {
    "max_attempts", "initial_backoff", "multiplier", "max_backoff",
    "jitter", NULL
};


/* ------------------------------------------------------------------------
 * definitions
 */

ngx_eda_saga_defs_t *
ngx_eda_saga_defs_parse(const char *buf, size_t len, char *err,
    size_t errlen)
{
    size_t                i, max_result;
    json_t               *root, *sagas, *v;
    const char           *key, *unknown, *events, *dead;
    json_error_t          jerr;
    ngx_eda_saga_defs_t  *defs;

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        ngx_eda_saga_err(err, errlen, "invalid JSON at line %d: %s",
                         jerr.line, jerr.text);
        return NULL;
    }

    defs = calloc(1, sizeof(ngx_eda_saga_defs_t));
    if (defs == NULL) {
        json_decref(root);
        ngx_eda_saga_err(err, errlen, "out of memory");
        return NULL;
    }

    defs->root = root;

    if (!json_is_object(root)) {
        ngx_eda_saga_err(err, errlen, "the file must hold a JSON object");
        goto failed;
    }

    if (!ngx_eda_saga_only(root, ngx_eda_saga_top_keys, &unknown)) {
        ngx_eda_saga_err(err, errlen, "unknown member \"%s\"", unknown);
        goto failed;
    }

    events = "eda.saga.events";
    dead = "eda.saga.dead-letters";

    max_result = NGX_EDA_SAGA_MAX_RESULT;

    if (ngx_eda_saga_topic_member(root, "events_topic", &events, "", err,
                                  errlen) != 0
        || ngx_eda_saga_topic_member(root, "dead_letter_topic", &dead, "",
                                     err, errlen) != 0
        || ngx_eda_saga_size_member(root, "max_result", &max_result, "",
                                    err, errlen) != 0)
    {
        goto failed;
    }

    sagas = json_object_get(root, "sagas");
    if (!json_is_object(sagas) || json_object_size(sagas) == 0) {
        ngx_eda_saga_err(err, errlen, "\"sagas\" must be an object with at "
                         "least one saga, by name");
        goto failed;
    }

    defs->sagas = calloc(json_object_size(sagas), sizeof(ngx_eda_saga_def_t));
    if (defs->sagas == NULL) {
        ngx_eda_saga_err(err, errlen, "out of memory");
        goto failed;
    }

    i = 0;

    json_object_foreach(sagas, key, v) {
        defs->sagas[i].max_result = max_result;

        if (ngx_eda_saga_parse_saga(&defs->sagas[i], key, v, events, dead,
                                    err, errlen)
            != 0)
        {
            defs->nsagas = i + 1;
            goto failed;
        }

        i++;
    }

    defs->nsagas = i;

    return defs;

failed:

    ngx_eda_saga_defs_free(defs);
    return NULL;
}


void
ngx_eda_saga_defs_free(ngx_eda_saga_defs_t *defs)
{
    size_t  i, j;

    if (defs == NULL) {
        return;
    }

    for (i = 0; i < defs->nsagas; i++) {
        for (j = 0; j < defs->sagas[i].nsteps; j++) {
            free(defs->sagas[i].steps[j].forward.success);
            free(defs->sagas[i].steps[j].forward.failure);
            free(defs->sagas[i].steps[j].compensation.success);
            free(defs->sagas[i].steps[j].compensation.failure);
        }

        free(defs->sagas[i].steps);
    }

    free(defs->sagas);
    json_decref(defs->root);
    free(defs);
}


const ngx_eda_saga_def_t *
ngx_eda_saga_find(const ngx_eda_saga_defs_t *defs, const char *name,
    size_t len)
{
    size_t  i;

    for (i = 0; i < defs->nsagas; i++) {
        if (strlen(defs->sagas[i].name) == len
            && memcmp(defs->sagas[i].name, name, len) == 0)
        {
            return &defs->sagas[i];
        }
    }

    return NULL;
}


static int
ngx_eda_saga_parse_saga(ngx_eda_saga_def_t *def, const char *name,
    json_t *obj, const char *events, const char *dead, char *err,
    size_t errlen)
{
    char         what[160];
    size_t       i;
    json_t      *steps, *s;
    const char  *unknown;

    def->name = name;

    if (!ngx_eda_saga_valid_name(name)) {
        ngx_eda_saga_err(err, errlen, "saga \"%.64s\": a name is 1 to 64 "
                         "of A-Z a-z 0-9 . _ -", name);
        return -1;
    }

    if (!json_is_object(obj)) {
        ngx_eda_saga_err(err, errlen, "saga \"%s\": must be an object",
                         name);
        return -1;
    }

    if (!ngx_eda_saga_only(obj, ngx_eda_saga_saga_keys, &unknown)) {
        ngx_eda_saga_err(err, errlen, "saga \"%s\": unknown member \"%s\"",
                         name, unknown);
        return -1;
    }

    def->events_topic = events;
    def->dead_letter_topic = dead;

    snprintf(what, sizeof(what), "saga \"%s\": ", name);

    if (ngx_eda_saga_topic_member(obj, "events_topic", &def->events_topic,
                                  what, err, errlen) != 0
        || ngx_eda_saga_topic_member(obj, "dead_letter_topic",
                                     &def->dead_letter_topic, what, err,
                                     errlen) != 0
        || ngx_eda_saga_size_member(obj, "max_result", &def->max_result,
                                    what, err, errlen) != 0)
    {
        return -1;
    }

    steps = json_object_get(obj, "steps");
    if (!json_is_array(steps) || json_array_size(steps) == 0
        || json_array_size(steps) > 100)
    {
        ngx_eda_saga_err(err, errlen, "saga \"%s\": \"steps\" must be an "
                         "array of 1 to 100 steps", name);
        return -1;
    }

    def->steps = calloc(json_array_size(steps), sizeof(ngx_eda_saga_step_t));
    if (def->steps == NULL) {
        ngx_eda_saga_err(err, errlen, "out of memory");
        return -1;
    }

    json_array_foreach(steps, i, s) {
        def->nsteps = i + 1;

        if (ngx_eda_saga_parse_step(def, i, s, err, errlen) != 0) {
            return -1;
        }
    }

    return 0;
}


/* step I of DEF: its name, its command, its compensation if any */

static int
ngx_eda_saga_parse_step(ngx_eda_saga_def_t *def, size_t i, json_t *s,
    char *err, size_t errlen)
{
    char                  what[160];
    size_t                j;
    const char           *unknown, *sname;
    ngx_eda_saga_step_t  *step;

    step = &def->steps[i];

    if (!json_is_object(s)) {
        ngx_eda_saga_err(err, errlen, "saga \"%s\", step %zu: must be "
                         "an object", def->name, i + 1);
        return -1;
    }

    sname = json_string_value(json_object_get(s, "name"));

    if (sname == NULL || !ngx_eda_saga_valid_name(sname)) {
        ngx_eda_saga_err(err, errlen, "saga \"%s\", step %zu: \"name\" "
                         "must be 1 to 64 of A-Z a-z 0-9 . _ -",
                         def->name, i + 1);
        return -1;
    }

    step->name = sname;

    snprintf(what, sizeof(what), "saga \"%s\", step %zu (\"%s\")",
             def->name, i + 1, sname);

    for (j = 0; j < i; j++) {
        if (strcmp(def->steps[j].name, sname) == 0) {
            ngx_eda_saga_err(err, errlen, "%s: the name is already "
                             "step %zu's", what, j + 1);
            return -1;
        }
    }

    if (!ngx_eda_saga_only(s, ngx_eda_saga_step_keys, &unknown)) {
        ngx_eda_saga_err(err, errlen, "%s: unknown member \"%s\"", what,
                         unknown);
        return -1;
    }

    if (ngx_eda_saga_parse_command(s, what, err, errlen) != 0
        || ngx_eda_saga_parse_cmd(&step->forward, s, NULL, what, err,
                                  errlen)
           != 0)
    {
        return -1;
    }

    return ngx_eda_saga_parse_comp(step, s, what, err, errlen);
}


/* the step's "command", merged into the step: one command's members */

static int
ngx_eda_saga_parse_command(json_t *s, const char *what, char *err,
    size_t errlen)
{
    json_t      *v;
    const char  *unknown;

    v = json_object_get(s, "command");

    if (!json_is_object(v)) {
        ngx_eda_saga_err(err, errlen, "%s: \"command\" must be an "
                         "object with \"topic\" and \"type\"", what);
        return -1;
    }

    if (!ngx_eda_saga_only(v, ngx_eda_saga_command_keys, &unknown)) {
        ngx_eda_saga_err(err, errlen, "%s: \"command\": unknown member "
                         "\"%s\"", what, unknown);
        return -1;
    }

    if (json_object_update(s, v) != 0
        || json_object_del(s, "command") != 0)
    {
        ngx_eda_saga_err(err, errlen, "out of memory");
        return -1;
    }

    return 0;
}


/* the step's "compensation": absent or null, or a command of its own */

static int
ngx_eda_saga_parse_comp(ngx_eda_saga_step_t *step, json_t *s,
    const char *what, char *err, size_t errlen)
{
    char         sub[512];
    json_t      *comp;
    const char  *unknown;

    comp = json_object_get(s, "compensation");

    if (comp == NULL || json_is_null(comp)) {
        return 0;
    }

    snprintf(sub, sizeof(sub), "%s, compensation", what);

    if (!json_is_object(comp)) {
        ngx_eda_saga_err(err, errlen, "%s: must be an object or null", sub);
        return -1;
    }

    if (!ngx_eda_saga_only(comp, ngx_eda_saga_comp_keys, &unknown)) {
        ngx_eda_saga_err(err, errlen, "%s: unknown member \"%s\"", sub,
                         unknown);
        return -1;
    }

    return ngx_eda_saga_parse_cmd(&step->compensation, comp, &step->forward,
                                  sub, err, errlen);
}


/*
 * A command: topic and type, where replies come, which reply types mean
 * success and failure, the timeout and the retry policy.  A compensation
 * inherits the reply topic, timeout and retry policy of its step.
 */

static int
ngx_eda_saga_parse_cmd(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const ngx_eda_saga_cmd_t *inherit, const char *what, char *err,
    size_t errlen)
{
    json_t  *v;

    cmd->topic = json_string_value(json_object_get(obj, "topic"));
    cmd->type = json_string_value(json_object_get(obj, "type"));

    if (cmd->topic == NULL || !ngx_eda_saga_valid_topic(cmd->topic)) {
        ngx_eda_saga_err(err, errlen, "%s: \"topic\" must be a Kafka topic "
                         "name (1 to 249 of A-Z a-z 0-9 . _ -)", what);
        cmd->topic = NULL;
        return -1;
    }

    if (cmd->type == NULL || cmd->type[0] == '\0'
        || ngx_eda_ce_check_value("type", 4, cmd->type, strlen(cmd->type),
                                  &(const char *) { NULL })
           != 0)
    {
        ngx_eda_saga_err(err, errlen, "%s: \"type\" must be a CloudEvents "
                         "type (a non-empty string)", what);
        return -1;
    }

    v = json_object_get(obj, "reply_topic");

    if (v != NULL) {
        cmd->reply_topic = json_string_value(v);

    } else if (inherit != NULL) {
        cmd->reply_topic = inherit->reply_topic;
    }

    if (cmd->reply_topic == NULL
        || !ngx_eda_saga_valid_topic(cmd->reply_topic))
    {
        ngx_eda_saga_err(err, errlen, "%s: \"reply_topic\" must be a Kafka "
                         "topic name", what);
        return -1;
    }

    if (ngx_eda_saga_parse_replies(cmd, obj, what, err, errlen) != 0) {
        return -1;
    }

    return ngx_eda_saga_parse_timing(cmd, obj, inherit, what, err, errlen);
}


/* "success" and "failure": lists of reply types, none in both */

static int
ngx_eda_saga_parse_replies(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const char *what, char *err, size_t errlen)
{
    size_t  i, j;

    if (ngx_eda_saga_parse_types(&cmd->success, &cmd->nsuccess,
                                 json_object_get(obj, "success"), "success",
                                 err, errlen)
        != 0
        || ngx_eda_saga_parse_types(&cmd->failure, &cmd->nfailure,
                                    json_object_get(obj, "failure"),
                                    "failure", err, errlen)
           != 0)
    {
        ngx_eda_saga_err_prefix(err, errlen, what);
        return -1;
    }

    for (i = 0; i < cmd->nsuccess; i++) {
        for (j = 0; j < cmd->nfailure; j++) {
            if (strcmp(cmd->success[i], cmd->failure[j]) == 0) {
                ngx_eda_saga_err(err, errlen, "%s: reply type \"%s\" is in "
                                 "both \"success\" and \"failure\"", what,
                                 cmd->success[i]);
                return -1;
            }
        }
    }

    return 0;
}


/* "timeout" and "retry", or the step's (INHERIT), or the defaults */

static int
ngx_eda_saga_parse_timing(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const ngx_eda_saga_cmd_t *inherit, const char *what, char *err,
    size_t errlen)
{
    json_t  *v;

    v = json_object_get(obj, "timeout");

    if (v == NULL && inherit != NULL) {
        cmd->timeout = inherit->timeout;

    } else if (v == NULL) {
        cmd->timeout = 30000;

    } else if (ngx_eda_saga_duration(v, &cmd->timeout) != 0
               || cmd->timeout == 0 || cmd->timeout > NGX_EDA_SAGA_MAX_TIMEOUT)
    {
        ngx_eda_saga_err(err, errlen, "%s: \"timeout\" must be a duration "
                         "from 1ms to 24h, such as \"5s\" or \"250ms\"",
                         what);
        return -1;
    }

    v = json_object_get(obj, "retry");

    if (v == NULL && inherit != NULL) {
        cmd->max_attempts = inherit->max_attempts;
        cmd->initial_backoff = inherit->initial_backoff;
        cmd->max_backoff = inherit->max_backoff;
        cmd->multiplier = inherit->multiplier;
        cmd->jitter = inherit->jitter;
        return 0;
    }

    if (ngx_eda_saga_parse_retry(cmd, v, err, errlen) != 0) {
        ngx_eda_saga_err_prefix(err, errlen, what);
        return -1;
    }

    return 0;
}


static int
ngx_eda_saga_parse_types(const char ***out, size_t *n, json_t *arr,
    const char *member, char *err, size_t errlen)
{
    size_t       i, j;
    json_t      *v;
    const char  *s, **list;

    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        ngx_eda_saga_err(err, errlen, "\"%s\" must be a non-empty array of "
                         "reply types", member);
        return -1;
    }

    list = calloc(json_array_size(arr), sizeof(char *));
    if (list == NULL) {
        ngx_eda_saga_err(err, errlen, "out of memory");
        return -1;
    }

    *out = list;

    json_array_foreach(arr, i, v) {
        s = json_string_value(v);

        if (s == NULL || s[0] == '\0') {
            ngx_eda_saga_err(err, errlen, "\"%s\" must hold non-empty "
                             "strings", member);
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(list[j], s) == 0) {
                ngx_eda_saga_err(err, errlen, "\"%s\" names \"%s\" twice",
                                 member, s);
                return -1;
            }
        }

        list[i] = s;
        *n = i + 1;
    }

    return 0;
}


static int
ngx_eda_saga_parse_retry(ngx_eda_saga_cmd_t *cmd, json_t *obj, char *err,
    size_t errlen)
{
    json_t      *v;
    json_int_t   n;
    const char  *unknown;

    /* no "retry": three attempts, 200ms doubling up to 10s, 20% jitter */

    cmd->max_attempts = 3;
    cmd->initial_backoff = 200;
    cmd->max_backoff = 10000;
    cmd->multiplier = 2.0;
    cmd->jitter = 0.2;

    if (obj == NULL) {
        return 0;
    }

    if (!json_is_object(obj)) {
        ngx_eda_saga_err(err, errlen, "\"retry\" must be an object");
        return -1;
    }

    if (!ngx_eda_saga_only(obj, ngx_eda_saga_retry_keys, &unknown)) {
        ngx_eda_saga_err(err, errlen, "\"retry\": unknown member \"%s\"",
                         unknown);
        return -1;
    }

    v = json_object_get(obj, "max_attempts");
    if (v != NULL) {
        n = json_is_integer(v) ? json_integer_value(v) : 0;
        if (n < 1 || n > 100) {
            ngx_eda_saga_err(err, errlen, "\"retry\": \"max_attempts\" must "
                             "be an integer from 1 to 100");
            return -1;
        }

        cmd->max_attempts = (unsigned) n;
    }

    v = json_object_get(obj, "initial_backoff");
    if (v != NULL
        && (ngx_eda_saga_duration(v, &cmd->initial_backoff) != 0
            || cmd->initial_backoff > NGX_EDA_SAGA_MAX_TIMEOUT))
    {
        ngx_eda_saga_err(err, errlen, "\"retry\": \"initial_backoff\" must "
                         "be a duration up to 24h");
        return -1;
    }

    v = json_object_get(obj, "max_backoff");
    if (v != NULL
        && (ngx_eda_saga_duration(v, &cmd->max_backoff) != 0
            || cmd->max_backoff > NGX_EDA_SAGA_MAX_TIMEOUT))
    {
        ngx_eda_saga_err(err, errlen, "\"retry\": \"max_backoff\" must be a "
                         "duration up to 24h");
        return -1;
    }

    if (cmd->max_backoff < cmd->initial_backoff) {
        ngx_eda_saga_err(err, errlen, "\"retry\": \"max_backoff\" is less "
                         "than \"initial_backoff\"");
        return -1;
    }

    if (ngx_eda_saga_retry_number(obj, "multiplier", 1, 100,
                                  &cmd->multiplier, err, errlen) != 0
        || ngx_eda_saga_retry_number(obj, "jitter", 0, 1, &cmd->jitter, err,
                                     errlen) != 0)
    {
        return -1;
    }

    return 0;
}


/* an optional number of "retry": *OUT keeps its default when absent */

static int
ngx_eda_saga_retry_number(json_t *obj, const char *member, double min,
    double max, double *out, char *err, size_t errlen)
{
    json_t  *v;

    v = json_object_get(obj, member);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_number(v) || json_number_value(v) < min
        || json_number_value(v) > max)
    {
        ngx_eda_saga_err(err, errlen, "\"retry\": \"%s\" must be a number "
                         "from %g to %g", member, min, max);
        return -1;
    }

    *out = json_number_value(v);

    return 0;
}


/* an optional topic member: *TOPIC keeps its default when absent */

static int
ngx_eda_saga_topic_member(json_t *obj, const char *member, const char **topic,
    const char *what, char *err, size_t errlen)
{
    json_t  *v;

    v = json_object_get(obj, member);
    if (v == NULL) {
        return 0;
    }

    *topic = json_string_value(v);

    if (*topic == NULL || !ngx_eda_saga_valid_topic(*topic)) {
        ngx_eda_saga_err(err, errlen, "%s\"%s\" must be a Kafka topic name",
                         what, member);
        return -1;
    }

    return 0;
}


/* a number of bytes, 1 to NGX_EDA_SAGA_RESULT_LIMIT */

static int
ngx_eda_saga_size_member(json_t *obj, const char *member, size_t *size,
    const char *what, char *err, size_t errlen)
{
    json_t     *v;
    json_int_t  n;

    v = json_object_get(obj, member);
    if (v == NULL) {
        return 0;
    }

    n = json_is_integer(v) ? json_integer_value(v) : 0;

    if (n < 1 || n > NGX_EDA_SAGA_RESULT_LIMIT) {
        ngx_eda_saga_err(err, errlen, "%s\"%s\" must be a number of bytes "
                         "from 1 to %d", what, member,
                         NGX_EDA_SAGA_RESULT_LIMIT);
        return -1;
    }

    *size = (size_t) n;

    return 0;
}


/* "250ms", "5s", "2m", "1h", or an integer of milliseconds */

static int
ngx_eda_saga_duration(json_t *v, uint64_t *ms)
{
    char        *end;
    uint64_t     n, unit;
    const char  *s;

    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) {
            return -1;
        }

        *ms = (uint64_t) json_integer_value(v);
        return 0;
    }

    s = json_string_value(v);
    if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 12) {
        return -1;
    }

    n = strtoull(s, &end, 10);

    if (strcmp(end, "ms") == 0) {
        unit = 1;

    } else if (strcmp(end, "s") == 0) {
        unit = 1000;

    } else if (strcmp(end, "m") == 0) {
        unit = 60000;

    } else if (strcmp(end, "h") == 0) {
        unit = 3600000;

    } else {
        return -1;
    }

    *ms = n * unit;

    return 0;
}


static int
ngx_eda_saga_only(json_t *obj, const char *const *allowed,
    const char **unknown)
{
    size_t       i;
    json_t      *v;
    const char  *key;

    json_object_foreach(obj, key, v) {
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(allowed[i], key) == 0) {
                break;
            }
        }

        if (allowed[i] == NULL) {
            *unknown = key;
            return 0;
        }
    }

    return 1;
}


static int
ngx_eda_saga_valid_name(const char *s)
{
    size_t  n;

    n = ngx_eda_saga_name_len(s);

    return n > 0 && n <= NGX_EDA_SAGA_MAX_NAME;
}


static int
ngx_eda_saga_valid_topic(const char *s)
{
    size_t  n;

    n = ngx_eda_saga_name_len(s);

    return n > 0 && n <= 249 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}


/* the length of S if it is all of A-Z a-z 0-9 . _ -, else 0 */

static size_t
ngx_eda_saga_name_len(const char *s)
{
    size_t  n;

    for (n = 0; s[n] != '\0'; n++) {
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')
              || (s[n] >= '0' && s[n] <= '9') || s[n] == '.' || s[n] == '_'
              || s[n] == '-'))
        {
            return 0;
        }
    }

    return n;
}


static void
ngx_eda_saga_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  args;

    if (errlen == 0) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(err, errlen, fmt, args);
    va_end(args);
}


/* "WHAT: " before the message already in ERR */

static void
ngx_eda_saga_err_prefix(char *err, size_t errlen, const char *what)
{
    char  tmp[512];

    snprintf(tmp, sizeof(tmp), "%s: %s", what, err);
    ngx_eda_saga_err(err, errlen, "%s", tmp);
}
