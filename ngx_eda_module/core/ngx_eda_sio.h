
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SIO_H_INCLUDED_
#define _NGX_EDA_SIO_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <jansson.h>


/*
 * Socket.IO protocol 5, the server side, without nginx: the packets a
 * client sends, read and checked as socket.io's own parser does (more
 * strictly where noted), the binary attachments that follow a binary
 * packet put back in place, and the packets the server sends, written
 * from JSON the caller already has.  No nginx types: the same code is
 * unit-tested (t/unit/test_sio.c) and fuzzed (t/fuzz/fuzz_sio.c).
 *
 * A packet travels as the data of an Engine.IO message (ngx_eda_eio.h):
 *
 *     <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
 *
 *     40                               CONNECT to "/"
 *     40/admin,{"token":"x"}           CONNECT to "/admin" with auth
 *     42["hello",1]                    EVENT "hello" with one argument
 *     421["x"]                         EVENT "x" asking for ack 1
 *     431["ok"]                        ACK 1
 *     451-["up",{"_placeholder":true,"num":0}]
 *                                      BINARY_EVENT, one attachment next
 *
 * Reading: ngx_eda_sio_decode() gives the type, the namespace, the ack
 * id and the payload parsed by jansson.  After a BINARY_EVENT or
 * BINARY_ACK the next ATTACHMENTS messages of the connection are binary:
 * the glue collects them with ngx_eda_sio_binary_add(), then
 * ngx_eda_sio_binary_resolve() checks every placeholder of the payload
 * and replaces each by a JSON value the glue makes from its bytes.
 *
 * Writing: every encoder has a _len function, the exact length (0 when
 * its input cannot make a valid packet: nothing is written then either),
 * and a _write function that writes that many bytes.  JSON the caller
 * gives as raw bytes (ngx_eda_sio_raw_t) is copied as it is, never
 * parsed: it must be one complete JSON value, as jansson writes it (no
 * raw control character, so never the Engine.IO separator 0x1e).
 * Strings the encoders quote (names, sids, messages) must be UTF-8.
 * With NGX_EDA_SIO_EIO_MESSAGE in the flags a packet starts with "4", so
 * it is a whole Engine.IO message, ready for a WebSocket text frame.
 *
 * An event shared by many clients is written once around its argument:
 * prefix "42["com.example.order.created"," then the shared JSON bytes,
 * then suffix ","OFFSET"]" (the last string argument is what socket.io's
 * connection state recovery keeps as the client's offset).
 */


/* packet types, the digit on the wire minus '0' */
#define NGX_EDA_SIO_CONNECT             0
#define NGX_EDA_SIO_DISCONNECT          1
#define NGX_EDA_SIO_EVENT               2
#define NGX_EDA_SIO_ACK                 3
#define NGX_EDA_SIO_CONNECT_ERROR       4
#define NGX_EDA_SIO_BINARY_EVENT        5
#define NGX_EDA_SIO_BINARY_ACK          6

/* the largest ack id: 2^53 - 1, the last integer exact in JavaScript */
#define NGX_EDA_SIO_MAX_ACK_ID          9007199254740991LL

/* payloads never nest deeper than this, whatever the limits say */
#define NGX_EDA_SIO_MAX_DEPTH           128

/* encoder flags */
#define NGX_EDA_SIO_EIO_MESSAGE         0x01   /* start with "4" */


/* results */
#define NGX_EDA_SIO_OK                  0
#define NGX_EDA_SIO_AGAIN               1      /* attachments to come */
#define NGX_EDA_SIO_ERR_EMPTY           -1
#define NGX_EDA_SIO_ERR_TYPE            -2
#define NGX_EDA_SIO_ERR_SERVER_ONLY     -3
#define NGX_EDA_SIO_ERR_ATTACHMENTS     -4
#define NGX_EDA_SIO_ERR_ATT_LIMIT       -5
#define NGX_EDA_SIO_ERR_NAMESPACE       -6
#define NGX_EDA_SIO_ERR_ACK_ID          -7
#define NGX_EDA_SIO_ERR_ACK_UNEXPECTED  -8
#define NGX_EDA_SIO_ERR_ACK_MISSING     -9
#define NGX_EDA_SIO_ERR_DEPTH           -10
#define NGX_EDA_SIO_ERR_JSON            -11
#define NGX_EDA_SIO_ERR_NOMEM           -12
#define NGX_EDA_SIO_ERR_NO_PAYLOAD      -13
#define NGX_EDA_SIO_ERR_PAYLOAD         -14
#define NGX_EDA_SIO_ERR_EVENT_NAME      -15
#define NGX_EDA_SIO_ERR_RESERVED        -16
#define NGX_EDA_SIO_ERR_BIN_EXTRA       -17
#define NGX_EDA_SIO_ERR_BIN_MISSING     -18
#define NGX_EDA_SIO_ERR_PLACEHOLDER     -19
#define NGX_EDA_SIO_ERR_PH_TWICE        -20
#define NGX_EDA_SIO_ERR_PH_UNUSED       -21


/* bytes the caller owns: a raw JSON value */
typedef struct {
    const unsigned char  *data;
    size_t                len;
} ngx_eda_sio_raw_t;


/*
 * What the decoder accepts.  max_attachments bounds the count a binary
 * packet announces (0: only "0-", none).  max_depth bounds the
 * nesting of arrays and objects in the payload (1: a flat array or
 * object); 0 or more than NGX_EDA_SIO_MAX_DEPTH means that constant.
 */
typedef struct {
    unsigned int          max_attachments;
    unsigned int          max_depth;
} ngx_eda_sio_limits_t;


/*
 * A packet read.  nsp points into the input, or to a static "/" when the
 * packet names none.  id is the ack id, -1 when there is none.  payload
 * is NULL or a new reference for the caller to json_decref().  For
 * EVENT and BINARY_EVENT name is the event name (the payload's first
 * element, valid while the payload is: UTF-8, no NUL), NULL otherwise.
 */
typedef struct {
    unsigned int          type;
    unsigned int          attachments;
    const unsigned char  *nsp;
    size_t                nsp_len;
    int64_t               id;
    json_t               *payload;
    const char           *name;
    size_t                name_len;
} ngx_eda_sio_packet_t;


/* one binary attachment: the caller's bytes; used is the resolver's */
typedef struct {
    const unsigned char  *data;
    size_t                len;
    unsigned int          used;
} ngx_eda_sio_attachment_t;


/* the attachments of one binary packet; the caller owns it, any memory */
typedef struct {
    ngx_eda_sio_attachment_t  *att;
    unsigned int               n;
    unsigned int               got;
} ngx_eda_sio_binary_t;


/*
 * Makes the JSON value that replaces placeholder NUM, whose attachment
 * is ATT: a new reference, or NULL when memory ran out.
 */
typedef json_t *(*ngx_eda_sio_placeholder_pt)(void *ctx, unsigned int num,
    const ngx_eda_sio_attachment_t *att);


/*
 * The head of a packet to write.  nsp NULL, empty or "/" is the main
 * namespace (written as nothing); another starts with '/', holds no ','
 * and no control character, and is UTF-8.  id is -1 or an ack id (at
 * most NGX_EDA_SIO_MAX_ACK_ID): an EVENT may ask for one, an ACK must
 * give one, other packets have none.
 */
typedef struct {
    unsigned int          flags;
    const unsigned char  *nsp;
    size_t                nsp_len;
    int64_t               id;
} ngx_eda_sio_head_t;


/*
 * An EVENT to write: ["NAME",ARGS...,"OFFSET"].  The name must not be
 * reserved (ngx_eda_sio_reserved()); offset NULL means none.
 */
typedef struct {
    ngx_eda_sio_head_t        head;
    const unsigned char      *name;
    size_t                    name_len;
    const ngx_eda_sio_raw_t  *args;
    size_t                    nargs;
    const unsigned char      *offset;
    size_t                    offset_len;
} ngx_eda_sio_event_t;


/*
 * Reads the Socket.IO packet BUF of LEN bytes (the data of an Engine.IO
 * message) into *PKT, as socket.io's parser does: the namespace runs
 * from '/' to the first ',' or to the end; the ack id is decimal digits
 * up to NGX_EDA_SIO_MAX_ACK_ID; the payload is the JSON text after them
 * (whitespace around it allowed, nothing else).  Stricter than
 * socket.io: an attachment count has at least one digit; CONNECT and
 * DISCONNECT carry no ack id and an ACK must have one; EVENT and ACK
 * must have a payload; the first element of an event is a string (not a
 * number).  jansson's limits apply to the JSON: integers beyond 64 bits,
 * reals beyond a double, "\u0000" and lone surrogate escapes are refused
 * (NGX_EDA_SIO_ERR_JSON).  Before the JSON only the namespace may hold
 * more than ASCII digits and signs: it must be UTF-8 without control
 * characters (stricter than socket.io: a raw 0x1e written back would cut
 * a polling body).
 *
 * Returns NGX_EDA_SIO_OK, or an error with pkt->payload NULL: _EMPTY,
 * _TYPE, _SERVER_ONLY (CONNECT_ERROR), _ATTACHMENTS, _ATT_LIMIT,
 * _NAMESPACE, _ACK_ID, _ACK_UNEXPECTED, _ACK_MISSING, _DEPTH, _JSON,
 * _NOMEM, _NO_PAYLOAD, _PAYLOAD (CONNECT: not an object; DISCONNECT:
 * any; EVENT: not a non-empty array; ACK: not an array), _EVENT_NAME or
 * _RESERVED.
 */
int ngx_eda_sio_decode(const unsigned char *buf, size_t len,
    const ngx_eda_sio_limits_t *lim, ngx_eda_sio_packet_t *pkt);

/*
 * Starts collecting the N attachments announced by a binary packet into
 * ATT, the caller's array of N entries.  With N 0 nothing is awaited.
 */
void ngx_eda_sio_binary_init(ngx_eda_sio_binary_t *b,
    ngx_eda_sio_attachment_t *att, unsigned int n);

/*
 * Takes the next attachment.  The bytes are not copied: they must stay
 * valid until ngx_eda_sio_binary_resolve() (a WebSocket parser's buffer
 * does not).  NGX_EDA_SIO_AGAIN while more are awaited, NGX_EDA_SIO_OK
 * with the last one, _BIN_EXTRA when all were there already.
 */
int ngx_eda_sio_binary_add(ngx_eda_sio_binary_t *b,
    const unsigned char *data, size_t len);

/*
 * Checks every placeholder inside PAYLOAD (an array or object), an
 * object whose "_placeholder" is true and whose "num" is K, at any
 * depth: K an integer naming an attachment, each named
 * exactly once.  Then, when MAKE is not NULL, replaces each placeholder
 * by MAKE's value.  NGX_EDA_SIO_OK, _BIN_MISSING (not all attachments
 * arrived), _PLACEHOLDER (K not an integer below N), _PH_TWICE,
 * _PH_UNUSED, _DEPTH (deeper than NGX_EDA_SIO_MAX_DEPTH) or _NOMEM (MAKE
 * returned NULL or jansson failed: the payload is then partly replaced,
 * still the caller's to free).
 */
int ngx_eda_sio_binary_resolve(ngx_eda_sio_binary_t *b, json_t *payload,
    ngx_eda_sio_placeholder_pt make, void *ctx);

/*
 * 1 if NAME is an event name socket.io reserves (connect, connect_error,
 * disconnect, disconnecting, newListener, removeListener): a client may
 * not send it and the server must not emit it.  0 otherwise.
 */
int ngx_eda_sio_reserved(const unsigned char *name, size_t len);

/* EVENT: [4]2[/nsp,][id]["name",args...[,"offset"]] */
size_t ngx_eda_sio_event_len(const ngx_eda_sio_event_t *ev);
size_t ngx_eda_sio_event_write(unsigned char *out,
    const ngx_eda_sio_event_t *ev);

/*
 * The same EVENT around one argument the caller writes between: prefix
 * [4]2[/nsp,][id]["name", and suffix [,"offset"]] (ev->args is not
 * used).  Both are 0 for an event the others refuse.
 */
size_t ngx_eda_sio_event_prefix_len(const ngx_eda_sio_event_t *ev);
size_t ngx_eda_sio_event_prefix_write(unsigned char *out,
    const ngx_eda_sio_event_t *ev);
size_t ngx_eda_sio_event_suffix_len(const ngx_eda_sio_event_t *ev);
size_t ngx_eda_sio_event_suffix_write(unsigned char *out,
    const ngx_eda_sio_event_t *ev);

/* ACK: [4]3[/nsp,]id[args...] */
size_t ngx_eda_sio_ack_len(const ngx_eda_sio_head_t *h,
    const ngx_eda_sio_raw_t *args, size_t nargs);
size_t ngx_eda_sio_ack_write(unsigned char *out, const ngx_eda_sio_head_t *h,
    const ngx_eda_sio_raw_t *args, size_t nargs);

/* CONNECT answer: [4]0[/nsp,]{"sid":"sid"[,"pid":"pid"]}; pid NULL: none */
size_t ngx_eda_sio_connect_len(const ngx_eda_sio_head_t *h,
    const unsigned char *sid, size_t sid_len, const unsigned char *pid,
    size_t pid_len);
size_t ngx_eda_sio_connect_write(unsigned char *out,
    const ngx_eda_sio_head_t *h, const unsigned char *sid, size_t sid_len,
    const unsigned char *pid, size_t pid_len);

/* CONNECT_ERROR: [4]4[/nsp,]{"message":"msg"[,"data":data]}; data NULL */
size_t ngx_eda_sio_connect_error_len(const ngx_eda_sio_head_t *h,
    const unsigned char *msg, size_t msg_len, const ngx_eda_sio_raw_t *data);
size_t ngx_eda_sio_connect_error_write(unsigned char *out,
    const ngx_eda_sio_head_t *h, const unsigned char *msg, size_t msg_len,
    const ngx_eda_sio_raw_t *data);

/* DISCONNECT: [4]1[/nsp,] */
size_t ngx_eda_sio_disconnect_len(const ngx_eda_sio_head_t *h);
size_t ngx_eda_sio_disconnect_write(unsigned char *out,
    const ngx_eda_sio_head_t *h);

/* a static, NUL-terminated, ASCII text for a result (logs, reasons) */
const char *ngx_eda_sio_strerror(int rc);


#endif /* _NGX_EDA_SIO_H_INCLUDED_ */
