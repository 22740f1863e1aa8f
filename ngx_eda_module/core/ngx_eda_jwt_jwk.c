
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * JWK (RFC 7517) and JWK Set key files: each key's "use", "key_ops",
 * "kid" and "alg", its material (an oct secret, or an RSA or EC public
 * key built with OpenSSL from its members) and the refusal of private
 * keys.  The key set that receives them is in ngx_eda_jwt_keys.c.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_int.h"


static int ngx_eda_jwt_jwk_add(ngx_eda_jwt_keyset_t *ks, json_t *jwk,
    size_t index, char *err, size_t size);
static int ngx_eda_jwt_jwk_usable(json_t *jwk, char *err, size_t size);
static int ngx_eda_jwt_jwk_params(json_t *jwk, json_t **kid,
    ngx_eda_jwt_alg_e *alg, char *err, size_t size);
static int ngx_eda_jwt_jwk_key(json_t *jwk, ngx_eda_jwt_key_t *key,
    char *err, size_t size);
static int ngx_eda_jwt_jwk_oct(json_t *jwk, ngx_eda_jwt_key_t *key,
    char *err, size_t size);
static int ngx_eda_jwt_jwk_private(json_t *jwk, char *err, size_t size);
static int ngx_eda_jwt_jwk_bytes(json_t *jwk, const char *name,
    unsigned char **out, size_t *out_len, char *err, size_t size);
static EVP_PKEY *ngx_eda_jwt_jwk_rsa(json_t *jwk, char *err, size_t size);
static EVP_PKEY *ngx_eda_jwt_jwk_ec(json_t *jwk, char *err, size_t size);
static EVP_PKEY *ngx_eda_jwt_fromdata(const char *type,
    OSSL_PARAM_BLD *bld);


/* members that only a private JWK has */
static const char  *ngx_eda_jwt_private_members[] = {
    "d", "p", "q", "dp", "dq", "qi", "oth", NULL
};


int
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


/* 0: added, 1: skipped (not a signature key), -1: error in err */
static int
ngx_eda_jwt_jwk_add(ngx_eda_jwt_keyset_t *ks, json_t *jwk, size_t index,
    char *err, size_t size)
{
    int                 rc;
    json_t             *kid;
    ngx_eda_jwt_key_t   k, *key;
    ngx_eda_jwt_alg_e   alg;

    rc = ngx_eda_jwt_jwk_usable(jwk, err, size);
    if (rc != 0) {
        return rc;
    }

    if (ngx_eda_jwt_jwk_params(jwk, &kid, &alg, err, size) != 0) {
        return -1;
    }

    /* k owns what it points to until the key set does */
    memset(&k, 0, sizeof(ngx_eda_jwt_key_t));

    if (ngx_eda_jwt_jwk_key(jwk, &k, err, size) != 0) {
        goto failed;
    }

    if (alg != NGX_EDA_JWT_ALG_UNKNOWN) {
        if ((k.algs & NGX_EDA_JWT_ALG_BIT(alg)) == 0) {
            ngx_eda_jwt_seterr(err, size, "alg %s does not fit this key",
                               ngx_eda_jwt_alg_info[alg].name);
            goto failed;
        }

        k.algs = NGX_EDA_JWT_ALG_BIT(alg);
    }

    k.index = index;

    if (kid != NULL) {
        k.kid_len = json_string_length(kid);

        k.kid = malloc(k.kid_len + 1);
        if (k.kid == NULL) {
            ngx_eda_jwt_seterr(err, size, "out of memory");
            goto failed;
        }

        memcpy(k.kid, json_string_value(kid), k.kid_len + 1);
    }

    key = ngx_eda_jwt_key_add(ks);
    if (key == NULL) {
        ngx_eda_jwt_seterr(err, size, "out of memory");
        goto failed;
    }

    *key = k;

    return 0;

failed:

    ngx_eda_jwt_key_clear(&k);

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


/* "kid" (NULL when absent) and "alg" (UNKNOWN when absent) of a JWK */
static int
ngx_eda_jwt_jwk_params(json_t *jwk, json_t **kid, ngx_eda_jwt_alg_e *alg,
    char *err, size_t size)
{
    char     q[NGX_EDA_JWT_QUOTE_LEN + 4];
    json_t  *v;

    *kid = json_object_get(jwk, "kid");
    if (*kid != NULL && !json_is_string(*kid)) {
        ngx_eda_jwt_seterr(err, size, "\"kid\" is not a string");
        return -1;
    }

    *alg = NGX_EDA_JWT_ALG_UNKNOWN;

    v = json_object_get(jwk, "alg");
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        ngx_eda_jwt_seterr(err, size, "\"alg\" is not a string");
        return -1;
    }

    *alg = ngx_eda_jwt_alg_parse(json_string_value(v), json_string_length(v));

    if (*alg == NGX_EDA_JWT_ALG_UNKNOWN) {
        ngx_eda_jwt_quote(q, sizeof(q), json_string_value(v),
                          json_string_length(v));
        ngx_eda_jwt_seterr(err, size, "unsupported alg %s", q);
        return -1;
    }

    return 0;
}


/*
 * The material of a JWK by its "kty", with the algorithms it verifies;
 * on an error key may hold what was made so far, for the caller to clear.
 */
static int
ngx_eda_jwt_jwk_key(json_t *jwk, ngx_eda_jwt_key_t *key, char *err,
    size_t size)
{
    char         q[NGX_EDA_JWT_QUOTE_LEN + 4];
    size_t       len;
    json_t      *v;
    const char  *s;

    v = json_object_get(jwk, "kty");
    if (!json_is_string(v)) {
        ngx_eda_jwt_seterr(err, size, "\"kty\" missing or not a string");
        return -1;
    }

    s = json_string_value(v);
    len = json_string_length(v);

    if (ngx_eda_jwt_streq(s, len, "oct")) {
        return ngx_eda_jwt_jwk_oct(jwk, key, err, size);
    }

    if (ngx_eda_jwt_jwk_private(jwk, err, size) != 0) {
        return -1;
    }

    if (ngx_eda_jwt_streq(s, len, "RSA")) {
        key->pkey = ngx_eda_jwt_jwk_rsa(jwk, err, size);

    } else if (ngx_eda_jwt_streq(s, len, "EC")) {
        key->pkey = ngx_eda_jwt_jwk_ec(jwk, err, size);

    } else {
        ngx_eda_jwt_quote(q, sizeof(q), s, len);
        ngx_eda_jwt_seterr(err, size, "unsupported key type %s (RSA, EC "
                           "and oct are)", q);
        return -1;
    }

    if (key->pkey == NULL) {
        return -1;
    }

    return ngx_eda_jwt_pkey_algs(key->pkey, &key->kty, &key->algs, err,
                                 size);
}


static int
ngx_eda_jwt_jwk_oct(json_t *jwk, ngx_eda_jwt_key_t *key, char *err,
    size_t size)
{
    size_t  len;

    if (ngx_eda_jwt_jwk_bytes(jwk, "k", &key->secret, &len, err, size) != 0)
    {
        return -1;
    }

    key->secret_len = len;

    if (len < NGX_EDA_JWT_MIN_SECRET || len > NGX_EDA_JWT_MAX_SECRET) {
        ngx_eda_jwt_seterr(err, size, "oct key of %zu bytes: HS256 needs "
                           "at least %d bytes (256 bits)", len,
                           NGX_EDA_JWT_MIN_SECRET);
        return -1;
    }

    key->kty = NGX_EDA_JWT_KTY_OCT;
    key->algs = ngx_eda_jwt_secret_algs(len);

    return 0;
}


/* an RSA or EC JWK must not carry private key material */
static int
ngx_eda_jwt_jwk_private(json_t *jwk, char *err, size_t size)
{
    int  i;

    for (i = 0; ngx_eda_jwt_private_members[i] != NULL; i++) {
        if (json_object_get(jwk, ngx_eda_jwt_private_members[i]) != NULL) {
            ngx_eda_jwt_seterr(err, size, "holds private key material "
                               "(\"%s\"); configure the public key only",
                               ngx_eda_jwt_private_members[i]);
            return -1;
        }
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
