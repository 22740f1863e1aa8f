
/*
 * Copyright (C) ngx_eda authors
 *
 * The AsyncAPI 3.0 document of a gateway.  The document describes the
 * gateway as the application: what it receives from clients (a POST to
 * an eda_publish location, a client's message on an eda_ws_publish
 * socket, a saga start) and sends them (the events of an eda_subscribe
 * location), and what it sends to and receives from Kafka on the
 * clients' behalf.  Channels are the locations (on the servers
 * "gateway-http" and "gateway-ws") and the Kafka topics (on "kafka");
 * each location's event settings become the schema of its messages, its
 * eda_jwt settings a security scheme.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_eda_asyncapi.h"


/* a channel, operation or message id: "kafka-" and any topic name fit */
#define NGX_EDA_AA_ID_LEN     300
#define NGX_EDA_AA_REF_LEN    (2 * NGX_EDA_AA_ID_LEN + 32)


typedef struct {
    const ngx_eda_aa_doc_t     *doc;
    json_t                     *servers;
    json_t                     *channels;
    json_t                     *operations;
    json_t                     *schemes;
    int                         failed;
    char                       *err;
    size_t                      errlen;
} ngx_eda_aa_ctx_t;


static void ngx_eda_aa_set(ngx_eda_aa_ctx_t *c, json_t *o, const char *key,
    json_t *v);
static void ngx_eda_aa_push(ngx_eda_aa_ctx_t *c, json_t *a, json_t *v);
static json_t *ngx_eda_aa_str(ngx_eda_aa_ctx_t *c, const char *s);
static json_t *ngx_eda_aa_ref(ngx_eda_aa_ctx_t *c, const char *kind,
    const char *id, const char *sub);
static void ngx_eda_aa_id(json_t *in, const char *prefix, const char *name,
    char *out);
static json_t *ngx_eda_aa_server(ngx_eda_aa_ctx_t *c, const char *id);
static json_t *ngx_eda_aa_channel(ngx_eda_aa_ctx_t *c, const char *prefix,
    const char *path, const char *server, char *id);
static json_t *ngx_eda_aa_topic(ngx_eda_aa_ctx_t *c, const char *topic,
    char *id);
static json_t *ngx_eda_aa_message(ngx_eda_aa_ctx_t *c, const char *chid,
    const char *name, json_t *msg);
static json_t *ngx_eda_aa_operation(ngx_eda_aa_ctx_t *c, const char *prefix,
    const char *name, const char *action, const char *chid, json_t *msg,
    const char *summary);
static void ngx_eda_aa_reply(ngx_eda_aa_ctx_t *c, json_t *op,
    const char *chid, json_t *msg1, json_t *msg2);
static json_t *ngx_eda_aa_string(ngx_eda_aa_ctx_t *c, const char *desc);
static json_t *ngx_eda_aa_value(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_value_t *v, const char *unset);
static json_t *ngx_eda_aa_object(ngx_eda_aa_ctx_t *c, json_t **props);
static json_t *ngx_eda_aa_ce_schema(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_event_t *ev, const char *type_unset);
static json_t *ngx_eda_aa_kafka_message(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_event_t *ev, const char *type_unset,
    const char *summary);
static void ngx_eda_aa_trace(ngx_eda_aa_ctx_t *c, json_t *props,
    const char *prefix);
static json_t *ngx_eda_aa_any_event(ngx_eda_aa_ctx_t *c);
static json_t *ngx_eda_aa_ack(ngx_eda_aa_ctx_t *c, int ws, int sio);
static json_t *ngx_eda_aa_problem(ngx_eda_aa_ctx_t *c, int ws, int sio);
static void ngx_eda_aa_security(ngx_eda_aa_ctx_t *c, json_t *op,
    const ngx_eda_aa_location_t *loc);
static void ngx_eda_aa_post_binding(ngx_eda_aa_ctx_t *c, json_t *op);
static void ngx_eda_aa_publish(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_location_t *loc);
static void ngx_eda_aa_subscribe(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_location_t *loc);
static void ngx_eda_aa_client_publish(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_location_t *loc, const char *chid);
static void ngx_eda_aa_filters(ngx_eda_aa_ctx_t *c, json_t *props,
    const ngx_eda_aa_location_t *loc, json_t *desc);
static void ngx_eda_aa_saga_start(ngx_eda_aa_ctx_t *c,
    const ngx_eda_aa_location_t *loc);
static void ngx_eda_aa_saga(ngx_eda_aa_ctx_t *c, const ngx_eda_saga_def_t *s);
static void ngx_eda_aa_saga_cmd(ngx_eda_aa_ctx_t *c,
    const ngx_eda_saga_def_t *s, const ngx_eda_saga_step_t *step,
    const ngx_eda_saga_cmd_t *cmd, const char *phase);
static json_t *ngx_eda_aa_enum(ngx_eda_aa_ctx_t *c, const char **v,
    size_t n, const char **w, size_t m);


static const char  *ngx_eda_aa_saga_statuses[] = {
    "eda.saga.started", "eda.saga.running", "eda.saga.retrying",
    "eda.saga.compensating", "eda.saga.completed", "eda.saga.compensated",
    "eda.saga.failed"
};

static const char  *ngx_eda_aa_saga_dead[] = {
    "eda.saga.dead-letter", "eda.saga.undeliverable"
};


char *
ngx_eda_asyncapi_build(const ngx_eda_aa_doc_t *doc, size_t *len, char *err,
    size_t errlen)
{
    char                         *out;
    size_t                        i, j;
    json_t                       *root, *info, *components;
    ngx_eda_aa_ctx_t              c;
    const ngx_eda_saga_def_t     *s;
    const ngx_eda_aa_location_t  *loc;

    memset(&c, 0, sizeof(ngx_eda_aa_ctx_t));
    c.doc = doc;
    c.err = err;
    c.errlen = errlen;

    if (errlen) {
        err[0] = '\0';
    }

    root = json_object();
    info = json_object();
    c.servers = json_object();
    c.channels = json_object();
    c.operations = json_object();
    c.schemes = json_object();
    components = json_object();

    ngx_eda_aa_set(&c, root, "asyncapi", json_string("3.0.0"));

    ngx_eda_aa_set(&c, info, "title", ngx_eda_aa_str(&c, doc->title));
    ngx_eda_aa_set(&c, info, "version", ngx_eda_aa_str(&c, doc->version));
    ngx_eda_aa_set(&c, info, "description", json_string(
        "Generated by ngx_eda from the gateway's configuration. The "
        "application described is the gateway: \"receive\" is what it "
        "takes from clients or Kafka, \"send\" what it sends them. Events "
        "are CloudEvents 1.0."));
    ngx_eda_aa_set(&c, root, "info", info);
    ngx_eda_aa_set(&c, root, "defaultContentType",
                   json_string("application/json"));

    /* in this order in the document, filled as the locations need them */
    ngx_eda_aa_set(&c, root, "servers", json_incref(c.servers));
    ngx_eda_aa_set(&c, root, "channels", json_incref(c.channels));
    ngx_eda_aa_set(&c, root, "operations", json_incref(c.operations));

    for (i = 0; i < doc->nlocations; i++) {
        loc = &doc->locations[i];

        switch (loc->kind) {

        case NGX_EDA_AA_PUBLISH:
            ngx_eda_aa_publish(&c, loc);
            break;

        case NGX_EDA_AA_SUBSCRIBE:
            ngx_eda_aa_subscribe(&c, loc);
            break;

        case NGX_EDA_AA_SAGA:
            ngx_eda_aa_saga_start(&c, loc);

            if (doc->sagas == NULL) {
                break;
            }

            /* a saga's own channels once, however many locations start it */
            for (j = 0; j < i; j++) {
                if (doc->locations[j].kind == NGX_EDA_AA_SAGA
                    && strcmp(doc->locations[j].saga, loc->saga) == 0)
                {
                    break;
                }
            }

            if (j < i) {
                break;
            }

            s = ngx_eda_saga_find(doc->sagas, loc->saga, strlen(loc->saga));
            if (s != NULL) {
                ngx_eda_aa_saga(&c, s);
            }

            break;
        }
    }

    if (json_object_size(c.schemes) > 0) {
        ngx_eda_aa_set(&c, components, "securitySchemes",
                       json_incref(c.schemes));
        ngx_eda_aa_set(&c, root, "components", json_incref(components));
    }

    out = NULL;

    if (!c.failed) {
        out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (out == NULL) {
            c.failed = 1;
        }
    }

    json_decref(components);
    json_decref(c.schemes);
    json_decref(c.operations);
    json_decref(c.channels);
    json_decref(c.servers);
    json_decref(root);

    if (out == NULL) {
        if (errlen && err[0] == '\0') {
            snprintf(err, errlen, "no memory for the AsyncAPI document");
        }

        return NULL;
    }

    *len = strlen(out);

    return out;
}


int
ngx_eda_aa_token_source(const char *text, char *name)
{
    size_t         n, plen;
    const char    *p;
    unsigned       i;
    static const struct {
        const char  *prefix;
        int          source;
    }  forms[] = {
        { "$arg_", NGX_EDA_AA_TOKEN_QUERY },
        { "$cookie_", NGX_EDA_AA_TOKEN_COOKIE },
        { "$http_", NGX_EDA_AA_TOKEN_HEADER }
    };

    name[0] = '\0';

    if (text == NULL) {
        return NGX_EDA_AA_TOKEN_BEARER;
    }

    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        plen = strlen(forms[i].prefix);

        if (strncmp(text, forms[i].prefix, plen) != 0) {
            continue;
        }

        p = text + plen;
        n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

        /* only a variable alone says where the token is */
        if (n == 0 || p[n] != '\0' || n > NGX_EDA_AA_MAX_NAME) {
            break;
        }

        memcpy(name, p, n);
        name[n] = '\0';

        if (forms[i].source == NGX_EDA_AA_TOKEN_HEADER) {
            for (p = name; *p; p++) {
                if (*p == '_') {
                    name[p - name] = '-';
                }
            }
        }

        return forms[i].source;
    }

    return NGX_EDA_AA_TOKEN_OTHER;
}


char *
ngx_eda_aa_template_pattern(const char *text)
{
    char        *out, *o;
    size_t       n;
    const char  *p, *e;

    /* each byte becomes at most two, each variable two; ^ $ and NUL */
    out = malloc(2 * strlen(text) + 3);
    if (out == NULL) {
        return NULL;
    }

    o = out;
    *o++ = '^';

    for (p = text; *p; p++) {

        if (*p == '$') {
            if (p[1] == '{' && (e = strchr(p + 2, '}')) != NULL
                && e > p + 2)
            {
                p = e;
                *o++ = '.';
                *o++ = '*';
                continue;
            }

            n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
            if (n > 0) {
                p += n;
                *o++ = '.';
                *o++ = '*';
                continue;
            }
        }

        if (strchr("\\^$.|?*+()[]{}", *p) != NULL) {
            *o++ = '\\';
        }

        *o++ = *p;
    }

    *o++ = '$';
    *o = '\0';

    return out;
}


static void
ngx_eda_aa_set(ngx_eda_aa_ctx_t *c, json_t *o, const char *key, json_t *v)
{
    /* a NULL object or value fails here, and the value is released */
    if (json_object_set_new(o, key, v) != 0) {
        c->failed = 1;
    }
}


static void
ngx_eda_aa_push(ngx_eda_aa_ctx_t *c, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0) {
        c->failed = 1;
    }
}


static json_t *
ngx_eda_aa_str(ngx_eda_aa_ctx_t *c, const char *s)
{
    json_t  *v;

    v = json_string(s != NULL ? s : "");

    if (v == NULL && c->errlen && c->err[0] == '\0') {
        snprintf(c->err, c->errlen, "a configured value is not UTF-8");
    }

    return v;
}


static json_t *
ngx_eda_aa_ref(ngx_eda_aa_ctx_t *c, const char *kind, const char *id,
    const char *sub)
{
    char     ref[NGX_EDA_AA_REF_LEN];
    json_t  *o;

    if (sub != NULL) {
        snprintf(ref, sizeof(ref), "#/channels/%s/messages/%s", kind, sub);

    } else {
        snprintf(ref, sizeof(ref), "#/%s/%s", kind, id);
    }

    o = json_object();
    ngx_eda_aa_set(c, o, "$ref", json_string(ref));

    return o;
}


/*
 * An id for NAME not yet a key of IN: PREFIX and NAME's letters, digits,
 * ".", "_", "-" (others become "-", a leading "/" goes), then "-2", "-3"...
 * when taken.  Ids need no escaping in a JSON pointer.
 */

static void
ngx_eda_aa_id(json_t *in, const char *prefix, const char *name, char *out)
{
    char         ch;
    size_t       n, max;
    unsigned     k;
    const char  *p;

    n = snprintf(out, NGX_EDA_AA_ID_LEN - 8, "%s", prefix);
    max = NGX_EDA_AA_ID_LEN - 8;

    for (p = name; *p == '/'; p++) { /* void */ }

    if (*p == '\0') {
        p = "root";
    }

    for ( /* void */ ; *p && n < max - 1; p++) {
        ch = *p;

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'
              || ch == '-'))
        {
            ch = '-';
        }

        out[n++] = ch;
    }

    while (n > 1 && out[n - 1] == '-') {
        n--;
    }

    out[n] = '\0';

    for (k = 2; json_object_get(in, out) != NULL && k < 100000; k++) {
        snprintf(out + n, 8, "-%u", k);
    }
}


static json_t *
ngx_eda_aa_server(ngx_eda_aa_ctx_t *c, const char *id)
{
    char                    *comma, host[256];
    json_t                  *s, *list;
    const char              *protocol, *desc, *b, *e;
    const ngx_eda_aa_doc_t  *doc;

    if (json_object_get(c->servers, id) == NULL) {
        doc = c->doc;
        s = json_object();

        if (strcmp(id, "kafka") == 0) {
            snprintf(host, sizeof(host), "%s", doc->brokers ? doc->brokers
                                                            : "");
            comma = strchr(host, ',');
            if (comma != NULL) {
                *comma = '\0';
            }

            protocol = doc->kafka_tls ? "kafka-secure" : "kafka";
            desc = "The Kafka cluster (eda_kafka_brokers); the host is its "
                   "first bootstrap server, all of them are listed in "
                   "x-eda-bootstrap-servers.";

            list = json_array();

            for (b = doc->brokers ? doc->brokers : ""; *b; b = e) {
                e = b + strcspn(b, ",");
                ngx_eda_aa_push(c, list, json_stringn(b, e - b));
                e += (*e == ',');
            }

            ngx_eda_aa_set(c, s, "host", ngx_eda_aa_str(c, host));
            ngx_eda_aa_set(c, s, "protocol", json_string(protocol));
            ngx_eda_aa_set(c, s, "description", json_string(desc));
            ngx_eda_aa_set(c, s, "x-eda-bootstrap-servers", list);

        } else {
            if (strcmp(id, "gateway-ws") == 0) {
                protocol = doc->tls ? "wss" : "ws";
                desc = "The gateway (nginx) for WebSocket and Socket.IO "
                       "clients.";

            } else {
                protocol = doc->tls ? "https" : "http";
                desc = "The gateway (nginx) for HTTP clients: publishing, "
                       "saga starts, Server-Sent Events.";
            }

            ngx_eda_aa_set(c, s, "host", ngx_eda_aa_str(c, doc->host));
            ngx_eda_aa_set(c, s, "protocol", json_string(protocol));
            ngx_eda_aa_set(c, s, "description", json_string(desc));
        }

        ngx_eda_aa_set(c, c->servers, id, s);
    }

    return ngx_eda_aa_ref(c, "servers", id, NULL);
}


/* a new channel for a location, its id in ID */

static json_t *
ngx_eda_aa_channel(ngx_eda_aa_ctx_t *c, const char *prefix, const char *path,
    const char *server, char *id)
{
    json_t  *ch, *servers;

    ngx_eda_aa_id(c->channels, prefix, path, id);

    ch = json_object();
    servers = json_array();

    ngx_eda_aa_push(c, servers, ngx_eda_aa_server(c, server));
    ngx_eda_aa_set(c, ch, "address", ngx_eda_aa_str(c, path));
    ngx_eda_aa_set(c, ch, "servers", servers);
    ngx_eda_aa_set(c, ch, "messages", json_object());
    ngx_eda_aa_set(c, c->channels, id, ch);

    return ch;
}


/* the channel of a Kafka topic, made when first needed; its id in ID */

static json_t *
ngx_eda_aa_topic(ngx_eda_aa_ctx_t *c, const char *topic, char *id)
{
    json_t  *ch, *servers, *bindings, *kafka;

    /* topic names are [a-zA-Z0-9._-]: the id is the topic's own */
    snprintf(id, NGX_EDA_AA_ID_LEN, "kafka-%.*s", NGX_EDA_AA_ID_LEN - 8,
             topic);

    ch = json_object_get(c->channels, id);
    if (ch != NULL) {
        return ch;
    }

    ch = json_object();
    servers = json_array();
    bindings = json_object();
    kafka = json_object();

    ngx_eda_aa_push(c, servers, ngx_eda_aa_server(c, "kafka"));
    ngx_eda_aa_set(c, kafka, "topic", ngx_eda_aa_str(c, topic));
    ngx_eda_aa_set(c, kafka, "bindingVersion", json_string("0.5.0"));
    ngx_eda_aa_set(c, bindings, "kafka", kafka);

    ngx_eda_aa_set(c, ch, "address", ngx_eda_aa_str(c, topic));
    ngx_eda_aa_set(c, ch, "title", ngx_eda_aa_str(c, topic));
    ngx_eda_aa_set(c, ch, "description", json_string("A Kafka topic."));
    ngx_eda_aa_set(c, ch, "servers", servers);
    ngx_eda_aa_set(c, ch, "messages", json_object());
    ngx_eda_aa_set(c, ch, "bindings", bindings);
    ngx_eda_aa_set(c, c->channels, id, ch);

    return ch;
}


/*
 * Adds MSG to channel CHID as NAME (or NAME-2...); returns a reference
 * to it for an operation.  With MSG NULL: the reference to NAME, which
 * must be there.
 */

static json_t *
ngx_eda_aa_message(ngx_eda_aa_ctx_t *c, const char *chid, const char *name,
    json_t *msg)
{
    char     id[NGX_EDA_AA_ID_LEN];
    json_t  *messages;

    messages = json_object_get(json_object_get(c->channels, chid),
                               "messages");

    if (msg == NULL) {
        snprintf(id, sizeof(id), "%s", name);

    } else {
        ngx_eda_aa_id(messages, "", name, id);

        if (json_object_get(msg, "name") == NULL) {
            ngx_eda_aa_set(c, msg, "name", ngx_eda_aa_str(c, id));
        }

        ngx_eda_aa_set(c, messages, id, msg);
    }

    return ngx_eda_aa_ref(c, chid, NULL, id);
}


static json_t *
ngx_eda_aa_operation(ngx_eda_aa_ctx_t *c, const char *prefix,
    const char *name, const char *action, const char *chid, json_t *msg,
    const char *summary)
{
    char     id[NGX_EDA_AA_ID_LEN];
    json_t  *op, *msgs;

    ngx_eda_aa_id(c->operations, prefix, name, id);

    op = json_object();
    msgs = json_array();

    ngx_eda_aa_set(c, op, "action", json_string(action));
    ngx_eda_aa_set(c, op, "channel", ngx_eda_aa_ref(c, "channels", chid,
                                                    NULL));
    ngx_eda_aa_set(c, op, "summary", ngx_eda_aa_str(c, summary));
    ngx_eda_aa_push(c, msgs, msg);
    ngx_eda_aa_set(c, op, "messages", msgs);
    ngx_eda_aa_set(c, c->operations, id, op);

    return op;
}


static void
ngx_eda_aa_reply(ngx_eda_aa_ctx_t *c, json_t *op, const char *chid,
    json_t *msg1, json_t *msg2)
{
    json_t  *reply, *msgs;

    reply = json_object();
    msgs = json_array();

    ngx_eda_aa_set(c, reply, "channel", ngx_eda_aa_ref(c, "channels", chid,
                                                       NULL));
    ngx_eda_aa_push(c, msgs, msg1);
    ngx_eda_aa_push(c, msgs, msg2);
    ngx_eda_aa_set(c, reply, "messages", msgs);
    ngx_eda_aa_set(c, op, "reply", reply);
}


static json_t *
ngx_eda_aa_string(ngx_eda_aa_ctx_t *c, const char *desc)
{
    json_t  *s;

    s = json_object();
    ngx_eda_aa_set(c, s, "type", json_string("string"));

    if (desc != NULL) {
        ngx_eda_aa_set(c, s, "description", ngx_eda_aa_str(c, desc));
    }

    return s;
}


/*
 * The schema of a configured attribute: its value, or, for a template,
 * a pattern its values match; UNSET describes the value when none is
 * configured (or an empty one: the default applies).
 */

static json_t *
ngx_eda_aa_value(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_value_t *v,
    const char *unset)
{
    char    *pattern, *desc;
    size_t   n;
    json_t  *s;

    if (v->text == NULL || (!v->dynamic && v->text[0] == '\0')) {
        return ngx_eda_aa_string(c, unset);
    }

    if (!v->dynamic) {
        s = ngx_eda_aa_string(c, NULL);
        ngx_eda_aa_set(c, s, "const", ngx_eda_aa_str(c, v->text));
        return s;
    }

    n = strlen(v->text) + 128;
    desc = malloc(n);
    pattern = ngx_eda_aa_template_pattern(v->text);

    if (desc == NULL || pattern == NULL) {
        free(desc);
        free(pattern);
        c->failed = 1;
        return NULL;
    }

    snprintf(desc, n, "The configured template \"%s\", evaluated with each "
             "request's variables.", v->text);

    s = ngx_eda_aa_string(c, desc);
    ngx_eda_aa_set(c, s, "pattern", ngx_eda_aa_str(c, pattern));
    ngx_eda_aa_set(c, s, "x-eda-template", ngx_eda_aa_str(c, v->text));

    free(desc);
    free(pattern);

    return s;
}


/* an object schema; *PROPS is where its properties go */

static json_t *
ngx_eda_aa_object(ngx_eda_aa_ctx_t *c, json_t **props)
{
    json_t  *s;

    s = json_object();
    *props = json_object();

    ngx_eda_aa_set(c, s, "type", json_string("object"));
    ngx_eda_aa_set(c, s, "properties", json_incref(*props));
    json_decref(*props);

    return s;
}


/* a structured CloudEvent (JSON) under settings EV, or any with EV NULL */

static json_t *
ngx_eda_aa_ce_schema(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_event_t *ev,
    const char *type_unset)
{
    json_t                    *s, *p, *req, *v;
    static ngx_eda_aa_value_t  unset;

    s = ngx_eda_aa_object(c, &p);

    req = json_array();
    ngx_eda_aa_push(c, req, json_string("specversion"));
    ngx_eda_aa_push(c, req, json_string("id"));
    ngx_eda_aa_push(c, req, json_string("source"));
    ngx_eda_aa_push(c, req, json_string("type"));
    ngx_eda_aa_set(c, s, "required", req);

    v = ngx_eda_aa_string(c, NULL);
    ngx_eda_aa_set(c, v, "const", json_string("1.0"));
    ngx_eda_aa_set(c, p, "specversion", v);

    if (ev == NULL) {
        ngx_eda_aa_set(c, p, "id", ngx_eda_aa_string(c, NULL));
        ngx_eda_aa_set(c, p, "source", ngx_eda_aa_string(c, NULL));
        ngx_eda_aa_set(c, p, "type", ngx_eda_aa_string(c, NULL));
        ngx_eda_aa_set(c, p, "subject", ngx_eda_aa_string(c, NULL));

    } else {
        ngx_eda_aa_set(c, p, "id", ngx_eda_aa_string(c,
            "eda_ce_id if configured, else the request's Idempotency-Key, "
            "else a new UUIDv4"));
        ngx_eda_aa_set(c, p, "source", ngx_eda_aa_value(c, &ev->source,
            "http(s)://, the server's name and the request's URI"));
        ngx_eda_aa_set(c, p, "type", ngx_eda_aa_value(c, &ev->type,
            type_unset));
        ngx_eda_aa_set(c, p, "subject", ngx_eda_aa_value(c, &ev->subject,
                                                         NULL));
    }

    v = ngx_eda_aa_string(c, NULL);
    ngx_eda_aa_set(c, v, "format", json_string("date-time"));
    ngx_eda_aa_set(c, p, "time", v);

    v = ngx_eda_aa_value(c, ev != NULL ? &ev->dataschema : &unset, NULL);
    ngx_eda_aa_set(c, v, "format", json_string("uri"));
    ngx_eda_aa_set(c, p, "dataschema", v);

    ngx_eda_aa_set(c, p, "datacontenttype", ngx_eda_aa_string(c, NULL));

    if (ev != NULL && ev->key.text != NULL) {
        ngx_eda_aa_set(c, p, "partitionkey", ngx_eda_aa_value(c, &ev->key,
                                                              NULL));
    }

    if (ev != NULL) {
        ngx_eda_aa_trace(c, p, "");
    }

    v = json_object();
    ngx_eda_aa_set(c, v, "description", json_string(
        "The event's data: JSON embedded, text as a string, other bytes in "
        "data_base64."));
    ngx_eda_aa_set(c, p, "data", v);

    ngx_eda_aa_set(c, p, "data_base64", ngx_eda_aa_string(c, NULL));

    return s;
}


/* the Kafka record of an event the gateway produces under settings EV */

static json_t *
ngx_eda_aa_kafka_message(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_event_t *ev,
    const char *type_unset, const char *summary)
{
    json_t  *m, *h, *p, *bindings, *kafka, *any;

    m = json_object();

    ngx_eda_aa_set(c, m, "summary", ngx_eda_aa_str(c, summary));

    if (ev->structured) {
        ngx_eda_aa_set(c, m, "contentType",
                       json_string("application/cloudevents+json"));
        ngx_eda_aa_set(c, m, "payload",
                       ngx_eda_aa_ce_schema(c, ev, type_unset));

    } else {
        /* the CloudEvents Kafka binding, binary mode: ce_ headers */
        h = ngx_eda_aa_object(c, &p);

        any = ngx_eda_aa_string(c, NULL);
        ngx_eda_aa_set(c, any, "const", json_string("1.0"));
        ngx_eda_aa_set(c, p, "ce_specversion", any);
        ngx_eda_aa_set(c, p, "ce_id", ngx_eda_aa_string(c, NULL));
        ngx_eda_aa_set(c, p, "ce_source", ngx_eda_aa_value(c, &ev->source,
            "http(s)://, the server's name and the request's URI"));
        ngx_eda_aa_set(c, p, "ce_type", ngx_eda_aa_value(c, &ev->type,
                                                         type_unset));
        ngx_eda_aa_set(c, p, "ce_subject", ngx_eda_aa_value(c, &ev->subject,
                                                            NULL));
        ngx_eda_aa_set(c, p, "ce_time", ngx_eda_aa_string(c, NULL));
        ngx_eda_aa_set(c, p, "ce_dataschema",
                       ngx_eda_aa_value(c, &ev->dataschema, NULL));

        if (ev->key.text != NULL) {
            ngx_eda_aa_set(c, p, "ce_partitionkey",
                           ngx_eda_aa_value(c, &ev->key, NULL));
        }

        ngx_eda_aa_trace(c, p, "ce_");
        ngx_eda_aa_set(c, p, "content-type", ngx_eda_aa_string(c,
            "the event's datacontenttype"));

        any = json_object();
        ngx_eda_aa_set(c, any, "description", json_string(
            "The event's data, as the record value."));

        ngx_eda_aa_set(c, m, "headers", h);
        ngx_eda_aa_set(c, m, "payload", any);
    }

    if (ev->key.text != NULL) {
        bindings = json_object();
        kafka = json_object();

        ngx_eda_aa_set(c, kafka, "key", ngx_eda_aa_value(c, &ev->key, NULL));
        ngx_eda_aa_set(c, kafka, "bindingVersion", json_string("0.5.0"));
        ngx_eda_aa_set(c, bindings, "kafka", kafka);
        ngx_eda_aa_set(c, m, "bindings", bindings);
    }

    return m;
}


/* the distributed tracing extension the gateway sets on what it produces */

static void
ngx_eda_aa_trace(ngx_eda_aa_ctx_t *c, json_t *props, const char *prefix)
{
    char     name[32];
    json_t  *s;

    s = ngx_eda_aa_string(c, "W3C Trace Context: the span of the request, "
                             "message or saga record (docs/tracing.md)");
    ngx_eda_aa_set(c, s, "pattern", json_string(
        "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"));
    snprintf(name, sizeof(name), "%straceparent", prefix);
    ngx_eda_aa_set(c, props, name, s);

    snprintf(name, sizeof(name), "%stracestate", prefix);
    ngx_eda_aa_set(c, props, name, ngx_eda_aa_string(c, NULL));
}


/* what a subscriber's topics hold: any CloudEvent, in either mode */

static json_t *
ngx_eda_aa_any_event(ngx_eda_aa_ctx_t *c)
{
    json_t  *m, *p;

    m = json_object();
    p = json_object();

    ngx_eda_aa_set(c, m, "name", json_string("cloudevent"));
    ngx_eda_aa_set(c, m, "summary", json_string(
        "Any record: a CloudEvent in binary (ce_ headers) or structured "
        "mode; another record is taken as the data of an event of type "
        "eda.kafka.record."));
    ngx_eda_aa_set(c, p, "description", json_string("The record value."));
    ngx_eda_aa_set(c, m, "payload", p);

    return m;
}


static json_t *
ngx_eda_aa_ack(ngx_eda_aa_ctx_t *c, int ws, int sio)
{
    json_t  *m, *s, *p, *req, *v, *b, *http;

    m = json_object();
    s = ngx_eda_aa_object(c, &p);
    req = json_array();

    if (ws && !sio) {
        v = ngx_eda_aa_string(c, NULL);
        ngx_eda_aa_set(c, v, "const", json_string("eda.ws.ack"));
        ngx_eda_aa_set(c, p, "type", v);
        ngx_eda_aa_push(c, req, json_string("type"));
    }

    ngx_eda_aa_set(c, p, "id", ngx_eda_aa_string(c, "the event's id"));
    ngx_eda_aa_set(c, p, "topic", ngx_eda_aa_string(c, NULL));

    v = json_object();
    ngx_eda_aa_set(c, v, "type", json_string("integer"));
    ngx_eda_aa_set(c, p, "partition", v);

    v = json_object();
    ngx_eda_aa_set(c, v, "type", json_string("integer"));
    ngx_eda_aa_set(c, p, "offset", v);

    ngx_eda_aa_push(c, req, json_string("id"));
    ngx_eda_aa_push(c, req, json_string("topic"));
    ngx_eda_aa_set(c, s, "required", req);

    ngx_eda_aa_set(c, m, "summary", json_string(sio
        ? "The Socket.IO acknowledgement: the event is on Kafka."
        : "The event is on Kafka (with eda_publish_wait off: queued)."));
    ngx_eda_aa_set(c, m, "payload", s);

    if (!ws) {
        b = json_object();
        http = json_object();
        ngx_eda_aa_set(c, http, "statusCode", json_integer(202));
        ngx_eda_aa_set(c, http, "bindingVersion", json_string("0.3.0"));
        ngx_eda_aa_set(c, b, "http", http);
        ngx_eda_aa_set(c, m, "bindings", b);
    }

    return m;
}


static json_t *
ngx_eda_aa_problem(ngx_eda_aa_ctx_t *c, int ws, int sio)
{
    json_t  *m, *s, *p, *v, *e;

    m = json_object();
    s = ngx_eda_aa_object(c, &p);

    if (sio) {
        v = ngx_eda_aa_object(c, &e);
        ngx_eda_aa_set(c, e, "status", json_pack("{ss}", "type", "integer"));
        ngx_eda_aa_set(c, e, "detail", ngx_eda_aa_string(c, NULL));
        ngx_eda_aa_set(c, p, "error", v);

    } else {
        if (ws) {
            v = ngx_eda_aa_string(c, NULL);
            ngx_eda_aa_set(c, v, "const", json_string("eda.ws.problem"));
            ngx_eda_aa_set(c, p, "type", v);

        } else {
            ngx_eda_aa_set(c, m, "contentType",
                           json_string("application/problem+json"));
            ngx_eda_aa_set(c, p, "type", ngx_eda_aa_string(c, NULL));
            ngx_eda_aa_set(c, p, "title", ngx_eda_aa_string(c, NULL));
        }

        ngx_eda_aa_set(c, p, "status", json_pack("{ss}", "type", "integer"));
        ngx_eda_aa_set(c, p, "detail", ngx_eda_aa_string(c, NULL));
    }

    ngx_eda_aa_set(c, m, "summary", json_string(ws
        ? "The message was not published."
        : "An RFC 9457 problem document: the request was refused or the "
          "event could not be published (4xx, 503, 504)."));
    ngx_eda_aa_set(c, m, "payload", s);

    return m;
}


/* the location's eda_jwt as a security scheme (one per distinct setting) */

static void
ngx_eda_aa_security(ngx_eda_aa_ctx_t *c, json_t *op,
    const ngx_eda_aa_location_t *loc)
{
    int                      source;
    char                     id[NGX_EDA_AA_ID_LEN], desc[1024];
    char                     name[NGX_EDA_AA_MAX_NAME + 1];
    size_t                   i, n;
    json_t                  *s, *list, *sec;
    const char              *key, *where;
    const ngx_eda_aa_jwt_t  *jwt;

    jwt = loc->jwt;

    if (jwt == NULL) {
        return;
    }

    s = json_object();

    source = loc->socketio ? NGX_EDA_AA_TOKEN_OTHER
                           : ngx_eda_aa_token_source(jwt->token, name);

    switch (source) {

    case NGX_EDA_AA_TOKEN_QUERY:
    case NGX_EDA_AA_TOKEN_COOKIE:
    case NGX_EDA_AA_TOKEN_HEADER:
        where = source == NGX_EDA_AA_TOKEN_QUERY ? "query"
                : source == NGX_EDA_AA_TOKEN_COOKIE ? "cookie" : "header";
        ngx_eda_aa_set(c, s, "type", json_string("httpApiKey"));
        ngx_eda_aa_set(c, s, "name", ngx_eda_aa_str(c, name));
        ngx_eda_aa_set(c, s, "in", json_string(where));
        break;

    default:
        ngx_eda_aa_set(c, s, "type", json_string("http"));
        ngx_eda_aa_set(c, s, "scheme", json_string("bearer"));
        ngx_eda_aa_set(c, s, "bearerFormat", json_string("JWT"));
        break;
    }

    n = snprintf(desc, sizeof(desc), "A JWT (eda_jwt %s)",
                 jwt->mode == NGX_EDA_AA_JWT_OPTIONAL && !loc->socketio
                 ? "optional: a request without a token passes, a bad token "
                   "is refused" : "on");

    if (loc->socketio) {
        n += snprintf(desc + n, sizeof(desc) - n, ", in the auth.token of the "
                      "Socket.IO CONNECT packet, not in an HTTP header");

    } else if (source == NGX_EDA_AA_TOKEN_OTHER) {
        n += snprintf(desc + n, sizeof(desc) - n, ", taken from the "
                      "template \"%.200s\"", jwt->token);

    } else if (source == NGX_EDA_AA_TOKEN_BEARER) {
        n += snprintf(desc + n, sizeof(desc) - n, ", in \"Authorization: "
                      "Bearer\"");
    }

    n += snprintf(desc + n, n < sizeof(desc) ? sizeof(desc) - n : 0,
                  ", signed with one of x-eda-algorithms%s%s%s%s.",
                  jwt->issuer ? "; iss must be x-eda-issuer" : "",
                  jwt->naudiences ? "; aud must hold one of x-eda-audiences"
                                  : "",
                  jwt->nclaims ? "; the claims x-eda-required-claims must "
                                 "hold" : "",
                  jwt->revocation ? "; a token whose jti is revoked is "
                                    "refused" : "");
    (void) n;

    ngx_eda_aa_set(c, s, "description", ngx_eda_aa_str(c, desc));

    list = json_array();
    for (i = 0; i < jwt->nalgorithms; i++) {
        ngx_eda_aa_push(c, list, ngx_eda_aa_str(c, jwt->algorithms[i]));
    }
    ngx_eda_aa_set(c, s, "x-eda-algorithms", list);

    if (jwt->issuer != NULL) {
        ngx_eda_aa_set(c, s, "x-eda-issuer", ngx_eda_aa_str(c, jwt->issuer));
    }

    if (jwt->naudiences) {
        list = json_array();
        for (i = 0; i < jwt->naudiences; i++) {
            ngx_eda_aa_push(c, list, ngx_eda_aa_str(c, jwt->audiences[i]));
        }
        ngx_eda_aa_set(c, s, "x-eda-audiences", list);
    }

    if (jwt->nclaims) {
        list = json_array();
        for (i = 0; i < jwt->nclaims; i++) {
            ngx_eda_aa_push(c, list, ngx_eda_aa_str(c, jwt->claims[i]));
        }
        ngx_eda_aa_set(c, s, "x-eda-required-claims", list);
    }

    /* the same settings share one scheme */
    id[0] = '\0';

    json_object_foreach(c->schemes, key, sec) {
        if (json_equal(sec, s)) {
            snprintf(id, sizeof(id), "%s", key);
            break;
        }
    }

    if (id[0] == '\0') {
        ngx_eda_aa_id(c->schemes, "", "jwt", id);
        ngx_eda_aa_set(c, c->schemes, id, json_incref(s));
    }

    json_decref(s);

    list = json_array();
    ngx_eda_aa_push(c, list, ngx_eda_aa_ref(c, "components/securitySchemes",
                                            id, NULL));
    ngx_eda_aa_set(c, op, "security", list);
}


/* eda_publish: a POST becomes an event on the topic */

/* an operation a client starts with a POST: its HTTP binding */

static void
ngx_eda_aa_post_binding(ngx_eda_aa_ctx_t *c, json_t *op)
{
    json_t  *b, *http;

    b = json_object();
    http = json_object();
    ngx_eda_aa_set(c, http, "method", json_string("POST"));
    ngx_eda_aa_set(c, http, "bindingVersion", json_string("0.3.0"));
    ngx_eda_aa_set(c, b, "http", http);
    ngx_eda_aa_set(c, op, "bindings", b);
}


static void
ngx_eda_aa_publish(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_location_t *loc)
{
    char     chid[NGX_EDA_AA_ID_LEN], kid[NGX_EDA_AA_ID_LEN];
    char     summary[512];
    json_t  *ch, *m, *h, *p, *op, *ref, *ack, *problem;

    ch = ngx_eda_aa_channel(c, "http-", loc->path, "gateway-http", chid);

    snprintf(summary, sizeof(summary), "POST: each request becomes one "
             "CloudEvent on the Kafka topic \"%s\".", loc->topic);
    ngx_eda_aa_set(c, ch, "description", ngx_eda_aa_str(c, summary));

    /* the request */
    m = json_object();
    h = ngx_eda_aa_object(c, &p);
    ngx_eda_aa_set(c, p, "Content-Type", ngx_eda_aa_string(c,
        "the data's media type, or application/cloudevents+json for a "
        "structured CloudEvent"));
    ngx_eda_aa_set(c, p, "Idempotency-Key", ngx_eda_aa_string(c,
        "the event's id when eda_ce_id is not configured"));
    ngx_eda_aa_set(c, m, "headers", h);

    p = json_object();
    ngx_eda_aa_set(c, p, "description", json_string(
        "The event's data (any media type), or a CloudEvent in HTTP binary "
        "(ce-* headers) or structured mode; the location's eda_ce_* "
        "settings take precedence over the client's attributes."));
    ngx_eda_aa_set(c, m, "payload", p);
    ngx_eda_aa_set(c, m, "summary", json_string("A request to publish."));

    ref = ngx_eda_aa_message(c, chid, "request", m);
    ack = ngx_eda_aa_message(c, chid, "accepted", ngx_eda_aa_ack(c, 0, 0));
    problem = ngx_eda_aa_message(c, chid, "problem",
                                 ngx_eda_aa_problem(c, 0, 0));

    op = ngx_eda_aa_operation(c, "publish-", loc->path, "receive", chid, ref,
                              summary);

    ngx_eda_aa_post_binding(c, op);

    ngx_eda_aa_reply(c, op, chid, ack, problem);
    ngx_eda_aa_security(c, op, loc);

    /* the event */
    (void) ngx_eda_aa_topic(c, loc->topic, kid);

    snprintf(summary, sizeof(summary), "The event of a POST to %s.",
             loc->path);

    ref = ngx_eda_aa_message(c, kid, chid + sizeof("http-") - 1,
                             ngx_eda_aa_kafka_message(c, &loc->event,
                                 "the client's type", summary));

    (void) ngx_eda_aa_operation(c, "produce-", chid + sizeof("http-") - 1,
                                "send", kid, ref, summary);
}


/* eda_subscribe: the gateway sends a topic's events to its clients */

static void
ngx_eda_aa_subscribe(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_location_t *loc)
{
    char     chid[NGX_EDA_AA_ID_LEN], kid[NGX_EDA_AA_ID_LEN];
    char     summary[1024], name[NGX_EDA_AA_ID_LEN + 256];
    char     tok[NGX_EDA_AA_MAX_NAME + 1];
    size_t   i, n;
    json_t  *ch, *servers, *m, *s, *p, *q, *op, *b, *ws, *desc, *ref, *a;

    ch = ngx_eda_aa_channel(c, loc->socketio ? "sio-" : "ws-", loc->path,
                            "gateway-ws", chid);

    if (!loc->socketio || loc->polling) {
        /* event streams, or Socket.IO's long-polling */
        servers = json_object_get(ch, "servers");
        ngx_eda_aa_push(c, servers, ngx_eda_aa_server(c, "gateway-http"));
    }

    n = snprintf(summary, sizeof(summary), "%s: the events of the Kafka "
                 "topic%s", loc->socketio ? "Socket.IO" : "WebSocket and "
                 "Server-Sent Events (GET with Accept: text/event-stream)",
                 loc->ntopics > 1 ? "s" : "");

    for (i = 0; i < loc->ntopics && n < sizeof(summary); i++) {
        n += snprintf(summary + n, sizeof(summary) - n, "%s \"%s\"",
                      i ? "," : "", loc->topics[i]);
    }

    if (loc->socketio && n < sizeof(summary)) {
        n += snprintf(summary + n, sizeof(summary) - n, ", namespace \"%s\"",
                      loc->sio_ns ? loc->sio_ns : "/");
    }

    if (n < sizeof(summary)) {
        snprintf(summary + n, sizeof(summary) - n, "%s",
                 loc->nfilters ? ", through the filters in x-eda-filters."
                               : ".");
    }

    ngx_eda_aa_set(c, ch, "description", ngx_eda_aa_str(c, summary));

    /* the handshake's query arguments */
    b = json_object();
    ws = json_object();
    ngx_eda_aa_set(c, ws, "method", json_string("GET"));

    if (!loc->socketio) {
        q = ngx_eda_aa_object(c, &p);
        ngx_eda_aa_set(c, p, "type", ngx_eda_aa_string(c,
            "only events of this type"));
        ngx_eda_aa_set(c, p, "subject", ngx_eda_aa_string(c,
            "only events of this subject"));
        ngx_eda_aa_set(c, p, "type_prefix", ngx_eda_aa_string(c,
            "only events whose type starts so"));
        ngx_eda_aa_set(c, p, "subject_prefix", ngx_eda_aa_string(c,
            "only events whose subject starts so"));
        ngx_eda_aa_set(c, p, "since", ngx_eda_aa_string(c,
            "resume after this cursor (edacursor) or event id"));

        if (loc->jwt != NULL
            && ngx_eda_aa_token_source(loc->jwt->token, tok)
               == NGX_EDA_AA_TOKEN_QUERY)
        {
            ngx_eda_aa_set(c, p, tok, ngx_eda_aa_string(c, "the JWT"));
        }

        ngx_eda_aa_set(c, ws, "query", q);
    }

    ngx_eda_aa_set(c, ws, "bindingVersion", json_string("0.1.0"));
    ngx_eda_aa_set(c, b, "ws", ws);
    ngx_eda_aa_set(c, ch, "bindings", b);

    /* the events */
    m = json_object();

    if (loc->data_format) {
        s = json_object();
        ngx_eda_aa_set(c, s, "description", json_string(
            "The event's data alone (eda_ws_format data): a text frame for "
            "text, a binary frame otherwise; over SSE the type is the event "
            "name."));

    } else {
        s = ngx_eda_aa_ce_schema(c, NULL, NULL);
        p = json_object_get(s, "properties");
        ngx_eda_aa_set(c, p, "edacursor", ngx_eda_aa_string(c,
            "where to resume after this event (?since=)"));
        ngx_eda_aa_set(c, m, "contentType",
                       json_string("application/cloudevents+json"));
    }

    if (loc->socketio) {
        /* a Socket.IO event: its name the type, the event and its cursor */
        a = json_object();
        ngx_eda_aa_set(c, a, "type", json_string("array"));
        ngx_eda_aa_set(c, a, "description", json_string(
            "The arguments of a Socket.IO event named by the CloudEvent's "
            "type: the event, then its cursor."));
        q = json_array();
        ngx_eda_aa_push(c, q, s);
        ngx_eda_aa_push(c, q, ngx_eda_aa_string(c, "the cursor"));
        ngx_eda_aa_set(c, a, "items", q);
        s = a;
        json_object_del(m, "contentType");
    }

    if (loc->nfilters && !loc->data_format) {
        desc = json_array();
        ngx_eda_aa_filters(c, json_object_get(loc->socketio
            ? json_array_get(json_object_get(s, "items"), 0) : s,
            "properties"), loc, desc);
        ngx_eda_aa_set(c, m, "x-eda-filters", desc);
    }

    ngx_eda_aa_set(c, m, "summary", json_string("An event of the location's "
                                                "topics."));
    ngx_eda_aa_set(c, m, "payload", s);

    ref = ngx_eda_aa_message(c, chid, "event", m);

    op = ngx_eda_aa_operation(c, "subscribe-", loc->path, "send", chid, ref,
                              summary);

    if (loc->nfilters) {
        desc = json_array();
        ngx_eda_aa_filters(c, NULL, loc, desc);
        ngx_eda_aa_set(c, op, "x-eda-filters", desc);
    }

    ngx_eda_aa_security(c, op, loc);

    /* what it reads from Kafka */
    for (i = 0; i < loc->ntopics; i++) {
        ch = ngx_eda_aa_topic(c, loc->topics[i], kid);

        if (json_object_get(json_object_get(ch, "messages"), "cloudevent")
            == NULL)
        {
            ref = ngx_eda_aa_message(c, kid, "cloudevent",
                                     ngx_eda_aa_any_event(c));
            json_decref(ref);
        }

        snprintf(name, sizeof(name), "%s.%s", chid + strcspn(chid, "-") + 1,
                 loc->topics[i]);
        snprintf(summary, sizeof(summary), "Read for the clients of %s.",
                 loc->path);

        (void) ngx_eda_aa_operation(c, "consume-", name, "receive", kid,
                                    ngx_eda_aa_message(c, kid, "cloudevent",
                                                       NULL),
                                    summary);
    }

    if (loc->topic != NULL) {
        ngx_eda_aa_client_publish(c, loc, chid);
    }
}


/* eda_ws_publish: a client's messages become events */

static void
ngx_eda_aa_client_publish(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_location_t *loc,
    const char *chid)
{
    char                 kid[NGX_EDA_AA_ID_LEN], summary[512];
    json_t              *m, *p, *op, *ref, *ack, *problem, *km;
    const char          *base;
    ngx_eda_aa_event_t   ev;

    m = json_object();
    p = json_object();

    if (loc->socketio) {
        ngx_eda_aa_set(c, p, "description", json_string(
            "A Socket.IO event with one argument, acknowledged: its name "
            "becomes the CloudEvent's type, its argument the data."));

    } else {
        ngx_eda_aa_set(c, p, "description", json_string(
            "A text or binary message: the CloudEvent's data."));
    }

    ngx_eda_aa_set(c, m, "summary", json_string("A message to publish."));
    ngx_eda_aa_set(c, m, "payload", p);

    ref = ngx_eda_aa_message(c, chid, "client-message", m);
    ack = ngx_eda_aa_message(c, chid, "ack",
                             ngx_eda_aa_ack(c, 1, loc->socketio));
    problem = ngx_eda_aa_message(c, chid, "problem",
                                 ngx_eda_aa_problem(c, 1, loc->socketio));

    snprintf(summary, sizeof(summary), "Each client message becomes one "
             "CloudEvent on the Kafka topic \"%s\".", loc->topic);

    op = ngx_eda_aa_operation(c, "client-publish-", loc->path, "receive",
                              chid, ref, summary);
    ngx_eda_aa_reply(c, op, chid, ack, problem);
    ngx_eda_aa_security(c, op, loc);

    (void) ngx_eda_aa_topic(c, loc->topic, kid);

    ev = loc->event;

    if (loc->socketio) {
        /* the event's name, whatever eda_ce_type says */
        ev.type.text = NULL;
    }

    base = chid + strcspn(chid, "-") + 1;

    snprintf(summary, sizeof(summary), "A client's message on %s.",
             loc->path);
    km = ngx_eda_aa_kafka_message(c, &ev, loc->socketio
                                  ? "the Socket.IO event's name"
                                  : "eda.ws.message when not configured",
                                  summary);

    if (!loc->socketio && loc->event.type.text == NULL) {
        p = json_object_get(json_object_get(json_object_get(km,
                loc->event.structured ? "payload" : "headers"),
                "properties"), loc->event.structured ? "type" : "ce_type");
        ngx_eda_aa_set(c, p, "default", json_string("eda.ws.message"));
    }

    ref = ngx_eda_aa_message(c, kid, base, km);

    (void) ngx_eda_aa_operation(c, "produce-", base, "send", kid, ref,
                                summary);
}


/*
 * The location's filters: as text in DESC, and, where PROPS is an event
 * schema's properties and the value a constant, as a constraint on it.
 */

static void
ngx_eda_aa_filters(ngx_eda_aa_ctx_t *c, json_t *props,
    const ngx_eda_aa_location_t *loc, json_t *desc)
{
    char                       *pat, buf[512];
    size_t                      i, j, n;
    json_t                     *s;
    const char                 *t;
    const ngx_eda_aa_filter_t  *f;

    for (i = 0; i < loc->nfilters; i++) {
        f = &loc->filters[i];

        snprintf(buf, sizeof(buf), "%s %s %s", f->attr, f->op,
                 f->value.text ? f->value.text : "");
        ngx_eda_aa_push(c, desc, ngx_eda_aa_str(c, buf));

        if (props == NULL || strcmp(f->attr, "key") == 0
            || f->value.text == NULL)
        {
            continue;
        }

        s = ngx_eda_aa_string(c, f->value.dynamic
                              ? "restricted per client by a filter"
                              : NULL);

        if (!f->value.dynamic) {
            t = f->value.text;

            if (strcmp(f->op, "eq") == 0) {
                ngx_eda_aa_set(c, s, "const", ngx_eda_aa_str(c, t));

            } else {
                /* a prefix or suffix as an anchored, escaped pattern */
                n = strlen(t);
                pat = malloc(2 * n + 4);

                if (pat == NULL) {
                    c->failed = 1;
                    continue;
                }

                j = 0;
                if (strcmp(f->op, "prefix") == 0) {
                    pat[j++] = '^';
                }

                for ( /* void */ ; *t; t++) {
                    if (strchr("\\^$.|?*+()[]{}", *t) != NULL) {
                        pat[j++] = '\\';
                    }
                    pat[j++] = *t;
                }

                if (strcmp(f->op, "suffix") == 0) {
                    pat[j++] = '$';
                }

                pat[j] = '\0';
                ngx_eda_aa_set(c, s, "pattern", ngx_eda_aa_str(c, pat));
                free(pat);
            }
        }

        ngx_eda_aa_set(c, props, f->attr, s);
    }
}


/* eda_saga: a POST starts an instance */

static void
ngx_eda_aa_saga_start(ngx_eda_aa_ctx_t *c, const ngx_eda_aa_location_t *loc)
{
    char     chid[NGX_EDA_AA_ID_LEN], summary[512];
    json_t  *ch, *m, *s, *p, *op, *b, *http, *ref, *started, *problem, *req;

    ch = ngx_eda_aa_channel(c, "saga-start-", loc->path, "gateway-http", chid);

    snprintf(summary, sizeof(summary), "POST starts an instance of the saga "
             "\"%s\" with the JSON body as its input; GET %s<id> reads an "
             "instance's state.", loc->saga, loc->path);
    ngx_eda_aa_set(c, ch, "description", ngx_eda_aa_str(c, summary));

    m = json_object();
    p = json_object();
    ngx_eda_aa_set(c, p, "description", json_string("The saga's input "
                                                    "(JSON)."));
    ngx_eda_aa_set(c, m, "summary", json_string("A saga start; an "
        "Idempotency-Key header makes a retry answer the same instance."));
    ngx_eda_aa_set(c, m, "payload", p);
    ref = ngx_eda_aa_message(c, chid, "input", m);

    m = json_object();
    s = ngx_eda_aa_object(c, &p);
    ngx_eda_aa_set(c, p, "id", ngx_eda_aa_string(c, "the instance's id"));
    ngx_eda_aa_set(c, p, "saga", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "href", ngx_eda_aa_string(c, "where to GET its "
                                                      "state"));
    ngx_eda_aa_set(c, p, "created", json_pack("{ss}", "type", "boolean"));
    req = json_array();
    ngx_eda_aa_push(c, req, json_string("id"));
    ngx_eda_aa_push(c, req, json_string("saga"));
    ngx_eda_aa_push(c, req, json_string("href"));
    ngx_eda_aa_set(c, s, "required", req);
    ngx_eda_aa_set(c, m, "summary", json_string("The saga started (202)."));
    ngx_eda_aa_set(c, m, "payload", s);

    b = json_object();
    http = json_object();
    ngx_eda_aa_set(c, http, "statusCode", json_integer(202));
    ngx_eda_aa_set(c, http, "bindingVersion", json_string("0.3.0"));
    ngx_eda_aa_set(c, b, "http", http);
    ngx_eda_aa_set(c, m, "bindings", b);
    started = ngx_eda_aa_message(c, chid, "started", m);

    problem = ngx_eda_aa_message(c, chid, "problem",
                                 ngx_eda_aa_problem(c, 0, 0));

    op = ngx_eda_aa_operation(c, "start-", loc->path, "receive", chid, ref,
                              summary);

    ngx_eda_aa_post_binding(c, op);
    ngx_eda_aa_set(c, op, "x-eda-saga", ngx_eda_aa_str(c, loc->saga));

    ngx_eda_aa_reply(c, op, chid, started, problem);
    ngx_eda_aa_security(c, op, loc);
}


/* a saga's commands, replies, events and dead letters */

static void
ngx_eda_aa_saga(ngx_eda_aa_ctx_t *c, const ngx_eda_saga_def_t *s)
{
    char                  kid[NGX_EDA_AA_ID_LEN], name[256], summary[512];
    size_t                i;
    json_t               *m, *schema, *p, *ref;
    ngx_eda_aa_event_t    ev;

    for (i = 0; i < s->nsteps; i++) {
        ngx_eda_aa_saga_cmd(c, s, &s->steps[i], &s->steps[i].forward,
                            "command");

        if (s->steps[i].compensation.topic != NULL) {
            ngx_eda_aa_saga_cmd(c, s, &s->steps[i],
                                &s->steps[i].compensation, "compensation");
        }
    }

    memset(&ev, 0, sizeof(ngx_eda_aa_event_t));
    ev.structured = 1;

    /* the transitions */
    (void) ngx_eda_aa_topic(c, s->events_topic, kid);

    snprintf(summary, sizeof(summary), "A transition of an instance of the "
             "saga \"%s\" (eda.saga.<status>).", s->name);
    m = ngx_eda_aa_kafka_message(c, &ev, NULL, summary);
    schema = json_object_get(json_object_get(m, "payload"), "properties");
    ngx_eda_aa_set(c, schema, "type", ngx_eda_aa_enum(c,
        ngx_eda_aa_saga_statuses, 7, NULL, 0));
    ngx_eda_aa_set(c, schema, "sagaid", ngx_eda_aa_string(c, NULL));

    snprintf(name, sizeof(name), "%s.events", s->name);
    ref = ngx_eda_aa_message(c, kid, name, m);
    (void) ngx_eda_aa_operation(c, "saga-", name, "send", kid, ref,
                                summary);

    /* what cannot be compensated, or delivered */
    (void) ngx_eda_aa_topic(c, s->dead_letter_topic, kid);

    snprintf(summary, sizeof(summary), "A dead letter of the saga \"%s\".",
             s->name);
    m = ngx_eda_aa_kafka_message(c, &ev, NULL, summary);
    p = json_object_get(json_object_get(m, "payload"), "properties");
    ngx_eda_aa_set(c, p, "type", ngx_eda_aa_enum(c, ngx_eda_aa_saga_dead, 2,
                                                 NULL, 0));

    snprintf(name, sizeof(name), "%s.dead-letters", s->name);
    ref = ngx_eda_aa_message(c, kid, name, m);
    (void) ngx_eda_aa_operation(c, "saga-", name, "send", kid, ref,
                                summary);
}


static void
ngx_eda_aa_saga_cmd(ngx_eda_aa_ctx_t *c, const ngx_eda_saga_def_t *s,
    const ngx_eda_saga_step_t *step, const ngx_eda_saga_cmd_t *cmd,
    const char *phase)
{
    char                  kid[NGX_EDA_AA_ID_LEN], name[256], summary[512];
    char                  source[NGX_EDA_SAGA_MAX_NAME + 16];
    json_t               *m, *p, *ref;
    const char           *reply_topic;
    ngx_eda_aa_event_t    ev;

    memset(&ev, 0, sizeof(ngx_eda_aa_event_t));
    ev.structured = 1;
    ev.type.text = cmd->type;
    snprintf(source, sizeof(source), "/eda/saga/%s", s->name);
    ev.source.text = source;

    (void) ngx_eda_aa_topic(c, cmd->topic, kid);

    snprintf(summary, sizeof(summary), "The %s of the step \"%s\" of the "
             "saga \"%s\"; the record key is the saga id.", phase,
             step->name, s->name);

    m = ngx_eda_aa_kafka_message(c, &ev, NULL, summary);
    p = json_object_get(json_object_get(m, "payload"), "properties");
    ngx_eda_aa_set(c, p, "sagaid", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "sagastep", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "sagaattempt", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "idempotencykey", ngx_eda_aa_string(c,
        "the command's id; the reply carries it back"));

    snprintf(name, sizeof(name), "%s.%s.%s", s->name, step->name, phase);
    ref = ngx_eda_aa_message(c, kid, name, m);
    (void) ngx_eda_aa_operation(c, "saga-", name, "send", kid, ref, summary);

    /* the participant's reply */
    reply_topic = cmd->reply_topic != NULL ? cmd->reply_topic
                                           : step->forward.reply_topic;
    (void) ngx_eda_aa_topic(c, reply_topic, kid);

    snprintf(summary, sizeof(summary), "A reply to the %s of the step \"%s\" "
             "of the saga \"%s\" (either Kafka content mode).", phase,
             step->name, s->name);

    ev.type.text = NULL;
    ev.source.text = NULL;
    m = ngx_eda_aa_kafka_message(c, &ev, NULL, summary);
    p = json_object_get(json_object_get(m, "payload"), "properties");
    ngx_eda_aa_set(c, p, "type", ngx_eda_aa_enum(c, cmd->success,
        cmd->nsuccess, cmd->failure, cmd->nfailure));
    ngx_eda_aa_set(c, p, "source", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "sagaid", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "sagastep", ngx_eda_aa_string(c, NULL));
    ngx_eda_aa_set(c, p, "idempotencykey", ngx_eda_aa_string(c,
        "the command's idempotencykey"));

    snprintf(name, sizeof(name), "%s.%s.%s-reply", s->name, step->name,
             phase);
    ref = ngx_eda_aa_message(c, kid, name, m);
    (void) ngx_eda_aa_operation(c, "saga-", name, "receive", kid, ref,
                                summary);
}


static json_t *
ngx_eda_aa_enum(ngx_eda_aa_ctx_t *c, const char **v, size_t n,
    const char **w, size_t m)
{
    size_t   i;
    json_t  *s, *e;

    s = ngx_eda_aa_string(c, NULL);
    e = json_array();

    for (i = 0; i < n; i++) {
        ngx_eda_aa_push(c, e, ngx_eda_aa_str(c, v[i]));
    }

    for (i = 0; i < m; i++) {
        ngx_eda_aa_push(c, e, ngx_eda_aa_str(c, w[i]));
    }

    ngx_eda_aa_set(c, s, "enum", e);

    return s;
}
