
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
 * A location's event settings.  eda_publish's module declares the
 * directives (with the handlers below) and keeps this in its location
 * configuration, so the settings inherit like any of its own.
 */
typedef struct {
    ngx_http_complex_value_t   *ce_type;
    ngx_http_complex_value_t   *ce_source;
    ngx_http_complex_value_t   *ce_subject;
    ngx_http_complex_value_t   *ce_id;
    ngx_http_complex_value_t   *ce_dataschema;
    ngx_array_t                *ce_extensions; /* NAME and complex value */
    ngx_uint_t                  ce_mode;
    ngx_uint_t                  client_attrs;
    ngx_http_complex_value_t   *kafka_key;
    ngx_array_t                *kafka_headers; /* NAME and complex value */
} ngx_http_eda_event_conf_t;


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
 * each attribute is the client's where eda_ce_client_attributes allows
 * it, else the location's, else the gateway's default.  EV gets no data.
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

/* the settings' create and merge steps, for the location configuration */
void ngx_http_eda_event_init_conf(ngx_http_eda_event_conf_t *conf);
void ngx_http_eda_event_merge_conf(ngx_http_eda_event_conf_t *prev,
    ngx_http_eda_event_conf_t *conf);

/*
 * Directive handlers; cmd->offset is where the field is in CONF:
 * eda_ce_mode, eda_ce_client_attributes, eda_ce_extension and
 * eda_kafka_header.
 */
char *ngx_http_eda_event_ce_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_eda_event_client_attributes(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_eda_event_extension(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_eda_event_kafka_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_EDA_EVENT_H_INCLUDED_ */
