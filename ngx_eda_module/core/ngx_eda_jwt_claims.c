
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * Claims of a verified token: the registered dates read as whole
 * seconds, the policy's checks (exp, nbf, iat with leeway, iss, aud,
 * required claims) and the rendering of claims as text, which is also
 * how a required claim compares.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_jwt.h"
#include "ngx_eda_jwt_int.h"


/* dates are kept within the doubles' exact integers */
#define NGX_EDA_JWT_DATE_MAX      9007199254740992LL
#define NGX_EDA_JWT_LEEWAY_MAX    (1LL << 30)


/* snprintf()-like output for value rendering */
typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
} ngx_eda_jwt_sink_t;


static json_t *ngx_eda_jwt_member(json_t *obj, const char *name, size_t len);
static int ngx_eda_jwt_date(const json_t *v, int round_up, long long *out);
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
