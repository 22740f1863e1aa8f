
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_JWT_INT_H_INCLUDED_
#define _NGX_EDA_JWT_INT_H_INCLUDED_


#include <stddef.h>

#include <openssl/evp.h>

#include "ngx_eda_base64.h"
#include "ngx_eda_jwt.h"


/*
 * What the files of the JWT core share and nobody else sees: the
 * algorithm table, the key set's layout, and the helpers that more than
 * one of ngx_eda_jwt.c (parsing, the whole verification), _keys.c (key
 * sets), _jwk.c (JWK and JWK Set), _verify.c (signatures), _claims.c
 * (claims checks and rendering) and _cache_entry.c (the cache format)
 * call.
 */


#define NGX_EDA_JWT_KTY_OCT       1
#define NGX_EDA_JWT_KTY_RSA       2
#define NGX_EDA_JWT_KTY_EC        3

#define NGX_EDA_JWT_MAX_SECRET    65536

#define NGX_EDA_JWT_JSON_LOAD     JSON_REJECT_DUPLICATES
#define NGX_EDA_JWT_JSON_DUMP     JSON_COMPACT

/*
 * RFC 7515 2: the URL alphabet, no padding, and the unused bits of the
 * last character zero, so that every byte string has one encoding
 */
#define NGX_EDA_JWT_BASE64URL     (NGX_EDA_BASE64_URL|NGX_EDA_BASE64_STRICT)

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


/* ngx_eda_jwt.c */
int ngx_eda_jwt_streq(const char *a, size_t alen, const char *lit);

/* ngx_eda_jwt_keys.c */
void ngx_eda_jwt_seterr(char *err, size_t size, const char *fmt, ...);
void ngx_eda_jwt_quote(char *dst, size_t size, const char *src, size_t len);
ngx_eda_jwt_algs_t ngx_eda_jwt_secret_algs(size_t len);
ngx_eda_jwt_key_t *ngx_eda_jwt_key_add(ngx_eda_jwt_keyset_t *ks);
void ngx_eda_jwt_key_clear(ngx_eda_jwt_key_t *key);
int ngx_eda_jwt_pkey_algs(EVP_PKEY *pkey, int *kty, ngx_eda_jwt_algs_t *algs,
    char *err, size_t size);

/* ngx_eda_jwt_jwk.c */
int ngx_eda_jwt_load_json(ngx_eda_jwt_keyset_t *ks, const unsigned char *buf,
    size_t len, char *err, size_t size);

/* ngx_eda_jwt_claims.c */
ngx_eda_jwt_rc_e ngx_eda_jwt_result_fill(ngx_eda_jwt_result_t *res,
    const char **err);

/* ngx_eda_jwt_cache_entry.c */
int ngx_eda_jwt_sha256_hex(const void *data, size_t len, char *out);


/* indexed by ngx_eda_jwt_alg_e */
extern const ngx_eda_jwt_alg_info_t  ngx_eda_jwt_alg_info[];


#endif /* _NGX_EDA_JWT_INT_H_INCLUDED_ */
