
/*
 * Copyright (C) ngx_eda authors
 *
 * Random bytes for event ids, drawn from OpenSSL a block at a time: one
 * RAND_bytes() per UUID cost about a tenth of a publishing worker's CPU.
 * The block lives in the process (filled on first use after fork), never
 * in the master, so no two processes hand out the same bytes.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <openssl/rand.h>

#include "ngx_eda_conf.h"
#include "ngx_eda_random.h"


#define NGX_EDA_RANDOM_BLOCK  4096


void
ngx_eda_random_init_process(ngx_eda_main_conf_t *emcf)
{
    /* whatever the master may have drawn is not for this process */
    emcf->random = NULL;
    emcf->random_left = 0;
}


ngx_int_t
ngx_eda_random(ngx_eda_main_conf_t *emcf, u_char *out, size_t n)
{
    if (n > NGX_EDA_RANDOM_BLOCK) {
        return RAND_bytes(out, (int) n) == 1 ? NGX_OK : NGX_ERROR;
    }

    if (emcf->random == NULL) {
        emcf->random = ngx_palloc(ngx_cycle->pool, NGX_EDA_RANDOM_BLOCK);
        if (emcf->random == NULL) {
            return NGX_ERROR;
        }

        emcf->random_left = 0;
    }

    if (emcf->random_left < n) {
        if (RAND_bytes(emcf->random, NGX_EDA_RANDOM_BLOCK) != 1) {
            return NGX_ERROR;
        }

        emcf->random_left = NGX_EDA_RANDOM_BLOCK;
    }

    ngx_memcpy(out, emcf->random + NGX_EDA_RANDOM_BLOCK - emcf->random_left,
               n);

    /* handed out bytes are not kept around */
    ngx_memzero(emcf->random + NGX_EDA_RANDOM_BLOCK - emcf->random_left, n);
    emcf->random_left -= n;

    return NGX_OK;
}
