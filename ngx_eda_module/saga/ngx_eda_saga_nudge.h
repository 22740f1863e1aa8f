
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_NUDGE_H_INCLUDED_
#define _NGX_EDA_SAGA_NUDGE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_saga_coordinator.h"


/*
 * The workers' hint to the coordinator that an instance was created
 * (ngx_eda_saga_nudge.c).  The pipe is opened at configuration time, in
 * the master, and closed with the configuration.
 */
ngx_int_t ngx_eda_saga_nudge_open(ngx_conf_t *cf, ngx_eda_saga_conf_t *sc);

/* a worker: an instance was created */
void ngx_eda_saga_nudge(ngx_eda_saga_conf_t *sc);

/* the coordinator: HANDLER runs when a hint arrives; NULL on failure */
ngx_connection_t *ngx_eda_saga_nudge_listen(ngx_eda_saga_conf_t *sc,
    ngx_event_handler_pt handler, void *data);

/* the coordinator: reads every pending hint, returns how many */
ngx_uint_t ngx_eda_saga_nudge_drain(ngx_connection_t *c);


#endif /* _NGX_EDA_SAGA_NUDGE_H_INCLUDED_ */
