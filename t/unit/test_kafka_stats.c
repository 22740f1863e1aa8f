
/*
 * Copyright (C) ngx_eda authors
 */


#include <string.h>

#include "eda_unit.h"
#include "ngx_eda_kafka_stats.h"


typedef struct {
    int            n;
    char           topic[8][32];
    int32_t        partition[8];
    int64_t        lag[8];
} lags_t;


static void lag_cb(void *data, const char *topic, int32_t partition,
    int64_t lag);
static void test_consumer(void);
static void test_producer(void);
static void test_refused(void);


/* a consumer's statistics, cut down to what is read, as librdkafka 2.0 */
static const char  consumer[] =
    "{\"name\":\"rdkafka#consumer-1\",\"type\":\"consumer\",\"msg_cnt\":0,"
    "\"brokers\":{"
    "\"127.0.0.1:19092/bootstrap\":{\"nodeid\":-1,\"state\":\"UP\","
    "\"source\":\"configured\"},"
    "\"127.0.0.1:19092/1\":{\"nodeid\":1,\"state\":\"UP\","
    "\"source\":\"learned\"},"
    "\"127.0.0.1:19093/2\":{\"nodeid\":2,\"state\":\"DOWN\","
    "\"source\":\"learned\"},"
    "\"GroupCoordinator\":{\"nodeid\":1,\"state\":\"UP\","
    "\"source\":\"logical\"}},"
    "\"topics\":{\"orders\":{\"topic\":\"orders\",\"partitions\":{"
    /* consumed: up to the last stable offset */
    "\"0\":{\"partition\":0,\"fetch_state\":\"active\",\"app_offset\":4,"
    "\"next_offset\":9,\"hi_offset\":10,\"ls_offset\":9,"
    "\"consumer_lag\":-1},"
    /* nothing consumed yet: from where fetching starts */
    "\"1\":{\"partition\":1,\"fetch_state\":\"active\",\"app_offset\":-1001,"
    "\"next_offset\":2,\"hi_offset\":2,\"ls_offset\":2},"
    /* not assigned */
    "\"2\":{\"partition\":2,\"fetch_state\":\"none\",\"app_offset\":-1001,"
    "\"next_offset\":0,\"hi_offset\":5,\"ls_offset\":5},"
    /* ends unknown */
    "\"3\":{\"partition\":3,\"fetch_state\":\"active\",\"app_offset\":-1001,"
    "\"next_offset\":-1001,\"hi_offset\":-1001,\"ls_offset\":-1001},"
    "\"-1\":{\"partition\":-1,\"fetch_state\":\"none\",\"app_offset\":-1001,"
    "\"next_offset\":0,\"hi_offset\":-1001,\"ls_offset\":-1001}}}}}";


int
main(void)
{
    test_consumer();
    test_producer();
    test_refused();

    EDA_UNIT_DONE();
}


static void
lag_cb(void *data, const char *topic, int32_t partition, int64_t lag)
{
    lags_t  *l = data;

    if (l->n < 8) {
        strncpy(l->topic[l->n], topic, sizeof(l->topic[0]) - 1);
        l->partition[l->n] = partition;
        l->lag[l->n] = lag;
    }

    l->n++;
}


static void
test_consumer(void)
{
    lags_t                 l;
    ngx_eda_kafka_stats_t  st;

    memset(&l, 0, sizeof(lags_t));

    EDA_CHECK(ngx_eda_kafka_stats_parse(consumer, sizeof(consumer) - 1, &st,
                                        lag_cb, &l) == 0);

    /* node 1 and node 2: not the bootstrap address, not the coordinator */
    EDA_CHECK(st.brokers == 2);
    EDA_CHECK(st.brokers_up == 1);

    EDA_CHECK(l.n == 2);
    EDA_CHECK(strcmp(l.topic[0], "orders") == 0);
    EDA_CHECK(l.partition[0] == 0 && l.lag[0] == 5);
    EDA_CHECK(l.partition[1] == 1 && l.lag[1] == 0);
}


static void
test_producer(void)
{
    ngx_eda_kafka_stats_t  st;

    static const char  producer[] =
        "{\"type\":\"producer\",\"msg_cnt\":17,\"brokers\":{"
        "\"a/1\":{\"nodeid\":1,\"state\":\"CONNECT\"}}}";

    EDA_CHECK(ngx_eda_kafka_stats_parse(producer, sizeof(producer) - 1, &st,
                                        NULL, NULL) == 0);
    EDA_CHECK(st.msg_cnt == 17);
    EDA_CHECK(st.brokers == 1 && st.brokers_up == 0);
}


static void
test_refused(void)
{
    lags_t                 l;
    ngx_eda_kafka_stats_t  st;

    /* odd members are skipped, not trusted */
    static const char  odd[] =
        "{\"type\":\"consumer\",\"brokers\":[],\"topics\":{\"t\":{"
        "\"partitions\":{\"0\":{\"partition\":\"0\"},\"1\":{\"partition\":"
        "99999999999,\"fetch_state\":\"active\",\"app_offset\":1,"
        "\"ls_offset\":2}}}}}";

    memset(&l, 0, sizeof(lags_t));

    EDA_CHECK(ngx_eda_kafka_stats_parse("", 0, &st, lag_cb, &l) == -1);
    EDA_CHECK(ngx_eda_kafka_stats_parse("[]", 2, &st, lag_cb, &l) == -1);
    EDA_CHECK(ngx_eda_kafka_stats_parse("{}", 2, &st, lag_cb, &l) == -1);
    EDA_CHECK(ngx_eda_kafka_stats_parse("{\"type\":1}", 10, &st, lag_cb, &l)
              == -1);

    EDA_CHECK(ngx_eda_kafka_stats_parse(odd, sizeof(odd) - 1, &st, lag_cb,
                                        &l) == 0);
    EDA_CHECK(l.n == 0 && st.brokers == 0);
}
