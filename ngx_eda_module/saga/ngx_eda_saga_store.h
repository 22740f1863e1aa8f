
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_STORE_H_INCLUDED_
#define _NGX_EDA_SAGA_STORE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_redis.h"
#include "ngx_eda_saga.h"


/*
 * The saga store: where instances live in Redis and every command that
 * reads or changes them.  Every key is under eda_redis prefix=:
 *
 *     saga:<id>          hash: "state" (the JSON document), "v" (version)
 *     saga:<id>:outbox   list: records committed with a transition and not
 *                        yet acknowledged by Kafka ("topic\nkey\nvalue")
 *     saga:timers        sorted set: id -> when to look at it again (ms)
 *     saga:outbox        sorted set: id -> since when its outbox waits
 *     saga:idem:<saga>:<scope>:<Idempotency-Key>
 *                        hash: "id" of that start, "input" its digest;
 *                        scope: a digest of who started it
 *
 * Every change is one Lua script, so it is atomic: a transition is only
 * written if the version it was computed from is still the current one.
 * Each call sends one command and returns its handle (for
 * ngx_eda_redis_detach), or NULL when Redis cannot take it now.
 */


/* the records an outbox read or a clear carries, at most */
#define NGX_EDA_SAGA_OUTBOX_MAX    (NGX_EDA_SAGA_MAX_RECORDS + 64)


/* a transition to write */
typedef struct {
    ngx_str_t                  *id;
    ngx_str_t                  *version;       /* the one it was read at */
    u_char                     *state;
    size_t                      state_len;
    int64_t                     due;           /* 0: no timer */
    int64_t                     now;
    ngx_uint_t                  terminal;      /* expire it in a while */
    ngx_str_t                  *records;       /* its outbox */
    ngx_uint_t                  nrecords;
} ngx_eda_saga_commit_t;


/* a start to write */
typedef struct {
    ngx_str_t                  *saga;
    ngx_str_t                  *id;
    u_char                     *state;
    size_t                      state_len;
    int64_t                     due;           /* its first timer */
    ngx_str_t                  *idem;          /* len 0: no key */
    ngx_str_t                  *scope;         /* whose key it is */
    ngx_str_t                  *digest;        /* of the input */
} ngx_eda_saga_start_t;


/*
 * A new instance S->id, unless S->idem of S->scope already started one:
 * the reply is {1, the id} (created), {0, the first one's id}, or {2, the
 * first one's id} when the key came with another input digest.
 */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_create(ngx_eda_main_conf_t *emcf,
    ngx_eda_saga_start_t *s, ngx_eda_redis_handler_pt handler, void *data);

/* the state of ID (a string, or nil) */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_state(ngx_eda_main_conf_t *emcf,
    ngx_str_t *id, ngx_eda_redis_handler_pt handler, void *data);

/* the state and version of ID: {state, version}, nil each when gone */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_read(ngx_eda_main_conf_t *emcf,
    ngx_str_t *id, ngx_eda_redis_handler_pt handler, void *data);

/* writes C if its version is still current: 1, or 0 when it is not */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_commit(ngx_eda_main_conf_t *emcf,
    ngx_eda_saga_commit_t *c, ngx_eda_redis_handler_pt handler, void *data);

/* ID's timer at DUE, or none (DUE 0); nothing waits for the answer */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_timer(ngx_eda_main_conf_t *emcf,
    ngx_str_t *id, int64_t due);

/*
 * The ids due by UPTO, at most LIMIT, among the timers or the outboxes,
 * each pushed to LEASE: a coordinator that dies holding them only delays
 * them until then.
 */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_claim_timers(
    ngx_eda_main_conf_t *emcf, int64_t upto, int64_t lease, ngx_uint_t limit,
    ngx_eda_redis_handler_pt handler, void *data);
ngx_eda_redis_cmd_t *ngx_eda_saga_store_claim_outboxes(
    ngx_eda_main_conf_t *emcf, int64_t upto, int64_t lease, ngx_uint_t limit,
    ngx_eda_redis_handler_pt handler, void *data);

/* the first records of ID's outbox (64 at most) */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_outbox(ngx_eda_main_conf_t *emcf,
    ngx_str_t *id, ngx_eda_redis_handler_pt handler, void *data);

/* RECORDS of ID's outbox are acknowledged: out of it */
ngx_eda_redis_cmd_t *ngx_eda_saga_store_clear(ngx_eda_main_conf_t *emcf,
    ngx_str_t *id, ngx_str_t *records, ngx_uint_t nrecords,
    ngx_eda_redis_handler_pt handler, void *data);

/* the event loop's time in ms since the epoch: the sagas' clock */
int64_t ngx_eda_saga_now_ms(void);


#endif /* _NGX_EDA_SAGA_STORE_H_INCLUDED_ */
