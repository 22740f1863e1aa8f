
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_ASYNCAPI_H_INCLUDED_
#define _NGX_EDA_ASYNCAPI_H_INCLUDED_


/*
 * The AsyncAPI 3.0 document of a gateway (eda_asyncapi), built from a
 * plain description of its configuration that the HTTP glue fills in:
 * what each location of a server does, its event settings, its token
 * checks, the sagas it starts.  Every string is NUL-terminated; a NULL
 * string is "not configured".  Nothing secret is ever handed in: the
 * description has no field for key material or credentials.
 */


#include <stddef.h>

#include "ngx_eda_saga_def.h"


/* what a location does */
#define NGX_EDA_AA_PUBLISH      1      /* eda_publish */
#define NGX_EDA_AA_SUBSCRIBE    2      /* eda_subscribe, WebSocket + SSE */
#define NGX_EDA_AA_SAGA         3      /* eda_saga */

/* eda_jwt */
#define NGX_EDA_AA_JWT_ON       1
#define NGX_EDA_AA_JWT_OPTIONAL 2

/* where a token comes from (ngx_eda_aa_token_source) */
#define NGX_EDA_AA_TOKEN_BEARER 0      /* Authorization: Bearer */
#define NGX_EDA_AA_TOKEN_QUERY  1      /* $arg_NAME */
#define NGX_EDA_AA_TOKEN_COOKIE 2      /* $cookie_NAME */
#define NGX_EDA_AA_TOKEN_HEADER 3      /* $http_NAME */
#define NGX_EDA_AA_TOKEN_OTHER  4      /* another template */

#define NGX_EDA_AA_MAX_NAME     128    /* a query, cookie or header name */


/* a configured value: literal text, or a template with nginx variables */
typedef struct {
    const char                 *text;          /* NULL: not configured */
    int                         dynamic;       /* text has variables */
} ngx_eda_aa_value_t;


/* a location's eda_ce_* and eda_kafka_key settings */
typedef struct {
    ngx_eda_aa_value_t          type;
    ngx_eda_aa_value_t          source;
    ngx_eda_aa_value_t          subject;
    ngx_eda_aa_value_t          dataschema;
    ngx_eda_aa_value_t          key;
    int                         structured;    /* eda_ce_mode structured */
} ngx_eda_aa_event_t;


/* an eda_subscribe_filter */
typedef struct {
    const char                 *attr;          /* or "key" */
    const char                 *op;            /* eq, prefix, suffix */
    ngx_eda_aa_value_t          value;
} ngx_eda_aa_filter_t;


/* a location's eda_jwt settings (never its keys) */
typedef struct {
    int                         mode;          /* NGX_EDA_AA_JWT_* */
    const char                **algorithms;
    size_t                      nalgorithms;
    const char                 *issuer;
    const char                **audiences;
    size_t                      naudiences;
    const char                **claims;        /* required, "name=value" */
    size_t                      nclaims;
    const char                 *token;         /* eda_jwt_token, or NULL */
    int                         revocation;
} ngx_eda_aa_jwt_t;


typedef struct {
    int                         kind;          /* NGX_EDA_AA_PUBLISH ... */
    const char                 *path;          /* the location's name */

    const char                 *topic;         /* eda_publish, or */
                                               /* eda_ws_publish */
    const char                **topics;        /* eda_subscribe */
    size_t                      ntopics;
    const ngx_eda_aa_filter_t  *filters;
    size_t                      nfilters;
    int                         data_format;   /* eda_ws_format data */
    int                         socketio;
    const char                 *sio_ns;        /* eda_socketio_namespace */
    int                         polling;       /* Socket.IO long-polling */

    const char                 *saga;          /* eda_saga */

    ngx_eda_aa_event_t          event;
    const ngx_eda_aa_jwt_t     *jwt;           /* NULL: eda_jwt off */
} ngx_eda_aa_location_t;


typedef struct {
    const char                 *title;
    const char                 *version;

    const char                 *host;          /* the gateway, host:port */
    int                         tls;
    const char                 *brokers;       /* eda_kafka_brokers */
    int                         kafka_tls;     /* security.protocol SSL */
                                               /* or SASL_SSL */

    const ngx_eda_aa_location_t *locations;
    size_t                      nlocations;
    const ngx_eda_saga_defs_t  *sagas;         /* NULL: none */
} ngx_eda_aa_doc_t;


/*
 * The document as JSON text, malloc()ed (the caller free()s it), its
 * length in *LEN; NULL with ERR set when it cannot be built (a value
 * that is not UTF-8, no memory).
 */
char *ngx_eda_asyncapi_build(const ngx_eda_aa_doc_t *doc, size_t *len,
    char *err, size_t errlen);

/*
 * Where the token of template TEXT (NULL: the default) comes from, and
 * the query argument, cookie or header name in NAME (at most
 * NGX_EDA_AA_MAX_NAME bytes and a NUL; header names with "-" for "_").
 */
int ngx_eda_aa_token_source(const char *text, char *name);

/*
 * A regular expression the values of template TEXT match: its literal
 * parts escaped, each variable ($name, ${name}) any text.  Malloc()ed,
 * NULL without memory.
 */
char *ngx_eda_aa_template_pattern(const char *text);


#endif /* _NGX_EDA_ASYNCAPI_H_INCLUDED_ */
