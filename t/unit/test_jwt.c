
/*
 * Copyright (C) ngx_eda authors
 *
 * sources: core/ngx_eda_jwt.c core/ngx_eda_jwt_keys.c
 * sources: core/ngx_eda_jwt_jwk.c core/ngx_eda_jwt_verify.c
 * sources: core/ngx_eda_jwt_claims.c core/ngx_eda_jwt_cache_entry.c
 * sources: core/ngx_eda_base64.c
 * libs: -ljansson -lcrypto
 */


/*
 * Unit tests of the JWT core.  Keys are generated here with OpenSSL and
 * tokens signed by a small test-only signer; two tokens and their public
 * keys made by another JOSE implementation (PyJWT with pyca/cryptography)
 * prove that RS256 and the R || S form of ES256 interoperate.
 */


#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "eda_unit.h"
#include "ngx_eda_jwt.h"


#define NOW        1750000000L
#define BIG        16384

#define NELTS(a)   (sizeof(a) / sizeof((a)[0]))


/* who signs a test token: a key, or with pkey NULL an HMAC secret */
typedef struct {
    EVP_PKEY         **pkey;
    const char        *secret;
} signer_t;


/* a token to sign and what verifying it must give */
typedef struct {
    const char        *alg;
    const char        *kid;
    signer_t           by;
    ngx_eda_jwt_rc_e   want;
    const char        *msg;      /* in the error; NULL: not checked */
} tok_case_t;


/* a string and what parsing or loading it must give */
typedef struct {
    const char        *s;
    ngx_eda_jwt_rc_e   want;
} str_case_t;


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

/* 64 bytes: every HS algorithm */
static const char  secret64[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";


static EVP_PKEY  *rsa_a, *rsa_b, *rsa_small, *ec256, *ec384, *ec521;


static void b64url(const unsigned char *in, size_t len, char *out);
static char *sign(const char *header, const char *claims, const char *alg,
    EVP_PKEY *pkey, const void *secret, size_t secret_len);
static char *tok(const char *alg, const char *kid, const char *claims,
    EVP_PKEY *pkey);
static char *hs(const char *alg, const char *kid, const char *claims,
    const char *secret, size_t len);
static char *pem_of(EVP_PKEY *pkey);
static void bn_b64(EVP_PKEY *pkey, const char *param, size_t pad,
    char *out);
static char *jwk_of(EVP_PKEY *pkey, const char *kid, const char *extra);
static ngx_eda_jwt_keyset_t *load(const char *s, char *err);
static void policy_all(ngx_eda_jwt_policy_t *p);
static ngx_eda_jwt_rc_e check(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_policy_t *p, const char *token, const char **err);
static ngx_eda_jwt_rc_e check_free(const ngx_eda_jwt_keyset_t *ks,
    const char *token, const char **err);
static int safe_desc(const char *s);
static int has(const char *s, const char *part);
static ngx_eda_jwt_rc_e parse(const char *token);
static char *raw(const char *header, const char *claims, const char *sig);
static char *signed_by(const signer_t *by, const char *alg, const char *kid,
    const char *claims);
static void run_tokens(const ngx_eda_jwt_keyset_t *ks, const char *claims,
    const tok_case_t *tc, size_t n);
static void run_set(const char *j1, const char *j2, size_t count,
    const char *claims, const tok_case_t *tc, size_t n);
static void load_fails(const char *key, const char *msg);
static void load_ok(const char *key);
static void test_alg_names(void);
static void test_parse(void);
static void test_parse_json(const char *c);
static void test_parse_limit(const char *c);
static void test_families(void);
static void test_family(const ngx_eda_jwt_keyset_t *ks, const char *c,
    const char **algs, const signer_t *good, const signer_t *other);
static void test_families_ec(const char *c);
static void test_interop(void);
static void test_known_trap(void);
static void test_key_selection(void);
static void test_key_restrictions(const char *c);
static void test_load_errors(void);
static void test_load_pem_errors(void);
static void test_ecdsa_length(void);
static void test_time_claims(void);
static void test_iss_aud(void);
static void test_required(void);
static void test_results(void);
static void test_render(const ngx_eda_jwt_result_t *res);
static void test_render_sizes(const ngx_eda_jwt_result_t *res);
static void test_value_render(void);
static void test_cache(void);
static void test_cache_entry(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_keyset_t *other, ngx_eda_jwt_policy_t *p,
    const char *t, const ngx_eda_jwt_result_t *res, const char *entry,
    size_t len);
static void test_cache_misses(const ngx_eda_jwt_keyset_t *ks,
    const char *entry, size_t len);
static void test_rc_mapping(void);


static void
b64url(const unsigned char *in, size_t len, char *out)
{
    static const char  a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    size_t        i, o;
    unsigned int  v;

    o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        v = (unsigned int) in[i] << 16 | (unsigned int) in[i + 1] << 8
            | in[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = a[(v >> 6) & 63];
        out[o++] = a[v & 63];
    }

    if (len - i == 1) {
        v = (unsigned int) in[i] << 16;
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];

    } else if (len - i == 2) {
        v = (unsigned int) in[i] << 16 | (unsigned int) in[i + 1] << 8;
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = a[(v >> 6) & 63];
    }

    out[o] = '\0';
}


/*
 * The test-only signer: HS* with secret, RS* with PKCS #1 v1.5, ES* with
 * the DER signature OpenSSL makes turned into R || S; "none" signs
 * nothing.
 */
static char *
sign(const char *header, const char *claims, const char *alg,
    EVP_PKEY *pkey, const void *secret, size_t secret_len)
{
    char                 *out;
    size_t                n, len, sig_len, half;
    ECDSA_SIG            *es;
    EVP_MD_CTX           *ctx;
    const BIGNUM         *r, *s;
    const EVP_MD         *md;
    unsigned int          mac_len;
    unsigned char         sig[1024], rs[132];
    const unsigned char  *p;

    len = strlen(header) + strlen(claims);
    out = malloc(len * 2 + 2048);

    b64url((const unsigned char *) header, strlen(header), out);
    n = strlen(out);
    out[n++] = '.';
    b64url((const unsigned char *) claims, strlen(claims), out + n);
    n = strlen(out);

    md = strstr(alg, "384") != NULL ? EVP_sha384()
         : strstr(alg, "512") != NULL ? EVP_sha512() : EVP_sha256();

    sig_len = 0;

    if (alg[0] == 'H') {
        HMAC(md, secret, (int) secret_len, (unsigned char *) out, n, sig,
             &mac_len);
        sig_len = mac_len;

    } else if (alg[0] == 'R' || alg[0] == 'E') {
        ctx = EVP_MD_CTX_new();
        sig_len = sizeof(sig);

        if (EVP_DigestSignInit(ctx, NULL, md, NULL, pkey) != 1
            || EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *) out, n)
               != 1)
        {
            printf("FAIL signing %s\n", alg);
            sig_len = 0;
        }

        EVP_MD_CTX_free(ctx);

        if (alg[0] == 'E' && sig_len > 0) {
            half = strstr(alg, "256") != NULL ? 32
                   : strstr(alg, "384") != NULL ? 48 : 66;
            p = sig;
            es = d2i_ECDSA_SIG(NULL, &p, (long) sig_len);
            ECDSA_SIG_get0(es, &r, &s);
            BN_bn2binpad(r, rs, (int) half);
            BN_bn2binpad(s, rs + half, (int) half);
            ECDSA_SIG_free(es);
            memcpy(sig, rs, 2 * half);
            sig_len = 2 * half;
        }
    }

    out[n++] = '.';
    b64url(sig, sig_len, out + n);

    return out;
}


static char *
tok(const char *alg, const char *kid, const char *claims, EVP_PKEY *pkey)
{
    char  header[256];

    if (kid != NULL) {
        snprintf(header, sizeof(header),
                 "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, kid);

    } else {
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
                 alg);
    }

    return sign(header, claims, alg, pkey, NULL, 0);
}


static char *
hs(const char *alg, const char *kid, const char *claims, const char *secret,
    size_t len)
{
    char  header[256];

    if (kid != NULL) {
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\"}",
                 alg, kid);

    } else {
        snprintf(header, sizeof(header), "{\"alg\":\"%s\"}", alg);
    }

    return sign(header, claims, alg, NULL, secret, len);
}


static char *
pem_of(EVP_PKEY *pkey)
{
    BIO   *bio;
    char  *data, *out;
    long   n;

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, pkey);
    n = BIO_get_mem_data(bio, &data);

    out = malloc((size_t) n + 1);
    memcpy(out, data, (size_t) n);
    out[n] = '\0';

    BIO_free(bio);

    return out;
}


static void
bn_b64(EVP_PKEY *pkey, const char *param, size_t pad, char *out)
{
    int             n;
    BIGNUM         *bn;
    unsigned char   buf[1024];

    bn = NULL;
    EVP_PKEY_get_bn_param(pkey, param, &bn);

    if (pad != 0) {
        n = BN_bn2binpad(bn, buf, (int) pad);

    } else {
        n = BN_bn2bin(bn, buf);
    }

    BN_free(bn);
    b64url(buf, (size_t) n, out);
}


/* a public JWK; extra is more members, such as ",\"alg\":\"RS256\"" */
static char *
jwk_of(EVP_PKEY *pkey, const char *kid, const char *extra)
{
    char    *out, kidm[128], a[1400], b[1400];
    size_t   pad;

    out = malloc(4096);

    kidm[0] = '\0';
    if (kid != NULL) {
        snprintf(kidm, sizeof(kidm), ",\"kid\":\"%s\"", kid);
    }

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        bn_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, a);
        bn_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0, b);
        snprintf(out, 4096, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"%s%s}",
                 a, b, kidm, extra);
        return out;
    }

    pad = EVP_PKEY_get_bits(pkey) == 256 ? 32
          : EVP_PKEY_get_bits(pkey) == 384 ? 48 : 66;

    bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, pad, a);
    bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, pad, b);
    snprintf(out, 4096, "{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\","
             "\"y\":\"%s\"%s%s}",
             pad == 32 ? "P-256" : pad == 48 ? "P-384" : "P-521", a, b, kidm,
             extra);

    return out;
}


static ngx_eda_jwt_keyset_t *
load(const char *s, char *err)
{
    err[0] = '\0';

    return ngx_eda_jwt_keyset_load((const unsigned char *) s, strlen(s), err,
                                   NGX_EDA_JWT_ERRLEN);
}


static void
policy_all(ngx_eda_jwt_policy_t *p)
{
    ngx_eda_jwt_policy_init(p);
    p->algorithms = NGX_EDA_JWT_ALGS_ALL;
}


static ngx_eda_jwt_rc_e
check(const ngx_eda_jwt_keyset_t *ks, const ngx_eda_jwt_policy_t *p,
    const char *token, const char **err)
{
    ngx_eda_jwt_rc_e      rc;
    ngx_eda_jwt_result_t  res;

    *err = NULL;

    rc = ngx_eda_jwt_verify(ks, p, token, strlen(token), NOW, &res, err);

    if (rc == NGX_EDA_JWT_OK) {
        EDA_CHECK(res.claims != NULL);
        ngx_eda_jwt_result_free(&res);

    } else {
        EDA_CHECK(res.claims == NULL);
        EDA_CHECK(*err != NULL && safe_desc(*err));
    }

    return rc;
}


static ngx_eda_jwt_rc_e
check_free(const ngx_eda_jwt_keyset_t *ks, const char *token,
    const char **err)
{
    ngx_eda_jwt_policy_t  p;

    policy_all(&p);

    return check(ks, &p, token, err);
}


/* an RFC 6750 error_description: %x20-21 / %x23-5B / %x5D-7E */
static int
safe_desc(const char *s)
{
    for ( ; *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\') {
            return 0;
        }
    }

    return 1;
}


static int
has(const char *s, const char *part)
{
    return s != NULL && strstr(s, part) != NULL;
}


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


/* header and claims base64url-encoded as given, the signature verbatim */
static char *
raw(const char *header, const char *claims, const char *sig)
{
    char  *out;

    out = malloc(strlen(header) * 2 + strlen(claims) * 2 + strlen(sig) + 8);

    b64url((const unsigned char *) header, strlen(header), out);
    strcat(out, ".");
    b64url((const unsigned char *) claims, strlen(claims),
           out + strlen(out));
    strcat(out, ".");
    strcat(out, sig);

    return out;
}


static char *
signed_by(const signer_t *by, const char *alg, const char *kid,
    const char *claims)
{
    if (by->pkey != NULL) {
        return tok(alg, kid, claims, *by->pkey);
    }

    return hs(alg, kid, claims, by->secret, strlen(by->secret));
}


/* each case signed, verified with all algorithms allowed, and judged */
static void
run_tokens(const ngx_eda_jwt_keyset_t *ks, const char *claims,
    const tok_case_t *tc, size_t n)
{
    char        *t;
    size_t       i;
    const char  *e;

    for (i = 0; i < n; i++) {
        t = signed_by(&tc[i].by, tc[i].alg, tc[i].kid, claims);

        EDA_CHECK(check_free(ks, t, &e) == tc[i].want);

        if (tc[i].msg != NULL) {
            EDA_CHECK(has(e, tc[i].msg));
        }

        free(t);
    }
}


/* the same for a JWK Set of two keys, of count keys (0: not checked) */
static void
run_set(const char *j1, const char *j2, size_t count, const char *claims,
    const tok_case_t *tc, size_t n)
{
    char                   set[12288], err[NGX_EDA_JWT_ERRLEN];
    ngx_eda_jwt_keyset_t  *ks;

    snprintf(set, sizeof(set), "{\"keys\":[%s,%s]}", j1, j2);
    ks = load(set, err);
    EDA_CHECK(ks != NULL);

    if (count != 0) {
        EDA_CHECK(ngx_eda_jwt_keyset_count(ks) == count);
    }

    run_tokens(ks, claims, tc, n);

    ngx_eda_jwt_keyset_free(ks);
}


/* a key file that must be refused, with msg (unless NULL) in the error */
static void
load_fails(const char *key, const char *msg)
{
    char                   err[NGX_EDA_JWT_ERRLEN];
    ngx_eda_jwt_keyset_t  *ks;

    ks = load(key, err);
    EDA_CHECK(ks == NULL);
    ngx_eda_jwt_keyset_free(ks);

    if (msg != NULL) {
        EDA_CHECK(has(err, msg));
    }
}


static void
load_ok(const char *key)
{
    char                   err[NGX_EDA_JWT_ERRLEN];
    ngx_eda_jwt_keyset_t  *ks;

    ks = load(key, err);
    EDA_CHECK(ks != NULL);
    ngx_eda_jwt_keyset_free(ks);
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

    test_key_restrictions(c);
}


/* what limits a key: a JWK "alg", the secret's length, "use", the kids */
static void
test_key_restrictions(const char *c)
{
    char                  *ja, *jb, *jc, set[12288];
    char                   err[NGX_EDA_JWT_ERRLEN];
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
    char    *pem, *jwk, n[1400], set[8192];
    size_t   i;

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

    test_load_pem_errors();
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


static void
test_cache(void)
{
    char                  *t, *entry, *pem, key[NGX_EDA_JWT_CACHE_KEY_LEN];
    char                   err[NGX_EDA_JWT_ERRLEN];
    size_t                 i, len;
    const char            *e;
    ngx_eda_jwt_policy_t   p;
    ngx_eda_jwt_keyset_t  *ks, *other;
    ngx_eda_jwt_result_t   res;

    static const struct {
        const char  *in;
        const char  *hex;
    } digests[] = {
        { "abc", "ba7816bf8f01cfea414140de5dae2223"
                 "b00361a396177a9cb410ff61f20015ad" },
        { "", "e3b0c44298fc1c149afbf4c8996fb924"
              "27ae41e4649b934ca495991b7852b855" }
    };

    for (i = 0; i < NELTS(digests); i++) {
        EDA_CHECK(ngx_eda_jwt_cache_key(digests[i].in, strlen(digests[i].in),
                                        key)
                  == 0);
        EDA_CHECK_STR(key, sizeof(key), digests[i].hex);
    }

    pem = pem_of(ec256);
    ks = load(pem, err);
    other = load(secret64, err);
    policy_all(&p);

    t = tok("ES256", NULL, "{\"sub\":\"s\",\"jti\":\"j\",\"exp\":1750003600,"
            "\"roles\":[\"a\",\"b\"],\"r\":0.1,\"big\":12345678901234567}",
            ec256);

    EDA_CHECK(ngx_eda_jwt_verify(ks, &p, t, strlen(t), NOW, &res, &e)
              == NGX_EDA_JWT_OK);

    /* the token never appears in the key or the entry */
    EDA_CHECK(ngx_eda_jwt_cache_key(t, strlen(t), key) == 0);

    entry = ngx_eda_jwt_result_serialize(ks, &res, &len);
    EDA_CHECK(entry != NULL);

    if (entry != NULL) {
        EDA_CHECK(len > 0 && entry[0] == '{');

        test_cache_entry(ks, other, &p, t, &res, entry, len);
        free(entry);
    }

    ngx_eda_jwt_result_free(&res);
    free(t);
    free(pem);
    ngx_eda_jwt_keyset_free(ks);
    ngx_eda_jwt_keyset_free(other);
}


/* an entry restored, checked again on a hit, and what is not an entry */
static void
test_cache_entry(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_keyset_t *other, ngx_eda_jwt_policy_t *p,
    const char *t, const ngx_eda_jwt_result_t *res, const char *entry,
    size_t len)
{
    char                  *z;
    size_t                 i;
    const char            *e;
    ngx_eda_jwt_result_t   back;

    static const struct {
        ngx_eda_jwt_algs_t   algorithms;
        time_t               now;
        ngx_eda_jwt_rc_e     want;
    } hits[] = {
        { NGX_EDA_JWT_ALGS_ALL, NOW, NGX_EDA_JWT_OK },
        { NGX_EDA_JWT_ALGS_ALL, 1750003600, NGX_EDA_JWT_EXPIRED },
        { NGX_EDA_JWT_ALGS_RS, NOW, NGX_EDA_JWT_ALG_DENIED }
    };

    z = malloc(len + 1);
    memcpy(z, entry, len);
    z[len] = '\0';
    EDA_CHECK(strstr(z, strchr(t, '.') + 1) == NULL);
    EDA_CHECK(strstr(z, "\"alg\":\"ES256\"") != NULL);
    free(z);

    EDA_CHECK(ngx_eda_jwt_result_restore(ks, entry, len, &back, &e)
              == NGX_EDA_JWT_OK);
    EDA_CHECK(json_equal(back.claims, res->claims));
    EDA_CHECK(back.alg == NGX_EDA_JWT_ES256);
    EDA_CHECK(back.exp == res->exp && back.has_exp);
    EDA_CHECK_STR(back.sub, back.sub_len, "s");
    EDA_CHECK_STR(back.jti, back.jti_len, "j");

    /* a hit is checked against the policy and the time again */
    for (i = 0; i < NELTS(hits); i++) {
        p->algorithms = hits[i].algorithms;
        EDA_CHECK(ngx_eda_jwt_check_claims(p, &back, hits[i].now, &e)
                  == hits[i].want);
    }

    policy_all(p);
    ngx_eda_jwt_result_free(&back);

    /* an entry of another key set is a miss */
    EDA_CHECK(ngx_eda_jwt_result_restore(other, entry, len, &back, &e)
              == NGX_EDA_JWT_MALFORMED);
    EDA_CHECK(back.claims == NULL);

    test_cache_misses(ks, entry, len);
}


/* anything but an intact entry of this key set is a miss */
static void
test_cache_misses(const ngx_eda_jwt_keyset_t *ks, const char *entry,
    size_t len)
{
    char                   bad[512];
    size_t                 i, n;
    const char            *e, *buf;
    ngx_eda_jwt_result_t   back;

    static const struct {
        const char        *buf;      /* NULL: the entry */
        size_t             len;      /* for the entry: bytes left out */
        ngx_eda_jwt_rc_e   want;
    } misses[] = {
        { NULL, 1, NGX_EDA_JWT_MALFORMED },
        { "", 0, NGX_EDA_JWT_MALFORMED },
        { "{\"claims\":{}}", 13, NGX_EDA_JWT_MALFORMED }
    };

    /* entries of this key set's digest (at offset 13) */
    static const struct {
        int                v;
        const char        *alg;
        const char        *claims;
        ngx_eda_jwt_rc_e   want;
        int                empty;    /* check that nothing was kept */
    } entries[] = {
        { 1, "none", "{}", NGX_EDA_JWT_MALFORMED, 0 },
        { 1, "ES256", "{\"exp\":\"x\"}", NGX_EDA_JWT_BAD_CLAIMS, 1 },
        { 2, "ES256", "{}", NGX_EDA_JWT_MALFORMED, 0 },
        { 1, "ES256", "{}", NGX_EDA_JWT_OK, 0 }
    };

    for (i = 0; i < NELTS(misses); i++) {
        buf = misses[i].buf != NULL ? misses[i].buf : entry;
        n = misses[i].buf != NULL ? misses[i].len : len - misses[i].len;

        EDA_CHECK(ngx_eda_jwt_result_restore(ks, buf, n, &back, &e)
                  == misses[i].want);
    }

    for (i = 0; i < NELTS(entries); i++) {
        snprintf(bad, sizeof(bad), "{\"v\":%d,\"ks\":\"%.64s\",\"alg\":"
                 "\"%s\",\"claims\":%s}", entries[i].v, entry + 13,
                 entries[i].alg, entries[i].claims);
        EDA_CHECK(ngx_eda_jwt_result_restore(ks, bad, strlen(bad), &back, &e)
                  == entries[i].want);

        if (entries[i].empty) {
            EDA_CHECK(back.claims == NULL);
        }

        if (entries[i].want == NGX_EDA_JWT_OK) {
            ngx_eda_jwt_result_free(&back);
        }
    }
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
    rsa_a = EVP_RSA_gen(2048);
    rsa_b = EVP_RSA_gen(2048);
    rsa_small = EVP_RSA_gen(1024);
    ec256 = EVP_EC_gen("P-256");
    ec384 = EVP_EC_gen("P-384");
    ec521 = EVP_EC_gen("P-521");

    EDA_CHECK(rsa_a != NULL && rsa_b != NULL && rsa_small != NULL);
    EDA_CHECK(ec256 != NULL && ec384 != NULL && ec521 != NULL);

    test_alg_names();
    test_parse();
    test_families();
    test_interop();
    test_known_trap();
    test_key_selection();
    test_load_errors();
    test_ecdsa_length();
    test_time_claims();
    test_iss_aud();
    test_required();
    test_results();
    test_cache();
    test_rc_mapping();

    EVP_PKEY_free(rsa_a);
    EVP_PKEY_free(rsa_b);
    EVP_PKEY_free(rsa_small);
    EVP_PKEY_free(ec256);
    EVP_PKEY_free(ec384);
    EVP_PKEY_free(ec521);

    EDA_UNIT_DONE();
}
