
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_emit's copy of the response body: the buffers going to the client
 * are copied on the side, from memory or read back from their file, up to
 * eda_emit_max_body.  A body that cannot be copied whole is omitted.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_eda_emit_body.h"


/* the first allocation for a body of unknown length */
#define NGX_HTTP_EDA_EMIT_FIRST_BUF   4096


static ngx_int_t ngx_http_eda_emit_body_grow(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body, size_t n, size_t max);
static void ngx_http_eda_emit_body_read(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body, ngx_buf_t *b, size_t size);


ngx_int_t
ngx_http_eda_emit_body_add(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body, ngx_buf_t *b, size_t max)
{
    off_t  size;

    size = ngx_buf_size(b);

    if (size <= 0) {
        return NGX_OK;
    }

    body->received += size;

    if (body->omitted) {
        return NGX_OK;
    }

    if (body->received > (off_t) max) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "eda emit: body over %uz bytes (%O so far), "
                       "data omitted", max, body->received);
        ngx_http_eda_emit_body_omit(r, body);
        return NGX_OK;
    }

    if (!ngx_buf_in_memory(b) && (!b->in_file || b->file->directio)) {

        /*
         * directio needs aligned reads into aligned memory: such files
         * are large by design, so their body is not captured
         */

        ngx_http_eda_emit_body_omit(r, body);
        return NGX_OK;
    }

    if (ngx_http_eda_emit_body_grow(r, body, body->len + (size_t) size, max)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_buf_in_memory(b)) {
        ngx_memcpy(body->data + body->len, b->pos, (size_t) size);
        body->len += (size_t) size;
        return NGX_OK;
    }

    ngx_http_eda_emit_body_read(r, body, b, (size_t) size);

    return NGX_OK;
}


/*
 * Room for N bytes: the exact length when it is known, else doubling, at
 * most MAX.
 */

static ngx_int_t
ngx_http_eda_emit_body_grow(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body, size_t n, size_t max)
{
    u_char  *p;

    if (n <= body->size) {
        return NGX_OK;
    }

    if (body->expected >= (off_t) n) {
        n = (size_t) body->expected;

    } else {
        n = ngx_max(n, 2 * body->size);
        n = ngx_max(n, NGX_HTTP_EDA_EMIT_FIRST_BUF);
        n = ngx_min(n, max);
    }

    p = ngx_pnalloc(r->pool, n);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (body->len) {
        ngx_memcpy(p, body->data, body->len);
    }

    if (body->data != NULL) {
        (void) ngx_pfree(r->pool, body->data);
    }

    body->data = p;
    body->size = n;

    return NGX_OK;
}


/*
 * A buffer in a file (a proxy temporary file, a static file): a read of at
 * most eda_emit_max_body bytes from a file nginx itself is about to send,
 * as the copy filter does without aio.  The file's offset is left as it
 * was for the other readers of the same file.
 */

static void
ngx_http_eda_emit_body_read(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body, ngx_buf_t *b, size_t size)
{
    off_t    offset;
    ssize_t  rd;

    offset = b->file->offset;

    rd = ngx_read_file(b->file, body->data + body->len, size, b->file_pos);

    b->file->offset = offset;

    if (rd != (ssize_t) size) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "eda: reading the response from \"%V\" for "
                      "eda_emit failed, data omitted", &b->file->name);
        ngx_http_eda_emit_body_omit(r, body);
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "eda emit: %uz bytes read from \"%V\"", size,
                   &b->file->name);

    body->len += size;
}


/*
 * A body that cannot be captured whole is left out of the event entirely
 * (and flagged), never cut: a consumer would otherwise parse half a
 * document as if it were the response.
 */

void
ngx_http_eda_emit_body_omit(ngx_http_request_t *r,
    ngx_http_eda_emit_body_t *body)
{
    if (body->data != NULL) {
        (void) ngx_pfree(r->pool, body->data);
    }

    body->omitted = 1;
    body->data = NULL;
    body->len = 0;
    body->size = 0;
}
