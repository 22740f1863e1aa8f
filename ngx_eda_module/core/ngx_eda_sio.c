
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Socket.IO protocol 5: client packets read and checked, binary
 * attachments put back in place of their placeholders, and server
 * packets written into the caller's buffer by one function per packet
 * that counts (no buffer) or writes, from JSON bytes the caller has.
 */


#include <string.h>

#include <jansson.h>

#include "ngx_eda_json_out.h"
#include "ngx_eda_sio.h"
#include "ngx_eda_utf8.h"


#define ngx_eda_sio_digit(c)  ((c) >= '0' && (c) <= '9')

/* what of an event the writer writes */
#define NGX_EDA_SIO_WHOLE   0
#define NGX_EDA_SIO_PREFIX  1
#define NGX_EDA_SIO_SUFFIX  2


/* the resolver's walk over a payload */
typedef struct {
    ngx_eda_sio_binary_t        *b;
    ngx_eda_sio_placeholder_pt   make;    /* NULL: the checking walk */
    void                        *ctx;
} ngx_eda_sio_walk_t;


typedef struct {
    const char  *name;
    size_t       len;
} ngx_eda_sio_name_t;


static int ngx_eda_sio_decode_head(const unsigned char **pp,
    const unsigned char *end, const ngx_eda_sio_limits_t *lim,
    ngx_eda_sio_packet_t *pkt);
static int ngx_eda_sio_number(const unsigned char **pp,
    const unsigned char *end, uint64_t max, uint64_t *v);
static int ngx_eda_sio_load(const unsigned char *p, size_t len,
    unsigned int max_depth, json_t **out);
static int ngx_eda_sio_too_deep(const unsigned char *p, size_t len,
    unsigned int max);
static int ngx_eda_sio_payload_check(ngx_eda_sio_packet_t *pkt);
static int ngx_eda_sio_walk(ngx_eda_sio_walk_t *w, json_t *v,
    unsigned int depth);
static int ngx_eda_sio_visit(ngx_eda_sio_walk_t *w, json_t *v,
    unsigned int depth, json_t **repl);
static int ngx_eda_sio_placeholder(ngx_eda_sio_walk_t *w, json_t *v,
    json_t **repl);
static int ngx_eda_sio_str_valid(const unsigned char *p, size_t len);
static int ngx_eda_sio_nsp_main(const unsigned char *nsp, size_t len);
static int ngx_eda_sio_nsp_valid(const unsigned char *nsp, size_t len);
static int ngx_eda_sio_head_valid(const ngx_eda_sio_head_t *h,
    unsigned int type);
static int ngx_eda_sio_args_valid(const ngx_eda_sio_raw_t *args,
    size_t nargs);
static void ngx_eda_sio_put_head(ngx_eda_json_out_t *jo,
    const ngx_eda_sio_head_t *h, unsigned int type);
static void ngx_eda_sio_put_args(ngx_eda_json_out_t *jo,
    const ngx_eda_sio_raw_t *args, size_t nargs, int comma_first);
static size_t ngx_eda_sio_event(unsigned char *out,
    const ngx_eda_sio_event_t *ev, unsigned int part);
static size_t ngx_eda_sio_ack(unsigned char *out, const ngx_eda_sio_head_t *h,
    const ngx_eda_sio_raw_t *args, size_t nargs);
static size_t ngx_eda_sio_connect(unsigned char *out,
    const ngx_eda_sio_head_t *h, const unsigned char *sid, size_t sid_len,
    const unsigned char *pid, size_t pid_len);
static size_t ngx_eda_sio_connect_error(unsigned char *out,
    const ngx_eda_sio_head_t *h, const unsigned char *msg, size_t msg_len,
    const ngx_eda_sio_raw_t *data);
static size_t ngx_eda_sio_disconnect(unsigned char *out,
    const ngx_eda_sio_head_t *h);


static const ngx_eda_sio_name_t  ngx_eda_sio_reserved_names[] = {
    { "connect", 7 },
    { "connect_error", 13 },
    { "disconnect", 10 },
    { "disconnecting", 13 },
    { "newListener", 11 },
    { "removeListener", 14 },
};


static const char  *ngx_eda_sio_errors[] = {
    "ok",
    "empty packet",
    "unknown packet type",
    "CONNECT_ERROR is sent by servers only",
    "invalid attachment count",
    "too many attachments",
    "invalid namespace",
    "ack id out of range",
    "ack id on a packet that has none",
    "ack without an id",
    "payload nested too deep",
    "payload is not valid JSON",
    "out of memory",
    "payload missing",
    "invalid payload for the packet type",
    "event name is not a string",
    "reserved event name",
    "attachment not announced",
    "attachments missing",
    "invalid placeholder",
    "placeholder used twice",
    "attachment without a placeholder",
};


int
ngx_eda_sio_decode(const unsigned char *buf, size_t len,
    const ngx_eda_sio_limits_t *lim, ngx_eda_sio_packet_t *pkt)
{
    int                   rc;
    unsigned int          depth;
    const unsigned char  *p, *end;

    memset(pkt, 0, sizeof(ngx_eda_sio_packet_t));

    pkt->nsp = (const unsigned char *) "/";
    pkt->nsp_len = 1;
    pkt->id = -1;

    if (len == 0) {
        return NGX_EDA_SIO_ERR_EMPTY;
    }

    if (buf[0] < '0' || buf[0] > '0' + NGX_EDA_SIO_BINARY_ACK) {
        return NGX_EDA_SIO_ERR_TYPE;
    }

    pkt->type = buf[0] - '0';

    if (pkt->type == NGX_EDA_SIO_CONNECT_ERROR) {
        return NGX_EDA_SIO_ERR_SERVER_ONLY;
    }

    p = buf + 1;
    end = buf + len;

    rc = ngx_eda_sio_decode_head(&p, end, lim, pkt);
    if (rc != NGX_EDA_SIO_OK) {
        return rc;
    }

    if (p == end) {
        /* CONNECT may come without auth, DISCONNECT has nothing */
        return (pkt->type == NGX_EDA_SIO_CONNECT
                || pkt->type == NGX_EDA_SIO_DISCONNECT)
               ? NGX_EDA_SIO_OK : NGX_EDA_SIO_ERR_NO_PAYLOAD;
    }

    if (pkt->type == NGX_EDA_SIO_DISCONNECT) {
        return NGX_EDA_SIO_ERR_PAYLOAD;
    }

    depth = lim->max_depth;

    if (depth == 0 || depth > NGX_EDA_SIO_MAX_DEPTH) {
        depth = NGX_EDA_SIO_MAX_DEPTH;
    }

    rc = ngx_eda_sio_load(p, end - p, depth, &pkt->payload);
    if (rc != NGX_EDA_SIO_OK) {
        return rc;
    }

    rc = ngx_eda_sio_payload_check(pkt);
    if (rc != NGX_EDA_SIO_OK) {
        json_decref(pkt->payload);
        pkt->payload = NULL;
        pkt->name = NULL;
        pkt->name_len = 0;
    }

    return rc;
}


/* [<attachments>-][<namespace>,][<ack id>] */

static int
ngx_eda_sio_decode_head(const unsigned char **pp, const unsigned char *end,
    const ngx_eda_sio_limits_t *lim, ngx_eda_sio_packet_t *pkt)
{
    uint64_t              v;
    const unsigned char  *p, *comma;

    p = *pp;

    if (pkt->type == NGX_EDA_SIO_BINARY_EVENT
        || pkt->type == NGX_EDA_SIO_BINARY_ACK)
    {
        if (p == end || !ngx_eda_sio_digit(*p)) {
            return NGX_EDA_SIO_ERR_ATTACHMENTS;
        }

        if (ngx_eda_sio_number(&p, end, lim->max_attachments, &v) != 0) {
            return NGX_EDA_SIO_ERR_ATT_LIMIT;
        }

        if (p == end || *p != '-') {
            return NGX_EDA_SIO_ERR_ATTACHMENTS;
        }

        pkt->attachments = (unsigned int) v;
        p++;
    }

    if (p < end && *p == '/') {
        comma = memchr(p, ',', end - p);

        pkt->nsp = p;
        pkt->nsp_len = ((comma != NULL) ? comma : end) - p;
        p = (comma != NULL) ? comma + 1 : end;

        if (!ngx_eda_sio_nsp_valid(pkt->nsp, pkt->nsp_len)) {
            return NGX_EDA_SIO_ERR_NAMESPACE;
        }
    }

    if (p < end && ngx_eda_sio_digit(*p)) {
        if (ngx_eda_sio_number(&p, end, NGX_EDA_SIO_MAX_ACK_ID, &v) != 0) {
            return NGX_EDA_SIO_ERR_ACK_ID;
        }

        pkt->id = (int64_t) v;
    }

    *pp = p;

    if (pkt->type == NGX_EDA_SIO_ACK || pkt->type == NGX_EDA_SIO_BINARY_ACK) {
        return (pkt->id < 0) ? NGX_EDA_SIO_ERR_ACK_MISSING : NGX_EDA_SIO_OK;
    }

    if (pkt->type == NGX_EDA_SIO_CONNECT
        || pkt->type == NGX_EDA_SIO_DISCONNECT)
    {
        return (pkt->id >= 0) ? NGX_EDA_SIO_ERR_ACK_UNEXPECTED
                              : NGX_EDA_SIO_OK;
    }

    return NGX_EDA_SIO_OK;
}


/* the digits at *PP (at least one), -1 when their value is above MAX */

static int
ngx_eda_sio_number(const unsigned char **pp, const unsigned char *end,
    uint64_t max, uint64_t *v)
{
    uint64_t              d;
    const unsigned char  *p;

    *v = 0;

    for (p = *pp; p < end && ngx_eda_sio_digit(*p); p++) {
        d = *p - '0';

        if (d > max || *v > (max - d) / 10) {
            return -1;
        }

        *v = *v * 10 + d;
    }

    *pp = p;

    return 0;
}


static int
ngx_eda_sio_load(const unsigned char *p, size_t len, unsigned int max_depth,
    json_t **out)
{
    json_error_t  err;

    /* jansson's own bound is fixed when it is built (2048 in 2.14) */
    if (ngx_eda_sio_too_deep(p, len, max_depth)) {
        return NGX_EDA_SIO_ERR_DEPTH;
    }

    /* without JSON_DISABLE_EOF_CHECK anything after the value fails */
    *out = json_loadb((const char *) p, len, JSON_DECODE_ANY, &err);

    if (*out == NULL) {
        return (json_error_code(&err) == json_error_out_of_memory)
               ? NGX_EDA_SIO_ERR_NOMEM : NGX_EDA_SIO_ERR_JSON;
    }

    return NGX_EDA_SIO_OK;
}


/*
 * 1 when arrays and objects nest deeper than MAX.  Only brackets outside
 * strings count; whether the text is JSON is jansson's to say after.
 */

static int
ngx_eda_sio_too_deep(const unsigned char *p, size_t len, unsigned int max)
{
    int           in_string;
    size_t        i;
    unsigned int  depth;

    depth = 0;
    in_string = 0;

    for (i = 0; i < len; i++) {

        if (in_string) {
            if (p[i] == '\\') {
                i++;

            } else if (p[i] == '"') {
                in_string = 0;
            }

            continue;
        }

        switch (p[i]) {

        case '"':
            in_string = 1;
            break;

        case '[':
        case '{':
            if (++depth > max) {
                return 1;
            }
            break;

        case ']':
        case '}':
            if (depth > 0) {
                depth--;
            }
            break;

        default:
            break;
        }
    }

    return 0;
}


static int
ngx_eda_sio_payload_check(ngx_eda_sio_packet_t *pkt)
{
    json_t  *first;

    switch (pkt->type) {

    case NGX_EDA_SIO_CONNECT:
        return json_is_object(pkt->payload) ? NGX_EDA_SIO_OK
                                            : NGX_EDA_SIO_ERR_PAYLOAD;

    case NGX_EDA_SIO_ACK:
    case NGX_EDA_SIO_BINARY_ACK:
        return json_is_array(pkt->payload) ? NGX_EDA_SIO_OK
                                           : NGX_EDA_SIO_ERR_PAYLOAD;

    default: /* EVENT, BINARY_EVENT */
        if (!json_is_array(pkt->payload)
            || json_array_size(pkt->payload) == 0)
        {
            return NGX_EDA_SIO_ERR_PAYLOAD;
        }

        first = json_array_get(pkt->payload, 0);

        if (!json_is_string(first)) {
            return NGX_EDA_SIO_ERR_EVENT_NAME;
        }

        pkt->name = json_string_value(first);
        pkt->name_len = json_string_length(first);

        if (ngx_eda_sio_reserved((const unsigned char *) pkt->name,
                                 pkt->name_len))
        {
            return NGX_EDA_SIO_ERR_RESERVED;
        }

        return NGX_EDA_SIO_OK;
    }
}


void
ngx_eda_sio_binary_init(ngx_eda_sio_binary_t *b,
    ngx_eda_sio_attachment_t *att, unsigned int n)
{
    b->att = att;
    b->n = n;
    b->got = 0;
}


int
ngx_eda_sio_binary_add(ngx_eda_sio_binary_t *b, const unsigned char *data,
    size_t len)
{
    if (b->got == b->n) {
        return NGX_EDA_SIO_ERR_BIN_EXTRA;
    }

    b->att[b->got].data = data;
    b->att[b->got].len = len;
    b->att[b->got].used = 0;
    b->got++;

    return (b->got == b->n) ? NGX_EDA_SIO_OK : NGX_EDA_SIO_AGAIN;
}


int
ngx_eda_sio_binary_resolve(ngx_eda_sio_binary_t *b, json_t *payload,
    ngx_eda_sio_placeholder_pt make, void *ctx)
{
    int                 rc;
    unsigned int        i;
    ngx_eda_sio_walk_t  w;

    if (b->got < b->n) {
        return NGX_EDA_SIO_ERR_BIN_MISSING;
    }

    for (i = 0; i < b->n; i++) {
        b->att[i].used = 0;
    }

    /* everything is checked before anything is replaced */

    w.b = b;
    w.make = NULL;
    w.ctx = NULL;

    rc = ngx_eda_sio_walk(&w, payload, 1);
    if (rc != NGX_EDA_SIO_OK) {
        return rc;
    }

    for (i = 0; i < b->n; i++) {
        if (!b->att[i].used) {
            return NGX_EDA_SIO_ERR_PH_UNUSED;
        }
    }

    if (make == NULL) {
        return NGX_EDA_SIO_OK;
    }

    w.make = make;
    w.ctx = ctx;

    return ngx_eda_sio_walk(&w, payload, 1);
}


/* the members or elements of V, at depth DEPTH */

static int
ngx_eda_sio_walk(ngx_eda_sio_walk_t *w, json_t *v, unsigned int depth)
{
    int      rc;
    void    *it;
    size_t   i;
    json_t  *repl;

    if (depth > NGX_EDA_SIO_MAX_DEPTH) {
        return NGX_EDA_SIO_ERR_DEPTH;
    }

    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            rc = ngx_eda_sio_visit(w, json_array_get(v, i), depth, &repl);
            if (rc != NGX_EDA_SIO_OK) {
                return rc;
            }

            if (repl != NULL && json_array_set_new(v, i, repl) != 0) {
                return NGX_EDA_SIO_ERR_NOMEM;
            }
        }

        return NGX_EDA_SIO_OK;
    }

    for (it = json_object_iter(v); it != NULL;
         it = json_object_iter_next(v, it))
    {
        rc = ngx_eda_sio_visit(w, json_object_iter_value(it), depth, &repl);
        if (rc != NGX_EDA_SIO_OK) {
            return rc;
        }

        /* replacing a value keeps the iterator valid */
        if (repl != NULL && json_object_iter_set_new(v, it, repl) != 0) {
            return NGX_EDA_SIO_ERR_NOMEM;
        }
    }

    return NGX_EDA_SIO_OK;
}


/* one value inside a container at DEPTH; *REPL what replaces it */

static int
ngx_eda_sio_visit(ngx_eda_sio_walk_t *w, json_t *v, unsigned int depth,
    json_t **repl)
{
    *repl = NULL;

    if (json_is_object(v) && json_is_true(json_object_get(v, "_placeholder")))
    {
        return ngx_eda_sio_placeholder(w, v, repl);
    }

    if (json_is_array(v) || json_is_object(v)) {
        return ngx_eda_sio_walk(w, v, depth + 1);
    }

    return NGX_EDA_SIO_OK;
}


static int
ngx_eda_sio_placeholder(ngx_eda_sio_walk_t *w, json_t *v, json_t **repl)
{
    json_t                    *num;
    json_int_t                 k;
    ngx_eda_sio_attachment_t  *att;

    num = json_object_get(v, "num");

    if (!json_is_integer(num)) {
        return NGX_EDA_SIO_ERR_PLACEHOLDER;
    }

    k = json_integer_value(num);

    if (k < 0 || k >= (json_int_t) w->b->n) {
        return NGX_EDA_SIO_ERR_PLACEHOLDER;
    }

    att = &w->b->att[k];

    if (w->make == NULL) {
        if (att->used) {
            return NGX_EDA_SIO_ERR_PH_TWICE;
        }

        att->used = 1;

        return NGX_EDA_SIO_OK;
    }

    *repl = w->make(w->ctx, (unsigned int) k, att);

    return (*repl != NULL) ? NGX_EDA_SIO_OK : NGX_EDA_SIO_ERR_NOMEM;
}


int
ngx_eda_sio_reserved(const unsigned char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < sizeof(ngx_eda_sio_reserved_names)
                    / sizeof(ngx_eda_sio_reserved_names[0]); i++)
    {
        if (len == ngx_eda_sio_reserved_names[i].len
            && memcmp(name, ngx_eda_sio_reserved_names[i].name, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* encoders: checks first, then one walk that counts or writes */

static int
ngx_eda_sio_str_valid(const unsigned char *p, size_t len)
{
    return (p != NULL || len == 0) && ngx_eda_utf8_valid(p, len);
}


static int
ngx_eda_sio_nsp_main(const unsigned char *nsp, size_t len)
{
    return nsp == NULL || len == 0 || (len == 1 && nsp[0] == '/');
}


/*
 * A namespace other than the main one: '/', then no ',' (it would end
 * it) and no control character (a raw 0x1e would cut a polling body).
 */

static int
ngx_eda_sio_nsp_valid(const unsigned char *nsp, size_t len)
{
    size_t  i;

    if (len == 0 || nsp[0] != '/') {
        return 0;
    }

    for (i = 1; i < len; i++) {
        if (nsp[i] == ',' || nsp[i] < 0x20 || nsp[i] == 0x7f) {
            return 0;
        }
    }

    return ngx_eda_utf8_valid(nsp, len);
}


static int
ngx_eda_sio_head_valid(const ngx_eda_sio_head_t *h, unsigned int type)
{
    if (!ngx_eda_sio_nsp_main(h->nsp, h->nsp_len)
        && !ngx_eda_sio_nsp_valid(h->nsp, h->nsp_len))
    {
        return 0;
    }

    if (h->id > NGX_EDA_SIO_MAX_ACK_ID || h->id < -1) {
        return 0;
    }

    switch (type) {

    case NGX_EDA_SIO_EVENT:
        return 1;

    case NGX_EDA_SIO_ACK:
        return h->id >= 0;

    default:
        return h->id == -1;
    }
}


static int
ngx_eda_sio_args_valid(const ngx_eda_sio_raw_t *args, size_t nargs)
{
    size_t  i;

    for (i = 0; i < nargs; i++) {
        if (args[i].data == NULL || args[i].len == 0) {
            return 0;
        }
    }

    return 1;
}


/* [4]<type>[/nsp,][id] */

static void
ngx_eda_sio_put_head(ngx_eda_json_out_t *jo, const ngx_eda_sio_head_t *h,
    unsigned int type)
{
    unsigned char  c;

    if (h->flags & NGX_EDA_SIO_EIO_MESSAGE) {
        ngx_eda_json_put_lit(jo, "4");
    }

    c = (unsigned char) ('0' + type);
    ngx_eda_json_put(jo, &c, 1);

    if (!ngx_eda_sio_nsp_main(h->nsp, h->nsp_len)) {
        ngx_eda_json_put(jo, h->nsp, h->nsp_len);
        ngx_eda_json_put_lit(jo, ",");
    }

    if (h->id >= 0) {
        ngx_eda_json_put_uint(jo, (uint64_t) h->id);
    }
}


/* the raw values joined by ',', after one more ',' with COMMA_FIRST */

static void
ngx_eda_sio_put_args(ngx_eda_json_out_t *jo, const ngx_eda_sio_raw_t *args,
    size_t nargs, int comma_first)
{
    size_t  i;

    for (i = 0; i < nargs; i++) {
        if (i > 0 || comma_first) {
            ngx_eda_json_put_lit(jo, ",");
        }

        ngx_eda_json_put(jo, args[i].data, args[i].len);
    }
}


static size_t
ngx_eda_sio_event(unsigned char *out, const ngx_eda_sio_event_t *ev,
    unsigned int part)
{
    ngx_eda_json_out_t  jo;

    if (!ngx_eda_sio_head_valid(&ev->head, NGX_EDA_SIO_EVENT)
        || !ngx_eda_sio_str_valid(ev->name, ev->name_len)
        || ngx_eda_sio_reserved(ev->name, ev->name_len)
        || (ev->offset != NULL
            && !ngx_eda_utf8_valid(ev->offset, ev->offset_len))
        || (part == NGX_EDA_SIO_WHOLE
            && !ngx_eda_sio_args_valid(ev->args, ev->nargs)))
    {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);

    if (part != NGX_EDA_SIO_SUFFIX) {
        ngx_eda_sio_put_head(&jo, &ev->head, NGX_EDA_SIO_EVENT);
        ngx_eda_json_put_lit(&jo, "[");
        ngx_eda_json_put_string(&jo, ev->name, ev->name_len);
    }

    if (part == NGX_EDA_SIO_PREFIX) {
        ngx_eda_json_put_lit(&jo, ",");
        return jo.len;
    }

    if (part == NGX_EDA_SIO_WHOLE) {
        ngx_eda_sio_put_args(&jo, ev->args, ev->nargs, 1);
    }

    if (ev->offset != NULL) {
        ngx_eda_json_put_lit(&jo, ",");
        ngx_eda_json_put_string(&jo, ev->offset, ev->offset_len);
    }

    ngx_eda_json_put_lit(&jo, "]");

    return jo.len;
}


size_t
ngx_eda_sio_event_len(const ngx_eda_sio_event_t *ev)
{
    return ngx_eda_sio_event(NULL, ev, NGX_EDA_SIO_WHOLE);
}


size_t
ngx_eda_sio_event_write(unsigned char *out, const ngx_eda_sio_event_t *ev)
{
    return ngx_eda_sio_event(out, ev, NGX_EDA_SIO_WHOLE);
}


size_t
ngx_eda_sio_event_prefix_len(const ngx_eda_sio_event_t *ev)
{
    return ngx_eda_sio_event(NULL, ev, NGX_EDA_SIO_PREFIX);
}


size_t
ngx_eda_sio_event_prefix_write(unsigned char *out,
    const ngx_eda_sio_event_t *ev)
{
    return ngx_eda_sio_event(out, ev, NGX_EDA_SIO_PREFIX);
}


size_t
ngx_eda_sio_event_suffix_len(const ngx_eda_sio_event_t *ev)
{
    return ngx_eda_sio_event(NULL, ev, NGX_EDA_SIO_SUFFIX);
}


size_t
ngx_eda_sio_event_suffix_write(unsigned char *out,
    const ngx_eda_sio_event_t *ev)
{
    return ngx_eda_sio_event(out, ev, NGX_EDA_SIO_SUFFIX);
}


static size_t
ngx_eda_sio_ack(unsigned char *out, const ngx_eda_sio_head_t *h,
    const ngx_eda_sio_raw_t *args, size_t nargs)
{
    ngx_eda_json_out_t  jo;

    if (!ngx_eda_sio_head_valid(h, NGX_EDA_SIO_ACK)
        || !ngx_eda_sio_args_valid(args, nargs))
    {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);

    ngx_eda_sio_put_head(&jo, h, NGX_EDA_SIO_ACK);
    ngx_eda_json_put_lit(&jo, "[");
    ngx_eda_sio_put_args(&jo, args, nargs, 0);
    ngx_eda_json_put_lit(&jo, "]");

    return jo.len;
}


size_t
ngx_eda_sio_ack_len(const ngx_eda_sio_head_t *h,
    const ngx_eda_sio_raw_t *args, size_t nargs)
{
    return ngx_eda_sio_ack(NULL, h, args, nargs);
}


size_t
ngx_eda_sio_ack_write(unsigned char *out, const ngx_eda_sio_head_t *h,
    const ngx_eda_sio_raw_t *args, size_t nargs)
{
    return ngx_eda_sio_ack(out, h, args, nargs);
}


static size_t
ngx_eda_sio_connect(unsigned char *out, const ngx_eda_sio_head_t *h,
    const unsigned char *sid, size_t sid_len, const unsigned char *pid,
    size_t pid_len)
{
    ngx_eda_json_out_t  jo;

    if (!ngx_eda_sio_head_valid(h, NGX_EDA_SIO_CONNECT)
        || sid_len == 0 || !ngx_eda_sio_str_valid(sid, sid_len)
        || (pid != NULL && !ngx_eda_utf8_valid(pid, pid_len)))
    {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);

    ngx_eda_sio_put_head(&jo, h, NGX_EDA_SIO_CONNECT);
    ngx_eda_json_put_lit(&jo, "{\"sid\":");
    ngx_eda_json_put_string(&jo, sid, sid_len);

    if (pid != NULL) {
        ngx_eda_json_put_lit(&jo, ",\"pid\":");
        ngx_eda_json_put_string(&jo, pid, pid_len);
    }

    ngx_eda_json_put_lit(&jo, "}");

    return jo.len;
}


size_t
ngx_eda_sio_connect_len(const ngx_eda_sio_head_t *h,
    const unsigned char *sid, size_t sid_len, const unsigned char *pid,
    size_t pid_len)
{
    return ngx_eda_sio_connect(NULL, h, sid, sid_len, pid, pid_len);
}


size_t
ngx_eda_sio_connect_write(unsigned char *out, const ngx_eda_sio_head_t *h,
    const unsigned char *sid, size_t sid_len, const unsigned char *pid,
    size_t pid_len)
{
    return ngx_eda_sio_connect(out, h, sid, sid_len, pid, pid_len);
}


static size_t
ngx_eda_sio_connect_error(unsigned char *out, const ngx_eda_sio_head_t *h,
    const unsigned char *msg, size_t msg_len, const ngx_eda_sio_raw_t *data)
{
    ngx_eda_json_out_t  jo;

    if (!ngx_eda_sio_head_valid(h, NGX_EDA_SIO_CONNECT_ERROR)
        || !ngx_eda_sio_str_valid(msg, msg_len)
        || (data != NULL && !ngx_eda_sio_args_valid(data, 1)))
    {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);

    ngx_eda_sio_put_head(&jo, h, NGX_EDA_SIO_CONNECT_ERROR);
    ngx_eda_json_put_lit(&jo, "{\"message\":");
    ngx_eda_json_put_string(&jo, msg, msg_len);

    if (data != NULL) {
        ngx_eda_json_put_lit(&jo, ",\"data\":");
        ngx_eda_json_put(&jo, data->data, data->len);
    }

    ngx_eda_json_put_lit(&jo, "}");

    return jo.len;
}


size_t
ngx_eda_sio_connect_error_len(const ngx_eda_sio_head_t *h,
    const unsigned char *msg, size_t msg_len, const ngx_eda_sio_raw_t *data)
{
    return ngx_eda_sio_connect_error(NULL, h, msg, msg_len, data);
}


size_t
ngx_eda_sio_connect_error_write(unsigned char *out,
    const ngx_eda_sio_head_t *h, const unsigned char *msg, size_t msg_len,
    const ngx_eda_sio_raw_t *data)
{
    return ngx_eda_sio_connect_error(out, h, msg, msg_len, data);
}


static size_t
ngx_eda_sio_disconnect(unsigned char *out, const ngx_eda_sio_head_t *h)
{
    ngx_eda_json_out_t  jo;

    if (!ngx_eda_sio_head_valid(h, NGX_EDA_SIO_DISCONNECT)) {
        return 0;
    }

    ngx_eda_json_out_init(&jo, out);
    ngx_eda_sio_put_head(&jo, h, NGX_EDA_SIO_DISCONNECT);

    return jo.len;
}


size_t
ngx_eda_sio_disconnect_len(const ngx_eda_sio_head_t *h)
{
    return ngx_eda_sio_disconnect(NULL, h);
}


size_t
ngx_eda_sio_disconnect_write(unsigned char *out, const ngx_eda_sio_head_t *h)
{
    return ngx_eda_sio_disconnect(out, h);
}


const char *
ngx_eda_sio_strerror(int rc)
{
    if (rc == NGX_EDA_SIO_AGAIN) {
        return "attachments to come";
    }

    if (rc > 0 || -rc >= (int) (sizeof(ngx_eda_sio_errors)
                                / sizeof(ngx_eda_sio_errors[0])))
    {
        return "unknown error";
    }

    return ngx_eda_sio_errors[-rc];
}
