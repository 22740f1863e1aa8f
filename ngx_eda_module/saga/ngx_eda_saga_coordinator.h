
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_COORDINATOR_H_INCLUDED_
#define _NGX_EDA_SAGA_COORDINATOR_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_redis.h"
#include "ngx_eda_saga.h"


/*
 * The saga coordinator, a process of its own (ngx_eda_saga_coordinator.c):
 * what it needs to run, filled at configuration time by the HTTP side
 * (eda_saga_definitions), and the callback nginx's master calls in it.
 */


typedef struct {
    ngx_eda_saga_defs_t        *defs;
    ngx_str_t                   file;
    ngx_path_t                 *path;          /* the coordinator's */
    ngx_str_t                   group;         /* consumer group */
    ngx_array_t                *topics;        /* reply topics, ngx_str_t */
    ngx_eda_main_conf_t        *emcf;          /* Kafka, Redis, metrics */
    void                       *coordinator;   /* in its process */
    ngx_fd_t                    nudge[2];      /* ngx_eda_saga_nudge.c */
} ngx_eda_saga_conf_t;


/*
 * The process: called by nginx's cache manager machinery as the manager
 * of conf->path (DATA is the ngx_eda_saga_conf_t).
 */
ngx_msec_t ngx_eda_saga_coordinator(void *data);


#endif /* _NGX_EDA_SAGA_COORDINATOR_H_INCLUDED_ */
