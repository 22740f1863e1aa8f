
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the JWT core.  The input is a token: it is parsed
 * (split, base64url, header and claims JSON), its signature checked
 * against a fixed key set (an HMAC secret, an RSA and a P-256 key, with
 * kids), and it goes through the whole verification with a policy that
 * checks every claim.  The claims of any token that parses also go
 * through the cache entry format and back, the claims checks and the
 * renderer, signature or not.  The input is finally loaded as a key file.
 * Invariants that would hide a bug abort.
 * Run it with "./build.sh fuzz jwt [seconds]".
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_jwt.h"


#define FUZZ_JWT_NOW  1750000000


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_jwt_init(void);
static void fuzz_jwt_parsed(const char *s, size_t size);
static void fuzz_jwt_claims(json_t *claims);
static void fuzz_jwt_verified(const char *s, size_t size);
static void fuzz_jwt_render(const ngx_eda_jwt_result_t *res);
static void fuzz_jwt_desc(const char *err);
static void fuzz_jwt_fail(const char *what, const char *err);


/* the public half of the keys that signed the seed corpus */
static const char  fuzz_jwt_jwks[] =
    "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"hs\",\"k\":\"ZnV6ei1zZWNyZXQ"
    "tZnV6ei1zZWNyZXQtZnV6ei1zZWNyZXQtMDEyMw\"},{\"kty\":\"RSA\",\"n\":"
    "\"7C3YoDDga5Ko4Z-2_In-uEBm6bSyHtXu5IwAb4INDPRDYEE5NgKaVRhd1foBeacS"
    "ezbG9SlFyaKzQheLFeJkfMkiddYUiiulz1204RF7VN4qXPFI-F_InIuBwK9KA22B4w"
    "QtkjdhZAmjyyGmgm51OWsCg1PVWBy5i-K_NKx3Eob2uLSmGa7EPFq_7VKFEXQ1Euoq"
    "O0wmOlzVX171vpl5TmVyCOrjUDa8vib2rHmUsnwXuIng5yqbyTvc_yd_CAcCjtiO88"
    "1wJgjtK3HMYBzKDMahAtclAbBZytJz36_BPpDDFeB-Oo8KTusGdBGRzkayMv8P0TYo"
    "k_fE24rY_5H7cQ\",\"e\":\"AQAB\",\"kid\":\"rs\"},{\"kty\":\"EC\",\""
    "crv\":\"P-256\",\"x\":\"A01wZ4nffhfz28YKaY-K04z2G5dz_6A6Ksy4LQusyi"
    "M\",\"y\":\"Ab5z-jeyLFF0sPXaLK7kbzudnfaCLykNEbBQ0CEUqso\",\"kid\":"
    "\"es\"}]}";


static ngx_eda_jwt_keyset_t     *fuzz_jwt_ks;
static ngx_eda_jwt_policy_t      fuzz_jwt_policy;

static const char               *fuzz_jwt_aud[] = { "eda" };
static const size_t              fuzz_jwt_aud_len[] = { 3 };

static ngx_eda_jwt_claim_req_t   fuzz_jwt_req[] = {
    { "role", 4, "admin", 5 },
    { "roles", 5, "3", 1 }
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  err[NGX_EDA_JWT_ERRLEN];
    const char           *s;
    ngx_eda_jwt_keyset_t  *ks;

    if (fuzz_jwt_ks == NULL) {
        fuzz_jwt_init();
    }

    s = (const char *) data;

    fuzz_jwt_parsed(s, size);
    fuzz_jwt_verified(s, size);

    err[0] = '\0';

    ks = ngx_eda_jwt_keyset_load(data, size, err, sizeof(err));

    if (ks == NULL) {
        if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
            fuzz_jwt_fail("keyset_load error report", err);
        }

    } else {
        if (ngx_eda_jwt_keyset_count(ks) == 0
            || ngx_eda_jwt_keyset_algs(ks) == 0
            || (ngx_eda_jwt_keyset_algs(ks) & ~NGX_EDA_JWT_ALGS_ALL) != 0)
        {
            fuzz_jwt_fail("keyset_load of an empty key set", NULL);
        }

        ngx_eda_jwt_keyset_free(ks);
    }

    return 0;
}


static void
fuzz_jwt_init(void)
{
    char  err[NGX_EDA_JWT_ERRLEN];

    fuzz_jwt_ks = ngx_eda_jwt_keyset_load(
                      (const unsigned char *) fuzz_jwt_jwks,
                      sizeof(fuzz_jwt_jwks) - 1, err, sizeof(err));
    if (fuzz_jwt_ks == NULL) {
        fuzz_jwt_fail("fixed key set", err);
    }

    ngx_eda_jwt_policy_init(&fuzz_jwt_policy);

    fuzz_jwt_policy.algorithms = NGX_EDA_JWT_ALGS_ALL;
    fuzz_jwt_policy.leeway = 60;
    fuzz_jwt_policy.issuer = "https://idp.example";
    fuzz_jwt_policy.issuer_len = 19;
    fuzz_jwt_policy.audiences = fuzz_jwt_aud;
    fuzz_jwt_policy.audience_lens = fuzz_jwt_aud_len;
    fuzz_jwt_policy.naudiences = 1;
    fuzz_jwt_policy.required = fuzz_jwt_req;
    fuzz_jwt_policy.nrequired = 2;
}


static void
fuzz_jwt_parsed(const char *s, size_t size)
{
    const char           *err;
    ngx_eda_jwt_rc_e      rc;
    ngx_eda_jwt_token_t   t;

    err = NULL;

    rc = ngx_eda_jwt_parse(s, size, 0, &t, &err);

    if (rc != NGX_EDA_JWT_OK) {
        if (rc != NGX_EDA_JWT_MALFORMED || t.header != NULL
            || t.claims != NULL || t.sig != NULL)
        {
            fuzz_jwt_fail("parse error state", err);
        }

        fuzz_jwt_desc(err);
        return;
    }

    if (size > NGX_EDA_JWT_MAX_TOKEN || !json_is_object(t.header)
        || !json_is_object(t.claims) || t.sig == NULL
        || t.signed_data != s || t.signed_len >= size
        || s[t.signed_len] != '.'
        || (t.kid == NULL) != (json_object_get(t.header, "kid") == NULL))
    {
        fuzz_jwt_fail("parse result", NULL);
    }

    err = NULL;
    rc = ngx_eda_jwt_verify_signature(fuzz_jwt_ks, NGX_EDA_JWT_ALGS_ALL, &t,
                                      &err);

    if (rc != NGX_EDA_JWT_OK) {
        if (rc == NGX_EDA_JWT_ERROR) {
            fuzz_jwt_fail("signature check failed internally", err);
        }

        fuzz_jwt_desc(err);
    }

    fuzz_jwt_claims(t.claims);

    ngx_eda_jwt_token_free(&t);
}


/*
 * Claims that were never signed, through the cache entry format, the
 * claims checks and the renderer, as a cache hit would take them.
 */
static void
fuzz_jwt_claims(json_t *claims)
{
    char                  *entry;
    size_t                 len;
    const char            *err;
    ngx_eda_jwt_rc_e       rc;
    ngx_eda_jwt_result_t   res, back;

    memset(&res, 0, sizeof(ngx_eda_jwt_result_t));

    res.claims = claims;
    res.alg = NGX_EDA_JWT_HS256;

    entry = ngx_eda_jwt_result_serialize(fuzz_jwt_ks, &res, &len);
    if (entry == NULL) {
        fuzz_jwt_fail("serialize", NULL);
        return;
    }

    err = NULL;
    rc = ngx_eda_jwt_result_restore(fuzz_jwt_ks, entry, len, &back, &err);

    if (rc != NGX_EDA_JWT_OK) {
        /* only a date claim of the wrong type may refuse a restore */
        if (rc != NGX_EDA_JWT_BAD_CLAIMS || back.claims != NULL) {
            fprintf(stderr, "entry: %.*s\n", (int) len, entry);
            fuzz_jwt_fail("restore of a serialized result", err);
        }

        fuzz_jwt_desc(err);
        free(entry);
        return;
    }

    if (!json_equal(back.claims, claims) || back.alg != NGX_EDA_JWT_HS256) {
        fprintf(stderr, "entry: %.*s\n", (int) len, entry);
        fuzz_jwt_fail("cache round trip changed the claims", NULL);
    }

    err = NULL;
    rc = ngx_eda_jwt_check_claims(&fuzz_jwt_policy, &back, FUZZ_JWT_NOW,
                                  &err);

    if (rc != NGX_EDA_JWT_OK) {
        if (rc == NGX_EDA_JWT_ERROR || rc == NGX_EDA_JWT_MALFORMED) {
            fuzz_jwt_fail("check_claims outcome", err);
        }

        fuzz_jwt_desc(err);
    }

    fuzz_jwt_render(&back);

    ngx_eda_jwt_result_free(&back);
    free(entry);
}


static void
fuzz_jwt_verified(const char *s, size_t size)
{
    char                  key[NGX_EDA_JWT_CACHE_KEY_LEN];
    const char           *err;
    ngx_eda_jwt_rc_e      rc;
    ngx_eda_jwt_result_t  res;

    err = NULL;

    rc = ngx_eda_jwt_verify(fuzz_jwt_ks, &fuzz_jwt_policy, s, size,
                            FUZZ_JWT_NOW, &res, &err);

    if (rc != NGX_EDA_JWT_OK) {
        if (res.claims != NULL || rc == NGX_EDA_JWT_ERROR) {
            fuzz_jwt_fail("verify error state", err);
        }

        fuzz_jwt_desc(err);
        return;
    }

    if (!json_is_object(res.claims) || !res.has_exp
        || res.exp <= FUZZ_JWT_NOW - 60)
    {
        fuzz_jwt_fail("verified result", NULL);
    }

    if (ngx_eda_jwt_cache_key(s, size, key) != 0) {
        fuzz_jwt_fail("cache_key", NULL);
    }

    fuzz_jwt_render(&res);

    ngx_eda_jwt_result_free(&res);
}


/* every claim, with a buffer too small, exact, and malloc()ed */
static void
fuzz_jwt_render(const ngx_eda_jwt_result_t *res)
{
    int          rc, rc2;
    char        *dup, small[8];
    size_t       len, len2, dlen;
    json_t      *v;
    const char  *name;

    json_object_foreach(res->claims, name, v) {
        rc = ngx_eda_jwt_claim_render(res, name, strlen(name), small,
                                      sizeof(small), &len);

        rc2 = ngx_eda_jwt_claim_render(res, name, strlen(name), NULL, 0,
                                       &len2);

        if (rc != rc2 || len != len2 || rc < 0) {
            fuzz_jwt_fail("render length", NULL);
        }

        if ((rc == 1) != json_is_null(v)) {
            fuzz_jwt_fail("render of null", NULL);
        }

        rc2 = ngx_eda_jwt_claim_dup(res, name, strlen(name), &dup, &dlen);

        if (rc2 != rc || (rc == 0 && (dup == NULL || dlen != len))) {
            fuzz_jwt_fail("claim_dup", NULL);
        }

        if (rc == 0 && len <= sizeof(small) && memcmp(small, dup, len) != 0)
        {
            fuzz_jwt_fail("render and dup differ", NULL);
        }

        free(dup);
    }
}


/* a client-safe RFC 6750 error_description */
static void
fuzz_jwt_desc(const char *err)
{
    const char  *p;

    if (err == NULL || err[0] == '\0') {
        fuzz_jwt_fail("no error description", NULL);
        return;
    }

    for (p = err; *p != '\0'; p++) {
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\') {
            fuzz_jwt_fail("error description not client-safe", err);
        }
    }
}


static void
fuzz_jwt_fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_jwt: %s (%s)\n", what,
            err != NULL ? err : "no error");
    abort();
}
