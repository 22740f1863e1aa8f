# eda_publish refuses bad requests with RFC 9457 problem documents, and
# refuses bad configuration at "nginx -t".
#
# Every case has one location, /e: "--- location" lists its directives.

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(unique_topic);

$ENV{TEST_NGINX_TOPIC} = unique_topic('publish-err');

repeat_each(1);
no_shuffle();
no_long_string();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->http_config) {
        $block->set_value('http_config',
            "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n");
    }

    if (defined $block->location) {
        $block->set_value('config', "    location = /e {\n"
            . join('', map { "        $_\n" } split /\n/, $block->location)
            . "    }\n");
    }

    if (defined $block->must_die) {
        $block->set_value('suppress_stderr', 1);
    }
});

run_tests();

__DATA__

=== TEST 1: GET is not allowed
--- location
eda_publish $TEST_NGINX_TOPIC;
eda_ce_type t;
--- request
GET /e
--- error_code: 405
--- response_headers
Content-Type: application/problem+json
Allow: POST
--- response_body
{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"eda_publish accepts POST only"}



=== TEST 2: a body over client_max_body_size
--- location
client_max_body_size 10;
eda_publish $TEST_NGINX_TOPIC;
eda_ce_type t;
--- request
POST /e
0123456789abcdef
--- error_code: 413
--- response_headers
Content-Type: application/problem+json
--- response_body
{"type":"about:blank","title":"Content Too Large","status":413,"detail":"the body exceeds client_max_body_size"}



=== TEST 3: a chunked body over client_max_body_size
--- location
client_max_body_size 10;
eda_publish $TEST_NGINX_TOPIC;
eda_ce_type t;
--- raw_request eval
"POST /e HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
\r
8\r
01234567\r
8\r
89abcdef\r
0\r
\r
"
--- error_code: 413
--- response_headers
Content-Type: application/problem+json
Connection: close
--- response_body_like chomp
"status":413,"detail":"the body exceeds client_max_body_size"



=== TEST 4: batched CloudEvents
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
[]
--- more_headers
Content-Type: application/cloudevents-batch+json
--- error_code: 415
--- response_body_like chomp
"status":415,"detail":"batched CloudEvents are not supported



=== TEST 5: a structured event in a format other than JSON
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
<event/>
--- more_headers
Content-Type: application/cloudevents+xml
--- error_code: 415
--- response_body_like chomp
"detail":"structured CloudEvents must use the JSON event format"



=== TEST 6: no type configured and none sent
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
x
--- error_code: 400
--- response_headers
Content-Type: application/problem+json
--- response_body_like chomp
"status":400,.*"attribute":"type"



=== TEST 7: a wrong specversion in binary mode
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
x
--- more_headers
ce-specversion: 0.3
ce-id: 1
ce-type: t
--- error_code: 400
--- response_body
{"type":"about:blank","title":"Bad Request","status":400,"detail":"only CloudEvents 1.0 is supported","attribute":"specversion"}



=== TEST 8: an invalid attribute name in binary mode
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
x
--- more_headers
ce-specversion: 1.0
ce-id: 1
ce-type: t
ce-Bad-Name: v
--- error_code: 400
--- response_body_like chomp
"attribute":"bad-name"



=== TEST 9: a bad time from the client
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
x
--- more_headers
ce-specversion: 1.0
ce-id: 1
ce-type: t
ce-time: yesterday
--- error_code: 400
--- response_body_like chomp
"attribute":"time"



=== TEST 10: a bad percent-encoding
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
x
--- more_headers
ce-specversion: 1.0
ce-id: 1
ce-type: t
ce-subject: %zz
--- error_code: 400
--- response_body_like chomp
"detail":"invalid percent-encoding or UTF-8","attribute":"subject"



=== TEST 11: structured mode: not JSON
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
{"specversion":"1.0",
--- more_headers
Content-Type: application/cloudevents+json
--- error_code: 400
--- response_body_like chomp
"status":400



=== TEST 12: structured mode: data and data_base64 together
--- location
eda_publish $TEST_NGINX_TOPIC;
--- request
POST /e
{"specversion":"1.0","id":"1","source":"/s","type":"t","data":1,"data_base64":"AA=="}
--- more_headers
Content-Type: application/cloudevents+json
--- error_code: 400
--- response_body_like chomp
"detail":"data and data_base64 are exclusive"



=== TEST 13: an Idempotency-Key too long to be an id
--- location
eda_publish $TEST_NGINX_TOPIC;
eda_ce_type t;
--- request
POST /e
x
--- more_headers eval
"Idempotency-Key: " . ("k" x 300)
--- error_code: 400
--- response_body_like chomp
"attribute":"id"



=== TEST 14: eda_publish without eda_kafka_brokers
--- http_config
--- location
eda_publish orders;
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_publish" in \S+:\d+ requires "eda_kafka_brokers" in the http block/



=== TEST 15: an invalid topic name
--- location
eda_publish orders/v1;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid Kafka topic name "orders\/v1" in "eda_publish"/



=== TEST 16: an invalid extension name
--- location
eda_publish orders;
eda_ce_extension Tenant acme;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid CloudEvents attribute name "Tenant" in "eda_ce_extension"/



=== TEST 17: a standard attribute is not an extension
--- location
eda_publish orders;
eda_ce_extension subject x;
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_ce_extension" cannot set "subject"/



=== TEST 18: a Kafka header that belongs to the binding
--- location
eda_publish orders;
eda_kafka_header ce_id x;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid Kafka header name "ce_id" in "eda_kafka_header"/



=== TEST 19: an unknown eda_ce_mode
--- location
eda_publish orders;
eda_ce_mode json;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "json" in "eda_ce_mode": expected "binary" or "structured"/



=== TEST 20: an unknown client attribute
--- location
eda_publish orders;
eda_ce_client_attributes id data;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "data" in "eda_ce_client_attributes"/



=== TEST 21: eda_publish twice in a location
--- location
eda_publish orders;
eda_publish payments;
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_publish" directive is duplicate/
