
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of ngx_eda_jwt_claims.c: exp, nbf and iat with leeway, iss,
 * aud and required claims, the registered claims of a result, and claims
 * rendered as text.
 */


#include "eda_jwt_fixtures.h"


static void test_time_claims(void);
static void test_iss_aud(void);
static void test_required(void);
static void test_results(void);
static void test_render(const ngx_eda_jwt_result_t *res);
static void test_render_sizes(const ngx_eda_jwt_result_t *res);
static void test_value_render(void);


static void
test_time_claims(void)
{
    char                  *t, err[NGX_EDA_JWT_ERRLEN], c[256];
    const char            *e;
    ngx_eda_jwt_policy_t   p;
    ngx_eda_jwt_keyset_t  *ks;

    ks = load(secret64, err);
    policy_all(&p);

#define TIME_CASE(claims, want)                                               \
    do {                                                                      \
        t = hs("HS256", NULL, claims, secret64, 64);                          \
        EDA_CHECK(check(ks, &p, t, &e) == (want));                            \
        free(t);                                                              \
    } while (0)

    /* exp: before it only; the boundary itself is expired */
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW + 1);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW);
    TIME_CASE(c, NGX_EDA_JWT_EXPIRED);
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW - 3600);
    TIME_CASE(c, NGX_EDA_JWT_EXPIRED);
    EDA_CHECK(has(e, "expired"));

    /* a real exp; its fraction never extends the life */
    snprintf(c, sizeof(c), "{\"exp\":%ld.5}", NOW);
    TIME_CASE(c, NGX_EDA_JWT_EXPIRED);
    snprintf(c, sizeof(c), "{\"exp\":%ld.5}", NOW + 1);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    TIME_CASE("{\"exp\":1e300}", NGX_EDA_JWT_OK);
    TIME_CASE("{\"exp\":-1e300}", NGX_EDA_JWT_EXPIRED);
    TIME_CASE("{\"exp\":9223372036854775807}", NGX_EDA_JWT_OK);

    /* exp of the wrong type, or missing */
    TIME_CASE("{\"exp\":\"1750003600\"}", NGX_EDA_JWT_BAD_CLAIMS);
    TIME_CASE("{\"exp\":null}", NGX_EDA_JWT_BAD_CLAIMS);
    TIME_CASE("{\"exp\":true}", NGX_EDA_JWT_BAD_CLAIMS);
    TIME_CASE("{}", NGX_EDA_JWT_BAD_CLAIMS);
    EDA_CHECK(has(e, "no exp"));
    p.require_exp = 0;
    TIME_CASE("{}", NGX_EDA_JWT_OK);
    TIME_CASE("{\"exp\":\"x\"}", NGX_EDA_JWT_BAD_CLAIMS);
    p.require_exp = 1;

    /* leeway accepts a slightly expired token, not more */
    p.leeway = 30;
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW - 10);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW - 30);
    TIME_CASE(c, NGX_EDA_JWT_EXPIRED);
    p.leeway = 5;
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW - 10);
    TIME_CASE(c, NGX_EDA_JWT_EXPIRED);
    p.leeway = -100;
    snprintf(c, sizeof(c), "{\"exp\":%ld}", NOW + 10);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    p.leeway = 0;

    /* nbf */
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"nbf\":%ld}", NOW + 60, NOW + 10);
    TIME_CASE(c, NGX_EDA_JWT_NOT_YET_VALID);
    EDA_CHECK(has(e, "not yet valid"));
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"nbf\":%ld}", NOW + 60, NOW);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"nbf\":%ld.25}", NOW + 60,
             NOW - 1);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"nbf\":%ld.25}", NOW + 60, NOW);
    TIME_CASE(c, NGX_EDA_JWT_NOT_YET_VALID);
    p.leeway = 15;
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"nbf\":%ld}", NOW + 60, NOW + 10);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    p.leeway = 0;
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"nbf\":\"now\"}", NOW + 60);
    TIME_CASE(c, NGX_EDA_JWT_BAD_CLAIMS);

    /* iat: not from the future */
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"iat\":%ld}", NOW + 60, NOW + 30);
    TIME_CASE(c, NGX_EDA_JWT_NOT_YET_VALID);
    EDA_CHECK(has(e, "issued in the future"));
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"iat\":%ld}", NOW + 60, NOW);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    p.leeway = 60;
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"iat\":%ld}", NOW + 60, NOW + 30);
    TIME_CASE(c, NGX_EDA_JWT_OK);
    p.leeway = 0;
    snprintf(c, sizeof(c), "{\"exp\":%ld,\"iat\":[]}", NOW + 60);
    TIME_CASE(c, NGX_EDA_JWT_BAD_CLAIMS);

#undef TIME_CASE

    ngx_eda_jwt_keyset_free(ks);
}


static void
test_iss_aud(void)
{
    char                  *t, err[NGX_EDA_JWT_ERRLEN];
    size_t                 lens[2];
    const char            *e;
    const char            *auds[2];
    ngx_eda_jwt_policy_t   p;
    ngx_eda_jwt_keyset_t  *ks;

    ks = load(secret64, err);
    policy_all(&p);

#define CLAIMS_CASE(claims, want)                                             \
    do {                                                                      \
        t = hs("HS256", NULL, "{\"exp\":1750003600," claims "}", secret64,   \
               64);                                                           \
        EDA_CHECK(check(ks, &p, t, &e) == (want));                            \
        free(t);                                                              \
    } while (0)

    p.issuer = "https://idp.example";
    p.issuer_len = strlen(p.issuer);

    CLAIMS_CASE("\"iss\":\"https://idp.example\"", NGX_EDA_JWT_OK);
    CLAIMS_CASE("\"iss\":\"https://idp.example/\"", NGX_EDA_JWT_BAD_CLAIMS);
    EDA_CHECK(has(e, "invalid issuer"));
    CLAIMS_CASE("\"iss\":\"https://evil.example\"", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"iss\":[\"https://idp.example\"]", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"sub\":\"x\"", NGX_EDA_JWT_BAD_CLAIMS);

    p.issuer = NULL;

    auds[0] = "eda";
    lens[0] = 3;
    auds[1] = "eda-admin";
    lens[1] = 9;
    p.audiences = auds;
    p.audience_lens = lens;
    p.naudiences = 1;

    CLAIMS_CASE("\"aud\":\"eda\"", NGX_EDA_JWT_OK);
    CLAIMS_CASE("\"aud\":\"other\"", NGX_EDA_JWT_BAD_CLAIMS);
    EDA_CHECK(has(e, "invalid audience"));
    CLAIMS_CASE("\"aud\":\"ed\"", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"aud\":[\"other\",\"eda\"]", NGX_EDA_JWT_OK);
    CLAIMS_CASE("\"aud\":[\"other\",\"x\"]", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"aud\":[]", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"aud\":[[\"eda\"]]", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"aud\":1", NGX_EDA_JWT_BAD_CLAIMS);
    CLAIMS_CASE("\"sub\":\"x\"", NGX_EDA_JWT_BAD_CLAIMS);

    p.naudiences = 2;
    CLAIMS_CASE("\"aud\":\"eda-admin\"", NGX_EDA_JWT_OK);
    CLAIMS_CASE("\"aud\":[\"a\",\"eda-admin\"]", NGX_EDA_JWT_OK);

    /* without a configured audience aud is not checked */
    p.naudiences = 0;
    CLAIMS_CASE("\"aud\":\"other\"", NGX_EDA_JWT_OK);

#undef CLAIMS_CASE

    EDA_CHECK(ngx_eda_jwt_rc_status(NGX_EDA_JWT_BAD_CLAIMS) == 401);

    ngx_eda_jwt_keyset_free(ks);
}


static void
test_required(void)
{
    char                     *t, err[NGX_EDA_JWT_ERRLEN];
    const char               *e;
    ngx_eda_jwt_policy_t      p;
    ngx_eda_jwt_keyset_t     *ks;
    ngx_eda_jwt_claim_req_t   req[2];

    ks = load(secret64, err);
    policy_all(&p);
    p.required = req;
    p.nrequired = 1;

#define REQ(i, n, v)                                                          \
    do {                                                                      \
        req[i].name = n;                                                      \
        req[i].name_len = strlen(n);                                          \
        req[i].value = v;                                                     \
        req[i].value_len = strlen(v);                                         \
    } while (0)

#define REQ_CASE(claims, want)                                                \
    do {                                                                      \
        t = hs("HS256", NULL, "{\"exp\":1750003600," claims "}", secret64,   \
               64);                                                           \
        EDA_CHECK(check(ks, &p, t, &e) == (want));                            \
        free(t);                                                              \
    } while (0)

    REQ(0, "role", "admin");
    REQ_CASE("\"role\":\"admin\"", NGX_EDA_JWT_OK);
    REQ_CASE("\"role\":\"user\"", NGX_EDA_JWT_FORBIDDEN);
    EDA_CHECK(has(e, "required claim"));
    EDA_CHECK(ngx_eda_jwt_rc_status(NGX_EDA_JWT_FORBIDDEN) == 403);
    REQ_CASE("\"role\":\"admins\"", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"sub\":\"admin\"", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"role\":null", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"role\":{\"admin\":true}", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"role\":[\"user\",\"admin\"]", NGX_EDA_JWT_OK);
    REQ_CASE("\"role\":[\"user\"]", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"role\":[[\"admin\"]]", NGX_EDA_JWT_FORBIDDEN);

    REQ(0, "level", "42");
    REQ_CASE("\"level\":42", NGX_EDA_JWT_OK);
    REQ_CASE("\"level\":42.0", NGX_EDA_JWT_OK);
    REQ_CASE("\"level\":\"42\"", NGX_EDA_JWT_OK);
    REQ_CASE("\"level\":[1,42]", NGX_EDA_JWT_OK);
    REQ_CASE("\"level\":43", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"level\":42.5", NGX_EDA_JWT_FORBIDDEN);

    REQ(0, "ratio", "0.1");
    REQ_CASE("\"ratio\":0.1", NGX_EDA_JWT_OK);
    REQ_CASE("\"ratio\":1e-1", NGX_EDA_JWT_OK);

    REQ(0, "email_verified", "true");
    REQ_CASE("\"email_verified\":true", NGX_EDA_JWT_OK);
    REQ_CASE("\"email_verified\":false", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"email_verified\":\"true\"", NGX_EDA_JWT_OK);

    /* all of several */
    REQ(0, "role", "admin");
    REQ(1, "tenant", "t1");
    p.nrequired = 2;
    REQ_CASE("\"role\":\"admin\",\"tenant\":\"t1\"", NGX_EDA_JWT_OK);
    REQ_CASE("\"role\":\"admin\",\"tenant\":\"t2\"", NGX_EDA_JWT_FORBIDDEN);
    REQ_CASE("\"role\":\"admin\"", NGX_EDA_JWT_FORBIDDEN);

    /* a 401 reason wins over a 403 one: the token is not valid at all */
    t = hs("HS256", NULL, "{\"exp\":1,\"role\":\"user\"}", secret64, 64);
    EDA_CHECK(check(ks, &p, t, &e) == NGX_EDA_JWT_EXPIRED);
    free(t);

#undef REQ_CASE
#undef REQ

    ngx_eda_jwt_keyset_free(ks);
}


static void
test_results(void)
{
    char                  *t, err[NGX_EDA_JWT_ERRLEN];
    const char            *e;
    ngx_eda_jwt_policy_t   p;
    ngx_eda_jwt_keyset_t  *ks;
    ngx_eda_jwt_result_t   res;

    ks = load(secret64, err);
    policy_all(&p);

    t = hs("HS256", NULL,
           "{\"sub\":\"user-1\",\"jti\":\"j-9\",\"exp\":1750003600.75,"
           "\"nbf\":1749999999.5,\"iat\":1749999000,\"n\":-7,\"r\":1.5,"
           "\"w\":3.0,\"big\":1e300,\"b\":true,\"f\":false,\"z\":null,"
           "\"roles\":[\"a\",\"b\",1,true,null,[\"x\"],{\"y\":1}],"
           "\"o\":{\"k\":[1,\"v\"]},\"e\":\"\",\"u\":\"\\u00e9,x\"}",
           secret64, 64);

    EDA_CHECK(ngx_eda_jwt_verify(ks, &p, t, strlen(t), NOW, &res, &e)
              == NGX_EDA_JWT_OK);

    EDA_CHECK_STR(res.sub, res.sub_len, "user-1");
    EDA_CHECK_STR(res.jti, res.jti_len, "j-9");
    EDA_CHECK(res.has_exp && res.exp == 1750003600LL);
    EDA_CHECK(res.has_nbf && res.nbf == 1750000000LL);
    EDA_CHECK(res.has_iat && res.iat == 1749999000LL);
    EDA_CHECK(res.alg == NGX_EDA_JWT_HS256);

    test_render(&res);
    test_render_sizes(&res);

    ngx_eda_jwt_result_free(&res);
    EDA_CHECK(res.claims == NULL);
    free(t);

    test_value_render();

    /* a failed verification leaves nothing in the result */
    t = hs("HS256", NULL, "{\"exp\":1}", secret64, 64);
    EDA_CHECK(ngx_eda_jwt_verify(ks, &p, t, strlen(t), NOW, &res, &e)
              == NGX_EDA_JWT_EXPIRED);
    EDA_CHECK(res.claims == NULL && res.sub == NULL && !res.has_exp);
    free(t);

    ngx_eda_jwt_keyset_free(ks);
}


/* claims as text, by name */
static void
test_render(const ngx_eda_jwt_result_t *res)
{
    char    buf[64];
    size_t  i, n;

    static const struct {
        const char  *name;
        const char  *want;
    } cases[] = {
        { "sub", "user-1" },
        { "n", "-7" },
        { "r", "1.5" },
        { "w", "3" },
        { "big", "1e+300" },
        { "b", "true" },
        { "f", "false" },
        { "roles", "a,b,1,true" },
        { "o", "{\"k\":[1,\"v\"]}" },
        { "e", "" },
        { "u", "\xc3\xa9,x" },
        { "exp", "1750003600.75" }
    };

    for (i = 0; i < NELTS(cases); i++) {
        n = 0;
        EDA_CHECK(ngx_eda_jwt_claim_render(res, cases[i].name,
                                           strlen(cases[i].name), buf,
                                           sizeof(buf), &n)
                  == 0);
        EDA_CHECK_STR(buf, n, cases[i].want);
    }

    EDA_CHECK(ngx_eda_jwt_claim_render(res, "z", 1, buf, sizeof(buf), &n)
              == 1);
    EDA_CHECK(n == 0);
    EDA_CHECK(ngx_eda_jwt_claim_render(res, "nope", 4, buf, sizeof(buf), &n)
              == 1);

    /* a name is (pointer, length): "subject" is not "sub" */
    EDA_CHECK(ngx_eda_jwt_claim_render(res, "subject", 3, buf, sizeof(buf),
                                       &n)
              == 0);
    EDA_CHECK_STR(buf, n, "user-1");
}


/* snprintf() semantics: the full length, never beyond size; and dup */
static void
test_render_sizes(const ngx_eda_jwt_result_t *res)
{
    int      rc;
    char    *s, buf[64];
    size_t   i, n;

    static const struct {
        const char  *name;
        size_t       len;
    } lengths[] = {
        { "sub", 6 },
        { "o", 13 }
    };

    memset(buf, '#', sizeof(buf));
    EDA_CHECK(ngx_eda_jwt_claim_render(res, "roles", 5, buf, 3, &n) == 0);
    EDA_CHECK(n == 10);
    EDA_CHECK(memcmp(buf, "a,b#", 4) == 0);

    for (i = 0; i < NELTS(lengths); i++) {
        EDA_CHECK(ngx_eda_jwt_claim_render(res, lengths[i].name,
                                           strlen(lengths[i].name), NULL, 0,
                                           &n)
                  == 0);
        EDA_CHECK(n == lengths[i].len);
    }

    rc = ngx_eda_jwt_claim_dup(res, "roles", 5, &s, &n);
    EDA_CHECK(rc == 0);
    EDA_CHECK(s != NULL && strcmp(s, "a,b,1,true") == 0 && n == 10);
    free(s);

    rc = ngx_eda_jwt_claim_dup(res, "o", 1, &s, &n);
    EDA_CHECK(rc == 0 && s != NULL && strcmp(s, "{\"k\":[1,\"v\"]}") == 0);
    free(s);

    rc = ngx_eda_jwt_claim_dup(res, "none", 4, &s, &n);
    EDA_CHECK(rc == 1 && s == NULL && n == 0);
}


/* the value renderer on its own: reals in their shortest exact form */
static void
test_value_render(void)
{
    char     buf[64];
    size_t   i, n;
    json_t  *v;

    static const struct {
        double       d;
        const char  *want;
    } reals[] = {
        { 0.1 + 0.2, "0.30000000000000004" },
        { -2.5e-7, "-2.5e-07" }
    };

    for (i = 0; i < NELTS(reals); i++) {
        v = json_real(reals[i].d);
        EDA_CHECK(ngx_eda_jwt_value_render(v, buf, sizeof(buf), &n) == 0);
        EDA_CHECK_STR(buf, n, reals[i].want);
        json_decref(v);
    }

    EDA_CHECK(ngx_eda_jwt_value_render(NULL, buf, sizeof(buf), &n) == 1);
}


int
main(void)
{
    test_time_claims();
    test_iss_aud();
    test_required();
    test_results();

    EDA_UNIT_DONE();
}
