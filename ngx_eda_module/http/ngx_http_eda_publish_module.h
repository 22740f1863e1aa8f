
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_PUBLISH_MODULE_H_INCLUDED_
#define _NGX_HTTP_EDA_PUBLISH_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_event_conf.h"


extern ngx_module_t  ngx_http_eda_publish_module;


/*
 * The event settings of request r's location: the eda_ce_* and
 * eda_kafka_* directives belong to this module, so they live in its
 * location configuration.
 */
ngx_http_eda_event_conf_t *ngx_http_eda_publish_event_conf(
    ngx_http_request_t *r);

/*
 * The same for a location's merged configuration LOC_CONF (clcf->loc_conf),
 * at configuration time; its eda_publish topic in TOPIC (empty: none).
 */
ngx_http_eda_event_conf_t *ngx_http_eda_publish_loc_event(void **loc_conf,
    ngx_str_t *topic);


#endif /* _NGX_HTTP_EDA_PUBLISH_MODULE_H_INCLUDED_ */
