
/*
 * Copyright (C) ngx_eda authors
 *
 * How a worker tells its coordinator that it has just created an
 * instance, so that the coordinator claims it at once instead of at its
 * next timer poll: a pipe that the master opens with the configuration,
 * so that every process of that configuration inherits it.  Workers write
 * a byte per instance; the coordinator reads them all and claims the due
 * timers (ngx_eda_saga_timers.c).  A byte is only a hint: a lost one (the
 * pipe full, a coordinator restarting, a worker of an older configuration)
 * costs at most one timer poll, never the instance, which is in Redis.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_eda_saga_nudge.h"


static void ngx_eda_saga_nudge_close(void *data);


ngx_int_t
ngx_eda_saga_nudge_open(ngx_conf_t *cf, ngx_eda_saga_conf_t *sc)
{
    int                  fds[2];
    ngx_pool_cleanup_t  *cln;

    sc->nudge[0] = NGX_INVALID_FILE;
    sc->nudge[1] = NGX_INVALID_FILE;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    if (pipe(fds) == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "pipe() failed");
        return NGX_ERROR;
    }

    sc->nudge[0] = fds[0];
    sc->nudge[1] = fds[1];

    /* with the configuration's pool: the old one's at a reload */
    cln->handler = ngx_eda_saga_nudge_close;
    cln->data = sc;

    if (ngx_nonblocking(fds[0]) == -1 || ngx_nonblocking(fds[1]) == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_nonblocking_n " failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_eda_saga_nudge_close(void *data)
{
    ngx_eda_saga_conf_t *sc = data;

    ngx_uint_t  i;

    for (i = 0; i < 2; i++) {
        if (sc->nudge[i] != NGX_INVALID_FILE) {
            (void) close(sc->nudge[i]);
            sc->nudge[i] = NGX_INVALID_FILE;
        }
    }
}


void
ngx_eda_saga_nudge(ngx_eda_saga_conf_t *sc)
{
    ssize_t  n;

    if (sc->nudge[1] == NGX_INVALID_FILE) {
        return;
    }

    /* EAGAIN: the pipe is full, so the coordinator has been told already */
    n = write(sc->nudge[1], "", 1);
    (void) n;
}


ngx_connection_t *
ngx_eda_saga_nudge_listen(ngx_eda_saga_conf_t *sc,
    ngx_event_handler_pt handler, void *data)
{
    ngx_connection_t  *c;

    if (sc->nudge[0] == NGX_INVALID_FILE) {
        return NULL;
    }

    c = ngx_get_connection(sc->nudge[0], ngx_cycle->log);
    if (c == NULL) {
        return NULL;
    }

    /* the connection owns the read end now (and closes it at exit) */
    sc->nudge[0] = NGX_INVALID_FILE;

    c->data = data;
    c->read->handler = handler;
    c->read->log = ngx_cycle->log;
    c->write->log = ngx_cycle->log;

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_close_connection(c);
        return NULL;
    }

    return c;
}


ngx_uint_t
ngx_eda_saga_nudge_drain(ngx_connection_t *c)
{
    u_char      buf[256];
    ssize_t     n;
    ngx_uint_t  got;

    got = 0;

    for ( ;; ) {
        n = read(c->fd, buf, sizeof(buf));

        if (n > 0) {
            got += n;
            continue;
        }

        if (n == -1 && ngx_errno == NGX_EINTR) {
            continue;
        }

        /* EAGAIN: all read; 0 cannot happen while the master holds the
         * write end */
        return got;
    }
}
