
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_emit: the response tap.  The response of a location (typically a
 * proxied REST service) is published as a CloudEvent once it is complete:
 * the status and a few headers as extensions, the body as data.  The
 * filter only looks: every buffer goes on to the client unchanged and at
 * once, and nothing that happens to the event (a size limit, a Kafka
 * outage, an invalid attribute) changes the response.  This file is the
 * module: its directives, the header and body filters that follow a
 * response, $eda_emit_status and the rate-limited failure log; the body
 * is copied by ngx_http_eda_emit_body.c and the event made and queued by
 * ngx_http_eda_emit_event.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_eda_metrics.h"
#include "ngx_http_eda_emit_body.h"
#include "ngx_http_eda_emit_filter_module.h"
#include "ngx_http_eda_emit_event.h"


#define NGX_HTTP_EDA_EMIT_2XX         0
#define NGX_HTTP_EDA_EMIT_ALL         1

#define NGX_HTTP_EDA_EMIT_MAX_BODY    (64 * 1024)

/* failures logged per second and worker; the rest are only counted */
#define NGX_HTTP_EDA_EMIT_WARN_BURST  10


/* per worker: the failures logged in the current second */
typedef struct {
    time_t                      warn_time;
    ngx_uint_t                  warn_logged;
    ngx_uint_t                  warn_suppressed;
} ngx_http_eda_emit_main_conf_t;


static ngx_int_t ngx_http_eda_emit_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_emit_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_eda_emit_content_type(ngx_http_request_t *r,
    ngx_str_t *type);
static void ngx_http_eda_emit_location(ngx_http_request_t *r,
    ngx_str_t *location);
static ngx_int_t ngx_http_eda_emit_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_emit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static ngx_int_t ngx_http_eda_emit_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_eda_emit_init(ngx_conf_t *cf);
static void *ngx_http_eda_emit_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_eda_emit_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_emit_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_eda_emit_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_eda_emit_commands[] = {

    { ngx_string("eda_emit"),
      NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF|NGX_CONF_TAKE12,
      ngx_http_eda_emit_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_emit_max_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_emit_loc_conf_t, max_body),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_emit_filter_module_ctx = {
    ngx_http_eda_emit_add_variables,       /* preconfiguration */
    ngx_http_eda_emit_init,                /* postconfiguration */

    ngx_http_eda_emit_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_emit_create_loc_conf,     /* create location configuration */
    ngx_http_eda_emit_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_eda_emit_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_emit_filter_module_ctx,  /* module context */
    ngx_http_eda_emit_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_eda_emit_status_name =
    ngx_string("eda_emit_status");

/* by state; an unfinished response has no value */
static ngx_str_t  ngx_http_eda_emit_states[] = {
    ngx_string("skipped"),
    ngx_null_string,
    ngx_string("queued"),
    ngx_string("failed")
};

static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/*
 * The decision is taken after the rest of the header chain ran, on the
 * status the client gets (a 304 from If-None-Match, a 206 for a Range).
 * Responses without a body for the client (HEAD, 204, 304) are emitted at
 * once: no last buffer follows them.
 */

static ngx_int_t
ngx_http_eda_emit_header_filter(ngx_http_request_t *r)
{
    off_t                          expected;
    ngx_int_t                      rc;
    ngx_uint_t                     status;
    ngx_http_eda_emit_ctx_t       *ctx;
    ngx_http_eda_emit_loc_conf_t  *elcf;

    elcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_emit_filter_module);

    if (elcf->topic.data == NULL || r != r->main || r->post_action) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_emit_filter_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_emit_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_eda_emit_filter_module);

    } else {
        /* a second header for the request: the first response was lost */
        ngx_memzero(ctx, sizeof(ngx_http_eda_emit_ctx_t));
    }

    /* the length of the body this filter will see, before gzip and ranges */
    expected = r->headers_out.content_length_n;

    rc = ngx_http_next_header_filter(r);

    /*
     * A filter may have replaced the response (ngx_http_filter_finalize_
     * request() clears every module's context and sends another header
     * through this filter): that response has its own context.
     */

    if (rc == NGX_ERROR
        || ngx_http_get_module_ctx(r, ngx_http_eda_emit_filter_module) != ctx)
    {
        return rc;
    }

    status = r->headers_out.status;

    /*
     * 1xx answers are not final (101 turns the connection into a tunnel)
     * and a 206 carries part of a representation, not an outcome.
     */

    if (status < NGX_HTTP_OK
        || status == NGX_HTTP_PARTIAL_CONTENT
        || (elcf->on == NGX_HTTP_EDA_EMIT_2XX
            && status >= NGX_HTTP_SPECIAL_RESPONSE))
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "eda emit: status %ui skipped", status);
        return rc;
    }

    ctx->state = NGX_HTTP_EDA_EMIT_COLLECTING;
    ctx->status = status;
    ctx->body.expected = expected;

    if (ngx_http_eda_emit_content_type(r, &ctx->content_type) != NGX_OK) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "out of memory", NULL);
        return rc;
    }

    ngx_http_eda_emit_location(r, &ctx->location);

    if (r->header_only) {
        ngx_http_eda_emit(r, ctx, elcf);
        return rc;
    }

    if (expected > (off_t) elcf->max_body) {
        ngx_http_eda_emit_body_omit(r, &ctx->body);
    }

    return rc;
}


/* the Content-Type as nginx sends it (ngx_http_header_filter()) */

static ngx_int_t
ngx_http_eda_emit_content_type(ngx_http_request_t *r, ngx_str_t *type)
{
    *type = r->headers_out.content_type;

    if (r->headers_out.content_type.len == 0
        || r->headers_out.content_type_len != r->headers_out.content_type.len
        || r->headers_out.charset.len == 0)
    {
        return NGX_OK;
    }

    type->len = r->headers_out.content_type.len + sizeof("; charset=") - 1
                + r->headers_out.charset.len;

    type->data = ngx_pnalloc(r->pool, type->len);
    if (type->data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(type->data, "%V; charset=%V", &r->headers_out.content_type,
                &r->headers_out.charset);

    return NGX_OK;
}


/*
 * r->headers_out.location is read whatever its hash: ngx_http_header_filter()
 * zeroes it when it writes a relative Location as an absolute URL itself.
 * A relative Location from an upstream is only in the list (the upstream
 * module keeps it out of headers_out.location for that very reason).
 */

static void
ngx_http_eda_emit_location(ngx_http_request_t *r, ngx_str_t *location)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (r->headers_out.location != NULL) {
        *location = r->headers_out.location->value;
        return;
    }

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash != 0
            && h[i].key.len == sizeof("Location") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Location",
                               sizeof("Location") - 1)
               == 0)
        {
            *location = h[i].value;
            return;
        }
    }
}


/*
 * Copies the response as it passes, then hands the very same chain on.
 * The event is produced after the last buffer went on, so building it
 * never holds the response back.
 */

static ngx_int_t
ngx_http_eda_emit_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                      rc;
    ngx_uint_t                     last;
    ngx_chain_t                   *cl;
    ngx_http_eda_emit_ctx_t       *ctx;
    ngx_http_eda_emit_loc_conf_t  *elcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_emit_filter_module);

    if (ctx == NULL || ctx->state != NGX_HTTP_EDA_EMIT_COLLECTING) {
        return ngx_http_next_body_filter(r, in);
    }

    elcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_emit_filter_module);

    last = 0;

    for (cl = in; cl != NULL; cl = cl->next) {

        if (ctx->state == NGX_HTTP_EDA_EMIT_COLLECTING
            && ngx_http_eda_emit_body_add(r, &ctx->body, cl->buf,
                                          elcf->max_body)
               != NGX_OK)
        {
            ngx_http_eda_emit_fail(r, ctx, NGX_LOG_WARN, "out of memory",
                                   NULL);
        }

        if (cl->buf->last_buf) {
            last = 1;
        }
    }

    rc = ngx_http_next_body_filter(r, in);

    /*
     * The service's response is complete even if the client is gone
     * (rc == NGX_ERROR), so it is emitted all the same; unless a later
     * filter replaced it (see the header filter).
     */

    if (!last
        || ngx_http_get_module_ctx(r, ngx_http_eda_emit_filter_module) != ctx
        || ctx->state != NGX_HTTP_EDA_EMIT_COLLECTING)
    {
        return rc;
    }

    ngx_http_eda_emit(r, ctx, elcf);

    return rc;
}


void
ngx_http_eda_emit_fail(ngx_http_request_t *r, ngx_http_eda_emit_ctx_t *ctx,
    ngx_uint_t level, const char *reason, ngx_str_t *attr)
{
    ngx_uint_t                      suppressed;
    ngx_eda_main_conf_t            *emcf;
    ngx_http_eda_emit_loc_conf_t   *elcf;
    ngx_http_eda_emit_main_conf_t  *mcf;

    ctx->state = NGX_HTTP_EDA_EMIT_FAILED;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);
    ngx_eda_metrics_count(emcf, NGX_EDA_M_EMIT_FAILED, 1);

    /* a Kafka outage fails every response: a few lines a second suffice */

    mcf = ngx_http_get_module_main_conf(r, ngx_http_eda_emit_filter_module);

    suppressed = 0;

    if (mcf->warn_time != ngx_time()) {
        suppressed = mcf->warn_suppressed;
        mcf->warn_time = ngx_time();
        mcf->warn_logged = 0;
        mcf->warn_suppressed = 0;
    }

    if (mcf->warn_logged == NGX_HTTP_EDA_EMIT_WARN_BURST) {
        mcf->warn_suppressed++;
        return;
    }

    mcf->warn_logged++;

    elcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_emit_filter_module);

    if (suppressed) {
        ngx_log_error(level, r->connection->log, 0,
                      "eda: %ui more responses not emitted and not "
                      "logged before", suppressed);
    }

    if (attr != NULL && attr->len) {
        ngx_log_error(level, r->connection->log, 0,
                      "eda: response %ui not emitted to \"%V\": %s "
                      "(attribute \"%V\")",
                      ctx->status, &elcf->topic, reason, attr);

    } else {
        ngx_log_error(level, r->connection->log, 0,
                      "eda: response %ui not emitted to \"%V\": %s",
                      ctx->status, &elcf->topic, reason);
    }
}


/*
 * A response whose last buffer never came (the client or the upstream
 * connection broke) is not emitted: its body is incomplete.  That is a
 * lost event, counted, but logged at info like nginx's own client aborts.
 */

static ngx_int_t
ngx_http_eda_emit_log_handler(ngx_http_request_t *r)
{
    ngx_http_eda_emit_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_emit_filter_module);

    if (ctx != NULL && ctx->state == NGX_HTTP_EDA_EMIT_COLLECTING) {
        ngx_http_eda_emit_fail(r, ctx, NGX_LOG_INFO,
                               "the response did not complete", NULL);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_emit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                     state;
    ngx_http_eda_emit_ctx_t       *ctx;
    ngx_http_eda_emit_loc_conf_t  *elcf;

    elcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_emit_filter_module);

    if (elcf->topic.data == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_eda_emit_filter_module);

    state = (ctx != NULL) ? ctx->state : NGX_HTTP_EDA_EMIT_SKIPPED;

    if (state == NGX_HTTP_EDA_EMIT_COLLECTING) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_http_eda_emit_states[state].data;
    v->len = ngx_http_eda_emit_states[state].len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_emit_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_eda_emit_status_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_eda_emit_status_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_emit_init(ngx_conf_t *cf)
{
    ngx_array_t                *a;
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * First in the log phase, so that access_log's $eda_emit_status
     * already says "failed" for a response that did not complete.
     */

    a = &cmcf->phases[NGX_HTTP_LOG_PHASE].handlers;

    if (ngx_array_push(a) == NULL) {
        return NGX_ERROR;
    }

    h = a->elts;
    ngx_memmove(&h[1], &h[0], (a->nelts - 1) * sizeof(ngx_http_handler_pt));
    h[0] = ngx_http_eda_emit_log_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_eda_emit_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_eda_emit_body_filter;

    return NGX_OK;
}


static void *
ngx_http_eda_emit_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_eda_emit_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_emit_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->warn_time = 0;
     *     mcf->warn_logged = 0;
     *     mcf->warn_suppressed = 0;
     */

    return mcf;
}


static void *
ngx_http_eda_emit_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_emit_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_emit_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->topic = { 0, NULL };
     */

    conf->on = NGX_CONF_UNSET_UINT;
    conf->max_body = NGX_CONF_UNSET_SIZE;

    return conf;
}


static char *
ngx_http_eda_emit_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_eda_emit_loc_conf_t *prev = parent;
    ngx_http_eda_emit_loc_conf_t *conf = child;

    /* like any filter, the tap holds in nested locations and "if" blocks */

    if (conf->topic.data == NULL) {
        conf->topic = prev->topic;
        conf->on = prev->on;
    }

    ngx_conf_merge_uint_value(conf->on, prev->on, NGX_HTTP_EDA_EMIT_2XX);
    ngx_conf_merge_size_value(conf->max_body, prev->max_body,
                              NGX_HTTP_EDA_EMIT_MAX_BODY);

    return NGX_CONF_OK;
}


static char *
ngx_http_eda_emit_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_emit_loc_conf_t *elcf = conf;

    ngx_str_t            *value;
    ngx_eda_main_conf_t  *emcf;

    if (elcf->topic.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_eda_kafka_topic_check(cf, &cmd->name, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    elcf->on = NGX_HTTP_EDA_EMIT_2XX;

    if (cf->args->nelts == 3) {
        if (value[2].len == sizeof("on=2xx") - 1
            && ngx_strncmp(value[2].data, "on=2xx", value[2].len) == 0)
        {
            elcf->on = NGX_HTTP_EDA_EMIT_2XX;

        } else if (value[2].len == sizeof("on=all") - 1
                   && ngx_strncmp(value[2].data, "on=all", value[2].len)
                      == 0)
        {
            elcf->on = NGX_HTTP_EDA_EMIT_ALL;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\" in \"%V\": "
                               "expected \"on=2xx\" or \"on=all\"",
                               &value[2], &cmd->name);
            return NGX_CONF_ERROR;
        }
    }

    /* librdkafka takes the topic as a C string */

    elcf->topic.data = ngx_pnalloc(cf->pool, value[1].len + 1);
    if (elcf->topic.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(elcf->topic.data, value[1].data, value[1].len);
    elcf->topic.data[value[1].len] = '\0';
    elcf->topic.len = value[1].len;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
    ngx_eda_require_producer(cf, emcf, &cmd->name);

    return NGX_CONF_OK;

}
