# eda_publish: what a client may and may not put into the event it
# publishes.  The default source names the server, not the client's Host
# header.  Every accepted event is read back from Kafka with kcat.

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

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config',
        "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n")
        unless defined $block->http_config;

    $block->set_value('no_error_log', "[error]\n[alert]\n[emerg]\n[crit]\n")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: the default source names the server, not the client's Host header
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t;
    }
--- request
POST /orders
x
--- more_headers
Host: evil.example
--- error_code: 202
--- kafka_record eval
{ headers => { ce_source => 'http://localhost/orders' } }



=== TEST 2: a server_name that is not a host name: the address the request came to
--- server_name: _
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type t;
    }
--- request
POST /orders
x
--- more_headers
Host: evil.example
--- error_code: 202
--- kafka_record eval
{ headers => { ce_source => qr{^http://127\.0\.0\.1:\d+/orders$} } }
