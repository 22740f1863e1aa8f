
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _EDA_UNIT_H_INCLUDED_
#define _EDA_UNIT_H_INCLUDED_


/*
 * A minimal harness for the nginx-free cores.  Each test binary prints one
 * line per failed check and a last line "RESULT <passed> <failed>" that
 * build.sh adds up into the suite's "N passed, N failed" summary.
 */


#include <stdio.h>
#include <string.h>


static int  eda_unit_passed;
static int  eda_unit_failed;


#define EDA_CHECK(cond)                                                       \
    do {                                                                      \
        if (cond) {                                                           \
            eda_unit_passed++;                                                \
        } else {                                                              \
            eda_unit_failed++;                                                \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                     \
    } while (0)


#define EDA_CHECK_STR(got, got_len, want)                                     \
    do {                                                                      \
        size_t  eda_want_len = strlen(want);                                  \
                                                                              \
        if ((size_t) (got_len) == eda_want_len                                \
            && memcmp((got), (want), eda_want_len) == 0)                      \
        {                                                                     \
            eda_unit_passed++;                                                \
        } else {                                                              \
            eda_unit_failed++;                                                \
            printf("FAIL %s:%d: got \"%.*s\", want \"%s\"\n", __FILE__,       \
                   __LINE__, (int) (got_len), (const char *) (got), want);    \
        }                                                                     \
    } while (0)


#define EDA_UNIT_DONE()                                                       \
    do {                                                                      \
        printf("RESULT %d %d\n", eda_unit_passed, eda_unit_failed);           \
        return eda_unit_failed ? 1 : 0;                                       \
    } while (0)


#endif /* _EDA_UNIT_H_INCLUDED_ */
