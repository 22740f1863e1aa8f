
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _NGX_EDA_SAGA_ID_H_INCLUDED_
#define _NGX_EDA_SAGA_ID_H_INCLUDED_


#include <stddef.h>


/*
 * The ids of the saga core, without nginx: an instance's (what the
 * gateway issues, and all a reply may name) and a command's (what a reply
 * must carry to count, see ngx_eda_saga_apply).
 */


#define NGX_EDA_SAGA_ID_LEN        36     /* a version 4 UUID */


/*
 * 1 if ID is an id the gateway issues: a version 4 UUID in lower-case hex
 * (xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx, Y one of 8, 9, a, b).
 */
int ngx_eda_saga_valid_id(const char *id, size_t len);

/*
 * The id of attempt ATTEMPT of the command (COMP: the compensation) of
 * step STEP (from 0) of instance ID, also its idempotency key:
 * "<id>.<step + 1>.<f or c>.<attempt>", NUL-terminated in OUT.
 */
void ngx_eda_saga_cmd_id(char *out, size_t size, const char *id,
    size_t step, int comp, unsigned attempt);

/*
 * Reads KEY as the id of a command of instance ID: 0 with *STEP (from 1),
 * *COMP and *ATTEMPT set, or -1 if it is not one.
 */
int ngx_eda_saga_cmd_id_parse(const char *key, const char *id, size_t *step,
    int *comp, long *attempt);


#endif /* _NGX_EDA_SAGA_ID_H_INCLUDED_ */
