
/*
 * Copyright (C) ngx_eda authors
 *
 * The coordinator's saga metrics: retries and timeouts by step, dead
 * letters by saga, and how long a saga took by outcome.  Their labels are
 * names from the definitions (a bounded set), never an instance's id;
 * the series live in the eda_metrics zone (ngx_eda_metrics_series()).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <time.h>
#include <jansson.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_metrics.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_saga_metrics.h"


static int64_t ngx_eda_saga_metrics_created(ngx_eda_saga_result_t *res);
static ngx_eda_metrics_series_t *ngx_eda_saga_metrics_series(
    ngx_eda_main_conf_t *emcf, ngx_uint_t kind, const char *first,
    const char *second);


void
ngx_eda_saga_metrics_note(ngx_eda_saga_obs_t *obs,
    ngx_eda_saga_result_t *res, int64_t now)
{
    int64_t  created;

    ngx_memzero(obs, sizeof(ngx_eda_saga_obs_t));

    if (!res->changed || res->saga == NULL) {
        return;
    }

    obs->saga = res->saga;
    obs->step = res->step;
    obs->retries = res->retries;
    obs->timeouts = res->timeouts;
    obs->dead_letters = res->dead_letters;

    if (res->terminal && res->status != NULL) {
        created = ngx_eda_saga_metrics_created(res);

        if (created >= 0) {
            obs->outcome = res->status;
            obs->duration = (now > created) ? (ngx_msec_t) (now - created)
                                            : 0;
        }
    }
}


void
ngx_eda_saga_metrics_count(ngx_eda_main_conf_t *emcf, ngx_eda_saga_obs_t *obs)
{
    ngx_eda_metrics_series_t  *s;

    if (obs->saga == NULL) {
        return;
    }

    if (obs->step != NULL && (obs->retries || obs->timeouts)) {
        s = ngx_eda_saga_metrics_series(emcf, NGX_EDA_SERIES_STEP, obs->saga,
                                        obs->step);
        ngx_eda_metrics_series_add(s, 0, obs->retries);
        ngx_eda_metrics_series_add(s, 1, obs->timeouts);
    }

    if (obs->dead_letters) {
        s = ngx_eda_saga_metrics_series(emcf, NGX_EDA_SERIES_SAGA, obs->saga,
                                        NULL);
        ngx_eda_metrics_series_add(s, 0, obs->dead_letters);
    }

    if (obs->outcome != NULL) {
        s = ngx_eda_saga_metrics_series(emcf, NGX_EDA_SERIES_SAGA_DURATION,
                                        obs->saga, obs->outcome);
        ngx_eda_metrics_saga_duration(s, obs->duration);
    }

    obs->saga = NULL;
}


/* FIRST, or FIRST NUL SECOND: the series' key */

static ngx_eda_metrics_series_t *
ngx_eda_saga_metrics_series(ngx_eda_main_conf_t *emcf, ngx_uint_t kind,
    const char *first, const char *second)
{
    u_char  key[NGX_EDA_SERIES_KEY], *p, *last;
    size_t  n;

    last = key + sizeof(key);

    n = ngx_strlen(first);
    if (n > sizeof(key)) {
        return NULL;
    }

    p = ngx_cpymem(key, first, n);

    if (second != NULL) {
        n = ngx_strlen(second);
        if (n + 1 > (size_t) (last - p)) {
            return NULL;
        }

        *p++ = '\0';
        p = ngx_cpymem(p, second, n);
    }

    return ngx_eda_metrics_series(emcf, kind, key, p - key);
}


/* the state's "created", RFC 3339 in UTC with milliseconds, in ms */

static int64_t
ngx_eda_saga_metrics_created(ngx_eda_saga_result_t *res)
{
    int           ms;
    json_t       *st, *v;
    struct tm     tm;
    const char   *s;
    json_error_t  err;
    time_t        sec;

    st = json_loadb(res->state, res->state_len, 0, &err);
    if (st == NULL) {
        return -1;
    }

    v = json_object_get(st, "created");
    s = json_is_string(v) ? json_string_value(v) : "";

    ngx_memzero(&tm, sizeof(struct tm));
    ms = 0;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms)
        != 7)
    {
        json_decref(st);
        return -1;
    }

    json_decref(st);

    tm.tm_year -= 1900;
    tm.tm_mon -= 1;

    sec = timegm(&tm);
    if (sec == (time_t) -1) {
        return -1;
    }

    return (int64_t) sec * 1000 + ms;
}
