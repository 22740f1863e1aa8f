
/*
 * Copyright (C) ngx_eda authors
 *
 * Error responses of every ngx_eda location: RFC 9457 problem details in
 * JSON, with the type "about:blank" and the status's reason phrase as the
 * title, so a client needs nothing but the status to understand them.
 * Also the one way the locations send a small body of their own.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_problem.h"


static ngx_int_t ngx_http_eda_problem_allow(ngx_http_request_t *r,
    ngx_uint_t status, const char *detail, time_t retry_after,
    const char *allow);
static ngx_str_t ngx_http_eda_problem_title(ngx_uint_t status);


ngx_int_t
ngx_http_eda_problem_send(ngx_http_request_t *r, ngx_http_eda_problem_t *p)
{
    size_t            len;
    u_char           *pos;
    ngx_buf_t        *b;
    ngx_str_t         title;
    ngx_table_elt_t  *h;

    title = ngx_http_eda_problem_title(p->status);

    len = sizeof("{\"type\":\"about:blank\",\"title\":\"\",\"status\":,"
                 "\"detail\":\"\"}\n") - 1
          + title.len + NGX_INT_T_LEN
          + p->detail.len + ngx_escape_json(NULL, p->detail.data,
                                            p->detail.len);

    if (p->attribute.len) {
        len += sizeof(",\"attribute\":\"\"") - 1 + p->attribute.len
               + ngx_escape_json(NULL, p->attribute.data, p->attribute.len);
    }

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pos = ngx_sprintf(b->last, "{\"type\":\"about:blank\",\"title\":\"%V\","
                      "\"status\":%ui,\"detail\":\"", &title, p->status);
    pos = (u_char *) ngx_escape_json(pos, p->detail.data, p->detail.len);
    *pos++ = '"';

    if (p->attribute.len) {
        pos = ngx_cpymem(pos, ",\"attribute\":\"",
                         sizeof(",\"attribute\":\"") - 1);
        pos = (u_char *) ngx_escape_json(pos, p->attribute.data,
                                         p->attribute.len);
        *pos++ = '"';
    }

    *pos++ = '}';
    *pos++ = '\n';
    b->last = pos;

    if (p->retry_after) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Retry-After");

        h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
        if (h->value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->value.len = ngx_sprintf(h->value.data, "%T", p->retry_after)
                       - h->value.data;
    }

    if (p->allow != NULL) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        h->value.data = (u_char *) p->allow;
        h->value.len = ngx_strlen(p->allow);
    }

    /* the status must be reported as sent, not as an nginx error page */
    r->err_status = 0;

    return ngx_http_eda_send(r, p->status, "application/problem+json", b);
}


ngx_int_t
ngx_http_eda_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_eda_problem(ngx_http_request_t *r, ngx_uint_t status,
    const char *detail, time_t retry_after)
{
    return ngx_http_eda_problem_allow(r, status, detail, retry_after, NULL);
}


ngx_int_t
ngx_http_eda_not_allowed(ngx_http_request_t *r, const char *allow,
    const char *detail)
{
    return ngx_http_eda_problem_allow(r, NGX_HTTP_NOT_ALLOWED, detail, 0,
                                      allow);
}


static ngx_int_t
ngx_http_eda_problem_allow(ngx_http_request_t *r, ngx_uint_t status,
    const char *detail, time_t retry_after, const char *allow)
{
    ngx_http_eda_problem_t  pb;

    ngx_memzero(&pb, sizeof(ngx_http_eda_problem_t));

    pb.status = status;
    pb.detail.data = (u_char *) detail;
    pb.detail.len = ngx_strlen(detail);
    pb.retry_after = retry_after;
    pb.allow = allow;

    if (r->request_body == NULL
        && ngx_http_discard_request_body(r) != NGX_OK)
    {
        r->keepalive = 0;
    }

    return ngx_http_eda_problem_send(r, &pb);
}


static ngx_str_t
ngx_http_eda_problem_title(ngx_uint_t status)
{
    ngx_str_t  t;

    switch (status) {
    case NGX_HTTP_BAD_REQUEST:
        ngx_str_set(&t, "Bad Request");
        break;
    case NGX_HTTP_UNAUTHORIZED:
        ngx_str_set(&t, "Unauthorized");
        break;
    case NGX_HTTP_FORBIDDEN:
        ngx_str_set(&t, "Forbidden");
        break;
    case NGX_HTTP_NOT_FOUND:
        ngx_str_set(&t, "Not Found");
        break;
    case NGX_HTTP_NOT_ALLOWED:
        ngx_str_set(&t, "Method Not Allowed");
        break;
    case NGX_HTTP_CONFLICT:
        ngx_str_set(&t, "Conflict");
        break;
    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        ngx_str_set(&t, "Content Too Large");
        break;
    case NGX_HTTP_UNSUPPORTED_MEDIA_TYPE:
        ngx_str_set(&t, "Unsupported Media Type");
        break;
    case 426:
        ngx_str_set(&t, "Upgrade Required");
        break;
    case NGX_HTTP_BAD_GATEWAY:
        ngx_str_set(&t, "Bad Gateway");
        break;
    case NGX_HTTP_SERVICE_UNAVAILABLE:
        ngx_str_set(&t, "Service Unavailable");
        break;
    case NGX_HTTP_GATEWAY_TIME_OUT:
        ngx_str_set(&t, "Gateway Timeout");
        break;
    default:
        ngx_str_set(&t, "Internal Server Error");
        break;
    }

    return t;
}
