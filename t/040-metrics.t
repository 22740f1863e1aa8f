# eda_metrics: the workers' counters in Prometheus text format, counted by
# what really happened to the requests before.

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(unique_topic);
use EdaJwt qw(jwt_keys jwt_token);

$ENV{TEST_NGINX_TOPIC} = unique_topic('metrics');

our $K = jwt_keys();
$ENV{TEST_NGINX_JWT_KEYS} = $K;
our $tok = jwt_token('HS256', "$K/hmac.key");

repeat_each(1);
no_shuffle();
no_long_string();

run_tests();

__DATA__

=== TEST 1: publishing, refusals and delivery latency are counted
--- http_config
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
--- config
    location = /p {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t.metrics;
    }
    location = /metrics {
        eda_metrics;
    }
--- pipelined_requests eval
["POST /p\n1", "POST /p\n2", "POST /p\n3", "GET /p", "POST /metrics\nx", "GET /metrics"]
--- error_code eval
[202, 202, 202, 405, 405, 200]
--- response_headers eval
["", "", "", "", "", "Content-Type: text/plain; version=0.0.4; charset=utf-8"]
--- response_body_like eval
["", "", "", "", "",
qr/# TYPE eda_events_published_total counter
eda_events_published_total 3
.*eda_events_acked_total 3
.*eda_events_failed_total\{reason="brokers_down"\} 0
.*eda_requests_rejected_total 0
.*eda_publish_ack_duration_seconds_bucket\{le="\+Inf"\} 3
eda_publish_ack_duration_seconds_sum \d+\.\d{3}
eda_publish_ack_duration_seconds_count 3
$/s]
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 2: JWT outcomes are counted
--- config
    location = /metrics {
        eda_jwt on;
        eda_jwt_key_file $TEST_NGINX_JWT_KEYS/hmac.key;
        eda_jwt_algorithms HS256;
        eda_metrics;
    }
--- pipelined_requests eval
["GET /metrics", "GET /metrics", "GET /metrics"]
--- more_headers eval
["", "Authorization: Bearer $::tok", "Authorization: Bearer $::tok"]
--- error_code eval
[401, 200, 200]
--- response_body_like eval
["", qr/eda_jwt_cache_total\{result="hit"\} 0\neda_jwt_cache_total\{result="miss"\} 1\n.*eda_jwt_rejected_total 1\n/s,
qr/eda_jwt_cache_total\{result="hit"\} 1\neda_jwt_cache_total\{result="miss"\} 1\n.*eda_jwt_rejected_total 1\n/s]
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 3: a client's invalid event is counted as rejected
--- http_config
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
--- config
    location = /p {
        eda_publish $TEST_NGINX_TOPIC;
    }
    location = /metrics {
        eda_metrics;
    }
--- pipelined_requests eval
["POST /p\nno type", "GET /metrics"]
--- error_code eval
[400, 200]
--- response_body_like eval
["", qr/eda_requests_rejected_total 1\n/s]
--- no_error_log
[error]
[alert]
[emerg]
[crit]
