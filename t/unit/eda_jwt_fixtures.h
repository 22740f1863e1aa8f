
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _EDA_JWT_FIXTURES_H_INCLUDED_
#define _EDA_JWT_FIXTURES_H_INCLUDED_


/*
 * What the JWT unit tests share: keys generated with OpenSSL, a small
 * test-only signer, key files made from those keys, and the calls that
 * load a key file or verify a token and judge the outcome.  The functions
 * are static inline so that a test binary that does not call one of them
 * still compiles without warnings.
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


/* 64 bytes: every HS algorithm */
static const char  secret64[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";


static EVP_PKEY  *rsa_a, *rsa_b, *rsa_small, *ec256, *ec384, *ec521;


/* the keys of the tests, made afresh by each test binary */
static inline void
eda_jwt_keys_make(void)
{
    rsa_a = EVP_RSA_gen(2048);
    rsa_b = EVP_RSA_gen(2048);
    rsa_small = EVP_RSA_gen(1024);
    ec256 = EVP_EC_gen("P-256");
    ec384 = EVP_EC_gen("P-384");
    ec521 = EVP_EC_gen("P-521");

    EDA_CHECK(rsa_a != NULL && rsa_b != NULL && rsa_small != NULL);
    EDA_CHECK(ec256 != NULL && ec384 != NULL && ec521 != NULL);
}


static inline void
eda_jwt_keys_free(void)
{
    EVP_PKEY_free(rsa_a);
    EVP_PKEY_free(rsa_b);
    EVP_PKEY_free(rsa_small);
    EVP_PKEY_free(ec256);
    EVP_PKEY_free(ec384);
    EVP_PKEY_free(ec521);
}


static inline void
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
static inline char *
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


static inline char *
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


static inline char *
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


static inline char *
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


static inline void
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
static inline char *
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


static inline ngx_eda_jwt_keyset_t *
load(const char *s, char *err)
{
    err[0] = '\0';

    return ngx_eda_jwt_keyset_load((const unsigned char *) s, strlen(s), err,
                                   NGX_EDA_JWT_ERRLEN);
}


static inline void
policy_all(ngx_eda_jwt_policy_t *p)
{
    ngx_eda_jwt_policy_init(p);
    p->algorithms = NGX_EDA_JWT_ALGS_ALL;
}


/* an RFC 6750 error_description: %x20-21 / %x23-5B / %x5D-7E */
static inline int
safe_desc(const char *s)
{
    for ( ; *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\') {
            return 0;
        }
    }

    return 1;
}


static inline int
has(const char *s, const char *part)
{
    return s != NULL && strstr(s, part) != NULL;
}


static inline ngx_eda_jwt_rc_e
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


static inline ngx_eda_jwt_rc_e
check_free(const ngx_eda_jwt_keyset_t *ks, const char *token,
    const char **err)
{
    ngx_eda_jwt_policy_t  p;

    policy_all(&p);

    return check(ks, &p, token, err);
}


/* header and claims base64url-encoded as given, the signature verbatim */
static inline char *
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


static inline char *
signed_by(const signer_t *by, const char *alg, const char *kid,
    const char *claims)
{
    if (by->pkey != NULL) {
        return tok(alg, kid, claims, *by->pkey);
    }

    return hs(alg, kid, claims, by->secret, strlen(by->secret));
}


/* each case signed, verified with all algorithms allowed, and judged */
static inline void
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
static inline void
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
static inline void
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


static inline void
load_ok(const char *key)
{
    char                   err[NGX_EDA_JWT_ERRLEN];
    ngx_eda_jwt_keyset_t  *ks;

    ks = load(key, err);
    EDA_CHECK(ks != NULL);
    ngx_eda_jwt_keyset_free(ks);
}


#endif /* _EDA_JWT_FIXTURES_H_INCLUDED_ */
