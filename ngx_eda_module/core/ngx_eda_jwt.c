
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The JWT core: key sets (PEM, JWK, JWKS, HMAC secret) turned into OpenSSL
 * keys once at load, compact JWS parsing, verification with the algorithm
 * and key chosen by configuration, claims checks, claim rendering for
 * variables, and the cache key and cache entry format.  Only libc,
 * libcrypto and jansson, so it is unit-tested and fuzzed without nginx.
 *
 * Why the token never chooses: a library that verifies with the token's
 * own "alg" accepts an HS256 token whose HMAC key is the bytes of the
 * configured RSA public key.  Here the allow-list and the key's type
 * decide first, and public key material is never taken as a secret.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_jwt.h"


#define NGX_EDA_JWT_KTY_OCT       1
#define NGX_EDA_JWT_KTY_RSA       2
#define NGX_EDA_JWT_KTY_EC        3

#define NGX_EDA_JWT_MAX_SECRET    65536
#define NGX_EDA_JWT_MAX_RSA_BITS  16384

/* dates are kept within the doubles' exact integers */
#define NGX_EDA_JWT_DATE_MAX      9007199254740992LL
#define NGX_EDA_JWT_LEEWAY_MAX    (1LL << 30)

#define NGX_EDA_JWT_JSON_LOAD     JSON_REJECT_DUPLICATES
#define NGX_EDA_JWT_JSON_DUMP     JSON_COMPACT

/*
 * RFC 7515 2: the URL alphabet, no padding, and the unused bits of the
 * last character zero, so that every byte string has one encoding
 */
#define NGX_EDA_JWT_BASE64URL     (NGX_EDA_BASE64_URL|NGX_EDA_BASE64_STRICT)

#define NGX_EDA_JWT_CACHE_VERSION 1

/* a key name, kid or curve quoted in a load error */
#define NGX_EDA_JWT_QUOTE_LEN     64


typedef struct {
    const char      *name;
    int              kty;
    size_t           size;      /* HS: hash size; ES: coordinate size */
    int              nid;       /* ES: the curve */
    const char      *crv;       /* ES: the curve's JWK name */
    const EVP_MD  *(*md)(void);
} ngx_eda_jwt_alg_info_t;


typedef struct {
    int                  kty;
    size_t               index;      /* position in the file, from 1 */
    ngx_eda_jwt_algs_t   algs;       /* what this key may verify */
    char                *kid;
    size_t               kid_len;
    EVP_PKEY            *pkey;
    unsigned char       *secret;
    size_t               secret_len;
} ngx_eda_jwt_key_t;


struct ngx_eda_jwt_keyset_s {
    ngx_eda_jwt_key_t  *keys;
    size_t              nkeys;
    size_t              nalloc;
    int                 has_kid;
    char                id[NGX_EDA_JWT_CACHE_KEY_LEN + 1];
};


/* snprintf()-like output for value rendering */
typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
} ngx_eda_jwt_sink_t;


static int ngx_eda_jwt_streq(const char *a, size_t alen, const char *lit);
static json_t *ngx_eda_jwt_member(json_t *obj, const char *name, size_t len);
static int ngx_eda_jwt_ci_eq(const char *a, size_t alen, const char *lit);
static const unsigned char *ngx_eda_jwt_find(const unsigned char *buf,
    size_t len, const char *lit);
static void ngx_eda_jwt_seterr(char *err, size_t size, const char *fmt, ...);
static void ngx_eda_jwt_quote(char *dst, size_t size, const char *src,
    size_t len);
static int ngx_eda_jwt_sha256_hex(const void *data, size_t len, char *out);
static ngx_eda_jwt_algs_t ngx_eda_jwt_secret_algs(size_t len);
static ngx_eda_jwt_key_t *ngx_eda_jwt_key_add(ngx_eda_jwt_keyset_t *ks);
static void ngx_eda_jwt_key_clear(ngx_eda_jwt_key_t *key);
static int ngx_eda_jwt_load_secret(ngx_eda_jwt_keyset_t *ks,
    const unsigned char *buf, size_t len, char *err, size_t size);
static int ngx_eda_jwt_load_pem(ngx_eda_jwt_keyset_t *ks,
    const unsigned char *buf, size_t len, char *err, size_t size);
static int ngx_eda_jwt_load_json(ngx_eda_jwt_keyset_t *ks,
    const unsigned char *buf, size_t len, char *err, size_t size);
static int ngx_eda_jwt_load_check(ngx_eda_jwt_keyset_t *ks, char *err,
    size_t size);
static int ngx_eda_jwt_pkey_algs(EVP_PKEY *pkey, int *kty,
    ngx_eda_jwt_algs_t *algs, char *err, size_t size);
static int ngx_eda_jwt_jwk_add(ngx_eda_jwt_keyset_t *ks, json_t *jwk,
    size_t index, char *err, size_t size);
static int ngx_eda_jwt_jwk_usable(json_t *jwk, char *err, size_t size);
static int ngx_eda_jwt_jwk_bytes(json_t *jwk, const char *name,
    unsigned char **out, size_t *out_len, char *err, size_t size);
static EVP_PKEY *ngx_eda_jwt_jwk_rsa(json_t *jwk, char *err, size_t size);
static EVP_PKEY *ngx_eda_jwt_jwk_ec(json_t *jwk, char *err, size_t size);
static EVP_PKEY *ngx_eda_jwt_fromdata(const char *type,
    OSSL_PARAM_BLD *bld);
static ngx_eda_jwt_rc_e ngx_eda_jwt_json_part(const char *in, size_t len,
    unsigned char *buf, json_t **out, const char **err);
static int ngx_eda_jwt_typ_ok(const char *s, size_t len);
static ngx_eda_jwt_rc_e ngx_eda_jwt_select_key(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_token_t *t, const ngx_eda_jwt_key_t **key,
    const char **err);
static ngx_eda_jwt_rc_e ngx_eda_jwt_verify_hmac(const ngx_eda_jwt_key_t *key,
    const ngx_eda_jwt_alg_info_t *info, const ngx_eda_jwt_token_t *t,
    const char **err);
static ngx_eda_jwt_rc_e ngx_eda_jwt_verify_ecdsa(const ngx_eda_jwt_key_t *key,
    const ngx_eda_jwt_alg_info_t *info, const ngx_eda_jwt_token_t *t,
    const char **err);
static ngx_eda_jwt_rc_e ngx_eda_jwt_verify_pkey(EVP_PKEY *pkey,
    const EVP_MD *md, int rsa, const ngx_eda_jwt_token_t *t,
    const unsigned char *sig, size_t sig_len, const char **err);
static int ngx_eda_jwt_date(const json_t *v, int round_up, long long *out);
static ngx_eda_jwt_rc_e ngx_eda_jwt_result_fill(ngx_eda_jwt_result_t *res,
    const char **err);
static int ngx_eda_jwt_aud_ok(const ngx_eda_jwt_policy_t *policy,
    const json_t *aud);
static int ngx_eda_jwt_claim_matches(const json_t *v, const char *value,
    size_t len);
static int ngx_eda_jwt_scalar_matches(const json_t *v, const char *value,
    size_t len);
static size_t ngx_eda_jwt_number(const json_t *v, char *out, size_t size);
static void ngx_eda_jwt_sink_put(ngx_eda_jwt_sink_t *s, const char *p,
    size_t n);
static int ngx_eda_jwt_render_scalar(ngx_eda_jwt_sink_t *s, const json_t *v);


/* indexed by ngx_eda_jwt_alg_e */
static const ngx_eda_jwt_alg_info_t  ngx_eda_jwt_alg_info[] = {
    { NULL, 0, 0, NID_undef, NULL, NULL },
    { "HS256", NGX_EDA_JWT_KTY_OCT, 32, NID_undef, NULL, EVP_sha256 },
    { "HS384", NGX_EDA_JWT_KTY_OCT, 48, NID_undef, NULL, EVP_sha384 },
    { "HS512", NGX_EDA_JWT_KTY_OCT, 64, NID_undef, NULL, EVP_sha512 },
    { "RS256", NGX_EDA_JWT_KTY_RSA, 0, NID_undef, NULL, EVP_sha256 },
    { "RS384", NGX_EDA_JWT_KTY_RSA, 0, NID_undef, NULL, EVP_sha384 },
    { "RS512", NGX_EDA_JWT_KTY_RSA, 0, NID_undef, NULL, EVP_sha512 },
    { "ES256", NGX_EDA_JWT_KTY_EC, 32, NID_X9_62_prime256v1, "P-256",
      EVP_sha256 },
    { "ES384", NGX_EDA_JWT_KTY_EC, 48, NID_secp384r1, "P-384",
      EVP_sha384 },
    { "ES512", NGX_EDA_JWT_KTY_EC, 66, NID_secp521r1, "P-521",
      EVP_sha512 }
};


/* members that only a private JWK has */
static const char  *ngx_eda_jwt_private_members[] = {
    "d", "p", "q", "dp", "dq", "qi", "oth", NULL
};


static const char  ngx_eda_jwt_hex[] = "0123456789abcdef";


ngx_eda_jwt_alg_e
ngx_eda_jwt_alg_parse(const char *name, size_t len)
{
    int  i;

    for (i = 1; i <= NGX_EDA_JWT_ALG_LAST; i++) {
        if (ngx_eda_jwt_streq(name, len, ngx_eda_jwt_alg_info[i].name)) {
            return (ngx_eda_jwt_alg_e) i;
        }
    }

    return NGX_EDA_JWT_ALG_UNKNOWN;
}


const char *
ngx_eda_jwt_alg_name(ngx_eda_jwt_alg_e alg)
{
    if (alg <= NGX_EDA_JWT_ALG_UNKNOWN || alg > NGX_EDA_JWT_ALG_LAST) {
        return NULL;
    }

    return ngx_eda_jwt_alg_info[alg].name;
}


ngx_eda_jwt_keyset_t *
ngx_eda_jwt_keyset_load(const unsigned char *buf, size_t len, char *err,
    size_t err_size)
{
    int                    rc;
    size_t                 i;
    ngx_eda_jwt_keyset_t  *ks;

    ks = calloc(1, sizeof(ngx_eda_jwt_keyset_t));
    if (ks == NULL) {
        ngx_eda_jwt_seterr(err, err_size, "out of memory");
        return NULL;
    }

    if (ngx_eda_jwt_sha256_hex(buf, len, ks->id) != 0) {
        ngx_eda_jwt_seterr(err, err_size, "SHA-256 of the key file failed");
        goto failed;
    }

    ks->id[NGX_EDA_JWT_CACHE_KEY_LEN] = '\0';

    for (i = 0; i < len; i++) {
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r'
            && buf[i] != '\n')
        {
            break;
        }
    }

    if (ngx_eda_jwt_find(buf, len, "-----BEGIN ") != NULL) {
        rc = ngx_eda_jwt_load_pem(ks, buf, len, err, err_size);

    } else if (i < len && buf[i] == '{') {
        rc = ngx_eda_jwt_load_json(ks, buf, len, err, err_size);

    } else if (i < len && buf[i] == '[') {
        ngx_eda_jwt_seterr(err, err_size, "key file is a JSON array; a JWK "
                           "Set is an object: {\"keys\":[...]}");
        rc = -1;

    } else {
        rc = ngx_eda_jwt_load_secret(ks, buf, len, err, err_size);
    }

    if (rc != 0 || ngx_eda_jwt_load_check(ks, err, err_size) != 0) {
        goto failed;
    }

    /* nothing of a load may surface later as another module's error */
    ERR_clear_error();

    return ks;

failed:

    ngx_eda_jwt_keyset_free(ks);
    ERR_clear_error();

    return NULL;
}


void
ngx_eda_jwt_keyset_free(ngx_eda_jwt_keyset_t *ks)
{
    size_t  i;

    if (ks == NULL) {
        return;
    }

    for (i = 0; i < ks->nkeys; i++) {
        ngx_eda_jwt_key_clear(&ks->keys[i]);
    }

    free(ks->keys);
    free(ks);
}


size_t
ngx_eda_jwt_keyset_count(const ngx_eda_jwt_keyset_t *ks)
{
    return ks != NULL ? ks->nkeys : 0;
}


ngx_eda_jwt_algs_t
ngx_eda_jwt_keyset_algs(const ngx_eda_jwt_keyset_t *ks)
{
    size_t              i;
    ngx_eda_jwt_algs_t  algs;

    algs = 0;

    for (i = 0; ks != NULL && i < ks->nkeys; i++) {
        algs |= ks->keys[i].algs;
    }

    return algs;
}


void
ngx_eda_jwt_policy_init(ngx_eda_jwt_policy_t *policy)
{
    memset(policy, 0, sizeof(ngx_eda_jwt_policy_t));

    policy->max_token_len = NGX_EDA_JWT_MAX_TOKEN;
    policy->require_exp = 1;
}


ngx_eda_jwt_rc_e
ngx_eda_jwt_parse(const char *token, size_t len, size_t max_len,
    ngx_eda_jwt_token_t *t, const char **err)
{
    size_t             i, n, dots[2];
    json_t            *v;
    unsigned char     *buf;
    ngx_eda_jwt_rc_e   rc;

    memset(t, 0, sizeof(ngx_eda_jwt_token_t));

    if (max_len == 0) {
        max_len = NGX_EDA_JWT_MAX_TOKEN;
    }

    if (len > max_len) {
        *err = "token too long";
        return NGX_EDA_JWT_MALFORMED;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (n == 2) {
                *err = "token must have three parts";
                return NGX_EDA_JWT_MALFORMED;
            }

            dots[n++] = i;
        }
    }

    if (n != 2) {
        *err = "token must have three parts";
        return NGX_EDA_JWT_MALFORMED;
    }

    /* any part decodes to fewer bytes than the whole token has */
    buf = malloc(len + 1);
    if (buf == NULL) {
        *err = "out of memory";
        return NGX_EDA_JWT_ERROR;
    }

    rc = ngx_eda_jwt_json_part(token, dots[0], buf, &t->header, err);
    if (rc != NGX_EDA_JWT_OK) {
        goto failed;
    }

    rc = NGX_EDA_JWT_MALFORMED;

    v = json_object_get(t->header, "alg");
    if (!json_is_string(v)) {
        *err = "header has no alg";
        goto failed;
    }

    t->alg = ngx_eda_jwt_alg_parse(json_string_value(v),
                                   json_string_length(v));

    v = json_object_get(t->header, "kid");
    if (v != NULL) {
        if (!json_is_string(v)) {
            *err = "kid must be a string";
            goto failed;
        }

        t->kid = json_string_value(v);
        t->kid_len = json_string_length(v);
    }

    v = json_object_get(t->header, "typ");
    if (v != NULL
        && (!json_is_string(v)
            || !ngx_eda_jwt_typ_ok(json_string_value(v),
                                   json_string_length(v))))
    {
        *err = "unsupported typ";
        goto failed;
    }

    /* no critical extension is understood (RFC 7515 4.1.11) */
    if (json_object_get(t->header, "crit") != NULL) {
        *err = "crit header not supported";
        goto failed;
    }

    rc = ngx_eda_jwt_json_part(token + dots[0] + 1, dots[1] - dots[0] - 1,
                               buf, &t->claims, err);
    if (rc != NGX_EDA_JWT_OK) {
        goto failed;
    }

    if (ngx_eda_base64_decode(token + dots[1] + 1, len - dots[1] - 1,
                              buf, &n, NGX_EDA_JWT_BASE64URL)
        != 0)
    {
        *err = "token is not base64url";
        rc = NGX_EDA_JWT_MALFORMED;
        goto failed;
    }

    t->sig = buf;
    t->sig_len = n;
    t->signed_data = token;
    t->signed_len = dots[1];

    return NGX_EDA_JWT_OK;

failed:

    free(buf);
    ngx_eda_jwt_token_free(t);

    return rc;
}


void
ngx_eda_jwt_token_free(ngx_eda_jwt_token_t *t)
{
    json_decref(t->header);
    json_decref(t->claims);
    free(t->sig);

    memset(t, 0, sizeof(ngx_eda_jwt_token_t));
}


ngx_eda_jwt_rc_e
ngx_eda_jwt_verify_signature(const ngx_eda_jwt_keyset_t *ks,
    ngx_eda_jwt_algs_t algorithms, const ngx_eda_jwt_token_t *t,
    const char **err)
{
    ngx_eda_jwt_rc_e               rc;
    const ngx_eda_jwt_key_t       *key;
    const ngx_eda_jwt_alg_info_t  *info;

    if (t->alg == NGX_EDA_JWT_ALG_UNKNOWN
        || (algorithms & NGX_EDA_JWT_ALG_BIT(t->alg)) == 0)
    {
        *err = "algorithm not allowed";
        return NGX_EDA_JWT_ALG_DENIED;
    }

    rc = ngx_eda_jwt_select_key(ks, t, &key, err);
    if (rc != NGX_EDA_JWT_OK) {
        return rc;
    }

    info = &ngx_eda_jwt_alg_info[t->alg];

    /* select_key() matched the key's type to the algorithm's */
    switch (info->kty) {

    case NGX_EDA_JWT_KTY_OCT:
        rc = ngx_eda_jwt_verify_hmac(key, info, t, err);
        break;

    case NGX_EDA_JWT_KTY_RSA:
        rc = ngx_eda_jwt_verify_pkey(key->pkey, info->md(), 1, t, t->sig,
                                     t->sig_len, err);
        break;

    default: /* NGX_EDA_JWT_KTY_EC */
        rc = ngx_eda_jwt_verify_ecdsa(key, info, t, err);
        break;
    }

    ERR_clear_error();

    return rc;
}


ngx_eda_jwt_rc_e
ngx_eda_jwt_check_claims(const ngx_eda_jwt_policy_t *policy,
    const ngx_eda_jwt_result_t *res, time_t now, const char **err)
{
    size_t                          i;
    json_t                         *v;
    long long                       t, leeway;
    const ngx_eda_jwt_claim_req_t  *req;

    if (res->alg == NGX_EDA_JWT_ALG_UNKNOWN
        || (policy->algorithms & NGX_EDA_JWT_ALG_BIT(res->alg)) == 0)
    {
        *err = "algorithm not allowed";
        return NGX_EDA_JWT_ALG_DENIED;
    }

    leeway = (long long) policy->leeway;

    if (leeway < 0) {
        leeway = 0;

    } else if (leeway > NGX_EDA_JWT_LEEWAY_MAX) {
        leeway = NGX_EDA_JWT_LEEWAY_MAX;
    }

    t = (long long) now;

    if (t > NGX_EDA_JWT_DATE_MAX) {
        t = NGX_EDA_JWT_DATE_MAX;

    } else if (t < -NGX_EDA_JWT_DATE_MAX) {
        t = -NGX_EDA_JWT_DATE_MAX;
    }

    if (res->has_exp) {
        /* RFC 7519 4.1.4: valid only before exp */
        if (t >= res->exp + leeway) {
            *err = "token expired";
            return NGX_EDA_JWT_EXPIRED;
        }

    } else if (policy->require_exp) {
        *err = "token has no exp claim";
        return NGX_EDA_JWT_BAD_CLAIMS;
    }

    if (res->has_nbf && res->nbf > t + leeway) {
        *err = "token not yet valid";
        return NGX_EDA_JWT_NOT_YET_VALID;
    }

    if (res->has_iat && res->iat > t + leeway) {
        *err = "token issued in the future";
        return NGX_EDA_JWT_NOT_YET_VALID;
    }

    if (policy->issuer != NULL) {
        v = json_object_get(res->claims, "iss");

        if (!json_is_string(v)
            || json_string_length(v) != policy->issuer_len
            || memcmp(json_string_value(v), policy->issuer,
                      policy->issuer_len)
               != 0)
        {
            *err = "invalid issuer";
            return NGX_EDA_JWT_BAD_CLAIMS;
        }
    }

    if (policy->naudiences > 0
        && !ngx_eda_jwt_aud_ok(policy, json_object_get(res->claims, "aud")))
    {
        *err = "invalid audience";
        return NGX_EDA_JWT_BAD_CLAIMS;
    }

    for (i = 0; i < policy->nrequired; i++) {
        req = &policy->required[i];

        v = ngx_eda_jwt_member(res->claims, req->name, req->name_len);

        if (v == NULL
            || !ngx_eda_jwt_claim_matches(v, req->value, req->value_len))
        {
            *err = "required claim mismatch";
            return NGX_EDA_JWT_FORBIDDEN;
        }
    }

    return NGX_EDA_JWT_OK;
}


ngx_eda_jwt_rc_e
ngx_eda_jwt_verify(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_policy_t *policy, const char *token, size_t len,
    time_t now, ngx_eda_jwt_result_t *res, const char **err)
{
    ngx_eda_jwt_rc_e     rc;
    ngx_eda_jwt_token_t  t;

    memset(res, 0, sizeof(ngx_eda_jwt_result_t));

    rc = ngx_eda_jwt_parse(token, len, policy->max_token_len, &t, err);
    if (rc != NGX_EDA_JWT_OK) {
        return rc;
    }

    rc = ngx_eda_jwt_verify_signature(ks, policy->algorithms, &t, err);
    if (rc != NGX_EDA_JWT_OK) {
        goto done;
    }

    /* the claims move from the token to the result */
    res->claims = t.claims;
    res->alg = t.alg;
    t.claims = NULL;

    rc = ngx_eda_jwt_result_fill(res, err);
    if (rc != NGX_EDA_JWT_OK) {
        goto done;
    }

    rc = ngx_eda_jwt_check_claims(policy, res, now, err);

done:

    if (rc != NGX_EDA_JWT_OK) {
        ngx_eda_jwt_result_free(res);
    }

    ngx_eda_jwt_token_free(&t);

    return rc;
}


void
ngx_eda_jwt_result_free(ngx_eda_jwt_result_t *res)
{
    json_decref(res->claims);

    memset(res, 0, sizeof(ngx_eda_jwt_result_t));
}


int
ngx_eda_jwt_rc_status(ngx_eda_jwt_rc_e rc)
{
    switch (rc) {

    case NGX_EDA_JWT_OK:
        return 0;

    case NGX_EDA_JWT_FORBIDDEN:
        return 403;

    case NGX_EDA_JWT_ERROR:
        return 500;

    default:
        return 401;
    }
}


const char *
ngx_eda_jwt_rc_error(ngx_eda_jwt_rc_e rc)
{
    switch (ngx_eda_jwt_rc_status(rc)) {

    case 401:
        return "invalid_token";

    case 403:
        return "insufficient_scope";

    default:
        return NULL;
    }
}


int
ngx_eda_jwt_value_render(const json_t *v, char *buf, size_t size,
    size_t *len)
{
    size_t               i, n;
    const json_t        *e;
    ngx_eda_jwt_sink_t   s;

    *len = 0;

    if (v == NULL || json_is_null(v)) {
        return 1;
    }

    if (json_is_object(v)) {
        /* json_dumpb() never writes beyond size and returns the length */
        n = json_dumpb(v, buf, size, NGX_EDA_JWT_JSON_DUMP);
        if (n == 0) {
            return -1;
        }

        *len = n;
        return 0;
    }

    s.buf = buf;
    s.size = buf != NULL ? size : 0;
    s.len = 0;

    if (json_is_array(v)) {
        n = 0;

        for (i = 0; i < json_array_size(v); i++) {
            e = json_array_get(v, i);

            if (json_is_string(e) || json_is_number(e) || json_is_boolean(e))
            {
                if (n++ > 0) {
                    ngx_eda_jwt_sink_put(&s, ",", 1);
                }

                (void) ngx_eda_jwt_render_scalar(&s, e);
            }
        }

    } else {
        (void) ngx_eda_jwt_render_scalar(&s, v);
    }

    *len = s.len;

    return 0;
}


int
ngx_eda_jwt_claim_render(const ngx_eda_jwt_result_t *res, const char *name,
    size_t name_len, char *buf, size_t size, size_t *len)
{
    *len = 0;

    if (res->claims == NULL) {
        return 1;
    }

    return ngx_eda_jwt_value_render(ngx_eda_jwt_member(res->claims, name,
                                                       name_len),
                                    buf, size, len);
}


int
ngx_eda_jwt_claim_dup(const ngx_eda_jwt_result_t *res, const char *name,
    size_t name_len, char **out, size_t *len)
{
    int      rc;
    char    *buf;
    size_t   n;

    *out = NULL;
    *len = 0;

    rc = ngx_eda_jwt_claim_render(res, name, name_len, NULL, 0, &n);
    if (rc != 0) {
        return rc;
    }

    buf = malloc(n + 1);
    if (buf == NULL) {
        return -1;
    }

    rc = ngx_eda_jwt_claim_render(res, name, name_len, buf, n + 1, &n);
    if (rc != 0) {
        free(buf);
        return rc;
    }

    buf[n] = '\0';

    *out = buf;
    *len = n;

    return 0;
}


int
ngx_eda_jwt_cache_key(const char *token, size_t len, char *out)
{
    return ngx_eda_jwt_sha256_hex(token, len, out);
}


char *
ngx_eda_jwt_result_serialize(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_result_t *res, size_t *len)
{
    char        *buf;
    size_t       n;
    json_t      *entry;
    const char  *alg;

    alg = ngx_eda_jwt_alg_name(res->alg);

    if (alg == NULL || res->claims == NULL) {
        return NULL;
    }

    entry = json_object();
    if (entry == NULL) {
        return NULL;
    }

    buf = NULL;

    if (json_object_set_new(entry, "v", json_integer(NGX_EDA_JWT_CACHE_VERSION))
        != 0
        || json_object_set_new(entry, "ks", json_string(ks->id)) != 0
        || json_object_set_new(entry, "alg", json_string(alg)) != 0
        || json_object_set(entry, "claims", res->claims) != 0)
    {
        goto done;
    }

    n = json_dumpb(entry, NULL, 0, NGX_EDA_JWT_JSON_DUMP);
    if (n == 0) {
        goto done;
    }

    buf = malloc(n);
    if (buf == NULL) {
        goto done;
    }

    if (json_dumpb(entry, buf, n, NGX_EDA_JWT_JSON_DUMP) != n) {
        free(buf);
        buf = NULL;
        goto done;
    }

    *len = n;

done:

    json_decref(entry);

    return buf;
}


ngx_eda_jwt_rc_e
ngx_eda_jwt_result_restore(const ngx_eda_jwt_keyset_t *ks, const char *buf,
    size_t len, ngx_eda_jwt_result_t *res, const char **err)
{
    json_t            *entry, *v, *claims;
    json_error_t       jerr;
    ngx_eda_jwt_rc_e   rc;
    ngx_eda_jwt_alg_e  alg;

    memset(res, 0, sizeof(ngx_eda_jwt_result_t));

    entry = json_loadb(buf, len, NGX_EDA_JWT_JSON_LOAD, &jerr);
    if (entry == NULL) {
        if (json_error_code(&jerr) == json_error_out_of_memory) {
            *err = "out of memory";
            return NGX_EDA_JWT_ERROR;
        }

        *err = "not a cache entry";
        return NGX_EDA_JWT_MALFORMED;
    }

    rc = NGX_EDA_JWT_MALFORMED;
    *err = "not a cache entry";

    v = json_object_get(entry, "v");
    if (!json_is_integer(v)
        || json_integer_value(v) != NGX_EDA_JWT_CACHE_VERSION)
    {
        goto done;
    }

    v = json_object_get(entry, "ks");
    if (!json_is_string(v)
        || !ngx_eda_jwt_streq(json_string_value(v), json_string_length(v),
                              ks->id))
    {
        *err = "cache entry of another key set";
        goto done;
    }

    v = json_object_get(entry, "alg");
    if (!json_is_string(v)) {
        goto done;
    }

    alg = ngx_eda_jwt_alg_parse(json_string_value(v), json_string_length(v));

    claims = json_object_get(entry, "claims");

    if (alg == NGX_EDA_JWT_ALG_UNKNOWN || !json_is_object(claims)) {
        goto done;
    }

    res->claims = json_incref(claims);
    res->alg = alg;

    rc = ngx_eda_jwt_result_fill(res, err);
    if (rc != NGX_EDA_JWT_OK) {
        ngx_eda_jwt_result_free(res);
    }

done:

    json_decref(entry);

    return rc;
}


static int
ngx_eda_jwt_streq(const char *a, size_t alen, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    /* alen 0 may come with a NULL pointer, which memcmp() must not see */
    return alen == n && (n == 0 || memcmp(a, lit, n) == 0);
}


/*
 * A member by (pointer, length) name; json_object_getn() would do, but
 * only from jansson 2.14.  Names never hold NUL: the parser refuses it.
 */
static json_t *
ngx_eda_jwt_member(json_t *obj, const char *name, size_t len)
{
    void        *it;
    const char  *key;

    for (it = json_object_iter(obj);
         it != NULL;
         it = json_object_iter_next(obj, it))
    {
        key = json_object_iter_key(it);

        if (strlen(key) == len && (len == 0 || memcmp(key, name, len) == 0))
        {
            return json_object_iter_value(it);
        }
    }

    return NULL;
}


static int
ngx_eda_jwt_ci_eq(const char *a, size_t alen, const char *lit)
{
    size_t         i;
    unsigned char  c;

    if (alen != strlen(lit)) {
        return 0;
    }

    for (i = 0; i < alen; i++) {
        c = (unsigned char) a[i];

        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char) (c - 'A' + 'a');
        }

        if (c != (unsigned char) lit[i]) {
            return 0;
        }
    }

    return 1;
}


static const unsigned char *
ngx_eda_jwt_find(const unsigned char *buf, size_t len, const char *lit)
{
    size_t  i, n;

    n = strlen(lit);

    for (i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, lit, n) == 0) {
            return buf + i;
        }
    }

    return NULL;
}


static void
ngx_eda_jwt_seterr(char *err, size_t size, const char *fmt, ...)
{
    va_list  args;

    if (err == NULL || size == 0) {
        return;
    }

    va_start(args, fmt);
    (void) vsnprintf(err, size, fmt, args);
    va_end(args);
}


/* names from a key file in messages: printable, bounded, no quotes */
static void
ngx_eda_jwt_quote(char *dst, size_t size, const char *src, size_t len)
{
    size_t         i, n;
    unsigned char  c;

    n = 0;

    for (i = 0; i < len && i < NGX_EDA_JWT_QUOTE_LEN && n + 1 < size; i++) {
        c = (unsigned char) src[i];

        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            c = '?';
        }

        dst[n++] = (char) c;
    }

    if (i < len && n + 4 < size) {
        memcpy(dst + n, "...", 3);
        n += 3;
    }

    dst[n] = '\0';
}


static int
ngx_eda_jwt_sha256_hex(const void *data, size_t len, char *out)
{
    unsigned int   i, n;
    unsigned char  md[EVP_MAX_MD_SIZE];

    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        ERR_clear_error();
        return -1;
    }

    for (i = 0; i < n; i++) {
        out[2 * i] = ngx_eda_jwt_hex[md[i] >> 4];
        out[2 * i + 1] = ngx_eda_jwt_hex[md[i] & 0x0f];
    }

    return 0;
}


/* RFC 7518 3.2: a key at least as long as the hash */
static ngx_eda_jwt_algs_t
ngx_eda_jwt_secret_algs(size_t len)
{
    int                 i;
    ngx_eda_jwt_algs_t  algs;

    algs = 0;

    for (i = NGX_EDA_JWT_HS256; i <= NGX_EDA_JWT_HS512; i++) {
        if (len >= ngx_eda_jwt_alg_info[i].size) {
            algs |= NGX_EDA_JWT_ALG_BIT(i);
        }
    }

    return algs;
}


static ngx_eda_jwt_key_t *
ngx_eda_jwt_key_add(ngx_eda_jwt_keyset_t *ks)
{
    size_t              n;
    ngx_eda_jwt_key_t  *keys;

    if (ks->nkeys == ks->nalloc) {
        n = ks->nalloc != 0 ? ks->nalloc * 2 : 4;

        keys = realloc(ks->keys, n * sizeof(ngx_eda_jwt_key_t));
        if (keys == NULL) {
            return NULL;
        }

        ks->keys = keys;
        ks->nalloc = n;
    }

    keys = &ks->keys[ks->nkeys++];

    memset(keys, 0, sizeof(ngx_eda_jwt_key_t));

    return keys;
}


static void
ngx_eda_jwt_key_clear(ngx_eda_jwt_key_t *key)
{
    EVP_PKEY_free(key->pkey);

    if (key->secret != NULL) {
        OPENSSL_cleanse(key->secret, key->secret_len);
        free(key->secret);
    }

    free(key->kid);

    memset(key, 0, sizeof(ngx_eda_jwt_key_t));
}


static int
ngx_eda_jwt_load_secret(ngx_eda_jwt_keyset_t *ks, const unsigned char *buf,
    size_t len, char *err, size_t size)
{
    ngx_eda_jwt_key_t  *key;

    /* an editor's final newline is not part of the secret */
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        len--;
    }

    if (len == 0) {
        ngx_eda_jwt_seterr(err, size, "key file is empty");
        return -1;
    }

    if (len < NGX_EDA_JWT_MIN_SECRET) {
        ngx_eda_jwt_seterr(err, size, "HMAC secret of %zu bytes is too "
                           "short: HS256 needs at least %d bytes (256 bits)",
                           len, NGX_EDA_JWT_MIN_SECRET);
        return -1;
    }

    if (len > NGX_EDA_JWT_MAX_SECRET) {
        ngx_eda_jwt_seterr(err, size, "HMAC secret longer than %d bytes",
                           NGX_EDA_JWT_MAX_SECRET);
        return -1;
    }

    key = ngx_eda_jwt_key_add(ks);
    if (key == NULL) {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        return -1;
    }

    key->index = 1;
    key->kty = NGX_EDA_JWT_KTY_OCT;
    key->algs = ngx_eda_jwt_secret_algs(len);

    key->secret = malloc(len);
    if (key->secret == NULL) {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        return -1;
    }

    memcpy(key->secret, buf, len);
    key->secret_len = len;

    return 0;
}


static int
ngx_eda_jwt_load_pem(ngx_eda_jwt_keyset_t *ks, const unsigned char *buf,
    size_t len, char *err, size_t size)
{
    int                   kty;
    char                  label[NGX_EDA_JWT_QUOTE_LEN + 4];
    size_t                n, rest, llen;
    EVP_PKEY             *pkey;
    ngx_eda_jwt_key_t    *key;
    ngx_eda_jwt_algs_t    algs;
    OSSL_DECODER_CTX     *dctx;
    const unsigned char  *begin, *p, *end;

    begin = ngx_eda_jwt_find(buf, len, "-----BEGIN ");
    rest = len - (size_t) (begin - buf);

    if (ngx_eda_jwt_find(begin + 11, rest - 11, "-----BEGIN ") != NULL) {
        ngx_eda_jwt_seterr(err, size, "key file holds several PEM blocks; "
                           "use a JWK Set for several keys");
        return -1;
    }

    p = begin + 11;
    end = ngx_eda_jwt_find(p, rest - 11, "-----");

    if (end == NULL || ngx_eda_jwt_find(p, (size_t) (end - p), "\n") != NULL)
    {
        ngx_eda_jwt_seterr(err, size, "key file has a broken PEM header");
        return -1;
    }

    llen = (size_t) (end - p);

    ngx_eda_jwt_quote(label, sizeof(label), (const char *) p, llen);

    if (!ngx_eda_jwt_streq((const char *) p, llen, "PUBLIC KEY")
        && !ngx_eda_jwt_streq((const char *) p, llen, "RSA PUBLIC KEY"))
    {
        if (ngx_eda_jwt_find(p, llen, "PRIVATE KEY") != NULL) {
            ngx_eda_jwt_seterr(err, size, "key file holds a private key "
                               "(%s); configure the public key only", label);

        } else if (ngx_eda_jwt_find(p, llen, "CERTIFICATE") != NULL) {
            ngx_eda_jwt_seterr(err, size, "key file holds a certificate; "
                               "extract its public key with "
                               "\"openssl x509 -pubkey -noout\"");

        } else {
            ngx_eda_jwt_seterr(err, size, "unsupported PEM block \"%s\"",
                               label);
        }

        return -1;
    }

    pkey = NULL;

    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL,
                                         EVP_PKEY_PUBLIC_KEY, NULL, NULL);
    if (dctx == NULL) {
        ngx_eda_jwt_seterr(err, size, "OpenSSL decoder unavailable");
        return -1;
    }

    p = begin;
    n = rest;

    if (OSSL_DECODER_from_data(dctx, &p, &n) != 1 || pkey == NULL) {
        OSSL_DECODER_CTX_free(dctx);
        EVP_PKEY_free(pkey);
        ngx_eda_jwt_seterr(err, size, "PEM %s: not a valid public key",
                           label);
        return -1;
    }

    OSSL_DECODER_CTX_free(dctx);

    if (ngx_eda_jwt_pkey_algs(pkey, &kty, &algs, label, sizeof(label)) != 0)
    {
        EVP_PKEY_free(pkey);
        ngx_eda_jwt_seterr(err, size, "PEM public key: %s", label);
        return -1;
    }

    key = ngx_eda_jwt_key_add(ks);
    if (key == NULL) {
        EVP_PKEY_free(pkey);
        ngx_eda_jwt_seterr(err, size, "out of memory");
        return -1;
    }

    key->index = 1;
    key->kty = kty;
    key->algs = algs;
    key->pkey = pkey;

    return 0;
}


static int
ngx_eda_jwt_load_json(ngx_eda_jwt_keyset_t *ks, const unsigned char *buf,
    size_t len, char *err, size_t size)
{
    int            rc;
    char           detail[NGX_EDA_JWT_ERRLEN], kid[NGX_EDA_JWT_QUOTE_LEN + 4];
    size_t         i;
    json_t        *root, *keys, *jwk, *v;
    json_error_t   jerr;

    root = json_loadb((const char *) buf, len, NGX_EDA_JWT_JSON_LOAD, &jerr);
    if (root == NULL) {
        /* jansson's text may quote the input: line and column only */
        ngx_eda_jwt_seterr(err, size, "key file is not valid JSON (line %d, "
                           "column %d)", jerr.line, jerr.column);
        return -1;
    }

    rc = -1;

    keys = json_object_get(root, "keys");

    if (keys != NULL) {
        if (!json_is_array(keys)) {
            ngx_eda_jwt_seterr(err, size, "JWKS \"keys\" is not an array");
            goto done;
        }

        for (i = 0; i < json_array_size(keys); i++) {
            jwk = json_array_get(keys, i);

            if (!json_is_object(jwk)) {
                ngx_eda_jwt_seterr(err, size, "JWKS key %zu: not a JSON "
                                   "object", i + 1);
                goto done;
            }

            if (ngx_eda_jwt_jwk_add(ks, jwk, i + 1, detail, sizeof(detail))
                < 0)
            {
                v = json_object_get(jwk, "kid");

                if (json_is_string(v)) {
                    ngx_eda_jwt_quote(kid, sizeof(kid), json_string_value(v),
                                      json_string_length(v));
                    ngx_eda_jwt_seterr(err, size, "JWKS key %zu (kid \"%s\"): "
                                       "%s", i + 1, kid, detail);

                } else {
                    ngx_eda_jwt_seterr(err, size, "JWKS key %zu: %s", i + 1,
                                       detail);
                }

                goto done;
            }
        }

        if (ks->nkeys == 0) {
            ngx_eda_jwt_seterr(err, size, "JWKS has no signature "
                               "verification key");
            goto done;
        }

    } else if (json_object_get(root, "kty") != NULL) {
        rc = ngx_eda_jwt_jwk_add(ks, root, 1, detail, sizeof(detail));

        if (rc < 0) {
            ngx_eda_jwt_seterr(err, size, "JWK: %s", detail);
            goto done;
        }

        if (rc > 0) {
            ngx_eda_jwt_seterr(err, size, "JWK is not a signature "
                               "verification key (\"use\" or \"key_ops\")");
            rc = -1;
            goto done;
        }

    } else {
        ngx_eda_jwt_seterr(err, size, "JSON key file is neither a JWK Set "
                           "({\"keys\":[...]}) nor a JWK (\"kty\")");
        goto done;
    }

    rc = 0;

done:

    json_decref(root);

    return rc;
}


/*
 * Whole-set rules: two keys of one kid must not serve the same algorithm,
 * so that a kid always names at most one key for a token.
 */
static int
ngx_eda_jwt_load_check(ngx_eda_jwt_keyset_t *ks, char *err, size_t size)
{
    char                q[NGX_EDA_JWT_QUOTE_LEN + 4];
    size_t              i, j;
    ngx_eda_jwt_key_t  *a, *b;

    for (i = 0; i < ks->nkeys; i++) {
        a = &ks->keys[i];

        if (a->kid == NULL) {
            continue;
        }

        ks->has_kid = 1;

        for (j = i + 1; j < ks->nkeys; j++) {
            b = &ks->keys[j];

            if (b->kid != NULL && a->kid_len == b->kid_len
                && memcmp(a->kid, b->kid, a->kid_len) == 0
                && (a->algs & b->algs) != 0)
            {
                ngx_eda_jwt_quote(q, sizeof(q), a->kid, a->kid_len);
                ngx_eda_jwt_seterr(err, size, "JWKS keys %zu and %zu share "
                                   "kid \"%s\" for the same algorithm",
                                   a->index, b->index, q);
                return -1;
            }
        }
    }

    return 0;
}


/* the algorithms an RSA or EC public key verifies; anything else fails */
static int
ngx_eda_jwt_pkey_algs(EVP_PKEY *pkey, int *kty, ngx_eda_jwt_algs_t *algs,
    char *err, size_t size)
{
    int            i, bits, nid, ok;
    char           name[80];
    size_t         n;
    BIGNUM        *e;
    const char    *type;
    EVP_PKEY_CTX  *ctx;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        bits = EVP_PKEY_get_bits(pkey);

        if (bits < NGX_EDA_JWT_MIN_RSA_BITS) {
            ngx_eda_jwt_seterr(err, size, "RSA key of %d bits is too weak: "
                               "at least %d bits are required", bits,
                               NGX_EDA_JWT_MIN_RSA_BITS);
            return -1;
        }

        if (bits > NGX_EDA_JWT_MAX_RSA_BITS) {
            ngx_eda_jwt_seterr(err, size, "RSA key of %d bits is larger than "
                               "%d bits", bits, NGX_EDA_JWT_MAX_RSA_BITS);
            return -1;
        }

        e = NULL;

        if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
            ngx_eda_jwt_seterr(err, size, "RSA key without an exponent");
            return -1;
        }

        /* a huge exponent would make every verification slow */
        ok = BN_is_odd(e) && !BN_is_one(e) && BN_num_bits(e) <= 256;
        BN_free(e);

        if (!ok) {
            ngx_eda_jwt_seterr(err, size, "invalid RSA public exponent");
            return -1;
        }

        *kty = NGX_EDA_JWT_KTY_RSA;
        *algs = NGX_EDA_JWT_ALGS_RS;

        return 0;
    }

    if (!EVP_PKEY_is_a(pkey, "EC")) {
        type = EVP_PKEY_get0_type_name(pkey);

        ngx_eda_jwt_seterr(err, size, "unsupported key type %s (RSA and EC "
                           "keys are)", type != NULL ? type : "unknown");
        return -1;
    }

    if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &n) != 1) {
        ngx_eda_jwt_seterr(err, size, "EC key without a named curve");
        return -1;
    }

    nid = OBJ_sn2nid(name);

    for (i = NGX_EDA_JWT_ES256; i <= NGX_EDA_JWT_ES512; i++) {
        if (nid != NID_undef && ngx_eda_jwt_alg_info[i].nid == nid) {
            break;
        }
    }

    if (i > NGX_EDA_JWT_ES512) {
        ngx_eda_jwt_seterr(err, size, "unsupported curve %s (P-256, P-384 "
                           "and P-521 are)", name);
        return -1;
    }

    /* the point must be on the curve */
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL) {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        return -1;
    }

    ok = EVP_PKEY_public_check(ctx);
    EVP_PKEY_CTX_free(ctx);

    if (ok != 1) {
        ngx_eda_jwt_seterr(err, size, "invalid EC public key");
        return -1;
    }

    *kty = NGX_EDA_JWT_KTY_EC;
    *algs = NGX_EDA_JWT_ALG_BIT(i);

    return 0;
}


/* 0: added, 1: skipped (not a signature key), -1: error in err */
static int
ngx_eda_jwt_jwk_add(ngx_eda_jwt_keyset_t *ks, json_t *jwk, size_t index,
    char *err, size_t size)
{
    int                  i, kty, rc;
    char                 q[NGX_EDA_JWT_QUOTE_LEN + 4];
    size_t               len;
    json_t              *v, *kid;
    EVP_PKEY            *pkey;
    const char          *s;
    unsigned char       *secret;
    ngx_eda_jwt_key_t   *key;
    ngx_eda_jwt_alg_e    alg;
    ngx_eda_jwt_algs_t   algs;

    rc = ngx_eda_jwt_jwk_usable(jwk, err, size);
    if (rc != 0) {
        return rc;
    }

    kid = json_object_get(jwk, "kid");
    if (kid != NULL && !json_is_string(kid)) {
        ngx_eda_jwt_seterr(err, size, "\"kid\" is not a string");
        return -1;
    }

    alg = NGX_EDA_JWT_ALG_UNKNOWN;

    v = json_object_get(jwk, "alg");
    if (v != NULL) {
        if (!json_is_string(v)) {
            ngx_eda_jwt_seterr(err, size, "\"alg\" is not a string");
            return -1;
        }

        alg = ngx_eda_jwt_alg_parse(json_string_value(v),
                                    json_string_length(v));

        if (alg == NGX_EDA_JWT_ALG_UNKNOWN) {
            ngx_eda_jwt_quote(q, sizeof(q), json_string_value(v),
                              json_string_length(v));
            ngx_eda_jwt_seterr(err, size, "unsupported alg %s", q);
            return -1;
        }
    }

    v = json_object_get(jwk, "kty");
    if (!json_is_string(v)) {
        ngx_eda_jwt_seterr(err, size, "\"kty\" missing or not a string");
        return -1;
    }

    s = json_string_value(v);
    len = json_string_length(v);

    pkey = NULL;
    secret = NULL;
    kty = 0;
    algs = 0;

    if (ngx_eda_jwt_streq(s, len, "oct")) {
        if (ngx_eda_jwt_jwk_bytes(jwk, "k", &secret, &len, err, size) != 0) {
            return -1;
        }

        if (len < NGX_EDA_JWT_MIN_SECRET || len > NGX_EDA_JWT_MAX_SECRET) {
            OPENSSL_cleanse(secret, len);
            free(secret);
            ngx_eda_jwt_seterr(err, size, "oct key of %zu bytes: HS256 needs "
                               "at least %d bytes (256 bits)", len,
                               NGX_EDA_JWT_MIN_SECRET);
            return -1;
        }

        kty = NGX_EDA_JWT_KTY_OCT;
        algs = ngx_eda_jwt_secret_algs(len);

    } else {
        for (i = 0; ngx_eda_jwt_private_members[i] != NULL; i++) {
            if (json_object_get(jwk, ngx_eda_jwt_private_members[i]) != NULL)
            {
                ngx_eda_jwt_seterr(err, size, "holds private key material "
                                   "(\"%s\"); configure the public key only",
                                   ngx_eda_jwt_private_members[i]);
                return -1;
            }
        }

        if (ngx_eda_jwt_streq(s, len, "RSA")) {
            pkey = ngx_eda_jwt_jwk_rsa(jwk, err, size);

        } else if (ngx_eda_jwt_streq(s, len, "EC")) {
            pkey = ngx_eda_jwt_jwk_ec(jwk, err, size);

        } else {
            ngx_eda_jwt_quote(q, sizeof(q), s, len);
            ngx_eda_jwt_seterr(err, size, "unsupported key type %s (RSA, EC "
                               "and oct are)", q);
            return -1;
        }

        if (pkey == NULL) {
            return -1;
        }

        if (ngx_eda_jwt_pkey_algs(pkey, &kty, &algs, err, size) != 0) {
            EVP_PKEY_free(pkey);
            return -1;
        }
    }

    if (alg != NGX_EDA_JWT_ALG_UNKNOWN) {
        if ((algs & NGX_EDA_JWT_ALG_BIT(alg)) == 0) {
            ngx_eda_jwt_seterr(err, size, "alg %s does not fit this key",
                               ngx_eda_jwt_alg_info[alg].name);
            goto failed;
        }

        algs = NGX_EDA_JWT_ALG_BIT(alg);
    }

    key = ngx_eda_jwt_key_add(ks);
    if (key == NULL) {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        goto failed;
    }

    key->index = index;
    key->kty = kty;
    key->algs = algs;
    key->pkey = pkey;
    key->secret = secret;
    key->secret_len = secret != NULL ? len : 0;

    if (kid != NULL) {
        key->kid_len = json_string_length(kid);

        /* the key owns what it points to from now on */
        key->kid = malloc(key->kid_len + 1);
        if (key->kid == NULL) {
            ngx_eda_jwt_seterr(err, size, "out of memory");
            return -1;
        }

        memcpy(key->kid, json_string_value(kid), key->kid_len + 1);
    }

    return 0;

failed:

    EVP_PKEY_free(pkey);

    if (secret != NULL) {
        OPENSSL_cleanse(secret, len);
        free(secret);
    }

    return -1;
}


/* "use" and "key_ops" (RFC 7517 4.2, 4.3): 0 usable, 1 skip, -1 error */
static int
ngx_eda_jwt_jwk_usable(json_t *jwk, char *err, size_t size)
{
    size_t   i;
    json_t  *v, *op;

    v = json_object_get(jwk, "use");
    if (v != NULL) {
        if (!json_is_string(v)) {
            ngx_eda_jwt_seterr(err, size, "\"use\" is not a string");
            return -1;
        }

        if (!ngx_eda_jwt_streq(json_string_value(v), json_string_length(v),
                               "sig"))
        {
            return 1;
        }
    }

    v = json_object_get(jwk, "key_ops");
    if (v != NULL) {
        if (!json_is_array(v)) {
            ngx_eda_jwt_seterr(err, size, "\"key_ops\" is not an array");
            return -1;
        }

        for (i = 0; i < json_array_size(v); i++) {
            op = json_array_get(v, i);

            if (json_is_string(op)
                && ngx_eda_jwt_streq(json_string_value(op),
                                     json_string_length(op), "verify"))
            {
                return 0;
            }
        }

        return 1;
    }

    return 0;
}


/*
 * A base64url member of a JWK into a malloc()ed buffer.  Padding is
 * tolerated here (the file is configuration, not attacker input).
 */
static int
ngx_eda_jwt_jwk_bytes(json_t *jwk, const char *name, unsigned char **out,
    size_t *out_len, char *err, size_t size)
{
    size_t          len;
    json_t         *v;
    const char     *s;
    unsigned char  *buf;

    v = json_object_get(jwk, name);
    if (!json_is_string(v)) {
        ngx_eda_jwt_seterr(err, size, "\"%s\" missing or not a string", name);
        return -1;
    }

    s = json_string_value(v);
    len = json_string_length(v);

    if (len > 0 && s[len - 1] == '=') {
        len--;

        if (len > 0 && s[len - 1] == '=') {
            len--;
        }
    }

    if (len == 0) {
        ngx_eda_jwt_seterr(err, size, "\"%s\" is empty", name);
        return -1;
    }

    buf = malloc(len);
    if (buf == NULL) {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        return -1;
    }

    if (ngx_eda_base64_decode(s, len, buf, out_len, NGX_EDA_JWT_BASE64URL)
        != 0)
    {
        free(buf);
        ngx_eda_jwt_seterr(err, size, "\"%s\" is not base64url", name);
        return -1;
    }

    *out = buf;

    return 0;
}


static EVP_PKEY *
ngx_eda_jwt_jwk_rsa(json_t *jwk, char *err, size_t size)
{
    size_t           nlen, elen;
    BIGNUM          *n, *e;
    EVP_PKEY        *pkey;
    unsigned char   *nbuf, *ebuf;
    OSSL_PARAM_BLD  *bld;

    nbuf = NULL;
    ebuf = NULL;
    n = NULL;
    e = NULL;
    bld = NULL;
    pkey = NULL;

    if (ngx_eda_jwt_jwk_bytes(jwk, "n", &nbuf, &nlen, err, size) != 0
        || ngx_eda_jwt_jwk_bytes(jwk, "e", &ebuf, &elen, err, size) != 0)
    {
        goto done;
    }

    n = BN_bin2bn(nbuf, (int) nlen, NULL);
    e = BN_bin2bn(ebuf, (int) elen, NULL);
    bld = OSSL_PARAM_BLD_new();

    if (n == NULL || e == NULL || bld == NULL
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
    {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        goto done;
    }

    pkey = ngx_eda_jwt_fromdata("RSA", bld);
    if (pkey == NULL) {
        ngx_eda_jwt_seterr(err, size, "invalid RSA key");
    }

done:

    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    free(nbuf);
    free(ebuf);

    return pkey;
}


static EVP_PKEY *
ngx_eda_jwt_jwk_ec(json_t *jwk, char *err, size_t size)
{
    int                            i;
    char                           q[NGX_EDA_JWT_QUOTE_LEN + 4];
    size_t                         xlen, ylen, n;
    json_t                        *crv;
    EVP_PKEY                      *pkey;
    unsigned char                 *x, *y, pub[1 + 2 * 66];
    OSSL_PARAM_BLD                *bld;
    const ngx_eda_jwt_alg_info_t  *info;

    crv = json_object_get(jwk, "crv");
    if (!json_is_string(crv)) {
        ngx_eda_jwt_seterr(err, size, "\"crv\" missing or not a string");
        return NULL;
    }

    info = NULL;

    for (i = NGX_EDA_JWT_ES256; i <= NGX_EDA_JWT_ES512; i++) {
        if (ngx_eda_jwt_streq(json_string_value(crv), json_string_length(crv),
                              ngx_eda_jwt_alg_info[i].crv))
        {
            info = &ngx_eda_jwt_alg_info[i];
            break;
        }
    }

    if (info == NULL) {
        ngx_eda_jwt_quote(q, sizeof(q), json_string_value(crv),
                          json_string_length(crv));
        ngx_eda_jwt_seterr(err, size, "unsupported curve %s (P-256, P-384 "
                           "and P-521 are)", q);
        return NULL;
    }

    x = NULL;
    y = NULL;
    bld = NULL;
    pkey = NULL;

    if (ngx_eda_jwt_jwk_bytes(jwk, "x", &x, &xlen, err, size) != 0
        || ngx_eda_jwt_jwk_bytes(jwk, "y", &y, &ylen, err, size) != 0)
    {
        goto done;
    }

    n = info->size;

    /* RFC 7518 6.2.1.2: the full coordinate length, leading zeros kept */
    if (xlen != n || ylen != n) {
        ngx_eda_jwt_seterr(err, size, "%s coordinates must be %zu bytes",
                           info->crv, n);
        goto done;
    }

    pub[0] = 0x04;
    memcpy(pub + 1, x, n);
    memcpy(pub + 1 + n, y, n);

    bld = OSSL_PARAM_BLD_new();

    if (bld == NULL
        || OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                           OBJ_nid2sn(info->nid), 0)
           != 1
        || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                            pub, 1 + 2 * n)
           != 1)
    {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        goto done;
    }

    pkey = ngx_eda_jwt_fromdata("EC", bld);
    if (pkey == NULL) {
        ngx_eda_jwt_seterr(err, size, "invalid %s point", info->crv);
    }

done:

    OSSL_PARAM_BLD_free(bld);
    free(x);
    free(y);

    return pkey;
}


static EVP_PKEY *
ngx_eda_jwt_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY      *pkey;
    OSSL_PARAM    *params;
    EVP_PKEY_CTX  *ctx;

    pkey = NULL;

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);

    if (params == NULL || ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);

    return pkey;
}


/* one base64url part that must be a JSON object; buf holds len bytes */
static ngx_eda_jwt_rc_e
ngx_eda_jwt_json_part(const char *in, size_t len, unsigned char *buf,
    json_t **out, const char **err)
{
    size_t        n;
    json_t       *v;
    json_error_t  jerr;

    if (ngx_eda_base64_decode(in, len, buf, &n, NGX_EDA_JWT_BASE64URL) != 0) {
        *err = "token is not base64url";
        return NGX_EDA_JWT_MALFORMED;
    }

    v = json_loadb((const char *) buf, n, NGX_EDA_JWT_JSON_LOAD, &jerr);

    if (v == NULL) {
        if (json_error_code(&jerr) == json_error_out_of_memory) {
            *err = "out of memory";
            return NGX_EDA_JWT_ERROR;
        }

        *err = "token part is not a JSON object";
        return NGX_EDA_JWT_MALFORMED;
    }

    if (!json_is_object(v)) {
        json_decref(v);
        *err = "token part is not a JSON object";
        return NGX_EDA_JWT_MALFORMED;
    }

    *out = v;

    return NGX_EDA_JWT_OK;
}


/* RFC 7515 4.1.9: a typ without '/' means "application/" + typ */
static int
ngx_eda_jwt_typ_ok(const char *s, size_t len)
{
    if (len > 12 && ngx_eda_jwt_ci_eq(s, 12, "application/")) {
        s += 12;
        len -= 12;
    }

    return ngx_eda_jwt_ci_eq(s, len, "jwt") || ngx_eda_jwt_ci_eq(s, len,
                                                                "at+jwt");
}


static ngx_eda_jwt_rc_e
ngx_eda_jwt_select_key(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_token_t *t, const ngx_eda_jwt_key_t **key,
    const char **err)
{
    int                       by_kid, kid_seen;
    size_t                    i, n;
    const ngx_eda_jwt_key_t  *k, *match;

    if (ks == NULL) {
        *err = "no key for the algorithm";
        return NGX_EDA_JWT_NO_KEY;
    }

    by_kid = t->kid != NULL && ks->has_kid;
    kid_seen = 0;
    match = NULL;
    n = 0;

    for (i = 0; i < ks->nkeys; i++) {
        k = &ks->keys[i];

        if (by_kid) {
            if (k->kid == NULL || k->kid_len != t->kid_len
                || memcmp(k->kid, t->kid, t->kid_len) != 0)
            {
                continue;
            }

            kid_seen = 1;
        }

        if ((k->algs & NGX_EDA_JWT_ALG_BIT(t->alg)) == 0) {
            continue;
        }

        match = k;
        n++;
    }

    if (by_kid && !kid_seen) {
        *err = "unknown key id";
        return NGX_EDA_JWT_NO_KEY;
    }

    if (n == 0) {
        *err = "no key for the algorithm";
        return NGX_EDA_JWT_NO_KEY;
    }

    if (n > 1) {
        /* load_check() makes this impossible with a kid */
        *err = "key id required";
        return NGX_EDA_JWT_NO_KEY;
    }

    *key = match;

    return NGX_EDA_JWT_OK;
}


static ngx_eda_jwt_rc_e
ngx_eda_jwt_verify_hmac(const ngx_eda_jwt_key_t *key,
    const ngx_eda_jwt_alg_info_t *info, const ngx_eda_jwt_token_t *t,
    const char **err)
{
    int            ok;
    unsigned int   n;
    unsigned char  mac[EVP_MAX_MD_SIZE];

    if (HMAC(info->md(), key->secret, (int) key->secret_len,
             (const unsigned char *) t->signed_data, t->signed_len, mac, &n)
        == NULL)
    {
        *err = "HMAC failed";
        return NGX_EDA_JWT_ERROR;
    }

    ok = t->sig_len == n && CRYPTO_memcmp(mac, t->sig, n) == 0;

    OPENSSL_cleanse(mac, sizeof(mac));

    if (!ok) {
        *err = "signature verification failed";
        return NGX_EDA_JWT_BAD_SIGNATURE;
    }

    return NGX_EDA_JWT_OK;
}


/*
 * JWS carries an ECDSA signature as R || S, each the curve's full size
 * (RFC 7518 3.4); OpenSSL verifies the DER form of ECDSA-Sig-Value.
 */
static ngx_eda_jwt_rc_e
ngx_eda_jwt_verify_ecdsa(const ngx_eda_jwt_key_t *key,
    const ngx_eda_jwt_alg_info_t *info, const ngx_eda_jwt_token_t *t,
    const char **err)
{
    int                n;
    BIGNUM            *r, *s;
    ECDSA_SIG         *es;
    unsigned char     *p, der[256];
    ngx_eda_jwt_rc_e   rc;

    if (t->sig_len != 2 * info->size) {
        *err = "signature has the wrong length";
        return NGX_EDA_JWT_BAD_SIGNATURE;
    }

    r = BN_bin2bn(t->sig, (int) info->size, NULL);
    s = BN_bin2bn(t->sig + info->size, (int) info->size, NULL);
    es = ECDSA_SIG_new();

    if (r == NULL || s == NULL || es == NULL || ECDSA_SIG_set0(es, r, s) != 1)
    {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        *err = "out of memory";
        return NGX_EDA_JWT_ERROR;
    }

    /* es owns r and s now */
    n = i2d_ECDSA_SIG(es, NULL);

    if (n <= 0 || (size_t) n > sizeof(der)) {
        ECDSA_SIG_free(es);
        *err = "ECDSA signature encoding failed";
        return NGX_EDA_JWT_ERROR;
    }

    p = der;
    n = i2d_ECDSA_SIG(es, &p);

    ECDSA_SIG_free(es);

    if (n <= 0) {
        *err = "ECDSA signature encoding failed";
        return NGX_EDA_JWT_ERROR;
    }

    rc = ngx_eda_jwt_verify_pkey(key->pkey, info->md(), 0, t, der,
                                 (size_t) n, err);

    return rc;
}


static ngx_eda_jwt_rc_e
ngx_eda_jwt_verify_pkey(EVP_PKEY *pkey, const EVP_MD *md, int rsa,
    const ngx_eda_jwt_token_t *t, const unsigned char *sig, size_t sig_len,
    const char **err)
{
    int            ok;
    EVP_MD_CTX    *ctx;
    EVP_PKEY_CTX  *pctx;

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        *err = "out of memory";
        return NGX_EDA_JWT_ERROR;
    }

    pctx = NULL;

    if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1
        || (rsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING)
                   != 1))
    {
        EVP_MD_CTX_free(ctx);
        *err = "signature verification setup failed";
        return NGX_EDA_JWT_ERROR;
    }

    ok = EVP_DigestVerify(ctx, sig, sig_len,
                          (const unsigned char *) t->signed_data,
                          t->signed_len);

    EVP_MD_CTX_free(ctx);

    if (ok != 1) {
        *err = "signature verification failed";
        return NGX_EDA_JWT_BAD_SIGNATURE;
    }

    return NGX_EDA_JWT_OK;
}


/*
 * A NumericDate (RFC 7519 2): a JSON integer or real, clamped to the
 * doubles' exact integers and rounded to whole seconds as asked.
 */
static int
ngx_eda_jwt_date(const json_t *v, int round_up, long long *out)
{
    double     d;
    long long  n;

    if (json_is_integer(v)) {
        n = (long long) json_integer_value(v);

        if (n > NGX_EDA_JWT_DATE_MAX) {
            n = NGX_EDA_JWT_DATE_MAX;

        } else if (n < -NGX_EDA_JWT_DATE_MAX) {
            n = -NGX_EDA_JWT_DATE_MAX;
        }

        *out = n;
        return 0;
    }

    if (!json_is_real(v)) {
        return -1;
    }

    d = json_real_value(v);

    /* also false for NaN, which jansson never produces */
    if (!(d <= (double) NGX_EDA_JWT_DATE_MAX)) {
        if (d > 0) {
            *out = NGX_EDA_JWT_DATE_MAX;
            return 0;
        }

        return -1;
    }

    if (d < (double) -NGX_EDA_JWT_DATE_MAX) {
        *out = -NGX_EDA_JWT_DATE_MAX;
        return 0;
    }

    n = (long long) d;

    if (round_up && (double) n < d) {
        n++;

    } else if (!round_up && (double) n > d) {
        n--;
    }

    *out = n;

    return 0;
}


static ngx_eda_jwt_rc_e
ngx_eda_jwt_result_fill(ngx_eda_jwt_result_t *res, const char **err)
{
    json_t  *v;

    v = json_object_get(res->claims, "exp");
    if (v != NULL) {
        if (ngx_eda_jwt_date(v, 0, &res->exp) != 0) {
            *err = "invalid exp claim";
            return NGX_EDA_JWT_BAD_CLAIMS;
        }

        res->has_exp = 1;
    }

    v = json_object_get(res->claims, "nbf");
    if (v != NULL) {
        if (ngx_eda_jwt_date(v, 1, &res->nbf) != 0) {
            *err = "invalid nbf claim";
            return NGX_EDA_JWT_BAD_CLAIMS;
        }

        res->has_nbf = 1;
    }

    v = json_object_get(res->claims, "iat");
    if (v != NULL) {
        if (ngx_eda_jwt_date(v, 1, &res->iat) != 0) {
            *err = "invalid iat claim";
            return NGX_EDA_JWT_BAD_CLAIMS;
        }

        res->has_iat = 1;
    }

    v = json_object_get(res->claims, "sub");
    if (json_is_string(v)) {
        res->sub = json_string_value(v);
        res->sub_len = json_string_length(v);
    }

    v = json_object_get(res->claims, "jti");
    if (json_is_string(v)) {
        res->jti = json_string_value(v);
        res->jti_len = json_string_length(v);
    }

    return NGX_EDA_JWT_OK;
}


/* RFC 7519 4.1.3: aud is one string or an array of strings */
static int
ngx_eda_jwt_aud_ok(const ngx_eda_jwt_policy_t *policy, const json_t *aud)
{
    size_t         i, j, n;
    const char    *s;
    const json_t  *v;

    n = json_is_array(aud) ? json_array_size(aud) : 1;

    for (i = 0; i < n; i++) {
        v = json_is_array(aud) ? json_array_get(aud, i) : aud;

        if (!json_is_string(v)) {
            continue;
        }

        s = json_string_value(v);

        for (j = 0; j < policy->naudiences; j++) {
            if (json_string_length(v) == policy->audience_lens[j]
                && memcmp(s, policy->audiences[j], policy->audience_lens[j])
                   == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


static int
ngx_eda_jwt_claim_matches(const json_t *v, const char *value, size_t len)
{
    size_t  i;

    if (!json_is_array(v)) {
        return ngx_eda_jwt_scalar_matches(v, value, len);
    }

    for (i = 0; i < json_array_size(v); i++) {
        if (ngx_eda_jwt_scalar_matches(json_array_get(v, i), value, len)) {
            return 1;
        }
    }

    return 0;
}


static int
ngx_eda_jwt_scalar_matches(const json_t *v, const char *value, size_t len)
{
    char        buf[48];
    size_t      n;
    const char  *s;

    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);

    } else if (json_is_number(v)) {
        s = buf;
        n = ngx_eda_jwt_number(v, buf, sizeof(buf));

    } else if (json_is_true(v)) {
        s = "true";
        n = 4;

    } else if (json_is_false(v)) {
        s = "false";
        n = 5;

    } else {
        return 0;
    }

    return n == len && (n == 0 || memcmp(s, value, n) == 0);
}


/*
 * Canonical text of a number: integers in decimal; reals that are whole
 * and exact as integers without a fraction; other reals in the shortest
 * %g precision that reads back to the same double.
 */
static size_t
ngx_eda_jwt_number(const json_t *v, char *out, size_t size)
{
    int        prec, n;
    double     d;
    long long  i;

    if (json_is_integer(v)) {
        n = snprintf(out, size, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        return n > 0 ? (size_t) n : 0;
    }

    d = json_real_value(v);

    if (d >= (double) -NGX_EDA_JWT_DATE_MAX
        && d <= (double) NGX_EDA_JWT_DATE_MAX)
    {
        i = (long long) d;

        if ((double) i == d) {
            n = snprintf(out, size, "%lld", i);
            return n > 0 ? (size_t) n : 0;
        }
    }

    n = 0;

    for (prec = 1; prec <= 17; prec++) {
        n = snprintf(out, size, "%.*g", prec, d);

        if (strtod(out, NULL) == d) {
            break;
        }
    }

    return n > 0 ? (size_t) n : 0;
}


static void
ngx_eda_jwt_sink_put(ngx_eda_jwt_sink_t *s, const char *p, size_t n)
{
    size_t  m;

    if (s->len < s->size) {
        m = s->size - s->len;

        if (m > n) {
            m = n;
        }

        memcpy(s->buf + s->len, p, m);
    }

    s->len += n;
}


static int
ngx_eda_jwt_render_scalar(ngx_eda_jwt_sink_t *s, const json_t *v)
{
    char    buf[48];
    size_t  n;

    if (json_is_string(v)) {
        ngx_eda_jwt_sink_put(s, json_string_value(v), json_string_length(v));

    } else if (json_is_number(v)) {
        n = ngx_eda_jwt_number(v, buf, sizeof(buf));
        ngx_eda_jwt_sink_put(s, buf, n);

    } else if (json_is_true(v)) {
        ngx_eda_jwt_sink_put(s, "true", 4);

    } else if (json_is_false(v)) {
        ngx_eda_jwt_sink_put(s, "false", 5);

    } else {
        return 0;
    }

    return 1;
}
