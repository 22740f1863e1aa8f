
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the saga core.  The first byte picks what the rest
 * is: a definitions file; a state document given to the state machine; a
 * record to dead-letter (and an id to check); or a script of inputs (each
 * pair of bytes a reply type, a step, an attempt, its topic and
 * idempotencykey, or a time step) played against an instance of a
 * three-step saga.  Nothing may crash or leak, and along a script: every
 * state the machine returns is one it accepts again, at most
 * NGX_EDA_SAGA_MAX_RECORDS records come out of one input, a terminal
 * instance never changes, a rejected reply changes nothing, a command's
 * id is its idempotency key, every record and its dead letter carry the
 * instance's extensions, and every record can be dead-lettered.
 * Run it with "./build.sh fuzz saga [seconds]".
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_saga.h"


static const char  *fuzz_saga_defs =
    "{\"sagas\":{\"f\":{\"steps\":["
    "{\"name\":\"a\",\"command\":{\"topic\":\"a\",\"type\":\"a.do\"},"
    " \"reply_topic\":\"r\",\"success\":[\"a.ok\"],\"failure\":[\"a.no\"],"
    " \"timeout\":\"1s\",\"retry\":{\"max_attempts\":2},"
    " \"compensation\":{\"topic\":\"a\",\"type\":\"a.undo\","
    "  \"success\":[\"a.undone\"],\"failure\":[\"a.stuck\"]}},"
    "{\"name\":\"b\",\"command\":{\"topic\":\"b\",\"type\":\"b.do\"},"
    " \"reply_topic\":\"rb\",\"success\":[\"b.ok\"],\"failure\":[\"b.no\"],"
    " \"retry\":{\"max_attempts\":3,\"jitter\":1}},"
    "{\"name\":\"c\",\"command\":{\"topic\":\"c\",\"type\":\"c.do\"},"
    " \"reply_topic\":\"r\",\"success\":[\"c.ok\"],\"failure\":[\"c.no\"],"
    " \"compensation\":{\"topic\":\"c\",\"type\":\"c.undo\","
    "  \"success\":[\"c.undone\"],\"failure\":[\"c.stuck\"]}}]}}}";

static const char  *fuzz_saga_types[] = {
    "a.ok", "a.no", "a.undone", "a.stuck", "b.ok", "b.no", "c.ok", "c.no",
    "c.undone", "c.stuck", "other"
};

static const char  *fuzz_saga_steps[] = { "a", "b", "c", "zz" };

#define FUZZ_SAGA_ID  "0f8fad5b-d9cb-469f-a165-70867728950e"

/* the script's instance has these (the empty one is left out) */
static const ngx_eda_saga_attr_t  fuzz_saga_ext[] = {
    { "user", "u1", 2 },
    { "tenant", "", 0 }
};

/* parsed once, kept for the whole run */
static ngx_eda_saga_defs_t  *parsed;


/* 1 if EV carries the extensions of the script's instance */

static int
fuzz_saga_extended(json_t *ev)
{
    const char  *user;

    user = json_string_value(json_object_get(ev, "user"));

    return user != NULL && strcmp(user, "u1") == 0
           && json_object_get(ev, "tenant") == NULL;
}


static void
fuzz_saga_check_records(ngx_eda_saga_result_t *res, int extended)
{
    size_t                  i;
    json_t                 *ev;
    const char             *id, *key;
    ngx_eda_saga_result_t   dl;

    if (res->nrecords > NGX_EDA_SAGA_MAX_RECORDS) {
        abort();
    }

    for (i = 0; i < res->nrecords; i++) {
        ev = json_loadb(res->records[i].value, res->records[i].value_len, 0,
                        NULL);
        if (ev == NULL) {
            abort();
        }

        id = json_string_value(json_object_get(ev, "id"));
        key = json_string_value(json_object_get(ev, "idempotencykey"));

        if (id == NULL || (key != NULL && strcmp(id, key) != 0)
            || (extended && !fuzz_saga_extended(ev)))
        {
            abort();
        }

        json_decref(ev);

        if (ngx_eda_saga_undeliverable(parsed, res->records[i].topic,
                                       res->records[i].value,
                                       res->records[i].value_len, "fuzz",
                                       1000, &dl)
            != 0
            || dl.nrecords != 1)
        {
            abort();
        }

        ev = json_loadb(dl.records[0].value, dl.records[0].value_len, 0,
                        NULL);
        if (ev == NULL || (extended && !fuzz_saga_extended(ev))) {
            abort();
        }

        json_decref(ev);
        ngx_eda_saga_result_free(&dl);
    }
}


/* a reply's topic and idempotencykey, bound to a command or not */

static void
fuzz_saga_bind(ngx_eda_saga_input_t *in, uint8_t a, uint8_t b, char *key,
    size_t size)
{
    int  n;

    n = (b & 0x20) ? (a >> 2) % 4 : (a >> 4) % 4;

    snprintf(key, size, "%s.%d.%c.%d", FUZZ_SAGA_ID, n + 1,
             (b & 0x40) ? 'c' : 'f', (b >> 2) % 4);

    if (b & 0x80) {
        in->topic = (b & 0x01) ? "x" : NULL;

    } else {
        in->topic = (strcmp(in->step, "b") == 0) ? "rb" : "r";
    }

    in->key = (b & 0x02) && (b & 0x80) ? NULL : key;
}


/* any bytes as a record to dead-letter, and as an instance's id */

static void
fuzz_saga_record(ngx_eda_saga_defs_t *defs, const char *buf, size_t size)
{
    ngx_eda_saga_result_t  res;

    (void) ngx_eda_saga_valid_id(buf, size);

    if (ngx_eda_saga_undeliverable(defs, "t", buf, size, "fuzz", 1, &res)
        == 0)
    {
        ngx_eda_saga_result_free(&res);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    char                    err[512], key[96], *st;
    size_t                  i, len;
    int                     terminal;
    int64_t                 now;
    ngx_eda_saga_defs_t    *defs, *mine;
    ngx_eda_saga_input_t    in;
    ngx_eda_saga_result_t   res;

    if (size < 1) {
        return 0;
    }

    if (parsed == NULL) {
        parsed = ngx_eda_saga_defs_parse(fuzz_saga_defs,
                                         strlen(fuzz_saga_defs), err,
                                         sizeof(err));
        if (parsed == NULL) {
            abort();
        }
    }

    defs = parsed;

    memset(&in, 0, sizeof(in));

    switch (buf[0] % 4) {

    case 0:
        mine = ngx_eda_saga_defs_parse((const char *) buf + 1, size - 1,
                                       err, sizeof(err));
        ngx_eda_saga_defs_free(mine);
        break;

    case 1:
        in.kind = NGX_EDA_SAGA_TIMER;
        if (ngx_eda_saga_apply(defs, (const char *) buf + 1, size - 1, &in,
                               1, 0.5, &res, err, sizeof(err))
            == 0)
        {
            fuzz_saga_check_records(&res, 0);
            ngx_eda_saga_result_free(&res);
        }
        break;

    case 3:
        fuzz_saga_record(defs, (const char *) buf + 1, size - 1);
        break;

    default:
        st = ngx_eda_saga_new(&defs->sagas[0], FUZZ_SAGA_ID, "{\"n\":1}", 7,
                              fuzz_saga_ext, 2, 1000, &len);
        if (st == NULL) {
            abort();
        }

        now = 1000;
        terminal = 0;

        for (i = 1; i + 1 < size && i < 400; i += 2) {

            if (buf[i] & 0x80) {
                in.kind = NGX_EDA_SAGA_TIMER;
                now += (int64_t) (buf[i + 1]) * 50;

            } else {
                in.kind = NGX_EDA_SAGA_REPLY;
                in.type = fuzz_saga_types[buf[i] % 11];
                in.step = fuzz_saga_steps[(buf[i] >> 4) % 4];
                in.attempt = buf[i + 1] % 4;
                in.data = (buf[i + 1] & 0x10) ? "{\"x\":[1]}" : NULL;
                in.data_len = in.data ? 9 : 0;
                fuzz_saga_bind(&in, buf[i], buf[i + 1], key, sizeof(key));
                now += 1;
            }

            if (ngx_eda_saga_apply(defs, st, strlen(st), &in, now,
                                   (double) buf[i + 1] / 256.0, &res, err,
                                   sizeof(err))
                != 0)
            {
                abort();        /* its own states are always accepted */
            }

            fuzz_saga_check_records(&res, 1);

            if (res.rejected && res.changed) {
                abort();
            }

            if (terminal && (res.changed || !res.terminal)) {
                abort();
            }

            terminal = res.terminal;

            if (res.changed) {
                if (res.state == NULL) {
                    abort();
                }

                free(st);
                st = strdup(res.state);

            } else if (res.nrecords != 0) {
                abort();
            }

            ngx_eda_saga_result_free(&res);
        }

        free(st);
        break;
    }

    return 0;
}
