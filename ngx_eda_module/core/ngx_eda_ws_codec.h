
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_WS_CODEC_H_INCLUDED_
#define _NGX_EDA_WS_CODEC_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_eda_utf8.h"


/*
 * The server side of RFC 6455 without nginx: the handshake's accept key,
 * an incremental parser of client frames, the writer of server frames and
 * the UTF-8 checks the protocol needs.  No nginx types: the same code is
 * unit-tested (t/unit/test_ws_parser.c, test_ws_writer.c) and fuzzed
 * (t/fuzz/fuzz_ws.c).
 *
 * Reading: the glue keeps one ngx_eda_ws_parser_t per connection and
 * feeds it whatever the socket gave, in chunks of any size:
 *
 *     for ( ;; ) {
 *         rc = ngx_eda_ws_parse(&p, pos, last - pos, &n, &ev);
 *         pos += n;
 *
 *         if (rc == NGX_EDA_WS_AGAIN) {
 *             break;               all of the chunk was consumed
 *         }
 *
 *         if (rc == NGX_EDA_WS_ERROR) {
 *             send a close frame with ev.code and ev.reason, then close
 *         }
 *
 *         handle the event: ev.opcode is TEXT, BINARY, PING, PONG or CLOSE
 *     }
 *
 * Writing: server frames are not masked, so a frame is a header of at
 * most NGX_EDA_WS_MAX_HEADER bytes followed by the payload as it is; the
 * glue writes the header into a small per-connection buffer and chains
 * the payload bytes it shares between connections behind it.
 */


#define NGX_EDA_WS_ACCEPT_LEN        28   /* base64 of a SHA-1 */
#define NGX_EDA_WS_KEY_LEN           24   /* base64 of 16 bytes */
#define NGX_EDA_WS_MAX_HEADER        10   /* server frame header */
#define NGX_EDA_WS_MAX_CONTROL       125  /* control frame payload */
#define NGX_EDA_WS_MAX_REASON        123  /* close payload minus code */

/* a whole control frame from the server: 2 header bytes and the payload */
#define NGX_EDA_WS_MAX_CONTROL_FRAME  (2 + NGX_EDA_WS_MAX_CONTROL)

/* message buffers larger than this are freed after their message */
#define NGX_EDA_WS_KEEP_BUFFER       4096


/* opcodes */
#define NGX_EDA_WS_OP_CONT           0x0
#define NGX_EDA_WS_OP_TEXT           0x1
#define NGX_EDA_WS_OP_BINARY         0x2
#define NGX_EDA_WS_OP_CLOSE          0x8
#define NGX_EDA_WS_OP_PING           0x9
#define NGX_EDA_WS_OP_PONG           0xa


/* close codes (RFC 6455 section 7.4.1 and the IANA registry) */
#define NGX_EDA_WS_CLOSE_NORMAL      1000
#define NGX_EDA_WS_CLOSE_GOING_AWAY  1001
#define NGX_EDA_WS_CLOSE_PROTOCOL    1002
#define NGX_EDA_WS_CLOSE_UNSUPPORTED 1003
#define NGX_EDA_WS_CLOSE_NO_STATUS   1005   /* never sent: "no code" */
#define NGX_EDA_WS_CLOSE_ABNORMAL    1006   /* never sent */
#define NGX_EDA_WS_CLOSE_INVALID     1007
#define NGX_EDA_WS_CLOSE_POLICY      1008
#define NGX_EDA_WS_CLOSE_TOO_BIG     1009
#define NGX_EDA_WS_CLOSE_INTERNAL    1011
#define NGX_EDA_WS_CLOSE_TRY_LATER   1013


/* results of ngx_eda_ws_parse() */
#define NGX_EDA_WS_AGAIN             0
#define NGX_EDA_WS_EVENT             1
#define NGX_EDA_WS_ERROR             -1


/*
 * What ngx_eda_ws_parse() reports.
 *
 * NGX_EDA_WS_EVENT: opcode is NGX_EDA_WS_OP_TEXT or _BINARY (a whole
 * message, fragments joined, unmasked; text is valid UTF-8), _PING or
 * _PONG (data is the payload, at most 125 bytes), or _CLOSE (code is the
 * peer's close code, NGX_EDA_WS_CLOSE_NO_STATUS when it sent none; data
 * is the reason, valid UTF-8, at most 123 bytes).  data is never NULL,
 * even when len is 0, and stays valid until the next call of
 * ngx_eda_ws_parse() or ngx_eda_ws_parser_destroy().  reason is NULL.
 *
 * NGX_EDA_WS_ERROR: code is the close code to send back (1002, 1007,
 * 1009 or 1011) and reason a static, NUL-terminated, ASCII text for the
 * close frame.  data is NULL and len 0.
 */
typedef struct {
    unsigned int          opcode;
    unsigned int          code;
    const unsigned char  *data;
    size_t                len;
    const char           *reason;
} ngx_eda_ws_event_t;


/*
 * The per-connection parser state.  The caller owns the struct (any
 * memory: a pool is fine) and only touches it through the functions
 * below; the message buffer it points to is malloc()ed and freed by
 * ngx_eda_ws_parser_destroy().
 */
typedef struct {
    size_t              max_message;

    unsigned int        state;
    unsigned int        opcode;       /* of the current frame */
    unsigned int        fin;
    unsigned int        hdr_len;
    unsigned int        hdr_need;
    unsigned char       hdr[14];
    unsigned char       mask[4];
    uint64_t            frame_len;
    uint64_t            frame_got;

    unsigned int        msg_opcode;   /* 0: no message in progress */
    unsigned int        delivered;    /* last event was a message */
    unsigned char      *buf;
    size_t              len;
    size_t              cap;
    ngx_eda_utf8_t      utf8;

    unsigned char       ctl[NGX_EDA_WS_MAX_CONTROL];

    unsigned int        err_code;
    const char         *err_reason;
} ngx_eda_ws_parser_t;


/*
 * Computes Sec-WebSocket-Accept for the client's Sec-WebSocket-Key:
 * base64(SHA-1(key + the RFC 6455 GUID)), exactly NGX_EDA_WS_ACCEPT_LEN
 * bytes written to OUT, no NUL.  The key must be the canonical base64 of
 * 16 bytes (24 characters, "==" padding, zero pad bits), with no
 * surrounding whitespace.  Returns 0, or -1 for an invalid key (the glue
 * answers 400) or a failure of libcrypto.
 */
int ngx_eda_ws_accept_key(const char *key, size_t len, char *out);

/*
 * Starts a parser; MAX_MESSAGE bounds a data message (all its fragments
 * together), 0 allowing only empty ones.  Control frames have their own
 * bound of 125 bytes and need no memory beyond the struct.
 */
void ngx_eda_ws_parser_init(ngx_eda_ws_parser_t *p, size_t max_message);

/*
 * Frees what the parser allocated; the struct may then be reused with
 * ngx_eda_ws_parser_init().  Safe to call twice.
 */
void ngx_eda_ws_parser_destroy(ngx_eda_ws_parser_t *p);

/*
 * Parses client frames from BUF (LEN bytes, any part of the stream; LEN
 * may be 0).  *CONSUMED is set to the bytes used in every case.
 *
 * NGX_EDA_WS_AGAIN: all LEN bytes were consumed, no event is complete;
 * call again when more bytes arrive.
 *
 * NGX_EDA_WS_EVENT: *EV holds an event; the bytes after *CONSUMED are
 * not parsed yet: call again with them (possibly none).
 *
 * NGX_EDA_WS_ERROR: the client broke the protocol (*EV has the close code
 * and reason to send), or memory ran out (1011).  The state is final:
 * every later call returns the same error.
 *
 * Client frames must be masked, use no RSV bits and known opcodes, and
 * encode their length in the fewest bytes (RFC 6455 section 5.2: "the
 * minimal number of bytes MUST be used"); control frames are never
 * fragmented and carry at most 125 bytes, and may come between the
 * fragments of a message.  A message longer than max_message fails with
 * 1009 as soon as a frame header announces it, before its bytes are
 * buffered; text fails with 1007 at the first byte that cannot be UTF-8,
 * even across fragments.  Memory grows as the bytes arrive, not as
 * announced.
 *
 * After a CLOSE event the closing handshake has begun: later bytes are
 * consumed and ignored (NGX_EDA_WS_AGAIN).
 */
int ngx_eda_ws_parse(ngx_eda_ws_parser_t *p, const unsigned char *buf,
    size_t len, size_t *consumed, ngx_eda_ws_event_t *ev);

/*
 * 1 if a close frame may carry CODE: 1000-1003 and 1007-1011 (RFC 6455),
 * 1012-1014 (registered with IANA since; the gateway itself sends 1013),
 * 3000-4999 (libraries and applications); 0 otherwise, notably for
 * 1004-1006 and 1015, which are never put on the wire.
 */
int ngx_eda_ws_close_code_valid(unsigned int code);

/*
 * Writes the header of a server frame (unmasked, RSV bits clear) to OUT,
 * which has room for NGX_EDA_WS_MAX_HEADER bytes, and returns its length:
 * 2, 4 or 10 bytes, the length encoded in the fewest bytes.  The LEN
 * payload bytes follow the header unchanged.  FIN is 0 or 1; OPCODE is
 * not checked (callers pass the constants above).
 */
size_t ngx_eda_ws_frame_header(unsigned char *out, unsigned int opcode,
    unsigned int fin, uint64_t len);

/*
 * Writes a whole close frame to OUT (room for
 * NGX_EDA_WS_MAX_CONTROL_FRAME bytes) and returns its length.  CODE 0
 * means a close without a code (and without a reason); otherwise the code
 * must pass ngx_eda_ws_close_code_valid(), else 0 is returned.  The reason
 * is cut to its longest valid UTF-8 prefix of at most
 * NGX_EDA_WS_MAX_REASON bytes: a character is never split, and invalid
 * bytes are never sent.
 */
size_t ngx_eda_ws_close_frame(unsigned char *out, unsigned int code,
    const char *reason, size_t len);

/*
 * Write a whole ping or pong frame to OUT (room for
 * NGX_EDA_WS_MAX_CONTROL_FRAME bytes) and return its length, or 0 when
 * the payload is longer than NGX_EDA_WS_MAX_CONTROL.  A pong answers a
 * ping with the ping's payload.
 */
size_t ngx_eda_ws_ping_frame(unsigned char *out, const unsigned char *data,
    size_t len);
size_t ngx_eda_ws_pong_frame(unsigned char *out, const unsigned char *data,
    size_t len);

#endif /* _NGX_EDA_WS_CODEC_H_INCLUDED_ */
