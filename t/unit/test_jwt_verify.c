
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of ngx_eda_jwt_verify.c: every algorithm family with its
 * keys, the choice of the key (kid, algorithm, allow-list), ECDSA's
 * R || S form, and the known trap of a token that picks its own method.
 * Two tokens and their public keys made by another JOSE implementation
 * (PyJWT with pyca/cryptography) prove that RS256 and the R || S form of
 * ES256 interoperate.
 */


#include "eda_jwt_fixtures.h"


/* made by PyJWT 2.6 with pyca/cryptography 38 (RS256, kid "py-rsa") */
static const char  py_rsa_pkcs1[] =
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAyH4CxCClLwJ10zQqwc/4yCUH+nRgeyHOLrpcCoCfQiMCqiodlzCR\n"
    "ecsAQYmdJGp9tOOiUl2BamXImh85eQq4pMCQzteEm+irL0rUe+cOhwsilu2BFEMZ\n"
    "mVs2oeGFHMRmziamgGUuuvk206X6OLjv5e3laimcfIBZNhVSqx36cMuvOlygnHar\n"
    "fnqyYluotLbBLSX2Ij3KzOtcDLF77LNXQquKi6NdDeZ4t90lEX/qxFWTM6vZ/QgL\n"
    "UWa6mN95Tu6WY32XdyEE1E84NL6WMurPBf0IllRlBF08aSKWjC4fKrNVp+1hNkbC\n"
    "NSb7ZSACZhEyeWw+8SQjhdrMw1HXvzQ3mQIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n";

static const char  py_rsa_jwk[] =
    "{\"kty\":\"RSA\",\"key_ops\":[\"verify\"],\"n\":\"yH4CxCClLw"
    "J10zQqwc_4yCUH-nRgeyHOLrpcCoCfQiMCqiodlzCRecsAQYmdJGp9tOOiUl"
    "2BamXImh85eQq4pMCQzteEm-irL0rUe-cOhwsilu2BFEMZmVs2oeGFHMRmzi"
    "amgGUuuvk206X6OLjv5e3laimcfIBZNhVSqx36cMuvOlygnHarfnqyYluotL"
    "bBLSX2Ij3KzOtcDLF77LNXQquKi6NdDeZ4t90lEX_qxFWTM6vZ_QgLUWa6mN"
    "95Tu6WY32XdyEE1E84NL6WMurPBf0IllRlBF08aSKWjC4fKrNVp-1hNkbCNS"
    "b7ZSACZhEyeWw-8SQjhdrMw1HXvzQ3mQ\",\"e\":\"AQAB\"}";

static const char  py_rs256[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6InB5LXJzYSIsInR5cCI6IkpXVCJ9.eyJzdWI"
    "iOiJpbnRlcm9wLXVzZXIiLCJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXV"
    "kIjoiZWRhIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjQxMDI0NDQ4MDAsInNjb3B"
    "lIjoicmVhZCB3cml0ZSJ9.MZEwoa_cMiRmJZr8R3Ea9uB7fauL1WS5JBeBtS7A1t"
    "T_Kt26FThyjWHpQDPxvTkWoKCokoMnFRl2Xk7I0h6WYGc6bXqYlQcmODGq98RIa-"
    "WMVnPi_NcuXd2Z2eJ_Y6IfqKvHQxxPjL06ZB_EaBOeUb-pNHixl9mMWNhVQj4gyx"
    "CpwBF_t4YJPEDCMoCBBgA7uJCyt-ipeDCqSAl5mQXjmP1SatINDxyBZ-73eOrjiA"
    "Zhfk-GJQ6Z82Uu3rxqA1Jvtt5tUQGG1UW60nlzILMedxk6alLo8KzUzi8yMdLkHo"
    "CiaStzlDa5kPwjKZa38HRVKc2N9uvS7HsFTQqLmwJGog";

/* the same, ES256 on P-256 (kid "py-ec") */
static const char  py_ec_spki[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7lcEa5qj7YhU0LKLyM8QVMaWtb1\n"
    "fyb1aU/z1RjHWvnvj0FTHAvnxYymgtjocLM40/01+W7SlxgjM3fDXX18CA==\n"
    "-----END PUBLIC KEY-----\n";

static const char  py_ec_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"c7lcEa5qj7YhU0LKLy"
    "M8QVMaWtb1fyb1aU_z1RjHWvk\",\"y\":\"749BUxwL58WMpoLY6HCzONP9"
    "Nflu0pcYIzN3w119fAg\"}";

static const char  py_es256[] =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6InB5LWVjIiwidHlwIjoiSldUIn0.eyJzdWIi"
    "OiJpbnRlcm9wLXVzZXIiLCJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVk"
    "IjoiZWRhIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjQxMDI0NDQ4MDAsInNjb3Bl"
    "IjoicmVhZCB3cml0ZSJ9.fe7bFcjwGHV0nTw_Hp3iamGqgdFfoiUgAO5mtryWd-W"
    "4YKECOhzzLpA5NAqe9YV8VUkIWhwcbiihNTKUQ-gdYw";


static void test_families(void);
static void test_family(const ngx_eda_jwt_keyset_t *ks, const char *c,
    const char **algs, const signer_t *good, const signer_t *other);
static void test_families_ec(const char *c);
static void test_interop(void);
static void test_known_trap(void);
static void test_key_selection(void);
static void test_ecdsa_length(void);


static void
test_families(void)
{
    char                  *t, *pem, err[NGX_EDA_JWT_ERRLEN];
    const char            *e;
    const char            *c = "{\"sub\":\"u\",\"exp\":1750003600}";
    ngx_eda_jwt_keyset_t  *ks;

    static const char  *hsa[] = { "HS256", "HS384", "HS512" };
    static const char  *rs[] = { "RS256", "RS384", "RS512" };

    static const signer_t  good_hs = { NULL, secret64 };
    static const signer_t  other_hs = {
        NULL,
        "X123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    };
    static const signer_t  good_rs = { &rsa_a, NULL };
    static const signer_t  other_rs = { &rsa_b, NULL };

    /* HMAC, every size with a 64-byte secret */
    ks = load(secret64, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(ngx_eda_jwt_keyset_count(ks) == 1);
    EDA_CHECK(ngx_eda_jwt_keyset_algs(ks) == NGX_EDA_JWT_ALGS_HS);

    test_family(ks, c, hsa, &good_hs, &other_hs);

    /* a truncated MAC */
    t = hs("HS256", NULL, c, secret64, 64);
    t[strlen(t) - 3] = '\0';
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    free(t);

    ngx_eda_jwt_keyset_free(ks);

    /* RSA: every hash; tampering; another key */
    pem = pem_of(rsa_a);
    ks = load(pem, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(ngx_eda_jwt_keyset_algs(ks) == NGX_EDA_JWT_ALGS_RS);

    test_family(ks, c, rs, &good_rs, &other_rs);

    /* an RSA key does not verify ES tokens, whatever they carry */
    t = tok("ES256", NULL, c, ec256);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_NO_KEY);
    free(t);

    ngx_eda_jwt_keyset_free(ks);
    free(pem);

    test_families_ec(c);
}


/*
 * Each algorithm of a family: signed by the key set's key, then one claim
 * byte changed, then signed by another key.
 */
static void
test_family(const ngx_eda_jwt_keyset_t *ks, const char *c,
    const char **algs, const signer_t *good, const signer_t *other)
{
    int          i;
    char        *t;
    const char  *e;

    for (i = 0; i < 3; i++) {
        t = signed_by(good, algs[i], NULL, c);
        EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_OK);

        t[strchr(t, '.') - t + 3] ^= 1;
        EDA_CHECK(check_free(ks, t, &e) != NGX_EDA_JWT_OK);
        free(t);

        t = signed_by(other, algs[i], NULL, c);
        EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
        free(t);
    }
}


/* EC: each curve with its algorithm, never another; then JWKs */
static void
test_families_ec(const char *c)
{
    int                    i, j;
    char                  *t, *pem, *j1, *j2, err[NGX_EDA_JWT_ERRLEN];
    EVP_PKEY              *k[3];
    const char            *e;
    ngx_eda_jwt_keyset_t  *ks;

    static const char  *es[] = { "ES256", "ES384", "ES512" };

    static const tok_case_t  jwks[] = {
        { "ES512", "e5", { &ec521, NULL }, NGX_EDA_JWT_OK, NULL },
        { "RS512", "r", { &rsa_a, NULL }, NGX_EDA_JWT_OK, NULL }
    };

    k[0] = ec256;
    k[1] = ec384;
    k[2] = ec521;

    for (i = 0; i < 3; i++) {
        pem = pem_of(k[i]);
        ks = load(pem, err);
        EDA_CHECK(ks != NULL);
        EDA_CHECK(ngx_eda_jwt_keyset_algs(ks)
                  == NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_ES256 + i));

        for (j = 0; j < 3; j++) {
            t = tok(es[j], NULL, c, k[j]);
            EDA_CHECK(check_free(ks, t, &e)
                      == (i == j ? NGX_EDA_JWT_OK : NGX_EDA_JWT_NO_KEY));
            free(t);
        }

        t = tok(es[i], NULL, c, k[i]);
        t[strchr(t, '.') - t + 3] ^= 1;
        EDA_CHECK(check_free(ks, t, &e) != NGX_EDA_JWT_OK);
        free(t);

        ngx_eda_jwt_keyset_free(ks);
        free(pem);
    }

    /* the same keys as JWKs */
    j1 = jwk_of(ec521, "e5", "");
    j2 = jwk_of(rsa_a, "r", ",\"use\":\"sig\"");

    run_set(j1, j2, 2, c, jwks, NELTS(jwks));

    free(j1);
    free(j2);
}


static void
test_interop(void)
{
    char                   err[NGX_EDA_JWT_ERRLEN];
    const char            *e;
    ngx_eda_jwt_policy_t   p;
    ngx_eda_jwt_keyset_t  *ks;
    ngx_eda_jwt_result_t   res;

    /* RS256 from another library, key as "BEGIN RSA PUBLIC KEY" */
    ks = load(py_rsa_pkcs1, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(check_free(ks, py_rs256, &e) == NGX_EDA_JWT_OK);

    policy_all(&p);
    p.algorithms = NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_RS256);
    p.issuer = "https://idp.example";
    p.issuer_len = strlen(p.issuer);

    EDA_CHECK(ngx_eda_jwt_verify(ks, &p, py_rs256, strlen(py_rs256), NOW,
                                 &res, &e)
              == NGX_EDA_JWT_OK);
    EDA_CHECK_STR(res.sub, res.sub_len, "interop-user");
    EDA_CHECK(res.alg == NGX_EDA_JWT_RS256);
    EDA_CHECK(res.has_exp && res.exp == 4102444800LL);
    EDA_CHECK(res.has_iat && res.iat == 1700000000LL);
    ngx_eda_jwt_result_free(&res);
    ngx_eda_jwt_keyset_free(ks);

    /* the same key as a JWK with key_ops, in a JWKS */
    {
        char  set[2048];

        snprintf(set, sizeof(set), "{\"keys\":[%s]}", py_rsa_jwk);
        ks = load(set, err);
        EDA_CHECK(ks != NULL);
        EDA_CHECK(check_free(ks, py_rs256, &e) == NGX_EDA_JWT_OK);
        ngx_eda_jwt_keyset_free(ks);
    }

    ks = load(py_rsa_jwk, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(check_free(ks, py_rs256, &e) == NGX_EDA_JWT_OK);
    ngx_eda_jwt_keyset_free(ks);

    /* ES256 R || S from another library */
    ks = load(py_ec_spki, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(check_free(ks, py_es256, &e) == NGX_EDA_JWT_OK);
    EDA_CHECK(check_free(ks, py_rs256, &e) == NGX_EDA_JWT_NO_KEY);
    ngx_eda_jwt_keyset_free(ks);

    ks = load(py_ec_jwk, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(check_free(ks, py_es256, &e) == NGX_EDA_JWT_OK);
    ngx_eda_jwt_keyset_free(ks);
}


/*
 * The trap: an HS256 token whose HMAC key is the bytes of the configured
 * RSA public key file.  A verifier that lets the token's alg pick the
 * method accepts it; here the key is RSA, so HS256 has no key.
 */
static void
test_known_trap(void)
{
    char                  *t, *pem, *jwk, err[NGX_EDA_JWT_ERRLEN];
    char                   set[4096];
    const char            *e;
    const char            *c = "{\"sub\":\"admin\",\"exp\":1750003600}";
    ngx_eda_jwt_keyset_t  *ks;

    pem = pem_of(rsa_a);
    ks = load(pem, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK((ngx_eda_jwt_keyset_algs(ks) & NGX_EDA_JWT_ALGS_HS) == 0);

    t = hs("HS256", NULL, c, pem, strlen(pem));
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_NO_KEY);
    EDA_CHECK(has(e, "no key for the algorithm"));
    free(t);

    /* without the final newline, as some tools would strip it */
    t = hs("HS256", NULL, c, pem, strlen(pem) - 1);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_NO_KEY);
    free(t);

    ngx_eda_jwt_keyset_free(ks);

    /* the PKCS #1 form of the other library's key */
    ks = load(py_rsa_pkcs1, err);
    EDA_CHECK(ks != NULL);
    t = hs("HS256", NULL, c, py_rsa_pkcs1, strlen(py_rsa_pkcs1));
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_NO_KEY);
    free(t);
    ngx_eda_jwt_keyset_free(ks);

    /* the same trick with the bytes of a JWKS file */
    jwk = jwk_of(rsa_a, "a", "");
    snprintf(set, sizeof(set), "{\"keys\":[%s]}", jwk);
    ks = load(set, err);
    EDA_CHECK(ks != NULL);
    t = hs("HS256", "a", c, set, strlen(set));
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_NO_KEY);
    free(t);
    ngx_eda_jwt_keyset_free(ks);
    free(jwk);

    /* keys the token brings along (jwk, jku) are never used */
    ks = load(pem, err);
    t = sign("{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":"
             "\"YXR0YWNrZXItc2VjcmV0LWF0dGFja2VyLXNlY3JldC0xMjM0\"},"
             "\"jku\":\"https://evil.example/jwks\"}", c, "HS256", NULL,
             "attacker-secret-attacker-secret-1234", 36);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_NO_KEY);
    ngx_eda_jwt_keyset_free(ks);

    ks = load(secret64, err);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    ngx_eda_jwt_keyset_free(ks);
    free(t);

    /* "none" is refused even with every algorithm allowed */
    ks = load(secret64, err);
    t = raw("{\"alg\":\"none\"}", c, "");
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_ALG_DENIED);
    free(t);
    t = raw("{\"alg\":\"None\"}", c, "");
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_ALG_DENIED);
    free(t);
    ngx_eda_jwt_keyset_free(ks);

    free(pem);
}


static void
test_key_selection(void)
{
    char                  *t, *ja, *jb, *jc, *pem;
    char                   set[12288], err[NGX_EDA_JWT_ERRLEN];
    size_t                 i;
    const char            *e;
    const char            *c = "{\"exp\":1750003600}";
    ngx_eda_jwt_policy_t   p;
    ngx_eda_jwt_keyset_t  *ks;

    static const tok_case_t  two_rsa[] = {
        { "RS256", "b", { &rsa_b, NULL }, NGX_EDA_JWT_OK, NULL },
        { "RS256", "a", { &rsa_a, NULL }, NGX_EDA_JWT_OK, NULL },

        /* the kid names the other key */
        { "RS256", "a", { &rsa_b, NULL }, NGX_EDA_JWT_BAD_SIGNATURE, NULL },

        { "RS256", "z", { &rsa_a, NULL }, NGX_EDA_JWT_NO_KEY,
          "unknown key id" },

        /* no kid and two candidates */
        { "RS256", NULL, { &rsa_a, NULL }, NGX_EDA_JWT_NO_KEY,
          "key id required" }
    };

    /* two keys of different types: no kid needed, the alg decides */
    static const tok_case_t  rsa_ec[] = {
        { "ES256", NULL, { &ec256, NULL }, NGX_EDA_JWT_OK, NULL },
        { "RS256", NULL, { &rsa_a, NULL }, NGX_EDA_JWT_OK, NULL },

        /* a kid of the set, but of a key for another algorithm */
        { "RS256", "c", { &rsa_a, NULL }, NGX_EDA_JWT_NO_KEY, NULL }
    };

    /* a PEM key has no kid: the token's kid does not matter */
    static const tok_case_t  pem_any[] = {
        { "RS256", "anything", { &rsa_a, NULL }, NGX_EDA_JWT_OK, NULL }
    };

    /* alg not in the allow-list: refused before any key is looked at */
    static const struct {
        ngx_eda_jwt_algs_t   algorithms;
        ngx_eda_jwt_rc_e     want;
        const char          *msg;
    } allow[] = {
        { NGX_EDA_JWT_ALGS_ES, NGX_EDA_JWT_ALG_DENIED,
          "algorithm not allowed" },
        { 0, NGX_EDA_JWT_ALG_DENIED, NULL },
        { NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_RS256), NGX_EDA_JWT_OK, NULL }
    };

    ja = jwk_of(rsa_a, "a", "");
    jb = jwk_of(rsa_b, "b", "");
    jc = jwk_of(ec256, "c", "");

    /* two keys: selection by kid */
    snprintf(set, sizeof(set), "{\"keys\":[%s,%s]}", ja, jb);
    ks = load(set, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(ngx_eda_jwt_keyset_count(ks) == 2);

    run_tokens(ks, c, two_rsa, NELTS(two_rsa));

    policy_all(&p);
    t = tok("RS256", "a", c, rsa_a);

    for (i = 0; i < NELTS(allow); i++) {
        p.algorithms = allow[i].algorithms;
        EDA_CHECK(check(ks, &p, t, &e) == allow[i].want);

        if (allow[i].msg != NULL) {
            EDA_CHECK(has(e, allow[i].msg));
        }
    }

    free(t);
    ngx_eda_jwt_keyset_free(ks);

    run_set(ja, jc, 0, c, rsa_ec, NELTS(rsa_ec));

    pem = pem_of(rsa_a);
    ks = load(pem, err);
    run_tokens(ks, c, pem_any, NELTS(pem_any));
    ngx_eda_jwt_keyset_free(ks);
    free(pem);

    free(ja);
    free(jb);
    free(jc);
}


static void
test_ecdsa_length(void)
{
    char                  *t, *pem, *dot, err[NGX_EDA_JWT_ERRLEN];
    char                   der[512];
    size_t                 n;
    const char            *e;
    const char            *c = "{\"exp\":1750003600}";
    EVP_MD_CTX            *ctx;
    unsigned char          sig[256];
    ngx_eda_jwt_keyset_t  *ks;

    pem = pem_of(ec384);
    ks = load(pem, err);

    /* three bytes short, one byte long */
    t = tok("ES384", NULL, c, ec384);
    t[strlen(t) - 4] = '\0';
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    EDA_CHECK(has(e, "wrong length"));
    free(t);

    t = tok("ES384", NULL, c, ec384);
    t = realloc(t, strlen(t) + 8);
    strcat(t, "AA");
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    free(t);

    /* the DER form is not what JWS carries */
    t = tok("ES384", NULL, c, ec384);
    dot = strrchr(t, '.');
    ctx = EVP_MD_CTX_new();
    n = sizeof(sig);
    EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, ec384);
    EVP_DigestSign(ctx, sig, &n, (unsigned char *) t, (size_t) (dot - t));
    EVP_MD_CTX_free(ctx);
    b64url(sig, n, der);
    dot[1] = '\0';
    t = realloc(t, strlen(t) + strlen(der) + 1);
    strcat(t, der);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    free(t);

    /* R || S of zeros */
    t = tok("ES384", NULL, c, ec384);
    dot = strrchr(t, '.');
    memset(sig, 0, 96);
    b64url(sig, 96, dot + 1);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    free(t);

    ngx_eda_jwt_keyset_free(ks);
    free(pem);

    /* ES256 with an ES512-sized signature */
    ks = load(py_ec_spki, err);
    t = sign("{\"alg\":\"ES256\"}", c, "ES512", ec521, NULL, 0);
    EDA_CHECK(check_free(ks, t, &e) == NGX_EDA_JWT_BAD_SIGNATURE);
    EDA_CHECK(has(e, "wrong length"));
    free(t);
    ngx_eda_jwt_keyset_free(ks);
}


int
main(void)
{
    eda_jwt_keys_make();

    test_families();
    test_interop();
    test_known_trap();
    test_key_selection();
    test_ecdsa_length();

    eda_jwt_keys_free();

    EDA_UNIT_DONE();
}
