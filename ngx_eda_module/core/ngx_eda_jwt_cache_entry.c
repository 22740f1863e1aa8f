
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The cache's side of the JWT core: the cache key (a token digest) and
 * the entry format, a verified result as compact JSON tied to its key
 * set by the digest of the key file, and back.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_int.h"


#define NGX_EDA_JWT_CACHE_VERSION 1


static const char  ngx_eda_jwt_hex[] = "0123456789abcdef";


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


int
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
