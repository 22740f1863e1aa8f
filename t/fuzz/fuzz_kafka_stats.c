
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * libFuzzer target for librdkafka's statistics reader: any input is
 * either refused or read into counts that hold together (no more brokers
 * up than known, no negative lag, a partition number in range).  Run it
 * with "./build.sh fuzz kafka_stats [seconds]".
 */


#include <stdint.h>
#include <stdlib.h>

#include "ngx_eda_kafka_stats.h"


static void
fuzz_kafka_stats_lag(void *data, const char *topic, int32_t partition,
    int64_t lag)
{
    (void) data;

    if (topic == NULL || partition < 0 || lag < 0) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_eda_kafka_stats_t  st;

    if (ngx_eda_kafka_stats_parse((const char *) data, size, &st,
                                  fuzz_kafka_stats_lag, NULL)
        == 0
        && (st.brokers_up > st.brokers || st.msg_cnt < 0))
    {
        abort();
    }

    return 0;
}
