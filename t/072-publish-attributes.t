# eda_publish: what a client may and may not put into the event it
# publishes.  An attribute the location configures is the gateway's, even
# when the client is allowed to set it and even when the configured value
# is empty; the default source names the server, not the client's Host
# header; the names the gateway reserves (partitionkey, traceparent,
# tracestate, data) are never taken from a client, and the record key
# comes from eda_kafka_key only.  Every accepted event is read back from
# Kafka with kcat.

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(unique_topic add_kafka_record_check kafka_record_at);
use JSON::PP ();
use EdaJwt qw(jwt_keys jwt_token);

our $K = jwt_keys();
$ENV{TEST_NGINX_JWT_KEYS} = $K;
$ENV{TEST_NGINX_TOPIC} = unique_topic('publish-attrs');

our $alice = jwt_token('HS256', "$K/hmac.key", claims => '{"sub":"alice"}');
our $nosub = jwt_token('HS256', "$K/hmac.key", claims => '{"sub":null}');

add_kafka_record_check();

# "--- no_record_key": the record the 202 names has no key (kafka_record's
# "key" can only name one)
add_response_body_check(sub {
    my ($block, $body) = @_;

    return unless defined $block->no_record_key;

    my $res = eval { JSON::PP::decode_json($body) } || {};
    my $rec = defined $res->{offset}
              ? kafka_record_at($res->{topic}, $res->{partition},
                                $res->{offset})
              : undef;

    Test::More::ok($rec && !defined $rec->{key},
       $block->name . " - the record has no key"
       . ($rec ? " (key: " . ($rec->{key} // 'none') . ")" : " (no record)"));
});

repeat_each(1);
no_shuffle();
no_long_string();

# "--- location": the directives of location = /e, after eda_publish and,
# with "--- jwt: on", eda_jwt with the test's HS256 key
add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config',
        "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n")
        unless defined $block->http_config;

    if (defined $block->location) {
        my @d = ('eda_publish $TEST_NGINX_TOPIC;');
        unshift @d, 'eda_jwt on;',
                    'eda_jwt_key_file $TEST_NGINX_JWT_KEYS/hmac.key;',
                    'eda_jwt_algorithms HS256;'
            if defined $block->jwt;
        push @d, split /\n/, $block->location;
        $block->set_value('config', "    location = /e {\n"
            . join('', map { "        $_\n" } @d) . "    }\n");
    }

    $block->set_value('no_error_log', "[error]\n[alert]\n[emerg]\n[crit]\n")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: binary mode: ce-subject does not replace eda_ce_subject $eda_jwt_sub
--- jwt: on
--- location
eda_ce_type com.example.order.created;
eda_ce_subject $eda_jwt_sub;
--- request
POST /e
{"order":1}
--- more_headers eval
"Authorization: Bearer $::alice
Content-Type: application/json
ce-specversion: 1.0
ce-id: c-1
ce-type: com.example.client
ce-subject: bob"
--- error_code: 202
--- kafka_record eval
{
    headers => {
        ce_subject => 'alice',
        ce_type => 'com.example.order.created',
        ce_id => 'c-1',
    },
    payload => '{"order":1}',
}



=== TEST 2: structured mode: "subject" does not replace eda_ce_subject $eda_jwt_sub
--- jwt: on
--- location
eda_ce_subject $eda_jwt_sub;
--- request
POST /e
{"specversion":"1.0","id":"s-2","source":"/c","type":"com.example.s","subject":"bob","data":{"a":1}}
--- more_headers eval
"Authorization: Bearer $::alice
Content-Type: application/cloudevents+json"
--- error_code: 202
--- kafka_record eval
{
    headers => {
        ce_subject => 'alice',
        ce_type => 'com.example.s',
        ce_id => 's-2',
    },
    payload => '{"a":1}',
}



=== TEST 3: a token without sub: the client's subject is not used either
--- jwt: on
--- location
eda_ce_type t;
eda_ce_subject $eda_jwt_sub;
--- request
POST /e
x
--- more_headers eval
"Authorization: Bearer $::nosub
ce-specversion: 1.0
ce-type: t
ce-subject: bob"
--- error_code: 202
--- kafka_record eval
{ no_headers => ['ce_subject'] }



=== TEST 4: eda_ce_client_attributes all does not let a client replace configured attributes
--- location
eda_ce_client_attributes all;
eda_ce_id gw-$arg_n;
eda_ce_source /gateway;
eda_ce_type gw.type;
eda_ce_subject gw-subject;
eda_ce_dataschema https://schemas.example.com/gw;
--- request
POST /e?n=4
x
--- more_headers
ce-specversion: 1.0
ce-id: c-4
ce-source: /client
ce-type: client.type
ce-subject: client-subject
ce-dataschema: https://schemas.example.com/client
ce-time: 2026-01-02T03:04:05Z
ce-tenant: acme
--- error_code: 202
--- response_body_like chomp
^\{"id":"gw-4",
--- kafka_record eval
{
    headers => {
        ce_id => 'gw-4',
        ce_source => '/gateway',
        ce_type => 'gw.type',
        ce_subject => 'gw-subject',
        ce_dataschema => 'https://schemas.example.com/gw',
        ce_time => '2026-01-02T03:04:05Z',
        ce_tenant => 'acme',
    },
}



=== TEST 5: an eda_ce_extension with an empty value still keeps the client's out
--- location
eda_ce_type t;
eda_ce_extension tenant $http_x_tenant;
--- request
POST /e
x
--- more_headers
ce-specversion: 1.0
ce-type: t
ce-tenant: forged
ce-region: eu1
--- error_code: 202
--- kafka_record eval
{ headers => { ce_region => 'eu1' }, no_headers => ['ce_tenant'] }



=== TEST 6: the default source names the server, not the client's Host header
--- location
eda_ce_type t;
--- request
POST /e
x
--- more_headers
Host: evil.example
--- error_code: 202
--- kafka_record eval
{ headers => { ce_source => 'http://localhost/e' } }



=== TEST 7: a server_name that is not a host name: the address the request came to
--- server_name: _
--- location
eda_ce_type t;
--- request
POST /e
x
--- more_headers
Host: evil.example
--- error_code: 202
--- kafka_record eval
{ headers => { ce_source => qr{^http://127\.0\.0\.1:\d+/e$} } }



=== TEST 8: binary mode: ce-partitionkey is neither the key nor carried
--- location
eda_ce_type t;
eda_kafka_key $arg_k;
--- request
POST /e
x
--- more_headers
ce-specversion: 1.0
ce-type: t
ce-partitionkey: victim
--- error_code: 202
--- kafka_record eval
{ no_headers => ['ce_partitionkey'] }
--- no_record_key: yes



=== TEST 9: the key is eda_kafka_key's, whatever the client sends
--- location
eda_ce_type t;
eda_kafka_key $arg_k;
--- request
POST /e?k=mine
x
--- more_headers
ce-specversion: 1.0
ce-type: t
ce-partitionkey: victim
--- error_code: 202
--- kafka_record eval
{ key => 'mine', headers => { ce_partitionkey => 'mine' } }



=== TEST 10: binary mode: the reserved names traceparent, tracestate and data are not taken
--- location
eda_ce_type t;
--- request
POST /e
body
--- more_headers
ce-specversion: 1.0
ce-type: t
ce-traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
ce-tracestate: vendor=forged
ce-data: not-the-data
ce-partitionkey: p
ce-tenant: acme
--- error_code: 202
--- kafka_record eval
{
    headers => {
        ce_tenant => 'acme',
        # without a traceparent header: a new trace, not the client's
        ce_traceparent => qr/^00-(?!4bf92f3577b34da6a3ce929d0e0e4736)[0-9a-f]{32}-[0-9a-f]{16}-01$/,
    },
    no_headers => [qw(ce_tracestate ce_data ce_partitionkey)],
    payload => 'body',
}



=== TEST 11: the W3C headers still give the tracing extension
--- location
eda_ce_type t;
--- request
POST /e
x
--- more_headers
traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
ce-specversion: 1.0
ce-type: t
ce-traceparent: 00-00000000000000000000000000000001-0000000000000001-01
ce-tracestate: vendor=forged
--- error_code: 202
--- kafka_record eval
{
    headers => {
        # the caller's trace and flags, the gateway's own span
        ce_traceparent =>
            qr/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/,
    },
    no_headers => ['ce_tracestate'],
}



=== TEST 12: structured mode: reserved names are not taken, in a structured record
--- location
eda_ce_mode structured;
eda_kafka_key $arg_k;
--- request
POST /e
{"specversion":"1.0","id":"s-12","source":"/c","type":"t","partitionkey":"victim","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tenant":"acme","data":"d"}
--- more_headers
Content-Type: application/cloudevents+json
--- error_code: 202
--- kafka_record eval
{
    json => {
        id => 's-12',
        tenant => 'acme',
        data => 'd',
        partitionkey => undef,
        traceparent => qr/^00-(?!4bf92f3577b34da6a3ce929d0e0e4736)[0-9a-f]{32}-[0-9a-f]{16}-01$/,
    },
}
--- no_record_key: yes
