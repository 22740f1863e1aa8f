
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_SAGA_MODULE_H_INCLUDED_
#define _NGX_HTTP_EDA_SAGA_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_saga.h"


/*
 * Where an instance lives in Redis (every key under eda_redis prefix=):
 *
 *     saga:<id>          hash: "state" (the JSON document), "v" (version)
 *     saga:<id>:outbox   list: records committed with a transition and not
 *                        yet acknowledged by Kafka ("topic\nkey\nvalue")
 *     saga:timers        sorted set: id -> when to look at it again (ms)
 *     saga:outbox        sorted set: id -> since when its outbox waits
 *     saga:idem:<saga>:<Idempotency-Key>   string: the id of that start
 *
 * Every change is one Lua script, so it is atomic: a transition is only
 * written if the version it was computed from is still the current one.
 */


typedef struct {
    ngx_eda_saga_defs_t        *defs;
    ngx_str_t                   file;
    ngx_path_t                 *path;          /* the coordinator's */
    ngx_array_t                *uses;          /* eda_saga names to check */
    ngx_str_t                   group;         /* consumer group */
    ngx_array_t                *topics;        /* reply topics, ngx_str_t */
    ngx_eda_main_conf_t        *emcf;
    void                       *coordinator;   /* in its process */
} ngx_http_eda_saga_main_conf_t;


extern ngx_module_t  ngx_http_eda_saga_module;

extern const char  *ngx_eda_saga_script_create;
extern const char  *ngx_eda_saga_script_commit;
extern const char  *ngx_eda_saga_script_done;
extern const char  *ngx_eda_saga_script_claim;

/* the process: called by nginx's cache manager machinery (a path manager) */
ngx_msec_t ngx_eda_saga_coordinator(void *data);

/* the event loop's time in ms since the epoch: the sagas' clock */
int64_t ngx_eda_saga_now_ms(void);

/* "<prefix>saga:<id><suffix>" in BUF (at least 300 bytes), NUL-terminated */
size_t ngx_eda_saga_key(ngx_eda_main_conf_t *emcf, u_char *buf,
    ngx_str_t *id, const char *suffix);


#endif /* _NGX_HTTP_EDA_SAGA_MODULE_H_INCLUDED_ */
