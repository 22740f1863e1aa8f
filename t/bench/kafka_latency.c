/*
 * t/bench/kafka_latency.c: Kafka's own produce -> consume latency, with
 * librdkafka alone, as the baseline of the fan-out benchmark.
 *
 *     kafka_latency -b BROKERS -t TOPIC [-r RATE] [-d SECONDS]
 *                   [-L LINGER_MS] [-F FETCH_WAIT_MS]
 *
 * One producer (acks=all, linger.ms LINGER_MS: the gateway's defaults)
 * writes RATE records per second for SECONDS, each carrying the time it
 * was produced at; one consumer (its own group, reading from the end,
 * fetch.wait.max.ms FETCH_WAIT_MS: the gateway's) receives them, in the
 * same process, so one clock measures both ends.  Prints
 *
 *     RESULT sent=N received=N missing=N p50_ms=X p99_ms=X max_ms=X
 *
 * The consumer is assigned at the end of the topic and has received a
 * record written after that before the first measured one is written, so
 * every one must arrive; missing ones are reported (and make the exit
 * status 1).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>


static const char  *brokers = "127.0.0.1:9092";
static const char  *topic;
static int          rate = 1000;
static int          seconds = 5;
static const char  *linger = "1";
static const char  *fetch_wait = "50";


static int64_t
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static void
set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char  err[512];

    if (rd_kafka_conf_set(conf, name, value, err, sizeof(err))
        != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "kafka_latency: %s: %s\n", name, err);
        exit(2);
    }
}


static int
cmp(const void *a, const void *b)
{
    int64_t  x = *(const int64_t *) a, y = *(const int64_t *) b;

    return (x > y) - (x < y);
}


static rd_kafka_t *
consumer_new(void)
{
    char                             err[512], group[64];
    rd_kafka_t                      *rk;
    rd_kafka_conf_t                 *conf;
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_metadata_t const       *md;
    rd_kafka_topic_t                *rkt;
    int                              i, np;

    conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", brokers);
    snprintf(group, sizeof(group), "kafka-latency-%d", (int) getpid());
    set(conf, "group.id", group);
    set(conf, "enable.auto.commit", "false");
    set(conf, "fetch.wait.max.ms", fetch_wait);
    set(conf, "log_level", "3");

    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (rk == NULL) {
        fprintf(stderr, "kafka_latency: consumer: %s\n", err);
        exit(2);
    }

    rd_kafka_poll_set_consumer(rk);

    /* every partition, from its end: assigned, not subscribed (no join) */

    rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR
        || md->topic_cnt != 1 || md->topics[0].err)
    {
        fprintf(stderr, "kafka_latency: no metadata for %s\n", topic);
        exit(2);
    }

    np = md->topics[0].partition_cnt;
    parts = rd_kafka_topic_partition_list_new(np);

    for (i = 0; i < np; i++) {
        rd_kafka_topic_partition_list_add(parts, topic,
            md->topics[0].partitions[i].id)->offset = RD_KAFKA_OFFSET_END;
    }

    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);

    if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_latency: assign failed\n");
        exit(2);
    }

    rd_kafka_topic_partition_list_destroy(parts);

    return rk;
}


/*
 * Until the consumer receives a record written after it was assigned: a
 * "ready" record every 200 ms (the first ones may be written before the
 * consumer has found the end of the topic).
 */

static void
consumer_ready(rd_kafka_t *cons, rd_kafka_t *prod)
{
    int64_t              deadline, next;
    rd_kafka_message_t  *m;

    deadline = now_us() + 30000000;
    next = 0;

    while (now_us() < deadline) {
        if (now_us() >= next) {
            (void) rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic),
                                     RD_KAFKA_V_VALUE("ready", 5),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                     RD_KAFKA_V_END);
            next = now_us() + 200000;
        }

        rd_kafka_poll(prod, 0);

        m = rd_kafka_consumer_poll(cons, 50);
        if (m == NULL) {
            continue;
        }

        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->len == 5
            && memcmp(m->payload, "ready", 5) == 0)
        {
            rd_kafka_message_destroy(m);
            return;
        }

        rd_kafka_message_destroy(m);
    }

    fprintf(stderr, "kafka_latency: the consumer never received a record\n");
    exit(2);
}


int
main(int argc, char **argv)
{
    char                 err[512], value[32];
    int                  c;
    int64_t              start, next, t, sent, received, *lat, deadline;
    rd_kafka_t          *prod, *cons;
    rd_kafka_conf_t     *conf;
    rd_kafka_message_t  *m;

    while ((c = getopt(argc, argv, "b:t:r:d:L:F:")) != -1) {
        switch (c) {
        case 'b': brokers = optarg; break;
        case 't': topic = optarg; break;
        case 'r': rate = atoi(optarg); break;
        case 'd': seconds = atoi(optarg); break;
        case 'L': linger = optarg; break;
        case 'F': fetch_wait = optarg; break;
        default:
            fprintf(stderr, "usage: kafka_latency -b BROKERS -t TOPIC "
                    "[-r RATE] [-d SECONDS] [-L LINGER_MS] "
                    "[-F FETCH_WAIT_MS]\n");
            return 2;
        }
    }

    if (topic == NULL || rate < 1 || seconds < 1) {
        fprintf(stderr, "kafka_latency: -t TOPIC, a RATE and SECONDS "
                "of at least 1\n");
        return 2;
    }

    cons = consumer_new();

    conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", brokers);
    set(conf, "acks", "all");
    set(conf, "linger.ms", linger);
    set(conf, "log_level", "3");

    prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (prod == NULL) {
        fprintf(stderr, "kafka_latency: producer: %s\n", err);
        return 2;
    }

    consumer_ready(cons, prod);

    lat = calloc((size_t) rate * seconds, sizeof(int64_t));
    if (lat == NULL) {
        return 2;
    }

    /*
     * One thread: the producer's records are written when due and the
     * consumer is polled in between, for at most the time to the next
     * record, so the receipt of one is not held up by the sending of
     * another.
     */

    sent = 0;
    received = 0;
    start = now_us() + 100000;
    deadline = start + (int64_t) seconds * 1000000 + 10000000;

    while (received < sent || sent < (int64_t) rate * seconds) {

        t = now_us();

        if (t > deadline) {
            break;
        }

        next = start + sent * 1000000 / rate;

        if (sent < (int64_t) rate * seconds && t >= next) {
            c = snprintf(value, sizeof(value), "%" PRId64, t);

            if (rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic),
                                  RD_KAFKA_V_VALUE(value, (size_t) c),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_END)
                == RD_KAFKA_RESP_ERR_NO_ERROR)
            {
                sent++;
            }

            rd_kafka_poll(prod, 0);
            continue;
        }

        m = rd_kafka_consumer_poll(cons,
                sent < (int64_t) rate * seconds
                ? (int) ((next - t) / 1000) : 100);

        if (m == NULL) {
            continue;
        }

        /* (a late "ready" is not one of them) */
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->len < sizeof(value)
            && m->len != 5 && received < (int64_t) rate * seconds)
        {
            memcpy(value, m->payload, m->len);
            value[m->len] = '\0';
            lat[received++] = now_us() - strtoll(value, NULL, 10);
        }

        rd_kafka_message_destroy(m);
    }

    qsort(lat, (size_t) received, sizeof(int64_t), cmp);

    printf("RESULT sent=%" PRId64 " received=%" PRId64 " missing=%" PRId64
           " p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n", sent, received,
           sent - received,
           received ? lat[received / 2] / 1000.0 : 0.0,
           received ? lat[(received - 1) * 99 / 100] / 1000.0 : 0.0,
           received ? lat[received - 1] / 1000.0 : 0.0);

    rd_kafka_flush(prod, 5000);
    rd_kafka_destroy(prod);
    rd_kafka_consumer_close(cons);
    rd_kafka_destroy(cons);

    return sent == received ? 0 : 1;
}
