
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdlib.h>

#include <jansson.h>

#include "eda_unit.h"
#include "ngx_eda_saga.h"


#define T0  1700000000000LL

/* ids as the gateway issues them (version 4 UUIDs) */
#define ID1  "0f8fad5b-d9cb-469f-a165-70867728950e"
#define ID2  "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define ID3  "16fd2706-8baf-433b-82eb-8c7fada847da"
#define ID4  "3f1e9a8c-2b7d-4c65-8e0f-5a4b3c2d1e0f"
#define ID5  "9b2c4d6e-8f01-4a23-b456-789abcdef012"


static const char *three_steps =
    "{\"sagas\":{\"order\":{\"steps\":["
    "{\"name\":\"a\",\"command\":{\"topic\":\"a.cmd\",\"type\":\"a.do\"},"
    " \"reply_topic\":\"a.rep\",\"success\":[\"a.ok\"],"
    " \"failure\":[\"a.no\"],\"timeout\":\"1s\","
    " \"retry\":{\"max_attempts\":1},"
    " \"compensation\":{\"topic\":\"a.cmd\",\"type\":\"a.undo\","
    "  \"success\":[\"a.undone\"],\"failure\":[\"a.stuck\"],"
    "  \"retry\":{\"max_attempts\":2,\"initial_backoff\":\"100ms\","
    "   \"jitter\":0}}},"
    "{\"name\":\"b\",\"command\":{\"topic\":\"b.cmd\",\"type\":\"b.do\"},"
    " \"reply_topic\":\"b.rep\",\"success\":[\"b.ok\"],"
    " \"failure\":[\"b.no\"],\"timeout\":2000,"
    " \"retry\":{\"max_attempts\":3,\"initial_backoff\":\"100ms\","
    "  \"multiplier\":2,\"max_backoff\":\"150ms\",\"jitter\":0},"
    " \"compensation\":null},"
    "{\"name\":\"c\",\"command\":{\"topic\":\"c.cmd\",\"type\":\"c.do\"},"
    " \"reply_topic\":\"c.rep\",\"success\":[\"c.ok\"],"
    " \"failure\":[\"c.no\"],\"retry\":{\"max_attempts\":1}}"
    "]}}}";


static ngx_eda_saga_defs_t *
load(const char *text, char *err)
{
    return ngx_eda_saga_defs_parse(text, strlen(text), err, 512);
}


static json_t *
record_json(ngx_eda_saga_result_t *res, size_t i)
{
    return json_loadb(res->records[i].value, res->records[i].value_len, 0,
                      NULL);
}


static const char *
jstr(json_t *o, const char *path1, const char *path2)
{
    json_t  *v;

    v = json_object_get(o, path1);
    if (path2 != NULL) {
        v = json_object_get(v, path2);
    }

    return json_string_value(v) ? json_string_value(v) : "";
}


/* applies IN to *STATE, which becomes the next state */

static void
step(ngx_eda_saga_defs_t *defs, char **state, ngx_eda_saga_input_t *in,
    int64_t now, ngx_eda_saga_result_t *res)
{
    char  err[256];

    EDA_CHECK(ngx_eda_saga_apply(defs, *state, strlen(*state), in, now, 0.5,
                                 res, err, sizeof(err)) == 0);

    if (res->changed) {
        free(*state);
        *state = strdup(res->state);
    }
}


/*
 * A reply as a participant sends it: on the step's reply topic ("a.rep"
 * for step a), with the id of the command it answers (of the instance
 * reply_id, the phase its type says) as its idempotencykey.
 */

static const char  *reply_id = ID1;


static ngx_eda_saga_input_t *
reply_on(const char *type, const char *s, long attempt, const char *topic,
    const char *key, const char *data)
{
    static ngx_eda_saga_input_t  in;

    in.kind = NGX_EDA_SAGA_REPLY;
    in.type = type;
    in.step = s;
    in.attempt = attempt;
    in.topic = topic;
    in.key = key;
    in.data = data;
    in.data_len = data ? strlen(data) : 0;

    return &in;
}


static ngx_eda_saga_input_t *
reply(const char *type, const char *s, long attempt, const char *data)
{
    int          comp;
    static char  topic[64], key[128];

    comp = (strstr(type, "undo") != NULL || strstr(type, "stuck") != NULL);

    snprintf(topic, sizeof(topic), "%s.rep", s);
    snprintf(key, sizeof(key), "%s.%d.%c.%ld", reply_id, s[0] - 'a' + 1,
             comp ? 'c' : 'f', attempt ? attempt : 1);

    return reply_on(type, s, attempt, topic, key, data);
}


static ngx_eda_saga_input_t  timer = { .kind = NGX_EDA_SAGA_TIMER };


static void
test_example_file(void)
{
    char                       err[512], *buf;
    long                       n;
    FILE                      *f;
    ngx_eda_saga_defs_t       *defs;
    const ngx_eda_saga_def_t  *d;

    f = fopen("docs/examples/sagas.json", "r");
    if (f == NULL) {
        f = fopen("../../docs/examples/sagas.json", "r");
    }

    EDA_CHECK(f != NULL);
    if (f == NULL) {
        return;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc(n);
    EDA_CHECK(fread(buf, 1, n, f) == (size_t) n);
    fclose(f);

    defs = ngx_eda_saga_defs_parse(buf, n, err, sizeof(err));
    EDA_CHECK(defs != NULL);
    free(buf);

    if (defs == NULL) {
        printf("example: %s\n", err);
        return;
    }

    d = ngx_eda_saga_find(defs, "checkout", 8);
    EDA_CHECK(d != NULL && d->nsteps == 3);
    EDA_CHECK(strcmp(d->events_topic, "checkout.saga.events") == 0);
    EDA_CHECK(strcmp(d->steps[1].name, "charge-payment") == 0);
    EDA_CHECK(d->steps[1].forward.timeout == 10000);
    EDA_CHECK(d->steps[1].forward.max_attempts == 2);
    EDA_CHECK(d->steps[1].forward.multiplier == 2.0);   /* default */
    EDA_CHECK(d->steps[1].compensation.timeout == 30000);
    EDA_CHECK(d->steps[1].compensation.max_backoff == 30000);
    EDA_CHECK(strcmp(d->steps[1].compensation.reply_topic,
                     "payment.replies") == 0);       /* the step's */
    EDA_CHECK(d->steps[0].compensation.timeout == 5000);
    EDA_CHECK(d->steps[0].compensation.max_attempts == 3);
    EDA_CHECK(d->steps[2].compensation.topic == NULL);
    EDA_CHECK(ngx_eda_saga_find(defs, "check", 5) == NULL);

    ngx_eda_saga_defs_free(defs);
}


static void
check_error(const char *text, const char *want)
{
    char                  err[512];
    ngx_eda_saga_defs_t  *defs;

    err[0] = '\0';
    defs = load(text, err);
    EDA_CHECK(defs == NULL);
    ngx_eda_saga_defs_free(defs);

    if (strstr(err, want) == NULL) {
        eda_unit_failed++;
        printf("FAIL %s:%d: error \"%s\" lacks \"%s\"\n", __FILE__,
               __LINE__, err, want);

    } else {
        eda_unit_passed++;
    }
}


#define STEP(extra)                                                           \
    "{\"sagas\":{\"s\":{\"steps\":[{\"name\":\"one\",\"command\":"            \
    "{\"topic\":\"t\",\"type\":\"x\"},\"reply_topic\":\"r\","                 \
    "\"success\":[\"ok\"],\"failure\":[\"no\"]" extra "}]}}}"


static void
test_definition_errors(void)
{
    check_error("{", "invalid JSON at line 1");
    check_error("[]", "must hold a JSON object");
    check_error("{\"sagas\":{}}", "at least one saga");
    check_error("{\"saga\":{}}", "unknown member \"saga\"");
    check_error("{\"sagas\":{\"a b\":{}}}", "saga \"a b\": a name is");
    check_error("{\"sagas\":{\"s\":{\"steps\":[]}}}",
                "saga \"s\": \"steps\" must be an array of 1 to 100");
    check_error("{\"sagas\":{\"s\":{\"steps\":[{}]}}}",
                "saga \"s\", step 1: \"name\" must be");
    check_error("{\"sagas\":{\"s\":{\"steps\":[{\"name\":\"one\"}]}}}",
                "saga \"s\", step 1 (\"one\"): \"command\" must be an "
                "object");
    check_error(STEP(",\"timeout\":\"5 s\""),
                "saga \"s\", step 1 (\"one\"): \"timeout\" must be a "
                "duration");
    check_error(STEP(",\"timeout\":0"), "\"timeout\" must be a duration");
    check_error(STEP(",\"timeout\":\"25h\""), "from 1ms to 24h");
    check_error(STEP(",\"retry\":{\"max_attempts\":0}"),
                "step 1 (\"one\"): \"retry\": \"max_attempts\" must be an "
                "integer from 1 to 100");
    check_error(STEP(",\"retry\":{\"jitter\":2}"), "\"jitter\" must be");
    check_error(STEP(",\"retry\":{\"initial_backoff\":\"5s\","
                     "\"max_backoff\":\"1s\"}"),
                "\"max_backoff\" is less than \"initial_backoff\"");
    check_error(STEP(",\"retry\":{\"tries\":3}"),
                "\"retry\": unknown member \"tries\"");
    check_error(STEP(",\"timout\":\"5s\""),
                "step 1 (\"one\"): unknown member \"timout\"");
    check_error(STEP(",\"compensation\":{\"topic\":\"t\"}"),
                "step 1 (\"one\"), compensation: \"type\" must be");
    check_error(STEP(",\"compensation\":{\"topic\":\"t\",\"type\":\"u\"}"),
                "compensation: \"success\" must be a non-empty array");
    check_error(STEP(",\"compensation\":7"),
                "compensation: must be an object or null");

    check_error("{\"sagas\":{\"s\":{\"steps\":[{\"name\":\"one\","
                "\"command\":{\"topic\":\"bad topic\",\"type\":\"x\"}}]}}}",
                "step 1 (\"one\"): \"topic\" must be a Kafka topic name");
    check_error("{\"sagas\":{\"s\":{\"steps\":[{\"name\":\"one\","
                "\"command\":{\"topic\":\"t\",\"type\":\"x\"},"
                "\"success\":[\"ok\"],\"failure\":[\"no\"]}]}}}",
                "\"reply_topic\" must be a Kafka topic name");
    check_error("{\"sagas\":{\"s\":{\"steps\":[{\"name\":\"one\","
                "\"command\":{\"topic\":\"t\",\"type\":\"x\"},"
                "\"reply_topic\":\"r\",\"success\":[\"ok\"],"
                "\"failure\":[\"ok\"]}]}}}",
                "reply type \"ok\" is in both");
    check_error("{\"sagas\":{\"s\":{\"steps\":[{\"name\":\"one\","
                "\"command\":{\"topic\":\"t\",\"type\":\"x\"},"
                "\"reply_topic\":\"r\",\"success\":[\"ok\",\"ok\"],"
                "\"failure\":[\"no\"]}]}}}",
                "\"success\" names \"ok\" twice");
    check_error("{\"sagas\":{\"s\":{\"steps\":["
                "{\"name\":\"one\",\"command\":{\"topic\":\"t\","
                "\"type\":\"x\"},\"reply_topic\":\"r\",\"success\":[\"ok\"],"
                "\"failure\":[\"no\"]},"
                "{\"name\":\"one\",\"command\":{\"topic\":\"t\","
                "\"type\":\"x\"},\"reply_topic\":\"r\",\"success\":[\"ok\"],"
                "\"failure\":[\"no\"]}]}}}",
                "saga \"s\", step 2 (\"one\"): the name is already step 1's");
    check_error("{\"sagas\":{\"s\":{},\"s\":{}}}", "duplicate object key");
    check_error("{\"events_topic\":\"\",\"sagas\":{}}",
                "\"events_topic\" must be a Kafka topic name");
}


static void
test_happy_path(void)
{
    char                    err[512], *st;
    size_t                  len;
    json_t                 *r;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;

    defs = load(three_steps, err);
    EDA_CHECK(defs != NULL);
    if (defs == NULL) {
        printf("%s\n", err);
        return;
    }

    st = ngx_eda_saga_new(&defs->sagas[0], ID1, "{\"order\":42}", 12, NULL,
                          0, T0, &len);
    reply_id = ID1;
    EDA_CHECK(st != NULL && strstr(st, "\"status\":\"pending\"") != NULL);

    /* due at once: the timer starts it */

    step(defs, &st, &timer, T0 + 5, &res);
    EDA_CHECK(res.changed && !res.terminal);
    EDA_CHECK(strcmp(res.status, "started") == 0);
    EDA_CHECK(res.due == T0 + 5 + 1000);
    EDA_CHECK(res.nrecords == 2);
    EDA_CHECK(strcmp(res.records[0].topic, "a.cmd") == 0);
    EDA_CHECK(strcmp(res.records[0].key, ID1) == 0);

    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "a.do") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID1 ".1.f.1") == 0);
    EDA_CHECK(strcmp(jstr(r, "idempotencykey", NULL), ID1 ".1.f.1") == 0);
    EDA_CHECK(strcmp(jstr(r, "sagaid", NULL), ID1) == 0);
    EDA_CHECK(strcmp(jstr(r, "sagastep", NULL), "a") == 0);
    EDA_CHECK(strcmp(jstr(r, "sagaattempt", NULL), "1") == 0);
    EDA_CHECK(strcmp(jstr(r, "subject", NULL), ID1) == 0);
    EDA_CHECK(json_integer_value(json_object_get(
              json_object_get(json_object_get(r, "data"), "input"),
              "order")) == 42);
    json_decref(r);

    r = record_json(&res, 1);
    EDA_CHECK(strcmp(res.records[1].topic, "eda.saga.events") == 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.started") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID1 ".e1") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "status"), "started") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    /* a second start does nothing */
    step(defs, &st, &timer, T0 + 6, &res);
    EDA_CHECK(!res.changed && res.due == T0 + 5 + 1000);
    ngx_eda_saga_result_free(&res);

    /* a reply for another step, an unknown type: ignored */
    step(defs, &st, reply("b.ok", "b", 1, NULL), T0 + 10, &res);
    EDA_CHECK(!res.changed && res.nrecords == 0);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.maybe", "a", 1, NULL), T0 + 10, &res);
    EDA_CHECK(!res.changed);
    ngx_eda_saga_result_free(&res);

    step(defs, &st, reply("a.ok", "a", 1, "{\"reservation\":\"r7\"}"),
         T0 + 20, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "running") == 0);
    EDA_CHECK(res.due == T0 + 20 + 2000);
    EDA_CHECK(res.nrecords == 2);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID1 ".2.f.1") == 0);
    EDA_CHECK(strcmp(jstr(json_object_get(r, "data"), "results", "a"), "")
              == 0);
    EDA_CHECK(strcmp(jstr(json_object_get(json_object_get(r, "data"),
                                          "results"), "a", "reservation"),
                     "r7") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    step(defs, &st, reply("b.ok", "b", 1, "\"paid\""), T0 + 30, &res);
    ngx_eda_saga_result_free(&res);

    step(defs, &st, reply("c.ok", "c", 0, NULL), T0 + 40, &res);
    EDA_CHECK(res.changed && res.terminal);
    EDA_CHECK(strcmp(res.status, "completed") == 0);
    EDA_CHECK(res.due == 0 && res.nrecords == 1);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.completed") == 0);
    EDA_CHECK(strcmp(jstr(json_object_get(r, "data"), "results", "b"),
                     "paid") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    /* terminal: nothing applies any more */
    step(defs, &st, reply("c.ok", "c", 0, NULL), T0 + 50, &res);
    EDA_CHECK(!res.changed && res.terminal && res.due == 0);
    ngx_eda_saga_result_free(&res);

    r = json_loads(st, 0, NULL);
    EDA_CHECK(json_array_size(json_object_get(r, "history")) == 5);
    json_decref(r);

    free(st);
    ngx_eda_saga_defs_free(defs);
}


static void
test_retry_and_compensation(void)
{
    char                    err[512], *st;
    size_t                  len;
    json_t                 *r;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;

    defs = load(three_steps, err);
    st = ngx_eda_saga_new(&defs->sagas[0], ID2, NULL, 0, NULL, 0, T0,
                          &len);
    reply_id = ID2;

    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.ok", "a", 1, NULL), T0 + 1, &res);
    ngx_eda_saga_result_free(&res);

    /* b fails: retried after 100ms, then 150ms (max), then given up */

    step(defs, &st, reply("b.no", "b", 1, NULL), T0 + 10, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "retrying") == 0);
    EDA_CHECK(res.due == T0 + 10 + 100);
    EDA_CHECK(res.nrecords == 1);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.retrying") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "reason"), "reply b.no") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    /* the timer before it is due: nothing, the due time is kept */
    step(defs, &st, &timer, T0 + 50, &res);
    EDA_CHECK(!res.changed && res.due == T0 + 110);
    ngx_eda_saga_result_free(&res);

    step(defs, &st, &timer, T0 + 110, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "running") == 0);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID2 ".2.f.2") == 0);
    EDA_CHECK(strcmp(jstr(r, "sagaattempt", NULL), "2") == 0);
    json_decref(r);
    EDA_CHECK(res.due == T0 + 110 + 2000);
    ngx_eda_saga_result_free(&res);

    /* a late failure of attempt 1 is stale */
    step(defs, &st, reply("b.no", "b", 1, NULL), T0 + 120, &res);
    EDA_CHECK(!res.changed);
    ngx_eda_saga_result_free(&res);

    /* no reply in time: a timeout is a failure */
    step(defs, &st, &timer, T0 + 2110, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "retrying") == 0);
    EDA_CHECK(res.due == T0 + 2110 + 150);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "data", "reason"), "timeout") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    step(defs, &st, &timer, T0 + 2260, &res);
    ngx_eda_saga_result_free(&res);

    /* attempt 3 fails: b has no compensation, a's runs */
    step(defs, &st, reply("b.no", "b", 3, NULL), T0 + 2300, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "compensating") == 0);
    EDA_CHECK(res.nrecords == 2);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "a.undo") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID2 ".1.c.1") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "phase"), "compensation") == 0);
    json_decref(r);
    EDA_CHECK(res.due == T0 + 2300 + 1000);
    ngx_eda_saga_result_free(&res);

    /* a forward reply now means nothing */
    step(defs, &st, reply("a.ok", "a", 1, NULL), T0 + 2310, &res);
    EDA_CHECK(!res.changed);
    ngx_eda_saga_result_free(&res);

    step(defs, &st, reply("a.undone", "a", 1, NULL), T0 + 2320, &res);
    EDA_CHECK(res.changed && res.terminal);
    EDA_CHECK(strcmp(res.status, "compensated") == 0);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.compensated") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "reason"), "reply b.no") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    r = json_loads(st, 0, NULL);
    EDA_CHECK(strcmp(jstr(r, "failed_step", NULL), "b") == 0);
    json_decref(r);

    free(st);
    ngx_eda_saga_defs_free(defs);
}


static void
test_dead_letter(void)
{
    char                    err[512], *st;
    size_t                  len;
    json_t                 *r;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;

    defs = load(three_steps, err);
    st = ngx_eda_saga_new(&defs->sagas[0], ID3, "[1,2]", 5, NULL, 0, T0,
                          &len);
    reply_id = ID3;

    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.ok", "a", 1, NULL), T0 + 1, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.ok", "b", 1, NULL), T0 + 2, &res);
    ngx_eda_saga_result_free(&res);

    /* c fails once and for all (one attempt, no compensation of its own) */
    step(defs, &st, reply("c.no", "c", 1, NULL), T0 + 3, &res);
    EDA_CHECK(strcmp(res.status, "compensating") == 0);
    ngx_eda_saga_result_free(&res);

    /* a's compensation: two attempts, both fail */
    step(defs, &st, reply("a.stuck", "a", 1, NULL), T0 + 4, &res);
    EDA_CHECK(strcmp(res.status, "retrying") == 0 && res.due == T0 + 104);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 104, &res);
    EDA_CHECK(strcmp(res.status, "compensating") == 0);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 104 + 5000, &res);

    EDA_CHECK(res.changed && res.terminal);
    EDA_CHECK(strcmp(res.status, "failed") == 0);
    EDA_CHECK(res.nrecords == 2);
    EDA_CHECK(strcmp(res.records[0].topic, "eda.saga.dead-letters") == 0);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.dead-letter") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "reason"), "timeout") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "step"), "a") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "command_type"), "a.undo") == 0);
    json_decref(r);
    r = record_json(&res, 1);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.failed") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    free(st);
    ngx_eda_saga_defs_free(defs);
}


static void
test_bad_states(void)
{
    char                    err[512];
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;
    const char             *bad[] = {
        "", "[]", "{}", "{\"saga\":\"nope\"}",
        "{\"saga\":\"order\",\"id\":\"x\",\"status\":\"running\","
        "\"waiting\":\"reply\",\"phase\":\"forward\",\"step\":7,"
        "\"attempt\":1,\"due\":0,\"results\":{}}",
        "{\"saga\":\"order\",\"id\":\"x\",\"status\":\"bogus\","
        "\"waiting\":\"reply\",\"phase\":\"forward\",\"step\":0,"
        "\"attempt\":1,\"due\":0,\"results\":{}}",
        NULL
    };
    size_t                  i;
    size_t                  len;

    defs = load(three_steps, err);

    for (i = 0; bad[i] != NULL; i++) {
        EDA_CHECK(ngx_eda_saga_apply(defs, bad[i], strlen(bad[i]), &timer,
                                     T0, 0.5, &res, err, sizeof(err))
                  == -1);
    }

    EDA_CHECK(ngx_eda_saga_new(&defs->sagas[0], "bad id", NULL, 0, NULL, 0,
                               T0, &len) == NULL);
    EDA_CHECK(ngx_eda_saga_new(&defs->sagas[0], ID1, "{not json", 9, NULL,
                               0, T0, &len) == NULL);

    ngx_eda_saga_defs_free(defs);
}


/* the ids the gateway issues, and nothing a Redis key could be named */

static void
test_valid_id(void)
{
    size_t        i;
    const char   *bad[] = {
        "", "timers", "outbox", "a-b_c.d:e",
        "0F8FAD5B-D9CB-469F-A165-70867728950E",     /* upper case */
        "0f8fad5b-d9cb-369f-a165-70867728950e",     /* version 3 */
        "0f8fad5b-d9cb-469f-c165-70867728950e",     /* variant 2 */
        "0f8fad5b-d9cb-469f-a165-70867728950",      /* short */
        "0f8fad5b-d9cb-469f-a165-70867728950e0",    /* long */
        "0f8fad5bd-9cb-469f-a165-70867728950e",     /* a dash moved */
        "0f8fad5b-d9cb-469f-a165-7086772895:e",
        "0f8fad5b-d9cb-469f-a165-70867728950e:outbox",
        NULL
    };

    EDA_CHECK(ngx_eda_saga_valid_id(ID1, strlen(ID1)));
    EDA_CHECK(ngx_eda_saga_valid_id(ID2, strlen(ID2)));
    EDA_CHECK(ngx_eda_saga_valid_id("0f8fad5b-d9cb-469f-b165-70867728950e",
                                    36));

    for (i = 0; bad[i] != NULL; i++) {
        EDA_CHECK(!ngx_eda_saga_valid_id(bad[i], strlen(bad[i])));
    }

    /* the length counts, not a NUL */
    EDA_CHECK(!ngx_eda_saga_valid_id(ID1, 35));
}


/* a reply counts only on its step's reply topic, with its command's id */

static void
test_reply_binding(void)
{
    char                    err[512], *st;
    size_t                  i, len;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;

    static const struct {
        const char  *type, *step, *topic, *key;
        long         attempt;
        int          rejected;
    }  forged[] = {
        /* another step's reply topic, or one of no step */
        { "a.ok", "a", "b.rep", ID4 ".1.f.1", 0, 1 },
        { "a.ok", "a", "x.rep", ID4 ".1.f.1", 0, 1 },
        /* without the command's id, or with another's */
        { "a.ok", "a", "a.rep", NULL, 0, 1 },
        { "a.ok", "a", "a.rep", ID5 ".1.f.1", 0, 1 },
        { "a.ok", "a", "a.rep", ID4, 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".2.f.1", 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".1.x.1", 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".1.f.1x", 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".1.f.01", 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".1.f.", 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".1.f.1.", 0, 1 },
        /* an attempt not sent yet, or a sagaattempt the id contradicts */
        { "a.ok", "a", "a.rep", ID4 ".1.f.2", 0, 1 },
        { "a.ok", "a", "a.rep", ID4 ".1.f.1", 2, 1 },
        /* no such step; a compensation step b does not have */
        { "a.ok", "z", "a.rep", ID4 ".1.f.1", 0, 1 },
        { "b.ok", "b", "b.rep", ID4 ".2.c.1", 0, 1 },
        /* bound, but to what is not waited for: stale, not rejected */
        { "b.ok", "b", "b.rep", ID4 ".2.f.1", 0, 0 },
        { "a.undone", "a", "a.rep", ID4 ".1.c.1", 0, 0 },
        { NULL, NULL, NULL, NULL, 0, 0 }
    };

    defs = load(three_steps, err);
    st = ngx_eda_saga_new(&defs->sagas[0], ID4, NULL, 0, NULL, 0, T0,
                          &len);
    reply_id = ID4;

    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);

    for (i = 0; forged[i].type != NULL; i++) {
        step(defs, &st, reply_on(forged[i].type, forged[i].step,
                                 forged[i].attempt, forged[i].topic,
                                 forged[i].key, NULL),
             T0 + 10, &res);
        EDA_CHECK(!res.changed && res.nrecords == 0);
        EDA_CHECK(res.rejected == forged[i].rejected);
        EDA_CHECK(res.due == T0 + 1000);
        ngx_eda_saga_result_free(&res);
    }

    /* the participant's own reply: the step is done */
    step(defs, &st, reply_on("a.ok", "a", 1, "a.rep", ID4 ".1.f.1", NULL),
         T0 + 20, &res);
    EDA_CHECK(res.changed && !res.rejected);
    EDA_CHECK(strcmp(res.status, "running") == 0);
    ngx_eda_saga_result_free(&res);

    /* a success of an earlier attempt counts, a later one's cannot */
    step(defs, &st, &timer, T0 + 20 + 2000, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 20 + 2100, &res);
    EDA_CHECK(strcmp(res.status, "running") == 0);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.ok", "b", 3, NULL), T0 + 2200, &res);
    EDA_CHECK(!res.changed && res.rejected);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.ok", "b", 1, NULL), T0 + 2200, &res);
    EDA_CHECK(res.changed && !res.rejected);
    ngx_eda_saga_result_free(&res);

    free(st);
    ngx_eda_saga_defs_free(defs);
}


/*
 * A step whose attempts went unanswered may still have been done: once
 * it gives up, its own compensation runs before the earlier steps'.
 */

static void
test_timeout_compensates(void)
{
    char                    err[512], *st;
    size_t                  len;
    json_t                 *r;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;

    static const char  *one =
        "{\"sagas\":{\"one\":{\"steps\":["
        "{\"name\":\"a\",\"command\":{\"topic\":\"a.cmd\",\"type\":\"a.do\"},"
        " \"reply_topic\":\"a.rep\",\"success\":[\"a.ok\"],"
        " \"failure\":[\"a.no\"],\"timeout\":\"1s\","
        " \"retry\":{\"max_attempts\":2,\"initial_backoff\":\"100ms\","
        "  \"jitter\":0},"
        " \"compensation\":{\"topic\":\"a.cmd\",\"type\":\"a.undo\","
        "  \"success\":[\"a.undone\"],\"failure\":[\"a.stuck\"]}}"
        "]}}}";

    /* three_steps: a, one attempt, unanswered: a itself is compensated */

    defs = load(three_steps, err);
    st = ngx_eda_saga_new(&defs->sagas[0], ID5, NULL, 0, NULL, 0, T0,
                          &len);
    reply_id = ID5;

    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 1000, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "compensating") == 0);
    EDA_CHECK(res.nrecords == 2);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "a.undo") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID5 ".1.c.1") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    /* its success, too late: the compensation goes on */
    step(defs, &st, reply("a.ok", "a", 1, NULL), T0 + 1100, &res);
    EDA_CHECK(!res.changed);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.undone", "a", 1, NULL), T0 + 1200, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "compensated") == 0);
    ngx_eda_saga_result_free(&res);

    r = json_loads(st, 0, NULL);
    EDA_CHECK(strcmp(jstr(r, "failed_step", NULL), "a") == 0);
    EDA_CHECK(strcmp(jstr(r, "reason", NULL), "timeout") == 0);
    json_decref(r);
    free(st);

    /* a refused by its participant: nothing was done, nothing to undo */

    st = ngx_eda_saga_new(&defs->sagas[0], ID5, NULL, 0, NULL, 0, T0,
                          &len);
    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.no", "a", 1, NULL), T0 + 10, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "compensated") == 0);
    EDA_CHECK(res.nrecords == 1);
    ngx_eda_saga_result_free(&res);
    free(st);
    ngx_eda_saga_defs_free(defs);

    /* attempt 1 unanswered, attempt 2 refused: attempt 1 may stand */

    defs = load(one, err);
    EDA_CHECK(defs != NULL);
    st = ngx_eda_saga_new(&defs->sagas[0], ID5, NULL, 0, NULL, 0, T0,
                          &len);

    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 1000, &res);
    EDA_CHECK(strcmp(res.status, "retrying") == 0);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 1100, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.no", "a", 2, NULL), T0 + 1200, &res);
    EDA_CHECK(res.changed && strcmp(res.status, "compensating") == 0);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID5 ".1.c.1") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    free(st);
    ngx_eda_saga_defs_free(defs);
}


/* a result above max_result is not stored: the attempt fails, and the
 * step, done all the same, is compensated */

static char *
with_max_result(const char *top, const char *saga)
{
    char        *text;
    size_t       len;
    const char  *order = "{\"order\":{";

    len = strlen(three_steps) + 128;
    text = malloc(len);
    EDA_CHECK(text != NULL);

    /* three_steps is {"sagas":{"order":{"steps":[...]}}} */
    snprintf(text, len, "{%s%s\"sagas\":%s%s%s%s", top, *top ? "," : "",
             order, saga, *saga ? "," : "",
             strstr(three_steps, order) + strlen(order));

    return text;
}


static void
test_result_cap(void)
{
    char                    err[512], *text, *st;
    size_t                  len;
    json_t                 *r;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res;

    text = with_max_result("", "");
    defs = load(text, err);
    EDA_CHECK(defs != NULL && defs->sagas[0].max_result == 65536);
    ngx_eda_saga_defs_free(defs);
    free(text);

    text = with_max_result("\"max_result\":100", "\"max_result\":16");
    defs = load(text, err);
    EDA_CHECK(defs != NULL && defs->sagas[0].max_result == 16);
    ngx_eda_saga_defs_free(defs);
    free(text);

    check_error("{\"max_result\":0,\"sagas\":{}}",
                "\"max_result\" must be a number of bytes from 1 to "
                "1048576");
    check_error("{\"max_result\":\"64k\",\"sagas\":{}}",
                "\"max_result\" must be a number of bytes");
    text = with_max_result("", "\"max_result\":1048577");
    check_error(text, "saga \"order\": \"max_result\" must be a number of "
                "bytes from 1 to 1048576");
    free(text);

    text = with_max_result("\"max_result\":16", "");
    defs = load(text, err);
    EDA_CHECK(defs != NULL && defs->sagas[0].max_result == 16);
    reply_id = ID4;

    /* 16 bytes: stored */
    st = ngx_eda_saga_new(&defs->sagas[0], ID4, NULL, 0, NULL, 0, T0, &len);
    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.ok", "a", 1, "\"0123456789abcd\""), T0 + 10,
         &res);
    EDA_CHECK(res.changed && strcmp(res.status, "running") == 0);
    ngx_eda_saga_result_free(&res);
    r = json_loads(st, 0, NULL);
    EDA_CHECK(strcmp(jstr(r, "results", "a"), "0123456789abcd") == 0);
    json_decref(r);
    free(st);

    /* 17 bytes: not stored, a (one attempt) is compensated itself */
    st = ngx_eda_saga_new(&defs->sagas[0], ID4, NULL, 0, NULL, 0, T0, &len);
    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.ok", "a", 1, "\"0123456789abcde\""), T0 + 10,
         &res);
    EDA_CHECK(res.changed && strcmp(res.status, "compensating") == 0);
    EDA_CHECK(res.nrecords >= 1);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "a.undo") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID4 ".1.c.1") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    r = json_loads(st, 0, NULL);
    EDA_CHECK(strcmp(jstr(r, "reason", NULL), "result too large") == 0);
    EDA_CHECK(strcmp(jstr(r, "failed_step", NULL), "a") == 0);
    EDA_CHECK(json_object_get(json_object_get(r, "results"), "a") == NULL);
    json_decref(r);
    free(st);

    /* b (three attempts): the attempt fails and is retried */
    st = ngx_eda_saga_new(&defs->sagas[0], ID4, NULL, 0, NULL, 0, T0, &len);
    step(defs, &st, &timer, T0, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.ok", "a", 1, NULL), T0 + 10, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.ok", "b", 1, "[1,2,3,4,5,6,7,8,9]"), T0 + 20,
         &res);
    EDA_CHECK(res.changed && strcmp(res.status, "retrying") == 0);
    ngx_eda_saga_result_free(&res);
    free(st);

    ngx_eda_saga_defs_free(defs);
    free(text);
}



/* a record Kafka refuses for good: its dead letter, not the record */

static void
test_undeliverable(void)
{
    char                    err[512], *st;
    size_t                  len;
    json_t                 *r;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res, dl;

    defs = load(three_steps, err);
    st = ngx_eda_saga_new(&defs->sagas[0], ID1, "{\"big\":1}", 9, NULL, 0,
                          T0, &len);

    step(defs, &st, &timer, T0, &res);

    EDA_CHECK(ngx_eda_saga_undeliverable(defs, res.records[0].topic,
                                         res.records[0].value,
                                         res.records[0].value_len,
                                         "too large", T0 + 5, &dl)
              == 0);
    EDA_CHECK(dl.nrecords == 1);
    EDA_CHECK(strcmp(dl.records[0].topic, "eda.saga.dead-letters") == 0);
    EDA_CHECK(strcmp(dl.records[0].key, ID1) == 0);

    r = record_json(&dl, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.undeliverable") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID1 ".1.f.1.undeliverable") == 0);
    EDA_CHECK(strcmp(jstr(r, "subject", NULL), ID1) == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "topic"), "a.cmd") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "record_id"), ID1 ".1.f.1") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "record_type"), "a.do") == 0);
    EDA_CHECK(strcmp(jstr(r, "data", "reason"), "too large") == 0);
    EDA_CHECK(json_integer_value(json_object_get(json_object_get(r, "data"),
                                                 "size"))
              == (json_int_t) res.records[0].value_len);
    EDA_CHECK(json_object_get(json_object_get(r, "data"), "input") == NULL);
    json_decref(r);
    ngx_eda_saga_result_free(&dl);

    /* not a record of these sagas */
    EDA_CHECK(ngx_eda_saga_undeliverable(defs, "t", "{}", 2, "x", T0, &dl)
              == -1 && dl.nrecords == 0);
    EDA_CHECK(ngx_eda_saga_undeliverable(defs, "t", "nope", 4, "x", T0, &dl)
              == -1);
    EDA_CHECK(ngx_eda_saga_undeliverable(defs, "t",
              "{\"id\":\"i\",\"type\":\"t\",\"source\":\"/eda/saga/other\","
              "\"subject\":\"" ID1 "\"}", 97, "x", T0, &dl) == -1);

    ngx_eda_saga_result_free(&res);
    free(st);
    ngx_eda_saga_defs_free(defs);
}


/* extensions: kept in the state, carried by every event of the instance */

static int
extended(json_t *ev, const char *user, const char *tenant)
{
    return strcmp(jstr(ev, "user", NULL), user) == 0
           && strcmp(jstr(ev, "tenant", NULL), tenant) == 0
           && json_object_get(ev, "empty") == NULL;
}


static int
all_extended(ngx_eda_saga_result_t *res)
{
    int      ok;
    size_t   i;
    json_t  *r;

    ok = (res->nrecords > 0);

    for (i = 0; i < res->nrecords; i++) {
        r = record_json(res, i);
        ok = ok && extended(r, "alice", "acme");
        json_decref(r);
    }

    return ok;
}


static void
test_extensions(void)
{
    char                    err[512], *st, *st2, long_value[300];
    size_t                  len;
    json_t                 *r, *x;
    const char             *e;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res, dl;
    ngx_eda_saga_attr_t     ext[9] = {
        { "user", "alice", 5 }, { "tenant", "acme", 4 }, { "empty", "", 0 }
    };

    defs = load(three_steps, err);

    st = ngx_eda_saga_new(&defs->sagas[0], ID2, NULL, 0, ext, 3, T0, &len);
    reply_id = ID2;
    EDA_CHECK(st != NULL);
    if (st == NULL) {
        ngx_eda_saga_defs_free(defs);
        return;
    }

    r = json_loads(st, 0, NULL);
    x = json_object_get(r, "extensions");
    EDA_CHECK(json_object_size(x) == 2);
    EDA_CHECK(strcmp(jstr(x, "user", NULL), "alice") == 0);
    EDA_CHECK(strcmp(jstr(x, "tenant", NULL), "acme") == 0);
    EDA_CHECK(json_object_get(x, "empty") == NULL);
    json_decref(r);

    /* the command and the progress event */
    step(defs, &st, &timer, T0, &res);
    EDA_CHECK(res.nrecords == 2 && all_extended(&res));
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "sagaid", NULL), ID2) == 0);
    EDA_CHECK(strcmp(jstr(r, "subject", NULL), ID2) == 0);
    json_decref(r);

    /* a dead letter of a record Kafka refuses carries them too */
    EDA_CHECK(ngx_eda_saga_undeliverable(defs, res.records[0].topic,
                                         res.records[0].value,
                                         res.records[0].value_len,
                                         "too large", T0, &dl)
              == 0);
    EDA_CHECK(all_extended(&dl));
    ngx_eda_saga_result_free(&dl);
    ngx_eda_saga_result_free(&res);

    /* retries, compensations, the dead letter, the end: every record */
    step(defs, &st, reply("a.ok", "a", 1, NULL), T0 + 1, &res);
    EDA_CHECK(all_extended(&res));
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.no", "b", 1, NULL), T0 + 2, &res);
    EDA_CHECK(strcmp(res.status, "retrying") == 0 && all_extended(&res));
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 200, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.no", "b", 2, NULL), T0 + 201, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 400, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("b.no", "b", 3, NULL), T0 + 401, &res);
    EDA_CHECK(strcmp(res.status, "compensating") == 0 && all_extended(&res));
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "a.undo") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.stuck", "a", 1, NULL), T0 + 402, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, &timer, T0 + 600, &res);
    ngx_eda_saga_result_free(&res);
    step(defs, &st, reply("a.stuck", "a", 2, NULL), T0 + 601, &res);
    EDA_CHECK(res.terminal && strcmp(res.status, "failed") == 0);
    EDA_CHECK(res.nrecords == 2 && all_extended(&res));
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "type", NULL), "eda.saga.dead-letter") == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&res);

    r = json_loads(st, 0, NULL);
    EDA_CHECK(json_object_size(json_object_get(r, "extensions")) == 2);
    json_decref(r);
    free(st);

    /* none (as in states from before extensions): no member, no attribute */
    st = ngx_eda_saga_new(&defs->sagas[0], ID3, NULL, 0, ext + 2, 1, T0,
                          &len);
    EDA_CHECK(st != NULL && strstr(st, "extensions") == NULL);
    reply_id = ID3;
    step(defs, &st, &timer, T0, &res);
    r = record_json(&res, 0);
    EDA_CHECK(json_object_get(r, "user") == NULL);
    EDA_CHECK(json_object_get(r, "empty") == NULL);
    EDA_CHECK(json_object_size(r) == 12);
    json_decref(r);
    ngx_eda_saga_result_free(&res);
    free(st);

    /*
     * a state whose "extensions" has other things: only what can be an
     * extension goes on the events, no attribute is replaced
     */
    st = ngx_eda_saga_new(&defs->sagas[0], ID4, NULL, 0, NULL, 0, T0, &len);
    r = json_loads(st, 0, NULL);
    json_object_set_new(r, "extensions", json_pack(
        "{s:s, s:s, s:s, s:i, s:s, s:s}", "user", "bob", "id", "evil",
        "sagaid", "evil", "n", 1, "Upper", "x", "nothing", ""));
    free(st);
    st = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    reply_id = ID4;
    step(defs, &st, &timer, T0, &res);
    r = record_json(&res, 0);
    EDA_CHECK(strcmp(jstr(r, "user", NULL), "bob") == 0);
    EDA_CHECK(strcmp(jstr(r, "id", NULL), ID4 ".1.f.1") == 0);
    EDA_CHECK(strcmp(jstr(r, "sagaid", NULL), ID4) == 0);
    EDA_CHECK(json_object_get(r, "n") == NULL);
    EDA_CHECK(json_object_get(r, "Upper") == NULL);
    EDA_CHECK(json_object_get(r, "nothing") == NULL);
    json_decref(r);
    ngx_eda_saga_result_free(&res);
    free(st);

    /* names and values an extension cannot have: no instance */
    EDA_CHECK(ngx_eda_saga_ext_name("user", 4) == NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("a1b2c3d4e5f6g7h8i9j0", 20) == NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("a1b2c3d4e5f6g7h8i9j0k", 21) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("", 0) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("User", 4) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("user-id", 7) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("subject", 7) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("idempotencykey", 14) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("partitionkey", 12) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("data", 4) != NULL);
    EDA_CHECK(ngx_eda_saga_ext_name("dat", 3) == NULL);

    memset(long_value, 'v', sizeof(long_value));
    EDA_CHECK(ngx_eda_saga_ext_value("user", long_value, 256, &e) == 0);
    EDA_CHECK(ngx_eda_saga_ext_value("user", long_value, 257, &e) == -1);
    EDA_CHECK(ngx_eda_saga_ext_value("user", "\xc3\x28", 2, &e) == -1
              && strstr(e, "UTF-8") != NULL);
    EDA_CHECK(ngx_eda_saga_ext_value("user", "a\tb", 3, &e) == -1);
    EDA_CHECK(ngx_eda_saga_ext_value("user", "J\xc3\xb6rg", 5, &e) == 0);

    ext[2].name = "subject";
    ext[2].value = "x";
    ext[2].value_len = 1;
    EDA_CHECK(ngx_eda_saga_new(&defs->sagas[0], ID1, NULL, 0, ext, 3, T0,
                               &len) == NULL);
    ext[2].name = "user";
    st2 = ngx_eda_saga_new(&defs->sagas[0], ID1, NULL, 0, ext, 2, T0, &len);
    EDA_CHECK(st2 != NULL);
    free(st2);
    ext[1].value = "\xff";
    ext[1].value_len = 1;
    EDA_CHECK(ngx_eda_saga_new(&defs->sagas[0], ID1, NULL, 0, ext, 2, T0,
                               &len) == NULL);
    ext[1].value = long_value;
    ext[1].value_len = 257;
    EDA_CHECK(ngx_eda_saga_new(&defs->sagas[0], ID1, NULL, 0, ext, 2, T0,
                               &len) == NULL);
    EDA_CHECK(ngx_eda_saga_new(&defs->sagas[0], ID1, NULL, 0, ext, 9, T0,
                               &len) == NULL);

    ngx_eda_saga_defs_free(defs);
}


/*
 * REC's span for an exporter: the span of its traceparent TP (the record
 * as JSON: R), a child of PARENT (16 hex digits), with the event's id,
 * type, step and attempt.
 */
static void
span_of(const ngx_eda_saga_record_t *rec, json_t *r, const char *tp,
    const char *parent)
{
    char         hex[17];
    const char  *step;

    EDA_CHECK(rec->traced);
    ngx_eda_trace_hex(rec->span.trace.span_id, 8, hex);
    hex[16] = '\0';
    EDA_CHECK(strncmp(hex, tp + 36, 16) == 0);
    ngx_eda_trace_hex(rec->span.trace.parent_id, 8, hex);
    EDA_CHECK(strncmp(hex, parent, 16) == 0);
    ngx_eda_trace_hex(rec->span.trace.trace_id, 8, hex);
    EDA_CHECK(strncmp(hex, tp + 3, 16) == 0);
    EDA_CHECK(rec->span.trace.flags == 1);
    EDA_CHECK(strcmp(rec->span.id, jstr(r, "id", NULL)) == 0);
    EDA_CHECK(strcmp(rec->span.type, jstr(r, "type", NULL)) == 0);

    step = jstr(r, "sagastep", NULL);
    if (*step == '\0') {
        step = jstr(r, "data", "step");
    }
    EDA_CHECK(*step != '\0' && strcmp(rec->span.step, step) == 0);
    EDA_CHECK(rec->span.attempt[0] != '\0');
}


/*
 * The instance's trace: kept apart from the extensions, every record
 * carries it with a span of its own, the same span when the same record
 * is made again; the dead letter of a refused record keeps its trace;
 * an invalid one is left out.
 */
static void
test_trace(void)
{
    char                    err[512], *st, *again;
    char                    tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-"
                                   "00f067aa0ba902b7-01";
    ngx_eda_saga_input_t   *in;
    size_t                  len, i, j;
    json_t                 *r, *r2;
    const char             *a, *b;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_saga_result_t   res, res2, dl;
    ngx_eda_saga_attr_t     ext[3] = {
        { "user", "alice", 5 }, { "traceparent", tp, 55 },
        { "tracestate", "congo=t61rcWkgMzE", 17 }
    };

    defs = load(three_steps, err);

    st = ngx_eda_saga_new(&defs->sagas[0], ID5, NULL, 0, ext, 3, T0, &len);
    EDA_CHECK(st != NULL);
    if (st == NULL) {
        ngx_eda_saga_defs_free(defs);
        return;
    }

    r = json_loads(st, 0, NULL);
    EDA_CHECK(strcmp(jstr(r, "trace", NULL), tp) == 0);
    EDA_CHECK(strcmp(jstr(r, "tracestate", NULL), "congo=t61rcWkgMzE")
              == 0);
    EDA_CHECK(json_object_size(json_object_get(r, "extensions")) == 1);
    json_decref(r);

    again = strdup(st);
    reply_id = ID5;
    step(defs, &st, &timer, T0, &res);
    step(defs, &again, &timer, T0, &res2);
    EDA_CHECK(res.nrecords == 2 && res2.nrecords == 2);

    for (i = 0; i < res.nrecords; i++) {
        r = record_json(&res, i);
        r2 = record_json(&res2, i);
        a = jstr(r, "traceparent", NULL);
        b = jstr(r2, "traceparent", NULL);
        EDA_CHECK(strlen(a) == 55 && strncmp(a, tp, 36) == 0);
        EDA_CHECK(strncmp(a + 36, tp + 36, 16) != 0);   /* its own span */
        EDA_CHECK(strcmp(a + 52, "-01") == 0);
        EDA_CHECK(strcmp(a, b) == 0);                 /* made again: same */
        EDA_CHECK(strcmp(jstr(r, "tracestate", NULL), "congo=t61rcWkgMzE")
                  == 0);
        span_of(&res.records[i], r, a, tp + 36);
        for (j = 0; j < i; j++) {
            json_t  *o = record_json(&res, j);
            EDA_CHECK(strcmp(jstr(o, "traceparent", NULL), a) != 0);
            json_decref(o);
        }
        json_decref(r);
        json_decref(r2);
    }

    EDA_CHECK(ngx_eda_saga_undeliverable(defs, res.records[0].topic,
                                         res.records[0].value,
                                         res.records[0].value_len,
                                         "too large", T0, &dl)
              == 0);
    r = record_json(&dl, 0);
    a = jstr(r, "traceparent", NULL);
    EDA_CHECK(strlen(a) == 55 && strncmp(a, tp, 36) == 0);
    json_decref(r);
    ngx_eda_saga_result_free(&dl);
    ngx_eda_saga_result_free(&res2);
    ngx_eda_saga_result_free(&res);

    /* a reply of the trace: the next records are children of its span */
    in = reply("a.ok", "a", 1, NULL);
    in->traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-"
                      "1111222233334444-01";
    step(defs, &st, in, T0 + 1, &res);
    in->traceparent = NULL;
    EDA_CHECK(res.nrecords > 0);
    for (i = 0; i < res.nrecords; i++) {
        r = record_json(&res, i);
        a = jstr(r, "traceparent", NULL);
        EDA_CHECK(strncmp(a, tp, 36) == 0);
        span_of(&res.records[i], r, a, "1111222233334444");
        json_decref(r);
    }
    ngx_eda_saga_result_free(&res);

    /* a reply of another trace changes nothing */
    in = reply("b.ok", "b", 1, NULL);
    in->traceparent = "00-0af7651916cd43dd8448eb211c80319c-"
                      "1111222233334444-01";
    step(defs, &st, in, T0 + 2, &res);
    in->traceparent = NULL;
    EDA_CHECK(res.nrecords > 0);
    r = record_json(&res, 0);
    span_of(&res.records[0], r, jstr(r, "traceparent", NULL), tp + 36);
    json_decref(r);
    ngx_eda_saga_result_free(&res);
    free(st);
    free(again);

    /* an invalid traceparent is left out, the rest is as without one */
    ext[1].value = "00-zz";
    ext[1].value_len = 5;
    st = ngx_eda_saga_new(&defs->sagas[0], ID5, NULL, 0, ext, 3, T0, &len);
    EDA_CHECK(st != NULL && strstr(st, "\"trace") == NULL);
    step(defs, &st, &timer, T0, &res);
    r = record_json(&res, 0);
    EDA_CHECK(json_object_get(r, "traceparent") == NULL);
    EDA_CHECK(!res.records[0].traced);
    json_decref(r);
    ngx_eda_saga_result_free(&res);
    free(st);

    ngx_eda_saga_defs_free(defs);
}


static void
test_backoff(void)
{
    ngx_eda_saga_cmd_t  c;

    memset(&c, 0, sizeof(c));
    c.initial_backoff = 100;
    c.max_backoff = 1000;
    c.multiplier = 3;
    c.jitter = 0;

    EDA_CHECK(ngx_eda_saga_backoff(&c, 1, 0.9) == 100);
    EDA_CHECK(ngx_eda_saga_backoff(&c, 2, 0.9) == 300);
    EDA_CHECK(ngx_eda_saga_backoff(&c, 3, 0.9) == 900);
    EDA_CHECK(ngx_eda_saga_backoff(&c, 4, 0.9) == 1000);
    EDA_CHECK(ngx_eda_saga_backoff(&c, 60, 0.9) == 1000);

    c.jitter = 0.5;
    EDA_CHECK(ngx_eda_saga_backoff(&c, 1, 0.0) == 50);
    EDA_CHECK(ngx_eda_saga_backoff(&c, 1, 0.5) == 100);
    EDA_CHECK(ngx_eda_saga_backoff(&c, 1, 0.999) >= 149);
}


int
main(void)
{
    test_example_file();
    test_definition_errors();
    test_happy_path();
    test_retry_and_compensation();
    test_dead_letter();
    test_bad_states();
    test_valid_id();
    test_reply_binding();
    test_timeout_compensates();
    test_result_cap();
    test_undeliverable();
    test_extensions();
    test_trace();
    test_backoff();

    printf("RESULT %d %d\n", eda_unit_passed, eda_unit_failed);

    return 0;
}
