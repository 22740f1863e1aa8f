
/*
 * Copyright (C) ngx_eda authors
 *
 * Where the worker's fan-out stands: the next offset of every partition
 * of every subscribed topic, from the records it delivers and the ends of
 * partitions it reaches, so that with each event a client can be given a
 * cursor (ngx_eda_cursor.h) it resumes from, on any worker of any
 * gateway.  Locations with the same topics share a stream, and an event's
 * frames are shared per stream: the cursor is the same for all of them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_cursor.h"
#include "ngx_http_eda_subscribe.h"


static ngx_uint_t ngx_http_eda_sub_same(ngx_array_t *a, ngx_array_t *b);
static ngx_int_t ngx_http_eda_sub_grow(ngx_http_eda_sub_topic_t *t,
    int32_t partition);
static ngx_int_t ngx_http_eda_sub_scratch(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_uint_t n);


/* at configuration: the location's stream, a new one for new topics */

char *
ngx_http_eda_sub_stream_conf(ngx_conf_t *cf, ngx_http_eda_sub_loc_conf_t *conf)
{
    ngx_uint_t                     i;
    ngx_http_eda_sub_stream_t     *s;
    ngx_http_eda_sub_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_eda_subscribe_module);

    if (smcf->streams == NULL) {
        smcf->streams = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_eda_sub_stream_t));
        if (smcf->streams == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    s = smcf->streams->elts;

    for (i = 0; i < smcf->streams->nelts; i++) {
        if (ngx_http_eda_sub_same(s[i].names, conf->topics)
            && s[i].sio_ns.len == conf->sio_ns.len
            && ngx_strncmp(s[i].sio_ns.data, conf->sio_ns.data,
                           conf->sio_ns.len) == 0)
        {
            conf->stream = i;
            return NGX_CONF_OK;
        }
    }

    s = ngx_array_push(smcf->streams);
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    s->names = conf->topics;
    s->topics = NULL;
    s->sio_ns = conf->sio_ns;
    conf->stream = smcf->streams->nelts - 1;

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_eda_sub_same(ngx_array_t *a, ngx_array_t *b)
{
    ngx_str_t   *x, *y;
    ngx_uint_t   i;

    if (a->nelts != b->nelts) {
        return 0;
    }

    x = a->elts;
    y = b->elts;

    for (i = 0; i < a->nelts; i++) {
        if (x[i].len != y[i].len
            || ngx_strncmp(x[i].data, y[i].data, x[i].len) != 0)
        {
            return 0;
        }
    }

    return 1;
}


/* init_process: a table per topic, streams pointing into it */

ngx_int_t
ngx_http_eda_sub_positions_init(ngx_cycle_t *cycle,
    ngx_http_eda_sub_main_conf_t *smcf)
{
    ngx_str_t                  *name;
    ngx_uint_t                  i, j, k;
    ngx_http_eda_sub_topic_t   *t;
    ngx_http_eda_sub_stream_t  *s;

    smcf->topics = ngx_array_create(cycle->pool, 4,
                                    sizeof(ngx_http_eda_sub_topic_t));
    if (smcf->topics == NULL || smcf->streams == NULL) {
        return NGX_ERROR;
    }

    s = smcf->streams->elts;

    for (i = 0; i < smcf->streams->nelts; i++) {
        s[i].topics = ngx_palloc(cycle->pool,
                                 s[i].names->nelts * sizeof(ngx_uint_t));
        if (s[i].topics == NULL) {
            return NGX_ERROR;
        }

        name = s[i].names->elts;

        for (j = 0; j < s[i].names->nelts; j++) {
            if (ngx_http_eda_sub_topic(smcf, (char *) name[j].data, &k)
                == NULL)
            {
                t = ngx_array_push(smcf->topics);
                if (t == NULL) {
                    return NGX_ERROR;
                }

                ngx_memzero(t, sizeof(ngx_http_eda_sub_topic_t));
                t->name = name[j];
                t->hash = ngx_eda_cursor_topic(name[j].data, name[j].len);
                k = smcf->topics->nelts - 1;
            }

            s[i].topics[j] = k;
        }
    }

    smcf->frames = ngx_pcalloc(cycle->pool, smcf->streams->nelts
                               * NGX_HTTP_EDA_ENC_N
                               * sizeof(ngx_http_eda_ws_frame_t *));

    return (smcf->frames != NULL) ? NGX_OK : NGX_ERROR;
}


/* topic names are NUL-terminated, librdkafka's too */

ngx_http_eda_sub_topic_t *
ngx_http_eda_sub_topic(ngx_http_eda_sub_main_conf_t *smcf, const char *name,
    ngx_uint_t *index)
{
    size_t                     len;
    ngx_uint_t                 i;
    ngx_http_eda_sub_topic_t  *t;

    if (smcf->topics == NULL) {
        return NULL;
    }

    len = ngx_strlen(name);
    t = smcf->topics->elts;

    for (i = 0; i < smcf->topics->nelts; i++) {
        if (t[i].name.len == len
            && ngx_strncmp(t[i].name.data, name, len) == 0)
        {
            if (index != NULL) {
                *index = i;
            }

            return &t[i];
        }
    }

    return NULL;
}


/*
 * The group's assignment.  The group is the worker's own, so a partition
 * taken comes back to it at the next rebalance (its group coordinator
 * moved, a broker restarted): the worker keeps where it stood, and a
 * partition given back starts there, so no record is skipped (starting
 * from the end again would skip those written in between).  A partition
 * given for the first time starts from the end, known at the consumer's
 * first record or end.  Clients waiting to resume may now start.
 */

void
ngx_http_eda_sub_assign(rd_kafka_topic_partition_list_t *parts,
    ngx_uint_t assigned, void *data)
{
    ngx_http_eda_sub_main_conf_t *smcf = data;

    int                        i;
    int64_t                   *next;
    ngx_http_eda_sub_topic_t  *t;

    for (i = 0; i < parts->cnt; i++) {
        t = ngx_http_eda_sub_topic(smcf, parts->elems[i].topic, NULL);

        if (t == NULL
            || ngx_http_eda_sub_grow(t, parts->elems[i].partition) != NGX_OK)
        {
            continue;
        }

        next = &t->next[parts->elems[i].partition];

        if (*next >= 0) {
            if (assigned) {
                parts->elems[i].offset = *next;

                ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                              "eda: fan-out: partition %d of \"%s\" given "
                              "back by its group, read on from offset %L",
                              (int) parts->elems[i].partition,
                              parts->elems[i].topic, *next);
            }

            continue;
        }

        *next = assigned ? NGX_HTTP_EDA_POS_UNKNOWN : NGX_HTTP_EDA_POS_NONE;
    }

    ngx_http_eda_resume_kick(smcf);
}


void
ngx_http_eda_sub_advance(ngx_http_eda_sub_topic_t *t, int32_t partition,
    int64_t next)
{
    if (ngx_http_eda_sub_grow(t, partition) == NGX_OK
        && next > t->next[partition])
    {
        t->next[partition] = next;
    }
}


int64_t
ngx_http_eda_sub_position(ngx_http_eda_sub_topic_t *t, int32_t partition)
{
    if (partition < 0 || (ngx_uint_t) partition >= t->nparts) {
        return NGX_HTTP_EDA_POS_NONE;
    }

    return t->next[partition];
}


static ngx_int_t
ngx_http_eda_sub_grow(ngx_http_eda_sub_topic_t *t, int32_t partition)
{
    int64_t     *next;
    ngx_uint_t   i, n;

    if (partition < 0 || partition >= NGX_EDA_CURSOR_MAX) {
        return NGX_ERROR;
    }

    if ((ngx_uint_t) partition < t->nparts) {
        return NGX_OK;
    }

    n = ngx_max((ngx_uint_t) partition + 1, 2 * t->nparts);

    next = ngx_alloc(n * sizeof(int64_t), ngx_cycle->log);
    if (next == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        next[i] = (i < t->nparts) ? t->next[i] : NGX_HTTP_EDA_POS_NONE;
    }

    if (t->next != NULL) {
        ngx_free(t->next);
    }

    t->next = next;
    t->nparts = n;

    return NGX_OK;
}


/*
 * The cursor of STREAM as the fan-out stands now: NGX_DECLINED while a
 * partition of its topics is the worker's but where it starts is not yet
 * known, or no partition is.  CURSOR points into a buffer of the worker's
 * that the next call overwrites.
 */

ngx_int_t
ngx_http_eda_sub_cursor(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_uint_t stream, ngx_str_t *cursor)
{
    ngx_uint_t                  i, j, n;
    ngx_http_eda_sub_topic_t   *t;
    ngx_http_eda_sub_stream_t  *s;

    s = (ngx_http_eda_sub_stream_t *) smcf->streams->elts + stream;

    n = 0;

    for (i = 0; i < s->names->nelts; i++) {
        t = (ngx_http_eda_sub_topic_t *) smcf->topics->elts + s->topics[i];
        n += t->nparts;
    }

    if (ngx_http_eda_sub_scratch(smcf, n) != NGX_OK) {
        return NGX_ERROR;
    }

    n = 0;

    for (i = 0; i < s->names->nelts; i++) {
        t = (ngx_http_eda_sub_topic_t *) smcf->topics->elts + s->topics[i];

        for (j = 0; j < t->nparts; j++) {
            if (t->next[j] == NGX_HTTP_EDA_POS_UNKNOWN) {
                return NGX_DECLINED;
            }

            if (t->next[j] >= 0) {
                smcf->scratch[n].topic = t->hash;
                smcf->scratch[n].partition = (int32_t) j;
                smcf->scratch[n].offset = t->next[j];
                n++;
            }
        }
    }

    return ngx_http_eda_sub_encode_cursor(smcf, smcf->scratch, n, cursor);
}


/* POS (N of them, may be smcf->scratch) as text in the worker's buffer */

ngx_int_t
ngx_http_eda_sub_encode_cursor(ngx_http_eda_sub_main_conf_t *smcf,
    ngx_eda_cursor_pos_t *pos, size_t n, ngx_str_t *cursor)
{
    if (n == 0 || ngx_http_eda_sub_scratch(smcf, n) != NGX_OK) {
        return NGX_DECLINED;
    }

    cursor->data = smcf->cursor;
    cursor->len = ngx_eda_cursor_encode(pos, n, (char *) smcf->cursor);

    return cursor->len ? NGX_OK : NGX_DECLINED;
}


/* room for N positions and their text, kept for the next calls */

static ngx_int_t
ngx_http_eda_sub_scratch(ngx_http_eda_sub_main_conf_t *smcf, ngx_uint_t n)
{
    u_char                *text;
    ngx_eda_cursor_pos_t  *pos;

    if (n <= smcf->nscratch) {
        return NGX_OK;
    }

    n = ngx_max(n, 2 * smcf->nscratch);

    pos = ngx_alloc(n * sizeof(ngx_eda_cursor_pos_t), ngx_cycle->log);
    text = ngx_alloc(ngx_eda_cursor_max_len(n), ngx_cycle->log);

    if (pos == NULL || text == NULL) {
        if (pos != NULL) {
            ngx_free(pos);
        }

        if (text != NULL) {
            ngx_free(text);
        }

        return NGX_ERROR;
    }

    if (smcf->scratch != NULL) {
        ngx_memcpy(pos, smcf->scratch,
                   smcf->nscratch * sizeof(ngx_eda_cursor_pos_t));
        ngx_free(smcf->scratch);
        ngx_free(smcf->cursor);
    }

    smcf->scratch = pos;
    smcf->cursor = text;
    smcf->nscratch = n;

    return NGX_OK;
}
