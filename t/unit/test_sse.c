
/*
 * Copyright (C) ngx_eda authors
 */


#include <stdlib.h>

#include "eda_unit.h"
#include "eda_sse_reader.h"
#include "ngx_eda_sse.h"


static size_t
encode(const char *id, const char *name, const char *data, size_t data_len,
    unsigned char **out)
{
    size_t  len, n;

    len = ngx_eda_sse_event(NULL, (const unsigned char *) id, strlen(id),
                            (const unsigned char *) name, strlen(name),
                            (const unsigned char *) data, data_len);

    *out = malloc(len + 1);
    n = ngx_eda_sse_event(*out, (const unsigned char *) id, strlen(id),
                          (const unsigned char *) name, strlen(name),
                          (const unsigned char *) data, data_len);
    EDA_CHECK(n == len);

    return n;
}


static void
check_wire(const char *id, const char *name, const char *data,
    const char *want)
{
    size_t          n;
    unsigned char  *out;

    n = encode(id, name, data, strlen(data), &out);
    EDA_CHECK_STR(out, n, want);
    free(out);
}


static void
check_read(const char *id, const char *name, const char *data,
    size_t data_len, const char *want_data, const char *want_id,
    const char *want_type)
{
    size_t           n;
    unsigned char   *out;
    eda_sse_read_t   ev;

    n = encode(id, name, data, data_len, &out);
    eda_sse_read(out, n, &ev);

    EDA_CHECK(ev.dispatched);
    EDA_CHECK_STR(ev.data, ev.data_len, want_data);
    EDA_CHECK_STR(ev.id, ev.id_len, want_id);
    EDA_CHECK_STR(ev.type, ev.type_len, want_type);

    free(ev.data);
    free(out);
}


static void
test_wire(void)
{
    check_wire("", "", "", "data: \n\n");
    check_wire("", "", "hello", "data: hello\n\n");
    check_wire("e1", "", "{\"a\":1}", "id: e1\ndata: {\"a\":1}\n\n");
    check_wire("e1", "order.created", "x",
               "id: e1\nevent: order.created\ndata: x\n\n");
    check_wire("", "", "a\nb", "data: a\ndata: b\n\n");
    check_wire("", "", "a\r\nb", "data: a\ndata: b\n\n");
    check_wire("", "", "a\rb", "data: a\ndata: b\n\n");
    check_wire("", "", "a\n", "data: a\ndata: \n\n");
    check_wire("", "", "\n", "data: \ndata: \n\n");
    check_wire("", "", "a\r", "data: a\ndata: \n\n");
    check_wire("", "", "a\n\r\nb", "data: a\ndata: \ndata: b\n\n");
    check_wire("", "", " lead", "data:  lead\n\n");

    /* what cannot be in a field is left out */
    check_wire("e\r\n1", "t\ny", "x", "id: e1\nevent: ty\ndata: x\n\n");
    check_wire("e", "", ": not a comment", "id: e\ndata: : not a comment\n\n");
}


static void
test_read_back(void)
{
    check_read("", "", "hello", 5, "hello", "", "");
    check_read("e1", "", "", 0, "", "e1", "");
    check_read("e1", "t", "a\nb\n", 4, "a\nb\n", "e1", "t");
    check_read("", "", "a\r\nb\rc", 6, "a\nb\nc", "", "");
    check_read("", "", "\n\n", 2, "\n\n", "", "");
    check_read("", "", " two  spaces ", 13, " two  spaces ", "", "");
    check_read("", "", "data: inside", 12, "data: inside", "", "");
}


static void
test_nul_in_data(void)
{
    size_t           n;
    unsigned char   *out;
    eda_sse_read_t   ev;

    /* NUL is data like any other byte: it arrives */

    n = encode("", "", "x\0y", 3, &out);
    eda_sse_read(out, n, &ev);

    EDA_CHECK(ev.dispatched && ev.data_len == 3
              && memcmp(ev.data, "x\0y", 3) == 0);

    free(ev.data);
    free(out);

    /* NUL in an id would make a browser drop it: left out */

    out = malloc(64);
    n = ngx_eda_sse_event(out, (const unsigned char *) "i\0d", 3, NULL, 0,
                          (const unsigned char *) "x", 1);
    EDA_CHECK_STR(out, n, "id: id\ndata: x\n\n");
    free(out);
}


int
main(void)
{
    test_wire();
    test_read_back();
    test_nul_in_data();

    printf("RESULT %d %d\n", eda_unit_passed, eda_unit_failed);

    return 0;
}
