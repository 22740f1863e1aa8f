
/*
 * Copyright (C) ngx_eda authors
 */


#include "eda_unit.h"
#include "ngx_eda_utf8.h"


static int utf8_ok(const char *s);
static void test_utf8(void);


static int
utf8_ok(const char *s)
{
    return ngx_eda_utf8_valid((const unsigned char *) s, strlen(s));
}


static void
test_utf8(void)
{
    size_t              i, j;
    ngx_eda_utf8_t      u;
    static const char  *valid[] = {
        "",
        "plain ASCII \x7f",
        "\xc2\x80 \xdf\xbf",                      /* U+0080, U+07FF */
        "\xe0\xa0\x80 \xef\xbf\xbf",              /* U+0800, U+FFFF */
        "\xed\x9f\xbf \xee\x80\x80",              /* U+D7FF, U+E000 */
        "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf",      /* U+10000, U+10FFFF */
        "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
        "\xf0\x9f\x98\x80",
        NULL
    };
    static const char  *invalid[] = {
        "\x80",                                   /* lone continuation */
        "a\xbf",
        "\xc3\x28",                               /* bad continuation */
        "\xc0\x80",                               /* overlong */
        "\xc1\xbf",
        "\xe0\x80\x80",
        "\xe0\x9f\xbf",
        "\xf0\x80\x80\x80",
        "\xf0\x8f\xbf\xbf",
        "\xed\xa0\x80",                           /* surrogates */
        "\xed\xbf\xbf",
        "\xed\xa0\x80\xed\xb0\x80",
        "\xf4\x90\x80\x80",                       /* above U+10FFFF */
        "\xf5\x80\x80\x80",
        "\xf7\xbf\xbf\xbf",
        "\xf8\x88\x80\x80\x80",
        "\xfe",
        "\xff",
        "\xc3",                                   /* truncated */
        "\xe2\x82",
        "\xf0\x9f\x98",
        "ok\xf0",
        "\xe2\x82\x41",
        NULL
    };

    for (i = 0; valid[i] != NULL; i++) {
        if (!utf8_ok(valid[i])) {
            printf("valid UTF-8 #%zu rejected\n", i);
        }

        EDA_CHECK(utf8_ok(valid[i]));
    }

    for (i = 0; invalid[i] != NULL; i++) {
        if (utf8_ok(invalid[i])) {
            printf("invalid UTF-8 #%zu accepted\n", i);
        }

        EDA_CHECK(!utf8_ok(invalid[i]));
    }

    /* U+1F600 in two pieces, cut at every place */
    for (i = 0; i <= 4; i++) {
        ngx_eda_utf8_init(&u);
        EDA_CHECK(ngx_eda_utf8_feed(&u, (const unsigned char *)
                                    "\xf0\x9f\x98\x80", i) == 0);
        EDA_CHECK(ngx_eda_utf8_complete(&u) == (i == 0 || i == 4));
        EDA_CHECK(ngx_eda_utf8_feed(&u, (const unsigned char *)
                                    "\xf0\x9f\x98\x80" + i, 4 - i) == 0);
        EDA_CHECK(ngx_eda_utf8_complete(&u));
    }

    /* an overlong form is caught on its second byte even when split */
    ngx_eda_utf8_init(&u);
    EDA_CHECK(ngx_eda_utf8_feed(&u, (const unsigned char *) "\xe0", 1)
              == 0);
    EDA_CHECK(ngx_eda_utf8_feed(&u, (const unsigned char *) "\x9f", 1)
              == -1);

    /* the longest valid prefix */
    EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) "abc", 3, 10)
              == 3);
    EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) "abc", 3, 2)
              == 2);
    EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) "a\xc3\xa9",
                                  3, 2) == 1);
    EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) "a\xc3\xa9",
                                  3, 3) == 3);
    EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) "ab\xffzz",
                                  5, 5) == 2);
    EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) "ab\xe2\x82",
                                  4, 9) == 2);
    EDA_CHECK(ngx_eda_utf8_prefix(NULL, 0, 9) == 0);

    for (i = 0; valid[i] != NULL; i++) {
        j = strlen(valid[i]);
        EDA_CHECK(ngx_eda_utf8_prefix((const unsigned char *) valid[i],
                                      j, j) == j);
    }
}


int
main(void)
{
    test_utf8();

    EDA_UNIT_DONE();
}
