# eda_publish: requests become CloudEvents on Kafka.  Every accepted event is
# read back from the broker with kcat at the partition and offset the 202
# names, immediately: an acknowledged event must already be readable.

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(unique_topic add_kafka_record_check);

$ENV{TEST_NGINX_TOPIC} = unique_topic('publish');

add_kafka_record_check();
repeat_each(2);
no_shuffle();
no_long_string();

our $HttpConfig = <<'_EOC_';
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
_EOC_

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config', $HttpConfig)
        unless defined $block->http_config;
});

run_tests();

__DATA__

=== TEST 1: a plain JSON request, binary mode, every generated attribute
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type com.example.order.created;
    }
--- request
POST /orders
{"order":42}
--- more_headers
Content-Type: application/json
--- error_code: 202
--- response_headers
Content-Type: application/json
--- response_body_like chomp
^\{"id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}","topic":"publish-[^"]+","partition":\d+,"offset":\d+\}$
--- kafka_record eval
{
    headers => {
        ce_specversion => '1.0',
        ce_id => 'ID',
        ce_type => 'com.example.order.created',
        ce_source => 'http://localhost/orders',
        ce_time => qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
        'content-type' => 'application/json',
    },
    no_headers => [qw(ce_subject ce_dataschema ce_partitionkey
                      ce_datacontenttype)],
    payload => '{"order":42}',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 2: every configured attribute, extensions, key and Kafka headers
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type com.example.order.$arg_kind;
        eda_ce_source /shop/orders;
        eda_ce_subject order-$arg_id;
        eda_ce_dataschema https://schemas.example.com/order/v1;
        eda_ce_extension tenant $http_x_tenant;
        eda_ce_extension region eu1;
        eda_kafka_key $arg_id;
        eda_kafka_header x-request-id $http_x_request_id;
        eda_kafka_header x-absent $http_x_absent;
    }
--- request
POST /orders?kind=paid&id=7
paid
--- more_headers
Content-Type: text/plain
X-Tenant: acme
X-Request-Id: req-123
--- error_code: 202
--- kafka_record eval
{
    headers => {
        ce_type => 'com.example.order.paid',
        ce_source => '/shop/orders',
        ce_subject => 'order-7',
        ce_dataschema => 'https://schemas.example.com/order/v1',
        ce_tenant => 'acme',
        ce_region => 'eu1',
        ce_partitionkey => '7',
        'x-request-id' => 'req-123',
        'content-type' => 'text/plain',
    },
    no_headers => ['x-absent'],
    key => '7',
    payload => 'paid',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 3: structured mode: the record is one JSON CloudEvent
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_mode structured;
        eda_ce_type com.example.order.created;
        eda_ce_subject s1;
        eda_ce_extension tenant acme;
    }
--- request
POST /orders
{"order":43,"items":[1,2]}
--- more_headers
Content-Type: application/json
--- error_code: 202
--- kafka_record eval
{
    headers => {
        'content-type' => 'application/cloudevents+json; charset=UTF-8',
    },
    no_headers => [qw(ce_id ce_type)],
    json => {
        specversion => '1.0',
        id => 'ID',
        type => 'com.example.order.created',
        source => 'http://localhost/orders',
        subject => 's1',
        tenant => 'acme',
        datacontenttype => 'application/json',
        data => '{"items":[1,2],"order":43}',
        time => qr/Z$/,
    },
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 4: structured mode with binary data uses data_base64
--- config
    location = /blobs {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_mode structured;
        eda_ce_type com.example.blob;
    }
--- request eval
"POST /blobs\r\n" . "\x00\x01\xfe\xff"
--- more_headers
Content-Type: application/octet-stream
--- error_code: 202
--- kafka_record eval
{
    json => {
        datacontenttype => 'application/octet-stream',
        data_base64 => 'AAH+/w==',
        data => undef,
    },
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 5: a CloudEvent in HTTP binary mode keeps the client's attributes
--- config
    location = /events {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_source /gateway;
    }
--- request
POST /events
{"x":1}
--- more_headers
Content-Type: application/json
ce-specversion: 1.0
ce-id: client-id-1
ce-type: com.example.client.thing
ce-source: /forged/source
ce-subject: caf%C3%A9
ce-time: 2026-01-02T03:04:05+01:00
ce-tenant: acme
--- error_code: 202
--- response_body_like chomp
"id":"client-id-1"
--- kafka_record eval
{
    headers => {
        ce_id => 'client-id-1',
        ce_type => 'com.example.client.thing',
        ce_source => '/gateway',
        ce_subject => "caf\x{e9}",
        ce_time => '2026-01-02T03:04:05+01:00',
        ce_tenant => 'acme',
        'content-type' => 'application/json',
    },
    payload => '{"x":1}',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 6: a CloudEvent in HTTP structured mode
--- config
    location = /events {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_source /gateway;
    }
--- request
POST /events
{"specversion":"1.0","id":"s-1","source":"/forged","type":"com.example.s","subject":"sub","datacontenttype":"application/json","data":{"a":[true,null]},"tenant":"t1","count":3}
--- more_headers
Content-Type: application/cloudevents+json; charset=utf-8
--- error_code: 202
--- kafka_record eval
{
    headers => {
        ce_id => 's-1',
        ce_type => 'com.example.s',
        ce_source => '/gateway',
        ce_subject => 'sub',
        ce_tenant => 't1',
        ce_count => '3',
        'content-type' => 'application/json',
    },
    payload => '{"a":[true,null]}',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 7: eda_ce_client_attributes all lets the client set an unconfigured source
--- config
    location = /events {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_client_attributes all;
    }
--- request
POST /events
x
--- more_headers
ce-specversion: 1.0
ce-id: c-7
ce-type: t.seven
ce-source: /trusted/client
--- error_code: 202
--- kafka_record eval
{
    headers => { ce_source => '/trusted/client', ce_id => 'c-7' },
    no_headers => ['content-type'],
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 8: eda_ce_client_attributes none: the gateway sets everything
--- config
    location = /events {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type gw.type;
        eda_ce_client_attributes none;
    }
--- request
POST /events
x
--- more_headers
ce-specversion: 1.0
ce-id: c-8
ce-type: client.type
ce-source: /c
ce-tenant: forged
--- error_code: 202
--- kafka_record eval
{
    headers => { ce_type => 'gw.type', ce_id => qr/^[0-9a-f-]{36}$/ },
    no_headers => ['ce_tenant'],
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 9: Idempotency-Key becomes the event id
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t;
        add_header X-Event-Id $eda_event_id always;
    }
--- request
POST /orders
a
--- more_headers
Idempotency-Key: order-42-attempt
--- error_code: 202
--- response_headers
X-Event-Id: order-42-attempt
--- response_body_like chomp
^\{"id":"order-42-attempt",
--- kafka_record eval
{ headers => { ce_id => 'order-42-attempt' } }
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 10: traceparent and tracestate become the tracing extension
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t;
    }
--- request
POST /orders
a
--- more_headers
traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
tracestate: vendor=opaque
--- error_code: 202
--- kafka_record eval
{
    headers => {
        # the caller's trace and flags, the gateway's own span
        ce_traceparent =>
            qr/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/,
        ce_tracestate => 'vendor=opaque',
    },
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 11: a malformed traceparent is not continued: a new trace
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t;
    }
--- request
POST /orders
a
--- more_headers
traceparent: 00-XYZ-00f067aa0ba902b7-01
tracestate: vendor=opaque
--- error_code: 202
--- kafka_record eval
{
    headers => {
        ce_traceparent => qr/^00-[0-9a-f]{32}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/,
    },
    no_headers => ['ce_tracestate'],
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 12: the same key always lands on the same partition
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t;
        eda_kafka_key customer-$arg_c;
    }
--- pipelined_requests eval
["POST /orders?c=9\n1", "POST /orders?c=9\n2", "POST /orders?c=9\n3"]
--- error_code eval
[202, 202, 202]
--- response_body_like eval
[qr/"partition":(\d+)/, qr/"partition":(\d+)/, qr/"partition":(\d+)/]
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 13: eda_publish_wait off answers once the event is queued
--- config
    location = /fast {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t.fast;
        eda_publish_wait off;
    }
--- request
POST /fast
quick
--- error_code: 202
--- response_body_like chomp
^\{"id":"[0-9a-f-]{36}","topic":"publish-[^"]+"\}$
--- kafka_record eval
{ headers => { ce_type => 't.fast' }, payload => 'quick' }
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 14: a chunked request body
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t.chunked;
    }
--- raw_request eval
"POST /orders HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
6\r
 world\r
0\r
\r
"
--- error_code: 202
--- kafka_record eval
{ payload => 'hello world' }
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 15: a body buffered to a temporary file
--- config
    client_body_buffer_size 1k;
    location = /big {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t.big;
    }
--- request eval
"POST /big\n" . ("0123456789abcdef" x 1024)
--- error_code: 202
--- kafka_record eval
{ payload => ("0123456789abcdef" x 1024) }
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 16: many requests on one keepalive connection
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t.keepalive;
    }
--- pipelined_requests eval
[map { "POST /orders\n$_" } 1 .. 20]
--- error_code eval
[(202) x 20]
--- response_body_like eval
[map { qr/^\{"id":"[0-9a-f-]{36}","topic":"publish-[^"]+","partition":\d+,"offset":\d+\}$/ } 1 .. 20]
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 17: an empty body is an event without data
--- config
    location = /ping {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t.empty;
    }
--- request
POST /ping
--- error_code: 202
--- kafka_record eval
{ payload => undef, no_headers => ['content-type'] }
--- no_error_log
[error]
[alert]
[emerg]
[crit]
