
/*
 * Copyright (C) ngx_eda authors
 *
 * How librdkafka's queues reach a worker's event loop without a thread or
 * a poll timer: rd_kafka_queue_io_event_enable() writes a byte to a pipe
 * whenever a queue goes from empty to non-empty, and the pipe's read end
 * is an nginx connection.  The producer and the fan-out consumer share it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_eda_kafka_wake.h"


ngx_int_t
ngx_eda_kafka_wake_start(ngx_eda_kafka_wake_t *w, rd_kafka_queue_t *queue,
    ngx_event_handler_pt handler, void *data, ngx_log_t *log)
{
    int                fds[2];
    ngx_connection_t  *c;

    w->queue = queue;
    w->conn = NULL;
    w->fd = NGX_INVALID_FILE;

    if (pipe(fds) == -1) {
        ngx_log_error(NGX_LOG_EMERG, log, ngx_errno, "eda: pipe() failed");
        goto failed;
    }

    if (ngx_nonblocking(fds[0]) == -1 || ngx_nonblocking(fds[1]) == -1) {
        ngx_log_error(NGX_LOG_EMERG, log, ngx_errno,
                      ngx_nonblocking_n " failed");
        (void) close(fds[0]);
        (void) close(fds[1]);
        goto failed;
    }

    w->fd = fds[1];

    c = ngx_get_connection(fds[0], log);
    if (c == NULL) {
        (void) close(fds[0]);
        goto failed;
    }

    c->data = data;
    c->read->handler = handler;
    c->read->log = log;
    c->write->log = log;
    w->conn = c;

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        goto failed;
    }

    rd_kafka_queue_io_event_enable(queue, w->fd, "1", 1);

    /* whatever was queued before the pipe was attached */
    ngx_post_event(c->read, &ngx_posted_events);

    return NGX_OK;

failed:

    ngx_eda_kafka_wake_stop(w);

    return NGX_ERROR;
}


void
ngx_eda_kafka_wake_drain(ngx_connection_t *c)
{
    u_char   buf[64];
    ssize_t  n;

    for ( ;; ) {
        n = read(c->fd, buf, sizeof(buf));

        if (n > 0 || (n == -1 && ngx_errno == NGX_EINTR)) {
            continue;
        }

        return;
    }
}


void
ngx_eda_kafka_wake_stop(ngx_eda_kafka_wake_t *w)
{
    if (w->queue != NULL) {
        rd_kafka_queue_io_event_enable(w->queue, -1, NULL, 0);
        rd_kafka_queue_destroy(w->queue);
        w->queue = NULL;
    }

    if (w->conn != NULL) {
        ngx_close_connection(w->conn);
        w->conn = NULL;
    }

    if (w->fd != NGX_INVALID_FILE) {
        (void) close(w->fd);
        w->fd = NGX_INVALID_FILE;
    }
}
