
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_TIMERS_H_INCLUDED_
#define _NGX_EDA_SAGA_TIMERS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_saga_job.h"


/*
 * The coordinator's polls of Redis (ngx_eda_saga_timers.c): due timers
 * become jobs, outboxes left behind are sent again.
 */


/* the polls of COORD, from now on */
void ngx_eda_saga_timers_start(ngx_eda_saga_coord_t *coord);


#endif /* _NGX_EDA_SAGA_TIMERS_H_INCLUDED_ */
