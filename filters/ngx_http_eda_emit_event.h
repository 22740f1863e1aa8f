
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_EMIT_EVENT_H_INCLUDED_
#define _NGX_HTTP_EDA_EMIT_EVENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_emit_filter_module.h"


/*
 * The event of the complete response CTX describes, queued to elcf->topic
 * without waiting: ctx->state becomes queued, or failed (see
 * ngx_http_eda_emit_fail()).
 */
void ngx_http_eda_emit(ngx_http_request_t *r, ngx_http_eda_emit_ctx_t *ctx,
    ngx_http_eda_emit_loc_conf_t *elcf);


#endif /* _NGX_HTTP_EDA_EMIT_EVENT_H_INCLUDED_ */
