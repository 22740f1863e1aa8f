
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * RFC 6455 for the server side, without nginx: the accept key of the
 * opening handshake, a parser of client frames that takes the stream in
 * pieces of any size and hands whole messages and control frames to the
 * glue and the writer of unmasked server frames.  Only libc, libcrypto
 * (SHA-1 of the accept key) and the base64 and UTF-8 cores, so it is
 * unit-tested and fuzzed without nginx.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_ws_codec.h"


/* where the parser is in the stream */
#define NGX_EDA_WS_ST_HEAD       0      /* the first two header bytes */
#define NGX_EDA_WS_ST_LENGTH     1      /* a 16-bit or 64-bit length */
#define NGX_EDA_WS_ST_MASK       2      /* the masking key */
#define NGX_EDA_WS_ST_PAYLOAD    3
#define NGX_EDA_WS_ST_CLOSED     4      /* a close frame was delivered */
#define NGX_EDA_WS_ST_ERROR      5

#define NGX_EDA_WS_FIN           0x80
#define NGX_EDA_WS_RSV           0x70
#define NGX_EDA_WS_OPCODE        0x0f
#define NGX_EDA_WS_MASKED        0x80
#define NGX_EDA_WS_LEN7          0x7f

#define NGX_EDA_WS_LEN16         126
#define NGX_EDA_WS_LEN64         127

/* the first allocation of a message buffer */
#define NGX_EDA_WS_MIN_BUFFER    256

#define NGX_EDA_WS_GUID_LEN      36
#define NGX_EDA_WS_SHA1_LEN      20
#define NGX_EDA_WS_KEY_BYTES     16


static int ngx_eda_ws_header(ngx_eda_ws_parser_t *p);
static int ngx_eda_ws_first_bytes(ngx_eda_ws_parser_t *p);
static int ngx_eda_ws_length(ngx_eda_ws_parser_t *p);
static int ngx_eda_ws_check_length(ngx_eda_ws_parser_t *p);
static void ngx_eda_ws_start_payload(ngx_eda_ws_parser_t *p);
static int ngx_eda_ws_payload(ngx_eda_ws_parser_t *p,
    const unsigned char *in, size_t n);
static int ngx_eda_ws_reserve(ngx_eda_ws_parser_t *p, size_t need);
static int ngx_eda_ws_frame_done(ngx_eda_ws_parser_t *p,
    ngx_eda_ws_event_t *ev);
static int ngx_eda_ws_close_done(ngx_eda_ws_parser_t *p,
    ngx_eda_ws_event_t *ev);
static void ngx_eda_ws_next_frame(ngx_eda_ws_parser_t *p);
static void ngx_eda_ws_release_message(ngx_eda_ws_parser_t *p);
static int ngx_eda_ws_fail(ngx_eda_ws_parser_t *p, unsigned int code,
    const char *reason);
static int ngx_eda_ws_is_control(unsigned int opcode);
static size_t ngx_eda_ws_control_frame(unsigned char *out,
    unsigned int opcode, const unsigned char *data, size_t len);


static const char  ngx_eda_ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* what an event's data points to when there are no bytes */
static const unsigned char  ngx_eda_ws_empty[1];


int
ngx_eda_ws_accept_key(const char *key, size_t len, char *out)
{
    size_t          n;
    unsigned int    md_len;
    unsigned char   md[EVP_MAX_MD_SIZE];
    unsigned char   in[NGX_EDA_WS_KEY_LEN + NGX_EDA_WS_GUID_LEN];
    unsigned char   raw[ngx_eda_base64_decoded_max(NGX_EDA_WS_KEY_LEN)];

    /* exactly 16 bytes, in their one canonical encoding */
    if (len != NGX_EDA_WS_KEY_LEN
        || ngx_eda_base64_decode(key, len, raw, &n,
                                 NGX_EDA_BASE64_PADDED|NGX_EDA_BASE64_STRICT)
           != 0
        || n != NGX_EDA_WS_KEY_BYTES)
    {
        return -1;
    }

    memcpy(in, key, NGX_EDA_WS_KEY_LEN);
    memcpy(in + NGX_EDA_WS_KEY_LEN, ngx_eda_ws_guid, NGX_EDA_WS_GUID_LEN);

    if (EVP_Digest(in, sizeof(in), md, &md_len, EVP_sha1(), NULL) != 1
        || md_len != NGX_EDA_WS_SHA1_LEN)
    {
        return -1;
    }

    ngx_eda_base64_encode(md, NGX_EDA_WS_SHA1_LEN, out);

    return 0;
}


void
ngx_eda_ws_parser_init(ngx_eda_ws_parser_t *p, size_t max_message)
{
    memset(p, 0, sizeof(ngx_eda_ws_parser_t));

    p->max_message = max_message;
    p->state = NGX_EDA_WS_ST_HEAD;
    p->hdr_need = 2;
}


void
ngx_eda_ws_parser_destroy(ngx_eda_ws_parser_t *p)
{
    free(p->buf);

    p->buf = NULL;
    p->cap = 0;
    p->len = 0;
}


int
ngx_eda_ws_parse(ngx_eda_ws_parser_t *p, const unsigned char *buf,
    size_t len, size_t *consumed, ngx_eda_ws_event_t *ev)
{
    int       rc;
    size_t    pos, n;
    uint64_t  left;

    memset(ev, 0, sizeof(ngx_eda_ws_event_t));

    pos = 0;
    *consumed = 0;

    if (p->state == NGX_EDA_WS_ST_ERROR) {
        goto failed;
    }

    /* the message handed out by the last call is no longer referenced */
    if (p->delivered) {
        ngx_eda_ws_release_message(p);
    }

    for ( ;; ) {

        switch (p->state) {

        case NGX_EDA_WS_ST_CLOSED:
            *consumed = len;
            return NGX_EDA_WS_AGAIN;

        case NGX_EDA_WS_ST_PAYLOAD:
            left = p->frame_len - p->frame_got;
            n = len - pos;

            if ((uint64_t) n > left) {
                n = (size_t) left;
            }

            if (n > 0) {
                if (ngx_eda_ws_payload(p, buf + pos, n) != 0) {
                    *consumed = pos;
                    goto failed;
                }

                pos += n;
            }

            if (p->frame_got < p->frame_len) {
                *consumed = pos;
                return NGX_EDA_WS_AGAIN;
            }

            rc = ngx_eda_ws_frame_done(p, ev);

            if (rc == NGX_EDA_WS_AGAIN) {
                break;
            }

            *consumed = pos;

            if (rc == NGX_EDA_WS_ERROR) {
                goto failed;
            }

            return NGX_EDA_WS_EVENT;

        default:
            while (p->hdr_len < p->hdr_need && pos < len) {
                p->hdr[p->hdr_len++] = buf[pos++];
            }

            if (p->hdr_len < p->hdr_need) {
                *consumed = pos;
                return NGX_EDA_WS_AGAIN;
            }

            if (ngx_eda_ws_header(p) != 0) {
                *consumed = pos;
                goto failed;
            }

            break;
        }
    }

failed:

    memset(ev, 0, sizeof(ngx_eda_ws_event_t));

    ev->code = p->err_code;
    ev->reason = p->err_reason;

    return NGX_EDA_WS_ERROR;
}


int
ngx_eda_ws_close_code_valid(unsigned int code)
{
    return (code >= 1000 && code <= 1003)
           || (code >= 1007 && code <= 1014)
           || (code >= 3000 && code <= 4999);
}


size_t
ngx_eda_ws_frame_header(unsigned char *out, unsigned int opcode,
    unsigned int fin, uint64_t len)
{
    unsigned int  i;

    out[0] = (unsigned char) ((fin ? NGX_EDA_WS_FIN : 0)
                              | (opcode & NGX_EDA_WS_OPCODE));

    if (len < NGX_EDA_WS_LEN16) {
        out[1] = (unsigned char) len;
        return 2;
    }

    if (len <= 0xffff) {
        out[1] = NGX_EDA_WS_LEN16;
        out[2] = (unsigned char) (len >> 8);
        out[3] = (unsigned char) len;
        return 4;
    }

    out[1] = NGX_EDA_WS_LEN64;

    for (i = 0; i < 8; i++) {
        out[2 + i] = (unsigned char) (len >> (56 - 8 * i));
    }

    return NGX_EDA_WS_MAX_HEADER;
}


size_t
ngx_eda_ws_close_frame(unsigned char *out, unsigned int code,
    const char *reason, size_t len)
{
    size_t  n;

    out[0] = NGX_EDA_WS_FIN | NGX_EDA_WS_OP_CLOSE;

    if (code == 0) {
        out[1] = 0;
        return 2;
    }

    if (!ngx_eda_ws_close_code_valid(code)) {
        return 0;
    }

    n = ngx_eda_utf8_prefix((const unsigned char *) reason, len,
                               NGX_EDA_WS_MAX_REASON);

    out[1] = (unsigned char) (2 + n);
    out[2] = (unsigned char) (code >> 8);
    out[3] = (unsigned char) code;

    if (n != 0) {
        memcpy(out + 4, reason, n);
    }

    return 4 + n;
}


size_t
ngx_eda_ws_ping_frame(unsigned char *out, const unsigned char *data,
    size_t len)
{
    return ngx_eda_ws_control_frame(out, NGX_EDA_WS_OP_PING, data, len);
}


size_t
ngx_eda_ws_pong_frame(unsigned char *out, const unsigned char *data,
    size_t len)
{
    return ngx_eda_ws_control_frame(out, NGX_EDA_WS_OP_PONG, data, len);
}


static int
ngx_eda_ws_header(ngx_eda_ws_parser_t *p)
{
    switch (p->state) {

    case NGX_EDA_WS_ST_HEAD:
        return ngx_eda_ws_first_bytes(p);

    case NGX_EDA_WS_ST_LENGTH:
        return ngx_eda_ws_length(p);

    default: /* NGX_EDA_WS_ST_MASK */
        memcpy(p->mask, p->hdr + p->hdr_need - 4, 4);
        ngx_eda_ws_start_payload(p);
        return 0;
    }
}


static int
ngx_eda_ws_first_bytes(ngx_eda_ws_parser_t *p)
{
    unsigned int  b0, b1, len7;

    b0 = p->hdr[0];
    b1 = p->hdr[1];

    if (b0 & NGX_EDA_WS_RSV) {
        return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                               "reserved bits set");
    }

    p->opcode = b0 & NGX_EDA_WS_OPCODE;
    p->fin = (b0 & NGX_EDA_WS_FIN) ? 1 : 0;
    len7 = b1 & NGX_EDA_WS_LEN7;

    switch (p->opcode) {

    case NGX_EDA_WS_OP_CONT:
        if (p->msg_opcode == 0) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "continuation frame without a message");
        }

        break;

    case NGX_EDA_WS_OP_TEXT:
    case NGX_EDA_WS_OP_BINARY:
        if (p->msg_opcode != 0) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "new message inside a fragmented one");
        }

        break;

    case NGX_EDA_WS_OP_CLOSE:
    case NGX_EDA_WS_OP_PING:
    case NGX_EDA_WS_OP_PONG:
        if (!p->fin) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "fragmented control frame");
        }

        if (len7 > NGX_EDA_WS_MAX_CONTROL) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "control frame too long");
        }

        break;

    default:
        return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                               "unknown opcode");
    }

    if (!(b1 & NGX_EDA_WS_MASKED)) {
        return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                               "client frame not masked");
    }

    if (len7 == NGX_EDA_WS_LEN16) {
        p->hdr_need = 4;
        p->state = NGX_EDA_WS_ST_LENGTH;
        return 0;
    }

    if (len7 == NGX_EDA_WS_LEN64) {
        p->hdr_need = 10;
        p->state = NGX_EDA_WS_ST_LENGTH;
        return 0;
    }

    p->frame_len = len7;

    if (ngx_eda_ws_check_length(p) != 0) {
        return -1;
    }

    p->hdr_need = 2 + 4;
    p->state = NGX_EDA_WS_ST_MASK;

    return 0;
}


static int
ngx_eda_ws_length(ngx_eda_ws_parser_t *p)
{
    uint64_t      v;
    unsigned int  i;

    if (p->hdr_need == 4) {
        v = ((uint64_t) p->hdr[2] << 8) | p->hdr[3];

        if (v < NGX_EDA_WS_LEN16) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "frame length not minimally encoded");
        }

    } else {
        if (p->hdr[2] & 0x80) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "frame length has the high bit set");
        }

        v = 0;

        for (i = 2; i < 10; i++) {
            v = (v << 8) | p->hdr[i];
        }

        if (v <= 0xffff) {
            return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                                   "frame length not minimally encoded");
        }
    }

    p->frame_len = v;

    if (ngx_eda_ws_check_length(p) != 0) {
        return -1;
    }

    p->hdr_need += 4;
    p->state = NGX_EDA_WS_ST_MASK;

    return 0;
}


static int
ngx_eda_ws_check_length(ngx_eda_ws_parser_t *p)
{
    /* control frames were bounded by their first two bytes */
    if (ngx_eda_ws_is_control(p->opcode)) {
        return 0;
    }

    /* p->len is 0 for a new message, and never above max_message */
    if (p->frame_len > (uint64_t) (p->max_message - p->len)) {
        return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_TOO_BIG,
                               "message too big");
    }

    return 0;
}


static void
ngx_eda_ws_start_payload(ngx_eda_ws_parser_t *p)
{
    p->state = NGX_EDA_WS_ST_PAYLOAD;
    p->frame_got = 0;

    if (p->opcode == NGX_EDA_WS_OP_TEXT || p->opcode == NGX_EDA_WS_OP_BINARY)
    {
        p->msg_opcode = p->opcode;
        p->len = 0;
        ngx_eda_utf8_init(&p->utf8);
    }
}


static int
ngx_eda_ws_payload(ngx_eda_ws_parser_t *p, const unsigned char *in,
    size_t n)
{
    size_t          i;
    unsigned int    k;
    unsigned char  *dst;

    if (ngx_eda_ws_is_control(p->opcode)) {
        dst = p->ctl + (size_t) p->frame_got;

    } else {
        if (ngx_eda_ws_reserve(p, p->len + n) != 0) {
            return -1;
        }

        dst = p->buf + p->len;
    }

    k = (unsigned int) (p->frame_got & 3);

    for (i = 0; i < n; i++) {
        dst[i] = in[i] ^ p->mask[k];
        k = (k + 1) & 3;
    }

    p->frame_got += n;

    if (ngx_eda_ws_is_control(p->opcode)) {
        return 0;
    }

    p->len += n;

    if (p->msg_opcode == NGX_EDA_WS_OP_TEXT
        && ngx_eda_utf8_feed(&p->utf8, dst, n) != 0)
    {
        return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_INVALID,
                               "text message is not valid UTF-8");
    }

    return 0;
}


static int
ngx_eda_ws_reserve(ngx_eda_ws_parser_t *p, size_t need)
{
    size_t          cap;
    unsigned char  *b;

    if (need <= p->cap) {
        return 0;
    }

    /*
     * need never exceeds max_message (the frame header was checked), so
     * doubling up to that bound both terminates and cannot overflow;
     * growing with the bytes, not with the announced length, keeps a
     * header that announces much and sends little cheap.
     */

    cap = p->cap != 0 ? p->cap : NGX_EDA_WS_MIN_BUFFER;

    while (cap < need) {
        if (cap > p->max_message / 2) {
            cap = p->max_message;
            break;
        }

        cap *= 2;
    }

    if (cap > p->max_message) {
        cap = p->max_message;
    }

    if (cap < need) {
        cap = need;
    }

    b = realloc(p->buf, cap);
    if (b == NULL) {
        return ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_INTERNAL,
                               "out of memory");
    }

    p->buf = b;
    p->cap = cap;

    return 0;
}


static int
ngx_eda_ws_frame_done(ngx_eda_ws_parser_t *p, ngx_eda_ws_event_t *ev)
{
    switch (p->opcode) {

    case NGX_EDA_WS_OP_PING:
    case NGX_EDA_WS_OP_PONG:
        ev->opcode = p->opcode;
        ev->data = p->ctl;
        ev->len = (size_t) p->frame_len;
        ngx_eda_ws_next_frame(p);
        return NGX_EDA_WS_EVENT;

    case NGX_EDA_WS_OP_CLOSE:
        return ngx_eda_ws_close_done(p, ev);

    default:
        break;
    }

    ngx_eda_ws_next_frame(p);

    if (!p->fin) {
        return NGX_EDA_WS_AGAIN;
    }

    if (p->msg_opcode == NGX_EDA_WS_OP_TEXT
        && !ngx_eda_utf8_complete(&p->utf8))
    {
        ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_INVALID,
                        "text message ends inside a UTF-8 character");
        return NGX_EDA_WS_ERROR;
    }

    ev->opcode = p->msg_opcode;
    ev->data = p->buf != NULL ? p->buf : ngx_eda_ws_empty;
    ev->len = p->len;

    p->msg_opcode = 0;
    p->delivered = 1;

    return NGX_EDA_WS_EVENT;
}


static int
ngx_eda_ws_close_done(ngx_eda_ws_parser_t *p, ngx_eda_ws_event_t *ev)
{
    size_t        len;
    unsigned int  code;

    len = (size_t) p->frame_len;

    if (len == 0) {
        code = NGX_EDA_WS_CLOSE_NO_STATUS;

    } else if (len == 1) {
        ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                        "close frame with a 1-byte payload");
        return NGX_EDA_WS_ERROR;

    } else {
        code = ((unsigned int) p->ctl[0] << 8) | p->ctl[1];

        if (!ngx_eda_ws_close_code_valid(code)) {
            ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_PROTOCOL,
                            "invalid close code");
            return NGX_EDA_WS_ERROR;
        }

        if (!ngx_eda_utf8_valid(p->ctl + 2, len - 2)) {
            ngx_eda_ws_fail(p, NGX_EDA_WS_CLOSE_INVALID,
                            "close reason is not valid UTF-8");
            return NGX_EDA_WS_ERROR;
        }
    }

    ev->opcode = NGX_EDA_WS_OP_CLOSE;
    ev->code = code;
    ev->data = len > 2 ? p->ctl + 2 : ngx_eda_ws_empty;
    ev->len = len > 2 ? len - 2 : 0;

    /* nothing after a close frame is parsed: free the message now */
    p->state = NGX_EDA_WS_ST_CLOSED;
    p->msg_opcode = 0;
    ngx_eda_ws_parser_destroy(p);

    return NGX_EDA_WS_EVENT;
}


static void
ngx_eda_ws_next_frame(ngx_eda_ws_parser_t *p)
{
    p->state = NGX_EDA_WS_ST_HEAD;
    p->hdr_len = 0;
    p->hdr_need = 2;
}


static void
ngx_eda_ws_release_message(ngx_eda_ws_parser_t *p)
{
    p->delivered = 0;
    p->len = 0;

    /* one large message must not pin its memory for the connection's life */
    if (p->cap > NGX_EDA_WS_KEEP_BUFFER) {
        ngx_eda_ws_parser_destroy(p);
    }
}


static int
ngx_eda_ws_fail(ngx_eda_ws_parser_t *p, unsigned int code,
    const char *reason)
{
    p->state = NGX_EDA_WS_ST_ERROR;
    p->err_code = code;
    p->err_reason = reason;

    /* the state is final: what was buffered is of no use any more */
    ngx_eda_ws_parser_destroy(p);

    return -1;
}


static int
ngx_eda_ws_is_control(unsigned int opcode)
{
    return (opcode & 0x08) != 0;
}


static size_t
ngx_eda_ws_control_frame(unsigned char *out, unsigned int opcode,
    const unsigned char *data, size_t len)
{
    if (len > NGX_EDA_WS_MAX_CONTROL) {
        return 0;
    }

    out[0] = (unsigned char) (NGX_EDA_WS_FIN | opcode);
    out[1] = (unsigned char) len;

    if (len != 0) {
        memcpy(out + 2, data, len);
    }

    return 2 + len;
}

