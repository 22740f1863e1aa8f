
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_EVENT_H_INCLUDED_
#define _NGX_HTTP_EDA_EVENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_http_eda_problem.h"


/*
 * For other producers of events (the response tap): the event the
 * location's eda_ce_* settings describe for request r, without data (the
 * caller sets ev->data and, if it wants, datacontenttype, then validates
 * with ngx_eda_ce_validate()).  NGX_OK, NGX_DECLINED with pb set, or
 * NGX_ERROR.
 */
ngx_int_t ngx_http_eda_event_from_conf(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);

/*
 * The same for an event a client sent (CLIENT: its attributes and data):
 * an attribute the location configures is the location's (the client's
 * value is ignored); any other is the client's where
 * eda_ce_client_attributes allows it, else the gateway's default.  The
 * reserved names (ngx_http_eda_event_reserved()) are never taken from
 * the client as extensions.  EV gets no data.
 */
ngx_int_t ngx_http_eda_event_build(ngx_http_request_t *r,
    ngx_eda_ce_event_t *client, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb);

/*
 * The Kafka record of an event by the location's eda_ce_mode,
 * eda_kafka_key and eda_kafka_header settings; msg->topic is left as it
 * is: the caller sets it.  Memory from r->pool.
 */
ngx_int_t ngx_http_eda_event_message(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_eda_kafka_msg_t *msg);


#endif /* _NGX_HTTP_EDA_EVENT_H_INCLUDED_ */
