
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_JSON_OUT_H_INCLUDED_
#define _NGX_EDA_JSON_OUT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * Pieces of JSON text written into a caller's buffer: bytes as they are,
 * string literals and unsigned integers.  The same calls count instead
 * of writing when the buffer is NULL, so an encoder is one function that
 * gives its exact length first and its bytes second.  No nginx types.
 */


typedef struct {
    unsigned char  *pos;      /* NULL: count only */
    size_t          len;      /* bytes so far */
} ngx_eda_json_out_t;


/* OUT NULL counts only */
void ngx_eda_json_out_init(ngx_eda_json_out_t *o, unsigned char *out);

void ngx_eda_json_put(ngx_eda_json_out_t *o, const void *p, size_t len);

/* a string constant as it is */
#define ngx_eda_json_put_lit(o, s)  ngx_eda_json_put(o, s, sizeof(s) - 1)

/*
 * A string literal with its quotes.  The bytes must be valid UTF-8 (the
 * callers check it with ngx_eda_utf8_valid()); '"', '\' and the controls
 * below U+0020 are escaped, everything else is copied.
 */
void ngx_eda_json_put_string(ngx_eda_json_out_t *o, const unsigned char *p,
    size_t len);

/* decimal digits, no sign, no leading zero */
void ngx_eda_json_put_uint(ngx_eda_json_out_t *o, uint64_t v);


#endif /* _NGX_EDA_JSON_OUT_H_INCLUDED_ */
