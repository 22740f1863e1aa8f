
/*
 * Copyright (C) ngx_eda authors
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_saga.h"


#define NGX_EDA_SAGA_MAX_NAME      64
#define NGX_EDA_SAGA_MAX_ID        128
#define NGX_EDA_SAGA_MAX_TIMEOUT   (24 * 3600 * 1000ULL)


typedef struct {
    json_t                     *st;        /* the state being changed */
    const ngx_eda_saga_def_t   *def;
    const char                 *id;
    int64_t                     now;
    double                      rnd;
    ngx_eda_saga_result_t      *res;
} ngx_eda_saga_ctx_t;


static int ngx_eda_saga_parse_saga(ngx_eda_saga_def_t *def, const char *name,
    json_t *obj, const char *events, const char *dead, char *err,
    size_t errlen);
static int ngx_eda_saga_parse_cmd(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    const ngx_eda_saga_cmd_t *inherit, const char *what, char *err,
    size_t errlen);
static int ngx_eda_saga_parse_types(const char ***out, size_t *n,
    json_t *arr, const char *member, char *err, size_t errlen);
static int ngx_eda_saga_parse_retry(ngx_eda_saga_cmd_t *cmd, json_t *obj,
    char *err, size_t errlen);
static int ngx_eda_saga_topic_member(json_t *obj, const char *member,
    const char **topic, const char *what, char *err, size_t errlen);
static int ngx_eda_saga_duration(json_t *v, uint64_t *ms);
static int ngx_eda_saga_only(json_t *obj, const char *const *allowed,
    const char **unknown);
static int ngx_eda_saga_valid_name(const char *s);
static int ngx_eda_saga_valid_topic(const char *s);
static void ngx_eda_saga_err(char *err, size_t errlen, const char *fmt, ...);
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
static void ngx_eda_saga_history(ngx_eda_saga_ctx_t *ctx,
    const char *status, const char *reason);
static void ngx_eda_saga_time(int64_t ms, char *out);
static int64_t ngx_eda_saga_int(json_t *st, const char *name);
static const char *ngx_eda_saga_str(json_t *st, const char *name);


static const char *const  ngx_eda_saga_top_keys[] = {
    "events_topic", "dead_letter_topic", "sagas", NULL
};

static const char *const  ngx_eda_saga_saga_keys[] = {
    "events_topic", "dead_letter_topic", "steps", NULL
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
    size_t                i;
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

    if (ngx_eda_saga_topic_member(root, "events_topic", &events, "", err,
                                  errlen) != 0
        || ngx_eda_saga_topic_member(root, "dead_letter_topic", &dead, "",
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
    char                  what[160], sub[512];
    size_t                i, j;
    json_t               *steps, *s, *v, *comp;
    const char           *unknown, *sname;
    ngx_eda_saga_step_t  *step;

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
                                     errlen) != 0)
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
        step = &def->steps[i];
        def->nsteps = i + 1;

        if (!json_is_object(s)) {
            ngx_eda_saga_err(err, errlen, "saga \"%s\", step %zu: must be "
                             "an object", name, i + 1);
            return -1;
        }

        sname = json_string_value(json_object_get(s, "name"));

        if (sname == NULL || !ngx_eda_saga_valid_name(sname)) {
            ngx_eda_saga_err(err, errlen, "saga \"%s\", step %zu: \"name\" "
                             "must be 1 to 64 of A-Z a-z 0-9 . _ -",
                             name, i + 1);
            return -1;
        }

        step->name = sname;

        snprintf(what, sizeof(what), "saga \"%s\", step %zu (\"%s\")", name,
                 i + 1, sname);

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

        /* the step's members and its command's, as one command */

        if (json_object_update(s, v) != 0
            || json_object_del(s, "command") != 0)
        {
            ngx_eda_saga_err(err, errlen, "out of memory");
            return -1;
        }

        if (ngx_eda_saga_parse_cmd(&step->forward, s, NULL, what, err,
                                   errlen)
            != 0)
        {
            return -1;
        }

        comp = json_object_get(s, "compensation");

        if (comp == NULL || json_is_null(comp)) {
            continue;
        }

        snprintf(sub, sizeof(sub), "%s, compensation", what);

        if (!json_is_object(comp)) {
            ngx_eda_saga_err(err, errlen, "%s: must be an object or null",
                             sub);
            return -1;
        }

        if (!ngx_eda_saga_only(comp, ngx_eda_saga_comp_keys, &unknown)) {
            ngx_eda_saga_err(err, errlen, "%s: unknown member \"%s\"", sub,
                             unknown);
            return -1;
        }

        if (ngx_eda_saga_parse_cmd(&step->compensation, comp, &step->forward,
                                   sub, err, errlen)
            != 0)
        {
            return -1;
        }
    }

    return 0;
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
    size_t   i, j;
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

    if (ngx_eda_saga_parse_types(&cmd->success, &cmd->nsuccess,
                                 json_object_get(obj, "success"), "success",
                                 err, errlen)
        != 0
        || ngx_eda_saga_parse_types(&cmd->failure, &cmd->nfailure,
                                    json_object_get(obj, "failure"),
                                    "failure", err, errlen)
           != 0)
    {
        /* prefix the member's message with the step */
        char  tmp[512];

        snprintf(tmp, sizeof(tmp), "%s: %s", what, err);
        ngx_eda_saga_err(err, errlen, "%s", tmp);
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
        char  tmp[512];

        snprintf(tmp, sizeof(tmp), "%s: %s", what, err);
        ngx_eda_saga_err(err, errlen, "%s", tmp);
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

    v = json_object_get(obj, "multiplier");
    if (v != NULL) {
        if (!json_is_number(v) || json_number_value(v) < 1
            || json_number_value(v) > 100)
        {
            ngx_eda_saga_err(err, errlen, "\"retry\": \"multiplier\" must be "
                             "a number from 1 to 100");
            return -1;
        }

        cmd->multiplier = json_number_value(v);
    }

    v = json_object_get(obj, "jitter");
    if (v != NULL) {
        if (!json_is_number(v) || json_number_value(v) < 0
            || json_number_value(v) > 1)
        {
            ngx_eda_saga_err(err, errlen, "\"retry\": \"jitter\" must be a "
                             "number from 0 to 1");
            return -1;
        }

        cmd->jitter = json_number_value(v);
    }

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

    for (n = 0; s[n] != '\0'; n++) {
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')
              || (s[n] >= '0' && s[n] <= '9') || s[n] == '.' || s[n] == '_'
              || s[n] == '-'))
        {
            return 0;
        }
    }

    return n > 0 && n <= NGX_EDA_SAGA_MAX_NAME;
}


static int
ngx_eda_saga_valid_topic(const char *s)
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

    return n > 0 && n <= 249 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}


int
ngx_eda_saga_valid_id(const char *id, size_t len)
{
    size_t  i;

    if (len == 0 || len > NGX_EDA_SAGA_MAX_ID) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z')
              || (id[i] >= '0' && id[i] <= '9') || id[i] == '.'
              || id[i] == '_' || id[i] == '-' || id[i] == ':'))
        {
            return 0;
        }
    }

    return 1;
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
 * instances
 */

char *
ngx_eda_saga_new(const ngx_eda_saga_def_t *def, const char *id,
    const char *input, size_t input_len, int64_t now, size_t *len)
{
    char          t[NGX_EDA_CE_TIME_LEN + 1], *out;
    json_t       *st, *in;
    json_error_t  jerr;

    if (!ngx_eda_saga_valid_id(id, strlen(id))) {
        return NULL;
    }

    if (input != NULL) {
        in = json_loadb(input, input_len, JSON_DECODE_ANY, &jerr);
        if (in == NULL) {
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
        return NULL;
    }

    out = json_dumps(st, JSON_COMPACT);
    json_decref(st);

    if (out != NULL) {
        *len = strlen(out);
    }

    return out;
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
    int                        rc, comp, terminal;
    int64_t                    step, attempt, due;
    json_t                    *st;
    const char                *status, *waiting, *name, *phase, *id;
    json_error_t               jerr;
    ngx_eda_saga_ctx_t         ctx;
    const ngx_eda_saga_def_t  *def;
    const ngx_eda_saga_cmd_t  *cmd;

    memset(res, 0, sizeof(ngx_eda_saga_result_t));

    st = json_loadb(state, len, 0, &jerr);
    if (st == NULL || !json_is_object(st)) {
        ngx_eda_saga_err(err, errlen, "the state is not a JSON object");
        json_decref(st);
        return -1;
    }

    name = ngx_eda_saga_str(st, "saga");
    id = ngx_eda_saga_str(st, "id");
    status = ngx_eda_saga_status(ngx_eda_saga_str(st, "status"), &terminal);
    waiting = ngx_eda_saga_str(st, "waiting");
    phase = ngx_eda_saga_str(st, "phase");
    step = ngx_eda_saga_int(st, "step");
    attempt = ngx_eda_saga_int(st, "attempt");
    due = ngx_eda_saga_int(st, "due");

    def = (name != NULL) ? ngx_eda_saga_find(defs, name, strlen(name)) : NULL;

    if (def == NULL || id == NULL || status == NULL || waiting == NULL
        || phase == NULL || step < 0 || (size_t) step >= def->nsteps
        || attempt < 0 || due < 0 || !json_is_object(json_object_get(st,
                                                                "results")))
    {
        ngx_eda_saga_err(err, errlen, "the state is not an instance of the "
                         "configured sagas");
        json_decref(st);
        return -1;
    }

    comp = (strcmp(phase, "compensation") == 0);

    res->status = status;
    res->due = due;

    if (terminal) {
        res->terminal = 1;
        res->due = 0;
        json_decref(st);
        return 0;
    }

    ctx.st = st;
    ctx.def = def;
    ctx.id = id;
    ctx.now = now;
    ctx.rnd = rnd;
    ctx.res = res;

    cmd = ngx_eda_saga_cmd(def, (size_t) step, comp);
    rc = 0;

    switch (in->kind) {

    case NGX_EDA_SAGA_START:
        if (strcmp(status, "pending") != 0) {
            break;
        }

        rc = ngx_eda_saga_dispatch(&ctx, 0, 0, 1, "started");
        res->changed = 1;
        break;

    case NGX_EDA_SAGA_TIMER:
        if (due == 0 || now < due) {
            break;
        }

        res->changed = 1;

        if (strcmp(status, "pending") == 0) {
            rc = ngx_eda_saga_dispatch(&ctx, 0, 0, 1, "started");

        } else if (strcmp(waiting, "retry") == 0) {
            rc = ngx_eda_saga_dispatch(&ctx, (size_t) step, comp,
                                       (unsigned) attempt + 1,
                                       comp ? "compensating" : "running");

        } else if (strcmp(waiting, "reply") == 0) {
            rc = ngx_eda_saga_failure(&ctx, "timeout");

        } else {
            res->changed = 0;
        }

        break;

    default: /* NGX_EDA_SAGA_REPLY */
        if (in->type == NULL || in->step == NULL
            || strcmp(in->step, def->steps[step].name) != 0
            || strcmp(status, "pending") == 0 || cmd->topic == NULL)
        {
            break;
        }

        if (ngx_eda_saga_listed(in->type, cmd->success, cmd->nsuccess)) {
            /* a success of any attempt of the step is the step's */
            res->changed = 1;
            rc = ngx_eda_saga_success(&ctx, in);

        } else if (ngx_eda_saga_listed(in->type, cmd->failure, cmd->nfailure)
                   && strcmp(waiting, "reply") == 0
                   && (in->attempt == 0 || in->attempt == attempt))
        {
            /* a failure of an attempt already retried is stale */
            char  reason[256];

            snprintf(reason, sizeof(reason), "reply %.200s", in->type);
            res->changed = 1;
            rc = ngx_eda_saga_failure(&ctx, reason);
        }

        break;
    }

    if (rc != 0) {
        ngx_eda_saga_err(err, errlen, "out of memory");
        json_decref(st);
        ngx_eda_saga_result_free(res);
        memset(res, 0, sizeof(ngx_eda_saga_result_t));
        return -1;
    }

    if (res->changed) {
        res->state = json_dumps(st, JSON_COMPACT);
        if (res->state == NULL) {
            ngx_eda_saga_err(err, errlen, "out of memory");
            json_decref(st);
            ngx_eda_saga_result_free(res);
            memset(res, 0, sizeof(ngx_eda_saga_result_t));
            return -1;
        }

        res->state_len = strlen(res->state);
        res->due = ngx_eda_saga_int(st, "due");
        res->status = ngx_eda_saga_status(ngx_eda_saga_str(st, "status"),
                                          &res->terminal);
    }

    json_decref(st);

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

    snprintf(cid, sizeof(cid), "%s.%zu.%c.%u", ctx->id, step + 1,
             compensation ? 'c' : 'f', attempt);
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
 * compensations of the completed steps, latest first.  A compensation
 * that exhausts its attempts goes to the dead-letter topic and the
 * earlier ones still run.
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

    if (attempt < (int64_t) cmd->max_attempts) {
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
        return ngx_eda_saga_compensate_from(ctx, step - 1);
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
    json_decref(event);

    ctx->res->nrecords++;

    if (r->topic == NULL || r->key == NULL || r->value == NULL) {
        return -1;
    }

    r->value_len = strlen(r->value);

    return 0;
}


static json_t *
ngx_eda_saga_event(ngx_eda_saga_ctx_t *ctx, const char *id, const char *type)
{
    char  t[NGX_EDA_CE_TIME_LEN + 1], source[NGX_EDA_SAGA_MAX_NAME + 16];

    ngx_eda_saga_time(ctx->now, t);
    snprintf(source, sizeof(source), "/eda/saga/%s", ctx->def->name);

    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "specversion", "1.0", "id", id, "source", source,
                     "type", type, "subject", ctx->id, "time", t,
                     "datacontenttype", "application/json");
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
