
/*
 * Copyright (C) ngx_eda authors
 */


#include "eda_unit.h"
#include "eda_ce_unit.h"
#include "ngx_eda_utf8.h"


typedef struct {
    const char  *s;
    int          valid;
} valid_case_t;


typedef struct {
    const char  *name;
    const char  *value;
    int          rc;            /* what ngx_eda_ce_check_value() returns */
    const char  *err;           /* NULL: not checked */
} check_case_t;


static int check(const char *name, const char *value, const char **err);
static int check_n(const char *name, const char *value, size_t len);
static int valid_time(const char *s);
static int valid_tp(const char *s);
static long pct(const char *in, char *out);


/* RFC 3339 date-times, valid or not */
static const valid_case_t  times[] = {
    { "2026-11-24T13:15:00Z", 1 },
    { "2026-11-24t13:15:00z", 1 },
    { "2026-11-24T13:15:00.1Z", 1 },
    { "2026-11-24T13:15:00.123456789Z", 1 },
    { "2026-11-24T13:15:00+05:30", 1 },
    { "2026-11-24T13:15:00.5-08:00", 1 },
    { "2024-02-29T00:00:00Z", 1 },
    { "2000-02-29T00:00:00Z", 1 },
    { "2026-12-31T23:59:60Z", 1 },
    { "", 0 },
    { "2026-11-24T13:15:00", 0 },
    { "2026-11-24", 0 },
    { "2026-13-24T13:15:00Z", 0 },
    { "2026-00-24T13:15:00Z", 0 },
    { "2026-11-00T13:15:00Z", 0 },
    { "2026-11-31T13:15:00Z", 0 },
    { "2023-02-29T00:00:00Z", 0 },
    { "1900-02-29T00:00:00Z", 0 },
    { "2026-11-24T24:00:00Z", 0 },
    { "2026-11-24T13:60:00Z", 0 },
    { "2026-11-24T13:15:61Z", 0 },
    { "2026-11-24 13:15:00Z", 0 },
    { "2026-11-24T13:15:00.Z", 0 },
    { "2026-11-24T13:15:00.123", 0 },
    { "2026-11-24T13:15:00ZZ", 0 },
    { "2026-11-24T13:15:00+0530", 0 },
    { "2026-11-24T13:15:00+24:00", 0 },
    { "2026-11-24T13:15:00+05:60", 0 },
    { "2026-11-24T13:15:00+05:3a", 0 },
    { "2026-11-24T13:15:00+05:30:00", 0 },
    { "26-11-24T13:15:00Z", 0 },
    { "2026/11/24T13:15:00Z", 0 },
    { "2026-1a-24T13:15:00Z", 0 }
};


/* traceparent values, valid or not */
static const valid_case_t  traceparents[] = {
    { TP_VALID, 1 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-00", 1 },
    { "01-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 1 },
    { "cc-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01-what-ever", 1 },
    { "", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-0", 0 },
    { "00-4BF92F3577B34DA6A3CE929D0E0E4736"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00F067AA0BA902B7-01", 0 },
    { "00-00000000000000000000000000000000"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-0000000000000000-01", 0 },
    { "ff-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 0 },
    { "0g-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01-x", 0 },
    { "01-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01x", 0 },
    { "00_4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "_00f067aa0ba902b7-01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7_01", 0 },
    { "00-4bf92f3577b34da6a3ce929d0e0e4736"
      "-00f067aa0ba902b7-0z", 0 }
};


static const check_case_t  check_cases[] = {
    { "specversion", "1.0", 0, NULL },
    { "specversion", "0.3", -1, "specversion must be \"1.0\"" },
    { "specversion", "1.0 ", -1, NULL },
    { "specversion", "", -1, NULL },
    { "id", "x", 0, NULL },
    { "id", "", -1, "attribute must not be empty" },
    { "type", "com.example.thing", 0, NULL },
    { "type", "", -1, NULL },
    { "subject", "a b", 0, NULL },
    { "subject", "", -1, NULL },
    { "source", "https://example.com/a?b=c&d=%20#f", 0, NULL },
    { "source", "/relative/path", 0, NULL },
    { "source", "urn:uuid:6e8bc430-9c3a-11d9-9669", 0, NULL },
    { "source", "[::1]:80!$'()*+,;=~_@", 0, NULL },
    { "source", "", -1, "attribute must not be empty" },
    { "source", "a b", -1, "source must be a URI-reference" },
    { "source", "a\"b", -1, NULL },
    { "source", "a<b>", -1, NULL },
    { "source", "caf\xc3\xa9", -1, NULL },
    { "dataschema", "https://example.com/s.json", 0, NULL },
    { "dataschema", "urn:x", 0, NULL },
    { "dataschema", "a+b-c.d:", 0, NULL },
    { "dataschema", "/relative", -1, "dataschema must be an absolute URI" },
    { "dataschema", "", -1, NULL },
    { "dataschema", "http", -1, NULL },
    { "dataschema", "1http://x", -1, NULL },
    { "dataschema", "ht_tp://x", -1, NULL },
    { "dataschema", "http://a b", -1, NULL },
    { "time", "2026-11-24T13:15:00.123Z", 0, NULL },
    { "time", "2026-11-24 13:15:00Z", -1,
      "time must be an RFC 3339 timestamp" },
    { "datacontenttype", "application/json", 0, NULL },
    { "datacontenttype", "application/cloudevents+json", 0, NULL },
    { "datacontenttype", "text/plain; charset=utf-8", 0, NULL },
    { "datacontenttype", "text/plain;charset=\"a b\"", 0, NULL },
    { "datacontenttype", "text/plain ;q=1", 0, NULL },
    { "datacontenttype", "text/plain;", 0, NULL },
    { "datacontenttype", "json", -1, "datacontenttype must be a media type" },
    { "datacontenttype", "", -1, NULL },
    { "datacontenttype", "/json", -1, NULL },
    { "datacontenttype", "text/", -1, NULL },
    { "datacontenttype", "text/plain extra", -1, NULL },
    { "datacontenttype", "text /plain", -1, NULL },
    { "datacontenttype", "text/pl@in", -1, NULL },
    { "datacontenttype", "text/plain; a=\xc3\xa9", -1, NULL },

    /* extensions: anything clean goes */
    { "partitionkey", "a b \"c\"", 0, NULL }
};


static int
check(const char *name, const char *value, const char **err)
{
    return ngx_eda_ce_check_value(name, strlen(name), value, strlen(value),
                                  err);
}


static int
check_n(const char *name, const char *value, size_t len)
{
    const char  *err;

    return ngx_eda_ce_check_value(name, strlen(name), value, len, &err);
}


static int
valid_time(const char *s)
{
    return ngx_eda_ce_valid_time(s, strlen(s));
}


static int
valid_tp(const char *s)
{
    return ngx_eda_ce_valid_traceparent(s, strlen(s));
}


static long
pct(const char *in, char *out)
{
    return ngx_eda_ce_pct_decode(in, strlen(in), out);
}


static void
test_names(void)
{
    EDA_CHECK(ngx_eda_ce_valid_name("id", 2));
    EDA_CHECK(ngx_eda_ce_valid_name("abc123", 6));
    EDA_CHECK(ngx_eda_ce_valid_name("a2345678901234567890", 20));
    EDA_CHECK(!ngx_eda_ce_valid_name("a23456789012345678901", 21));
    EDA_CHECK(!ngx_eda_ce_valid_name("", 0));
    EDA_CHECK(!ngx_eda_ce_valid_name(NULL, 0));
    EDA_CHECK(!ngx_eda_ce_valid_name("Abc", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("aBc", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("a-b", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("a_b", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("a b", 3));
    EDA_CHECK(!ngx_eda_ce_valid_name("ab\0", 3));
}


static void
test_check_common(void)
{
    char         big[NGX_EDA_CE_MAX_VALUE + 1];
    const char  *err;

    memset(big, 'x', sizeof(big));

    EDA_CHECK(check_n("ext", big, NGX_EDA_CE_MAX_VALUE) == 0);
    EDA_CHECK(ngx_eda_ce_check_value("ext", 3, big, sizeof(big), &err)
              == -1);
    EDA_CHECK(strcmp(err, "attribute value too long") == 0);

    EDA_CHECK(check("ext", "", &err) == 0);
    EDA_CHECK(check("ext", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                    &err) == 0);

    EDA_CHECK(check("ext", "a\nb", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value contains a control character")
              == 0);
    EDA_CHECK(check("ext", "a\tb", &err) == -1);
    EDA_CHECK(check("ext", "a\x7f", &err) == -1);
    EDA_CHECK(check_n("ext", "a\0b", 3) == -1);

    EDA_CHECK(check("ext", "\xff", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value is not valid UTF-8") == 0);
    EDA_CHECK(check("ext", "\xc0\xaf", &err) == -1);          /* overlong */
    EDA_CHECK(check("ext", "\xe0\x80\xaf", &err) == -1);      /* overlong */
    EDA_CHECK(check("ext", "\xed\xa0\x80", &err) == -1);      /* surrogate */
    EDA_CHECK(check("ext", "\xf4\x90\x80\x80", &err) == -1);  /* > 10FFFF */
    EDA_CHECK(check("ext", "\xc3", &err) == -1);              /* truncated */
    EDA_CHECK(check("ext", "\xe2\x82", &err) == -1);
    EDA_CHECK(check("ext", "\x80", &err) == -1);
    EDA_CHECK(check("ext", "\xc3\x28", &err) == -1);

    /* both wrong: invalid UTF-8 is what is said, wherever the control */
    EDA_CHECK(check("ext", "a\nb\xff", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value is not valid UTF-8") == 0);
    EDA_CHECK(check("ext", "\xff\x01", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value is not valid UTF-8") == 0);

    /*
     * every position of a value longer than two words (the check reads
     * eight bytes at a time): the byte values on each side of the limits
     */
    {
        char          v[21];
        size_t        pos, k;
        const unsigned char  bad[] = { 0x00, 0x01, 0x1f, 0x7f };
        const unsigned char  good[] = { 0x20, 0x21, 0x7e };

        for (pos = 0; pos < 20; pos++) {
            for (k = 0; k < sizeof(bad); k++) {
                memset(v, 'a', 20);
                v[pos] = (char) bad[k];
                EDA_CHECK(ngx_eda_ce_check_value("ext", 3, v, 20, &err)
                          == -1);
                EDA_CHECK(strcmp(err, "attribute value contains a "
                                 "control character") == 0);
            }

            for (k = 0; k < sizeof(good); k++) {
                memset(v, 'a', 20);
                v[pos] = (char) good[k];
                EDA_CHECK(ngx_eda_ce_check_value("ext", 3, v, 20, &err)
                          == 0);
            }

            /* a two-byte character at every place, across words too */
            if (pos < 19) {
                memset(v, 'a', 20);
                v[pos] = (char) 0xc3;
                v[pos + 1] = (char) 0xa9;
                EDA_CHECK(ngx_eda_ce_check_value("ext", 3, v, 20, &err)
                          == 0);
                v[pos + 1] = (char) 0x1f;
                EDA_CHECK(ngx_eda_ce_check_value("ext", 3, v, 20, &err)
                          == -1);
                EDA_CHECK(strcmp(err, "attribute value is not valid "
                                 "UTF-8") == 0);
            }

            /* a lone continuation byte */
            memset(v, 'a', 20);
            v[pos] = (char) 0xa9;
            EDA_CHECK(ngx_eda_ce_check_value("ext", 3, v, 20, &err) == -1);
            EDA_CHECK(strcmp(err, "attribute value is not valid UTF-8")
                      == 0);
        }
    }

    /* valid UTF-8 with a control character in it */
    EDA_CHECK(check("ext", "caf\xc3\xa9\x1b", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value contains a control character")
              == 0);
    EDA_CHECK(check("ext", "\x7f\xe2\x82\xac", &err) == -1);
    EDA_CHECK(strcmp(err, "attribute value contains a control character")
              == 0);
}


/*
 * The value check against the plain definition (valid UTF-8 first, then
 * no control character), on random values of the bytes around the
 * limits, of every length up to three words.
 */

static int
reference_check(const unsigned char *v, size_t len, const char **err)
{
    size_t  i;

    if (!ngx_eda_utf8_valid(v, len)) {
        *err = "attribute value is not valid UTF-8";
        return -1;
    }

    for (i = 0; i < len; i++) {
        if (v[i] < 0x20 || v[i] == 0x7f) {
            *err = "attribute value contains a control character";
            return -1;
        }
    }

    return 0;
}


static void
test_check_differential(void)
{
    int                   failed;
    size_t                len, i, n;
    unsigned int          seed;
    unsigned char         v[24];
    const char           *err, *want;
    static const unsigned char  alphabet[] = {
        0x00, 0x01, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0x9f, 0xa0, 0xbf,
        0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff
    };

    seed = 12345;
    failed = 0;

    for (n = 0; n < 200000; n++) {
        len = n % sizeof(v);

        for (i = 0; i < len; i++) {
            seed = seed * 1103515245 + 12345;
            /* mostly ASCII letters, as real values are */
            v[i] = ((seed >> 16) & 3) ? 'a'
                   : alphabet[(seed >> 18) % sizeof(alphabet)];
        }

        err = want = NULL;
        if (ngx_eda_ce_check_value("ext", 3, (const char *) v, len, &err)
            != reference_check(v, len, &want)
            || (err != want && (err == NULL || want == NULL
                                || strcmp(err, want) != 0)))
        {
            failed++;
        }
    }

    EDA_CHECK(failed == 0);
}


static void
test_check_rules(void)
{
    int          failed;
    size_t       i;
    const char  *err;

    for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        failed = eda_unit_failed;
        err = NULL;

        EDA_CHECK(check(check_cases[i].name, check_cases[i].value, &err)
                  == check_cases[i].rc);

        if (check_cases[i].err != NULL) {
            EDA_CHECK(err != NULL && strcmp(err, check_cases[i].err) == 0);
        }

        if (eda_unit_failed != failed) {
            printf("  in case %s \"%s\"\n", check_cases[i].name,
                   check_cases[i].value);
        }
    }
}


static void
test_validate(void)
{
    size_t              i;
    const char         *err;
    ngx_eda_ce_str_t    attr;
    ngx_eda_ce_event_t  ev;
    static char         names[NGX_EDA_CE_MAX_ATTRS][8];

    base_event(&ev);
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == 0);

    set(&ev, "time", "2026-11-24T13:15:00Z");
    set(&ev, "ext", "");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == 0);

    /* each required attribute in turn */
    for (i = 0; i < 4; i++) {
        base_event(&ev);
        ev.attrs[i] = ev.attrs[3];
        ev.nattrs = 3;

        EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
        EDA_CHECK(strcmp(err, "missing required attribute") == 0);
    }

    base_event(&ev);
    ev.nattrs = 3;
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, "type"));

    base_event(&ev);
    ev.attrs[0] = ev.attrs[3];
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "duplicate attribute") == 0);
    EDA_CHECK(attr_is(&attr, "type"));

    base_event(&ev);
    set(&ev, "Ext", "x");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "invalid attribute name") == 0);
    EDA_CHECK(attr_is(&attr, "Ext"));

    base_event(&ev);
    set(&ev, "specversion", "0.3");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(strcmp(err, "specversion must be \"1.0\"") == 0);
    EDA_CHECK(attr_is(&attr, "specversion"));

    base_event(&ev);
    set(&ev, "source", "a b");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, "source"));

    base_event(&ev);
    set(&ev, "ext", "\x01");
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, "ext"));

    base_event(&ev);
    ev.nattrs = NGX_EDA_CE_MAX_ATTRS + 1;
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == -1);
    EDA_CHECK(attr_is(&attr, NULL));

    /* a full event is still valid */
    base_event(&ev);
    for (i = 4; i < NGX_EDA_CE_MAX_ATTRS; i++) {
        snprintf(names[i], sizeof(names[i]), "e%u", (unsigned) i);
        set(&ev, names[i], "v");
    }
    EDA_CHECK(ev.nattrs == NGX_EDA_CE_MAX_ATTRS);
    EDA_CHECK(ngx_eda_ce_validate(&ev, &err, &attr) == 0);
}


static void
test_get_set(void)
{
    ngx_eda_ce_event_t       ev;
    const ngx_eda_ce_str_t  *v;

    memset(&ev, 0, sizeof(ngx_eda_ce_event_t));

    EDA_CHECK(ngx_eda_ce_get(&ev, "id", 2) == NULL);

    set(&ev, "id", "a");
    set(&ev, "type", "t");
    set(&ev, "id", "bb");
    EDA_CHECK(ev.nattrs == 2);

    v = ngx_eda_ce_get(&ev, "id", 2);
    EDA_CHECK(v != NULL);
    if (v != NULL) {
        EDA_CHECK_STR(v->data, v->len, "bb");
    }

    EDA_CHECK(ngx_eda_ce_get(&ev, "i", 1) == NULL);
    EDA_CHECK(ngx_eda_ce_get(&ev, "idx", 3) == NULL);
    EDA_CHECK(ngx_eda_ce_get(&ev, "typ", 3) == NULL);

    /* only the length given counts */
    v = ngx_eda_ce_get(&ev, "typeXYZ", 4);
    EDA_CHECK(v != NULL);

    ev.nattrs = NGX_EDA_CE_MAX_ATTRS;
    EDA_CHECK(ngx_eda_ce_set(&ev, "new", 3, "x", 1) == -1);
    EDA_CHECK(ngx_eda_ce_set(&ev, "id", 2, "c", 1) == 0);
    v = ngx_eda_ce_get(&ev, "id", 2);
    EDA_CHECK(v != NULL && v->len == 1 && v->data[0] == 'c');
}


static void
test_is_json_type(void)
{
    EDA_CHECK(ngx_eda_ce_is_json_type("application/json", 16));
    EDA_CHECK(ngx_eda_ce_is_json_type("Application/JSON", 16));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/json; charset=utf-8",
                                      31));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/json ;x=y", 21));
    EDA_CHECK(ngx_eda_ce_is_json_type("text/json", 9));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/cloudevents+json", 28));
    EDA_CHECK(ngx_eda_ce_is_json_type("application/vnd.a+JSON;v=1", 26));
    EDA_CHECK(!ngx_eda_ce_is_json_type("application/+json", 17));
    EDA_CHECK(!ngx_eda_ce_is_json_type("application/json-seq", 20));
    EDA_CHECK(!ngx_eda_ce_is_json_type("application/jsonx", 17));
    EDA_CHECK(!ngx_eda_ce_is_json_type("text/plain", 10));
    EDA_CHECK(!ngx_eda_ce_is_json_type("json", 4));
    EDA_CHECK(!ngx_eda_ce_is_json_type("text/plain; a=+json", 19));
    EDA_CHECK(!ngx_eda_ce_is_json_type("", 0));
}


static void
test_time(void)
{
    int     ok;
    char    out[NGX_EDA_CE_TIME_LEN];
    size_t  i;

    ngx_eda_ce_format_time(0, 0, out);
    EDA_CHECK_STR(out, sizeof(out), "1970-01-01T00:00:00.000Z");
    EDA_CHECK(ngx_eda_ce_valid_time(out, sizeof(out)));

    ngx_eda_ce_format_time(1795525288, 123, out);
    EDA_CHECK_STR(out, sizeof(out), "2026-11-24T13:01:28.123Z");
    EDA_CHECK(ngx_eda_ce_valid_time(out, sizeof(out)));

    ngx_eda_ce_format_time(951782400, 7, out);
    EDA_CHECK_STR(out, sizeof(out), "2000-02-29T00:00:00.007Z");

    ngx_eda_ce_format_time(4107542399, 999, out);
    EDA_CHECK_STR(out, sizeof(out), "2100-02-28T23:59:59.999Z");

    ngx_eda_ce_format_time(-1, 50, out);
    EDA_CHECK_STR(out, sizeof(out), "1969-12-31T23:59:59.050Z");

    ngx_eda_ce_format_time(0, 1500, out);
    EDA_CHECK_STR(out, sizeof(out), "1970-01-01T00:00:00.999Z");

    ngx_eda_ce_format_time(-62167219200, 0, out);
    EDA_CHECK_STR(out, sizeof(out), "0000-01-01T00:00:00.000Z");

    ngx_eda_ce_format_time(253402300799, 0, out);
    EDA_CHECK_STR(out, sizeof(out), "9999-12-31T23:59:59.000Z");

    if (sizeof(time_t) > 4) {
        ngx_eda_ce_format_time((time_t) 253402300800, 0, out);
        EDA_CHECK_STR(out, sizeof(out), "9999-12-31T23:59:59.999Z");
    }

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        ok = valid_time(times[i].s) != 0;
        EDA_CHECK(ok == times[i].valid);

        if (ok != times[i].valid) {
            printf("  in case \"%s\"\n", times[i].s);
        }
    }
}


static void
test_uuid4(void)
{
    int            i;
    char           out[NGX_EDA_CE_UUID_LEN];
    unsigned char  rnd[16];

    memset(rnd, 0, sizeof(rnd));
    ngx_eda_ce_format_uuid4(rnd, out);
    EDA_CHECK_STR(out, sizeof(out), "00000000-0000-4000-8000-000000000000");

    memset(rnd, 0xff, sizeof(rnd));
    ngx_eda_ce_format_uuid4(rnd, out);
    EDA_CHECK_STR(out, sizeof(out), "ffffffff-ffff-4fff-bfff-ffffffffffff");

    for (i = 0; i < 16; i++) {
        rnd[i] = (unsigned char) (i * 17 + 1);
    }
    ngx_eda_ce_format_uuid4(rnd, out);
    EDA_CHECK_STR(out, sizeof(out), "01122334-4556-4778-899a-abbccddeef00");

    /* version nibble 4, variant bits 10 whatever the random bytes */
    for (i = 0; i < 256; i++) {
        memset(rnd, i, sizeof(rnd));
        ngx_eda_ce_format_uuid4(rnd, out);
        EDA_CHECK(out[14] == '4');
        EDA_CHECK(out[19] == '8' || out[19] == '9' || out[19] == 'a'
                  || out[19] == 'b');
    }
}


static void
test_traceparent(void)
{
    int     ok;
    size_t  i;

    for (i = 0; i < sizeof(traceparents) / sizeof(traceparents[0]); i++) {
        ok = valid_tp(traceparents[i].s) != 0;
        EDA_CHECK(ok == traceparents[i].valid);

        if (ok != traceparents[i].valid) {
            printf("  in case \"%s\"\n", traceparents[i].s);
        }
    }
}


static void
test_pct_decode(void)
{
    char  out[64], buf[16];
    long  n;

    n = pct("%20", out);
    EDA_CHECK(n == 1 && out[0] == ' ');

    n = pct("a%2Fb%2fc", out);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(out, n, "a/b/c");

    n = pct("caf%C3%A9 %22q%22 100%25", out);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(out, n, "caf\xc3\xa9 \"q\" 100%");

    n = pct("plain", out);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(out, n, "plain");

    EDA_CHECK(pct("", out) == 0);

    EDA_CHECK(pct("%2", out) == -1);
    EDA_CHECK(pct("%", out) == -1);
    EDA_CHECK(pct("ab%", out) == -1);
    EDA_CHECK(pct("%zz", out) == -1);
    EDA_CHECK(pct("%2z", out) == -1);
    EDA_CHECK(pct("%ff", out) == -1);
    EDA_CHECK(pct("%C3", out) == -1);
    EDA_CHECK(pct("%C0%AF", out) == -1);
    EDA_CHECK(pct("\xff", out) == -1);

    /* in place */
    memcpy(buf, "x%41%42y", 8);
    n = ngx_eda_ce_pct_decode(buf, 8, buf);
    EDA_CHECK(n >= 0);
    EDA_CHECK_STR(buf, n, "xABy");
}


int
main(void)
{
    test_names();
    test_check_common();
    test_check_differential();
    test_check_rules();
    test_validate();
    test_get_set();
    test_is_json_type();
    test_time();
    test_uuid4();
    test_traceparent();
    test_pct_decode();

    EDA_UNIT_DONE();
}
