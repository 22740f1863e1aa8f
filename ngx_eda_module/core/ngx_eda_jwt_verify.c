
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Signature verification: the allow-list, the choice of the one key of
 * the set that may verify the token (by kid and algorithm), then HMAC,
 * RSA PKCS #1 v1.5 or ECDSA with OpenSSL.
 */


#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_int.h"


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
