
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_KAFKA_WAKE_H_INCLUDED_
#define _NGX_EDA_KAFKA_WAKE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <librdkafka/rdkafka.h>


typedef struct {
    rd_kafka_queue_t   *queue;
    ngx_connection_t   *conn;     /* the pipe's read end */
    ngx_fd_t            fd;       /* the write end, librdkafka's */
} ngx_eda_kafka_wake_t;


/*
 * Makes a librdkafka queue wake the nginx event loop: librdkafka writes to
 * a pipe when the queue becomes non-empty and HANDLER runs with the pipe's
 * connection (c->data is DATA).  Takes over QUEUE, which
 * ngx_eda_kafka_wake_stop() (or a failure here) destroys.
 */
ngx_int_t ngx_eda_kafka_wake_start(ngx_eda_kafka_wake_t *w,
    rd_kafka_queue_t *queue, ngx_event_handler_pt handler, void *data,
    ngx_log_t *log);

/* empties the pipe; call first in HANDLER, then serve the queue */
void ngx_eda_kafka_wake_drain(ngx_connection_t *c);

void ngx_eda_kafka_wake_stop(ngx_eda_kafka_wake_t *w);


#endif /* _NGX_EDA_KAFKA_WAKE_H_INCLUDED_ */
