
/*
 * Copyright (C) ngx_eda authors
 *
 * eda_asyncapi: the AsyncAPI 3.0 document of the server block it is in,
 * built once at configuration time (so "nginx -t" reports a document that
 * cannot be built) from the claims of the ngx_eda content directives
 * (ngx_http_eda_content.c) and each claimed location's merged settings,
 * and served from memory.  The modules describe their own settings
 * (ngx_http_eda_describe.c, the subscribe and jwt describe files); the
 * document itself is written by core/ngx_eda_asyncapi.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <stdlib.h>

#include "ngx_eda_module.h"
#include "ngx_eda_asyncapi.h"
#include "ngx_http_eda_content.h"
#include "ngx_http_eda_describe.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_subscribe_describe.h"
#include "ngx_http_eda_jwt_describe.h"


typedef struct {
    ngx_str_t                   title;         /* eda_asyncapi_info */
    ngx_str_t                   version;
    ngx_str_t                   doc;           /* the JSON, eda_asyncapi */
} ngx_http_eda_asyncapi_loc_conf_t;


static ngx_int_t ngx_http_eda_asyncapi_handler(ngx_http_request_t *r);
static char *ngx_http_eda_asyncapi(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_eda_asyncapi_info(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_eda_asyncapi_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_eda_asyncapi_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_eda_asyncapi_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_eda_asyncapi_build(ngx_conf_t *cf,
    ngx_array_t *claims, ngx_http_eda_content_t *self);
static ngx_int_t ngx_http_eda_asyncapi_location(ngx_conf_t *cf,
    ngx_http_eda_content_t *claim, ngx_eda_aa_location_t *loc);
static const char *ngx_http_eda_asyncapi_host(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *cscf, int *tls);


static ngx_command_t  ngx_http_eda_asyncapi_commands[] = {

    { ngx_string("eda_asyncapi"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_eda_asyncapi,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("eda_asyncapi_info"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_eda_asyncapi_info,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_eda_asyncapi_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_eda_asyncapi_init,            /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_eda_asyncapi_create_loc_conf, /* create location configuration */
    ngx_http_eda_asyncapi_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_eda_asyncapi_module = {
    NGX_MODULE_V1,
    &ngx_http_eda_asyncapi_module_ctx,     /* module context */
    ngx_http_eda_asyncapi_commands,        /* module directives */
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
ngx_http_eda_asyncapi_handler(ngx_http_request_t *r)
{
    ngx_int_t                          rc;
    ngx_buf_t                         *b;
    ngx_http_eda_asyncapi_loc_conf_t  *alcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_eda_not_allowed(r, "GET, HEAD",
                                        "the AsyncAPI document is read "
                                        "with GET");
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_eda_asyncapi_module);

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the cycle's copy, never changed: sent as it is */
    b->pos = alcf->doc.data;
    b->last = alcf->doc.data + alcf->doc.len;
    b->memory = 1;

    return ngx_http_eda_send(r, NGX_HTTP_OK, "application/json", b);
}


static char *
ngx_http_eda_asyncapi(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_eda_claim_content(cf, cmd, ngx_http_eda_asyncapi_handler);
}


static char *
ngx_http_eda_asyncapi_info(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_eda_asyncapi_loc_conf_t *alcf = conf;

    ngx_uint_t   i;
    ngx_str_t   *value;

    if (alcf->title.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < 3; i++) {
        if (value[i].len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": the %s must not be empty",
                               &cmd->name, i == 1 ? "title" : "version");
            return NGX_CONF_ERROR;
        }
    }

    alcf->title = value[1];
    alcf->version = value[2];

    return NGX_CONF_OK;
}


static void *
ngx_http_eda_asyncapi_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_eda_asyncapi_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_eda_asyncapi_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->title = { 0, NULL };
     *     conf->version = { 0, NULL };
     *     conf->doc = { 0, NULL };
     */

    return conf;
}


static char *
ngx_http_eda_asyncapi_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_eda_asyncapi_loc_conf_t *prev = parent;
    ngx_http_eda_asyncapi_loc_conf_t *conf = child;

    if (conf->title.data == NULL) {
        conf->title = prev->title;
        conf->version = prev->version;
    }

    if (conf->title.data == NULL) {
        ngx_str_set(&conf->title, "ngx_eda gateway");
        ngx_str_set(&conf->version, "1.0.0");
    }

    return NGX_CONF_OK;
}


/* after the http block is merged: a document per eda_asyncapi location */

static ngx_int_t
ngx_http_eda_asyncapi_init(ngx_conf_t *cf)
{
    ngx_uint_t               i;
    ngx_array_t             *claims;
    ngx_http_eda_content_t  *c;

    claims = ngx_http_eda_content_claims(cf);

    if (claims == NULL) {
        return NGX_OK;
    }

    c = claims->elts;

    for (i = 0; i < claims->nelts; i++) {
        if (c[i].handler == ngx_http_eda_asyncapi_handler
            && ngx_http_eda_asyncapi_build(cf, claims, &c[i]) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the document of the server of SELF: the other claims of that server */

static ngx_int_t
ngx_http_eda_asyncapi_build(ngx_conf_t *cf, ngx_array_t *claims,
    ngx_http_eda_content_t *self)
{
    char                              *json, err[256];
    size_t                             len;
    ngx_str_t                         *v;
    ngx_uint_t                         i;
    ngx_keyval_t                      *kv;
    ngx_eda_aa_doc_t                   doc;
    ngx_eda_main_conf_t               *emcf;
    ngx_http_eda_content_t            *c;
    ngx_eda_aa_location_t             *loc;
    ngx_http_eda_asyncapi_loc_conf_t  *alcf;

    emcf = ngx_http_conf_get_module_main_conf(cf, ngx_eda_module);
    alcf = self->clcf->loc_conf[ngx_http_eda_asyncapi_module.ctx_index];

    ngx_memzero(&doc, sizeof(ngx_eda_aa_doc_t));

    loc = ngx_pcalloc(cf->pool,
                      claims->nelts * sizeof(ngx_eda_aa_location_t));
    if (loc == NULL) {
        return NGX_ERROR;
    }

    doc.locations = loc;
    c = claims->elts;

    for (i = 0; i < claims->nelts; i++) {
        if (c[i].cscf != self->cscf) {
            continue;
        }

        if (ngx_http_eda_asyncapi_location(cf, &c[i], &loc[doc.nlocations])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (loc[doc.nlocations].kind == NGX_EDA_AA_SAGA
            && ngx_http_eda_describe_saga(cf, c[i].clcf->loc_conf,
                                          &loc[doc.nlocations].saga,
                                          &doc.sagas)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (loc[doc.nlocations].kind != 0) {
            doc.nlocations++;
        }
    }

    doc.title = ngx_http_eda_describe_str(cf, &alcf->title);
    doc.version = ngx_http_eda_describe_str(cf, &alcf->version);
    doc.brokers = ngx_http_eda_describe_str(cf, &emcf->kafka_brokers);
    doc.host = ngx_http_eda_asyncapi_host(cf, self->cscf, &doc.tls);

    if (doc.title == NULL || doc.version == NULL || doc.brokers == NULL
        || doc.host == NULL)
    {
        return NGX_ERROR;
    }

    if (emcf->kafka_props != NULL) {
        kv = emcf->kafka_props->elts;

        for (i = 0; i < emcf->kafka_props->nelts; i++) {
            v = &kv[i].value;

            /* the protocol only: nothing of sasl.* is read */
            if (kv[i].key.len == sizeof("security.protocol") - 1
                && ngx_strncmp(kv[i].key.data, "security.protocol",
                               kv[i].key.len) == 0
                && ((v->len == 3 && ngx_strncasecmp(v->data,
                                                    (u_char *) "ssl", 3) == 0)
                    || (v->len == 8 && ngx_strncasecmp(v->data,
                                        (u_char *) "sasl_ssl", 8) == 0)))
            {
                doc.kafka_tls = 1;
            }
        }
    }

    json = ngx_eda_asyncapi_build(&doc, &len, err, sizeof(err));

    if (json == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"eda_asyncapi\" in %V:%ui: %s", &self->file,
                      self->line, err);
        return NGX_ERROR;
    }

    /* a last newline, for a terminal */
    alcf->doc.data = ngx_pnalloc(cf->pool, len + 1);
    if (alcf->doc.data == NULL) {
        free(json);
        return NGX_ERROR;
    }

    ngx_memcpy(alcf->doc.data, json, len);
    alcf->doc.data[len] = '\n';
    alcf->doc.len = len + 1;
    free(json);

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_asyncapi_location(ngx_conf_t *cf, ngx_http_eda_content_t *claim,
    ngx_eda_aa_location_t *loc)
{
    void  **lc;

    lc = claim->clcf->loc_conf;

    if (ngx_strcmp(claim->directive.data, "eda_publish") == 0) {
        loc->kind = NGX_EDA_AA_PUBLISH;

    } else if (ngx_strcmp(claim->directive.data, "eda_subscribe") == 0) {
        loc->kind = NGX_EDA_AA_SUBSCRIBE;

    } else if (ngx_strcmp(claim->directive.data, "eda_saga") == 0) {
        loc->kind = NGX_EDA_AA_SAGA;

    } else {
        /* eda_metrics, eda_asyncapi: no events */
        return NGX_OK;
    }

    loc->path = ngx_http_eda_describe_str(cf, &claim->clcf->name);
    if (loc->path == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_eda_describe_event(cf, lc, &loc->event, &loc->topic)
        != NGX_OK
        || ngx_http_eda_jwt_describe(cf, lc, &loc->jwt) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (loc->kind == NGX_EDA_AA_SUBSCRIBE
        && ngx_http_eda_subscribe_describe(cf, lc, loc) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * host:port of the server: its first server_name when that is a host
 * name, else the address of its first listen
 */

static const char *
ngx_http_eda_asyncapi_host(ngx_conf_t *cf, ngx_http_core_srv_conf_t *cscf,
    int *tls)
{
    u_char                     *p;
    ngx_str_t                   name;
    ngx_uint_t                  i, j, k, port;
    ngx_http_conf_addr_t       *addr;
    ngx_http_conf_port_t       *ports;
    ngx_http_server_name_t     *sn;
    ngx_http_core_srv_conf_t  **servers;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    ngx_str_set(&name, "localhost");
    port = 80;
    *tls = 0;

    if (cmcf->ports != NULL) {
        ports = cmcf->ports->elts;

        for (i = 0; i < cmcf->ports->nelts; i++) {
            addr = ports[i].addrs.elts;

            for (j = 0; j < ports[i].addrs.nelts; j++) {
                servers = addr[j].servers.elts;

                for (k = 0; k < addr[j].servers.nelts; k++) {
                    if (servers[k] == cscf) {
                        goto found;
                    }
                }
            }
        }
    }

    goto named;

found:

    port = ntohs(ports[i].port);
    name = addr[j].opt.addr_text;

    /* the address without its port */
    p = name.data + name.len;

    while (p > name.data && p[-1] != ':') {
        p--;
    }

    if (p > name.data) {
        name.len = p - 1 - name.data;
    }

#if (NGX_HTTP_SSL)
    *tls = addr[j].opt.ssl;
#endif

named:

    if (cscf->server_names.nelts) {
        sn = cscf->server_names.elts;

        if (sn[0].name.len && sn[0].name.data[0] != '~'
            && sn[0].name.data[0] != '*' && sn[0].name.data[0] != '.'
            && ngx_strlchr(sn[0].name.data, sn[0].name.data + sn[0].name.len,
                           '*') == NULL
            && !(sn[0].name.len == 1 && sn[0].name.data[0] == '_'))
        {
            name = sn[0].name;
        }
    }

    p = ngx_pnalloc(cf->pool, name.len + sizeof(":65535"));
    if (p == NULL) {
        return NULL;
    }

    ngx_sprintf(p, "%V:%ui%Z", &name, port);

    return (const char *) p;
}
