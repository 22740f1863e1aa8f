
/*
 * Copyright (C) ngx_eda authors
 *
 * The per-worker Redis connection: hiredis's async API driven by the nginx
 * event loop.  hiredis's socket is wrapped in an nginx connection watched
 * level-triggered (hiredis reads at most one buffer per call), every
 * command carries its own deadline on an nginx timer, and a lost connection
 * is re-established with exponential backoff.  Callers never wait longer
 * than the configured timeout and go on without Redis when it is away.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_redis.h"


#define NGX_EDA_REDIS_MAX_INFLIGHT   1024
#define NGX_EDA_REDIS_BACKOFF_MIN    100
#define NGX_EDA_REDIS_BACKOFF_MAX    5000
#define NGX_EDA_REDIS_WARN_INTERVAL  10


typedef struct {
    ngx_eda_main_conf_t      *emcf;
    ngx_eda_redis_conf_t     *conf;
    redisAsyncContext        *ac;
    ngx_connection_t         *conn;
    ngx_event_t               reconnect;
    ngx_msec_t                backoff;
    ngx_uint_t                inflight;
    ngx_log_t                *log;
    time_t                    last_warn;
    unsigned                  connected:1;
    unsigned                  exiting:1;
} ngx_eda_redis_t;


struct ngx_eda_redis_cmd_s {
    ngx_eda_redis_handler_pt  handler;    /* NULL once answered/detached */
    void                     *data;
    ngx_event_t               timer;
    ngx_eda_redis_t          *rd;
};


static void ngx_eda_redis_connect(ngx_eda_redis_t *rd);
static void ngx_eda_redis_schedule(ngx_eda_redis_t *rd);
static void ngx_eda_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_eda_redis_connected(const redisAsyncContext *ac, int status);
static void ngx_eda_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_eda_redis_setup_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_eda_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_eda_redis_timeout(ngx_event_t *ev);
static void ngx_eda_redis_degraded(ngx_eda_redis_t *rd, const char *why);
static void ngx_eda_redis_failed(ngx_eda_redis_t *rd);
static void ngx_eda_redis_state(ngx_eda_redis_t *rd, ngx_uint_t state);

static void ngx_eda_redis_add_read(void *privdata);
static void ngx_eda_redis_del_read(void *privdata);
static void ngx_eda_redis_add_write(void *privdata);
static void ngx_eda_redis_del_write(void *privdata);
static void ngx_eda_redis_cleanup(void *privdata);
static void ngx_eda_redis_read_handler(ngx_event_t *ev);
static void ngx_eda_redis_write_handler(ngx_event_t *ev);


/*
 * At configuration time, in the master: a host name is resolved once here
 * (getaddrinfo() blocks, which a worker must never do) and the address
 * kept as text for hiredis.
 */

ngx_int_t
ngx_eda_redis_conf_check(ngx_conf_t *cf, ngx_eda_main_conf_t *emcf)
{
    u_char                *p;
    size_t                 len;
    ngx_url_t              u;
    ngx_eda_redis_conf_t  *rcf;

    rcf = emcf->redis;

    if (rcf == NULL) {
        return NGX_OK;
    }

    if (rcf->addr.len > 5
        && ngx_strncmp(rcf->addr.data, "unix:", 5) == 0)
    {
        rcf->host.data = rcf->addr.data + 5;     /* NUL-terminated */
        rcf->host.len = rcf->addr.len - 5;
        rcf->port = 0;
        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = rcf->addr;
    u.no_resolve = 0;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_redis\": cannot resolve \"%V\"%s%s",
                           &rcf->addr, u.err ? ": " : "",
                           u.err ? u.err : "");
        return NGX_ERROR;
    }

    len = NGX_SOCKADDR_STRLEN + 1;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, p,
                        len - 1, 0);
    p[len] = '\0';

    rcf->host.data = p;
    rcf->host.len = len;
    rcf->port = u.port;

    return NGX_OK;
}


ngx_int_t
ngx_eda_redis_init_worker(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    ngx_eda_redis_t  *rd;

    rd = ngx_pcalloc(cycle->pool, sizeof(ngx_eda_redis_t));
    if (rd == NULL) {
        return NGX_ERROR;
    }

    rd->emcf = emcf;
    rd->conf = emcf->redis;
    rd->log = cycle->log;
    rd->backoff = NGX_EDA_REDIS_BACKOFF_MIN;

    rd->reconnect.handler = ngx_eda_redis_reconnect_handler;
    rd->reconnect.data = rd;
    rd->reconnect.log = cycle->log;
    rd->reconnect.cancelable = 1;

    emcf->redis_state = rd;

    ngx_eda_redis_connect(rd);

    return NGX_OK;
}


void
ngx_eda_redis_exit_worker(ngx_cycle_t *cycle, ngx_eda_main_conf_t *emcf)
{
    ngx_eda_redis_t  *rd;

    rd = emcf->redis_state;
    if (rd == NULL) {
        return;
    }

    rd->exiting = 1;

    if (rd->reconnect.timer_set) {
        ngx_del_timer(&rd->reconnect);
    }

    if (rd->ac != NULL) {
        /* pending commands get a NULL reply; their timers are deleted */
        redisAsyncFree(rd->ac);
        rd->ac = NULL;
    }

    ngx_eda_redis_state(rd, NGX_EDA_REDIS_GONE);

    emcf->redis_state = NULL;
}


static void
ngx_eda_redis_connect(ngx_eda_redis_t *rd)
{
    int                 n;
    const char         *argv[2];
    size_t              argvlen[2];
    redisAsyncContext  *ac;
    ngx_connection_t   *c;

    if (rd->conf->port == 0) {
        ac = redisAsyncConnectUnix((const char *) rd->conf->host.data);

    } else {
        ac = redisAsyncConnect((const char *) rd->conf->host.data,
                               (int) rd->conf->port);
    }

    if (ac == NULL) {
        ngx_eda_redis_degraded(rd, "out of memory");
        ngx_eda_redis_schedule(rd);
        return;
    }

    if (ac->err) {
        ngx_eda_redis_degraded(rd, ac->errstr);
        redisAsyncFree(ac);
        ngx_eda_redis_schedule(rd);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_eda_redis_schedule(rd);
        return;
    }

    c->data = ac;
    c->read->handler = ngx_eda_redis_read_handler;
    c->write->handler = ngx_eda_redis_write_handler;
    c->read->log = rd->log;
    c->write->log = rd->log;

    rd->ac = ac;
    rd->conn = c;

    ac->data = rd;
    ac->ev.data = rd;
    ac->ev.addRead = ngx_eda_redis_add_read;
    ac->ev.delRead = ngx_eda_redis_del_read;
    ac->ev.addWrite = ngx_eda_redis_add_write;
    ac->ev.delWrite = ngx_eda_redis_del_write;
    ac->ev.cleanup = ngx_eda_redis_cleanup;

    (void) redisAsyncSetConnectCallback(ac, ngx_eda_redis_connected);
    (void) redisAsyncSetDisconnectCallback(ac, ngx_eda_redis_disconnected);

    /* queued before the connection completes, sent first */

    n = 0;

    if (rd->conf->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (const char *) rd->conf->password.data;
        argvlen[1] = rd->conf->password.len;
        n++;

        (void) redisAsyncCommandArgv(ac, ngx_eda_redis_setup_reply, NULL,
                                     2, argv, argvlen);
    }

    if (rd->conf->db) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (const char *) rd->conf->db_str.data;
        argvlen[1] = rd->conf->db_str.len;
        n++;

        (void) redisAsyncCommandArgv(ac, ngx_eda_redis_setup_reply, NULL,
                                     2, argv, argvlen);
    }

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, rd->log, 0,
                   "eda redis: connecting to %V:%ui (%d setup commands)",
                   &rd->conf->host, rd->conf->port, n);
}


static void
ngx_eda_redis_schedule(ngx_eda_redis_t *rd)
{
    if (rd->exiting || rd->reconnect.timer_set) {
        return;
    }

    ngx_add_timer(&rd->reconnect, rd->backoff);

    rd->backoff *= 2;
    if (rd->backoff > NGX_EDA_REDIS_BACKOFF_MAX) {
        rd->backoff = NGX_EDA_REDIS_BACKOFF_MAX;
    }
}


static void
ngx_eda_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_eda_redis_t  *rd = ev->data;

    if (rd->exiting || rd->ac != NULL) {
        return;
    }

    ngx_eda_redis_connect(rd);
}


static void
ngx_eda_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_eda_redis_t  *rd = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context after this returns */
        rd->ac = NULL;
        ngx_eda_redis_state(rd, NGX_EDA_REDIS_DOWN);
        ngx_eda_redis_degraded(rd, ac->errstr);
        ngx_eda_redis_schedule(rd);
        return;
    }

    rd->connected = 1;
    ngx_eda_redis_state(rd, NGX_EDA_REDIS_UP);
    rd->backoff = NGX_EDA_REDIS_BACKOFF_MIN;

    ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                  "eda: connected to Redis %V", &rd->conf->addr);
}


static void
ngx_eda_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_eda_redis_t  *rd = ac->data;

    rd->ac = NULL;
    rd->connected = 0;

    if (rd->exiting) {
        return;
    }

    ngx_eda_redis_state(rd, NGX_EDA_REDIS_DOWN);
    ngx_eda_redis_degraded(rd, status == REDIS_OK ? "connection closed"
                                                  : ac->errstr);
    ngx_eda_redis_schedule(rd);
}


static void
ngx_eda_redis_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply       *reply = r;
    ngx_eda_redis_t  *rd = ac->data;

    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "eda: Redis %V refused the connection setup: %*s",
                      &rd->conf->addr, (size_t) reply->len, reply->str);

        /* a wrong password or db is not fixed by reconnecting at once */
        rd->backoff = NGX_EDA_REDIS_BACKOFF_MAX;
        redisAsyncDisconnect(ac);
    }
}


ngx_eda_redis_cmd_t *
ngx_eda_redis_command(ngx_eda_main_conf_t *emcf,
    ngx_eda_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_eda_redis_t      *rd;
    ngx_eda_redis_cmd_t  *cmd;

    rd = emcf->redis_state;

    if (rd == NULL || rd->ac == NULL || !rd->connected) {
        return NULL;
    }

    if (rd->inflight >= NGX_EDA_REDIS_MAX_INFLIGHT) {
        ngx_eda_redis_degraded(rd, "too many commands in flight");
        return NULL;
    }

    cmd = ngx_calloc(sizeof(ngx_eda_redis_cmd_t), rd->log);
    if (cmd == NULL) {
        return NULL;
    }

    cmd->handler = handler;
    cmd->data = data;
    cmd->rd = rd;

    if (redisAsyncCommandArgv(rd->ac, ngx_eda_redis_reply, cmd, argc, argv,
                              argvlen)
        != REDIS_OK)
    {
        ngx_free(cmd);
        return NULL;
    }

    rd->inflight++;

    cmd->timer.handler = ngx_eda_redis_timeout;
    cmd->timer.data = cmd;
    cmd->timer.log = rd->log;
    ngx_add_timer(&cmd->timer, rd->conf->timeout);

    return cmd;
}


void
ngx_eda_redis_detach(ngx_eda_redis_cmd_t *cmd)
{
    cmd->handler = NULL;
    cmd->data = NULL;

    if (cmd->timer.timer_set) {
        ngx_del_timer(&cmd->timer);
    }
}


ngx_str_t *
ngx_eda_redis_prefix(ngx_eda_main_conf_t *emcf)
{
    return &emcf->redis->prefix;
}


static void
ngx_eda_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_eda_redis_cmd_t       *cmd = privdata;
    ngx_eda_redis_handler_pt   handler;

    cmd->rd->inflight--;

    if (cmd->timer.timer_set) {
        ngx_del_timer(&cmd->timer);
    }

    handler = cmd->handler;
    cmd->handler = NULL;

    if (r == NULL) {
        ngx_eda_redis_failed(cmd->rd);
    }

    if (handler != NULL && !cmd->rd->exiting) {
        handler(r, cmd->data);
    }

    ngx_free(cmd);
}


/*
 * The deadline passed: the caller goes on without the answer; the reply,
 * if it ever comes, is dropped when hiredis hands it over.
 */

static void
ngx_eda_redis_timeout(ngx_event_t *ev)
{
    ngx_eda_redis_cmd_t       *cmd = ev->data;
    ngx_eda_redis_handler_pt   handler;

    handler = cmd->handler;
    cmd->handler = NULL;

    ngx_eda_redis_failed(cmd->rd);
    ngx_eda_redis_degraded(cmd->rd, "command timed out");

    if (handler != NULL) {
        handler(NULL, cmd->data);
    }
}


static void
ngx_eda_redis_failed(ngx_eda_redis_t *rd)
{
    if (rd->emcf->redis_hooks != NULL) {
        rd->emcf->redis_hooks->failed(rd->emcf);
    }
}


/* Redis trouble is logged once per interval, not once per request */

static void
ngx_eda_redis_degraded(ngx_eda_redis_t *rd, const char *why)
{
    if (ngx_time() - rd->last_warn < NGX_EDA_REDIS_WARN_INTERVAL) {
        return;
    }

    rd->last_warn = ngx_time();

    ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                  "eda: Redis %V unavailable (%s); going on without it",
                  &rd->conf->addr, why != NULL ? why : "unknown error");
}


static void
ngx_eda_redis_add_read(void *privdata)
{
    ngx_eda_redis_t  *rd = privdata;

    if (rd->conn != NULL && !rd->conn->read->active) {
        (void) ngx_add_event(rd->conn->read, NGX_READ_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_eda_redis_del_read(void *privdata)
{
    ngx_eda_redis_t  *rd = privdata;

    if (rd->conn != NULL && rd->conn->read->active) {
        (void) ngx_del_event(rd->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_eda_redis_add_write(void *privdata)
{
    ngx_eda_redis_t  *rd = privdata;

    if (rd->conn != NULL && !rd->conn->write->active) {
        (void) ngx_add_event(rd->conn->write, NGX_WRITE_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_eda_redis_del_write(void *privdata)
{
    ngx_eda_redis_t  *rd = privdata;

    if (rd->conn != NULL && rd->conn->write->active) {
        (void) ngx_del_event(rd->conn->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis frees its context and closes the socket: drop our wrapper */

static void
ngx_eda_redis_cleanup(void *privdata)
{
    ngx_eda_redis_t   *rd = privdata;
    ngx_connection_t  *c;

    c = rd->conn;
    if (c == NULL) {
        return;
    }

    ngx_eda_redis_del_read(rd);
    ngx_eda_redis_del_write(rd);

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    rd->conn = NULL;
    c->fd = (ngx_socket_t) -1;
    ngx_free_connection(c);
}


static void
ngx_eda_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    redisAsyncHandleRead(c->data);
}


static void
ngx_eda_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    redisAsyncHandleWrite(c->data);
}


static void
ngx_eda_redis_state(ngx_eda_redis_t *rd, ngx_uint_t state)
{
    if (rd->emcf->redis_hooks != NULL
        && rd->emcf->redis_hooks->state != NULL)
    {
        rd->emcf->redis_hooks->state(rd->emcf, state);
    }
}
