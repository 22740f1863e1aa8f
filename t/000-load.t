# The module loads into the installed nginx (a location of its own,
# eda_metrics, answers) and its http-level directives are accepted.

use Test::Nginx::Socket 'no_plan';

repeat_each(1);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: the module loads: its eda_metrics directive answers
--- config
    location = /t {
        eda_metrics;
    }
--- request
GET /t
--- error_code: 200
--- response_headers
Content-Type: text/plain; version=0.0.4; charset=utf-8
--- response_body_like
^# HELP eda_events_published_total .*
# TYPE eda_events_published_total counter
eda_events_published_total 0
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 2: Kafka and Redis settings parse
--- http_config
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS,kafka-1.example:9092;
    eda_kafka_property linger.ms 5;
    eda_kafka_property compression.type lz4;
    eda_redis $TEST_NGINX_REDIS_HOST:$TEST_NGINX_REDIS_PORT db=1
              timeout=250ms prefix=app: password=s3cret;
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- error_code: 200
--- response_body
ok
--- no_error_log
[error]
[emerg]
[alert]
[crit]



=== TEST 3: eda_redis accepts a unix socket and an IPv6 address
--- http_config
    eda_redis unix:/run/redis/redis.sock;
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- error_code: 200
--- no_error_log
[emerg]
[error]
[alert]
[crit]
