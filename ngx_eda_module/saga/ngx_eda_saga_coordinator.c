
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga coordinator: a process of its own, started and restarted by
 * the nginx master.  Stock nginx starts a helper process, the "cache
 * manager", whenever a registered path has a manager callback; it replaces
 * it on reload and respawns it when it dies.  eda_saga_definitions
 * registers such a path, and this callback, on its first call, turns that
 * process into the coordinator: it retitles it, starts a Kafka producer,
 * a consumer in a group shared by every gateway and a Redis connection,
 * all driven by the process's event loop like a worker's.
 *
 * Nothing is kept only in memory: an instance's state, its timer and the
 * records a transition must produce (its outbox) are written to Redis in
 * one script, before anything is produced; a reply's offset is stored
 * only once its transition is written.  A coordinator killed at any point
 * leaves either an input that is read again (a timer still due, a reply
 * not committed) or an outbox that the next coordinator sends again:
 * at-least-once, with the same ids and idempotency keys.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_redis.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_kafka_consumer.h"
#include "ngx_eda_kafka_observe.h"
#include "ngx_eda_saga_coordinator.h"
#include "ngx_eda_saga_job.h"
#include "ngx_eda_saga_replies.h"
#include "ngx_eda_saga_timers.h"


static ngx_int_t ngx_eda_saga_start(ngx_eda_saga_conf_t *conf);
static uint32_t ngx_eda_saga_member(ngx_eda_saga_conf_t *conf);


ngx_msec_t
ngx_eda_saga_coordinator(void *data)
{
    ngx_eda_saga_conf_t *conf = data;

    if (conf->coordinator == NULL && ngx_eda_saga_start(conf) != NGX_OK) {
        /* the log says why; the next call tries again */
        return 5000;
    }

    return 1000;
}


static ngx_int_t
ngx_eda_saga_start(ngx_eda_saga_conf_t *conf)
{
    u_char                         group[256], instance[256], *p;
    ngx_eda_saga_coord_t          *coord;
    ngx_eda_main_conf_t           *emcf;
    ngx_eda_kafka_consumer_opts_t  opts;

    ngx_setproctitle("eda saga coordinator");

    emcf = conf->emcf;

    coord = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_eda_saga_coord_t));
    if (coord == NULL) {
        return NGX_ERROR;
    }

    coord->conf = conf;
    coord->emcf = emcf;

    coord->parts = ngx_array_create(ngx_cycle->pool, 16,
                                    sizeof(ngx_eda_saga_part_t *));
    if (coord->parts == NULL) {
        return NGX_ERROR;
    }

    if (emcf->producer == NULL
        && ngx_eda_kafka_producer_init((ngx_cycle_t *) ngx_cycle, emcf)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (emcf->redis_state == NULL
        && ngx_eda_redis_init_worker((ngx_cycle_t *) ngx_cycle, emcf)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    p = ngx_snprintf(group, sizeof(group) - 1, "%V", &conf->group);
    *p = '\0';

    p = ngx_snprintf(instance, sizeof(instance) - 1, "eda-saga-%V-%08xD",
                     &ngx_cycle->hostname, ngx_eda_saga_member(conf));
    *p = '\0';

    ngx_memzero(&opts, sizeof(ngx_eda_kafka_consumer_opts_t));
    opts.group = (char *) group;
    opts.instance = (char *) instance;
    opts.offset_reset = "earliest";
    opts.topics = conf->topics;
    opts.store = 1;
    opts.observe = NGX_EDA_KAFKA_SAGA_ROLE;

    coord->consumer = ngx_eda_kafka_consumer_create((ngx_cycle_t *) ngx_cycle,
                                                    emcf, &opts,
                                                    ngx_eda_saga_record,
                                                    coord);
    if (coord->consumer == NULL) {
        return NGX_ERROR;
    }

    ngx_eda_saga_timers_start(coord);

    conf->coordinator = coord;

    ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                  "eda: saga coordinator started (group %s, member %s)",
                  group, instance);

    return NGX_OK;
}


/*
 * The coordinator is a static member of the group, one per gateway: one
 * that replaces a dead or reloaded coordinator of the same configuration
 * takes its partitions at once, without a rebalance.  That is also why
 * the reply topics are part of its name: a static member that comes back
 * with other topics is handed its old assignment as it is (the broker
 * rebalances for a new member, not for a changed subscription), so the
 * partitions of a new reply topic would reach no one.  Under a new name
 * it joins as a new member and the group rebalances, once the old name's
 * session has expired (session.timeout.ms: librdkafka's 45 s is kept, as a
 * session shorter than a broker's restart made the coordinator lose its
 * partitions for minutes after one).  The topics are summed so that their
 * order does not matter.
 */

static uint32_t
ngx_eda_saga_member(ngx_eda_saga_conf_t *conf)
{
    uint32_t     topics;
    ngx_str_t   *t;
    ngx_uint_t   i;

    topics = 0;
    t = conf->topics->elts;

    for (i = 0; i < conf->topics->nelts; i++) {
        topics += ngx_crc32_long(t[i].data, t[i].len);
    }

    return ngx_crc32_short(ngx_cycle->conf_file.data,
                           ngx_cycle->conf_file.len) ^ topics;
}
