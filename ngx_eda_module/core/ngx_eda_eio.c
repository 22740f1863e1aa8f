
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Engine.IO protocol 4: packets and polling bodies read in place, polling
 * bodies and the open packet written into the caller's buffer by one
 * function that counts (no buffer) or writes.
 */


#include <string.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_eio.h"
#include "ngx_eda_json_out.h"
#include "ngx_eda_utf8.h"


#define NGX_EDA_EIO_NTYPES  7


static int ngx_eda_eio_binary(const unsigned char *b64, size_t len,
    unsigned char *bin, size_t bin_size, ngx_eda_eio_packet_t *pkt);
static size_t ngx_eda_eio_payload(unsigned char *out,
    const ngx_eda_eio_packet_t *pkts, size_t n);
static int ngx_eda_eio_packet_valid(const ngx_eda_eio_packet_t *pkt);
static size_t ngx_eda_eio_open(unsigned char *out,
    const ngx_eda_eio_open_t *o);
static void ngx_eda_eio_put_member(ngx_eda_json_out_t *jo,
    const char *name, uint64_t v);


static const char  *ngx_eda_eio_errors[] = {
    "ok",
    "empty packet",
    "unknown packet type",
    "text packet is not valid UTF-8",
    "binary packet is not valid base64",
    "no room for the binary packet",
    "too many packets in the payload",
};


int
ngx_eda_eio_decode(const unsigned char *buf, size_t len,
    unsigned char *bin, size_t bin_size, ngx_eda_eio_packet_t *pkt)
{
    memset(pkt, 0, sizeof(ngx_eda_eio_packet_t));

    if (len == 0) {
        return NGX_EDA_EIO_ERR_EMPTY;
    }

    if (buf[0] == 'b') {
        return ngx_eda_eio_binary(buf + 1, len - 1, bin, bin_size, pkt);
    }

    if (buf[0] < '0' || buf[0] >= '0' + NGX_EDA_EIO_NTYPES) {
        return NGX_EDA_EIO_ERR_TYPE;
    }

    if (!ngx_eda_utf8_valid(buf + 1, len - 1)) {
        return NGX_EDA_EIO_ERR_UTF8;
    }

    pkt->type = buf[0] - '0';
    pkt->data = buf + 1;
    pkt->len = len - 1;

    return NGX_EDA_EIO_OK;
}


/* "b" and the padded base64 of the bytes, decoded into BIN */

static int
ngx_eda_eio_binary(const unsigned char *b64, size_t len, unsigned char *bin,
    size_t bin_size, ngx_eda_eio_packet_t *pkt)
{
    size_t  need, n;

    if (len % 4 != 0) {
        return NGX_EDA_EIO_ERR_BASE64;
    }

    /* the exact length, so that BIN may be just large enough */
    need = len / 4 * 3;

    if (len > 0 && b64[len - 1] == '=') {
        need -= (b64[len - 2] == '=') ? 2 : 1;
    }

    if (need > bin_size) {
        return NGX_EDA_EIO_ERR_NO_ROOM;
    }

    if (ngx_eda_base64_decode((const char *) b64, len, bin, &n,
                              NGX_EDA_BASE64_PADDED)
        != 0)
    {
        return NGX_EDA_EIO_ERR_BASE64;
    }

    pkt->type = NGX_EDA_EIO_MESSAGE;
    pkt->binary = 1;
    pkt->data = (n > 0) ? bin : b64 + len;
    pkt->len = n;

    return NGX_EDA_EIO_OK;
}


void
ngx_eda_eio_payload_init(ngx_eda_eio_payload_t *it, const unsigned char *buf,
    size_t len, unsigned int max_packets, unsigned char *bin,
    size_t bin_size)
{
    it->pos = buf;
    it->end = buf + len;
    it->bin = bin;
    it->bin_size = bin_size;
    it->count = 0;
    it->max_packets = max_packets;
    it->rc = NGX_EDA_EIO_OK;
}


int
ngx_eda_eio_payload_next(ngx_eda_eio_payload_t *it,
    ngx_eda_eio_packet_t *pkt)
{
    int                   rc;
    const unsigned char  *sep, *last;

    memset(pkt, 0, sizeof(ngx_eda_eio_packet_t));

    if (it->rc != NGX_EDA_EIO_OK) {
        return it->rc;
    }

    if (it->count == it->max_packets) {
        it->rc = NGX_EDA_EIO_ERR_TOO_MANY;
        return it->rc;
    }

    sep = NULL;

    if (it->pos < it->end) {
        sep = memchr(it->pos, NGX_EDA_EIO_SEPARATOR, it->end - it->pos);
    }

    last = (sep != NULL) ? sep : it->end;

    rc = ngx_eda_eio_decode(it->pos, last - it->pos, it->bin, it->bin_size,
                            pkt);
    if (rc != NGX_EDA_EIO_OK) {
        it->rc = rc;
        return rc;
    }

    if (pkt->binary && pkt->len > 0) {
        it->bin += pkt->len;
        it->bin_size -= pkt->len;
    }

    it->count++;

    if (sep == NULL) {
        it->rc = NGX_EDA_EIO_DONE;

    } else {
        it->pos = sep + 1;
    }

    return NGX_EDA_EIO_OK;
}


size_t
ngx_eda_eio_payload_len(const ngx_eda_eio_packet_t *pkts, size_t n)
{
    return ngx_eda_eio_payload(NULL, pkts, n);
}


size_t
ngx_eda_eio_payload_write(unsigned char *out,
    const ngx_eda_eio_packet_t *pkts, size_t n)
{
    if (ngx_eda_eio_payload(NULL, pkts, n) == 0) {
        return 0;
    }

    return ngx_eda_eio_payload(out, pkts, n);
}


/* with OUT NULL: the length, 0 for packets that cannot be sent */

static size_t
ngx_eda_eio_payload(unsigned char *out, const ngx_eda_eio_packet_t *pkts,
    size_t n)
{
    size_t              i;
    unsigned char       type;
    ngx_eda_json_out_t  jo;

    if (n == 0) {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);

    for (i = 0; i < n; i++) {
        if (!ngx_eda_eio_packet_valid(&pkts[i])) {
            return 0;
        }

        if (i > 0) {
            type = NGX_EDA_EIO_SEPARATOR;
            ngx_eda_json_put(&jo, &type, 1);
        }

        if (!pkts[i].binary) {
            type = (unsigned char) ('0' + pkts[i].type);
            ngx_eda_json_put(&jo, &type, 1);
            ngx_eda_json_put(&jo, pkts[i].data, pkts[i].len);
            continue;
        }

        ngx_eda_json_put_lit(&jo, "b");

        if (jo.pos != NULL) {
            jo.pos += ngx_eda_base64_encode(pkts[i].data, pkts[i].len,
                                            (char *) jo.pos);
        }

        jo.len += ngx_eda_base64_encoded_len(pkts[i].len);
    }

    return jo.len;
}


static int
ngx_eda_eio_packet_valid(const ngx_eda_eio_packet_t *pkt)
{
    if (pkt->type >= NGX_EDA_EIO_NTYPES) {
        return 0;
    }

    if (pkt->binary) {
        return pkt->type == NGX_EDA_EIO_MESSAGE;
    }

    return pkt->len == 0
           || memchr(pkt->data, NGX_EDA_EIO_SEPARATOR, pkt->len) == NULL;
}


size_t
ngx_eda_eio_open_len(const ngx_eda_eio_open_t *o)
{
    return ngx_eda_eio_open(NULL, o);
}


size_t
ngx_eda_eio_open_write(unsigned char *out, const ngx_eda_eio_open_t *o)
{
    if (ngx_eda_eio_open(NULL, o) == 0) {
        return 0;
    }

    return ngx_eda_eio_open(out, o);
}


static size_t
ngx_eda_eio_open(unsigned char *out, const ngx_eda_eio_open_t *o)
{
    ngx_eda_json_out_t  jo;

    if (o->sid_len == 0 || o->sid_len > NGX_EDA_EIO_MAX_SID
        || !ngx_eda_utf8_valid(o->sid, o->sid_len)
        || o->ping_interval > NGX_EDA_EIO_MAX_NUMBER
        || o->ping_timeout > NGX_EDA_EIO_MAX_NUMBER
        || o->max_payload > NGX_EDA_EIO_MAX_NUMBER)
    {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);

    ngx_eda_json_put_lit(&jo, "0{\"sid\":");
    ngx_eda_json_put_string(&jo, o->sid, o->sid_len);

    if (o->websocket) {
        ngx_eda_json_put_lit(&jo, ",\"upgrades\":[\"websocket\"]");

    } else {
        ngx_eda_json_put_lit(&jo, ",\"upgrades\":[]");
    }

    ngx_eda_eio_put_member(&jo, "pingInterval", o->ping_interval);
    ngx_eda_eio_put_member(&jo, "pingTimeout", o->ping_timeout);
    ngx_eda_eio_put_member(&jo, "maxPayload", o->max_payload);
    ngx_eda_json_put_lit(&jo, "}");

    return jo.len;
}


/* ,"NAME":V */

static void
ngx_eda_eio_put_member(ngx_eda_json_out_t *jo, const char *name, uint64_t v)
{
    ngx_eda_json_put_lit(jo, ",\"");
    ngx_eda_json_put(jo, name, strlen(name));
    ngx_eda_json_put_lit(jo, "\":");
    ngx_eda_json_put_uint(jo, v);
}


const char *
ngx_eda_eio_strerror(int rc)
{
    if (rc == NGX_EDA_EIO_DONE) {
        return "end of payload";
    }

    if (rc > 0 || -rc >= (int) (sizeof(ngx_eda_eio_errors)
                                / sizeof(ngx_eda_eio_errors[0])))
    {
        return "unknown error";
    }

    return ngx_eda_eio_errors[-rc];
}
