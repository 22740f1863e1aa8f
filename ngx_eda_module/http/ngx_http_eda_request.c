
/*
 * Copyright (C) ngx_eda authors
 *
 * What the HTTP modules read from a request the same way: the body as one
 * string, a header by name, the media type of Content-Type.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_request.h"


ngx_int_t
ngx_http_eda_request_body(ngx_http_request_t *r, ngx_str_t *body)
{
    off_t         total;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    cl = r->request_body->bufs;

    body->data = NULL;
    body->len = 0;

    if (cl == NULL) {
        return NGX_OK;
    }

    if (cl->next == NULL && !cl->buf->in_file) {
        body->data = cl->buf->pos;
        body->len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    total = 0;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        total += ngx_buf_size(cl->buf);
    }

    body->data = ngx_pnalloc(r->pool, total ? total : 1);
    if (body->data == NULL) {
        return NGX_ERROR;
    }

    p = body->data;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                              b->file_pos);
            if (n != b->file_last - b->file_pos) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "eda: reading the request body from \"%V\" "
                              "failed", &b->file->name);
                return NGX_ERROR;
            }

            p += n;

        } else {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    body->len = p - body->data;

    return NGX_OK;
}


ngx_str_t *
ngx_http_eda_find_header(ngx_http_request_t *r, const char *name, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i].value;
        }
    }
}


ngx_uint_t
ngx_http_eda_media_type_is(ngx_str_t *ct, const char *type, size_t len)
{
    u_char  c;

    if (ct->len < len || ngx_strncasecmp(ct->data, (u_char *) type, len) != 0)
    {
        return 0;
    }

    if (ct->len == len) {
        return 1;
    }

    c = ct->data[len];

    return c == ';' || c == ' ' || c == '\t' || c == '+';
}
