
/*
 * Copyright (C) ngx_eda authors
 *
 * The event stream (text/event-stream, Server-Sent Events) of
 * eda_subscribe: its 200 response, its events (the CloudEvent, or its
 * data alone, with the event's id and type) and its last event, each one
 * HTTP/1.1 chunk written by the module itself (ngx_eda_sse.c writes the
 * event).
 * The frames go through the same queue and writes as WebSocket frames.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_ce.h"
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
 * An event in the stream's encoding ENC: the CURSOR (or else its id) as
 * the event's id and,
 * for the data alone (eda_ws_format data), its type as the event's name.
 * A stream carries only text: DATA that is not TEXT goes in base64.  A new
 * frame with one reference, or NULL.
 */

ngx_http_eda_ws_frame_t *
ngx_http_eda_sse_event(ngx_uint_t enc, ngx_eda_ce_event_t *ev,
    ngx_str_t *data, ngx_uint_t text, ngx_str_t *cursor)
{
    ngx_str_t                 b64, *out;
    const ngx_eda_ce_str_t   *id, *type;
    ngx_http_eda_ws_frame_t  *frame;

    b64.data = NULL;
    out = data;

    if (!text) {
        b64.len = ngx_base64_encoded_length(data->len);
        b64.data = ngx_alloc(b64.len, ngx_cycle->log);
        if (b64.data == NULL) {
            return NULL;
        }

        ngx_encode_base64(&b64, data);
        out = &b64;
    }

    id = ngx_eda_ce_get(ev, "id", 2);
    type = (enc == NGX_HTTP_EDA_ENC_SSE_DATA)
           ? ngx_eda_ce_get(ev, "type", 4) : NULL;

    frame = ngx_http_eda_sse_frame(cursor ? cursor->data
                                   : id ? (u_char *) id->data : NULL,
                                   cursor ? cursor->len : id ? id->len : 0,
                                   type ? type->data : NULL,
                                   out->data, out->len, 0);
    if (b64.data != NULL) {
        ngx_free(b64.data);
    }

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
