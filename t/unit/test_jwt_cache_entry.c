
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Unit tests of ngx_eda_jwt_cache_entry.c: the cache key, a verified
 * result serialised and restored, and what is not an entry of a key set.
 */


#include "eda_jwt_fixtures.h"


static void test_cache(void);
static void test_cache_entry(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_keyset_t *other, ngx_eda_jwt_policy_t *p,
    const char *t, const ngx_eda_jwt_result_t *res, const char *entry,
    size_t len);
static void test_cache_misses(const ngx_eda_jwt_keyset_t *ks,
    const char *entry, size_t len);


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


int
main(void)
{
    eda_jwt_keys_make();

    test_cache();

    eda_jwt_keys_free();

    EDA_UNIT_DONE();
}
