
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_REDIS_H_INCLUDED_
#define _NGX_EDA_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_conf.h"


typedef struct ngx_eda_redis_cmd_s  ngx_eda_redis_cmd_t;

/*
 * Called once per command: with the hiredis reply (a redisReply *, valid
 * only during the call), or with NULL when Redis failed, timed out or went
 * away.  Never called from inside ngx_eda_redis_command().
 */
typedef void (*ngx_eda_redis_handler_pt)(void *reply, void *data);


/* what the connection reports, for whoever counts it (the metrics) */
/* the connection's state, as ngx_eda_redis_hooks_t.state tells it */
#define NGX_EDA_REDIS_GONE  0       /* the process has none (any more) */
#define NGX_EDA_REDIS_UP    1
#define NGX_EDA_REDIS_DOWN  2       /* lost or refused, reconnecting */


struct ngx_eda_redis_hooks_s {
    /* a command failed or timed out */
    void  (*failed)(ngx_eda_main_conf_t *emcf);

    /* the connection came up, went down, or is gone at exit */
    void  (*state)(ngx_eda_main_conf_t *emcf, ngx_uint_t state);
};


ngx_int_t ngx_eda_redis_conf_check(ngx_conf_t *cf,
    ngx_eda_main_conf_t *emcf);
ngx_int_t ngx_eda_redis_init_worker(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);
void ngx_eda_redis_exit_worker(ngx_cycle_t *cycle,
    ngx_eda_main_conf_t *emcf);

/*
 * Sends one command (argv form, binary-safe).  Returns the command's
 * handle, which a caller that may go away first passes to
 * ngx_eda_redis_detach(); or NULL when Redis is not connected or too many
 * commands are in flight: the caller then goes on without Redis.
 */
ngx_eda_redis_cmd_t *ngx_eda_redis_command(ngx_eda_main_conf_t *emcf,
    ngx_eda_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);

void ngx_eda_redis_detach(ngx_eda_redis_cmd_t *cmd);

/* the configured key prefix */
ngx_str_t *ngx_eda_redis_prefix(ngx_eda_main_conf_t *emcf);


#endif /* _NGX_EDA_REDIS_H_INCLUDED_ */
