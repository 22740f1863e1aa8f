
/*
 * Copyright (C) ngx_eda authors
 */


#include "eda_unit.h"
#include "ngx_eda_base64.h"


#define PADDED  NGX_EDA_BASE64_PADDED
#define URL     (NGX_EDA_BASE64_URL|NGX_EDA_BASE64_STRICT)
#define KEY     (NGX_EDA_BASE64_PADDED|NGX_EDA_BASE64_STRICT)


typedef struct {
    const char    *in;
    unsigned int   flags;
    const char    *out;      /* NULL: refused */
    size_t         out_len;
} decode_case_t;


static void test_encode(void);
static void test_decode(void);
static void test_roundtrip(void);


/* RFC 4648 section 10, and what each mode refuses */
static const decode_case_t  decode_cases[] = {
    { "", PADDED, "", 0 },
    { "Zg==", PADDED, "f", 1 },
    { "Zm8=", PADDED, "fo", 2 },
    { "Zm9v", PADDED, "foo", 3 },
    { "Zm9vYg==", PADDED, "foob", 4 },
    { "Zm9vYmE=", PADDED, "fooba", 5 },
    { "Zm9vYmFy", PADDED, "foobar", 6 },
    { "+/+/", PADDED, "\xfb\xff\xbf", 3 },
    { "Zh==", PADDED, "f", 1 },             /* unused bits tolerated */
    { "Zg", PADDED, NULL, 0 },              /* padding required */
    { "Zg=", PADDED, NULL, 0 },
    { "Z===", PADDED, NULL, 0 },
    { "====", PADDED, NULL, 0 },
    { "Z=g=", PADDED, NULL, 0 },            /* nothing after padding */
    { "Zg==Zg==", PADDED, NULL, 0 },
    { "-_-_", PADDED, NULL, 0 },            /* URL alphabet */
    { "Zm 9", PADDED, NULL, 0 },

    { "", URL, "", 0 },
    { "Zg", URL, "f", 1 },
    { "Zm8", URL, "fo", 2 },
    { "Zm9vYmFy", URL, "foobar", 6 },
    { "-_-_", URL, "\xfb\xff\xbf", 3 },
    { "Zh", URL, NULL, 0 },                 /* unused bits set */
    { "Zm9", URL, NULL, 0 },
    { "Zg==", URL, NULL, 0 },               /* no padding */
    { "Z", URL, NULL, 0 },                  /* no encoding has 4n+1 */
    { "+/+/", URL, NULL, 0 },
    { "Zm\x80v", URL, NULL, 0 },

    /* a WebSocket key: 16 bytes in their canonical form */
    { "dGhlIHNhbXBsZSBub25jZQ==", KEY, "the sample nonce", 16 },
    { "dGhlIHNhbXBsZSBub25jZR==", KEY, NULL, 0 },
};


static void
test_encode(void)
{
    size_t      i, n;
    char        out[16];
    const char  *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    const char  *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
                            "Zm9vYmE=", "Zm9vYmFy" };

    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        n = ngx_eda_base64_encode((const unsigned char *) in[i],
                                  strlen(in[i]), out);
        EDA_CHECK(n == ngx_eda_base64_encoded_len(strlen(in[i])));
        EDA_CHECK_STR(out, n, want[i]);
    }

    n = ngx_eda_base64_encode((const unsigned char *) "\xfb\xff\xbf", 3,
                              out);
    EDA_CHECK_STR(out, n, "+/+/");
}


static void
test_decode(void)
{
    int                   rc;
    size_t                i, n;
    unsigned char         out[64];
    const decode_case_t  *c;

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        c = &decode_cases[i];
        n = (size_t) -1;

        rc = ngx_eda_base64_decode(c->in, strlen(c->in), out, &n, c->flags);

        if (c->out == NULL) {
            if (rc == 0) {
                printf("case %zu \"%s\" accepted\n", i, c->in);
            }

            EDA_CHECK(rc == -1);
            continue;
        }

        if (rc != 0) {
            printf("case %zu \"%s\" refused\n", i, c->in);
        }

        EDA_CHECK(rc == 0);
        EDA_CHECK(n == c->out_len);
        EDA_CHECK(n <= ngx_eda_base64_decoded_max(strlen(c->in)));
        EDA_CHECK(rc == 0 && memcmp(out, c->out, c->out_len) == 0);
    }
}


/* every length and every byte value survives encode + decode */
static void
test_roundtrip(void)
{
    size_t          len, i, n, bad;
    char            enc[ngx_eda_base64_encoded_len(300)];
    unsigned char   in[300], out[300];

    for (i = 0; i < sizeof(in); i++) {
        in[i] = (unsigned char) (i * 7 + 3);
    }

    bad = 0;

    for (len = 0; len <= sizeof(in); len++) {
        n = ngx_eda_base64_encode(in, len, enc);

        if (ngx_eda_base64_decode(enc, n, out, &n, KEY) != 0
            || n != len || memcmp(in, out, len) != 0)
        {
            bad++;
        }
    }

    EDA_CHECK(bad == 0);
}


int
main(void)
{
    test_encode();
    test_decode();
    test_roundtrip();

    EDA_UNIT_DONE();
}
