
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the Engine.IO and Socket.IO cores.  The first
 * input byte sets the limits (bits 0-2 the attachments a packet may
 * announce, bits 3-6 the nesting depth, 0 for the cap; bit 7 two packets
 * per body instead of 32); the rest is read twice:
 *
 * - as a polling body: every packet keeps the iterator's promises (text
 *   in the body, binary in the buffer, within its size), the packets are
 *   written again and read back the same (a body of text alone comes back
 *   byte for byte), and each message is read as a Socket.IO packet, the
 *   binary messages after it as its attachments;
 * - as one Socket.IO packet, with attachments cut from the input.
 *
 * A packet read keeps the decoder's promises; binary attachments are put
 * in place, exactly one replacement per attachment; the packet is then
 * written again by the encoders as a whole Engine.IO message and read
 * back equal (an event also as prefix, argument, suffix).  The bytes are
 * also an event name, a namespace and a sid for the writers, read back.
 * Run it with "./build.sh fuzz sio [seconds]".
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_eio.h"
#include "ngx_eda_sio.h"
#include "ngx_eda_utf8.h"


#define FUZZ_SIO_MAX_PACKETS  32
#define FUZZ_SIO_MAX_ATT      8


typedef struct {
    ngx_eda_sio_limits_t   lim;
    unsigned int           max_packets;
} fuzz_sio_conf_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_sio_body(const fuzz_sio_conf_t *conf,
    const unsigned char *p, size_t len);
static void fuzz_sio_body_again(const ngx_eda_eio_packet_t *pkts, size_t n,
    const unsigned char *p, size_t len);
static void fuzz_sio_packet(const fuzz_sio_conf_t *conf,
    const unsigned char *p, size_t len, const ngx_eda_eio_packet_t *bins,
    size_t nbins);
static void fuzz_sio_promises(const ngx_eda_sio_packet_t *pkt, int rc,
    const ngx_eda_sio_limits_t *lim, const unsigned char *p, size_t len);
static int fuzz_sio_binary(ngx_eda_sio_packet_t *pkt,
    const ngx_eda_eio_packet_t *bins, size_t nbins);
static json_t *fuzz_sio_make(void *ctx, unsigned int num,
    const ngx_eda_sio_attachment_t *att);
static void fuzz_sio_again(const ngx_eda_sio_packet_t *pkt,
    const ngx_eda_sio_limits_t *lim);
static size_t fuzz_sio_event(const ngx_eda_sio_packet_t *pkt,
    ngx_eda_sio_head_t *h, ngx_eda_sio_raw_t *args, unsigned char **out);
static void fuzz_sio_split(const ngx_eda_sio_event_t *ev,
    const unsigned char *whole, size_t len);
static size_t fuzz_sio_other(const ngx_eda_sio_packet_t *pkt,
    ngx_eda_sio_head_t *h, ngx_eda_sio_raw_t *args, unsigned char **out);
static void fuzz_sio_read_back(const ngx_eda_sio_packet_t *pkt,
    const ngx_eda_sio_limits_t *lim, const unsigned char *out, size_t len);
static void fuzz_sio_dump_args(json_t *a, size_t from, size_t to,
    ngx_eda_sio_raw_t *args);
static void fuzz_sio_free_args(ngx_eda_sio_raw_t *args, size_t n);
static void fuzz_sio_strings(const unsigned char *p, size_t len);
static void fuzz_sio_open(const unsigned char *p, size_t len);
static void fuzz_sio_fail(const char *what, const unsigned char *p,
    size_t len);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                    i;
    fuzz_sio_conf_t           conf;
    ngx_eda_eio_packet_t      bins[FUZZ_SIO_MAX_ATT];

    if (size < 1) {
        return 0;
    }

    conf.lim.max_attachments = data[0] & 0x07;
    conf.lim.max_depth = (data[0] >> 3) & 0x0f;
    conf.max_packets = (data[0] & 0x80) ? 2 : FUZZ_SIO_MAX_PACKETS;

    data++;
    size--;

    fuzz_sio_body(&conf, data, size);

    /* attachments: the input's first bytes, one more each time */
    memset(bins, 0, sizeof(bins));

    for (i = 0; i < FUZZ_SIO_MAX_ATT; i++) {
        bins[i].binary = 1;
        bins[i].data = data;
        bins[i].len = (i < size) ? i : size;
    }

    fuzz_sio_packet(&conf, data, size, bins, size % (FUZZ_SIO_MAX_ATT + 1));
    fuzz_sio_strings(data, size);

    return 0;
}


static void
fuzz_sio_body(const fuzz_sio_conf_t *conf, const unsigned char *p,
    size_t len)
{
    int                     rc;
    size_t                  n, i, bin_used, size;
    unsigned char          *bin;
    ngx_eda_eio_packet_t    pkt, pkts[FUZZ_SIO_MAX_PACKETS];
    ngx_eda_eio_payload_t   it;

    size = NGX_EDA_EIO_BIN_SIZE(len);
    bin = malloc(size);
    if (bin == NULL) {
        return;
    }

    ngx_eda_eio_payload_init(&it, p, len, conf->max_packets, bin, size);

    n = 0;
    bin_used = 0;

    while ((rc = ngx_eda_eio_payload_next(&it, &pkt)) == NGX_EDA_EIO_OK) {
        if (pkt.data == NULL || pkt.type > NGX_EDA_EIO_NOOP
            || (pkt.binary && pkt.type != NGX_EDA_EIO_MESSAGE))
        {
            fuzz_sio_fail("packet out of its promises", p, len);
        }

        if (pkt.binary) {
            if (pkt.len > 0 && pkt.data != bin + bin_used) {
                fuzz_sio_fail("binary packet out of place", p, len);
            }

            bin_used += pkt.len;

        } else if (pkt.data < p || pkt.data + pkt.len > p + len
                   || memchr(pkt.data, NGX_EDA_EIO_SEPARATOR, pkt.len)
                      != NULL)
        {
            fuzz_sio_fail("text packet outside the body", p, len);
        }

        if (n == conf->max_packets) {
            fuzz_sio_fail("more packets than allowed", p, len);
        }

        pkts[n++] = pkt;
    }

    if (bin_used > size || rc > NGX_EDA_EIO_DONE
        || rc < NGX_EDA_EIO_ERR_TOO_MANY
        || ngx_eda_eio_payload_next(&it, &pkt) != rc)
    {
        fuzz_sio_fail("payload result", p, len);
    }

    if (rc == NGX_EDA_EIO_DONE) {
        fuzz_sio_body_again(pkts, n, p, len);
    }

    for (i = 0; i < n; i++) {
        if (pkts[i].type == NGX_EDA_EIO_MESSAGE && !pkts[i].binary) {
            fuzz_sio_packet(conf, pkts[i].data, pkts[i].len, &pkts[i + 1],
                            n - i - 1);
        }
    }

    free(bin);
}


/* the packets of a whole body written again, and read back the same */

static void
fuzz_sio_body_again(const ngx_eda_eio_packet_t *pkts, size_t n,
    const unsigned char *p, size_t len)
{
    int                     text;
    size_t                  i, out_len;
    unsigned char          *out, *bin;
    ngx_eda_eio_packet_t    got;
    ngx_eda_eio_payload_t   it;

    out_len = ngx_eda_eio_payload_len(pkts, n);
    if (out_len == 0) {
        fuzz_sio_fail("packets read cannot be written", p, len);
    }

    out = malloc(out_len);
    bin = malloc(NGX_EDA_EIO_BIN_SIZE(out_len));

    if (out == NULL || bin == NULL
        || ngx_eda_eio_payload_write(out, pkts, n) != out_len)
    {
        fuzz_sio_fail("payload write", p, len);
    }

    text = 1;
    ngx_eda_eio_payload_init(&it, out, out_len, (unsigned int) n, bin,
                             NGX_EDA_EIO_BIN_SIZE(out_len));

    for (i = 0; i < n; i++) {
        text = text && !pkts[i].binary;

        if (ngx_eda_eio_payload_next(&it, &got) != NGX_EDA_EIO_OK
            || got.type != pkts[i].type || got.binary != pkts[i].binary
            || got.len != pkts[i].len
            || (got.len > 0 && memcmp(got.data, pkts[i].data, got.len) != 0))
        {
            fuzz_sio_fail("payload round trip", p, len);
        }
    }

    if (ngx_eda_eio_payload_next(&it, &got) != NGX_EDA_EIO_DONE
        || (text && (out_len != len || memcmp(out, p, len) != 0)))
    {
        fuzz_sio_fail("payload round trip end", p, len);
    }

    free(bin);
    free(out);
}


static void
fuzz_sio_packet(const fuzz_sio_conf_t *conf, const unsigned char *p,
    size_t len, const ngx_eda_eio_packet_t *bins, size_t nbins)
{
    int                   rc;
    ngx_eda_sio_packet_t  pkt;

    rc = ngx_eda_sio_decode(p, len, &conf->lim, &pkt);

    (void) ngx_eda_sio_strerror(rc);
    fuzz_sio_promises(&pkt, rc, &conf->lim, p, len);

    if (rc != NGX_EDA_SIO_OK) {
        return;
    }

    if ((pkt.type == NGX_EDA_SIO_BINARY_EVENT
         || pkt.type == NGX_EDA_SIO_BINARY_ACK)
        && fuzz_sio_binary(&pkt, bins, nbins) != NGX_EDA_SIO_OK)
    {
        json_decref(pkt.payload);
        return;
    }

    fuzz_sio_again(&pkt, &conf->lim);

    json_decref(pkt.payload);
}


static void
fuzz_sio_promises(const ngx_eda_sio_packet_t *pkt, int rc,
    const ngx_eda_sio_limits_t *lim, const unsigned char *p, size_t len)
{
    json_t  *first;

    if (rc != NGX_EDA_SIO_OK) {
        if (rc > 0 || rc < NGX_EDA_SIO_ERR_RESERVED || pkt->payload != NULL
            || pkt->name != NULL)
        {
            fuzz_sio_fail("decode error", p, len);
        }

        return;
    }

    if (pkt->type > NGX_EDA_SIO_BINARY_ACK
        || pkt->type == NGX_EDA_SIO_CONNECT_ERROR
        || pkt->attachments > lim->max_attachments
        || pkt->id < -1 || pkt->id > NGX_EDA_SIO_MAX_ACK_ID
        || pkt->nsp_len == 0 || pkt->nsp[0] != '/'
        || memchr(pkt->nsp, ',', pkt->nsp_len) != NULL
        || !ngx_eda_utf8_valid(pkt->nsp, pkt->nsp_len))
    {
        fuzz_sio_fail("decoded head", p, len);
    }

    switch (pkt->type) {

    case NGX_EDA_SIO_CONNECT:
        if (pkt->id != -1
            || (pkt->payload != NULL && !json_is_object(pkt->payload)))
        {
            fuzz_sio_fail("decoded CONNECT", p, len);
        }
        break;

    case NGX_EDA_SIO_DISCONNECT:
        if (pkt->id != -1 || pkt->payload != NULL) {
            fuzz_sio_fail("decoded DISCONNECT", p, len);
        }
        break;

    case NGX_EDA_SIO_ACK:
    case NGX_EDA_SIO_BINARY_ACK:
        if (pkt->id < 0 || !json_is_array(pkt->payload)) {
            fuzz_sio_fail("decoded ACK", p, len);
        }
        break;

    default:
        first = json_array_get(pkt->payload, 0);

        if (!json_is_string(first) || pkt->name != json_string_value(first)
            || pkt->name_len != json_string_length(first)
            || ngx_eda_sio_reserved((const unsigned char *) pkt->name,
                                    pkt->name_len))
        {
            fuzz_sio_fail("decoded EVENT", p, len);
        }
    }
}


/* the attachments at hand; 0 when all placeholders were replaced */

static int
fuzz_sio_binary(ngx_eda_sio_packet_t *pkt, const ngx_eda_eio_packet_t *bins,
    size_t nbins)
{
    int                        rc, again, expect;
    size_t                     i, made;
    ngx_eda_sio_binary_t       b;
    ngx_eda_sio_attachment_t   att[FUZZ_SIO_MAX_ATT];

    ngx_eda_sio_binary_init(&b, att, pkt->attachments);

    rc = (pkt->attachments == 0) ? NGX_EDA_SIO_OK : NGX_EDA_SIO_AGAIN;

    for (i = 0; i < nbins && i < pkt->attachments; i++) {
        expect = (i + 1 == pkt->attachments) ? NGX_EDA_SIO_OK
                                             : NGX_EDA_SIO_AGAIN;
        rc = ngx_eda_sio_binary_add(&b, bins[i].data, bins[i].len);

        if (rc != expect) {
            fuzz_sio_fail("binary add", NULL, 0);
        }
    }

    if (rc == NGX_EDA_SIO_OK
        && ngx_eda_sio_binary_add(&b, NULL, 0) != NGX_EDA_SIO_ERR_BIN_EXTRA)
    {
        fuzz_sio_fail("binary add beyond the count", NULL, 0);
    }

    again = ngx_eda_sio_binary_resolve(&b, pkt->payload, NULL, NULL);

    made = 0;
    rc = ngx_eda_sio_binary_resolve(&b, pkt->payload, fuzz_sio_make, &made);

    if (rc != again || (rc == NGX_EDA_SIO_OK && made != pkt->attachments)
        || (rc != NGX_EDA_SIO_OK && made != 0)
        || ((rc == NGX_EDA_SIO_ERR_BIN_MISSING) != (i < pkt->attachments)))
    {
        fuzz_sio_fail("binary resolve", NULL, 0);
    }

    return rc;
}


static json_t *
fuzz_sio_make(void *ctx, unsigned int num,
    const ngx_eda_sio_attachment_t *att)
{
    size_t  *made;

    made = ctx;
    (*made)++;

    return json_integer((json_int_t) num * 1000 + (json_int_t) att->len);
}


/* the packet written again as a whole Engine.IO message, and read back */

static void
fuzz_sio_again(const ngx_eda_sio_packet_t *pkt,
    const ngx_eda_sio_limits_t *lim)
{
    size_t               len, nargs;
    unsigned char       *out;
    ngx_eda_sio_raw_t   *args;
    ngx_eda_sio_head_t   h;

    memset(&h, 0, sizeof(h));
    h.flags = NGX_EDA_SIO_EIO_MESSAGE;
    h.nsp = pkt->nsp;
    h.nsp_len = pkt->nsp_len;
    h.id = pkt->id;

    nargs = json_array_size(pkt->payload);
    args = calloc(nargs + 1, sizeof(ngx_eda_sio_raw_t));
    if (args == NULL) {
        return;
    }

    out = NULL;

    if (pkt->type == NGX_EDA_SIO_EVENT
        || pkt->type == NGX_EDA_SIO_BINARY_EVENT)
    {
        len = fuzz_sio_event(pkt, &h, args, &out);

    } else {
        len = fuzz_sio_other(pkt, &h, args, &out);
    }

    if (len != 0) {
        fuzz_sio_read_back(pkt, lim, out, len);
    }

    fuzz_sio_free_args(args, nargs);
    free(out);
}


/* the name, the arguments, and a last string argument as the offset */

static size_t
fuzz_sio_event(const ngx_eda_sio_packet_t *pkt, ngx_eda_sio_head_t *h,
    ngx_eda_sio_raw_t *args, unsigned char **out)
{
    size_t                n, len;
    json_t               *last;
    ngx_eda_sio_event_t   ev;

    memset(&ev, 0, sizeof(ev));
    ev.head = *h;
    ev.name = (const unsigned char *) pkt->name;
    ev.name_len = pkt->name_len;

    n = json_array_size(pkt->payload);
    last = json_array_get(pkt->payload, n - 1);

    if (n > 1 && json_is_string(last)) {
        ev.offset = (const unsigned char *) json_string_value(last);
        ev.offset_len = json_string_length(last);
        n--;
    }

    fuzz_sio_dump_args(pkt->payload, 1, n, args);
    ev.args = args + 1;
    ev.nargs = n - 1;

    len = ngx_eda_sio_event_len(&ev);
    *out = malloc(len + 1);

    if (len == 0 || *out == NULL
        || ngx_eda_sio_event_write(*out, &ev) != len)
    {
        fuzz_sio_fail("event write", NULL, 0);
    }

    if (ev.nargs == 1) {
        fuzz_sio_split(&ev, *out, len);
    }

    return len;
}


static void
fuzz_sio_split(const ngx_eda_sio_event_t *ev, const unsigned char *whole,
    size_t len)
{
    size_t          n;
    unsigned char  *b;

    b = malloc(len);
    if (b == NULL) {
        return;
    }

    n = ngx_eda_sio_event_prefix_write(b, ev);

    if (n != ngx_eda_sio_event_prefix_len(ev)
        || n + ev->args[0].len + ngx_eda_sio_event_suffix_len(ev) != len)
    {
        fuzz_sio_fail("event split lengths", whole, len);
    }

    memcpy(b + n, ev->args[0].data, ev->args[0].len);
    n += ev->args[0].len;
    n += ngx_eda_sio_event_suffix_write(b + n, ev);

    if (n != len || memcmp(b, whole, len) != 0) {
        fuzz_sio_fail("event split bytes", whole, len);
    }

    free(b);
}


static size_t
fuzz_sio_other(const ngx_eda_sio_packet_t *pkt, ngx_eda_sio_head_t *h,
    ngx_eda_sio_raw_t *args, unsigned char **out)
{
    size_t                len, n, pid_len;
    json_t               *v;
    const unsigned char  *sid, *pid;

    switch (pkt->type) {

    case NGX_EDA_SIO_CONNECT:
        sid = (const unsigned char *) "s";
        v = json_object_get(pkt->payload, "pid");
        pid = json_is_string(v)
              ? (const unsigned char *) json_string_value(v) : NULL;
        pid_len = json_string_length(v);

        len = ngx_eda_sio_connect_len(h, sid, 1, pid, pid_len);
        *out = malloc(len + 1);
        n = ngx_eda_sio_connect_write(*out, h, sid, 1, pid, pid_len);
        break;

    case NGX_EDA_SIO_DISCONNECT:
        len = ngx_eda_sio_disconnect_len(h);
        *out = malloc(len + 1);
        n = ngx_eda_sio_disconnect_write(*out, h);
        break;

    default: /* ACK, BINARY_ACK */
        fuzz_sio_dump_args(pkt->payload, 0, json_array_size(pkt->payload),
                           args);
        len = ngx_eda_sio_ack_len(h, args, json_array_size(pkt->payload));
        *out = malloc(len + 1);
        n = ngx_eda_sio_ack_write(*out, h, args,
                                  json_array_size(pkt->payload));
    }

    if (len == 0 || n != len) {
        fuzz_sio_fail("packet write", NULL, 0);
    }

    return len;
}


static void
fuzz_sio_read_back(const ngx_eda_sio_packet_t *pkt,
    const ngx_eda_sio_limits_t *lim, const unsigned char *out, size_t len)
{
    json_t                *sid;
    ngx_eda_eio_packet_t   ep;
    ngx_eda_sio_packet_t   got;

    if (ngx_eda_eio_decode(out, len, NULL, 0, &ep) != NGX_EDA_EIO_OK
        || ep.type != NGX_EDA_EIO_MESSAGE
        || memchr(out, NGX_EDA_EIO_SEPARATOR, len) != NULL
        || ngx_eda_sio_decode(ep.data, ep.len, lim, &got) != NGX_EDA_SIO_OK)
    {
        fuzz_sio_fail("written packet not read back", out, len);
    }

    /* binary packets come back plain, their attachments in place */
    if (got.type != (pkt->type == NGX_EDA_SIO_BINARY_EVENT
                     ? NGX_EDA_SIO_EVENT
                     : (pkt->type == NGX_EDA_SIO_BINARY_ACK
                        ? NGX_EDA_SIO_ACK : pkt->type))
        || got.id != pkt->id || got.nsp_len != pkt->nsp_len
        || memcmp(got.nsp, pkt->nsp, got.nsp_len) != 0)
    {
        fuzz_sio_fail("head read back differs", out, len);
    }

    if (got.type == NGX_EDA_SIO_CONNECT) {
        sid = json_object_get(got.payload, "sid");

        if (!json_is_string(sid) || strcmp(json_string_value(sid), "s") != 0)
        {
            fuzz_sio_fail("CONNECT read back differs", out, len);
        }

    } else if ((got.payload == NULL) != (pkt->payload == NULL)
               || (got.payload != NULL
                   && !json_equal(got.payload, pkt->payload)))
    {
        fuzz_sio_fail("payload read back differs", out, len);
    }

    json_decref(got.payload);
}


/* elements FROM..TO-1 of the array as raw JSON into args[FROM..] */

static void
fuzz_sio_dump_args(json_t *a, size_t from, size_t to,
    ngx_eda_sio_raw_t *args)
{
    size_t          i, n;
    unsigned char  *buf;
    json_t         *v;

    for (i = from; i < to; i++) {
        v = json_array_get(a, i);
        n = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
        buf = malloc(n + 1);

        if (n == 0 || buf == NULL
            || json_dumpb(v, (char *) buf, n, JSON_COMPACT | JSON_ENCODE_ANY)
               != n)
        {
            fuzz_sio_fail("json_dumpb", NULL, 0);
        }

        args[i].data = buf;
        args[i].len = n;
    }
}


static void
fuzz_sio_free_args(ngx_eda_sio_raw_t *args, size_t n)
{
    size_t  i;

    for (i = 0; i <= n; i++) {
        free((void *) args[i].data);
    }

    free(args);
}


/* the input as an event name and offset, a namespace, a sid */

static void
fuzz_sio_strings(const unsigned char *p, size_t len)
{
    size_t                 n;
    unsigned char         *out;
    ngx_eda_sio_event_t    ev;
    ngx_eda_sio_limits_t   lim;
    ngx_eda_sio_packet_t   got;

    memset(&ev, 0, sizeof(ev));
    ev.head.id = -1;
    ev.head.nsp = p;
    ev.head.nsp_len = len;
    ev.name = p;
    ev.name_len = len;
    ev.offset = p;
    ev.offset_len = len;

    n = ngx_eda_sio_event_len(&ev);

    /* the namespace makes it fail when the name alone would not */
    if (n == 0) {
        ev.head.nsp = NULL;
        n = ngx_eda_sio_event_len(&ev);
    }

    fuzz_sio_open(p, len);

    if (n == 0) {
        if (ngx_eda_utf8_valid(p, len) && !ngx_eda_sio_reserved(p, len)) {
            fuzz_sio_fail("valid name refused", p, len);
        }

        return;
    }

    out = malloc(n);
    if (out == NULL || ngx_eda_sio_event_write(out, &ev) != n) {
        fuzz_sio_fail("name write", p, len);
    }

    lim.max_attachments = 0;
    lim.max_depth = 1;

    /* jansson refuses "\u0000": a NUL cannot come back */
    if (len > 0 && memchr(p, '\0', len) != NULL) {
        free(out);
        return;
    }

    if (ngx_eda_sio_decode(out, n, &lim, &got) != NGX_EDA_SIO_OK
        || got.name_len != len || memcmp(got.name, p, len) != 0
        || json_array_size(got.payload) != 2
        || (ev.head.nsp != NULL && len > 1
            && (got.nsp_len != len || memcmp(got.nsp, p, len) != 0)))
    {
        fuzz_sio_fail("name read back", out, n);
    }

    json_decref(got.payload);
    free(out);
}


static void
fuzz_sio_open(const unsigned char *p, size_t len)
{
    size_t               n;
    json_t              *root, *sid;
    unsigned char       *out;
    json_error_t         err;
    ngx_eda_eio_open_t   o;

    memset(&o, 0, sizeof(o));
    o.sid = p;
    o.sid_len = len;
    o.websocket = len & 1;
    o.ping_interval = len * 1000;

    n = ngx_eda_eio_open_len(&o);
    if (n == 0) {
        return;
    }

    out = malloc(n);
    if (out == NULL || ngx_eda_eio_open_write(out, &o) != n || out[0] != '0')
    {
        fuzz_sio_fail("open write", p, len);
    }

    root = json_loadb((const char *) out + 1, n - 1, JSON_ALLOW_NUL, &err);
    sid = json_object_get(root, "sid");

    if (!json_is_string(sid) || json_string_length(sid) != len
        || memcmp(json_string_value(sid), p, len) != 0
        || memchr(out, NGX_EDA_EIO_SEPARATOR, n) != NULL)
    {
        fuzz_sio_fail("open read back", out, n);
    }

    json_decref(root);
    free(out);
}


static void
fuzz_sio_fail(const char *what, const unsigned char *p, size_t len)
{
    fprintf(stderr, "fuzz_sio: %s: \"%.*s\"\n", what, (int) len,
            p != NULL ? (const char *) p : "");
    abort();
}
