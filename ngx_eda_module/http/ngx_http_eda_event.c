
/*
 * Copyright (C) ngx_eda authors
 *
 * The gateway's CloudEvent: a location's event settings (eda_ce_*,
 * eda_kafka_key, eda_kafka_header: ngx_http_eda_event_conf.c) evaluated
 * for a request, merged with what a client sent where the location does
 * not configure the attribute and eda_ce_client_attributes allows it, and
 * the Kafka record of an event (ngx_eda_ce_to_kafka() in the location's
 * mode, and eda_kafka_header).
 * eda_publish, the response tap and WebSocket publishing build their
 * events here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_eda_module.h"
#include "ngx_eda_ce.h"
#include "ngx_eda_kafka_producer.h"
#include "ngx_http_eda_problem.h"
#include "ngx_http_eda_request.h"
#include "ngx_http_eda_event_conf.h"
#include "ngx_http_eda_event.h"
#include "ngx_http_eda_trace.h"
#include "ngx_http_eda_publish_module.h"


#define NGX_HTTP_EDA_MAX_IDEMPOTENCY 256

/* an attribute without a setting of its own */
#define NGX_HTTP_EDA_NO_CONF         ((size_t) -1)


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
static ngx_uint_t ngx_http_eda_event_host_name(ngx_str_t *name);
static ngx_int_t ngx_http_eda_event_default_time(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_client_extensions(
    ngx_http_eda_event_conf_t *ecf, ngx_eda_ce_event_t *client,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_gateway_extensions(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_trace(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_event_too_many(ngx_http_eda_problem_t *pb);
static ngx_int_t ngx_http_eda_ce_set_str(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, const char *name, ngx_str_t *value);
static void *ngx_http_eda_event_alloc(void *ctx, size_t size);
static ngx_int_t ngx_http_eda_event_kafka_headers(ngx_http_request_t *r,
    ngx_http_eda_event_conf_t *ecf, ngx_eda_kafka_msg_t *msg);


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

    /* the client's extensions, then the gateway's (never the client's) */

    if (ecf->client_attrs & NGX_HTTP_EDA_CA_EXTENSIONS) {
        rc = ngx_http_eda_event_client_extensions(ecf, client, ev, pb);
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
 * The attributes of ngx_http_eda_std_attrs.  One the location configures
 * is the location's, whatever the client sent and whatever
 * eda_ce_client_attributes says: its value, or the gateway's default when
 * the value is empty (an eda_ce_subject $eda_jwt_sub of a token without
 * "sub" leaves the event without subject, it does not let the client
 * choose one).  Any other is the client's where eda_ce_client_attributes
 * allows it, else the gateway's default, if it has one.
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

        cplx = (a->conf != NGX_HTTP_EDA_NO_CONF)
               ? *(ngx_http_complex_value_t **) ((u_char *) ecf + a->conf)
               : NULL;

        if (cplx == NULL) {
            cv = ngx_eda_ce_get(client, name, a->name.len);

            if (cv != NULL && (ecf->client_attrs & a->flag)) {
                (void) ngx_eda_ce_set(ev, name, a->name.len, cv->data,
                                      cv->len);
                continue;
            }

        } else {
            if (ngx_http_complex_value(r, cplx, &val) != NGX_OK) {
                return NGX_ERROR;
            }

            if (val.len) {
                if (ngx_http_eda_ce_set_str(r, ev, name, &val) != NGX_OK) {
                    return NGX_ERROR;
                }

                continue;
            }
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


/*
 * The endpoint that received the event, named by the server, never by
 * the client's Host header: http(s)://, the server's first server_name,
 * the URI.  A server_name that is not a host name (none, "_", a wildcard,
 * a regular expression) gives way to the local address and port the
 * request came to.
 */

static ngx_int_t
ngx_http_eda_event_default_source(ngx_http_request_t *r,
    ngx_eda_ce_event_t *ev, ngx_http_eda_problem_t *pb)
{
    u_char                    *p;
    size_t                     len;
    ngx_str_t                  val, host;
    u_char                     addr[NGX_SOCKADDR_STRLEN];
    ngx_http_core_srv_conf_t  *cscf;

    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);
    host = cscf->server_name;

    if (!ngx_http_eda_event_host_name(&host)) {
        host.data = addr;
        host.len = NGX_SOCKADDR_STRLEN;

        if (ngx_connection_local_sockaddr(r->connection, &host, 1)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    len = sizeof("https://") - 1 + host.len + r->uri.len;

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

    p = ngx_cpymem(p, host.data, host.len);
    p = ngx_cpymem(p, r->uri.data, r->uri.len);
    val.len = p - val.data;

    (void) ngx_eda_ce_set(ev, "source", 6, (const char *) val.data, val.len);

    return NGX_OK;
}


/* 1 if NAME is a host name: letters, digits, "-" and "." */

static ngx_uint_t
ngx_http_eda_event_host_name(ngx_str_t *name)
{
    u_char  c;
    size_t  i;

    if (name->len == 0) {
        return 0;
    }

    for (i = 0; i < name->len; i++) {
        c = ngx_tolower(name->data[i]);

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '-' || c == '.'))
        {
            return 0;
        }
    }

    return 1;
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
 * The client's extensions: its other attributes, but the reserved names
 * (the standard attributes, on which ngx_http_eda_event_std_attrs
 * decided, data, and partitionkey, traceparent and tracestate, which only
 * the gateway sets) and the names of the location's eda_ce_extension
 * (the location's even when its value is empty).
 */

static ngx_int_t
ngx_http_eda_event_client_extensions(ngx_http_eda_event_conf_t *ecf,
    ngx_eda_ce_event_t *client, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    ngx_uint_t          i;
    ngx_eda_ce_attr_t  *attr;

    for (i = 0; i < client->nattrs; i++) {
        attr = &client->attrs[i];

        if (ngx_http_eda_event_reserved((u_char *) attr->name.data,
                                        attr->name.len)
            || ngx_http_eda_event_pair(ecf->ce_extensions,
                                       (u_char *) attr->name.data,
                                       attr->name.len)
               != NULL)
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


/*
 * W3C trace context travels as the distributed tracing extension: the
 * request's span (ngx_http_eda_trace.c), a child of the caller's
 * traceparent header, else a new trace; never the client's attribute.
 */

static ngx_int_t
ngx_http_eda_event_trace(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_http_eda_problem_t *pb)
{
    ngx_http_eda_trace_ctx_t  *t;

    t = ngx_http_eda_trace(r);
    if (t == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_eda_trace_event(ev, t) != NGX_OK) {
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
 * The Kafka record: the binding's headers, value and key from
 * ngx_eda_ce_to_kafka() in the location's mode, then the eda_kafka_header
 * headers.
 */

ngx_int_t
ngx_http_eda_event_message(ngx_http_request_t *r, ngx_eda_ce_event_t *ev,
    ngx_eda_kafka_msg_t *msg)
{
    int                         mode;
    ngx_uint_t                  i, nh;
    ngx_eda_kafka_header_t     *h;
    ngx_eda_ce_kafka_out_t      out;
    ngx_http_eda_event_conf_t  *ecf;
    ngx_eda_ce_kafka_header_t   ceh[NGX_EDA_CE_MAX_ATTRS];

    ecf = ngx_http_eda_publish_event_conf(r);

    mode = (ecf->ce_mode == NGX_HTTP_EDA_CE_BINARY)
           ? NGX_EDA_CE_KAFKA_BINARY : NGX_EDA_CE_KAFKA_STRUCTURED;

    out.headers = ceh;

    if (ngx_eda_ce_to_kafka(ev, mode, ecf->kafka_key != NULL,
                            ngx_http_eda_event_alloc, r->pool, &out)
        != 0)
    {
        return NGX_ERROR;
    }

    nh = (ecf->kafka_headers != NULL) ? ecf->kafka_headers->nelts : 0;

    h = ngx_palloc(r->pool, (out.nheaders + nh)
                            * sizeof(ngx_eda_kafka_header_t));
    if (h == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < out.nheaders; i++) {
        h[i].name.data = (u_char *) ceh[i].name.data;
        h[i].name.len = ceh[i].name.len;
        h[i].value.data = (u_char *) ceh[i].value.data;
        h[i].value.len = ceh[i].value.len;
    }

    msg->headers = h;
    msg->nheaders = out.nheaders;

    msg->value.data = (u_char *) out.value.data;
    msg->value.len = out.value.len;

    if (ngx_http_eda_event_kafka_headers(r, ecf, msg) != NGX_OK) {
        return NGX_ERROR;
    }

    if (out.key.data != NULL) {
        msg->key.data = (u_char *) out.key.data;
        msg->key.len = out.key.len;
    }

    return NGX_OK;
}


/* memory for ngx_eda_ce_to_kafka(): the request's pool */

static void *
ngx_http_eda_event_alloc(void *ctx, size_t size)
{
    return ngx_pnalloc(ctx, size);
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
