
/*
 * Copyright (C) ngx_eda authors
 *
 * The saga store: the Redis keys of instances, timers and outboxes, the
 * Lua scripts that change them atomically, one builder for the arguments
 * of every command, and the sagas' clock.  The HTTP side (starts and
 * reads) and the coordinator (transitions, timers, outboxes) both go
 * through it.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_eda_redis.h"
#include "ngx_eda_saga_store.h"


#define NGX_EDA_SAGA_IDEM_TTL      "86400"  /* s an Idempotency-Key keeps
                                               its saga */
#define NGX_EDA_SAGA_KEEP          "604800" /* s a finished instance stays */
#define NGX_EDA_SAGA_OUTBOX_READ   64       /* records a sweep reads */
#define NGX_EDA_SAGA_KEY_LEN       299      /* a key, at most */
#define NGX_EDA_SAGA_IDEM_KEY_LEN  599      /* an idempotency key's */

/* a command's arguments, besides its records */
#define NGX_EDA_SAGA_MAX_ARGS      (16 + NGX_EDA_SAGA_OUTBOX_MAX)
#define NGX_EDA_SAGA_ARGS_BUF      2048


/*
 * The arguments of one command as they are added: EVAL's count of keys
 * is the number of ngx_eda_saga_args_key() calls, filled in when sent.
 * Keys and numbers are written into buf, which outlives the call.
 */
typedef struct {
    const char                 *argv[NGX_EDA_SAGA_MAX_ARGS];
    size_t                      lens[NGX_EDA_SAGA_MAX_ARGS];
    int                         argc;
    int                         numkeys;       /* its index; 0: not EVAL */
    ngx_uint_t                  nkeys;
    ngx_uint_t                  full;          /* an argument too many */
    u_char                     *last;
    u_char                      buf[NGX_EDA_SAGA_ARGS_BUF];
} ngx_eda_saga_args_t;


static void ngx_eda_saga_args_command(ngx_eda_saga_args_t *a,
    const char *name);
static void ngx_eda_saga_args_eval(ngx_eda_saga_args_t *a,
    const char *script);
static void ngx_eda_saga_args_add(ngx_eda_saga_args_t *a, const void *data,
    size_t len);
static void ngx_eda_saga_args_str(ngx_eda_saga_args_t *a, const char *s);
static void ngx_eda_saga_args_int(ngx_eda_saga_args_t *a, int64_t n);
static void ngx_eda_saga_args_key(ngx_eda_saga_args_t *a,
    ngx_eda_main_conf_t *emcf, ngx_str_t *id, const char *suffix);
static void ngx_eda_saga_args_idem_key(ngx_eda_saga_args_t *a,
    ngx_eda_main_conf_t *emcf, ngx_eda_saga_start_t *s);
static void ngx_eda_saga_args_records(ngx_eda_saga_args_t *a,
    ngx_str_t *records, ngx_uint_t n);
static ngx_eda_redis_cmd_t *ngx_eda_saga_args_send(ngx_eda_saga_args_t *a,
    ngx_eda_main_conf_t *emcf, ngx_eda_redis_handler_pt handler,
    void *data);
static ngx_eda_redis_cmd_t *ngx_eda_saga_store_claim(
    ngx_eda_main_conf_t *emcf, ngx_str_t *set, int64_t upto, int64_t lease,
    ngx_uint_t limit, ngx_eda_redis_handler_pt handler, void *data);


static ngx_str_t  ngx_eda_saga_timers = ngx_string("timers");
static ngx_str_t  ngx_eda_saga_outboxes = ngx_string("outbox");


/*
 * A start: the Idempotency-Key, if any, keeps the first start's id and
 * the digest of its input for a day; the same key with another input is
 * refused.  The instance is written "pending" with its timer due at once,
 * so whichever coordinator polls first starts it.
 *
 * KEYS: idempotency key, instance hash, timers.
 * ARGV: id, state, due, key TTL, "1" when there is an Idempotency-Key,
 * the input's digest.
 */

static const char  *ngx_eda_saga_script_create =
    "if ARGV[5] == '1' then "
    "  local prev = redis.call('HMGET', KEYS[1], 'id', 'input') "
    "  if prev[1] then "
    "    if prev[2] ~= ARGV[6] then return {2, prev[1]} end "
    "    return {0, prev[1]} "
    "  end "
    "  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'input', ARGV[6]) "
    "  redis.call('EXPIRE', KEYS[1], ARGV[4]) "
    "end "
    "redis.call('HSET', KEYS[2], 'state', ARGV[2], 'v', '1') "
    "redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) "
    "return {1, ARGV[1]}";


/*
 * A transition: written only if the version it was computed from is still
 * the current one, with its timer and the records it must produce.
 *
 * KEYS: instance hash, its outbox, timers, outboxes.
 * ARGV: version read, new state, due ("0": none), id, now, TTL of a
 * finished instance ("0": not finished), records...
 */

static const char  *ngx_eda_saga_script_commit =
    "if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end "
    "redis.call('HSET', KEYS[1], 'state', ARGV[2], 'v', "
    "           tostring(tonumber(ARGV[1]) + 1)) "
    "if ARGV[3] == '0' then redis.call('ZREM', KEYS[3], ARGV[4]) "
    "else redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4]) end "
    "if #ARGV > 6 then "
    "  for i = 7, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end "
    "  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[4]) "
    "end "
    "if ARGV[6] ~= '0' then "
    "  redis.call('EXPIRE', KEYS[1], ARGV[6]) "
    "  redis.call('EXPIRE', KEYS[2], ARGV[6]) "
    "end "
    "return 1";


/*
 * Records Kafka acknowledged leave the outbox.
 * KEYS: the instance's outbox, outboxes.  ARGV: id, records...
 */

static const char  *ngx_eda_saga_script_done =
    "for i = 2, #ARGV do redis.call('LREM', KEYS[1], 1, ARGV[i]) end "
    "if redis.call('LLEN', KEYS[1]) == 0 then "
    "  redis.call('ZREM', KEYS[2], ARGV[1]) "
    "end "
    "return 1";


/*
 * The instances due by ARGV[1] in a sorted set, at most ARGV[3], each
 * pushed to ARGV[2]: a coordinator that dies holding them only delays
 * them until then.
 */

static const char  *ngx_eda_saga_script_claim =
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], "
    "                       'LIMIT', 0, tonumber(ARGV[3])) "
    "for _, id in ipairs(ids) do "
    "  redis.call('ZADD', KEYS[1], ARGV[2], id) "
    "end "
    "return ids";


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_create(ngx_eda_main_conf_t *emcf, ngx_eda_saga_start_t *s,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_eval(&a, ngx_eda_saga_script_create);
    ngx_eda_saga_args_idem_key(&a, emcf, s);
    ngx_eda_saga_args_key(&a, emcf, s->id, "");
    ngx_eda_saga_args_key(&a, emcf, &ngx_eda_saga_timers, "");

    ngx_eda_saga_args_add(&a, s->id->data, s->id->len);
    ngx_eda_saga_args_add(&a, s->state, s->state_len);
    ngx_eda_saga_args_int(&a, s->due);
    ngx_eda_saga_args_str(&a, NGX_EDA_SAGA_IDEM_TTL);
    ngx_eda_saga_args_str(&a, s->idem->len ? "1" : "0");
    ngx_eda_saga_args_add(&a, s->digest->data, s->digest->len);

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_state(ngx_eda_main_conf_t *emcf, ngx_str_t *id,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_command(&a, "HGET");
    ngx_eda_saga_args_key(&a, emcf, id, "");
    ngx_eda_saga_args_str(&a, "state");

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_read(ngx_eda_main_conf_t *emcf, ngx_str_t *id,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_command(&a, "HMGET");
    ngx_eda_saga_args_key(&a, emcf, id, "");
    ngx_eda_saga_args_str(&a, "state");
    ngx_eda_saga_args_str(&a, "v");

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_commit(ngx_eda_main_conf_t *emcf, ngx_eda_saga_commit_t *c,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_eval(&a, ngx_eda_saga_script_commit);
    ngx_eda_saga_args_key(&a, emcf, c->id, "");
    ngx_eda_saga_args_key(&a, emcf, c->id, ":outbox");
    ngx_eda_saga_args_key(&a, emcf, &ngx_eda_saga_timers, "");
    ngx_eda_saga_args_key(&a, emcf, &ngx_eda_saga_outboxes, "");

    ngx_eda_saga_args_add(&a, c->version->data, c->version->len);
    ngx_eda_saga_args_add(&a, c->state, c->state_len);
    ngx_eda_saga_args_int(&a, c->due);
    ngx_eda_saga_args_add(&a, c->id->data, c->id->len);
    ngx_eda_saga_args_int(&a, c->now);
    ngx_eda_saga_args_str(&a, c->terminal ? NGX_EDA_SAGA_KEEP : "0");
    ngx_eda_saga_args_records(&a, c->records, c->nrecords);

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_timer(ngx_eda_main_conf_t *emcf, ngx_str_t *id,
    int64_t due)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_command(&a, due ? "ZADD" : "ZREM");
    ngx_eda_saga_args_key(&a, emcf, &ngx_eda_saga_timers, "");

    if (due) {
        ngx_eda_saga_args_int(&a, due);
    }

    ngx_eda_saga_args_add(&a, id->data, id->len);

    return ngx_eda_saga_args_send(&a, emcf, NULL, NULL);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_claim_timers(ngx_eda_main_conf_t *emcf, int64_t upto,
    int64_t lease, ngx_uint_t limit, ngx_eda_redis_handler_pt handler,
    void *data)
{
    return ngx_eda_saga_store_claim(emcf, &ngx_eda_saga_timers, upto, lease,
                                    limit, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_claim_outboxes(ngx_eda_main_conf_t *emcf, int64_t upto,
    int64_t lease, ngx_uint_t limit, ngx_eda_redis_handler_pt handler,
    void *data)
{
    return ngx_eda_saga_store_claim(emcf, &ngx_eda_saga_outboxes, upto, lease,
                                    limit, handler, data);
}


static ngx_eda_redis_cmd_t *
ngx_eda_saga_store_claim(ngx_eda_main_conf_t *emcf, ngx_str_t *set,
    int64_t upto, int64_t lease, ngx_uint_t limit,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_eval(&a, ngx_eda_saga_script_claim);
    ngx_eda_saga_args_key(&a, emcf, set, "");
    ngx_eda_saga_args_int(&a, upto);
    ngx_eda_saga_args_int(&a, lease);
    ngx_eda_saga_args_int(&a, (int64_t) limit);

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_outbox(ngx_eda_main_conf_t *emcf, ngx_str_t *id,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_command(&a, "LRANGE");
    ngx_eda_saga_args_key(&a, emcf, id, ":outbox");
    ngx_eda_saga_args_int(&a, 0);
    ngx_eda_saga_args_int(&a, NGX_EDA_SAGA_OUTBOX_READ - 1);

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


ngx_eda_redis_cmd_t *
ngx_eda_saga_store_clear(ngx_eda_main_conf_t *emcf, ngx_str_t *id,
    ngx_str_t *records, ngx_uint_t nrecords,
    ngx_eda_redis_handler_pt handler, void *data)
{
    ngx_eda_saga_args_t  a;

    ngx_eda_saga_args_eval(&a, ngx_eda_saga_script_done);
    ngx_eda_saga_args_key(&a, emcf, id, ":outbox");
    ngx_eda_saga_args_key(&a, emcf, &ngx_eda_saga_outboxes, "");

    ngx_eda_saga_args_add(&a, id->data, id->len);
    ngx_eda_saga_args_records(&a, records, nrecords);

    return ngx_eda_saga_args_send(&a, emcf, handler, data);
}


int64_t
ngx_eda_saga_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + tp->msec;
}


/* ------------------------------------------------------------------------
 * arguments
 */

static void
ngx_eda_saga_args_command(ngx_eda_saga_args_t *a, const char *name)
{
    a->argc = 0;
    a->numkeys = 0;
    a->nkeys = 0;
    a->full = 0;
    a->last = a->buf;

    ngx_eda_saga_args_str(a, name);
}


/* EVAL SCRIPT, and where the count of keys goes */

static void
ngx_eda_saga_args_eval(ngx_eda_saga_args_t *a, const char *script)
{
    ngx_eda_saga_args_command(a, "EVAL");
    ngx_eda_saga_args_str(a, script);

    a->numkeys = a->argc;
    ngx_eda_saga_args_add(a, "", 0);
}


static void
ngx_eda_saga_args_add(ngx_eda_saga_args_t *a, const void *data, size_t len)
{
    if (a->argc == NGX_EDA_SAGA_MAX_ARGS) {
        a->full = 1;
        return;
    }

    a->argv[a->argc] = data;
    a->lens[a->argc] = len;
    a->argc++;
}


static void
ngx_eda_saga_args_str(ngx_eda_saga_args_t *a, const char *s)
{
    ngx_eda_saga_args_add(a, s, ngx_strlen(s));
}


static void
ngx_eda_saga_args_int(ngx_eda_saga_args_t *a, int64_t n)
{
    u_char  *p;

    p = ngx_snprintf(a->last, a->buf + sizeof(a->buf) - a->last, "%L", n);
    ngx_eda_saga_args_add(a, a->last, p - a->last);
    a->last = p;
}


/* "<prefix>saga:<id><suffix>", a key of the script (or the command) */

static void
ngx_eda_saga_args_key(ngx_eda_saga_args_t *a, ngx_eda_main_conf_t *emcf,
    ngx_str_t *id, const char *suffix)
{
    u_char  *p;
    size_t   room;

    room = ngx_min(NGX_EDA_SAGA_KEY_LEN,
                   (size_t) (a->buf + sizeof(a->buf) - a->last));

    p = ngx_snprintf(a->last, room, "%Vsaga:%V%s",
                     ngx_eda_redis_prefix(emcf), id, suffix);
    ngx_eda_saga_args_add(a, a->last, p - a->last);
    a->last = p;
    a->nkeys++;
}


/*
 * "<prefix>saga:idem:<saga>:<scope>:<Idempotency-Key>": a key is only
 * ever its caller's.  One that does not fit fails the command rather than
 * being cut (two cut keys could be the same).
 */

static void
ngx_eda_saga_args_idem_key(ngx_eda_saga_args_t *a, ngx_eda_main_conf_t *emcf,
    ngx_eda_saga_start_t *s)
{
    u_char  *p;
    size_t   room;

    room = ngx_min(NGX_EDA_SAGA_IDEM_KEY_LEN,
                   (size_t) (a->buf + sizeof(a->buf) - a->last));

    p = ngx_snprintf(a->last, room, "%Vsaga:idem:%V:%V:%V",
                     ngx_eda_redis_prefix(emcf), s->saga, s->scope, s->idem);

    if ((size_t) (p - a->last) == room) {
        a->full = 1;
    }

    ngx_eda_saga_args_add(a, a->last, p - a->last);
    a->last = p;
    a->nkeys++;
}


static void
ngx_eda_saga_args_records(ngx_eda_saga_args_t *a, ngx_str_t *records,
    ngx_uint_t n)
{
    ngx_uint_t  i;

    for (i = 0; i < n; i++) {
        ngx_eda_saga_args_add(a, records[i].data, records[i].len);
    }
}


static ngx_eda_redis_cmd_t *
ngx_eda_saga_args_send(ngx_eda_saga_args_t *a, ngx_eda_main_conf_t *emcf,
    ngx_eda_redis_handler_pt handler, void *data)
{
    u_char  *p;

    if (a->full) {
        return NULL;
    }

    if (a->numkeys) {
        p = ngx_snprintf(a->last, a->buf + sizeof(a->buf) - a->last, "%ui",
                         a->nkeys);
        a->argv[a->numkeys] = (char *) a->last;
        a->lens[a->numkeys] = p - a->last;
        a->last = p;
    }

    return ngx_eda_redis_command(emcf, handler, data, a->argc, a->argv,
                                 a->lens);
}
