
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_HTTP_ANSWER_H_INCLUDED_
#define _NGX_EDA_HTTP_ANSWER_H_INCLUDED_


#include <stddef.h>


/*
 * An HTTP/1.x answer to an HTTP/1.0 GET, read until the server closed the
 * connection: the LEN bytes at BUF.  Returns 0 with its status code and
 * its body (within BUF), or -1 with ERR saying why it is not a complete
 * answer: no status line, headers not ended, a chunked body (which an
 * HTTP/1.0 request never asks for), a Content-Length that is invalid or
 * more than was read.  Nothing nginx: unit-tested and fuzzed.
 */
int ngx_eda_http_answer(const char *buf, size_t len, int *status,
    const char **body, size_t *body_len, const char **err);


#endif /* _NGX_EDA_HTTP_ANSWER_H_INCLUDED_ */
