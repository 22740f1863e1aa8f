
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_JWT_DESCRIBE_H_INCLUDED_
#define _NGX_HTTP_EDA_JWT_DESCRIBE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_asyncapi.h"


/*
 * A location's merged eda_jwt settings (LOC_CONF is its clcf->loc_conf),
 * for eda_asyncapi, in *JWT (NULL: eda_jwt off): the checks, never the
 * keys.
 */
ngx_int_t ngx_http_eda_jwt_describe(ngx_conf_t *cf, void **loc_conf,
    const ngx_eda_aa_jwt_t **jwt);


#endif /* _NGX_HTTP_EDA_JWT_DESCRIBE_H_INCLUDED_ */
