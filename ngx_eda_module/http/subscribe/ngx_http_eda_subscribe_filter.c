
/*
 * Copyright (C) ngx_eda authors
 *
 * Which events a subscriber gets: the location's eda_subscribe_filter
 * values are evaluated at the handshake (they may hold variables, such as
 * the token's subject), the client's query arguments narrow them, and
 * each event of the location's topics is matched by the nginx-free core
 * (ngx_eda_filter.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_filter.h"
#include "ngx_http_eda_subscribe.h"


static ngx_int_t ngx_http_eda_ws_client_filter(ngx_http_request_t *r,
    ngx_http_eda_ws_ctx_t *ctx, const ngx_eda_filter_arg_t *arg);


/*
 * The server's filters (values may come from the request, such as the
 * token's subject; an empty one fails closed), then the client's narrowing
 * from query arguments.
 */

ngx_int_t
ngx_http_eda_ws_filters(ngx_http_request_t *r, ngx_http_eda_ws_ctx_t *ctx)
{
    ngx_str_t                        value;
    ngx_uint_t                       i;
    ngx_eda_filter_t                *f;
    const ngx_eda_filter_arg_t      *arg;
    ngx_http_eda_sub_filter_conf_t  *fc;

    ctx->filters = ngx_array_create(r->pool, 4, sizeof(ngx_eda_filter_t));
    if (ctx->filters == NULL) {
        return NGX_ERROR;
    }

    if (ctx->conf->filters != NULL) {
        fc = ctx->conf->filters->elts;

        for (i = 0; i < ctx->conf->filters->nelts; i++) {
            f = ngx_array_push(ctx->filters);
            if (f == NULL) {
                return NGX_ERROR;
            }

            f->attr = (const char *) fc[i].attr.data;
            f->attr_len = fc[i].attr.len;
            f->op = fc[i].op;

            if (ngx_http_complex_value(r, fc[i].value, &value) != NGX_OK) {
                return NGX_ERROR;
            }

            /* a missing claim is an empty value: it lets nothing through */

            f->value = (const char *) value.data;
            f->value_len = value.len;
            f->required = 1;
        }
    }

    for (arg = ngx_eda_filter_client_args; arg->arg != NULL; arg++) {
        if (ngx_http_eda_ws_client_filter(r, ctx, arg) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_ws_client_filter(ngx_http_request_t *r,
    ngx_http_eda_ws_ctx_t *ctx, const ngx_eda_filter_arg_t *arg)
{
    u_char            *dst, *src, *p;
    ngx_str_t          value;
    ngx_eda_filter_t  *f;

    if (ngx_http_arg(r, (u_char *) arg->arg, ngx_strlen(arg->arg), &value)
        != NGX_OK)
    {
        return NGX_OK;
    }

    f = ngx_array_push(ctx->filters);
    if (f == NULL) {
        return NGX_ERROR;
    }

    f->attr = arg->attr;
    f->attr_len = ngx_strlen(arg->attr);
    f->op = arg->op;

    p = ngx_pnalloc(r->pool, value.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    src = value.data;
    dst = p;
    ngx_unescape_uri(&dst, &src, value.len, 0);

    f->value = (const char *) p;
    f->value_len = dst - p;
    f->required = 0;

    return NGX_OK;
}


/* 1 if an event of TOPIC is for the connection: its topic, its filters */

ngx_uint_t
ngx_http_eda_sub_match(ngx_http_eda_ws_ctx_t *ctx, ngx_str_t *topic,
    ngx_eda_ce_event_t *ev, ngx_str_t *key)
{
    ngx_str_t   *t;
    ngx_uint_t   i;

    t = ctx->conf->topics->elts;

    for (i = 0; i < ctx->conf->topics->nelts; i++) {
        if (t[i].len == topic->len
            && ngx_strncmp(t[i].data, topic->data, topic->len) == 0)
        {
            return ngx_eda_filter_match(ctx->filters->elts,
                                        ctx->filters->nelts, ev,
                                        (const char *) key->data, key->len)
                   && ngx_http_eda_sio_match(ctx, ev, key);
        }
    }

    return 0;
}
