
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of the key files, ngx_eda_jwt_keys.c and ngx_eda_jwt_jwk.c:
 * what restricts a key (a JWK "alg", a secret's length, "use", kids) and
 * every HMAC secret, JWK, JWK Set and PEM file refused at load time, with
 * the reason the operator is told.
 */


#include "eda_jwt_fixtures.h"


static void test_key_restrictions(void);
static void test_load_errors(void);
static void test_load_rsa_errors(void);
static void test_load_pem_errors(void);


/* what limits a key: a JWK "alg", the secret's length, "use", the kids */
static void
test_key_restrictions(void)
{
    char                  *ja, *jb, *jc, set[12288];
    char                   err[NGX_EDA_JWT_ERRLEN];
    const char            *c = "{\"exp\":1750003600}";
    ngx_eda_jwt_keyset_t  *ks;

    static const tok_case_t  rs384[] = {
        { "RS256", "a", { &rsa_a, NULL }, NGX_EDA_JWT_NO_KEY, NULL },
        { "RS384", "a", { &rsa_a, NULL }, NGX_EDA_JWT_OK, NULL }
    };

    static const tok_case_t  oct384[] = {
        { "HS384", NULL, { NULL, secret64 }, NGX_EDA_JWT_OK, NULL },
        { "HS256", NULL, { NULL, secret64 }, NGX_EDA_JWT_NO_KEY, NULL }
    };

    /* a 32-byte secret is for HS256 only (RFC 7518 3.2) */
    static const tok_case_t  short_secret[] = {
        { "HS512", NULL, { NULL, "0123456789abcdef0123456789abcdef" },
          NGX_EDA_JWT_NO_KEY, NULL },
        { "HS256", NULL, { NULL, "0123456789abcdef0123456789abcdef" },
          NGX_EDA_JWT_OK, NULL }
    };

    /* "use":"enc" keys are skipped, not used */
    static const tok_case_t  enc[] = {
        { "RS256", "b", { &rsa_b, NULL }, NGX_EDA_JWT_NO_KEY, NULL }
    };

    /* a JWK "alg" restricts the key */
    ja = jwk_of(rsa_a, "a", ",\"alg\":\"RS384\"");
    ks = load(ja, err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(ngx_eda_jwt_keyset_algs(ks)
              == NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_RS384));
    run_tokens(ks, c, rs384, NELTS(rs384));
    ngx_eda_jwt_keyset_free(ks);

    /* ... and must fit the key */
    jc = jwk_of(ec256, "c", ",\"alg\":\"ES384\"");
    load_fails(jc, "alg ES384 does not fit");
    free(jc);

    jc = jwk_of(ec256, "c", ",\"alg\":\"HS256\"");
    load_fails(jc, NULL);
    free(jc);

    /* an oct key restricted to HS384 */
    ks = load("{\"kty\":\"oct\",\"alg\":\"HS384\",\"k\":\"MDEyMzQ1Njc4OWFi"
              "Y2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4"
              "OWFiY2RlZg\"}", err);
    EDA_CHECK(ks != NULL);
    run_tokens(ks, c, oct384, NELTS(oct384));
    ngx_eda_jwt_keyset_free(ks);

    ks = load("0123456789abcdef0123456789abcdef", err);
    EDA_CHECK(ks != NULL);
    EDA_CHECK(ngx_eda_jwt_keyset_algs(ks)
              == NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_HS256));
    run_tokens(ks, c, short_secret, NELTS(short_secret));
    ngx_eda_jwt_keyset_free(ks);

    jb = jwk_of(rsa_b, "b", ",\"use\":\"enc\"");
    run_set(ja, jb, 1, c, enc, NELTS(enc));

    snprintf(set, sizeof(set), "{\"keys\":[%s]}", jb);
    load_fails(set, "no signature verification key");

    /* two keys of one kid for the same algorithm */
    free(jb);
    jb = jwk_of(rsa_b, "a", "");
    free(ja);
    ja = jwk_of(rsa_a, "a", "");
    snprintf(set, sizeof(set), "{\"keys\":[%s,%s]}", ja, jb);
    load_fails(set, "share kid");

    free(ja);
    free(jb);
}


static void
test_load_errors(void)
{
    size_t  i;

    static const struct {
        const char  *key;
        const char  *msg;      /* in the error; NULL: not checked */
    } cases[] = {

        /* HMAC secrets: too short, even once the newline is gone */
        { "0123456789abcdef0123456789abcde", "31 bytes is too short" },
        { "0123456789abcdef0123456789abcde\n", NULL },
        { "short\n", NULL },
        { "", "empty" },
        { "\n\n", NULL },

        /* the example message of the design */
        { "{\"keys\":[{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2Rl"
          "ZjAxMjM0NTY3ODlhYmNkZWY\"},{\"kty\":\"EC\",\"kid\":\"a\","
          "\"crv\":\"P-192\",\"x\":\"AA\",\"y\":\"AA\"}]}",
          "JWKS key 2 (kid \"a\"): unsupported curve P-192" },

        /* things that are not keys */
        { "[{\"kty\":\"oct\"}]", "JSON array" },
        { "{\"keys\":[}", "not valid JSON" },
        { "{\"keys\":{}}", NULL },
        { "{\"keys\":[]}", NULL },
        { "{\"keys\":[1]}", NULL },
        { "{\"issuer\":\"x\"}", "neither" },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}",
          "unsupported key type OKP" },
        { "{\"kty\":\"RSA\",\"n\":\"AA\"}", "\"e\" missing" },
        { "{\"kty\":\"RSA\",\"n\":\"A+A\",\"e\":\"AQAB\"}", "not base64url" },
        { "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\","
          "\"y\":\"AAAA\"}", "coordinates must be 32 bytes" },
        { "{\"kty\":\"oct\",\"k\":\"c2hvcnQ\"}", "oct key of 5 bytes" },
        { "{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
          "ODlhYmNkZWY\",\"alg\":\"PS256\"}", "unsupported alg PS256" },
        { "{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
          "ODlhYmNkZWY\",\"kid\":5}", NULL },
        { "{\"kty\":\"oct\",\"use\":\"enc\",\"k\":\"MDEyMzQ1Njc4OWFi"
          "Y2RlZjAxMjM0NTY3ODlhYmNkZWY\"}",
          "not a signature verification key" },

        /* an EC point not on its curve */
        { "{\"kty\":\"EC\",\"crv\":\"P-256\","
          "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\","
          "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}",
          "invalid" },

        /* private material */
        { "{\"kty\":\"EC\",\"crv\":\"P-256\",\"d\":\"AA\","
          "\"x\":\"AA\",\"y\":\"AA\"}", "private key material" },

        /* broken or odd PEM */
        { "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
          "not a valid public key" },
        { "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
          "certificate" },
        { "-----BEGIN FOO-----\n", NULL },
        { "-----BEGIN ", NULL },

        /* a secret that mentions a PEM header is not taken as a secret */
        { "this is not a secret: -----BEGIN PUBLIC KEY-----", NULL }
    };

    for (i = 0; i < NELTS(cases); i++) {
        load_fails(cases[i].key, cases[i].msg);
    }

    /* the newline of an editor is not part of a long enough secret */
    load_ok("0123456789abcdef0123456789abcdef\r\n");

    test_load_rsa_errors();
    test_load_pem_errors();
}


/* RSA keys: too small, exponents, the padding of n */
static void
test_load_rsa_errors(void)
{
    char  *pem, *jwk, n[1400], set[8192];

    /* RSA below 2048 bits, as PEM and as JWK */
    pem = pem_of(rsa_small);
    load_fails(pem, "1024 bits is too weak");
    free(pem);

    jwk = jwk_of(rsa_small, "s", "");
    snprintf(set, sizeof(set), "{\"keys\":[%s]}", jwk);
    load_fails(set, "JWKS key 1 (kid \"s\"): RSA key of 1024 bits");
    free(jwk);

    /* RSA exponents: even, and too large to verify quickly */
    bn_b64(rsa_a, OSSL_PKEY_PARAM_RSA_N, 0, n);

    snprintf(set, sizeof(set), "{\"kty\":\"RSA\",\"n\":\"%s\","
             "\"e\":\"AQAA\"}", n);
    load_fails(set, "invalid RSA public exponent");

    snprintf(set, sizeof(set), "{\"kty\":\"RSA\",\"n\":\"%s\","
             "\"e\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\"}", n);
    load_fails(set, "invalid RSA public exponent");

    /* padded base64url is tolerated in a key file (256 bytes: "==") */
    snprintf(set, sizeof(set), "{\"kty\":\"RSA\",\"n\":\"%s==\","
             "\"e\":\"AQAB\"}", n);
    load_ok(set);
}


/* PEM files of several blocks or of a private key; text before a block */
static void
test_load_pem_errors(void)
{
    BIO   *bio;
    char  *data, *s, *pem, set[8192];
    long   n;

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, ec256, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(bio, &data);
    s = malloc((size_t) n + 1);
    memcpy(s, data, (size_t) n);
    s[n] = '\0';
    BIO_free(bio);

    load_fails(s, "private key");
    free(s);

    pem = pem_of(ec256);
    snprintf(set, sizeof(set), "%s%s", pem, pem);
    load_fails(set, "several PEM blocks");

    /* text before the block is allowed, as in many PEM files */
    snprintf(set, sizeof(set), "P-256 key of the issuer\n%s", pem);
    load_ok(set);
    free(pem);
}


int
main(void)
{
    eda_jwt_keys_make();

    test_key_restrictions();
    test_load_errors();

    eda_jwt_keys_free();

    EDA_UNIT_DONE();
}
