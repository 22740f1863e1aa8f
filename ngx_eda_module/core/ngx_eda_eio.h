
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_EIO_H_INCLUDED_
#define _NGX_EDA_EIO_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_eda_base64.h"


/*
 * Engine.IO protocol 4, the server side, without nginx: one packet read
 * from a WebSocket text frame, the packets of a polling request body, a
 * polling response body written, and the handshake's open packet.  No
 * nginx types: the same code is unit-tested (t/unit/test_eio.c) and
 * fuzzed (t/fuzz/fuzz_sio.c).
 *
 * A packet is a type digit and its data ("4hello", "2probe", "6").  On a
 * WebSocket a text frame is one packet and a binary frame is one binary
 * message as it is.  A polling body joins packets with the record
 * separator 0x1e, a binary message there being "b" and the padded base64
 * of its bytes ("4hello" 0x1e "bAQID").
 *
 * Reading a polling body:
 *
 *     size = NGX_EDA_EIO_BIN_SIZE(len);
 *     bin = alloc(size);
 *     ngx_eda_eio_payload_init(&it, body, len, max_packets, bin, size);
 *
 *     while ((rc = ngx_eda_eio_payload_next(&it, &pkt)) == NGX_EDA_EIO_OK) {
 *         handle pkt
 *     }
 *
 *     if (rc != NGX_EDA_EIO_DONE) {
 *         log ngx_eda_eio_strerror(rc), answer 400
 *     }
 *
 * Text packets point into the body; binary ones into BIN, each at its own
 * place, so every packet of the body stays valid until the body and BIN
 * go.  Nothing is allocated.
 */


/* packet types, the digit on the wire minus '0' */
#define NGX_EDA_EIO_OPEN             0
#define NGX_EDA_EIO_CLOSE            1
#define NGX_EDA_EIO_PING             2
#define NGX_EDA_EIO_PONG             3
#define NGX_EDA_EIO_MESSAGE          4
#define NGX_EDA_EIO_UPGRADE          5
#define NGX_EDA_EIO_NOOP             6

#define NGX_EDA_EIO_SEPARATOR        0x1e

/* the longest session id the open packet carries */
#define NGX_EDA_EIO_MAX_SID          255

/* the largest number the open packet carries: 2^53 - 1, exact in JS */
#define NGX_EDA_EIO_MAX_NUMBER       9007199254740991ULL

/* room for the binary messages of a polling body of LEN bytes */
#define NGX_EDA_EIO_BIN_SIZE(len)    ngx_eda_base64_decoded_max(len)


/* results of the decoders */
#define NGX_EDA_EIO_OK               0
#define NGX_EDA_EIO_DONE             1    /* no packet left in the body */
#define NGX_EDA_EIO_ERR_EMPTY        -1
#define NGX_EDA_EIO_ERR_TYPE         -2
#define NGX_EDA_EIO_ERR_UTF8         -3
#define NGX_EDA_EIO_ERR_BASE64       -4
#define NGX_EDA_EIO_ERR_NO_ROOM      -5
#define NGX_EDA_EIO_ERR_TOO_MANY     -6


/*
 * A packet read or to write.  binary: a message of bytes (type is then
 * NGX_EDA_EIO_MESSAGE).  Read packets have data never NULL, even when len
 * is 0.
 */
typedef struct {
    unsigned int          type;
    unsigned int          binary;
    const unsigned char  *data;
    size_t                len;
} ngx_eda_eio_packet_t;


/* the iterator over a polling body; the caller owns it, any memory */
typedef struct {
    const unsigned char  *pos;
    const unsigned char  *end;
    unsigned char        *bin;         /* what is left of the caller's */
    size_t                bin_size;
    unsigned int          count;
    unsigned int          max_packets;
    int                   rc;          /* NGX_EDA_EIO_OK while going */
} ngx_eda_eio_payload_t;


/* what the open packet says; the intervals are milliseconds */
typedef struct {
    const unsigned char  *sid;
    size_t                sid_len;
    unsigned int          websocket;   /* 1: may upgrade to WebSocket */
    uint64_t              ping_interval;
    uint64_t              ping_timeout;
    uint64_t              max_payload; /* bytes */
} ngx_eda_eio_open_t;


/*
 * Reads one packet of LEN bytes (a WebSocket text frame, or one packet
 * of a polling body).  Text data must be valid UTF-8.  A binary message
 * ("b" and base64, padded) is decoded into BIN, which must have room for
 * its bytes (NGX_EDA_EIO_BIN_SIZE(LEN) is always enough; BIN may be NULL
 * when BIN_SIZE is 0); otherwise PKT->data points into BUF.  Returns
 * NGX_EDA_EIO_OK or an error: _EMPTY (no type), _TYPE (not a known
 * type), _UTF8, _BASE64 or _NO_ROOM.
 */
int ngx_eda_eio_decode(const unsigned char *buf, size_t len,
    unsigned char *bin, size_t bin_size, ngx_eda_eio_packet_t *pkt);

/*
 * Starts reading the polling body BUF of LEN bytes: at most MAX_PACKETS
 * packets, binary ones decoded one after the other into BIN (BIN_SIZE
 * bytes, NGX_EDA_EIO_BIN_SIZE(LEN) for any body).
 */
void ngx_eda_eio_payload_init(ngx_eda_eio_payload_t *it,
    const unsigned char *buf, size_t len, unsigned int max_packets,
    unsigned char *bin, size_t bin_size);

/*
 * The next packet: NGX_EDA_EIO_OK with *PKT set, NGX_EDA_EIO_DONE after
 * the last one, or an error of ngx_eda_eio_decode() or _TOO_MANY.  An
 * empty body, and an empty packet anywhere (a separator at the end, two
 * in a row), are _EMPTY.  After DONE or an error every call returns the
 * same.
 */
int ngx_eda_eio_payload_next(ngx_eda_eio_payload_t *it,
    ngx_eda_eio_packet_t *pkt);

/*
 * A polling body of the N packets: the exact length, or 0 when N is 0,
 * a type is unknown, a binary packet is not a message or text data holds
 * the separator 0x1e (which would cut the packet in two).  The writer
 * writes that many bytes to OUT and returns their number, or 0 without
 * writing for what the length refuses.  One packet alone is also what a
 * WebSocket text frame carries.
 */
size_t ngx_eda_eio_payload_len(const ngx_eda_eio_packet_t *pkts, size_t n);
size_t ngx_eda_eio_payload_write(unsigned char *out,
    const ngx_eda_eio_packet_t *pkts, size_t n);

/*
 * The open packet "0{"sid":...,"upgrades":[...],"pingInterval":N,
 * "pingTimeout":N,"maxPayload":N}": the exact length, or 0 when the sid
 * is empty, longer than NGX_EDA_EIO_MAX_SID or not UTF-8, or a number is
 * above NGX_EDA_EIO_MAX_NUMBER.  The writer writes it to OUT and returns
 * the length, or 0 without writing.
 */
size_t ngx_eda_eio_open_len(const ngx_eda_eio_open_t *o);
size_t ngx_eda_eio_open_write(unsigned char *out,
    const ngx_eda_eio_open_t *o);

/* a static, NUL-terminated, ASCII text for a result (logs, reasons) */
const char *ngx_eda_eio_strerror(int rc);


#endif /* _NGX_EDA_EIO_H_INCLUDED_ */
