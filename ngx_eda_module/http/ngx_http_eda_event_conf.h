
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_HTTP_EDA_EVENT_CONF_H_INCLUDED_
#define _NGX_HTTP_EDA_EVENT_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* eda_ce_mode */
#define NGX_HTTP_EDA_CE_BINARY       0
#define NGX_HTTP_EDA_CE_STRUCTURED   1

/* attributes a client may set (eda_ce_client_attributes) */
#define NGX_HTTP_EDA_CA_ID           0x0001
#define NGX_HTTP_EDA_CA_SOURCE       0x0002
#define NGX_HTTP_EDA_CA_TYPE         0x0004
#define NGX_HTTP_EDA_CA_SUBJECT      0x0008
#define NGX_HTTP_EDA_CA_TIME         0x0010
#define NGX_HTTP_EDA_CA_DATASCHEMA   0x0020
#define NGX_HTTP_EDA_CA_EXTENSIONS   0x0040


/* an eda_ce_extension or eda_kafka_header */
typedef struct {
    ngx_str_t                   name;
    ngx_http_complex_value_t   *value;
} ngx_http_eda_cv_pair_t;


/*
 * A location's event settings.  eda_publish's module declares the
 * directives (with the handlers below) and keeps this in its location
 * configuration, so the settings inherit like any of its own.
 */
typedef struct {
    ngx_http_complex_value_t   *ce_type;
    ngx_http_complex_value_t   *ce_source;
    ngx_http_complex_value_t   *ce_subject;
    ngx_http_complex_value_t   *ce_id;
    ngx_http_complex_value_t   *ce_dataschema;
    ngx_array_t                *ce_extensions; /* ngx_http_eda_cv_pair_t */
    ngx_uint_t                  ce_mode;
    ngx_uint_t                  client_attrs;
    ngx_http_complex_value_t   *kafka_key;
    ngx_array_t                *kafka_headers; /* ngx_http_eda_cv_pair_t */
} ngx_http_eda_event_conf_t;


/* the create and merge steps, for the location configuration */
void ngx_http_eda_event_init_conf(ngx_http_eda_event_conf_t *conf);
void ngx_http_eda_event_merge_conf(ngx_http_eda_event_conf_t *prev,
    ngx_http_eda_event_conf_t *conf);

/*
 * 1 if NAME (LEN bytes) is not an extension a configuration or a client
 * may set: a standard attribute, data, data_base64, or an extension the
 * gateway alone sets (partitionkey, traceparent, tracestate).
 */
ngx_uint_t ngx_http_eda_event_reserved(const u_char *name, size_t len);

/* the pair of A (NULL: none) named NAME (LEN bytes), or NULL */
ngx_http_eda_cv_pair_t *ngx_http_eda_event_pair(ngx_array_t *a,
    const u_char *name, size_t len);

/*
 * Directive handlers; cmd->offset is where the field is in CONF:
 * eda_ce_mode, eda_ce_client_attributes, eda_ce_extension and
 * eda_kafka_header.
 */
char *ngx_http_eda_event_ce_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_eda_event_client_attributes(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_eda_event_extension(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_eda_event_kafka_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_EDA_EVENT_CONF_H_INCLUDED_ */
