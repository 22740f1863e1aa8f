
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_JWT_H_INCLUDED_
#define _NGX_EDA_JWT_H_INCLUDED_


#include <stddef.h>
#include <time.h>

#include <jansson.h>


/*
 * JSON Web Tokens (RFC 7519) in the JWS compact serialization (RFC 7515),
 * verified with keys and algorithms chosen by configuration, never by the
 * token.  No nginx types: only libc, OpenSSL 3 (libcrypto) and jansson, so
 * the same code is unit-tested (t/unit/test_jwt_*.c) and fuzzed
 * (t/fuzz/fuzz_jwt.c).
 *
 * The order of work for one request:
 *
 *     ngx_eda_jwt_cache_key()     digest of the token, to look up a cache;
 *     on a hit:
 *         ngx_eda_jwt_result_restore()  rebuild the verified result,
 *         ngx_eda_jwt_check_claims()    time and policy checks, every time;
 *     on a miss:
 *         ngx_eda_jwt_verify()          parse, choose the key, check the
 *                                       signature, then the claims;
 *         ngx_eda_jwt_result_serialize() to store in the cache;
 *     ngx_eda_jwt_result_free().
 *
 * Key sets are loaded once (ngx_eda_jwt_keyset_load(), at configuration
 * time, in the nginx master) and are only read afterwards: a key set may
 * be used by any number of verifications at once, in one process or in
 * the processes forked after loading it.  Results are per request.
 *
 * Strings passed in are (pointer, length) pairs and are never assumed to
 * be NUL-terminated.  Every ngx_eda_jwt_rc_e other than NGX_EDA_JWT_OK
 * comes with a short static description that is safe to send to the
 * client in an RFC 6750 error_description (printable ASCII without '"'
 * or '\'; it never quotes the token or a claim).
 */


#define NGX_EDA_JWT_MAX_TOKEN       8192   /* default token length limit */
#define NGX_EDA_JWT_MIN_SECRET      32     /* bytes: HS256 needs 256 bits */
#define NGX_EDA_JWT_MIN_RSA_BITS    2048
#define NGX_EDA_JWT_CACHE_KEY_LEN   64     /* hex SHA-256, see cache_key */
#define NGX_EDA_JWT_ERRLEN          256    /* enough for any load error */


typedef enum {
    NGX_EDA_JWT_ALG_UNKNOWN = 0,    /* "none" and everything unsupported */
    NGX_EDA_JWT_HS256,
    NGX_EDA_JWT_HS384,
    NGX_EDA_JWT_HS512,
    NGX_EDA_JWT_RS256,
    NGX_EDA_JWT_RS384,
    NGX_EDA_JWT_RS512,
    NGX_EDA_JWT_ES256,
    NGX_EDA_JWT_ES384,
    NGX_EDA_JWT_ES512
} ngx_eda_jwt_alg_e;

#define NGX_EDA_JWT_ALG_LAST        NGX_EDA_JWT_ES512


/* an allow-list: the bit of each allowed algorithm is set */
typedef unsigned int  ngx_eda_jwt_algs_t;

#define NGX_EDA_JWT_ALG_BIT(alg)    (1u << (alg))

#define NGX_EDA_JWT_ALGS_HS                                                   \
    (NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_HS256)                                   \
     | NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_HS384)                                 \
     | NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_HS512))

#define NGX_EDA_JWT_ALGS_RS                                                   \
    (NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_RS256)                                   \
     | NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_RS384)                                 \
     | NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_RS512))

#define NGX_EDA_JWT_ALGS_ES                                                   \
    (NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_ES256)                                   \
     | NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_ES384)                                 \
     | NGX_EDA_JWT_ALG_BIT(NGX_EDA_JWT_ES512))

#define NGX_EDA_JWT_ALGS_ALL                                                  \
    (NGX_EDA_JWT_ALGS_HS | NGX_EDA_JWT_ALGS_RS | NGX_EDA_JWT_ALGS_ES)


/*
 * Outcomes.  ngx_eda_jwt_rc_status() maps them to HTTP: the 401 class
 * ("invalid_token": the credentials are not acceptable, including a token
 * issued by another issuer or for another audience, RFC 6750 3.1), the
 * 403 class ("insufficient_scope": a valid token that lacks a required
 * claim) and 500 (memory or library failure: neither accepted nor blamed
 * on the client).
 */
typedef enum {
    NGX_EDA_JWT_OK = 0,
    NGX_EDA_JWT_MALFORMED,          /* 401: syntax, too long, header rules */
    NGX_EDA_JWT_ALG_DENIED,         /* 401: alg unknown or not allowed */
    NGX_EDA_JWT_NO_KEY,             /* 401: unknown kid, kid required,
                                       no key for the algorithm */
    NGX_EDA_JWT_BAD_SIGNATURE,      /* 401 */
    NGX_EDA_JWT_EXPIRED,            /* 401: exp passed (beyond leeway) */
    NGX_EDA_JWT_NOT_YET_VALID,      /* 401: nbf or iat in the future */
    NGX_EDA_JWT_BAD_CLAIMS,         /* 401: iss, aud, missing or invalid
                                       exp/nbf/iat */
    NGX_EDA_JWT_FORBIDDEN,          /* 403: a required claim mismatches */
    NGX_EDA_JWT_ERROR               /* 500: out of memory, OpenSSL error */
} ngx_eda_jwt_rc_e;


typedef struct ngx_eda_jwt_keyset_s  ngx_eda_jwt_keyset_t;


/* one "eda_jwt_require_claim NAME VALUE" */
typedef struct {
    const char  *name;
    size_t       name_len;
    const char  *value;
    size_t       value_len;
} ngx_eda_jwt_claim_req_t;


/*
 * What a location accepts.  Set the defaults with ngx_eda_jwt_policy_init()
 * and then the configured fields; the policy only points to its strings,
 * which must outlive it.
 */
typedef struct {
    ngx_eda_jwt_algs_t              algorithms;    /* default: none */
    size_t                          max_token_len; /* 0: MAX_TOKEN */
    time_t                          leeway;        /* seconds, default 0 */
    int                             require_exp;   /* default 1 */

    const char                     *issuer;        /* NULL: not checked */
    size_t                          issuer_len;

    const char * const             *audiences;     /* any one must match */
    const size_t                   *audience_lens;
    size_t                          naudiences;    /* 0: not checked */

    const ngx_eda_jwt_claim_req_t  *required;      /* all must match */
    size_t                          nrequired;
} ngx_eda_jwt_policy_t;


/*
 * A parsed, not yet verified token (ngx_eda_jwt_parse()).  header and
 * claims are owned by it; signed_data points into the caller's token,
 * which must outlive it.
 */
typedef struct {
    ngx_eda_jwt_alg_e   alg;           /* UNKNOWN when not supported */
    const char         *kid;           /* in header; NULL when absent */
    size_t              kid_len;
    json_t             *header;
    json_t             *claims;
    const char         *signed_data;   /* "header.payload" as received */
    size_t              signed_len;
    unsigned char      *sig;           /* decoded signature */
    size_t              sig_len;
} ngx_eda_jwt_token_t;


/*
 * A verified token.  claims is owned by the result (ngx_eda_jwt_result_free
 * releases it); sub and jti point into claims (NULL when absent or not a
 * string).  Dates are whole seconds: exp rounded down, nbf and iat rounded
 * up, so that fractions never lengthen a token's life; values beyond
 * +/-2^53 are clamped.
 */
typedef struct {
    json_t             *claims;
    ngx_eda_jwt_alg_e   alg;
    int                 has_exp;
    int                 has_nbf;
    int                 has_iat;
    long long           exp;
    long long           nbf;
    long long           iat;
    const char         *sub;
    size_t              sub_len;
    const char         *jti;
    size_t              jti_len;
} ngx_eda_jwt_result_t;


/*
 * Algorithm names: "HS256" ... "ES512", case-sensitive as in RFC 7518.
 * ngx_eda_jwt_alg_parse() returns NGX_EDA_JWT_ALG_UNKNOWN for "none" and
 * any other name; ngx_eda_jwt_alg_name() returns NULL for UNKNOWN.
 */
ngx_eda_jwt_alg_e ngx_eda_jwt_alg_parse(const char *name, size_t len);
const char *ngx_eda_jwt_alg_name(ngx_eda_jwt_alg_e alg);

/*
 * Loads a key set from the bytes of a key file, recognised by content:
 *
 *   - PEM ("-----BEGIN PUBLIC KEY-----" or "-----BEGIN RSA PUBLIC KEY-----",
 *     one block): an RSA key of at least 2048 bits or an EC key on P-256,
 *     P-384 or P-521.  Private keys and certificates are refused.
 *   - JSON starting with '{': a JWK Set ({"keys": [...]}) or a single JWK.
 *     kty "RSA" (n, e), "EC" (crv, x, y; coordinates full length) or "oct"
 *     (k); "kid" optional; keys with "use" other than "sig", or "key_ops"
 *     without "verify", are skipped; "alg", when present, restricts the
 *     key to that algorithm.  Private members ("d" and the like) are
 *     refused.  Any unsupported or malformed key is an error, not skipped.
 *   - Anything else is an HMAC secret, the raw bytes with trailing CR/LF
 *     removed, at least NGX_EDA_JWT_MIN_SECRET bytes.  A JSON array or a
 *     file mentioning "-----BEGIN " is never taken as a secret, so public
 *     key material can not end up as an HMAC key.
 *
 * A secret (or oct key) of L bytes verifies HS256, and HS384 when
 * L >= 48, HS512 when L >= 64 (RFC 7518 3.2: at least the hash size).
 * Two keys of one kid must not serve the same algorithm.
 *
 * Returns the key set, or NULL with a NUL-terminated message in err (at
 * most err_size bytes, NGX_EDA_JWT_ERRLEN is enough), such as
 * "JWKS key 2 (kid \"a\"): unsupported curve P-192".  Key material is
 * never quoted in messages.
 */
ngx_eda_jwt_keyset_t *ngx_eda_jwt_keyset_load(const unsigned char *buf,
    size_t len, char *err, size_t err_size);
void ngx_eda_jwt_keyset_free(ngx_eda_jwt_keyset_t *ks);

/* the number of keys, and the algorithms at least one of them verifies */
size_t ngx_eda_jwt_keyset_count(const ngx_eda_jwt_keyset_t *ks);
ngx_eda_jwt_algs_t ngx_eda_jwt_keyset_algs(const ngx_eda_jwt_keyset_t *ks);

/* defaults: no algorithm, 8192 bytes, no leeway, exp required */
void ngx_eda_jwt_policy_init(ngx_eda_jwt_policy_t *policy);

/*
 * Parses a compact JWS: exactly three base64url parts (alphabet only, no
 * padding, unused bits zero), a header that is a JSON object with a string
 * "alg", an optional string "kid", an optional "typ" equal to "JWT" or
 * "at+jwt" (case-insensitive, "application/" prefix allowed) and no
 * "crit"; claims that are a JSON object.  Duplicate members and NUL
 * characters in JSON strings are refused.  Header parameters that carry
 * or point to keys (jwk, jku, x5c, x5u) are ignored.  A token longer than
 * max_len (0: NGX_EDA_JWT_MAX_TOKEN) is refused before any other work.
 * An unsupported alg is not a parse error: t->alg is UNKNOWN.
 *
 * Returns NGX_EDA_JWT_OK (the caller later calls ngx_eda_jwt_token_free),
 * or MALFORMED or ERROR with *err set; nothing to free after an error.
 */
ngx_eda_jwt_rc_e ngx_eda_jwt_parse(const char *token, size_t len,
    size_t max_len, ngx_eda_jwt_token_t *t, const char **err);
void ngx_eda_jwt_token_free(ngx_eda_jwt_token_t *t);

/*
 * Checks a parsed token's signature: the alg must be in the allow-list;
 * the key is chosen by the key set, then the signature checked with that
 * key and the algorithm.  Key choice: when the token has a kid and the key
 * set has kids, only keys with that kid are candidates (none: "unknown
 * key id"); otherwise all keys are.  Of the candidates exactly one must
 * verify the algorithm (zero: "no key for the algorithm"; more and no
 * kid: "key id required").  A key verifies HS* only when it is a secret,
 * RS* only when it is RSA, ES256/384/512 only on P-256/P-384/P-521, and
 * only its own "alg" when the JWK had one.
 */
ngx_eda_jwt_rc_e ngx_eda_jwt_verify_signature(const ngx_eda_jwt_keyset_t *ks,
    ngx_eda_jwt_algs_t algorithms, const ngx_eda_jwt_token_t *t,
    const char **err);

/*
 * The claim checks of a policy at time now, on a verified or restored
 * result: alg still allowed; exp required (policy) and now < exp + leeway;
 * now >= nbf - leeway; iat <= now + leeway; iss equal to the issuer; aud
 * (a string, or an array of strings) holding one of the audiences; every
 * required claim equal to its value.  A required claim compares as the
 * string ngx_eda_jwt_value_render() makes of it; an array matches when one
 * of its scalar elements does.  Returns OK, ALG_DENIED, EXPIRED,
 * NOT_YET_VALID, BAD_CLAIMS or FORBIDDEN (a required claim absent or
 * different).
 */
ngx_eda_jwt_rc_e ngx_eda_jwt_check_claims(const ngx_eda_jwt_policy_t *policy,
    const ngx_eda_jwt_result_t *res, time_t now, const char **err);

/*
 * Everything: parse, verify_signature, then check_claims.  On OK the caller
 * owns res (ngx_eda_jwt_result_free); on any other outcome res is cleared
 * and holds nothing.
 */
ngx_eda_jwt_rc_e ngx_eda_jwt_verify(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_policy_t *policy, const char *token, size_t len,
    time_t now, ngx_eda_jwt_result_t *res, const char **err);

void ngx_eda_jwt_result_free(ngx_eda_jwt_result_t *res);

/* 401, 403 or 500 (0 for OK); the RFC 6750 error code, NULL for OK/500 */
int ngx_eda_jwt_rc_status(ngx_eda_jwt_rc_e rc);
const char *ngx_eda_jwt_rc_error(ngx_eda_jwt_rc_e rc);

/*
 * Renders a JSON value as a string for nginx variables: a string as it is;
 * an integer in decimal; a real as the shortest form that reads back to
 * the same value (integral reals up to 2^53 without a fraction: 3.0 is
 * "3"); true/false; an array as its scalar elements joined by ','
 * (nested arrays, objects and nulls left out); an object as compact JSON.
 * Like snprintf(): writes at most size bytes (buf may be NULL when size is
 * 0), no NUL, and sets *len to the full length; when *len > size, call
 * again with *len bytes (what was written is then not to be used).
 * Returns 0, 1 for null or NULL (nothing rendered, *len 0), -1 on memory
 * failure.  Values are the signed claims as they are: the caller escapes
 * them for where they go (headers, logs).
 */
int ngx_eda_jwt_value_render(const json_t *v, char *buf, size_t size,
    size_t *len);

/*
 * ngx_eda_jwt_value_render() of a top-level claim, by name; 1 when the
 * claim is absent or null.
 */
int ngx_eda_jwt_claim_render(const ngx_eda_jwt_result_t *res,
    const char *name, size_t name_len, char *buf, size_t size, size_t *len);

/*
 * The same into a malloc()ed, NUL-terminated string the caller free()s:
 * 0 with *out and *len set, 1 when absent or null (*out NULL), -1 on
 * memory failure.
 */
int ngx_eda_jwt_claim_dup(const ngx_eda_jwt_result_t *res, const char *name,
    size_t name_len, char **out, size_t *len);

/*
 * The cache key of a token: SHA-256 of its bytes as exactly
 * NGX_EDA_JWT_CACHE_KEY_LEN lower-case hex characters in out (no NUL).
 * Returns 0, or -1 on an OpenSSL failure.
 */
int ngx_eda_jwt_cache_key(const char *token, size_t len, char *out);

/*
 * A verified result as compact JSON for a cache:
 * {"v":1,"ks":"<key set digest>","alg":"RS256","claims":{...}}.  The key
 * set digest (SHA-256 of the key file) makes entries of another key file
 * (another location, or keys rotated by a reload while Redis kept the
 * entry) restore as a miss.  Returns a malloc()ed buffer (not
 * NUL-terminated, *len set) the caller free()s, or NULL on memory failure.
 */
char *ngx_eda_jwt_result_serialize(const ngx_eda_jwt_keyset_t *ks,
    const ngx_eda_jwt_result_t *res, size_t *len);

/*
 * Rebuilds a result from ngx_eda_jwt_result_serialize() output without
 * any signature check: the caller trusts the cache.  The claims checks
 * are not part of it: call ngx_eda_jwt_check_claims() next, on every hit.
 * Returns OK (res to be freed), MALFORMED for anything that is not an
 * entry of this key set (treat as a miss) or ERROR.
 */
ngx_eda_jwt_rc_e ngx_eda_jwt_result_restore(const ngx_eda_jwt_keyset_t *ks,
    const char *buf, size_t len, ngx_eda_jwt_result_t *res,
    const char **err);


#endif /* _NGX_EDA_JWT_H_INCLUDED_ */
