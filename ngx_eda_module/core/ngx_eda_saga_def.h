
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_DEF_H_INCLUDED_
#define _NGX_EDA_SAGA_DEF_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * Saga definitions without nginx: the file of eda_saga_definitions,
 * parsed and checked in full (every saga, step, command, compensation and
 * retry policy), so that a bad file fails nginx -t with a message naming
 * the saga, the step and the problem.  The state machine
 * (ngx_eda_saga.h) runs instances of what this gives.
 */


#define NGX_EDA_SAGA_MAX_NAME      64     /* a saga's or a step's name */
#define NGX_EDA_SAGA_MAX_RESULT    65536  /* default bytes of a result */
#define NGX_EDA_SAGA_RESULT_LIMIT  1048576 /* the most max_result may be */


typedef struct {
    const char         *topic;          /* NULL: no compensation */
    const char         *type;
    const char         *reply_topic;
    const char        **success;        /* reply types */
    size_t              nsuccess;
    const char        **failure;
    size_t              nfailure;
    uint64_t            timeout;        /* ms */
    unsigned            max_attempts;
    uint64_t            initial_backoff;  /* ms */
    uint64_t            max_backoff;      /* ms */
    double              multiplier;
    double              jitter;         /* 0..1, fraction of the backoff */
} ngx_eda_saga_cmd_t;


typedef struct {
    const char         *name;
    ngx_eda_saga_cmd_t  forward;
    ngx_eda_saga_cmd_t  compensation;
} ngx_eda_saga_step_t;


typedef struct {
    const char         *name;
    const char         *events_topic;
    const char         *dead_letter_topic;
    size_t              max_result;     /* bytes of one step's result */
    ngx_eda_saga_step_t *steps;
    size_t              nsteps;
} ngx_eda_saga_def_t;


typedef struct {
    ngx_eda_saga_def_t *sagas;
    size_t              nsagas;
    void               *root;           /* the parsed JSON, owns strings */
} ngx_eda_saga_defs_t;


/*
 * Parses and checks a definitions file.  Returns the definitions, or NULL
 * with ERR set to a message that names the saga, the step and the problem.
 */
ngx_eda_saga_defs_t *ngx_eda_saga_defs_parse(const char *buf, size_t len,
    char *err, size_t errlen);
void ngx_eda_saga_defs_free(ngx_eda_saga_defs_t *defs);
const ngx_eda_saga_def_t *ngx_eda_saga_find(const ngx_eda_saga_defs_t *defs,
    const char *name, size_t len);


#endif /* _NGX_EDA_SAGA_DEF_H_INCLUDED_ */
