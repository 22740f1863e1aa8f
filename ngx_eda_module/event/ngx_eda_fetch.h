
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_FETCH_H_INCLUDED_
#define _NGX_EDA_FETCH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>


/*
 * One GET of a small document over http:// or https://, driven by the
 * event loop: connect, TLS handshake (SNI, the certificate verified
 * against trusted certificates and the host name), an HTTP/1.0 request,
 * the answer read until the server closes, all within a timeout and a
 * size limit.  The address is resolved when the configuration is read.
 */


typedef struct {
    ngx_str_t               url;         /* as written */
    ngx_str_t               host;        /* SNI and the certificate check */
    ngx_str_t               authority;   /* the Host header */
    ngx_str_t               uri;
    ngx_addr_t              addr;
#if (NGX_SSL)
    ngx_ssl_t              *ssl;         /* NULL: http:// */
#endif
    ngx_msec_t              timeout;
    size_t                  max_size;    /* of the body */
} ngx_eda_fetch_conf_t;


/* STATUS and BODY when ERR is NULL; the body is the caller's until then */
typedef void (*ngx_eda_fetch_handler_pt)(void *data, ngx_int_t status,
    u_char *body, size_t len, const char *err);


/*
 * Parses URL into FC; with https, TRUSTED names a PEM file of trusted
 * certificates (empty: the system's).  Returns NULL or an error message.
 */
char *ngx_eda_fetch_conf(ngx_conf_t *cf, ngx_eda_fetch_conf_t *fc,
    ngx_str_t *url, ngx_str_t *trusted);

/* starts a fetch: NGX_OK (HANDLER will be called once) or NGX_ERROR */
ngx_int_t ngx_eda_fetch(ngx_eda_fetch_conf_t *fc, ngx_log_t *log,
    ngx_eda_fetch_handler_pt handler, void *data);


#endif /* _NGX_EDA_FETCH_H_INCLUDED_ */
