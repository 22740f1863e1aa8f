
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of ngx_eda_jwt.c: algorithm names, the parsing of a compact
 * JWS (the three parts, base64url, the header rules, the claims object,
 * the length limit) and how outcomes map to HTTP.
 */


#include "eda_jwt_fixtures.h"


#define BIG        16384


/* a string and what parsing or loading it must give */
typedef struct {
    const char        *s;
    ngx_eda_jwt_rc_e   want;
} str_case_t;


static ngx_eda_jwt_rc_e parse(const char *token);
static void test_alg_names(void);
static void test_parse(void);
static void test_parse_json(const char *c);
static void test_parse_limit(const char *c);
static void test_rc_mapping(void);


static ngx_eda_jwt_rc_e
parse(const char *token)
{
    const char           *err;
    ngx_eda_jwt_rc_e      rc;
    ngx_eda_jwt_token_t   t;

    err = NULL;

    rc = ngx_eda_jwt_parse(token, strlen(token), 0, &t, &err);

    if (rc == NGX_EDA_JWT_OK) {
        ngx_eda_jwt_token_free(&t);

    } else {
        EDA_CHECK(err != NULL && safe_desc(err));
        EDA_CHECK(t.header == NULL && t.claims == NULL && t.sig == NULL);
    }

    return rc;
}


static void
test_alg_names(void)
{
    int  i;

    for (i = NGX_EDA_JWT_HS256; i <= NGX_EDA_JWT_ALG_LAST; i++) {
        const char  *name = ngx_eda_jwt_alg_name((ngx_eda_jwt_alg_e) i);

        EDA_CHECK(name != NULL);
        EDA_CHECK((int) ngx_eda_jwt_alg_parse(name, strlen(name)) == i);
    }

    EDA_CHECK(ngx_eda_jwt_alg_parse("none", 4) == NGX_EDA_JWT_ALG_UNKNOWN);
    EDA_CHECK(ngx_eda_jwt_alg_parse("hs256", 5) == NGX_EDA_JWT_ALG_UNKNOWN);
    EDA_CHECK(ngx_eda_jwt_alg_parse("PS256", 5) == NGX_EDA_JWT_ALG_UNKNOWN);
    EDA_CHECK(ngx_eda_jwt_alg_parse("HS2566", 5) == NGX_EDA_JWT_HS256);
    EDA_CHECK(ngx_eda_jwt_alg_parse("HS2566", 6) == NGX_EDA_JWT_ALG_UNKNOWN);
    EDA_CHECK(ngx_eda_jwt_alg_parse("", 0) == NGX_EDA_JWT_ALG_UNKNOWN);
    EDA_CHECK(ngx_eda_jwt_alg_name(NGX_EDA_JWT_ALG_UNKNOWN) == NULL);
}


static void
test_parse(void)
{
    char                 *t;
    size_t                i;
    const char           *err;
    const char           *c = "{\"exp\":1}";
    ngx_eda_jwt_token_t   pt;

    /*
     * the parts, and base64url: padding, the other alphabet, spaces and
     * non-zero unused bits
     */
    static const str_case_t  parts[] = {
        { "", NGX_EDA_JWT_MALFORMED },
        { "abc", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30..", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30.", NGX_EDA_JWT_OK },
        { ".e30.", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9..", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30=.", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30.AA==", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30.a+b/", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9 .e30.", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e31.", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30.A", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30.AB", NGX_EDA_JWT_MALFORMED },
        { "eyJhbGciOiJIUzI1NiJ9.e30.AA", NGX_EDA_JWT_OK }
    };

    /* a well-formed token and what parsing exposes */
    t = hs("HS256", "k1", c, secret64, 64);
    EDA_CHECK(ngx_eda_jwt_parse(t, strlen(t), 0, &pt, &err)
              == NGX_EDA_JWT_OK);
    EDA_CHECK(pt.alg == NGX_EDA_JWT_HS256);
    EDA_CHECK_STR(pt.kid, pt.kid_len, "k1");
    EDA_CHECK(pt.sig_len == 32);
    EDA_CHECK(pt.signed_data == t);
    EDA_CHECK(t[pt.signed_len] == '.');
    EDA_CHECK(json_is_object(pt.claims));
    ngx_eda_jwt_token_free(&pt);
    free(t);

    /* an unsupported alg parses; verification refuses it */
    t = raw("{\"alg\":\"none\"}", c, "");
    EDA_CHECK(ngx_eda_jwt_parse(t, strlen(t), 0, &pt, &err)
              == NGX_EDA_JWT_OK);
    EDA_CHECK(pt.alg == NGX_EDA_JWT_ALG_UNKNOWN);
    ngx_eda_jwt_token_free(&pt);
    free(t);

    for (i = 0; i < NELTS(parts); i++) {
        EDA_CHECK(parse(parts[i].s) == parts[i].want);
    }

    test_parse_json(c);
    test_parse_limit(c);
}


/* the header rules, and claims that must be a JSON object */
static void
test_parse_json(const char *c)
{
    char    *t;
    size_t   i;

    static const struct {
        const char        *header;   /* NULL: {"alg":"HS256"} */
        const char        *claims;   /* NULL: c */
        ngx_eda_jwt_rc_e   want;
    } cases[] = {
        { "{\"alg\":\"HS256\"}", NULL, NGX_EDA_JWT_OK },
        { "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", NULL, NGX_EDA_JWT_OK },
        { "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", NULL, NGX_EDA_JWT_OK },
        { "{\"alg\":\"HS256\",\"typ\":\"at+JWT\"}", NULL, NGX_EDA_JWT_OK },
        { "{\"alg\":\"HS256\",\"typ\":\"application/jwt\"}", NULL,
          NGX_EDA_JWT_OK },
        { "{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", NULL,
          NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"typ\":\"\"}", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"typ\":1}", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", NULL,
          NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"crit\":[]}", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"kid\":7}", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"kid\":\"\"}", NULL, NGX_EDA_JWT_OK },
        { "{\"typ\":\"JWT\"}", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":null}", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\",\"alg\":\"RS256\"}", NULL,
          NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS\\u0000256\"}", NULL, NGX_EDA_JWT_MALFORMED },
        { "[\"alg\",\"HS256\"]", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\"", NULL, NGX_EDA_JWT_MALFORMED },
        { "{\"alg\":\"HS256\"} x", NULL, NGX_EDA_JWT_MALFORMED },
        { "", NULL, NGX_EDA_JWT_MALFORMED },

        { NULL, "{}", NGX_EDA_JWT_OK },
        { NULL, "[]", NGX_EDA_JWT_MALFORMED },
        { NULL, "\"sub\"", NGX_EDA_JWT_MALFORMED },
        { NULL, "{\"a\":1,\"a\":2}", NGX_EDA_JWT_MALFORMED },
        { NULL, "{\"a\":\xff}", NGX_EDA_JWT_MALFORMED },
        { NULL, "not json", NGX_EDA_JWT_MALFORMED }
    };

    for (i = 0; i < NELTS(cases); i++) {
        t = raw(cases[i].header != NULL ? cases[i].header
                                        : "{\"alg\":\"HS256\"}",
                cases[i].claims != NULL ? cases[i].claims : c, "");
        EDA_CHECK(parse(t) == cases[i].want);
        free(t);
    }
}


/* the length limit comes before any work: big is not a token at all */
static void
test_parse_limit(const char *c)
{
    char                 *t, *big;
    size_t                i, n;
    const char           *err;
    ngx_eda_jwt_token_t   pt;

    static const struct {
        size_t             len;
        size_t             max_len;
        const char        *msg;
    } cases[] = {
        { NGX_EDA_JWT_MAX_TOKEN + 1, 0, "too long" },
        { 101, 100, "too long" },
        { 100, 100, "three parts" }
    };

    big = malloc(BIG + 1);
    memset(big, 'A', BIG);
    big[BIG] = '\0';

    for (i = 0; i < NELTS(cases); i++) {
        EDA_CHECK(ngx_eda_jwt_parse(big, cases[i].len, cases[i].max_len, &pt,
                                    &err)
                  == NGX_EDA_JWT_MALFORMED);
        EDA_CHECK(has(err, cases[i].msg));
    }

    free(big);

    /* a real token just over and at the limit */
    t = hs("HS256", NULL, c, secret64, 64);
    n = strlen(t);
    EDA_CHECK(ngx_eda_jwt_parse(t, n, n - 1, &pt, &err)
              == NGX_EDA_JWT_MALFORMED);
    EDA_CHECK(ngx_eda_jwt_parse(t, n, n, &pt, &err) == NGX_EDA_JWT_OK);
    ngx_eda_jwt_token_free(&pt);
    free(t);
}


static void
test_rc_mapping(void)
{
    int  rc;

    EDA_CHECK(ngx_eda_jwt_rc_status(NGX_EDA_JWT_OK) == 0);
    EDA_CHECK(ngx_eda_jwt_rc_error(NGX_EDA_JWT_OK) == NULL);

    for (rc = NGX_EDA_JWT_MALFORMED; rc <= NGX_EDA_JWT_BAD_CLAIMS; rc++) {
        EDA_CHECK(ngx_eda_jwt_rc_status((ngx_eda_jwt_rc_e) rc) == 401);
        EDA_CHECK(strcmp(ngx_eda_jwt_rc_error((ngx_eda_jwt_rc_e) rc),
                         "invalid_token") == 0);
    }

    EDA_CHECK(ngx_eda_jwt_rc_status(NGX_EDA_JWT_FORBIDDEN) == 403);
    EDA_CHECK(strcmp(ngx_eda_jwt_rc_error(NGX_EDA_JWT_FORBIDDEN),
                     "insufficient_scope") == 0);
    EDA_CHECK(ngx_eda_jwt_rc_status(NGX_EDA_JWT_ERROR) == 500);
    EDA_CHECK(ngx_eda_jwt_rc_error(NGX_EDA_JWT_ERROR) == NULL);

    /* the policy defaults */
    {
        ngx_eda_jwt_policy_t  p;

        ngx_eda_jwt_policy_init(&p);
        EDA_CHECK(p.algorithms == 0);
        EDA_CHECK(p.max_token_len == NGX_EDA_JWT_MAX_TOKEN);
        EDA_CHECK(p.require_exp == 1 && p.leeway == 0);
        EDA_CHECK(p.issuer == NULL && p.naudiences == 0 && p.nrequired == 0);
    }
}


int
main(void)
{
    test_alg_names();
    test_parse();
    test_rc_mapping();

    EDA_UNIT_DONE();
}
