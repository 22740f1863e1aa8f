
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_DESCRIBE_H_INCLUDED_
#define _NGX_HTTP_EDA_DESCRIBE_H_INCLUDED_


/*
 * What the modules say of a location's merged configuration, for
 * eda_asyncapi (http/asyncapi/), at configuration time: the plain
 * description of core/ngx_eda_asyncapi.h, its strings NUL-terminated
 * copies in cf->pool.  eda_subscribe and eda_jwt describe their own
 * settings (ngx_http_eda_subscribe_describe.h, ngx_http_eda_jwt_describe.h)
 * with the helpers here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_asyncapi.h"


/* S as a NUL-terminated string in cf->pool, or NULL without memory */
const char *ngx_http_eda_describe_str(ngx_conf_t *cf, ngx_str_t *s);

/* CV (NULL: not configured) as a literal or a template */
ngx_int_t ngx_http_eda_describe_value(ngx_conf_t *cf,
    ngx_http_complex_value_t *cv, ngx_eda_aa_value_t *v);

/*
 * The location's eda_ce_* and eda_kafka_key settings in EV, and its
 * eda_publish topic in *TOPIC (NULL: none)
 */
ngx_int_t ngx_http_eda_describe_event(ngx_conf_t *cf, void **loc_conf,
    ngx_eda_aa_event_t *ev, const char **topic);

/*
 * The location's eda_saga in *NAME (NULL: none), and the definitions
 * of eda_saga_definitions in *DEFS (NULL: none)
 */
ngx_int_t ngx_http_eda_describe_saga(ngx_conf_t *cf, void **loc_conf,
    const char **name, const ngx_eda_saga_defs_t **defs);


#endif /* _NGX_HTTP_EDA_DESCRIBE_H_INCLUDED_ */
