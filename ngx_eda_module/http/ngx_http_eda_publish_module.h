
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_PUBLISH_MODULE_H_INCLUDED_
#define _NGX_HTTP_EDA_PUBLISH_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_request.h"


extern ngx_module_t  ngx_http_eda_publish_module;


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
 * The Kafka record of an event by the location's eda_ce_mode,
 * eda_kafka_key and eda_kafka_header settings; msg->topic is the
 * location's eda_publish topic (NULL without one): set it after the call.
 * Memory from r->pool.
 */
ngx_int_t ngx_http_eda_event_message(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_eda_kafka_msg_t *msg);


#endif /* _NGX_HTTP_EDA_PUBLISH_MODULE_H_INCLUDED_ */
