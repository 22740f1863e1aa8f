# A location's content belongs to the ngx_eda directive in it whatever
# else sets a content handler there, and in either order: every ingress
# controller writes a route's snippet before its own proxy_pass.  The
# proxy_pass here goes to a port nobody listens on, so a request that
# reached it would answer 502.  nginx -t says which directive won.

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(unique_topic add_kafka_record_check free_port nginx_conf);

$ENV{TEST_NGINX_TOPIC} = unique_topic('content');
$ENV{TEST_NGINX_DEAD_PORT} = free_port();

add_kafka_record_check();
repeat_each(1);
no_shuffle();
no_long_string();

our $HttpConfig = <<'_EOC_';
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
_EOC_

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config', $HttpConfig)
        unless defined $block->http_config;
    $block->set_value('no_error_log', "[error]\n[alert]\n[emerg]\n")
        unless defined $block->no_error_log;
});

run_tests();

# nginx -t names the directive that takes the location, and fails when
# two ngx_eda content directives share one
{
    my $root = ($ENV{TEST_NGINX_SERVROOT} || '.eda/servroot') . '-order';
    my $bin = $ENV{TEST_NGINX_BINARY} || 'nginx';

    my $check = sub {
        my ($config) = @_;
        require File::Path;
        File::Path::remove_tree($root);
        File::Path::make_path("$root/conf", "$root/logs");
        nginx_conf($root, free_port(),
                   http_config => "    eda_kafka_brokers "
                                  . "$ENV{TEST_NGINX_KAFKA_BROKERS};\n",
                   config => $config);
        my $out = `$bin -t -p $root/ -c $root/conf/nginx.conf 2>&1`;
        return ($? >> 8, $out);
    };

    my ($rc, $out) = $check->(<<"_EOC_");
        location /orders {
            eda_publish $ENV{TEST_NGINX_TOPIC};
            proxy_pass http://127.0.0.1:$ENV{TEST_NGINX_DEAD_PORT};
        }
_EOC_
    is($rc, 0, 'nginx -t: eda_publish before proxy_pass is accepted');
    like($out, qr/\[notice\] .*"eda_publish" in \S+nginx\.conf:\d+ takes the requests of location "\/orders"; the other content directive there \(proxy_pass/,
         'nginx -t: the notice names eda_publish, its line and the location');

    ($rc, $out) = $check->(<<"_EOC_");
        location /quiet {
            eda_publish $ENV{TEST_NGINX_TOPIC};
        }
_EOC_
    is($rc, 0, 'nginx -t: eda_publish alone');
    unlike($out, qr/takes the requests/, 'nginx -t: no notice without a '
           . 'second content directive');

    ($rc, $out) = $check->(<<"_EOC_");
        location /both {
            eda_subscribe $ENV{TEST_NGINX_TOPIC};
            eda_publish $ENV{TEST_NGINX_TOPIC};
        }
_EOC_
    isnt($rc, 0, 'nginx -t: eda_subscribe and eda_publish in one location '
         . 'fail');
    like($out, qr/\[emerg\] .*"eda_publish" and "eda_subscribe" \(in \S+nginx\.conf:\d+\) cannot be in the same location in \S+nginx\.conf:\d+/,
         'nginx -t: the error names both directives');
}

__DATA__

=== TEST 1: eda_publish, then proxy_pass: the event goes to Kafka
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type com.example.order.created;
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
    }
--- request
POST /orders
{"order":1}
--- more_headers
Content-Type: application/json
--- error_code: 202
--- kafka_record eval
{ headers => { ce_id => 'ID' }, payload => '{"order":1}' }



=== TEST 2: proxy_pass, then eda_publish
--- config
    location = /orders {
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
        eda_publish $TEST_NGINX_TOPIC;
        eda_ce_type com.example.order.created;
    }
--- request
POST /orders
{"order":2}
--- more_headers
Content-Type: application/json
--- error_code: 202
--- kafka_record eval
{ headers => { ce_id => 'ID' }, payload => '{"order":2}' }



=== TEST 3: the proxy_pass of a location without ngx_eda is untouched
--- config
    location = /orders {
        eda_publish $TEST_NGINX_TOPIC;
    }
    location = /backend {
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
    }
--- request
POST /backend
{"order":3}
--- error_code: 502
--- no_error_log
[alert]
[emerg]



=== TEST 4: eda_subscribe, then proxy_pass: the module answers a plain GET
--- config
    location = /events {
        eda_subscribe $TEST_NGINX_TOPIC;
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
    }
--- request
GET /events
--- error_code: 400
--- response_headers
Content-Type: application/problem+json
--- response_body_like chomp
"detail":"expected .{1,2}Upgrade: websocket



=== TEST 5: proxy_pass, then eda_subscribe
--- config
    location = /events {
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
        eda_subscribe $TEST_NGINX_TOPIC;
    }
--- request
GET /events
--- error_code: 400
--- response_headers
Content-Type: application/problem+json
--- response_body_like chomp
"detail":"expected .{1,2}Upgrade: websocket



=== TEST 6: eda_metrics, then proxy_pass
--- config
    location = /metrics {
        eda_metrics;
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
    }
--- request
GET /metrics
--- error_code: 200
--- response_body_like chomp
^# HELP eda_



=== TEST 7: proxy_pass, then eda_metrics
--- config
    location = /metrics {
        proxy_pass http://127.0.0.1:$TEST_NGINX_DEAD_PORT;
        eda_metrics;
    }
--- request
GET /metrics
--- error_code: 200
--- response_body_like chomp
^# HELP eda_
