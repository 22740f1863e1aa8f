
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The JWT core's entry: algorithm names, compact JWS parsing (the three
 * parts, the header rules, the claims object) and the whole verification
 * of a token, parse then signature then claims, with its outcomes mapped
 * to HTTP.  Key sets are in ngx_eda_jwt_keys.c and ngx_eda_jwt_jwk.c,
 * signatures in ngx_eda_jwt_verify.c, claims in ngx_eda_jwt_claims.c and
 * the cache format in ngx_eda_jwt_cache_entry.c.  Only libc, libcrypto
 * and jansson, so it is unit-tested and fuzzed without nginx.
 *
 * Why the token never chooses: a library that verifies with the token's
 * own "alg" accepts an HS256 token whose HMAC key is the bytes of the
 * configured RSA public key.  Here the allow-list and the key's type
 * decide first, and public key material is never taken as a secret.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_int.h"


static int ngx_eda_jwt_split(const char *token, size_t len, size_t *dots);
static ngx_eda_jwt_rc_e ngx_eda_jwt_header(ngx_eda_jwt_token_t *t,
    const char **err);
static ngx_eda_jwt_rc_e ngx_eda_jwt_json_part(const char *in, size_t len,
    unsigned char *buf, json_t **out, const char **err);
static int ngx_eda_jwt_typ_ok(const char *s, size_t len);
static int ngx_eda_jwt_ci_eq(const char *a, size_t alen, const char *lit);


/* indexed by ngx_eda_jwt_alg_e */
const ngx_eda_jwt_alg_info_t  ngx_eda_jwt_alg_info[] = {
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
    size_t             n, dots[2];
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

    if (ngx_eda_jwt_split(token, len, dots) != 0) {
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

    rc = ngx_eda_jwt_header(t, err);
    if (rc != NGX_EDA_JWT_OK) {
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
ngx_eda_jwt_streq(const char *a, size_t alen, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    /* alen 0 may come with a NULL pointer, which memcmp() must not see */
    return alen == n && (n == 0 || memcmp(a, lit, n) == 0);
}


/* the positions of exactly two dots; -1 for any other count */
static int
ngx_eda_jwt_split(const char *token, size_t len, size_t *dots)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (n == 2) {
                return -1;
            }

            dots[n++] = i;
        }
    }

    return n == 2 ? 0 : -1;
}


/* the JOSE header's rules: alg, kid, typ and no crit */
static ngx_eda_jwt_rc_e
ngx_eda_jwt_header(ngx_eda_jwt_token_t *t, const char **err)
{
    json_t  *v;

    v = json_object_get(t->header, "alg");
    if (!json_is_string(v)) {
        *err = "header has no alg";
        return NGX_EDA_JWT_MALFORMED;
    }

    t->alg = ngx_eda_jwt_alg_parse(json_string_value(v),
                                   json_string_length(v));

    v = json_object_get(t->header, "kid");
    if (v != NULL) {
        if (!json_is_string(v)) {
            *err = "kid must be a string";
            return NGX_EDA_JWT_MALFORMED;
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
        return NGX_EDA_JWT_MALFORMED;
    }

    /* no critical extension is understood (RFC 7515 4.1.11) */
    if (json_object_get(t->header, "crit") != NULL) {
        *err = "crit header not supported";
        return NGX_EDA_JWT_MALFORMED;
    }

    return NGX_EDA_JWT_OK;
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
