
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_UTF8_H_INCLUDED_
#define _NGX_EDA_UTF8_H_INCLUDED_


#include <stddef.h>


/*
 * UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) for every core that needs it: CloudEvents attributes and
 * text data, WebSocket text messages and close reasons.  No nginx types.
 */


/*
 * The incremental check's state.  Zeroed or ngx_eda_utf8_init()ed, it is
 * at a character boundary.
 */
typedef struct {
    unsigned int   need;    /* continuation bytes still expected */
    unsigned char  lo;      /* range of the next continuation byte */
    unsigned char  hi;
} ngx_eda_utf8_t;


/*
 * 1 if the bytes are valid UTF-8 in full (no character cut at the end),
 * 0 otherwise.
 */
int ngx_eda_utf8_valid(const unsigned char *p, size_t len);

/*
 * The length of the longest prefix of at most MAX bytes that is valid
 * UTF-8 and ends at a character boundary.
 */
size_t ngx_eda_utf8_prefix(const unsigned char *p, size_t len, size_t max);

/*
 * The incremental form: feed the bytes of one text in any pieces.
 * ngx_eda_utf8_feed() returns 0 while the bytes so far can start valid
 * UTF-8, -1 at the first byte that cannot (the state is then undefined);
 * ngx_eda_utf8_complete() returns 1 when the text may end here (no
 * character left open), 0 otherwise.
 */
void ngx_eda_utf8_init(ngx_eda_utf8_t *u);
int ngx_eda_utf8_feed(ngx_eda_utf8_t *u, const unsigned char *p, size_t len);
int ngx_eda_utf8_complete(const ngx_eda_utf8_t *u);


#endif /* _NGX_EDA_UTF8_H_INCLUDED_ */
