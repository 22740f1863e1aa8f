
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_SUBSCRIBE_DESCRIBE_H_INCLUDED_
#define _NGX_HTTP_EDA_SUBSCRIBE_DESCRIBE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_asyncapi.h"


/*
 * An eda_subscribe location's merged settings (LOC_CONF is its
 * clcf->loc_conf), for eda_asyncapi: its topics, filters, format,
 * Socket.IO and eda_ws_publish topic in LOC
 */
ngx_int_t ngx_http_eda_subscribe_describe(ngx_conf_t *cf, void **loc_conf,
    ngx_eda_aa_location_t *loc);


#endif /* _NGX_HTTP_EDA_SUBSCRIBE_DESCRIBE_H_INCLUDED_ */
