# Broken configuration fails "nginx -t" with a message that names the
# directive and the problem.
#
# A block without --- config has an empty server; "--- emerg" gives the
# message nginx must die with, logged at [emerg] (--- must_die with an
# --- error_log of its own for the rest).

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(free_port nginx_conf);

repeat_each(1);
no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('config', '') unless defined $block->config;

    if (defined $block->emerg) {
        $block->set_value('must_die', '');
        $block->set_value('error_log', "[emerg]\n" . $block->emerg);
    }

    $block->set_value('suppress_stderr', 1) if defined $block->must_die;
});

run_tests();

# A property that weakens the publish guarantees loads, with a warning that
# says what is lost; the defaults and acks all say nothing.
{
    my $root = ($ENV{TEST_NGINX_SERVROOT} || '.eda/servroot') . '-props';
    my $bin = $ENV{TEST_NGINX_BINARY} || 'nginx';

    my $check = sub {
        my ($props) = @_;
        require File::Path;
        File::Path::remove_tree($root);
        File::Path::make_path("$root/conf", "$root/logs");
        nginx_conf($root, free_port(),
                   http_config => "    eda_kafka_brokers 127.0.0.1:9092;\n"
                                  . join('', map { "    eda_kafka_property $_;\n" }
                                             @$props),
                   config => "        location /orders { eda_publish orders; }\n");
        my $out = `$bin -t -p $root/ -c $root/conf/nginx.conf 2>&1`;
        return ($? >> 8, $out);
    };

    my ($rc, $out) = $check->(['acks 1', 'enable.idempotence false']);
    is($rc, 0, 'nginx -t: acks 1 without idempotence loads');
    like($out, qr/\[warn\] .*"eda_kafka_property" acks 1 weakens the publish guarantee: a 2xx no longer means every in-sync replica has the event/,
         'nginx -t: acks 1 is warned about');

    ($rc, $out) = $check->(['request.required.acks 0', 'enable.idempotence false']);
    is($rc, 0, 'nginx -t: acks 0 by its other name loads');
    like($out, qr/\[warn\] .*"eda_kafka_property" acks 0 weakens/,
         'nginx -t: acks 0 by its other name is warned about');

    ($rc, $out) = $check->(['enable.idempotence false']);
    is($rc, 0, 'nginx -t: idempotence off loads');
    like($out, qr/\[warn\] .*"eda_kafka_property" enable.idempotence false weakens the publish guarantee: librdkafka's retries can write an event twice/,
         'nginx -t: idempotence off is warned about');

    ($rc, $out) = $check->(['acks all', 'message.timeout.ms 3000']);
    is($rc, 0, 'nginx -t: acks all and a timeout load');
    unlike($out, qr/\[warn\]/, 'nginx -t: acks all and a timeout say nothing');

    ($rc, $out) = $check->([]);
    is($rc, 0, 'nginx -t: the defaults load');
    unlike($out, qr/\[warn\]/, 'nginx -t: the defaults say nothing');
}

__DATA__

=== TEST 1: a broker without a port
--- http_config
    eda_kafka_brokers 127.0.0.1:9092,kafka-2;
--- emerg
invalid broker list "127.0.0.1:9092,kafka-2" in "eda_kafka_brokers" at offset 15: missing port



=== TEST 2: an empty entry in the broker list
--- http_config
    eda_kafka_brokers a:1,,b:2;
--- emerg
invalid broker list "a:1,,b:2" in "eda_kafka_brokers" at offset 4: empty entry



=== TEST 3: a port out of range
--- http_config
    eda_kafka_brokers kafka:99999;
--- emerg
in "eda_kafka_brokers" at offset 0: port out of range



=== TEST 4: eda_kafka_brokers twice
--- http_config
    eda_kafka_brokers a:1;
    eda_kafka_brokers b:1;
--- emerg
"eda_kafka_brokers" directive is duplicate



=== TEST 5: eda_kafka_brokers outside the http block level
--- config
    location / {
        eda_kafka_brokers a:1;
    }
--- emerg
"eda_kafka_brokers" directive is not allowed here



=== TEST 6: an unknown librdkafka property
--- http_config
    eda_kafka_property linger.mss 5;
--- emerg
invalid "eda_kafka_property" "linger.mss" "5": No such configuration property: "linger.mss"



=== TEST 7: a bad value for a librdkafka property
--- http_config
    eda_kafka_property acks sometimes;
--- emerg
invalid "eda_kafka_property" "acks" "sometimes": Invalid value for configuration property "request.required.acks"



=== TEST 8: a property set twice
--- http_config
    eda_kafka_property linger.ms 5;
    eda_kafka_property linger.ms 10;
--- emerg
duplicate "eda_kafka_property" property "linger.ms"



=== TEST 9: the bootstrap list belongs to eda_kafka_brokers
--- http_config
    eda_kafka_property bootstrap.servers a:1;
--- emerg
"eda_kafka_property" cannot set "bootstrap.servers", use "eda_kafka_brokers"



=== TEST 10: no delivery timeout
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_kafka_property message.timeout.ms 0;
--- emerg
"eda_kafka_property" message.timeout.ms 0 means no delivery timeout: a request waiting for Kafka's acknowledgement would never be answered; set a limit in ms



=== TEST 11: no delivery timeout, by librdkafka's other name
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_kafka_property delivery.timeout.ms 0;
--- emerg
"eda_kafka_property" message.timeout.ms 0 means no delivery timeout



=== TEST 12: acks below all with the idempotent producer
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_kafka_property acks 1;
--- emerg
"eda_kafka_property" acks 1 conflicts with enable.idempotence true (the gateway's default): the idempotent producer needs acks all; set enable.idempotence false too to accept weaker guarantees



=== TEST 13: eda_redis with a relative unix socket path
--- http_config
    eda_redis unix:redis.sock;
--- emerg
invalid address "unix:redis.sock" in "eda_redis": unix socket path must be absolute



=== TEST 14: eda_redis with a bad db
--- http_config
    eda_redis 127.0.0.1:6379 db=first;
--- emerg
invalid parameter "db=first" in "eda_redis"



=== TEST 15: eda_redis with a zero timeout
--- http_config
    eda_redis 127.0.0.1:6379 timeout=0;
--- emerg
invalid parameter "timeout=0" in "eda_redis"



=== TEST 16: eda_redis with an unknown parameter
--- http_config
    eda_redis 127.0.0.1:6379 tls=on;
--- emerg
unknown parameter "tls=on" in "eda_redis"



=== TEST 17: eda_socketio without eda_subscribe
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location /socket.io/ {
        eda_socketio;
    }
--- emerg
"eda_socketio" needs "eda_subscribe" in the same location



=== TEST 18: eda_socketio with eda_ws_ping 0
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location /socket.io/ {
        eda_socketio;
        eda_subscribe t;
        eda_ws_ping 0;
    }
--- emerg
"eda_socketio" needs a heartbeat: "eda_ws_ping 0" cannot be used with it



=== TEST 19: eda_socketio_namespace without eda_socketio
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location /socket.io/ {
        eda_subscribe t;
        eda_socketio_namespace /orders;
    }
--- emerg
"eda_socketio_namespace" needs "eda_socketio" in the same location



=== TEST 20: eda_socketio_namespace that is no namespace
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location /socket.io/ {
        eda_socketio;
        eda_subscribe t;
        eda_socketio_namespace orders;
    }
--- emerg
invalid namespace "orders" in "eda_socketio_namespace"



=== TEST 21: eda_subscribe naming a topic twice
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location = /ws {
        eda_subscribe t u t;
    }
--- emerg
topic "t" is given twice in "eda_subscribe"



=== TEST 22: eda_ws_origin without a scheme
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location = /ws {
        eda_subscribe t;
        eda_ws_origin app.example.com;
    }
--- emerg
invalid origin "app.example.com" in "eda_ws_origin": expected "https://host[:port]"



=== TEST 23: eda_ws_origin with a path
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location = /ws {
        eda_subscribe t;
        eda_ws_origin https://app.example.com/;
    }
--- emerg
invalid origin "https://app.example.com/" in "eda_ws_origin"



=== TEST 24: eda_ws_subprotocols with a separator in a name
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location = /ws {
        eda_subscribe t;
        eda_ws_subprotocols "v1,v2";
    }
--- emerg
invalid subprotocol "v1,v2" in "eda_ws_subprotocols": not a token



=== TEST 25: eda_saga_definitions: the documented example loads
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_redis $TEST_NGINX_REDIS_HOST:$TEST_NGINX_REDIS_PORT;
    eda_saga_definitions $TEST_NGINX_EDA_ROOT/docs/examples/sagas.json;
--- config
    location /checkouts/ {
        eda_saga checkout;
    }
--- request
GET /checkouts/none
--- error_code: 404
--- no_error_log
[alert]
[emerg]
[crit]



=== TEST 26: eda_saga_definitions: an error names the saga, the step, the problem
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_redis 127.0.0.1:6379;
    eda_saga_definitions ../html/bad.json;
--- user_files
>>> bad.json
{"sagas": {"checkout": {"steps": [
  {"name": "reserve", "command": {"topic": "inv", "type": "reserve"},
   "reply_topic": "inv.replies", "success": ["ok"], "failure": ["no"]},
  {"name": "charge", "command": {"topic": "pay", "type": "charge"},
   "reply_topic": "pay.replies", "success": ["ok"], "failure": ["no"],
   "timeout": "ten seconds"}]}}}
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_saga_definitions": ".*bad\.json": saga "checkout", step 2 \("charge"\): "timeout" must be a duration/



=== TEST 27: eda_saga_definitions: not JSON
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_redis 127.0.0.1:6379;
    eda_saga_definitions ../html/bad.json;
--- user_files
>>> bad.json
{"sagas": 
--- must_die
--- error_log eval
qr/\[emerg\] .*bad\.json": invalid JSON at line/



=== TEST 28: eda_saga_definitions without eda_redis
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_saga_definitions $TEST_NGINX_EDA_ROOT/docs/examples/sagas.json;
--- emerg
"eda_saga_definitions" requires "eda_redis"



=== TEST 29: eda_saga with a saga the file does not have
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
    eda_redis 127.0.0.1:6379;
    eda_saga_definitions $TEST_NGINX_EDA_ROOT/docs/examples/sagas.json;
--- config
    location /refunds/ {
        eda_saga refund;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_saga refund" in .*: no saga "refund" in ".*sagas\.json"/



=== TEST 30: eda_saga without eda_saga_definitions
--- http_config
    eda_kafka_brokers 127.0.0.1:9092;
--- config
    location /refunds/ {
        eda_saga refund;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_saga refund" in .* requires "eda_saga_definitions"/



=== TEST 31: eda_saga_extension: a name that is not an extension name
--- config
    location /checkouts/ {
        eda_saga_extension userId $remote_user;
    }
--- emerg
invalid extension name "userId" in "eda_saga_extension": an extension name is 1 to 20 lower-case letters or digits



=== TEST 32: eda_saga_extension: a CloudEvents attribute
--- config
    location /checkouts/ {
        eda_saga_extension subject $remote_user;
    }
--- emerg
invalid extension name "subject" in "eda_saga_extension": it is a CloudEvents or saga attribute, not an extension



=== TEST 33: eda_saga_extension: an attribute of the saga's commands
--- http_config
    eda_saga_extension idempotencykey $request_id;
--- emerg
invalid extension name "idempotencykey" in "eda_saga_extension": it is a CloudEvents or saga attribute, not an extension



=== TEST 34: eda_saga_extension: the same name twice
--- config
    location /checkouts/ {
        eda_saga_extension user $remote_user;
        eda_saga_extension user $arg_user;
    }
--- emerg
duplicate "eda_saga_extension" "user"



=== TEST 35: eda_saga_extension: more than 8
--- config
    location /checkouts/ {
        eda_saga_extension a1 1;
        eda_saga_extension a2 2;
        eda_saga_extension a3 3;
        eda_saga_extension a4 4;
        eda_saga_extension a5 5;
        eda_saga_extension a6 6;
        eda_saga_extension a7 7;
        eda_saga_extension a8 8;
        eda_saga_extension a9 9;
    }
--- emerg
too many "eda_saga_extension" directives: at most 8 in one block



=== TEST 36: eda_saga_extension: a static value that cannot be an attribute
--- config
    location /checkouts/ {
        eda_saga_extension tenant "ac\tme";
    }
--- emerg
invalid value of "eda_saga_extension tenant": attribute value contains a control character



=== TEST 37: eda_metrics_name longer than a label value may be
--- http_config
    eda_metrics_name xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;
--- emerg
"eda_metrics_name" must be 1 to 128 bytes: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"



=== TEST 38: eda_metrics_name with a control character
--- config
    location / {
        eda_metrics_name "a\tb";
    }
--- emerg
"eda_metrics_name" may not hold control characters



=== TEST 39: eda_metrics_name twice at one level
--- config
    eda_metrics_name a;
    eda_metrics_name b;
--- emerg
"eda_metrics_name" directive is duplicate



=== TEST 40: eda_otel_exporter: https
--- http_config
    eda_otel_exporter https://127.0.0.1:4318;
--- emerg
invalid URL "https://127.0.0.1:4318" in "eda_otel_exporter": https is not supported yet: use an http:// URL



=== TEST 41: eda_otel_exporter: no scheme
--- http_config
    eda_otel_exporter 127.0.0.1:4318;
--- emerg
invalid URL "127.0.0.1:4318" in "eda_otel_exporter": the URL must start with http://



=== TEST 42: eda_otel_exporter: no host
--- http_config
    eda_otel_exporter http:///v1/traces;
--- emerg
invalid URL "http:///v1/traces" in "eda_otel_exporter": the URL has no host



=== TEST 43: eda_otel_exporter: a bad port
--- http_config
    eda_otel_exporter http://127.0.0.1:99999;
--- emerg
invalid URL "http://127.0.0.1:99999" in "eda_otel_exporter": invalid port



=== TEST 44: eda_otel_exporter: an unknown parameter
--- http_config
    eda_otel_exporter http://127.0.0.1:4318 colour=red;
--- emerg
unknown parameter "colour=red" in "eda_otel_exporter"



=== TEST 45: eda_otel_exporter: batch=0
--- http_config
    eda_otel_exporter http://127.0.0.1:4318 batch=0;
--- emerg
invalid parameter "batch=0" in "eda_otel_exporter"



=== TEST 46: eda_otel_exporter: interval not a time
--- http_config
    eda_otel_exporter http://127.0.0.1:4318 interval=soon;
--- emerg
invalid parameter "interval=soon" in "eda_otel_exporter"



=== TEST 47: eda_otel_exporter: an empty service
--- http_config
    eda_otel_exporter http://127.0.0.1:4318 service=;
--- emerg
invalid parameter "service=" in "eda_otel_exporter"



=== TEST 48: eda_otel_exporter: a batch larger than the queue
--- http_config
    eda_otel_exporter http://127.0.0.1:4318 batch=100 queue=10;
--- emerg
"eda_otel_exporter": batch=100 is larger than queue=10



=== TEST 49: eda_otel_exporter twice
--- http_config
    eda_otel_exporter http://127.0.0.1:4318;
    eda_otel_exporter http://127.0.0.1:4319;
--- emerg
"eda_otel_exporter" directive is duplicate



=== TEST 50: eda_jwt_jwks_url: not http or https
--- config
    location /t {
        eda_jwt on;
        eda_jwt_algorithms RS256;
        eda_jwt_jwks_url ftp://idp.example.com/keys;
    }
--- emerg
"eda_jwt_jwks_url" "ftp://idp.example.com/keys": the URL must start with https:// or http://



=== TEST 51: eda_jwt_jwks_url: an unknown parameter
--- config
    location /t {
        eda_jwt_jwks_url https://127.0.0.1/keys every=5m;
    }
--- emerg
unknown parameter "every=5m" in "eda_jwt_jwks_url"



=== TEST 52: eda_jwt_jwks_url: min_refresh longer than refresh
--- config
    location /t {
        eda_jwt_jwks_url https://127.0.0.1/keys refresh=1m min_refresh=5m;
    }
--- emerg
"eda_jwt_jwks_url": min_refresh is longer than refresh



=== TEST 53: eda_jwt_jwks_url and eda_jwt_key_file at one level
--- config
    location /t {
        eda_jwt_key_file ../html/k.pem;
        eda_jwt_jwks_url https://127.0.0.1/keys;
    }
--- user_files
>>> k.pem
-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9
q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==
-----END PUBLIC KEY-----
--- emerg
"eda_jwt_jwks_url" directive is duplicate: a level has one eda_jwt_key_file or one eda_jwt_jwks_url



=== TEST 54: eda_jwt_jwks_url: one URL, two sets of parameters
--- config
    location /a {
        eda_jwt_jwks_url https://127.0.0.1/keys refresh=5m;
    }
    location /b {
        eda_jwt_jwks_url https://127.0.0.1/keys refresh=10m;
    }
--- emerg
"eda_jwt_jwks_url" "https://127.0.0.1/keys": the URL is named again with other parameters



=== TEST 55: eda_jwt without keys
--- config
    location /t {
        eda_jwt on;
        eda_jwt_algorithms RS256;
    }
--- emerg
"eda_jwt" requires "eda_jwt_key_file" or "eda_jwt_jwks_url"



=== TEST 56: eda_kafka_exit_flush that is not a time
--- http_config
    eda_kafka_exit_flush soon;
--- emerg
"eda_kafka_exit_flush" directive invalid value
