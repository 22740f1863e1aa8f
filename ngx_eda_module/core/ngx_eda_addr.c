
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "ngx_eda_addr.h"


static int ngx_eda_addr_unix(const char *s, size_t len,
    ngx_eda_addr_t *addr, const char **err);
static int ngx_eda_addr_v6(const char *s, size_t len, ngx_eda_addr_t *addr,
    size_t *host_end, const char **err);
static int ngx_eda_addr_host(const char *s, size_t len,
    ngx_eda_addr_t *addr, size_t *host_end, const char **err);
static int ngx_eda_addr_port(const char *s, size_t len,
    ngx_eda_addr_t *addr, const char **err);
static int ngx_eda_addr_host_char(unsigned char ch);
static int ngx_eda_addr_v6_char(unsigned char ch);


int
ngx_eda_addr_parse(const char *s, size_t len, int flags,
    ngx_eda_addr_t *addr, const char **err)
{
    size_t  host_end;

    memset(addr, 0, sizeof(ngx_eda_addr_t));

    if (len == 0) {
        *err = "empty address";
        return -1;
    }

    if (len >= 5 && memcmp(s, "unix:", 5) == 0) {

        if (!(flags & NGX_EDA_ADDR_ALLOW_UNIX)) {
            *err = "unix sockets are not supported here";
            return -1;
        }

        return ngx_eda_addr_unix(s, len, addr, err);
    }

    if (s[0] == '[') {
        if (ngx_eda_addr_v6(s, len, addr, &host_end, err) != 0) {
            return -1;
        }

    } else if (ngx_eda_addr_host(s, len, addr, &host_end, err) != 0) {
        return -1;
    }

    return ngx_eda_addr_port(s + host_end + 1, len - host_end - 1, addr,
                             err);
}


static int
ngx_eda_addr_unix(const char *s, size_t len, ngx_eda_addr_t *addr,
    const char **err)
{
    size_t  i;

    if (len == 5 || s[5] != '/') {
        *err = "unix socket path must be absolute";
        return -1;
    }

    for (i = 5; i < len; i++) {
        if (s[i] == '\0') {
            *err = "unix socket path contains a NUL byte";
            return -1;
        }
    }

    addr->host = s + 5;
    addr->host_len = len - 5;
    addr->is_unix = 1;

    return 0;
}


/* "[v6]:": *HOST_END is the index of the ':' */

static int
ngx_eda_addr_v6(const char *s, size_t len, ngx_eda_addr_t *addr,
    size_t *host_end, const char **err)
{
    size_t  i;

    for (i = 1; i < len && s[i] != ']'; i++) {
        if (!ngx_eda_addr_v6_char((unsigned char) s[i])) {
            *err = "invalid character in IPv6 address";
            return -1;
        }
    }

    if (i == len) {
        *err = "unterminated IPv6 address";
        return -1;
    }

    if (i == 1) {
        *err = "empty IPv6 address";
        return -1;
    }

    addr->host = s + 1;
    addr->host_len = i - 1;
    *host_end = i + 1;

    if (*host_end == len || s[*host_end] != ':') {
        *err = "missing port";
        return -1;
    }

    return 0;
}


/* "host:": *HOST_END is the index of the ':' */

static int
ngx_eda_addr_host(const char *s, size_t len, ngx_eda_addr_t *addr,
    size_t *host_end, const char **err)
{
    size_t  i;

    for (i = 0; i < len && s[i] != ':'; i++) {
        if (!ngx_eda_addr_host_char((unsigned char) s[i])) {
            *err = "invalid character in host";
            return -1;
        }
    }

    if (i == 0) {
        *err = "empty host";
        return -1;
    }

    if (i == len) {
        *err = "missing port";
        return -1;
    }

    addr->host = s;
    addr->host_len = i;
    *host_end = i;

    return 0;
}


static int
ngx_eda_addr_port(const char *s, size_t len, ngx_eda_addr_t *addr,
    const char **err)
{
    size_t        i;
    unsigned int  port;

    if (len == 0) {
        *err = "missing port";
        return -1;
    }

    port = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *err = "invalid port";
            return -1;
        }

        port = port * 10 + (unsigned int) (s[i] - '0');

        if (port > 65535) {
            *err = "port out of range";
            return -1;
        }
    }

    if (port == 0) {
        *err = "port out of range";
        return -1;
    }

    addr->port = port;

    return 0;
}


int
ngx_eda_addr_parse_list(const char *s, size_t len, size_t *count,
    size_t *bad_offset, const char **err)
{
    size_t          start, end;
    ngx_eda_addr_t  addr;

    *count = 0;
    start = 0;

    if (len == 0) {
        *bad_offset = 0;
        *err = "empty list";
        return -1;
    }

    for ( ;; ) {

        for (end = start; end < len && s[end] != ','; end++) {
            /* void */
        }

        if (end == start) {
            *bad_offset = start;
            *err = "empty entry";
            return -1;
        }

        if (ngx_eda_addr_parse(s + start, end - start, 0, &addr, err) != 0) {
            *bad_offset = start;
            return -1;
        }

        (*count)++;

        if (end == len) {
            return 0;
        }

        start = end + 1;

        if (start == len) {
            *bad_offset = start;
            *err = "empty entry";
            return -1;
        }
    }
}


static int
ngx_eda_addr_host_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'
           || ch == '_';
}


static int
ngx_eda_addr_v6_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')
           || (ch >= '0' && ch <= '9') || ch == ':' || ch == '.';
}
