
/*
 * Copyright (C) ngx_eda authors
 *
 * The CloudEvent a client sends to eda_publish, read by the CloudEvents
 * HTTP binding: a JSON event in structured mode, ce-* headers and the
 * body in binary mode, or just the body of a plain request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_client_event.h"


static ngx_int_t ngx_http_eda_client_structured(ngx_http_request_t *r,
    ngx_str_t *body, ngx_eda_ce_parsed_t **parsed,
    ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_client_binary(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *ct, ngx_eda_ce_event_t *client,
    ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_client_attrs(ngx_http_request_t *r,
    ngx_eda_ce_event_t *client, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_client_attr(ngx_http_request_t *r,
    ngx_table_elt_t *h, ngx_eda_ce_event_t *client,
    ngx_http_eda_problem_t *pb);


ngx_int_t
ngx_http_eda_client_event(ngx_http_request_t *r, ngx_str_t *body,
    ngx_eda_ce_event_t **client, ngx_eda_ce_parsed_t **parsed,
    ngx_http_eda_problem_t *pb)
{
    ngx_int_t                rc;
    ngx_str_t               *ct;
    const ngx_eda_ce_str_t  *v;

    *parsed = NULL;

    ct = (r->headers_in.content_type != NULL)
         ? &r->headers_in.content_type->value : NULL;

    if (ct != NULL
        && ngx_http_eda_media_type_is(ct, "application/cloudevents+json",
                                 sizeof("application/cloudevents+json") - 1))
    {
        rc = ngx_http_eda_client_structured(r, body, parsed, pb);
        if (rc != NGX_OK) {
            return rc;
        }

        *client = &(*parsed)->event;

    } else {
        *client = ngx_palloc(r->pool, sizeof(ngx_eda_ce_event_t));
        if (*client == NULL) {
            return NGX_ERROR;
        }

        rc = ngx_http_eda_client_binary(r, body, ct, *client, pb);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    v = ngx_eda_ce_get(*client, "specversion", sizeof("specversion") - 1);

    if (v != NULL && !(v->len == 3 && ngx_strncmp(v->data, "1.0", 3) == 0)) {
        pb->status = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&pb->detail, "only CloudEvents 1.0 is supported");
        ngx_str_set(&pb->attribute, "specversion");
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_client_structured(ngx_http_request_t *r, ngx_str_t *body,
    ngx_eda_ce_parsed_t **parsed, ngx_http_eda_problem_t *pb)
{
    const char           *err;
    ngx_eda_ce_str_t      attr;
    ngx_eda_ce_parsed_t  *p;

    p = ngx_pcalloc(r->pool, sizeof(ngx_eda_ce_parsed_t));
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ngx_eda_ce_from_json((const char *) body->data, body->len, p, &err,
                             &attr)
        != 0)
    {
        pb->status = NGX_HTTP_BAD_REQUEST;
        pb->detail.data = (u_char *) err;
        pb->detail.len = ngx_strlen(err);
        pb->attribute.data = (u_char *) attr.data;
        pb->attribute.len = attr.data != NULL ? attr.len : 0;
        return NGX_DECLINED;
    }

    *parsed = p;

    return NGX_OK;
}


/* binary mode, or a plain request: the body is the data */

static ngx_int_t
ngx_http_eda_client_binary(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *ct, ngx_eda_ce_event_t *client, ngx_http_eda_problem_t *pb)
{
    /* an empty body is an event without data */

    client->nattrs = 0;
    client->data.data = body->len ? (const char *) body->data : NULL;
    client->data.len = body->len;

    if (ngx_http_eda_client_attrs(r, client, pb) != NGX_OK) {
        return pb->status ? NGX_DECLINED : NGX_ERROR;
    }

    if (ct != NULL && client->data.data != NULL) {
        if (ngx_eda_ce_set(client, "datacontenttype",
                           sizeof("datacontenttype") - 1,
                           (const char *) ct->data, ct->len)
            != 0)
        {
            pb->status = NGX_HTTP_BAD_REQUEST;
            ngx_str_set(&pb->detail, "too many attributes");
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/*
 * The attributes of a CloudEvent sent in HTTP binary mode: every "ce-"
 * header, percent-decoded as the HTTP binding requires.
 */

static ngx_int_t
ngx_http_eda_client_attrs(ngx_http_request_t *r, ngx_eda_ce_event_t *client,
    ngx_http_eda_problem_t *pb)
{
    ngx_int_t         rc;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (ngx_http_eda_find_header(r, "ce-specversion",
                                 sizeof("ce-specversion") - 1)
        == NULL)
    {
        /* a plain request: everything comes from the configuration */
        return NGX_OK;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len <= 3
            || ngx_strncasecmp(h[i].key.data, (u_char *) "ce-", 3) != 0)
        {
            continue;
        }

        rc = ngx_http_eda_client_attr(r, &h[i], client, pb);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    return NGX_OK;
}


/* one "ce-" header H as an attribute of CLIENT */

static ngx_int_t
ngx_http_eda_client_attr(ngx_http_request_t *r, ngx_table_elt_t *h,
    ngx_eda_ce_event_t *client, ngx_http_eda_problem_t *pb)
{
    long     n;
    size_t   len, j;
    u_char  *name, *value;

    len = h->key.len - 3;

    name = ngx_pnalloc(r->pool, len);
    if (name == NULL) {
        return NGX_ERROR;
    }

    for (j = 0; j < len; j++) {
        name[j] = ngx_tolower(h->key.data[j + 3]);
    }

    if (!ngx_eda_ce_valid_name((const char *) name, len)) {
        pb->status = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&pb->detail, "invalid attribute name: lower-case "
                    "letters and digits, at most 20");
        pb->attribute.data = name;
        pb->attribute.len = len;
        return NGX_DECLINED;
    }

    value = ngx_pnalloc(r->pool, h->value.len + 1);
    if (value == NULL) {
        return NGX_ERROR;
    }

    n = ngx_eda_ce_pct_decode((const char *) h->value.data, h->value.len,
                              (char *) value);
    if (n < 0) {
        pb->status = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&pb->detail, "invalid percent-encoding or UTF-8");
        pb->attribute.data = name;
        pb->attribute.len = len;
        return NGX_DECLINED;
    }

    if (ngx_eda_ce_get(client, (const char *) name, len) != NULL) {
        pb->status = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&pb->detail, "attribute given twice");
        pb->attribute.data = name;
        pb->attribute.len = len;
        return NGX_DECLINED;
    }

    if (ngx_eda_ce_set(client, (const char *) name, len,
                       (const char *) value, (size_t) n)
        != 0)
    {
        pb->status = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&pb->detail, "too many attributes");
        return NGX_DECLINED;
    }

    return NGX_OK;
}
