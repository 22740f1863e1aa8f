
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Key sets: a key file recognised by its content (one PEM public key, a
 * JWK or JWK Set, or an HMAC secret) and turned into OpenSSL keys once,
 * the checks that every key and the whole set must pass, and the
 * algorithms each key may verify.  JWK parsing is in ngx_eda_jwt_jwk.c.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_int.h"


#define NGX_EDA_JWT_MAX_RSA_BITS  16384


static const unsigned char *ngx_eda_jwt_find(const unsigned char *buf,
    size_t len, const char *lit);
static int ngx_eda_jwt_load_secret(ngx_eda_jwt_keyset_t *ks,
    const unsigned char *buf, size_t len, char *err, size_t size);
static int ngx_eda_jwt_load_pem(ngx_eda_jwt_keyset_t *ks,
    const unsigned char *buf, size_t len, char *err, size_t size);
static int ngx_eda_jwt_load_check(ngx_eda_jwt_keyset_t *ks, char *err,
    size_t size);


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
void
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


/* RFC 7518 3.2: a key at least as long as the hash */
ngx_eda_jwt_algs_t
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


ngx_eda_jwt_key_t *
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


void
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


/* the algorithms an RSA or EC public key verifies; anything else fails */
int
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
