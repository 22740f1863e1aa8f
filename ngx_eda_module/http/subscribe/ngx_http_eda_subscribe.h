
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_SUBSCRIBE_H_INCLUDED_
#define _NGX_HTTP_EDA_SUBSCRIBE_H_INCLUDED_


/*
 * What the files of eda_subscribe share, and nothing outside this folder
 * needs: the configuration, the per-worker state, a connection's context
 * and the frames they pass around.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <librdkafka/rdkafka.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_ws_codec.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_kafka_reader.h"
#include "ngx_eda_cursor.h"


/* eda_ws_format */
#define NGX_HTTP_EDA_FORMAT_EVENT   0
#define NGX_HTTP_EDA_FORMAT_DATA    1

/* the bytes a client receives for an event: protocol + format */
#define NGX_HTTP_EDA_ENC_WS_EVENT   0
#define NGX_HTTP_EDA_ENC_WS_DATA    1
#define NGX_HTTP_EDA_ENC_SSE_EVENT  2
#define NGX_HTTP_EDA_ENC_SSE_DATA   3
#define NGX_HTTP_EDA_ENC_SIO        4          /* Socket.IO EVENT packets */
#define NGX_HTTP_EDA_ENC_N          5


typedef struct {
    ngx_str_t                   attr;
    int                         op;            /* NGX_EDA_FILTER_* */
    ngx_http_complex_value_t   *value;
} ngx_http_eda_sub_filter_conf_t;


typedef struct {
    ngx_array_t                *topics;        /* ngx_str_t */
    ngx_array_t                *filters;       /* ..._filter_conf_t */
    ngx_msec_t                  ping;
    size_t                      max_message;
    size_t                      send_buffer;
    ngx_uint_t                  history;
    ngx_uint_t                  format;
    ngx_str_t                   publish;       /* eda_ws_publish topic */
    ngx_array_t                *origins;       /* ngx_str_t, eda_ws_origin */
    ngx_array_t                *protocols;     /* eda_ws_subprotocols */
    ngx_uint_t                  stream;        /* its topics, in smcf */
    ngx_flag_t                  socketio;      /* eda_socketio */
    ngx_str_t                   sio_ns;        /* eda_socketio_namespace */
} ngx_http_eda_sub_loc_conf_t;


/* Kafka readers per worker for clients that resume, at most */
#define NGX_HTTP_EDA_READERS       8


/* a partition's next offset, or what is known of it */
#define NGX_HTTP_EDA_POS_NONE      -1          /* not the worker's */
#define NGX_HTTP_EDA_POS_UNKNOWN   -2          /* its, not yet reached */


/* where the worker's fan-out stands in a topic, per partition */
typedef struct {
    ngx_str_t                   name;
    uint32_t                    hash;          /* ngx_eda_cursor_topic() */
    int64_t                    *next;          /* NGX_HTTP_EDA_POS_* or */
    ngx_uint_t                  nparts;        /* the next offset */
} ngx_http_eda_sub_topic_t;


/* the topics of one or more locations: a cursor names these */
typedef struct {
    ngx_array_t                *names;         /* ngx_str_t */
    ngx_uint_t                 *topics;        /* into smcf->topics */
    ngx_str_t                   sio_ns;        /* Socket.IO's namespace */
} ngx_http_eda_sub_stream_t;


/* a partition a resuming client reads, and how far it has come */
typedef struct {
    ngx_uint_t                  topic;         /* into smcf->topics */
    int32_t                     partition;
    int64_t                     next;
    unsigned                    begin:1;       /* new: from its start */
    unsigned                    lost:1;        /* Kafka had not its offset */
    unsigned                    confirmed:1;   /* ... it has: read there */
    unsigned                    caught_up:1;   /* live: nothing to skip */
} ngx_http_eda_sub_part_t;


/* one frame, shared by every client it goes to and by the history */
typedef struct {
    ngx_uint_t                  refs;
    size_t                      len;
    u_char                      data[1];
} ngx_http_eda_ws_frame_t;


/* a past event of a topic, for clients that resume */
typedef struct {
    ngx_str_node_t              id;            /* in the ring's index; */
                                               /* ngx_alloc()ed, with key */
    ngx_http_eda_ws_frame_t    *frame;
    size_t                      hlen;          /* frame header bytes */
    uint64_t                    seq;
    ngx_str_t                   key;
} ngx_http_eda_sub_hist_t;


typedef struct {
    ngx_str_t                   topic;
    ngx_uint_t                  size;          /* eda_ws_history */
    size_t                      max_bytes;     /* eda_ws_send_buffer */
    size_t                      bytes;
    uint64_t                    forgotten;     /* seq of the last dropped */
    ngx_uint_t                  head;
    ngx_uint_t                  count;
    ngx_http_eda_sub_hist_t    *entries;
    ngx_rbtree_t                ids;           /* the entries by id */
    ngx_rbtree_node_t           sentinel;
} ngx_http_eda_sub_ring_t;


/* ms a client waits for the fan-out to know where it starts */
#define NGX_HTTP_EDA_START_WAIT     3000


/* per worker, set up in init_process */
typedef struct {
    ngx_queue_t                 clients;
    ngx_uint_t                  nclients;
    ngx_uint_t                  nprotocol[3];  /* ws, sse, socketio */
    ngx_uint_t                  used;          /* any eda_subscribe */
    ngx_uint_t                  socketio;      /* any eda_socketio */
    ngx_array_t                *rings;         /* ngx_http_eda_sub_ring_t */
    uint64_t                    seq;
    ngx_eda_main_conf_t        *emcf;

    ngx_array_t                *streams;       /* ..._sub_stream_t */
    ngx_array_t                *topics;        /* ..._sub_topic_t */
    ngx_http_eda_ws_frame_t   **frames;        /* a record's, per stream */
                                               /* and encoding */
    ngx_eda_cursor_pos_t       *scratch;       /* a cursor's positions */
    ngx_uint_t                  nscratch;
    u_char                     *cursor;        /* ... as text */

    /* durable resume: readers of Kafka, clients waiting for one */
    ngx_eda_kafka_reader_t     *readers[NGX_HTTP_EDA_READERS];
    void                       *reader_ctx[NGX_HTTP_EDA_READERS];
    ngx_uint_t                  nreaders;
    ngx_queue_t                 resuming;

    /* clients answered once the fan-out knows where it starts */
    ngx_queue_t                 starting;
} ngx_http_eda_sub_main_conf_t;


typedef struct ngx_http_eda_sio_s  ngx_http_eda_sio_t;
typedef struct ngx_http_eda_ws_ctx_s  ngx_http_eda_ws_ctx_t;


struct ngx_http_eda_ws_ctx_s {
    ngx_http_request_t         *request;
    ngx_queue_t                 queue;
    ngx_http_eda_sub_loc_conf_t *conf;
    ngx_http_eda_sub_main_conf_t *smcf;

    ngx_array_t                *filters;       /* ngx_eda_filter_t */
    ngx_uint_t                  enc;           /* NGX_HTTP_EDA_ENC_* */

    ngx_eda_ws_parser_t         parser;

    /*
     * The queue: a ring that grows by doubling, up to NGX_HTTP_EDA_WS_RING
     * frames, and is given back once drained, so an idle client holds
     * none of it.
     */
    ngx_http_eda_ws_frame_t   **out;
    ngx_uint_t                  out_size;
    ngx_uint_t                  out_head;
    ngx_uint_t                  out_count;
    size_t                      out_sent;      /* of out[out_head] */
    size_t                      queued;        /* bytes not yet sent */

    ngx_event_t                 ping;
    ngx_event_t                 linger;
    ngx_event_t                 fin;           /* posted by ..._finish() */
    ngx_event_t                 expiry;        /* the token's exp */

    /*
     * A resume: the last history entry replayed (live once caught up),
     * and what each ring of the location had dropped when it began.
     */
    uint64_t                    replay_seq;
    uint64_t                   *replay_floor;

    /*
     * A durable resume: the partitions read from Kafka (and once live,
     * the offsets below which the fan-out's records were sent already),
     * the reader while it reads.
     */
    ngx_eda_cursor_pos_t       *from;          /* the cursor's */
    size_t                      nfrom;
    ngx_str_t                   since;         /* ... as given */
    ngx_http_eda_sub_part_t    *parts;
    ngx_uint_t                  nparts;
    ngx_queue_t                 rqueue;        /* in smcf->resuming */

    /*
     * not answered yet: waiting in smcf->starting, for at most start;
     * then answered by started
     */
    ngx_queue_t                 squeue;
    ngx_event_t                 start;
    ngx_int_t                 (*started)(ngx_http_eda_ws_ctx_t *ctx);
    u_char                     *accept;
    ngx_str_t                   last_event_id;
    ngx_uint_t                  reader;        /* in smcf->readers */
    ngx_http_eda_ws_frame_t    *held;          /* read, waits for room */

    /* eda_ws_publish: the location's attributes, evaluated once */
    ngx_eda_ce_event_t         *tmpl;

    /* client events waiting for Kafka's acknowledgement, and their ids */
    ngx_eda_kafka_dr_t        **inflight;
    u_char                    (*inflight_id)[NGX_EDA_CE_UUID_LEN];
    int64_t                    *inflight_ack;  /* Socket.IO's ack ids */
    ngx_uint_t                  ninflight;

    ngx_http_eda_sio_t         *sio;           /* eda_socketio */

    unsigned                    registered:1;
    unsigned                    protocol:2;    /* its nprotocol[] */
    unsigned                    sse:1;         /* text/event-stream */
    unsigned                    pinged:1;
    unsigned                    closing:1;
    unsigned                    done:1;
    unsigned                    replaying:1;
    unsigned                    reading:1;     /* a durable resume */
    unsigned                    waiting:1;     /* ... for a reader */
    unsigned                    reader_paused:1;
    unsigned                    skipping:1;    /* parts: live, skip below */
    unsigned                    lost:1;        /* told: unavailable */
    unsigned                    silent:1;      /* no events (yet) */
    unsigned                    starting:1;    /* in smcf->starting */
};


extern ngx_module_t  ngx_http_eda_subscribe_module;


/* ngx_http_eda_ws_handshake.c: the content handler of eda_subscribe */
ngx_int_t ngx_http_eda_subscribe_handler(ngx_http_request_t *r);
void ngx_http_eda_ws_start_wait(ngx_http_eda_ws_ctx_t *ctx,
    ngx_int_t (*started)(ngx_http_eda_ws_ctx_t *ctx));
void ngx_http_eda_ws_start_waiting(ngx_http_eda_sub_main_conf_t *smcf);
void ngx_http_eda_ws_start_cancel(ngx_http_eda_ws_ctx_t *ctx);
ngx_int_t ngx_http_eda_sub_header(ngx_http_request_t *r, char *name,
    char *value, size_t len);

/* ngx_http_eda_ws_connection.c: a connection after its handshake */
ngx_http_eda_ws_ctx_t *ngx_http_eda_ws_create(ngx_http_request_t *r,
    ngx_uint_t sse);
void ngx_http_eda_ws_start(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_ws_control(ngx_http_eda_ws_ctx_t *ctx, u_char *frame,
    size_t len);
void ngx_http_eda_ws_text(ngx_http_eda_ws_ctx_t *ctx, u_char *json,
    size_t len);
void ngx_http_eda_ws_counted(ngx_http_eda_ws_ctx_t *ctx,
    ngx_uint_t registered);
void ngx_http_eda_ws_close(ngx_http_eda_ws_ctx_t *ctx, unsigned int code,
    const char *reason);
void ngx_http_eda_ws_finish(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_ws_arm_expiry(ngx_http_eda_ws_ctx_t *ctx);

/* ngx_http_eda_subscribe_filter.c: which events a connection gets */
ngx_int_t ngx_http_eda_ws_filters(ngx_http_request_t *r,
    ngx_http_eda_ws_ctx_t *ctx);
ngx_uint_t ngx_http_eda_sub_match(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *topic, ngx_eda_ce_event_t *ev, ngx_str_t *key);

/* ngx_http_eda_fanout.c: records to frames, frames to the sockets */
void ngx_http_eda_sub_record(const rd_kafka_message_t *msg, void *data);
ngx_http_eda_ws_frame_t *ngx_http_eda_sub_encode(ngx_uint_t enc,
    ngx_eda_ce_event_t *ev, const u_char *json, size_t len,
    ngx_str_t *cursor);
ngx_http_eda_ws_frame_t *ngx_http_eda_ws_encode(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_ce_event_t *ev, const u_char *json, size_t len,
    ngx_str_t *cursor);
ngx_http_eda_ws_frame_t *ngx_http_eda_ws_gather(ngx_uint_t opcode,
    ngx_str_t *parts, ngx_uint_t n);
ngx_http_eda_ws_frame_t *ngx_http_eda_ws_frame(const u_char *data,
    size_t len);
ngx_http_eda_ws_frame_t *ngx_http_eda_ws_message(ngx_uint_t opcode,
    const u_char *data, size_t len);
void ngx_http_eda_ws_release(ngx_http_eda_ws_frame_t *frame);
ngx_int_t ngx_http_eda_ws_enqueue(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_ws_frame_t *frame, ngx_uint_t force);
ngx_uint_t ngx_http_eda_ws_fits(ngx_http_eda_ws_ctx_t *ctx,
    ngx_http_eda_ws_frame_t *frame);
void ngx_http_eda_ws_overflow(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_ws_write(ngx_http_request_t *r);

/* ngx_http_eda_ws_history.c: eda_ws_history and resuming clients */
char *ngx_http_eda_ws_history_conf(ngx_conf_t *cf,
    ngx_http_eda_sub_loc_conf_t *conf);
ngx_int_t ngx_http_eda_ws_history_init(ngx_cycle_t *cycle,
    ngx_http_eda_sub_main_conf_t *smcf);
void ngx_http_eda_ws_history_exit(ngx_http_eda_sub_main_conf_t *smcf);
ngx_http_eda_sub_ring_t *ngx_http_eda_sub_ring(
    ngx_http_eda_sub_main_conf_t *smcf, ngx_str_t *topic);
void ngx_http_eda_sub_remember(ngx_http_eda_sub_ring_t *ring,
    ngx_http_eda_ws_frame_t *frame, size_t hlen, uint64_t seq,
    ngx_eda_ce_event_t *ev, const rd_kafka_message_t *msg);
void ngx_http_eda_ws_resume_request(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *last_event_id);
void ngx_http_eda_ws_replay_more(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_ws_resume_unavailable(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since);

/* ngx_http_eda_cursor.c: where the fan-out stands, clients' cursors */
char *ngx_http_eda_sub_stream_conf(ngx_conf_t *cf,
    ngx_http_eda_sub_loc_conf_t *conf);
ngx_int_t ngx_http_eda_sub_positions_init(ngx_cycle_t *cycle,
    ngx_http_eda_sub_main_conf_t *smcf);
void ngx_http_eda_sub_assign(rd_kafka_topic_partition_list_t *parts,
    ngx_uint_t assigned, void *data);
ngx_http_eda_sub_topic_t *ngx_http_eda_sub_topic(
    ngx_http_eda_sub_main_conf_t *smcf, const char *name, ngx_uint_t *index);
void ngx_http_eda_sub_advance(ngx_http_eda_sub_topic_t *t,
    int32_t partition, int64_t next);
int64_t ngx_http_eda_sub_position(ngx_http_eda_sub_topic_t *t,
    int32_t partition);
ngx_int_t ngx_http_eda_sub_cursor(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_uint_t stream, ngx_str_t *cursor);
ngx_int_t ngx_http_eda_sub_encode_cursor(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_eda_cursor_pos_t *pos, size_t n, ngx_str_t *cursor);

/* ngx_http_eda_resume.c: durable resume, from Kafka */
ngx_int_t ngx_http_eda_resume_request(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *since);
void ngx_http_eda_resume_kick(ngx_http_eda_sub_main_conf_t *smcf);
void ngx_http_eda_resume_drained(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_resume_cancel(ngx_http_eda_ws_ctx_t *ctx);
ngx_uint_t ngx_http_eda_resume_skip(ngx_http_eda_ws_ctx_t *ctx,
    ngx_uint_t topic, int32_t partition, int64_t offset);
void ngx_http_eda_resume_exit(ngx_http_eda_sub_main_conf_t *smcf);

/* ngx_http_eda_ws_publish.c: eda_ws_publish, client messages to Kafka */
ngx_int_t ngx_http_eda_ws_publish_init(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_ws_publish(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_ws_event_t *wev);

/*
 * A client event: TYPE (or the location's when empty), DATA of LEN bytes
 * (BINARY: application/octet-stream, else JSON or text), answered with
 * ACK (-1: the WebSocket endpoint's eda.ws.ack, else a Socket.IO ack).
 */
void ngx_http_eda_ws_publish_event(ngx_http_eda_ws_ctx_t *ctx,
    ngx_str_t *type, const u_char *data, size_t len, ngx_uint_t binary,
    int64_t ack);

/* ngx_http_eda_sio.c: eda_socketio, Engine.IO 4 and Socket.IO 5 */
ngx_int_t ngx_http_eda_sio_check(ngx_http_request_t *r);
ngx_int_t ngx_http_eda_sio_polling(ngx_http_request_t *r);
void ngx_http_eda_sio_poll_ready(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_post_done(ngx_http_eda_ws_ctx_t *ctx);
ngx_uint_t ngx_http_eda_sio_http(ngx_http_eda_ws_ctx_t *ctx);
ngx_int_t ngx_http_eda_sio_start(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_message(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_ws_event_t *wev);
ngx_uint_t ngx_http_eda_sio_match(ngx_http_eda_ws_ctx_t *ctx,
    ngx_eda_ce_event_t *ev, ngx_str_t *key);
ngx_http_eda_ws_frame_t *ngx_http_eda_sio_event(ngx_str_t *ns,
    ngx_eda_ce_event_t *ev, const u_char *json, size_t len,
    ngx_str_t *cursor);
void ngx_http_eda_sio_ping(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_expired(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_acked(ngx_http_eda_ws_ctx_t *ctx, int64_t ack,
    ngx_str_t *id, ngx_uint_t status, const char *detail, int32_t partition,
    int64_t offset);
void ngx_http_eda_sio_cleanup(ngx_http_eda_ws_ctx_t *ctx);
void ngx_http_eda_sio_notice(ngx_http_eda_ws_ctx_t *ctx, const char *name,
    u_char *json, size_t len);

/* ngx_http_eda_sse.c: the event stream (text/event-stream) */
ngx_int_t ngx_http_eda_sse_header(ngx_http_request_t *r);
ngx_http_eda_ws_frame_t *ngx_http_eda_sse_frame(const u_char *id,
    size_t id_len, const char *name, const u_char *data, size_t len,
    ngx_uint_t last);
ngx_http_eda_ws_frame_t *ngx_http_eda_sse_event(ngx_uint_t enc,
    ngx_eda_ce_event_t *ev, ngx_str_t *data, ngx_uint_t text,
    ngx_str_t *cursor);
ngx_http_eda_ws_frame_t *ngx_http_eda_sse_close(unsigned int code,
    const char *reason);


#endif /* _NGX_HTTP_EDA_SUBSCRIBE_H_INCLUDED_ */
