
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for the reading of a server's answer to a GET (the
 * keys of eda_jwt_jwks_url): any input is parsed; an accepted one has a
 * status from 100 to 599 and a body inside the input, ending at its end
 * or at its Content-Length.  Run it with
 * "./build.sh fuzz http_answer [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_eda_http_answer.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          status;
    size_t       len;
    char        *copy;
    const char  *body, *err;

    /* an exact copy, so that a read past the input is caught */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    err = NULL;

    if (ngx_eda_http_answer(copy, size, &status, &body, &len, &err) == 0) {
        if (status < 100 || status > 599 || body < copy
            || body + len > copy + size)
        {
            abort();
        }

    } else if (err == NULL) {
        abort();
    }

    free(copy);

    return 0;
}
