
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_OBSERVE_H_INCLUDED_
#define _NGX_EDA_KAFKA_OBSERVE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_kafka_conf.h"


/* whose statistics: a client of the gateway by its job */
typedef enum {
    NGX_EDA_KAFKA_NO_ROLE = 0,         /* not observed */
    NGX_EDA_KAFKA_PRODUCER_ROLE,       /* a process's producer */
    NGX_EDA_KAFKA_FANOUT_ROLE,         /* a worker's fan-out consumer */
    NGX_EDA_KAFKA_SAGA_ROLE,           /* the coordinator's reply consumer */
    NGX_EDA_KAFKA_ROLES
} ngx_eda_kafka_role_e;


#define NGX_EDA_KAFKA_STATS_MS  "5000"


/*
 * What a client's statistics say, for whoever counts it (the metrics):
 * called in the process's thread, at most once per statistics interval.
 * UNTIL: the time (ngx_time()) after which the figures are stale, since
 * a client that stopped reporting (a process gone) must not be believed.
 */
struct ngx_eda_stats_hooks_s {
    void  (*brokers)(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
              ngx_uint_t known, ngx_uint_t up, time_t until);
    void  (*lag)(ngx_eda_main_conf_t *emcf, ngx_uint_t role,
              const char *topic, int32_t partition, int64_t lag,
              time_t until);
};


/*
 * Before rd_kafka_new(): statistics every statistics.interval.ms (5 s
 * unless eda_kafka_property sets it; 0 turns them off) for the client
 * whose opaque starts with BASE, in ROLE.
 */
void ngx_eda_kafka_observe(rd_kafka_conf_t *conf, ngx_eda_main_conf_t *emcf,
    ngx_eda_kafka_opaque_t *base, ngx_uint_t role);


#endif /* _NGX_EDA_KAFKA_OBSERVE_H_INCLUDED_ */
