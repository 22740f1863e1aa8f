
/*
 * Copyright (C) ngx_eda authors
 *
 * The event stream (text/event-stream, Server-Sent Events) of
 * eda_subscribe: its 200 response, and its events, each one HTTP/1.1
 * chunk written by the module itself (ngx_eda_sse.c writes the event).
 * The frames go through the same queue and writes as WebSocket frames.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_sse.h"
#include "ngx_eda_ws_codec.h"
#include "ngx_http_eda_subscribe.h"


/*
 * 200 text/event-stream, in chunks the module writes itself: no filter
 * may change the body (gzip is turned off for it), no proxy in front may
 * buffer it (X-Accel-Buffering), no cache may keep it.
 */

ngx_int_t
ngx_http_eda_sse_header(ngx_http_request_t *r)
{
    if (ngx_http_eda_sub_header(r, "Cache-Control", "no-cache", 8) != NGX_OK
        || ngx_http_eda_sub_header(r, "X-Accel-Buffering", "no", 2)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    ngx_str_set(&r->headers_out.content_type, "text/event-stream");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    r->gzip_tested = 1;
    r->gzip_ok = 0;

    if (ngx_http_send_header(r) == NGX_ERROR || !r->chunked) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * One SSE event in one HTTP/1.1 chunk (the module writes the chunked
 * encoding itself); LAST adds the chunk that ends the response.  NAME is
 * NUL-terminated or NULL.  A new frame with one reference, or NULL.
 */

ngx_http_eda_ws_frame_t *
ngx_http_eda_sse_frame(const u_char *id, size_t id_len, const char *name,
    const u_char *data, size_t len, ngx_uint_t last)
{
    u_char                   *p;
    size_t                    n, name_len;
    ngx_http_eda_ws_frame_t  *frame;

    name_len = name ? ngx_strlen(name) : 0;

    n = ngx_eda_sse_event(NULL, id, id_len, (u_char *) name, name_len, data,
                          len);

    frame = ngx_alloc(sizeof(ngx_http_eda_ws_frame_t) + NGX_OFF_T_LEN + 2
                      + n + 2 + sizeof("0\r\n\r\n") - 1, ngx_cycle->log);
    if (frame == NULL) {
        return NULL;
    }

    p = ngx_sprintf(frame->data, "%xz\r\n", n);
    p += ngx_eda_sse_event(p, id, id_len, (u_char *) name, name_len, data,
                           len);
    *p++ = CR;
    *p++ = LF;

    if (last) {
        p = ngx_cpymem(p, "0\r\n\r\n", 5);
    }

    frame->refs = 1;
    frame->len = p - frame->data;

    return frame;
}


/*
 * An event stream has no close frame: a last event named eda.close says
 * why (the WebSocket close code and reason as JSON), then the stream ends
 * (and a browser's EventSource reconnects).
 */

ngx_http_eda_ws_frame_t *
ngx_http_eda_sse_close(unsigned int code, const char *reason)
{
    u_char  *p, buf[NGX_EDA_WS_MAX_REASON * 6 + 64];
    size_t   len;

    len = ngx_strlen(reason);

    if (len > NGX_EDA_WS_MAX_REASON) {
        len = NGX_EDA_WS_MAX_REASON;
    }

    p = ngx_sprintf(buf, "{\"code\":%ui,\"reason\":\"", code);
    p = (u_char *) ngx_escape_json(p, (u_char *) reason, len);
    p = ngx_cpymem(p, "\"}", 2);

    return ngx_http_eda_sse_frame(NULL, 0, "eda.close", buf, p - buf, 1);
}
