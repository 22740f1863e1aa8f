
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_METRICS_H_INCLUDED_
#define _NGX_EDA_SAGA_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_saga.h"


/*
 * What one transition did, noted when it is made and counted once it is
 * written (a transition that loses a version conflict is not counted).
 * Names are the definitions', which outlive every job.
 */
typedef struct {
    const char                 *saga;      /* NULL: nothing to count */
    const char                 *step;
    const char                 *outcome;   /* a terminal status, or NULL */
    ngx_msec_t                  duration;  /* from its start, if outcome */
    ngx_uint_t                  retries;
    ngx_uint_t                  timeouts;
    ngx_uint_t                  dead_letters;
} ngx_eda_saga_obs_t;


void ngx_eda_saga_metrics_note(ngx_eda_saga_obs_t *obs,
    ngx_eda_saga_result_t *res, int64_t now);
void ngx_eda_saga_metrics_count(ngx_eda_main_conf_t *emcf,
    ngx_eda_saga_obs_t *obs);


#endif /* _NGX_EDA_SAGA_METRICS_H_INCLUDED_ */
