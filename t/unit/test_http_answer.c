
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "eda_unit.h"
#include "ngx_eda_http_answer.h"


typedef struct {
    const char  *in;
    int          status;        /* 0: refused */
    const char  *body;          /* or the error's start */
} answer_case_t;


static const answer_case_t  cases[] = {
    { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"keys\":[]}",
      200, "{\"keys\":[]}" },
    { "HTTP/1.0 404 Not Found\r\n\r\n", 404, "" },
    { "HTTP/1.1 200 OK\n\nbare newlines", 200, "bare newlines" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbodyextra", 200, "body" },
    { "HTTP/1.1 200 OK\r\ncontent-length:  3 \r\n\r\nabc", 200, "abc" },
    { "HTTP/1.1 200 OK\r\nX-Content-Length: 9\r\n\r\nab", 200, "ab" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", 0,
      "the body is shorter" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab", 0,
      "an invalid Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", 0,
      "an invalid Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
      0, "an invalid Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 9999999999999\r\n\r\n", 0,
      "an invalid Content-Length" },
    { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody", 0,
      "a Transfer-Encoding answer" },
    { "HTTP/1.1 200 OK\r\nServer: x\r\n", 0, "the headers do not end" },
    { "HTTP/1.1 200 OK", 0, "the headers do not end" },
    { "HTTP/1.1 20", 0, "no HTTP/1.x status line" },
    { "SSH-2.0-OpenSSH\r\n\r\n", 0, "no HTTP/1.x status line" },
    { "", 0, "no HTTP/1.x status line" },
};


static void
test_cases(void)
{
    int          status, rc;
    size_t       i, len;
    const char  *body, *err;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        status = -1;
        err = NULL;
        rc = ngx_eda_http_answer(cases[i].in, strlen(cases[i].in), &status,
                                 &body, &len, &err);

        if (cases[i].status == 0) {
            EDA_CHECK(rc == -1);
            EDA_CHECK(err != NULL
                      && strncmp(err, cases[i].body, strlen(cases[i].body))
                         == 0);
            continue;
        }

        EDA_CHECK(rc == 0);
        EDA_CHECK(status == cases[i].status);
        EDA_CHECK_STR(body, len, cases[i].body);
    }
}


/* a body may hold anything, NUL bytes too, and is not searched */

static void
test_binary_body(void)
{
    int          status;
    size_t       len;
    const char  *body, *err;

    static const char  in[] = "HTTP/1.1 200 OK\r\n\r\n\0\r\n\r\nHTTP/1.1 500";

    EDA_CHECK(ngx_eda_http_answer(in, sizeof(in) - 1, &status, &body, &len,
                                  &err) == 0);
    EDA_CHECK(status == 200 && len == sizeof(in) - 1 - 19);
    EDA_CHECK(body == in + 19);
}


int
main(void)
{
    test_cases();
    test_binary_body();

    EDA_UNIT_DONE();
}
