
/*
 * Copyright (C) ngx_eda authors
 *
 * The span exporter of one process: a bounded queue of span copies, and
 * one OTLP/HTTP request at a time to the collector of eda_otel_exporter
 * over a non-blocking connection of the event loop.  A batch leaves when
 * it is full or when the oldest queued span has waited interval=; the
 * answer's status line decides (2xx: exported; anything else, no answer
 * or no connection: the batch is dropped and counted, never retried), and
 * timeout= bounds the whole exchange.  Nothing here waits: a span that
 * finds the queue full is dropped and counted.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_otel.h"
#include "ngx_eda_otlp.h"
#include "ngx_eda_otlp_queue.h"


#define NGX_EDA_OTEL_WARN_INTERVAL  10
#define NGX_EDA_OTEL_HEAD_EXTRA     256    /* the request line and headers */


typedef struct {
    ngx_eda_main_conf_t      *emcf;
    ngx_eda_otel_conf_t      *conf;
    ngx_eda_otlp_queue_t      queue;
    ngx_eda_otlp_resource_t   res;
    ngx_eda_otlp_span_t     **batch;       /* conf->batch slots */

    ngx_event_t               flush;       /* interval timer, or posted */
    ngx_event_t               deadline;    /* the exchange's timeout */
    ngx_peer_connection_t     peer;
    ngx_log_t                 peer_log;    /* nginx's own errors muted */
    ngx_log_t                *log;

    /* the request in flight */
    ngx_uint_t                inflight;    /* its spans; 0: none */
    u_char                   *head;
    size_t                    head_len;
    char                     *body;
    size_t                    body_len;
    size_t                    sent;
    u_char                    answer[16];
    size_t                    answer_len;

    time_t                    last_warn;
    unsigned                  paused:1;    /* waiting after a failure */
} ngx_eda_otel_t;


static ngx_eda_otel_t *ngx_eda_otel_start(ngx_eda_main_conf_t *emcf);
static void ngx_eda_otel_schedule(ngx_eda_otel_t *ox, ngx_uint_t pause);
static void ngx_eda_otel_flush(ngx_event_t *ev);
static void ngx_eda_otel_write(ngx_event_t *wev);
static void ngx_eda_otel_read(ngx_event_t *rev);
static void ngx_eda_otel_timeout(ngx_event_t *ev);
static void ngx_eda_otel_done(ngx_eda_otel_t *ox, ngx_int_t status);
static void ngx_eda_otel_fail(ngx_eda_otel_t *ox, ngx_eda_otel_drop_e why,
    ngx_err_t err, const char *what);
static void ngx_eda_otel_finish(ngx_eda_otel_t *ox, ngx_uint_t failed);
static void ngx_eda_otel_dropped(ngx_eda_main_conf_t *emcf,
    ngx_eda_otel_drop_e why, ngx_uint_t n);
static void ngx_eda_otel_warn(ngx_eda_otel_t *ox, const char *fmt,
    ngx_int_t arg);


char *
ngx_eda_otel_set_url(ngx_conf_t *cf, ngx_eda_otel_conf_t *ocf,
    ngx_str_t *url)
{
    u_char     *p, *last;
    ngx_url_t   u;

    if (url->len >= 8 && ngx_strncasecmp(url->data, (u_char *) "https://", 8)
                         == 0)
    {
        return "https is not supported yet: use an http:// URL";
    }

    if (url->len < 7
        || ngx_strncasecmp(url->data, (u_char *) "http://", 7) != 0)
    {
        return "the URL must start with http://";
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url.data = url->data + 7;
    u.url.len = url->len - 7;
    u.default_port = 4318;
    u.uri_part = 1;
    u.no_resolve = 0;

    if (u.url.len == 0 || u.url.data[0] == '/'
        || ngx_strlchr(u.url.data, u.url.data + u.url.len, '@') != NULL
        || (u.url.len >= 5 && ngx_strncmp(u.url.data, "unix:", 5) == 0))
    {
        return "the URL has no host";
    }

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        return u.err != NULL ? u.err : "invalid URL";
    }

    if (u.naddrs == 0) {
        return "the host does not resolve";
    }

    ocf->url = *url;
    ocf->addr = u.addrs[0];

    /* the authority as written, for the Host header */

    p = u.url.data;
    last = p + u.url.len;
    ocf->host.data = p;
    ocf->host.len = (u.uri.len ? u.uri.data : last) - p;

    if (u.uri.len) {
        ocf->uri = u.uri;

    } else {
        ngx_str_set(&ocf->uri, "/v1/traces");
    }

    if (ocf->uri.data[0] != '/') {
        return "the path must start with /";
    }

    return NULL;
}


uint64_t
ngx_eda_otel_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_REALTIME, &ts);

    return (uint64_t) ts.tv_sec * 1000000000 + (uint64_t) ts.tv_nsec;
}


void
ngx_eda_otel_span(ngx_eda_main_conf_t *emcf, const ngx_eda_span_t *span)
{
    int                   rc;
    ngx_uint_t            i;
    ngx_eda_otel_t       *ox;
    ngx_eda_otlp_span_t   s;

    if (emcf->otel == NULL || !(span->trace.flags & NGX_EDA_TRACE_SAMPLED)) {
        return;
    }

    ox = emcf->otel_state;

    if (ox == NULL) {
        ox = ngx_eda_otel_start(emcf);
        if (ox == NULL) {
            ngx_eda_otel_dropped(emcf, NGX_EDA_OTEL_DROP_QUEUE_FULL, 1);
            return;
        }
    }

    /* a view of the span for the core, which copies it */

    ngx_memcpy(s.trace_id, span->trace.trace_id, 16);
    ngx_memcpy(s.span_id, span->trace.span_id, 8);
    ngx_memcpy(s.parent_id, span->trace.parent_id, 8);
    s.flags = span->trace.flags;
    s.kind = (int) span->kind;
    s.error = span->error;
    s.start_ns = span->start_ns;
    s.end_ns = span->end_ns;
    s.name.data = (const char *) span->name.data;
    s.name.len = span->name.len;
    s.status_message.data = (const char *) span->status_message.data;
    s.status_message.len = span->status_message.len;
    s.nattrs = ngx_min(span->nattrs, NGX_EDA_SPAN_MAX_ATTRS);

    for (i = 0; i < s.nattrs; i++) {
        s.attrs[i].key.data = (const char *) span->attrs[i].key.data;
        s.attrs[i].key.len = span->attrs[i].key.len;
        s.attrs[i].value.data = (const char *) span->attrs[i].value.data;
        s.attrs[i].value.len = span->attrs[i].value.len;
    }

    rc = ngx_eda_otlp_queue_push(&ox->queue, &s);

    if (rc != 0) {
        /* full, or no memory for the copy: the same for the caller */
        ngx_eda_otel_dropped(emcf, NGX_EDA_OTEL_DROP_QUEUE_FULL, 1);
        ngx_eda_otel_warn(ox, "eda: span export queue full (%i spans), "
                          "dropping spans", ox->queue.size);
        return;
    }

    ngx_eda_otel_schedule(ox, 0);
}


/* the first span of this process: its exporter, for as long as it lives */

static ngx_eda_otel_t *
ngx_eda_otel_start(ngx_eda_main_conf_t *emcf)
{
    u_char               *p;
    ngx_log_t            *log;
    ngx_eda_otel_t       *ox;
    ngx_eda_otel_conf_t  *ocf;

    ocf = emcf->otel;
    log = ngx_cycle->log;

    ox = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_eda_otel_t));
    if (ox == NULL) {
        return NULL;
    }

    ox->batch = ngx_palloc(ngx_cycle->pool,
                           ocf->batch * sizeof(ngx_eda_otlp_span_t *));
    ox->head = ngx_pnalloc(ngx_cycle->pool, ocf->uri.len + ocf->host.len
                           + ocf->version.len + NGX_EDA_OTEL_HEAD_EXTRA);
    p = ngx_pnalloc(ngx_cycle->pool, ngx_cycle->hostname.len + NGX_INT_T_LEN
                    + 1);

    if (ox->batch == NULL || ox->head == NULL || p == NULL) {
        return NULL;
    }

    if (ngx_eda_otlp_queue_init(&ox->queue, ocf->queue) != 0) {
        return NULL;
    }

    ox->emcf = emcf;
    ox->conf = ocf;
    ox->log = log;

    ox->res.service_name.data = (const char *) ocf->service.data;
    ox->res.service_name.len = ocf->service.len;
    ox->res.instance_id.data = (const char *) p;
    ox->res.instance_id.len = ngx_sprintf(p, "%V-%P", &ngx_cycle->hostname,
                                          ngx_pid)
                              - p;
    ox->res.scope_name.data = "ngx_eda";
    ox->res.scope_name.len = sizeof("ngx_eda") - 1;
    ox->res.scope_version.data = (const char *) ocf->version.data;
    ox->res.scope_version.len = ocf->version.len;

    ox->flush.handler = ngx_eda_otel_flush;
    ox->flush.data = ox;
    ox->flush.log = log;
    ox->flush.cancelable = 1;

    ox->deadline.handler = ngx_eda_otel_timeout;
    ox->deadline.data = ox;
    ox->deadline.log = log;
    ox->deadline.cancelable = 1;

    /*
     * nginx logs a refused connect() at "error" on the connection's log;
     * the exporter says it once per interval at "warn" instead.
     */

    ox->peer_log = *log;
    ox->peer_log.log_level = NGX_LOG_CRIT;
    ox->peer_log.next = NULL;

    emcf->otel_state = ox;

    return ox;
}


/*
 * A full batch leaves at once, a partial one after interval=; after a
 * failed exchange (PAUSE) the next waits interval= too, so a collector
 * that is down is asked once per interval, not once per batch.
 */

static void
ngx_eda_otel_schedule(ngx_eda_otel_t *ox, ngx_uint_t pause)
{
    if (ox->inflight || ox->queue.count == 0) {
        return;
    }

    if (ox->flush.timer_set && (pause || ox->paused)) {
        return;
    }

    ox->paused = pause;

    if (!pause && ox->queue.count >= ox->conf->batch) {
        if (!ox->flush.posted) {
            ngx_post_event(&ox->flush, &ngx_posted_events);
        }

        return;
    }

    if (!ox->flush.timer_set) {
        ngx_add_timer(&ox->flush, ox->conf->interval);
    }
}


static void
ngx_eda_otel_flush(ngx_event_t *ev)
{
    ngx_eda_otel_t *ox = ev->data;

    ngx_int_t             rc;
    ngx_uint_t            i, n;
    ngx_connection_t     *c;
    ngx_eda_otel_conf_t  *ocf;

    ocf = ox->conf;

    if (ox->flush.timer_set) {
        ngx_del_timer(&ox->flush);
    }

    if (ox->inflight) {
        return;
    }

    n = ngx_eda_otlp_queue_take(&ox->queue, ox->batch, ocf->batch);
    if (n == 0) {
        return;
    }

    ox->body = ngx_eda_otlp_encode(&ox->res, ox->batch, n, &ox->body_len);

    for (i = 0; i < n; i++) {
        ngx_free(ox->batch[i]);
    }

    if (ox->body == NULL) {
        ngx_log_error(NGX_LOG_ALERT, ox->log, 0,
                      "eda: cannot encode %ui spans for export", n);
        ngx_eda_otel_dropped(ox->emcf, NGX_EDA_OTEL_DROP_COLLECTOR, n);
        ngx_eda_otel_schedule(ox, 1);
        return;
    }

    ox->inflight = n;
    ox->sent = 0;
    ox->answer_len = 0;

    ox->head_len = ngx_sprintf(ox->head,
                               "POST %V HTTP/1.1\r\n"
                               "Host: %V\r\n"
                               "User-Agent: ngx_eda/%V\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: %uz\r\n"
                               "Connection: close\r\n\r\n",
                               &ocf->uri, &ocf->host, &ocf->version,
                               ox->body_len)
                   - ox->head;

    ngx_memzero(&ox->peer, sizeof(ngx_peer_connection_t));

    ox->peer.sockaddr = ocf->addr.sockaddr;
    ox->peer.socklen = ocf->addr.socklen;
    ox->peer.name = &ocf->url;
    ox->peer.get = ngx_event_get_peer;
    ox->peer.log = &ox->peer_log;
    ox->peer.log_error = NGX_ERROR_ERR;

    ngx_add_timer(&ox->deadline, ocf->timeout);

    rc = ngx_event_connect_peer(&ox->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR,
                          ngx_socket_errno, "cannot connect");
        return;
    }

    c = ox->peer.connection;
    c->data = ox;
    c->read->handler = ngx_eda_otel_read;
    c->write->handler = ngx_eda_otel_write;

    if (rc == NGX_OK) {
        ngx_eda_otel_write(c->write);
    }

    /* NGX_AGAIN: the write event says when the connection is made */
}


static void
ngx_eda_otel_write(ngx_event_t *wev)
{
    u_char            *p;
    size_t             size;
    ssize_t            n;
    ngx_eda_otel_t    *ox;
    ngx_connection_t  *c;

    c = wev->data;
    ox = c->data;

    while (ox->sent < ox->head_len + ox->body_len) {

        if (ox->sent < ox->head_len) {
            p = ox->head + ox->sent;
            size = ox->head_len - ox->sent;

        } else {
            p = (u_char *) ox->body + (ox->sent - ox->head_len);
            size = ox->head_len + ox->body_len - ox->sent;
        }

        n = c->send(c, p, size);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR,
                                  ngx_socket_errno, "cannot send");
            }

            return;
        }

        if (n == NGX_ERROR || n <= 0) {
            ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR,
                              ngx_socket_errno, "cannot send");
            return;
        }

        ox->sent += n;
    }

    /* all sent: only the answer matters now */

    if (!(ngx_event_flags & NGX_USE_CLEAR_EVENT) && wev->active
        && ngx_del_event(wev, NGX_WRITE_EVENT, 0) != NGX_OK)
    {
        ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR, 0,
                          "cannot send");
        return;
    }

    ngx_eda_otel_read(c->read);
}


static void
ngx_eda_otel_read(ngx_event_t *rev)
{
    ssize_t            n;
    ngx_int_t          status;
    ngx_eda_otel_t    *ox;
    ngx_connection_t  *c;

    c = rev->data;
    ox = c->data;

    if (ox->sent < ox->head_len + ox->body_len) {
        /* an early answer or an error: the write side finds it */
        return;
    }

    for ( ;; ) {
        n = c->recv(c, ox->answer + ox->answer_len,
                    sizeof(ox->answer) - ox->answer_len);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR,
                                  ngx_socket_errno, "cannot read");
            }

            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR,
                              n == 0 ? 0 : ngx_socket_errno, "no answer");
            return;
        }

        ox->answer_len += n;

        status = ngx_eda_otlp_status((const char *) ox->answer,
                                     ox->answer_len);

        if (status > 0) {
            ngx_eda_otel_done(ox, status);
            return;
        }

        if (status < 0 || ox->answer_len == sizeof(ox->answer)) {
            ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_COLLECTOR, 0,
                              "not an HTTP answer");
            return;
        }
    }
}


static void
ngx_eda_otel_timeout(ngx_event_t *ev)
{
    ngx_eda_otel_t *ox = ev->data;

    ngx_eda_otel_fail(ox, NGX_EDA_OTEL_DROP_TIMEOUT, 0, "timed out");
}


static void
ngx_eda_otel_done(ngx_eda_otel_t *ox, ngx_int_t status)
{
    ngx_eda_main_conf_t  *emcf;

    emcf = ox->emcf;

    if (status >= 200 && status < 300) {
        if (emcf->otel_hooks != NULL) {
            emcf->otel_hooks->exported(emcf, ox->inflight);
        }

        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ox->log, 0,
                       "eda otel: %ui spans exported (%i)", ox->inflight,
                       status);

        ngx_eda_otel_finish(ox, 0);
        return;
    }

    /* 4xx: the batch is refused for good; 5xx, 429: not retried either */

    ngx_eda_otel_dropped(emcf, NGX_EDA_OTEL_DROP_COLLECTOR, ox->inflight);
    ngx_eda_otel_warn(ox, "eda: span collector answered %i, spans dropped",
                      status);
    ngx_eda_otel_finish(ox, 1);
}


static void
ngx_eda_otel_fail(ngx_eda_otel_t *ox, ngx_eda_otel_drop_e why,
    ngx_err_t err, const char *what)
{
    ngx_eda_otel_dropped(ox->emcf, why, ox->inflight);

    if (ngx_time() - ox->last_warn >= NGX_EDA_OTEL_WARN_INTERVAL) {
        ox->last_warn = ngx_time();

        ngx_log_error(NGX_LOG_WARN, ox->log, err,
                      "eda: span export to %V: %s, %ui spans dropped",
                      &ox->conf->url, what, ox->inflight);
    }

    ngx_eda_otel_finish(ox, 1);
}


/* the exchange is over, whatever its end: the next batch may go */

static void
ngx_eda_otel_finish(ngx_eda_otel_t *ox, ngx_uint_t failed)
{
    if (ox->peer.connection != NULL) {
        ngx_close_connection(ox->peer.connection);
        ox->peer.connection = NULL;
    }

    if (ox->deadline.timer_set) {
        ngx_del_timer(&ox->deadline);
    }

    if (ox->body != NULL) {
        ngx_free(ox->body);
        ox->body = NULL;
    }

    ox->inflight = 0;

    ngx_eda_otel_schedule(ox, failed);
}


void
ngx_eda_otel_exit_process(ngx_eda_main_conf_t *emcf)
{
    ngx_uint_t       n;
    ngx_eda_otel_t  *ox;

    ox = emcf->otel_state;
    if (ox == NULL) {
        return;
    }

    n = ox->inflight + ngx_eda_otlp_queue_free(&ox->queue);

    if (ox->peer.connection != NULL) {
        ngx_close_connection(ox->peer.connection);
        ox->peer.connection = NULL;
    }

    if (ox->flush.timer_set) {
        ngx_del_timer(&ox->flush);
    }

    if (ox->flush.posted) {
        ngx_delete_posted_event(&ox->flush);
    }

    if (ox->deadline.timer_set) {
        ngx_del_timer(&ox->deadline);
    }

    if (ox->body != NULL) {
        ngx_free(ox->body);
        ox->body = NULL;
    }

    emcf->otel_state = NULL;

    if (n != 0) {
        ngx_eda_otel_dropped(emcf, NGX_EDA_OTEL_DROP_EXIT, n);
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "eda: %ui spans not exported at exit", n);
    }
}


static void
ngx_eda_otel_dropped(ngx_eda_main_conf_t *emcf, ngx_eda_otel_drop_e why,
    ngx_uint_t n)
{
    if (emcf->otel_hooks != NULL && n != 0) {
        emcf->otel_hooks->dropped(emcf, why, n);
    }
}


/* export trouble is logged once per interval, not once per span */

static void
ngx_eda_otel_warn(ngx_eda_otel_t *ox, const char *fmt, ngx_int_t arg)
{
    if (ngx_time() - ox->last_warn < NGX_EDA_OTEL_WARN_INTERVAL) {
        return;
    }

    ox->last_warn = ngx_time();

    ngx_log_error(NGX_LOG_WARN, ox->log, 0, fmt, arg);
}


void
ngx_eda_otel_attr(ngx_eda_span_t *span, const char *key, const void *value,
    size_t len)
{
    ngx_keyval_t  *kv;

    if (span->nattrs == NGX_EDA_SPAN_MAX_ATTRS) {
        return;
    }

    kv = &span->attrs[span->nattrs++];
    kv->key.data = (u_char *) key;
    kv->key.len = ngx_strlen(key);
    kv->value.data = (u_char *) value;
    kv->value.len = len;
}


void
ngx_eda_otel_error(ngx_eda_span_t *span, const char *message)
{
    span->error = 1;
    span->status_message.data = (u_char *) message;
    span->status_message.len = ngx_strlen(message);
}
