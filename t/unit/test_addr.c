
/*
 * Copyright (C) ngx_eda authors
 */


#include "eda_unit.h"
#include "ngx_eda_addr.h"


static int
parse(const char *s, int flags, ngx_eda_addr_t *a, const char **err)
{
    return ngx_eda_addr_parse(s, strlen(s), flags, a, err);
}


static void
test_single(void)
{
    const char      *err;
    ngx_eda_addr_t   a;

    EDA_CHECK(parse("127.0.0.1:9092", 0, &a, &err) == 0);
    EDA_CHECK_STR(a.host, a.host_len, "127.0.0.1");
    EDA_CHECK(a.port == 9092 && !a.is_unix);

    EDA_CHECK(parse("kafka-0.kafka_svc.local:65535", 0, &a, &err) == 0);
    EDA_CHECK_STR(a.host, a.host_len, "kafka-0.kafka_svc.local");
    EDA_CHECK(a.port == 65535);

    EDA_CHECK(parse("[::1]:6379", 0, &a, &err) == 0);
    EDA_CHECK_STR(a.host, a.host_len, "::1");
    EDA_CHECK(a.port == 6379);

    EDA_CHECK(parse("unix:/run/redis.sock", NGX_EDA_ADDR_ALLOW_UNIX,
                    &a, &err) == 0);
    EDA_CHECK(a.is_unix && a.port == 0);
    EDA_CHECK_STR(a.host, a.host_len, "/run/redis.sock");
}


static void
test_single_errors(void)
{
    const char      *err;
    ngx_eda_addr_t   a;

    EDA_CHECK(parse("", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "empty address") == 0);

    EDA_CHECK(parse("localhost", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "missing port") == 0);

    EDA_CHECK(parse("localhost:", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "missing port") == 0);

    EDA_CHECK(parse(":9092", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "empty host") == 0);

    EDA_CHECK(parse("host:0", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "port out of range") == 0);

    EDA_CHECK(parse("host:65536", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "port out of range") == 0);

    EDA_CHECK(parse("host:99999999999999999999", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "port out of range") == 0);

    EDA_CHECK(parse("host:90a2", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "invalid port") == 0);

    EDA_CHECK(parse("ho st:9092", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "invalid character in host") == 0);

    EDA_CHECK(parse("[::1:9092", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "unterminated IPv6 address") == 0);

    EDA_CHECK(parse("[]:9092", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "empty IPv6 address") == 0);

    EDA_CHECK(parse("[::1]", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "missing port") == 0);

    EDA_CHECK(parse("[fe80::1%eth0]:1", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "invalid character in IPv6 address") == 0);

    EDA_CHECK(parse("unix:/run/redis.sock", 0, &a, &err) == -1);
    EDA_CHECK(strcmp(err, "unix sockets are not supported here") == 0);

    EDA_CHECK(parse("unix:run.sock", NGX_EDA_ADDR_ALLOW_UNIX, &a, &err)
              == -1);
    EDA_CHECK(strcmp(err, "unix socket path must be absolute") == 0);

    EDA_CHECK(ngx_eda_addr_parse("unix:/a\0b", 9, NGX_EDA_ADDR_ALLOW_UNIX,
                                 &a, &err) == -1);
    EDA_CHECK(strcmp(err, "unix socket path contains a NUL byte") == 0);
}


static void
test_list(void)
{
    size_t       n, off;
    const char  *err, *s;

    s = "a:1,b:2,[::1]:3";
    EDA_CHECK(ngx_eda_addr_parse_list(s, strlen(s), &n, &off, &err) == 0);
    EDA_CHECK(n == 3);

    s = "a:1";
    EDA_CHECK(ngx_eda_addr_parse_list(s, strlen(s), &n, &off, &err) == 0);
    EDA_CHECK(n == 1);

    s = "";
    EDA_CHECK(ngx_eda_addr_parse_list(s, 0, &n, &off, &err) == -1);
    EDA_CHECK(strcmp(err, "empty list") == 0);

    s = "a:1,,b:2";
    EDA_CHECK(ngx_eda_addr_parse_list(s, strlen(s), &n, &off, &err) == -1);
    EDA_CHECK(strcmp(err, "empty entry") == 0 && off == 4);

    s = "a:1,";
    EDA_CHECK(ngx_eda_addr_parse_list(s, strlen(s), &n, &off, &err) == -1);
    EDA_CHECK(strcmp(err, "empty entry") == 0 && off == 4);

    s = "a:1,b";
    EDA_CHECK(ngx_eda_addr_parse_list(s, strlen(s), &n, &off, &err) == -1);
    EDA_CHECK(strcmp(err, "missing port") == 0 && off == 4);

    s = "a:1,unix:/x";
    EDA_CHECK(ngx_eda_addr_parse_list(s, strlen(s), &n, &off, &err) == -1);
    EDA_CHECK(strcmp(err, "unix sockets are not supported here") == 0);
}


int
main(void)
{
    test_single();
    test_single_errors();
    test_list();

    EDA_UNIT_DONE();
}
