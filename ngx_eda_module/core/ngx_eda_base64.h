
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_BASE64_H_INCLUDED_
#define _NGX_EDA_BASE64_H_INCLUDED_


#include <stddef.h>


/*
 * Base64 (RFC 4648) for every core that needs it: CloudEvents' data_base64
 * (section 4, padded), JWS parts and JWK members (section 5, base64url
 * without padding) and the WebSocket handshake key.  No nginx types.
 */


/* ngx_eda_base64_decode() flags */
#define NGX_EDA_BASE64_URL      0x01  /* "-" and "_" instead of "+", "/" */
#define NGX_EDA_BASE64_PADDED   0x02  /* "=" up to a multiple of 4, required */
#define NGX_EDA_BASE64_STRICT   0x04  /* unused bits of the last char zero */


/* the length of the padded encoding of N bytes */
#define ngx_eda_base64_encoded_len(n)  (((n) + 2) / 3 * 4)

/* an upper bound of the bytes that LEN characters decode to */
#define ngx_eda_base64_decoded_max(len)  ((len) / 4 * 3 + 3)


/*
 * Writes the padded standard encoding of IN to OUT, which holds
 * ngx_eda_base64_encoded_len(LEN) bytes; no NUL.  Returns that length.
 */
size_t ngx_eda_base64_encode(const unsigned char *in, size_t len, char *out);

/*
 * Decodes IN into OUT (ngx_eda_base64_decoded_max(LEN) bytes are enough)
 * and sets *OUT_LEN.  Without NGX_EDA_BASE64_PADDED a "=" is refused like
 * any character outside the alphabet; a length that no encoding has is
 * refused either way.  With NGX_EDA_BASE64_STRICT every byte string has
 * exactly one accepted encoding.  0 on success, -1 otherwise.
 */
int ngx_eda_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *out_len, unsigned int flags);


#endif /* _NGX_EDA_BASE64_H_INCLUDED_ */
