
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SSE_H_INCLUDED_
#define _NGX_EDA_SSE_H_INCLUDED_


#include <stddef.h>


/*
 * The server side of Server-Sent Events (the text/event-stream format of
 * the HTML standard) without nginx: one event written as fields.  No nginx
 * types: the same code is unit-tested (t/unit/test_sse.c) and fuzzed
 * (t/fuzz/fuzz_sse.c) against a reader written after the standard's
 * parsing rules.
 */


/*
 * Writes one event: "id: ID" when ID is not empty, "event: NAME" when NAME
 * is not empty, one "data: " line per line of DATA, and the blank line that
 * dispatches the event.  A browser's EventSource then sees DATA as it was,
 * except that CR LF and CR line ends arrive as LF.  CR, LF and NUL cannot
 * be carried by the id or the name (they would end the field, or make the
 * browser drop the id): they are left out.  With OUT NULL nothing is
 * written and the length is returned, so a caller sizes its buffer first.
 * Returns the number of bytes (written).
 */
size_t ngx_eda_sse_event(unsigned char *out, const unsigned char *id,
    size_t id_len, const unsigned char *name, size_t name_len,
    const unsigned char *data, size_t data_len);


#endif /* _NGX_EDA_SSE_H_INCLUDED_ */
