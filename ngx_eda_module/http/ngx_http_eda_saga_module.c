
/*
 * Copyright (C) ngx_eda authors
 *
 * Sagas, the configuration and HTTP side: eda_saga_definitions loads and
 * checks the definitions file and makes nginx run the coordinator process
 * (ngx_eda_saga_coordinator.c); eda_saga answers POST (a start, in
 * ngx_http_eda_saga_start.c) and GET (the state of an instance);
 * eda_saga_extension names what every event of an instance carries.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>

#include "ngx_eda_module.h"
#include "ngx_eda_saga.h"
#include "ngx_eda_redis.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_saga_module.h"
#include "ngx_http_eda_saga_int.h"
#include "ngx_eda_saga_store.h"
#include "ngx_eda_saga_coordinator.h"
#include "ngx_eda_saga_nudge.h"
#include "ngx_http_eda_content.h"


#define NGX_HTTP_EDA_SAGA_MAX_INPUT  (64 * 1024)


static ngx_int_t ngx_http_eda_saga_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_eda_saga_get(ngx_http_request_t *r);
static void ngx_http_eda_saga_got(void *reply, void *data);
static void ngx_http_eda_saga_cleanup(void *data);

static void *ngx_http_eda_saga_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_eda_saga_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_eda_saga_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_saga_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_eda_saga_definitions(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_eda_saga_params(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_eda_saga_conf_t *sc, ngx_str_t *dir);
static ngx_int_t ngx_http_eda_saga_load(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_eda_saga_conf_t *sc);
static u_char *ngx_http_eda_saga_read_file(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_str_t *name, size_t *size);
static ngx_array_t *ngx_http_eda_saga_reply_topics(ngx_conf_t *cf,
    ngx_eda_saga_defs_t *defs);
static ngx_int_t ngx_http_eda_saga_add_path(ngx_conf_t *cf,
    ngx_eda_saga_conf_t *sc, ngx_str_t *dir);
static char *ngx_http_eda_saga(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_eda_saga_base(ngx_conf_t *cf,
    ngx_http_eda_saga_loc_conf_t *slcf);
static char *ngx_http_eda_saga_extension(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_eda_saga_free_defs(void *data);


static ngx_str_t  ngx_http_eda_saga_sub = ngx_string("eda_jwt_sub");


static ngx_command_t  ngx_http_eda_saga_commands[] = {

    { ngx_string("eda_saga_definitions"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE123,
      ngx_http_eda_saga_definitions,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_saga"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_eda_saga,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_saga_max_input"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_saga_loc_conf_t, max_input),
      NULL },

    { ngx_string("eda_saga_key_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_eda_saga_loc_conf_t, key_scope),
      NULL },

    { ngx_string("eda_saga_extension"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_eda_saga_extension,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_saga_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_eda_saga_create_main_conf,    /* create main configuration */
    ngx_http_eda_saga_init_main_conf,      /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_saga_create_loc_conf,     /* create location configuration */
    ngx_http_eda_saga_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_eda_saga_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_saga_module_ctx,         /* module context */
    ngx_http_eda_saga_commands,            /* module directives */
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


static ngx_int_t
ngx_http_eda_saga_handler(ngx_http_request_t *r)
{
    if (r->method == NGX_HTTP_POST) {
        return ngx_http_eda_saga_post(r);
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_eda_saga_get(r);
    }

    return ngx_http_eda_not_allowed(r, "GET, HEAD, POST",
                                    "POST starts a saga, GET .../ID reads "
                                    "one");
}


static ngx_int_t
ngx_http_eda_saga_get(ngx_http_request_t *r)
{
    u_char                  *p;
    ngx_str_t                id;
    ngx_eda_main_conf_t     *emcf;
    ngx_http_eda_saga_ctx_t *ctx;

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    p = r->uri.data + r->uri.len;
    while (p > r->uri.data && p[-1] != '/') {
        p--;
    }

    id.data = p;
    id.len = r->uri.data + r->uri.len - p;

    if (!ngx_eda_saga_valid_id((char *) id.data, id.len)) {
        return ngx_http_eda_problem(r, NGX_HTTP_NOT_FOUND,
                                    "no such saga: GET .../ID with the id "
                                    "a start answered", 0);
    }

    ctx = ngx_http_eda_saga_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->id = id;

    ctx->cmd = ngx_eda_saga_store_state(emcf, &ctx->id, ngx_http_eda_saga_got,
                                        r);
    if (ctx->cmd == NULL) {
        return ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                    "the saga store (Redis) is not "
                                    "available", 5);
    }

    r->main->count++;

    return NGX_DONE;
}


static void
ngx_http_eda_saga_got(void *reply, void *data)
{
    ngx_http_request_t *r = data;

    u_char                        *body, pattern[128], *p;
    redisReply                    *rep = reply;
    ngx_http_eda_saga_ctx_t       *ctx;
    ngx_http_eda_saga_loc_conf_t  *slcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_eda_saga_module);
    ctx->cmd = NULL;
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_saga_module);

    if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                 "the saga store (Redis) is not available",
                                 5));
        return;
    }

    /* an instance of another saga is not this location's */

    p = ngx_snprintf(pattern, sizeof(pattern), "\"saga\":\"%V\"",
                     &slcf->name);

    if (rep->type != REDIS_REPLY_STRING
        || ngx_strlcasestrn((u_char *) rep->str, (u_char *) rep->str
                            + rep->len, pattern, (p - pattern) - 1)
           == NULL)
    {
        ngx_http_finalize_request(r,
            ngx_http_eda_problem(r, NGX_HTTP_NOT_FOUND,
                                 "no such saga (or it ended more than "
                                 "7 days ago)", 0));
        return;
    }

    body = ngx_pnalloc(r->pool, rep->len + 1);
    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = ngx_cpymem(body, rep->str, rep->len);
    *p++ = '\n';

    ngx_http_finalize_request(r,
        ngx_http_eda_saga_send(r, NGX_HTTP_OK, body, p - body));
}


ngx_int_t
ngx_http_eda_saga_send(ngx_http_request_t *r, ngx_uint_t status, u_char *body,
    size_t len)
{
    ngx_buf_t  *b;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;

    return ngx_http_eda_send(r, status, "application/json", b);
}


ngx_http_eda_saga_ctx_t *
ngx_http_eda_saga_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_eda_saga_ctx_t  *ctx;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_eda_saga_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_eda_saga_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_eda_saga_module);

    return ctx;
}


/* a client that left first: its Redis command answers no one */

static void
ngx_http_eda_saga_cleanup(void *data)
{
    ngx_http_eda_saga_ctx_t  *ctx = data;

    if (ctx->cmd != NULL) {
        ngx_eda_redis_detach(ctx->cmd);
        ctx->cmd = NULL;
    }
}


/* ------------------------------------------------------------------------
 * configuration
 */

static void *
ngx_http_eda_saga_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_saga_main_conf_t));
}


static char *
ngx_http_eda_saga_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_eda_saga_main_conf_t *smcf = conf;

    ngx_uint_t                i;
    ngx_eda_main_conf_t      *emcf;
    ngx_http_eda_saga_use_t  *u;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    if (smcf->saga.defs != NULL && emcf->redis == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"eda_saga_definitions\" requires \"eda_redis\" (the "
                      "sagas' state lives there)");
        return NGX_CONF_ERROR;
    }

    if (smcf->uses == NULL) {
        return NGX_CONF_OK;
    }

    u = smcf->uses->elts;

    for (i = 0; i < smcf->uses->nelts; i++) {
        if (smcf->saga.defs == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"eda_saga %V\" in %V:%ui requires "
                          "\"eda_saga_definitions\" in the http block",
                          &u[i].name, &u[i].file, u[i].line);
            return NGX_CONF_ERROR;
        }

        if (ngx_eda_saga_find(smcf->saga.defs, (char *) u[i].name.data,
                              u[i].name.len) == NULL)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"eda_saga %V\" in %V:%ui: no saga \"%V\" in "
                          "\"%V\"", &u[i].name, &u[i].file, u[i].line,
                          &u[i].name, &smcf->saga.file);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_eda_saga_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_saga_loc_conf_t  *slcf;

    slcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_saga_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     slcf->name = { 0, NULL };
     *     slcf->base = { 0, NULL };
     *     slcf->key_scope = NULL;
     *     slcf->extensions = NULL;
     */

    slcf->max_input = NGX_CONF_UNSET_SIZE;

    return slcf;
}


static char *
ngx_http_eda_saga_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_eda_saga_loc_conf_t *prev = parent;
    ngx_http_eda_saga_loc_conf_t *conf = child;

    ngx_conf_merge_size_value(conf->max_input, prev->max_input,
                              NGX_HTTP_EDA_SAGA_MAX_INPUT);

    if (conf->key_scope == NULL) {
        conf->key_scope = prev->key_scope;
    }

    /* a level's own list replaces the inherited one */

    if (conf->extensions == NULL) {
        conf->extensions = prev->extensions;
    }

    return NGX_CONF_OK;
}


/*
 * eda_saga_definitions PATH [work_dir=DIR] [group=NAME]: the file is read
 * and checked now, so nginx -t names what is wrong.  The coordinator runs
 * as a path manager: nginx's master starts (and restarts) a helper
 * process for paths with one, which needs a directory of its own (nothing
 * is written to it).
 */

static char *
ngx_http_eda_saga_definitions(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_eda_saga_main_conf_t *smcf = conf;

    ngx_str_t             dir;
    ngx_eda_saga_conf_t  *sc;
    ngx_eda_main_conf_t  *emcf;

    sc = &smcf->saga;

    if (sc->defs != NULL) {
        return "is duplicate";
    }

    if (ngx_http_eda_saga_params(cf, cmd, sc, &dir) != NGX_OK
        || ngx_http_eda_saga_load(cf, cmd, sc) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    sc->topics = ngx_http_eda_saga_reply_topics(cf, sc->defs);
    if (sc->topics == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_eda_saga_add_path(cf, sc, &dir) != NGX_OK
        || ngx_eda_saga_nudge_open(cf, sc) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);

    sc->emcf = emcf;
    emcf->redis_used = 1;
    ngx_eda_require_producer(cf, emcf, &cmd->name);

    return NGX_CONF_OK;
}


/* the file (as a full name) and the parameters after it */

static ngx_int_t
ngx_http_eda_saga_params(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_eda_saga_conf_t *sc, ngx_str_t *dir)
{
    ngx_str_t   *value;
    ngx_uint_t   i;

    value = cf->args->elts;
    ngx_str_set(dir, "eda_saga_temp");
    ngx_str_set(&sc->group, "eda-saga");

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "work_dir=", 9) == 0
            && value[i].len > 9)
        {
            dir->data = value[i].data + 9;
            dir->len = value[i].len - 9;

        } else if (ngx_strncmp(value[i].data, "group=", 6) == 0
                   && value[i].len > 6)
        {
            sc->group.data = value[i].data + 6;
            sc->group.len = value[i].len - 6;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\" in \"%V\"",
                               &value[i], &cmd->name);
            return NGX_ERROR;
        }
    }

    sc->file = value[1];

    return ngx_conf_full_name(cf->cycle, &sc->file, 1);
}


/* the definitions, read and checked, freed with the configuration */

static ngx_int_t
ngx_http_eda_saga_load(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_eda_saga_conf_t *sc)
{
    char                 err[512];
    u_char              *buf;
    size_t               size;
    ngx_pool_cleanup_t  *cln;

    buf = ngx_http_eda_saga_read_file(cf, cmd, &sc->file, &size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    sc->defs = ngx_eda_saga_defs_parse((char *) buf, size, err, sizeof(err));

    ngx_free(buf);

    if (sc->defs == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": \"%V\": %s",
                           &cmd->name, &sc->file, err);
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_eda_saga_free_defs;
    cln->data = sc->defs;

    return NGX_OK;
}


/* NAME's content (at most 4M) in a buffer to ngx_free(), or NULL */

static u_char *
ngx_http_eda_saga_read_file(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_str_t *name, size_t *size)
{
    u_char           *buf;
    ssize_t           n;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = *name;
    file.log = cf->log;

    file.fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot open \"%V\"", &cmd->name, name);
        return NULL;
    }

    buf = NULL;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 4 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%V\" is not a file of at most 4M",
                           &cmd->name, name);
        goto failed;
    }

    *size = (size_t) ngx_file_size(&fi);

    buf = ngx_alloc(*size + 1, cf->log);
    if (buf == NULL) {
        goto failed;
    }

    n = ngx_read_file(&file, buf, *size, 0);
    if (n != (ssize_t) *size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": cannot read \"%V\"",
                           &cmd->name, name);
        goto failed;
    }

    (void) ngx_close_file(file.fd);

    return buf;

failed:

    if (buf != NULL) {
        ngx_free(buf);
    }

    (void) ngx_close_file(file.fd);

    return NULL;
}


/* every reply topic, once: what the coordinator consumes */

static ngx_array_t *
ngx_http_eda_saga_reply_topics(ngx_conf_t *cf, ngx_eda_saga_defs_t *defs)
{
    ngx_str_t           *t;
    ngx_uint_t           i, j, k, c;
    ngx_array_t         *topics;
    ngx_eda_saga_cmd_t  *sc;

    topics = ngx_array_create(cf->pool, 8, sizeof(ngx_str_t));
    if (topics == NULL) {
        return NULL;
    }

    for (i = 0; i < defs->nsagas; i++) {
        for (j = 0; j < defs->sagas[i].nsteps; j++) {
            for (c = 0; c < 2; c++) {
                sc = c ? &defs->sagas[i].steps[j].compensation
                       : &defs->sagas[i].steps[j].forward;

                if (sc->topic == NULL) {
                    continue;
                }

                t = topics->elts;

                for (k = 0; k < topics->nelts; k++) {
                    if (ngx_strcmp(t[k].data, sc->reply_topic) == 0) {
                        break;
                    }
                }

                if (k < topics->nelts) {
                    continue;
                }

                t = ngx_array_push(topics);
                if (t == NULL) {
                    return NULL;
                }

                t->data = (u_char *) sc->reply_topic;
                t->len = ngx_strlen(sc->reply_topic);
            }
        }
    }

    return topics;
}


/* the coordinator's process: the manager of a path of its own */

static ngx_int_t
ngx_http_eda_saga_add_path(ngx_conf_t *cf, ngx_eda_saga_conf_t *sc,
    ngx_str_t *dir)
{
    sc->path = ngx_pcalloc(cf->pool, sizeof(ngx_path_t));
    if (sc->path == NULL) {
        return NGX_ERROR;
    }

    sc->path->name = *dir;

    if (ngx_conf_full_name(cf->cycle, &sc->path->name, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    sc->path->manager = ngx_eda_saga_coordinator;
    sc->path->data = sc;
    sc->path->conf_file = cf->conf_file->file.name.data;
    sc->path->line = cf->conf_file->line;

    if (ngx_add_path(cf, &sc->path) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static char *
ngx_http_eda_saga(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_saga_loc_conf_t *slcf = conf;

    ngx_str_t                      *value;
    ngx_http_eda_saga_use_t        *u;
    ngx_http_eda_saga_main_conf_t  *smcf;

    if (slcf->name.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    slcf->name = value[1];

    /* the name is checked against the definitions once all are read */

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_eda_saga_module);

    if (smcf->uses == NULL) {
        smcf->uses = ngx_array_create(cf->pool, 4,
                                      sizeof(ngx_http_eda_saga_use_t));
        if (smcf->uses == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    u = ngx_array_push(smcf->uses);
    if (u == NULL) {
        return NGX_CONF_ERROR;
    }

    u->name = value[1];
    u->file = cf->conf_file->file.name;
    u->line = cf->conf_file->line;

    if (ngx_http_eda_saga_base(cf, slcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    smcf->jwt_sub = ngx_http_get_variable_index(cf, &ngx_http_eda_saga_sub);
    if (smcf->jwt_sub == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_eda_claim_content(cf, cmd,
                                      ngx_http_eda_saga_handler);
}


/*
 * The base of the instances' hrefs: the location's name, so Location and
 * href never carry what a client put in the URI.  It must be a path that
 * can go into a header as it is.
 */

static ngx_int_t
ngx_http_eda_saga_base(ngx_conf_t *cf, ngx_http_eda_saga_loc_conf_t *slcf)
{
    u_char                    *p;
    ngx_uint_t                 i;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    for (i = 0; i < clcf->name.len; i++) {
        if (clcf->name.data[i] <= ' ' || clcf->name.data[i] >= 0x7f) {
            break;
        }
    }

    if (clcf->named
#if (NGX_PCRE)
        || clcf->regex != NULL
#endif
        || clcf->name.len == 0 || clcf->name.data[0] != '/'
        || i < clcf->name.len)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"eda_saga\" needs a prefix or exact location "
                           "whose name is a path of visible ASCII (the base "
                           "of its instances' hrefs), not \"%V\"",
                           &clcf->name);
        return NGX_ERROR;
    }

    slcf->base.len = clcf->name.len + 1;
    slcf->base.data = ngx_pnalloc(cf->pool, slcf->base.len);
    if (slcf->base.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(slcf->base.data, clcf->name.data, clcf->name.len);

    if (p[-1] != '/') {
        *p++ = '/';
    }

    slcf->base.len = p - slcf->base.data;

    return NGX_OK;
}


/*
 * eda_saga_extension NAME VALUE: an extension attribute of every event of
 * the instances started here, VALUE evaluated at the start.  A value
 * without variables is checked now, so one refused at a start always
 * comes from the request.
 */

static char *
ngx_http_eda_saga_extension(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_saga_loc_conf_t *slcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i;
    const char                        *why;
    ngx_http_eda_saga_ext_t           *x;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    why = ngx_eda_saga_ext_name((char *) value[1].data, value[1].len);
    if (why != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid extension name \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name, why);
        return NGX_CONF_ERROR;
    }

    if (slcf->extensions == NULL) {
        slcf->extensions = ngx_array_create(cf->pool, 4,
                                            sizeof(ngx_http_eda_saga_ext_t));
        if (slcf->extensions == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    x = slcf->extensions->elts;

    for (i = 0; i < slcf->extensions->nelts; i++) {
        if (x[i].name.len == value[1].len
            && ngx_strncmp(x[i].name.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate \"%V\" \"%V\"", &cmd->name,
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (slcf->extensions->nelts == NGX_EDA_SAGA_MAX_EXT) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "too many \"%V\" directives: at most %d in one "
                           "block", &cmd->name, NGX_EDA_SAGA_MAX_EXT);
        return NGX_CONF_ERROR;
    }

    x = ngx_array_push(slcf->extensions);
    if (x == NULL) {
        return NGX_CONF_ERROR;
    }

    x->name = value[1];        /* nginx ends each word with a NUL */

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));
    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &x->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (x->value.lengths == NULL
        && ngx_eda_saga_ext_value((char *) value[1].data,
                                  (char *) value[2].data, value[2].len, &why)
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value of \"%V %V\": %s", &cmd->name,
                           &value[1], why);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_eda_saga_free_defs(void *data)
{
    ngx_eda_saga_defs_free(data);
}
