
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_saga's POST: a saga start.  The input is capped, the instance gets a
 * random id and is written to Redis with its Idempotency-Key, if any; a
 * key is its caller's (eda_saga_key_scope, else the token's subject, else
 * the client address) and is kept with a digest of the body.  The
 * instance's extensions (eda_saga_extension) are evaluated here.  The
 * answer names the instance by the location's configured name, never the
 * URI.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_redis.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_trace.h"
#include "ngx_http_eda_saga_module.h"
#include "ngx_http_eda_saga_int.h"
#include "ngx_eda_saga_store.h"
#include "ngx_eda_saga_nudge.h"


#define NGX_HTTP_EDA_SAGA_MAX_KEY    128
#define NGX_HTTP_EDA_SAGA_DIGEST     (2 * 32)       /* SHA-256, in hex */


static void ngx_http_eda_saga_start(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_saga_too_large(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_saga_idem(ngx_http_request_t *r,
    ngx_str_t *body, ngx_eda_saga_start_t *s);
static ngx_int_t ngx_http_eda_saga_idem_key(ngx_http_request_t *r,
    ngx_str_t *key);
static ngx_int_t ngx_http_eda_saga_scope(ngx_http_request_t *r,
    ngx_str_t *scope);
static ngx_int_t ngx_http_eda_saga_digest(ngx_http_request_t *r,
    u_char *data, size_t len, ngx_str_t *hex);
static ngx_int_t ngx_http_eda_saga_new_id(ngx_http_request_t *r,
    ngx_eda_main_conf_t *emcf, ngx_str_t *id);
static ngx_int_t ngx_http_eda_saga_trace(ngx_http_request_t *r,
    ngx_eda_saga_attr_t *ext, size_t *n);
static ngx_int_t ngx_http_eda_saga_extensions(ngx_http_request_t *r,
    ngx_eda_saga_attr_t *ext, size_t *n);
static void ngx_http_eda_saga_started(void *reply, void *data);
static void ngx_http_eda_saga_span(ngx_http_request_t *r,
    ngx_http_eda_saga_ctx_t *ctx, const char *error);
static ngx_int_t ngx_http_eda_saga_href(ngx_http_request_t *r,
    ngx_http_eda_saga_ctx_t *ctx);
static ngx_int_t ngx_http_eda_saga_accepted(ngx_http_request_t *r,
    ngx_http_eda_saga_ctx_t *ctx, ngx_uint_t created);
static ngx_int_t ngx_http_eda_saga_unknown(ngx_http_request_t *r,
    ngx_http_eda_saga_ctx_t *ctx);


/* an input Content-Length says is too large is refused before it is read */

ngx_int_t
ngx_http_eda_saga_post(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    if (r->headers_in.content_length_n > (off_t) slcf->max_input) {
        return ngx_http_eda_saga_too_large(r);
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_eda_saga_start);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_eda_saga_start(ngx_http_request_t *r)
{
    u_char                         *state;
    size_t                          len, n_ext;
    ngx_str_t                       body, idem, scope, digest;
    ngx_eda_main_conf_t            *emcf;
    ngx_eda_saga_attr_t             ext[NGX_EDA_SAGA_MAX_EXT + 2];
    ngx_eda_saga_start_t            s;
    ngx_http_eda_saga_ctx_t        *ctx;
    const ngx_eda_saga_def_t       *def;
    ngx_http_eda_saga_loc_conf_t   *slcf;
    ngx_http_eda_saga_main_conf_t  *smcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_eda_saga_module);
    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    def = ngx_eda_saga_find(smcf->saga.defs, (char *) slcf->name.data,
                            slcf->name.len);

    if (ngx_http_eda_request_body(r, &body) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (body.len > slcf->max_input) {
        ngx_http_finalize_request(r, ngx_http_eda_saga_too_large(r));
        return;
    }

    ngx_memzero(&s, sizeof(ngx_eda_saga_start_t));
    s.idem = &idem;
    s.scope = &scope;
    s.digest = &digest;

    if (ngx_http_eda_saga_idem(r, &body, &s) != NGX_OK
        || ngx_http_eda_saga_extensions(r, ext, &n_ext) != NGX_OK)
    {
        return;
    }

    ctx = ngx_http_eda_saga_ctx(r);
    if (ctx == NULL || ngx_http_eda_saga_new_id(r, emcf, &ctx->id) != NGX_OK
        || ngx_http_eda_saga_trace(r, ext, &n_ext) != NGX_OK)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    s.due = ngx_eda_saga_now_ms();

    state = (u_char *) ngx_eda_saga_new(def, (char *) ctx->id.data,
                                        body.len ? (char *) body.data : NULL,
                                        body.len, ext, n_ext, s.due, &len);
    if (state == NULL) {
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                 "the body, the saga's input, must be JSON",
                                 0));
        return;
    }

    s.saga = &slcf->name;
    s.id = &ctx->id;
    s.state = state;
    s.state_len = len;

    ctx->cmd = ngx_eda_saga_store_create(emcf, &s, ngx_http_eda_saga_started,
                                         r);

    free(state);

    if (ctx->cmd == NULL) {
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                 "the saga store (Redis) is not available",
                                 5));
        return;
    }
}


static ngx_int_t
ngx_http_eda_saga_too_large(ngx_http_request_t *r)
{
    u_char                        *detail;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    detail = ngx_pnalloc(r->pool, 80 + NGX_SIZE_T_LEN);
    if (detail == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_sprintf(detail, "a saga's input is at most %uz bytes "
                       "(eda_saga_max_input)%Z", slcf->max_input);

    return ngx_http_eda_problem(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                (const char *) detail, 0);
}


/*
 * The Idempotency-Key, whose it is and the digest of the input it comes
 * with; the request is finalized when the key is bad.
 */

static ngx_int_t
ngx_http_eda_saga_idem(ngx_http_request_t *r, ngx_str_t *body,
    ngx_eda_saga_start_t *s)
{
    if (ngx_http_eda_saga_idem_key(r, s->idem) != NGX_OK) {
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                 "Idempotency-Key: 1 to 128 visible ASCII "
                                 "characters", 0));
        return NGX_ERROR;
    }

    if (s->idem->len == 0) {
        ngx_str_null(s->scope);
        ngx_str_null(s->digest);
        return NGX_OK;
    }

    if (ngx_http_eda_saga_scope(r, s->scope) != NGX_OK
        || ngx_http_eda_saga_digest(r, body->data, body->len, s->digest)
           != NGX_OK)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_saga_idem_key(ngx_http_request_t *r, ngx_str_t *key)
{
    ngx_str_t   *v;
    ngx_uint_t   i;

    key->len = 0;
    key->data = (u_char *) "";

    v = ngx_http_eda_find_header(r, "Idempotency-Key",
                                 sizeof("Idempotency-Key") - 1);
    if (v == NULL) {
        return NGX_OK;
    }

    if (v->len == 0 || v->len > NGX_HTTP_EDA_SAGA_MAX_KEY) {
        return NGX_ERROR;
    }

    for (i = 0; i < v->len; i++) {
        if (v->data[i] <= ' ' || v->data[i] >= 0x7f) {
            return NGX_ERROR;
        }
    }

    *key = *v;

    return NGX_OK;
}


/*
 * Whose an Idempotency-Key is, as a digest: eda_saga_key_scope's value;
 * else (or when that is empty) the subject of the token eda_jwt admitted
 * the request with; else the client address.  Each kind has its own tag,
 * so a subject never names the same scope as an address.
 */

static ngx_int_t
ngx_http_eda_saga_scope(ngx_http_request_t *r, ngx_str_t *scope)
{
    u_char                         *p;
    ngx_str_t                       value, tagged;
    const char                     *tag;
    ngx_http_variable_value_t      *vv;
    ngx_http_eda_saga_loc_conf_t   *slcf;
    ngx_http_eda_saga_main_conf_t  *smcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_eda_saga_module);

    ngx_str_null(&value);
    tag = "scope:";

    if (slcf->key_scope != NULL
        && ngx_http_complex_value(r, slcf->key_scope, &value) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        vv = ngx_http_get_indexed_variable(r, smcf->jwt_sub);

        if (vv != NULL && !vv->not_found && vv->len) {
            tag = "sub:";
            value.data = vv->data;
            value.len = vv->len;

        } else {
            tag = "addr:";
            value = r->connection->addr_text;
        }
    }

    tagged.len = ngx_strlen(tag) + value.len;
    tagged.data = ngx_pnalloc(r->pool, tagged.len);
    if (tagged.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(tagged.data, tag, ngx_strlen(tag));
    ngx_memcpy(p, value.data, value.len);

    return ngx_http_eda_saga_digest(r, tagged.data, tagged.len, scope);
}


/* SHA-256 of DATA in hex */

static ngx_int_t
ngx_http_eda_saga_digest(ngx_http_request_t *r, u_char *data, size_t len,
    ngx_str_t *hex)
{
    u_char        md[EVP_MAX_MD_SIZE];
    unsigned int  n;

    hex->data = ngx_pnalloc(r->pool, NGX_HTTP_EDA_SAGA_DIGEST);
    if (hex->data == NULL) {
        return NGX_ERROR;
    }

    if (EVP_Digest(len ? data : (u_char *) "", len, md, &n, EVP_sha256(),
                   NULL)
        != 1
        || n * 2 != NGX_HTTP_EDA_SAGA_DIGEST)
    {
        return NGX_ERROR;
    }

    hex->len = ngx_hex_dump(hex->data, md, n) - hex->data;

    return NGX_OK;
}


/*
 * The saga's trace: the start request's span (ngx_http_eda_trace.c) is
 * the instance's, its commands and events are its children; it goes to
 * ngx_eda_saga_new() after the extensions, which keeps it apart.
 */

static ngx_int_t
ngx_http_eda_saga_trace(ngx_http_request_t *r, ngx_eda_saga_attr_t *ext,
    size_t *n)
{
    ngx_http_eda_trace_ctx_t  *t;

    t = ngx_http_eda_trace(r);
    if (t == NULL) {
        return NGX_ERROR;
    }

    ext[*n].name = "traceparent";
    ext[*n].value = t->traceparent;
    ext[*n].value_len = NGX_EDA_TRACEPARENT_LEN;
    (*n)++;

    if (t->tracestate.len) {
        ext[*n].name = "tracestate";
        ext[*n].value = (const char *) t->tracestate.data;
        ext[*n].value_len = t->tracestate.len;
        (*n)++;
    }

    return NGX_OK;
}


/*
 * The location's eda_saga_extension values, as this request makes them;
 * the request is finalized (400) when one cannot be an attribute value.
 * An empty one is left out by ngx_eda_saga_new().
 */

static ngx_int_t
ngx_http_eda_saga_extensions(ngx_http_request_t *r, ngx_eda_saga_attr_t *ext,
    size_t *n)
{
    u_char                        *detail;
    ngx_str_t                      v;
    ngx_uint_t                     i;
    const char                    *err;
    ngx_http_eda_saga_ext_t       *x;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    *n = 0;

    if (slcf->extensions == NULL) {
        return NGX_OK;
    }

    x = slcf->extensions->elts;

    for (i = 0; i < slcf->extensions->nelts; i++) {
        if (ngx_http_complex_value(r, &x[i].value, &v) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_ERROR;
        }

        if (ngx_eda_saga_ext_value((char *) x[i].name.data, (char *) v.data,
                                   v.len, &err)
            != 0)
        {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "eda: saga start refused: the value of "
                          "\"eda_saga_extension %V\": %s", &x[i].name, err);

            detail = ngx_pnalloc(r->pool, 128 + x[i].name.len);
            if (detail == NULL) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return NGX_ERROR;
            }

            (void) ngx_sprintf(detail, "the saga's extension \"%V\" "
                               "cannot be set from this request: %s%Z",
                               &x[i].name, err);

            ngx_http_finalize_request(r,
                ngx_http_eda_problem(r, NGX_HTTP_BAD_REQUEST,
                                     (const char *) detail, 0));
            return NGX_ERROR;
        }

        ext[*n].name = (const char *) x[i].name.data;
        ext[*n].value = (const char *) v.data;
        ext[*n].value_len = v.len;
        (*n)++;
    }

    return NGX_OK;
}


/* a random (version 4) UUID for a new instance, NUL-terminated */

static ngx_int_t
ngx_http_eda_saga_new_id(ngx_http_request_t *r, ngx_eda_main_conf_t *emcf,
    ngx_str_t *id)
{
    u_char  rnd[16];

    id->data = ngx_pnalloc(r->pool, NGX_EDA_CE_UUID_LEN + 1);
    if (id->data == NULL
        || ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_eda_ce_format_uuid4(rnd, (char *) id->data);
    id->data[NGX_EDA_CE_UUID_LEN] = '\0';
    id->len = NGX_EDA_CE_UUID_LEN;

    return NGX_OK;
}


static void
ngx_http_eda_saga_started(void *reply, void *data)
{
    ngx_http_request_t *r = data;

    redisReply                     *rep = reply;
    ngx_str_t                       id;
    ngx_http_eda_saga_ctx_t        *ctx;
    ngx_http_eda_saga_main_conf_t  *smcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_saga_module);
    ctx->cmd = NULL;

    if (rep == NULL) {
        ngx_http_eda_saga_span(r, ctx, "the saga store did not answer");
        ngx_http_finalize_request(r, ngx_http_eda_saga_unknown(r, ctx));
        return;
    }

    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2
        || rep->element[0]->type != REDIS_REPLY_INTEGER
        || rep->element[1]->type != REDIS_REPLY_STRING)
    {
        if (rep->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "eda: saga start: Redis: %*s", (size_t) rep->len,
                          rep->str);
        }

        ngx_http_eda_saga_span(r, ctx, "the saga store is not available");
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                 "the saga store (Redis) is not available",
                                 5));
        return;
    }

    if (rep->element[0]->integer == 2) {
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_CONFLICT,
                                 "this Idempotency-Key started a saga with "
                                 "another input: use a new key for a new "
                                 "saga", 0));
        return;
    }

    id.data = (u_char *) rep->element[1]->str;
    id.len = rep->element[1]->len;

    if (!ngx_eda_saga_valid_id((char *) id.data, id.len)) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->id.data = ngx_pstrdup(r->pool, &id);
    if (ctx->id.data == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->id.len = id.len;

    if (rep->element[0]->integer == 1) {
        /* the coordinator picks it up now rather than at its next poll */
        smcf = ngx_http_get_module_main_conf(r, ngx_http_eda_saga_module);
        ngx_eda_saga_nudge(&smcf->saga);
    }

    ngx_http_eda_saga_span(r, ctx, NULL);
    ngx_http_finalize_request(r,
        ngx_http_eda_saga_accepted(r, ctx, rep->element[0]->integer == 1));
}


/*
 * The start request's span for the exporter (the saga's own span, the
 * parent of its first records): SERVER, to the answer from Redis, an
 * error when Redis did not give one.
 */

static void
ngx_http_eda_saga_span(ngx_http_request_t *r, ngx_http_eda_saga_ctx_t *ctx,
    const char *error)
{
    u_char                         name[NGX_EDA_SAGA_MAX_NAME + 16];
    ngx_str_t                      n;
    ngx_eda_span_t                 span;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    n.data = name;
    n.len = ngx_snprintf(name, sizeof(name), "start saga %V", &slcf->name)
            - name;

    if (ngx_http_eda_trace_export(r, &span, NGX_EDA_SPAN_SERVER, &n, NULL)
        != NGX_OK)
    {
        return;
    }

    ngx_eda_otel_attr(&span, "http.request.method", r->method_name.data,
                      r->method_name.len);
    ngx_eda_otel_attr(&span, "eda.saga.name", slcf->name.data,
                      slcf->name.len);

    if (ctx->id.len) {
        ngx_eda_otel_attr(&span, "eda.saga.id", ctx->id.data, ctx->id.len);
    }

    if (error != NULL) {
        ngx_eda_otel_error(&span, error);
    }

    ngx_eda_otel_span(ngx_http_get_module_main_conf(r, ngx_eda_module),
                      &span);
}


/*
 * The href of ctx->id: the location's name as configured (checked then)
 * and the id, never the request's URI.
 */

static ngx_int_t
ngx_http_eda_saga_href(ngx_http_request_t *r, ngx_http_eda_saga_ctx_t *ctx)
{
    u_char                        *p;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    ctx->href.len = slcf->base.len + ctx->id.len;
    ctx->href.data = ngx_pnalloc(r->pool, ctx->href.len);
    if (ctx->href.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(ctx->href.data, slcf->base.data, slcf->base.len);
    ngx_memcpy(p, ctx->id.data, ctx->id.len);

    return NGX_OK;
}


/* 202, Location and {"id", "saga", "href", "created"} */

static ngx_int_t
ngx_http_eda_saga_accepted(ngx_http_request_t *r,
    ngx_http_eda_saga_ctx_t *ctx, ngx_uint_t created)
{
    u_char                        *body, *p;
    size_t                         len;
    ngx_table_elt_t               *h;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    if (ngx_http_eda_saga_href(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value = ctx->href;

    len = sizeof("{\"id\":\"\",\"saga\":\"\",\"href\":\"\","
                 "\"created\":false}\n") - 1
          + ctx->id.len
          + slcf->name.len + ngx_escape_json(NULL, slcf->name.data,
                                             slcf->name.len)
          + ctx->href.len + ngx_escape_json(NULL, ctx->href.data,
                                            ctx->href.len);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"id\":\"%V\",\"saga\":\"", &ctx->id);
    p = (u_char *) ngx_escape_json(p, slcf->name.data, slcf->name.len);
    p = ngx_cpymem(p, "\",\"href\":\"", sizeof("\",\"href\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, ctx->href.data, ctx->href.len);
    p = ngx_sprintf(p, "\",\"created\":%s}\n", created ? "true" : "false");

    return ngx_http_eda_saga_send(r, NGX_HTTP_ACCEPTED, body, p - body);
}


/*
 * No answer from Redis once the start was sent: the script may have run
 * or not.  The client is told so, and which id it would have, rather than
 * a 503 that invites a retry starting it twice.
 */

static ngx_int_t
ngx_http_eda_saga_unknown(ngx_http_request_t *r,
    ngx_http_eda_saga_ctx_t *ctx)
{
    u_char  *detail;

    if (ngx_http_eda_saga_href(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    detail = ngx_pnalloc(r->pool, 256 + ctx->href.len);
    if (detail == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_sprintf(detail, "the saga store (Redis) did not answer: the "
                       "saga may or may not have started, as %V; a retry "
                       "with the same Idempotency-Key and body is safe (it "
                       "answers the saga the key started, or starts it)%Z",
                       &ctx->href);

    return ngx_http_eda_problem(r, NGX_HTTP_GATEWAY_TIME_OUT,
                                (const char *) detail, 0);
}
