
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_CLIENT_EVENT_H_INCLUDED_
#define _NGX_HTTP_EDA_CLIENT_EVENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_http_eda_problem.h"


/*
 * The event request r sent with BODY, by the CloudEvents HTTP binding:
 * structured mode (application/cloudevents+json) is the JSON event,
 * binary mode (a ce-specversion header) has its attributes in ce-*
 * headers, and any other request is data only.  *client is in r->pool;
 * a structured event also sets *parsed, which holds its strings: the
 * caller frees it with ngx_eda_ce_parsed_free(), whatever the result.
 * NGX_OK, NGX_DECLINED with pb set, or NGX_ERROR.
 */
ngx_int_t ngx_http_eda_client_event(ngx_http_request_t *r, ngx_str_t *body,
    ngx_eda_ce_event_t **client, ngx_eda_ce_parsed_t **parsed,
    ngx_http_eda_problem_t *pb);


#endif /* _NGX_HTTP_EDA_CLIENT_EVENT_H_INCLUDED_ */
