
/*
 * Copyright (C) ngx_eda authors
 *
 * The ids of saga instances and of their commands: the format of each,
 * checked, composed and read back.
 */


#include <stdio.h>
#include <string.h>

#include "ngx_eda_saga_id.h"


#define NGX_EDA_SAGA_MAX_NUMBER    5      /* digits of a step or attempt */


static const char *ngx_eda_saga_number(const char *p, long *n);


int
ngx_eda_saga_valid_id(const char *id, size_t len)
{
    size_t  i;

    if (len != NGX_EDA_SAGA_ID_LEN || id[14] != '4'
        || strchr("89ab", id[19]) == NULL)
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (id[i] != '-') {
                return 0;
            }

        } else if (!((id[i] >= '0' && id[i] <= '9')
                     || (id[i] >= 'a' && id[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


void
ngx_eda_saga_cmd_id(char *out, size_t size, const char *id, size_t step,
    int comp, unsigned attempt)
{
    snprintf(out, size, "%s.%zu.%c.%u", id, step + 1, comp ? 'c' : 'f',
             attempt);
}


int
ngx_eda_saga_cmd_id_parse(const char *key, const char *id, size_t *step,
    int *comp, long *attempt)
{
    long         n;
    size_t       len;
    const char  *p;

    len = strlen(id);

    if (strncmp(key, id, len) != 0 || key[len] != '.') {
        return -1;
    }

    p = ngx_eda_saga_number(key + len + 1, &n);
    if (p == NULL || p[0] != '.' || (p[1] != 'f' && p[1] != 'c')
        || p[2] != '.')
    {
        return -1;
    }

    *step = (size_t) n;
    *comp = (p[1] == 'c');

    p = ngx_eda_saga_number(p + 3, attempt);

    return (p == NULL || *p != '\0') ? -1 : 0;
}


/* a decimal number from 1 to 99999 at P: the byte after it, or NULL */

static const char *
ngx_eda_saga_number(const char *p, long *n)
{
    size_t  i;

    *n = 0;

    for (i = 0; p[i] >= '0' && p[i] <= '9'; i++) {
        if (i == NGX_EDA_SAGA_MAX_NUMBER || (i == 0 && p[i] == '0')) {
            return NULL;
        }

        *n = *n * 10 + (p[i] - '0');
    }

    return (i == 0) ? NULL : p + i;
}
