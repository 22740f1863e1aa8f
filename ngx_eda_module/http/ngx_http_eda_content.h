
/*
 * Copyright (C) ngx_eda authors
 *
 * Which handler answers a location's requests.  nginx lets the last
 * content directive of a location win (clcf->handler is set while it is
 * parsed), and every ingress controller writes a route's snippet before
 * its own proxy_pass.  So the content directives of ngx_eda do not set the
 * handler while parsed: they claim the location, and the claims are
 * applied once the whole http block is parsed and merged, after any
 * proxy_pass, fastcgi_pass, grpc_pass... of the same location (rewrite
 * directives such as return still run first, in their phase).
 */


#ifndef _NGX_HTTP_EDA_CONTENT_H_INCLUDED_
#define _NGX_HTTP_EDA_CONTENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* a claim: the location (and its server) a content directive takes */
typedef struct {
    ngx_http_core_srv_conf_t  *cscf;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_handler_pt        handler;
    ngx_str_t                  directive;
    ngx_str_t                  file;
    ngx_uint_t                 line;
} ngx_http_eda_content_t;


/*
 * Claims the current location for HANDLER in the name of the directive
 * CMD; one ngx_eda content directive per location ("nginx -t" names both
 * when there are two)
 */
char *ngx_http_eda_claim_content(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_http_handler_pt handler);

/* the postconfiguration step of ngx_eda_module: applies the claims */
ngx_int_t ngx_http_eda_apply_content(ngx_conf_t *cf);

/*
 * The claims of the http block, in the order of the configuration, or
 * NULL (eda_asyncapi reads each location's merged settings from them)
 */
ngx_array_t *ngx_http_eda_content_claims(ngx_conf_t *cf);


#endif /* _NGX_HTTP_EDA_CONTENT_H_INCLUDED_ */
