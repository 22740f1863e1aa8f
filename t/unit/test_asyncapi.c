
/*
 * Copyright (C) ngx_eda authors
 *
 * The AsyncAPI document builder: token sources and template patterns
 * from tables, then whole documents read back with jansson.  With
 * EDA_ASYNCAPI_OUT set, the full document is also written there (for
 * t/asyncapi/validate.mjs).
 */


#include <stdlib.h>

#include <jansson.h>

#include "eda_unit.h"
#include "ngx_eda_asyncapi.h"


static const char *saga_defs =
    "{\"sagas\":{\"checkout\":{\"steps\":["
    "{\"name\":\"reserve\",\"command\":{\"topic\":\"inv.cmd\","
    " \"type\":\"inv.reserve\"},\"reply_topic\":\"inv.rep\","
    " \"success\":[\"inv.reserved\"],\"failure\":[\"inv.none\"],"
    " \"timeout\":\"1s\",\"compensation\":{\"topic\":\"inv.cmd\","
    " \"type\":\"inv.release\",\"success\":[\"inv.released\"],"
    " \"failure\":[\"inv.stuck\"]}},"
    "{\"name\":\"pay\",\"command\":{\"topic\":\"pay.cmd\","
    " \"type\":\"pay.charge\"},\"reply_topic\":\"pay.rep\","
    " \"success\":[\"pay.ok\"],\"failure\":[\"pay.declined\"],"
    " \"timeout\":\"1s\",\"compensation\":null}]}}}";


static void
test_token_source(void)
{
    char      name[NGX_EDA_AA_MAX_NAME + 1];
    unsigned  i;
    static const struct {
        const char  *text;
        int          source;
        const char  *name;
    }  t[] = {
        { NULL, NGX_EDA_AA_TOKEN_BEARER, "" },
        { "$arg_token", NGX_EDA_AA_TOKEN_QUERY, "token" },
        { "$cookie_session", NGX_EDA_AA_TOKEN_COOKIE, "session" },
        { "$http_x_auth_token", NGX_EDA_AA_TOKEN_HEADER, "x-auth-token" },
        { "$arg_", NGX_EDA_AA_TOKEN_OTHER, "" },
        { "$arg_a$arg_b", NGX_EDA_AA_TOKEN_OTHER, "" },
        { "Bearer $arg_t", NGX_EDA_AA_TOKEN_OTHER, "" },
        { "${arg_token}", NGX_EDA_AA_TOKEN_OTHER, "" },
        { "$arg_t-x", NGX_EDA_AA_TOKEN_OTHER, "" },
        { "$jwt", NGX_EDA_AA_TOKEN_OTHER, "" },
    };

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        EDA_CHECK(ngx_eda_aa_token_source(t[i].text, name) == t[i].source);
        EDA_CHECK(strcmp(name, t[i].name) == 0);
    }
}


static void
test_template_pattern(void)
{
    char      *p;
    unsigned   i;
    static const struct {
        const char  *text;
        const char  *pattern;
    }  t[] = {
        { "com.example.$arg_kind", "^com\\.example\\..*$" },
        { "${host}/orders", "^.*/orders$" },
        { "a$", "^a\\$$" },
        { "$", "^\\$$" },
        { "${}x", "^\\$\\{\\}x$" },
        { "(x)[y]*+?|^", "^\\(x\\)\\[y\\]\\*\\+\\?\\|\\^$" },
        { "$a$b", "^.*.*$" },
        { "", "^$" },
    };

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        p = ngx_eda_aa_template_pattern(t[i].text);
        EDA_CHECK(p != NULL && strcmp(p, t[i].pattern) == 0);
        if (p != NULL && strcmp(p, t[i].pattern) != 0) {
            printf("  pattern of \"%s\": %s\n", t[i].text, p);
        }
        free(p);
    }
}


/* the value at a path of keys, "/"-separated */

static json_t *
at(json_t *j, const char *path)
{
    char         key[512];
    size_t       n;
    const char  *p, *e;

    for (p = path; j != NULL && *p; p = *e ? e + 1 : e) {
        e = strchr(p, '/');
        if (e == NULL) {
            e = p + strlen(p);
        }

        n = (size_t) (e - p);
        if (n >= sizeof(key)) {
            return NULL;
        }

        memcpy(key, p, n);
        key[n] = '\0';

        j = json_is_array(j) ? json_array_get(j, strtoul(key, NULL, 10))
                             : json_object_get(j, key);
    }

    return j;
}


static int
is(json_t *j, const char *path, const char *want)
{
    const char  *s;

    s = json_string_value(at(j, path));

    if (s == NULL || strcmp(s, want) != 0) {
        printf("  %s: got %s, want %s\n", path, s ? s : "(none)", want);
        return 0;
    }

    return 1;
}


static void
test_document(void)
{
    char                    err[256], *out;
    size_t                  len;
    json_t                 *j;
    const char             *file;
    ngx_eda_aa_doc_t        doc;
    ngx_eda_aa_jwt_t        jwt, jwt_cookie;
    ngx_eda_saga_defs_t    *defs;
    ngx_eda_aa_location_t   locs[6];
    static const char      *algs[] = { "RS256", "ES256" };
    static const char      *auds[] = { "shop" };
    static const char      *claims[] = { "role=customer" };
    static const char      *topics[] = { "orders", "payments" };
    static const char      *one[] = { "orders" };
    ngx_eda_aa_filter_t     filters[] = {
        { "subject", "eq", { "$eda_jwt_sub", 1 } },
        { "type", "prefix", { "com.example.", 0 } },
        { "key", "eq", { "k1", 0 } },
    };

    defs = ngx_eda_saga_defs_parse(saga_defs, strlen(saga_defs), err,
                                   sizeof(err));
    EDA_CHECK(defs != NULL);
    if (defs == NULL) {
        printf("  %s\n", err);
        return;
    }

    memset(&jwt, 0, sizeof(jwt));
    jwt.mode = NGX_EDA_AA_JWT_ON;
    jwt.algorithms = algs;
    jwt.nalgorithms = 2;
    jwt.issuer = "https://id.example.com/";
    jwt.audiences = auds;
    jwt.naudiences = 1;
    jwt.claims = claims;
    jwt.nclaims = 1;

    jwt_cookie = jwt;
    jwt_cookie.token = "$cookie_session";

    memset(locs, 0, sizeof(locs));

    locs[0].kind = NGX_EDA_AA_PUBLISH;
    locs[0].path = "/orders";
    locs[0].topic = "orders";
    locs[0].event.type.text = "com.example.order.created";
    locs[0].event.source.text = "/shop/$arg_shop";
    locs[0].event.source.dynamic = 1;
    locs[0].event.dataschema.text = "https://schemas.example.com/order.json";
    locs[0].event.key.text = "$arg_id";
    locs[0].event.key.dynamic = 1;
    locs[0].jwt = &jwt;

    /* the same path again (an "if" block, another server): its own ids */
    locs[1] = locs[0];
    locs[1].event.structured = 1;
    locs[1].jwt = &jwt;

    locs[2].kind = NGX_EDA_AA_SUBSCRIBE;
    locs[2].path = "/events/";
    locs[2].topics = topics;
    locs[2].ntopics = 2;
    locs[2].filters = filters;
    locs[2].nfilters = 3;
    locs[2].topic = "chat";
    locs[2].jwt = &jwt_cookie;

    locs[3].kind = NGX_EDA_AA_SUBSCRIBE;
    locs[3].path = "/socket.io/";
    locs[3].topics = one;
    locs[3].ntopics = 1;
    locs[3].socketio = 1;
    locs[3].sio_ns = "/shop";
    locs[3].topic = "chat";
    locs[3].jwt = &jwt;

    locs[4].kind = NGX_EDA_AA_SAGA;
    locs[4].path = "/checkout";
    locs[4].saga = "checkout";

    locs[5] = locs[4];
    locs[5].path = "/v2/checkout";

    memset(&doc, 0, sizeof(doc));
    doc.title = "Shop gateway";
    doc.version = "2.1.0";
    doc.host = "shop.example.com:8080";
    doc.brokers = "k1:9092,k2:9092";
    doc.locations = locs;
    doc.nlocations = 6;
    doc.sagas = defs;

    out = ngx_eda_asyncapi_build(&doc, &len, err, sizeof(err));
    EDA_CHECK(out != NULL && len == strlen(out));
    if (out == NULL) {
        printf("  %s\n", err);
        ngx_eda_saga_defs_free(defs);
        return;
    }

    file = getenv("EDA_ASYNCAPI_OUT");
    if (file != NULL) {
        FILE  *f = fopen(file, "w");

        if (f != NULL) {
            fwrite(out, 1, len, f);
            fclose(f);
        }
    }

    j = json_loads(out, 0, NULL);
    EDA_CHECK(j != NULL);

    EDA_CHECK(is(j, "asyncapi", "3.0.0"));
    EDA_CHECK(is(j, "info/title", "Shop gateway"));
    EDA_CHECK(is(j, "info/version", "2.1.0"));

    EDA_CHECK(is(j, "servers/kafka/host", "k1:9092"));
    EDA_CHECK(is(j, "servers/kafka/protocol", "kafka"));
    EDA_CHECK(is(j, "servers/kafka/x-eda-bootstrap-servers/0", "k1:9092"));
    EDA_CHECK(is(j, "servers/kafka/x-eda-bootstrap-servers/1", "k2:9092"));
    EDA_CHECK(is(j, "servers/gateway-http/protocol", "http"));
    EDA_CHECK(is(j, "servers/gateway-ws/host", "shop.example.com:8080"));

    /* publish: the HTTP channel, its two operations, the event's schema */
    EDA_CHECK(is(j, "channels/http-orders/address", "/orders"));
    EDA_CHECK(is(j, "channels/http-orders-2/address", "/orders"));
    EDA_CHECK(is(j, "operations/publish-orders/action", "receive"));
    EDA_CHECK(is(j, "operations/publish-orders/bindings/http/method",
                 "POST"));
    EDA_CHECK(is(j, "operations/publish-orders/reply/messages/0/$ref",
                 "#/channels/http-orders/messages/accepted"));
    EDA_CHECK(is(j, "operations/produce-orders/action", "send"));
    EDA_CHECK(is(j, "operations/produce-orders/channel/$ref",
                 "#/channels/kafka-orders"));
    EDA_CHECK(is(j, "channels/kafka-orders/bindings/kafka/topic", "orders"));
    EDA_CHECK(is(j, "channels/kafka-orders/messages/orders/headers/"
                    "properties/ce_type/const", "com.example.order.created"));
    EDA_CHECK(is(j, "channels/kafka-orders/messages/orders/headers/"
                    "properties/ce_source/pattern", "^/shop/.*$"));
    EDA_CHECK(is(j, "channels/kafka-orders/messages/orders/headers/"
                    "properties/ce_dataschema/const",
                 "https://schemas.example.com/order.json"));
    EDA_CHECK(is(j, "channels/kafka-orders/messages/orders/bindings/kafka/"
                    "key/x-eda-template", "$arg_id"));
    EDA_CHECK(at(j, "channels/kafka-orders/messages/orders/headers/"
                    "properties/ce_traceparent/pattern") != NULL);
    /* the structured one: the event is the record value */
    EDA_CHECK(is(j, "channels/kafka-orders/messages/orders-2/contentType",
                 "application/cloudevents+json"));
    EDA_CHECK(is(j, "channels/kafka-orders/messages/orders-2/payload/"
                    "properties/type/const", "com.example.order.created"));
    EDA_CHECK(at(j, "channels/kafka-orders/messages/orders-2/payload/"
                    "properties/tracestate") != NULL);

    /* one security scheme for the same settings, another for a cookie */
    EDA_CHECK(is(j, "components/securitySchemes/jwt/type", "http"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt/bearerFormat", "JWT"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt/x-eda-algorithms/1",
                 "ES256"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt/x-eda-issuer",
                 "https://id.example.com/"));
    EDA_CHECK(is(j, "operations/publish-orders-2/security/0/$ref",
                 "#/components/securitySchemes/jwt"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt-2/type", "httpApiKey"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt-2/in", "cookie"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt-2/name", "session"));
    EDA_CHECK(is(j, "components/securitySchemes/jwt-3/type", "http"));
    EDA_CHECK(at(j, "components/securitySchemes/jwt-4") == NULL);
    EDA_CHECK(at(j, "operations/start-checkout/security") == NULL);

    /* subscribe: ws + SSE, filters as constraints, a read per topic */
    EDA_CHECK(is(j, "channels/ws-events/servers/1/$ref",
                 "#/servers/gateway-http"));
    EDA_CHECK(is(j, "channels/ws-events/bindings/ws/method", "GET"));
    EDA_CHECK(at(j, "channels/ws-events/bindings/ws/query/properties/since")
              != NULL);
    EDA_CHECK(is(j, "operations/subscribe-events/action", "send"));
    EDA_CHECK(is(j, "operations/subscribe-events/x-eda-filters/0",
                 "subject eq $eda_jwt_sub"));
    EDA_CHECK(is(j, "channels/ws-events/messages/event/payload/properties/"
                    "type/pattern", "^com\\.example\\."));
    EDA_CHECK(at(j, "channels/ws-events/messages/event/payload/properties/"
                    "subject/const") == NULL);
    EDA_CHECK(is(j, "operations/consume-events.orders/channel/$ref",
                 "#/channels/kafka-orders"));
    EDA_CHECK(is(j, "operations/consume-events.payments/action", "receive"));
    EDA_CHECK(is(j, "operations/client-publish-events/reply/messages/0/$ref",
                 "#/channels/ws-events/messages/ack"));
    EDA_CHECK(is(j, "channels/kafka-chat/messages/events/headers/properties/"
                    "ce_type/default", "eda.ws.message"));

    /* Socket.IO: ws only without polling, the token in CONNECT */
    EDA_CHECK(is(j, "channels/sio-socket.io/servers/0/$ref",
                 "#/servers/gateway-ws"));
    EDA_CHECK(at(j, "channels/sio-socket.io/servers/1") == NULL);
    EDA_CHECK(is(j, "channels/sio-socket.io/messages/event/payload/type",
                 "array"));
    EDA_CHECK(is(j, "operations/subscribe-socket.io/security/0/$ref",
                 "#/components/securitySchemes/jwt-3"));
    EDA_CHECK(is(j, "operations/produce-socket.io/action", "send"));

    /* sagas: started at two locations, described once */
    EDA_CHECK(is(j, "operations/start-checkout/action", "receive"));
    EDA_CHECK(is(j, "operations/start-v2-checkout/x-eda-saga", "checkout"));
    EDA_CHECK(is(j, "operations/saga-checkout.reserve.command/channel/$ref",
                 "#/channels/kafka-inv.cmd"));
    EDA_CHECK(is(j, "channels/kafka-inv.cmd/messages/checkout.reserve."
                    "command/payload/properties/type/const", "inv.reserve"));
    EDA_CHECK(is(j, "operations/saga-checkout.reserve.compensation-reply/"
                    "channel/$ref", "#/channels/kafka-inv.rep"));
    EDA_CHECK(is(j, "channels/kafka-inv.rep/messages/checkout.reserve."
                    "command-reply/payload/properties/type/enum/1",
                 "inv.none"));
    EDA_CHECK(at(j, "operations/saga-checkout.pay.compensation") == NULL);
    EDA_CHECK(is(j, "operations/saga-checkout.events/channel/$ref",
                 "#/channels/kafka-eda.saga.events"));
    EDA_CHECK(is(j, "operations/saga-checkout.dead-letters/action", "send"));
    EDA_CHECK(at(j, "operations/saga-checkout.events-2") == NULL);

    json_decref(j);
    free(out);

    /* topics of 249 characters that differ only in the last one */
    {
        char                   t1[250], t2[250], key[600];
        const char            *two[2];
        ngx_eda_aa_location_t  l;

        memset(t1, 'a', 249);
        t1[249] = '\0';
        memcpy(t2, t1, sizeof(t1));
        t2[248] = 'b';
        two[0] = t1;
        two[1] = t2;

        memset(&l, 0, sizeof(l));
        l.kind = NGX_EDA_AA_SUBSCRIBE;
        l.path = "/long";
        l.topics = two;
        l.ntopics = 2;

        doc.locations = &l;
        doc.nlocations = 1;
        out = ngx_eda_asyncapi_build(&doc, &len, err, sizeof(err));
        j = out ? json_loads(out, 0, NULL) : NULL;

        snprintf(key, sizeof(key), "channels/kafka-%s/address", t2);
        EDA_CHECK(j != NULL && is(j, key, t2));
        snprintf(key, sizeof(key), "operations/consume-long.%s/channel/$ref",
                 t2);
        EDA_CHECK(j != NULL && at(j, key) != NULL);

        json_decref(j);
        free(out);
        doc.locations = locs;
    }

    /* a value that is not UTF-8 */
    locs[0].path = "/\xff";
    doc.nlocations = 1;
    out = ngx_eda_asyncapi_build(&doc, &len, err, sizeof(err));
    EDA_CHECK(out == NULL && strstr(err, "UTF-8") != NULL);
    free(out);

    /* nothing configured: still a document */
    doc.nlocations = 0;
    doc.tls = 1;
    out = ngx_eda_asyncapi_build(&doc, &len, err, sizeof(err));
    j = out ? json_loads(out, 0, NULL) : NULL;
    EDA_CHECK(j != NULL && json_object_size(at(j, "channels")) == 0);
    EDA_CHECK(at(j, "components") == NULL);
    json_decref(j);
    free(out);

    ngx_eda_saga_defs_free(defs);
}


int
main(void)
{
    test_token_source();
    test_template_pattern();
    test_document();

    EDA_UNIT_DONE();
}
