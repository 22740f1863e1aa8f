
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_ADDR_H_INCLUDED_
#define _NGX_EDA_ADDR_H_INCLUDED_


#include <stddef.h>


/*
 * Parsing of the addresses operators type into directives: Kafka bootstrap
 * lists ("host:port[,host:port...]") and single server addresses
 * ("host:port", "[v6]:port", "unix:/path").  No nginx types: the same code
 * is unit-tested and fuzzed on its own.
 */


#define NGX_EDA_ADDR_ALLOW_UNIX  0x01


typedef struct {
    const char    *host;       /* points into the parsed input */
    size_t         host_len;
    unsigned int   port;       /* 0 for unix sockets */
    int            is_unix;    /* host is then the socket path */
} ngx_eda_addr_t;


/*
 * Both return 0 on success, -1 on error with *err set to a static
 * message describing the problem.
 */
int ngx_eda_addr_parse(const char *s, size_t len, int flags,
    ngx_eda_addr_t *addr, const char **err);
int ngx_eda_addr_parse_list(const char *s, size_t len, size_t *count,
    size_t *bad_offset, const char **err);


#endif /* _NGX_EDA_ADDR_H_INCLUDED_ */
