
/*
 * Copyright (C) ngx_eda authors
 *
 * A small GET client on the event loop, for documents the gateway needs
 * from elsewhere (an identity provider's keys).  One exchange per call,
 * HTTP/1.0 so that the answer ends with the connection and never comes
 * chunked; its parsing is ngx_eda_http_answer (core, fuzzed).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>

#include "ngx_eda_fetch.h"
#include "ngx_eda_http_answer.h"


#define NGX_EDA_FETCH_HEAD_ROOM  8192    /* status line and headers */


typedef struct {
    ngx_eda_fetch_conf_t     *conf;
    ngx_eda_fetch_handler_pt  handler;
    void                     *data;
    ngx_peer_connection_t     peer;
    ngx_log_t                 peer_log;
    ngx_log_t                *log;
    ngx_event_t               deadline;
    u_char                   *req;
    size_t                    req_len;
    size_t                    sent;
    u_char                   *buf;
    size_t                    len;
    size_t                    size;
    unsigned                  tls_done:1;
} ngx_eda_fetch_t;


static void ngx_eda_fetch_connected(ngx_event_t *wev);
#if (NGX_SSL)
static void ngx_eda_fetch_handshaked(ngx_connection_t *c);
static ngx_int_t ngx_eda_fetch_check_host(ngx_connection_t *c,
    ngx_str_t *host);
#endif
static void ngx_eda_fetch_write(ngx_event_t *wev);
static void ngx_eda_fetch_read(ngx_event_t *rev);
static void ngx_eda_fetch_timeout(ngx_event_t *ev);
static void ngx_eda_fetch_end(ngx_eda_fetch_t *f, const char *err);


char *
ngx_eda_fetch_conf(ngx_conf_t *cf, ngx_eda_fetch_conf_t *fc, ngx_str_t *url,
    ngx_str_t *trusted)
{
    size_t               skip;
    ngx_url_t            u;
    ngx_uint_t           https;
#if (NGX_SSL)
    ngx_pool_cleanup_t  *cln;
#endif

    if (url->len > 8
        && ngx_strncasecmp(url->data, (u_char *) "https://", 8) == 0)
    {
        https = 1;
        skip = 8;

    } else if (url->len > 7
               && ngx_strncasecmp(url->data, (u_char *) "http://", 7) == 0)
    {
        https = 0;
        skip = 7;

    } else {
        return "the URL must start with https:// or http://";
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url.data = url->data + skip;
    u.url.len = url->len - skip;
    u.default_port = https ? 443 : 80;
    u.uri_part = 1;

    if (u.url.data[0] == '/'
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

    fc->url = *url;
    fc->addr = u.addrs[0];
    fc->host = u.host;
    fc->authority.data = u.url.data;
    fc->authority.len = (u.uri.len ? u.uri.data : u.url.data + u.url.len)
                        - u.url.data;

    if (u.uri.len == 0) {
        ngx_str_set(&fc->uri, "/");

    } else if (u.uri.data[0] != '/') {
        return "the path must start with /";

    } else {
        fc->uri = u.uri;
    }

    if (!https) {
        return NULL;
    }

#if (NGX_SSL)

    fc->ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (fc->ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    fc->ssl->log = cf->log;

    if (ngx_ssl_create(fc->ssl, NGX_SSL_TLSv1_2 | NGX_SSL_TLSv1_3, NULL)
        != NGX_OK)
    {
        return "cannot create a TLS context";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(fc->ssl);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = fc->ssl;

    if (ngx_ssl_trusted_certificate(cf, fc->ssl, trusted, 8) != NGX_OK) {
        return "cannot load the trusted certificates";
    }

    if (trusted->len == 0
        && SSL_CTX_set_default_verify_paths(fc->ssl->ctx) != 1)
    {
        return "cannot load the system's trusted certificates";
    }

    return NULL;

#else

    return "https needs nginx built with OpenSSL";

#endif
}


ngx_int_t
ngx_eda_fetch(ngx_eda_fetch_conf_t *fc, ngx_log_t *log,
    ngx_eda_fetch_handler_pt handler, void *data)
{
    ngx_int_t          rc;
    ngx_eda_fetch_t   *f;
    ngx_connection_t  *c;

    f = ngx_calloc(sizeof(ngx_eda_fetch_t), log);
    if (f == NULL) {
        return NGX_ERROR;
    }

    f->conf = fc;
    f->handler = handler;
    f->data = data;
    f->log = log;
    f->size = fc->max_size + NGX_EDA_FETCH_HEAD_ROOM;

    f->req_len = sizeof("GET  HTTP/1.0" CRLF "Host: " CRLF
                        "User-Agent: ngx_eda" CRLF
                        "Accept: application/json" CRLF
                        "Connection: close" CRLF CRLF) - 1
                 + fc->uri.len + fc->authority.len;

    f->req = ngx_alloc(f->req_len, log);
    f->buf = ngx_alloc(f->size, log);

    if (f->req == NULL || f->buf == NULL) {
        ngx_free(f->req);
        ngx_free(f->buf);
        ngx_free(f);
        return NGX_ERROR;
    }

    (void) ngx_sprintf(f->req, "GET %V HTTP/1.0" CRLF "Host: %V" CRLF
                       "User-Agent: ngx_eda" CRLF
                       "Accept: application/json" CRLF
                       "Connection: close" CRLF CRLF,
                       &fc->uri, &fc->authority);

    /* nginx's own connect errors stay quiet: the caller says what failed */
    f->peer_log = *log;
    f->peer_log.log_level = NGX_LOG_EMERG;

    f->deadline.handler = ngx_eda_fetch_timeout;
    f->deadline.data = f;
    f->deadline.log = log;
    f->deadline.cancelable = 1;

    f->peer.sockaddr = fc->addr.sockaddr;
    f->peer.socklen = fc->addr.socklen;
    f->peer.name = &fc->url;
    f->peer.get = ngx_event_get_peer;
    f->peer.log = &f->peer_log;
    f->peer.log_error = NGX_ERROR_ERR;

    ngx_add_timer(&f->deadline, fc->timeout);

    rc = ngx_event_connect_peer(&f->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        /* the handler learns it from the event loop, not from this call */
        f->peer.connection = NULL;
        ngx_del_timer(&f->deadline);
        ngx_add_timer(&f->deadline, 1);
        f->tls_done = 1;
        f->len = (size_t) -1;
        return NGX_OK;
    }

    c = f->peer.connection;
    c->data = f;
    c->log = log;

    /* what TLS allocates for the connection */
    c->pool = ngx_create_pool(1024, log);
    if (c->pool == NULL) {
        ngx_del_timer(&f->deadline);
        ngx_close_connection(c);
        ngx_free(f->req);
        ngx_free(f->buf);
        ngx_free(f);
        return NGX_ERROR;
    }

    c->read->log = log;
    c->write->log = log;
    c->read->handler = ngx_eda_fetch_read;
    c->write->handler = ngx_eda_fetch_connected;

    if (rc == NGX_OK) {
        ngx_eda_fetch_connected(c->write);
    }

    return NGX_OK;
}


static void
ngx_eda_fetch_connected(ngx_event_t *wev)
{
    ngx_connection_t  *c;
    ngx_eda_fetch_t   *f;
#if (NGX_SSL)
    ngx_int_t          rc;
    u_char             host[256];
#endif

    c = wev->data;
    f = c->data;

#if (NGX_SSL)

    if (f->conf->ssl != NULL && !f->tls_done) {

        if (ngx_ssl_create_connection(f->conf->ssl, c,
                                      NGX_SSL_BUFFER | NGX_SSL_CLIENT)
            != NGX_OK)
        {
            ngx_eda_fetch_end(f, "cannot start TLS");
            return;
        }

        if (f->conf->host.len < sizeof(host)
            && ngx_inet_addr(f->conf->host.data, f->conf->host.len)
               == INADDR_NONE)
        {
            (void) ngx_cpystrn(host, f->conf->host.data,
                               f->conf->host.len + 1);

            if (SSL_set_tlsext_host_name(c->ssl->connection, (char *) host)
                != 1)
            {
                ngx_eda_fetch_end(f, "cannot set the TLS server name");
                return;
            }
        }

        c->log->action = "in a TLS handshake with a key server";

        rc = ngx_ssl_handshake(c);

        if (rc == NGX_AGAIN) {
            c->ssl->handler = ngx_eda_fetch_handshaked;
            return;
        }

        ngx_eda_fetch_handshaked(c);
        return;
    }

#endif

    f->tls_done = 1;
    c->write->handler = ngx_eda_fetch_write;
    ngx_eda_fetch_write(c->write);
}


#if (NGX_SSL)

static void
ngx_eda_fetch_handshaked(ngx_connection_t *c)
{
    long              rc;
    ngx_eda_fetch_t  *f;

    f = c->data;

    if (!c->ssl->handshaked) {
        ngx_eda_fetch_end(f, "the TLS handshake failed");
        return;
    }

    rc = SSL_get_verify_result(c->ssl->connection);

    if (rc != X509_V_OK) {
        ngx_log_error(NGX_LOG_ERR, f->log, 0,
                      "eda: the certificate of \"%V\" is not trusted: "
                      "(%l:%s)", &f->conf->url, rc,
                      X509_verify_cert_error_string(rc));
        ngx_eda_fetch_end(f, "the server's certificate is not trusted");
        return;
    }

    if (ngx_eda_fetch_check_host(c, &f->conf->host) != NGX_OK) {
        ngx_eda_fetch_end(f, "the server's certificate is for another "
                             "host");
        return;
    }

    f->tls_done = 1;
    c->read->handler = ngx_eda_fetch_read;
    c->write->handler = ngx_eda_fetch_write;

    ngx_eda_fetch_write(c->write);
}


/* a name as nginx checks it; an address literal against IP entries */

static ngx_int_t
ngx_eda_fetch_check_host(ngx_connection_t *c, ngx_str_t *host)
{
    int      ok;
    X509    *cert;
    u_char   ip[NGX_INET_ADDRSTRLEN + 1];

    if (host->len >= sizeof(ip)
        || ngx_inet_addr(host->data, host->len) == INADDR_NONE)
    {
        return ngx_ssl_check_host(c, host);
    }

    cert = SSL_get_peer_certificate(c->ssl->connection);
    if (cert == NULL) {
        return NGX_ERROR;
    }

    (void) ngx_cpystrn(ip, host->data, host->len + 1);

    ok = X509_check_ip_asc(cert, (char *) ip, 0);
    X509_free(cert);

    return ok == 1 ? NGX_OK : NGX_ERROR;
}

#endif


static void
ngx_eda_fetch_write(ngx_event_t *wev)
{
    ssize_t            n;
    ngx_connection_t  *c;
    ngx_eda_fetch_t   *f;

    c = wev->data;
    f = c->data;

    while (f->sent < f->req_len) {
        n = c->send(c, f->req + f->sent, f->req_len - f->sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_eda_fetch_end(f, "cannot send the request");
            }

            return;
        }

        if (n <= 0) {
            ngx_eda_fetch_end(f, "cannot send the request");
            return;
        }

        f->sent += n;
    }

    ngx_eda_fetch_read(c->read);
}


static void
ngx_eda_fetch_read(ngx_event_t *rev)
{
    int                status;
    size_t             body_len;
    ssize_t            n;
    const char        *body, *err;
    ngx_connection_t  *c;
    ngx_eda_fetch_t   *f;

    c = rev->data;
    f = c->data;

    if (!f->tls_done || f->sent < f->req_len) {
        return;
    }

    for ( ;; ) {
        if (f->len == f->size) {
            ngx_eda_fetch_end(f, "the answer is larger than max_size");
            return;
        }

        n = c->recv(c, f->buf + f->len, f->size - f->len);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_eda_fetch_end(f, "cannot read the answer");
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_eda_fetch_end(f, "cannot read the answer");
            return;
        }

        if (n == 0) {
            break;
        }

        f->len += n;
    }

    if (ngx_eda_http_answer((const char *) f->buf, f->len, &status, &body,
                            &body_len, &err)
        != 0)
    {
        ngx_eda_fetch_end(f, err);
        return;
    }

    if (body_len > f->conf->max_size) {
        ngx_eda_fetch_end(f, "the answer is larger than max_size");
        return;
    }

    /* the body to the front of the buffer, for the handler */
    ngx_memmove(f->buf, body, body_len);
    f->len = body_len;

    ngx_del_timer(&f->deadline);

    f->handler(f->data, status, f->buf, f->len, NULL);

    f->handler = NULL;
    ngx_eda_fetch_end(f, NULL);
}


static void
ngx_eda_fetch_timeout(ngx_event_t *ev)
{
    ngx_eda_fetch_t  *f = ev->data;

    if (f->len == (size_t) -1) {
        /* the connect failed when the fetch started */
        ngx_eda_fetch_end(f, "cannot connect");
        return;
    }

    ngx_eda_fetch_end(f, "timed out");
}


static void
ngx_eda_fetch_end(ngx_eda_fetch_t *f, const char *err)
{
    ngx_pool_t        *pool;
    ngx_connection_t  *c;

    if (f->deadline.timer_set) {
        ngx_del_timer(&f->deadline);
    }

    c = f->peer.connection;

    if (c != NULL) {
#if (NGX_SSL)
        if (c->ssl != NULL) {
            c->ssl->no_wait_shutdown = 1;
            (void) ngx_ssl_shutdown(c);
        }
#endif
        pool = c->pool;
        ngx_close_connection(c);
        f->peer.connection = NULL;

        if (pool != NULL) {
            ngx_destroy_pool(pool);
        }
    }

    if (f->handler != NULL) {
        f->handler(f->data, 0, NULL, 0, err);
    }

    ngx_free(f->req);
    ngx_free(f->buf);
    ngx_free(f);
}
