
/*
 * Copyright (C) ngx_eda authors
 *
 * The gateway's CloudEvent: a location's event settings (eda_ce_*,
 * eda_kafka_key, eda_kafka_header) evaluated for a request, merged with
 * what a client sent where eda_ce_client_attributes allows it, and the
 * Kafka record of an event (CloudEvents Kafka binding, binary or
 * structured mode).  eda_publish, the response tap and WebSocket
 * publishing build their events here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_event.h"
#include "ngx_http_eda_publish_module.h"


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

#define NGX_HTTP_EDA_CA_DEFAULT                                              \
    (NGX_HTTP_EDA_CA_ID|NGX_HTTP_EDA_CA_TYPE|NGX_HTTP_EDA_CA_SUBJECT         \
     |NGX_HTTP_EDA_CA_TIME|NGX_HTTP_EDA_CA_DATASCHEMA                        \
     |NGX_HTTP_EDA_CA_EXTENSIONS)

#define NGX_HTTP_EDA_MAX_IDEMPOTENCY 256

/* an attribute without a setting of its own */
#define NGX_HTTP_EDA_NO_CONF         ((size_t) -1)


typedef struct {
    ngx_str_t                   name;
    ngx_http_complex_value_t   *value;
} ngx_http_eda_cv_pair_t;


typedef struct {
    const char                 *name;
    ngx_uint_t                  flag;
} ngx_http_eda_attr_flag_t;


/* the gateway's value of an attribute neither client nor location set */
typedef ngx_int_t (*ngx_http_eda_attr_default_pt)(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);


typedef struct {
    ngx_str_t                      name;
    ngx_uint_t                     flag;  /* in eda_ce_client_attributes */
    size_t                         conf;  /* its eda_ce_* setting */
    ngx_http_eda_attr_default_pt   dflt;  /* NULL: none */
} ngx_http_eda_std_attr_t;


static ngx_int_t ngx_http_eda_event_std_attrs(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_ce_event_t *client,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_default_id(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_default_source(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_default_time(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_client_extensions(
    ngx_eda_ce_event_t *client, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_gateway_extensions(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_trace(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_too_many(ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_ce_set_str(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, const char *name, ngx_str_t *value);
static ngx_int_t ngx_http_eda_event_binary(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_eda_kafka_msg_t *msg);
static ngx_int_t ngx_http_eda_event_structured(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_eda_kafka_msg_t *msg);
static ngx_int_t ngx_http_eda_event_kafka_headers(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_kafka_msg_t *msg);
static char *ngx_http_eda_cv_pair_add(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_array_t **a, ngx_str_t *value);


static ngx_conf_enum_t  ngx_http_eda_ce_modes[] = {
    { ngx_string("binary"), NGX_HTTP_EDA_CE_BINARY },
    { ngx_string("structured"), NGX_HTTP_EDA_CE_STRUCTURED },
    { ngx_null_string, 0 }
};


static ngx_http_eda_attr_flag_t  ngx_http_eda_attr_flags[] = {
    { "id", NGX_HTTP_EDA_CA_ID },
    { "source", NGX_HTTP_EDA_CA_SOURCE },
    { "type", NGX_HTTP_EDA_CA_TYPE },
    { "subject", NGX_HTTP_EDA_CA_SUBJECT },
    { "time", NGX_HTTP_EDA_CA_TIME },
    { "dataschema", NGX_HTTP_EDA_CA_DATASCHEMA },
    { "extensions", NGX_HTTP_EDA_CA_EXTENSIONS },
    { NULL, 0 }
};


/* the attributes a location or the gateway sets, in the event's order */

static ngx_http_eda_std_attr_t  ngx_http_eda_std_attrs[] = {

    { ngx_string("id"), NGX_HTTP_EDA_CA_ID,
      offsetof(ngx_http_eda_event_conf_t, ce_id),
      ngx_http_eda_event_default_id },

    { ngx_string("source"), NGX_HTTP_EDA_CA_SOURCE,
      offsetof(ngx_http_eda_event_conf_t, ce_source),
      ngx_http_eda_event_default_source },

    { ngx_string("type"), NGX_HTTP_EDA_CA_TYPE,
      offsetof(ngx_http_eda_event_conf_t, ce_type),
      NULL },

    { ngx_string("subject"), NGX_HTTP_EDA_CA_SUBJECT,
      offsetof(ngx_http_eda_event_conf_t, ce_subject),
      NULL },

    { ngx_string("time"), NGX_HTTP_EDA_CA_TIME,
      NGX_HTTP_EDA_NO_CONF,
      ngx_http_eda_event_default_time },

    { ngx_string("dataschema"), NGX_HTTP_EDA_CA_DATASCHEMA,
      offsetof(ngx_http_eda_event_conf_t, ce_dataschema),
      NULL },

    { ngx_null_string, 0, 0, NULL }
};


ngx_int_t
ngx_http_eda_event_from_conf(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    ngx_eda_ce_event_t  *none;

    none = ngx_palloc(r->pool, sizeof(ngx_eda_ce_event_t));
    if (none == NULL) {
        return NGX_ERROR;
    }

    none->nattrs = 0;
    none->data.data = NULL;
    none->data.len = 0;

    return ngx_http_eda_event_build(r, none, ev, pb);
}


ngx_int_t
ngx_http_eda_event_build(ngx_http_request_t *r, ngx_eda_ce_event_t *client,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb)
{
    ngx_int_t                   rc;
    const ngx_eda_ce_str_t     *cv;
    ngx_http_eda_event_conf_t  *ecf;

    ecf = ngx_http_eda_publish_event_conf(r);

    ev->nattrs = 0;
    ev->data.data = NULL;
    ev->data.len = 0;

    (void) ngx_eda_ce_set(ev, "specversion", 11, "1.0", 3);

    rc = ngx_http_eda_event_std_attrs(r, ecf, client, ev, pb);
    if (rc != NGX_OK) {
        return rc;
    }

    cv = ngx_eda_ce_get(client, "datacontenttype", 15);
    if (cv != NULL) {
        (void) ngx_eda_ce_set(ev, "datacontenttype", 15, cv->data, cv->len);
    }

    /* the client's extensions, then the gateway's, which win */

    if (ecf->client_attrs & NGX_HTTP_EDA_CA_EXTENSIONS) {
        rc = ngx_http_eda_event_client_extensions(client, ev, pb);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    rc = ngx_http_eda_event_gateway_extensions(r, ecf, ev, pb);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_eda_event_trace(r, ev, pb);
}


/*
 * The attributes of ngx_http_eda_std_attrs: the client's value where
 * eda_ce_client_attributes allows it, else the location's, else the
 * gateway's default, if it has one.
 */

static ngx_int_t
ngx_http_eda_event_std_attrs(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_ce_event_t *client,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb)
{
    ngx_int_t                  rc;
    ngx_str_t                  val;
    const char                *name;
    ngx_http_eda_std_attr_t   *a;
    const ngx_eda_ce_str_t    *cv;
    ngx_http_complex_value_t  *cplx;

    for (a = ngx_http_eda_std_attrs; a->name.len != 0; a++) {

        name = (const char *) a->name.data;

        cv = ngx_eda_ce_get(client, name, a->name.len);

        if (cv != NULL && (ecf->client_attrs & a->flag)) {
            (void) ngx_eda_ce_set(ev, name, a->name.len, cv->data, cv->len);
            continue;
        }

        val.len = 0;

        if (a->conf != NGX_HTTP_EDA_NO_CONF) {
            cplx = *(ngx_http_complex_value_t **) ((u_char *) ecf + a->conf);

            if (cplx != NULL
                && ngx_http_complex_value(r, cplx, &val) != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        if (val.len) {
            if (ngx_http_eda_ce_set_str(r, ev, name, &val) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        if (a->dflt != NULL) {
            rc = a->dflt(r, ev, pb);
            if (rc != NGX_OK) {
                return rc;
            }
        }
    }

    return NGX_OK;
}


/* the client's Idempotency-Key, else a random UUID */

static ngx_int_t
ngx_http_eda_event_default_id(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    u_char               *p;
    ngx_str_t            *hv;
    unsigned char         rnd[16];
    ngx_eda_main_conf_t  *emcf;

    hv = ngx_http_eda_find_header(r, "idempotency-key",
                                  sizeof("idempotency-key") - 1);
    if (hv != NULL) {
        if (hv->len == 0 || hv->len > NGX_HTTP_EDA_MAX_IDEMPOTENCY) {
            pb->status = NGX_HTTP_BAD_REQUEST;
            ngx_str_set(&pb->detail, "Idempotency-Key must be 1 to "
                        "256 characters");
            ngx_str_set(&pb->attribute, "id");
            return NGX_DECLINED;
        }

        return ngx_http_eda_ce_set_str(r, ev, "id", hv);
    }

    emcf = ngx_http_get_module_main_conf(r, ngx_eda_module);

    if (ngx_eda_random(emcf, rnd, sizeof(rnd)) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "eda: RAND_bytes() failed");
        return NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, NGX_EDA_CE_UUID_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_eda_ce_format_uuid4(rnd, (char *) p);
    (void) ngx_eda_ce_set(ev, "id", 2, (const char *) p, NGX_EDA_CE_UUID_LEN);

    return NGX_OK;
}


/* the endpoint that received the event */

static ngx_int_t
ngx_http_eda_event_default_source(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   val;

    len = sizeof("https://") - 1 + r->headers_in.server.len + r->uri.len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    val.data = p;
#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        p = ngx_cpymem(p, "https://", sizeof("https://") - 1);
    } else
#endif
    {
        p = ngx_cpymem(p, "http://", sizeof("http://") - 1);
    }

    p = ngx_cpymem(p, r->headers_in.server.data, r->headers_in.server.len);
    p = ngx_cpymem(p, r->uri.data, r->uri.len);
    val.len = p - val.data;

    (void) ngx_eda_ce_set(ev, "source", 6, (const char *) val.data, val.len);

    return NGX_OK;
}


/* now */

static ngx_int_t
ngx_http_eda_event_default_time(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    u_char      *p;
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    p = ngx_pnalloc(r->pool, NGX_EDA_CE_TIME_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_eda_ce_format_time(tp->sec, tp->msec, (char *) p);
    (void) ngx_eda_ce_set(ev, "time", 4, (const char *) p,
                          NGX_EDA_CE_TIME_LEN);

    return NGX_OK;
}


/*
 * The client's extensions: its other attributes, but those of
 * ngx_http_eda_std_attrs (eda_ce_client_attributes decided on them) and
 * those the event has already.
 */

static ngx_int_t
ngx_http_eda_event_client_extensions(ngx_eda_ce_event_t *client,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb)
{
    ngx_uint_t                i;
    ngx_eda_ce_attr_t        *attr;
    ngx_http_eda_std_attr_t  *a;

    for (i = 0; i < client->nattrs; i++) {
        attr = &client->attrs[i];

        if (ngx_eda_ce_get(ev, attr->name.data, attr->name.len) != NULL) {
            continue;
        }

        for (a = ngx_http_eda_std_attrs; a->name.len != 0; a++) {
            if (attr->name.len == a->name.len
                && ngx_strncmp(attr->name.data, a->name.data, a->name.len)
                   == 0)
            {
                break;
            }
        }

        if (a->name.len != 0
            || (attr->name.len == 11
                && ngx_strncmp(attr->name.data, "specversion", 11) == 0))
        {
            continue;
        }

        if (ngx_eda_ce_set(ev, attr->name.data, attr->name.len,
                           attr->value.data, attr->value.len)
            != 0)
        {
            return ngx_http_eda_event_too_many(pb);
        }
    }

    return NGX_OK;
}


/* eda_ce_extension, then eda_kafka_key as the partitionkey extension */

static ngx_int_t
ngx_http_eda_event_gateway_extensions(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    ngx_str_t                val;
    ngx_uint_t               i;
    ngx_http_eda_cv_pair_t  *pair;

    if (ecf->ce_extensions != NULL) {
        pair = ecf->ce_extensions->elts;

        for (i = 0; i < ecf->ce_extensions->nelts; i++) {
            if (ngx_http_complex_value(r, pair[i].value, &val) != NGX_OK) {
                return NGX_ERROR;
            }

            if (val.len == 0) {
                continue;
            }

            if (ngx_http_eda_ce_set_str(r, ev, (const char *) pair[i].name.data,
                                        &val)
                != NGX_OK)
            {
                return ngx_http_eda_event_too_many(pb);
            }
        }
    }

    if (ecf->kafka_key != NULL) {
        if (ngx_http_complex_value(r, ecf->kafka_key, &val) != NGX_OK) {
            return NGX_ERROR;
        }

        if (val.len
            && ngx_http_eda_ce_set_str(r, ev, "partitionkey", &val) != NGX_OK)
        {
            return ngx_http_eda_event_too_many(pb);
        }
    }

    return NGX_OK;
}


/* W3C trace context travels as the distributed tracing extension */

static ngx_int_t
ngx_http_eda_event_trace(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    ngx_str_t  *hv;

    hv = ngx_http_eda_find_header(r, "traceparent",
                                  sizeof("traceparent") - 1);

    if (hv == NULL
        || !ngx_eda_ce_valid_traceparent((const char *) hv->data, hv->len))
    {
        return NGX_OK;
    }

    if (ngx_http_eda_ce_set_str(r, ev, "traceparent", hv) != NGX_OK) {
        return ngx_http_eda_event_too_many(pb);
    }

    hv = ngx_http_eda_find_header(r, "tracestate", sizeof("tracestate") - 1);

    if (hv != NULL && hv->len
        && ngx_http_eda_ce_set_str(r, ev, "tracestate", hv) != NGX_OK)
    {
        return ngx_http_eda_event_too_many(pb);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_event_too_many(ngx_http_eda_problem_t *pb)
{
    pb->status = NGX_HTTP_BAD_REQUEST;
    ngx_str_set(&pb->detail, "too many attributes");

    return NGX_DECLINED;
}


/*
 * The Kafka record: in binary mode the attributes become "ce_" headers and
 * the data the value; in structured mode the value is the JSON event.
 * eda_kafka_header adds headers in both.
 */

ngx_int_t
ngx_http_eda_event_message(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_eda_kafka_msg_t *msg)
{
    ngx_int_t                   rc;
    ngx_uint_t                  nh;
    ngx_eda_kafka_header_t     *h;
    const ngx_eda_ce_str_t     *key;
    ngx_http_eda_event_conf_t  *ecf;

    ecf = ngx_http_eda_publish_event_conf(r);

    nh = (ecf->kafka_headers != NULL) ? ecf->kafka_headers->nelts : 0;

    h = ngx_palloc(r->pool, (ev->nattrs + nh + 1)
                            * sizeof(ngx_eda_kafka_header_t));
    if (h == NULL) {
        return NGX_ERROR;
    }

    msg->headers = h;
    msg->nheaders = 0;

    if (ecf->ce_mode == NGX_HTTP_EDA_CE_BINARY) {
        rc = ngx_http_eda_event_binary(r, ev, msg);

    } else {
        rc = ngx_http_eda_event_structured(r, ev, msg);
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_eda_event_kafka_headers(r, ecf, msg) != NGX_OK) {
        return NGX_ERROR;
    }

    key = ngx_eda_ce_get(ev, "partitionkey", sizeof("partitionkey") - 1);

    if (ecf->kafka_key != NULL && key != NULL) {
        msg->key.data = (u_char *) key->data;
        msg->key.len = key->len;
    }

    return NGX_OK;
}


/* binary mode: the headers after msg->headers, then the data as value */

static ngx_int_t
ngx_http_eda_event_binary(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_eda_kafka_msg_t *msg)
{
    size_t                   len;
    u_char                  *p;
    ngx_uint_t               i;
    ngx_eda_ce_attr_t       *attr;
    ngx_eda_kafka_header_t  *h;

    for (i = 0; i < ev->nattrs; i++) {
        attr = &ev->attrs[i];
        h = &msg->headers[msg->nheaders++];

        if (attr->name.len == 15
            && ngx_strncmp(attr->name.data, "datacontenttype", 15) == 0)
        {
            ngx_str_set(&h->name, "content-type");

        } else {
            len = sizeof("ce_") - 1 + attr->name.len;

            p = ngx_pnalloc(r->pool, len);
            if (p == NULL) {
                return NGX_ERROR;
            }

            h->name.data = p;
            h->name.len = len;
            p = ngx_cpymem(p, "ce_", 3);
            ngx_memcpy(p, attr->name.data, attr->name.len);
        }

        h->value.data = (u_char *) attr->value.data;
        h->value.len = attr->value.len;
    }

    msg->value.data = (u_char *) ev->data.data;
    msg->value.len = ev->data.len;

    return NGX_OK;
}


/* structured mode: the JSON event as value, and its content-type */

static ngx_int_t
ngx_http_eda_event_structured(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_eda_kafka_msg_t *msg)
{
    char                    *json;
    size_t                   len;
    ngx_eda_kafka_header_t  *h;

    json = ngx_eda_ce_to_json(ev, &len);
    if (json == NULL) {
        return NGX_ERROR;
    }

    msg->value.data = ngx_pnalloc(r->pool, len);
    if (msg->value.data == NULL) {
        free(json);
        return NGX_ERROR;
    }

    ngx_memcpy(msg->value.data, json, len);
    msg->value.len = len;
    free(json);

    h = &msg->headers[msg->nheaders++];

    ngx_str_set(&h->name, "content-type");
    ngx_str_set(&h->value, "application/cloudevents+json; charset=UTF-8");

    return NGX_OK;
}


/* eda_kafka_header: those with a value, after the binding's headers */

static ngx_int_t
ngx_http_eda_event_kafka_headers(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_kafka_msg_t *msg)
{
    ngx_str_t                val;
    ngx_uint_t               i;
    ngx_eda_kafka_header_t  *h;
    ngx_http_eda_cv_pair_t  *pair;

    if (ecf->kafka_headers == NULL) {
        return NGX_OK;
    }

    pair = ecf->kafka_headers->elts;

    for (i = 0; i < ecf->kafka_headers->nelts; i++) {
        if (ngx_http_complex_value(r, pair[i].value, &val) != NGX_OK) {
            return NGX_ERROR;
        }

        if (val.len == 0) {
            continue;
        }

        h = &msg->headers[msg->nheaders++];
        h->name = pair[i].name;
        h->value = val;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_eda_ce_set_str(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    const char *name, ngx_str_t *value)
{
    if (ngx_eda_ce_set(ev, name, ngx_strlen(name), (const char *) value->data,
                       value->len)
        != 0)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_eda_event_init_conf(ngx_http_eda_event_conf_t *conf)
{
    /*
     * left as ngx_pcalloc() set them:
     *
     *     conf->ce_extensions = NULL;
     *     conf->kafka_headers = NULL;
     */

    conf->ce_type = NGX_CONF_UNSET_PTR;
    conf->ce_source = NGX_CONF_UNSET_PTR;
    conf->ce_subject = NGX_CONF_UNSET_PTR;
    conf->ce_id = NGX_CONF_UNSET_PTR;
    conf->ce_dataschema = NGX_CONF_UNSET_PTR;
    conf->kafka_key = NGX_CONF_UNSET_PTR;
    conf->ce_mode = NGX_CONF_UNSET_UINT;
    conf->client_attrs = NGX_CONF_UNSET_UINT;
}


void
ngx_http_eda_event_merge_conf(ngx_http_eda_event_conf_t *prev,
    ngx_http_eda_event_conf_t *conf)
{
    ngx_conf_merge_ptr_value(conf->ce_type, prev->ce_type, NULL);
    ngx_conf_merge_ptr_value(conf->ce_source, prev->ce_source, NULL);
    ngx_conf_merge_ptr_value(conf->ce_subject, prev->ce_subject, NULL);
    ngx_conf_merge_ptr_value(conf->ce_id, prev->ce_id, NULL);
    ngx_conf_merge_ptr_value(conf->ce_dataschema, prev->ce_dataschema, NULL);
    ngx_conf_merge_ptr_value(conf->kafka_key, prev->kafka_key, NULL);
    ngx_conf_merge_uint_value(conf->ce_mode, prev->ce_mode,
                              NGX_HTTP_EDA_CE_BINARY);
    ngx_conf_merge_uint_value(conf->client_attrs, prev->client_attrs,
                              NGX_HTTP_EDA_CA_DEFAULT);

    if (conf->ce_extensions == NULL) {
        conf->ce_extensions = prev->ce_extensions;
    }

    if (conf->kafka_headers == NULL) {
        conf->kafka_headers = prev->kafka_headers;
    }
}


/* eda_ce_extension NAME complex-value */

char *
ngx_http_eda_event_extension(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    static const char  *reserved[] = {
        "specversion", "id", "source", "type", "subject", "time",
        "dataschema", "datacontenttype", "data", "data_base64",
        "partitionkey", "traceparent", "tracestate", NULL
    };

    value = cf->args->elts;

    if (!ngx_eda_ce_valid_name((const char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid CloudEvents attribute name \"%V\" in "
                           "\"%V\": 1 to 20 lower-case letters or digits",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    for (i = 0; reserved[i] != NULL; i++) {
        if (ngx_strcmp(value[1].data, reserved[i]) == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" cannot set \"%V\": it is not an "
                               "extension (use eda_ce_%V or eda_kafka_key)",
                               &cmd->name, &value[1], &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    return ngx_http_eda_cv_pair_add(cf, cmd,
                                    (ngx_array_t **) (p + cmd->offset),
                                    value);
}


/* eda_kafka_header NAME complex-value */

char *
ngx_http_eda_event_kafka_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    if (value[1].len == 0
        || (value[1].len >= 3
            && ngx_strncasecmp(value[1].data, (u_char *) "ce_", 3) == 0)
        || (value[1].len == 12
            && ngx_strncasecmp(value[1].data, (u_char *) "content-type", 12)
               == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Kafka header name \"%V\" in \"%V\": "
                           "\"ce_*\" and \"content-type\" belong to the "
                           "CloudEvents binding", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return ngx_http_eda_cv_pair_add(cf, cmd,
                                    (ngx_array_t **) (p + cmd->offset),
                                    value);
}


/* a NAME (value[1]) and complex value (value[2]) pair, once per NAME */

static char *
ngx_http_eda_cv_pair_add(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_array_t **a, ngx_str_t *value)
{
    ngx_uint_t                         i;
    ngx_http_eda_cv_pair_t            *pair;
    ngx_http_compile_complex_value_t   ccv;

    if (*a == NULL) {
        *a = ngx_array_create(cf->pool, 4, sizeof(ngx_http_eda_cv_pair_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    pair = (*a)->elts;

    for (i = 0; i < (*a)->nelts; i++) {
        if (pair[i].name.len == value[1].len
            && ngx_strncmp(pair[i].name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate \"%V\" \"%V\"", &cmd->name,
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    pair = ngx_array_push(*a);
    if (pair == NULL) {
        return NGX_CONF_ERROR;
    }

    pair->name = value[1];

    pair->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (pair->value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = pair->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_eda_event_client_attributes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t                 *value;
    ngx_uint_t                 i, mask, *attrs;
    ngx_http_eda_attr_flag_t  *f;

    attrs = (ngx_uint_t *) (p + cmd->offset);

    if (*attrs != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mask = 0;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "none") == 0) {
        *attrs = 0;
        return NGX_CONF_OK;
    }

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "all") == 0) {
        for (f = ngx_http_eda_attr_flags; f->name != NULL; f++) {
            mask |= f->flag;
        }

        *attrs = mask;
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        for (f = ngx_http_eda_attr_flags; f->name != NULL; f++) {
            if (ngx_strcmp(value[i].data, f->name) == 0) {
                mask |= f->flag;
                break;
            }
        }

        if (f->name == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in \"%V\": expected "
                               "\"none\", \"all\" or some of id, source, "
                               "type, subject, time, dataschema, extensions",
                               &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }
    }

    *attrs = mask;

    return NGX_CONF_OK;
}


char *
ngx_http_eda_event_ce_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t        *value;
    ngx_uint_t       *mode;
    ngx_conf_enum_t  *e;

    mode = (ngx_uint_t *) (p + cmd->offset);

    if (*mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (e = ngx_http_eda_ce_modes; e->name.len != 0; e++) {
        if (e->name.len == value[1].len
            && ngx_strcmp(e->name.data, value[1].data) == 0)
        {
            *mode = e->value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\": expected "
                       "\"binary\" or \"structured\"",
                       &value[1], &cmd->name);

    return NGX_CONF_ERROR;
}
