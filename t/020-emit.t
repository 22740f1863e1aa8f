# eda_emit: the response tap.  Responses of proxied services are published
# as CloudEvents and read back from Kafka with kcat; the client always gets
# exactly what the service sent, whatever happens to the event.

use Test::Nginx::Socket 'no_plan';
use EdaTest qw(unique_topic kafka_consume add_error_log_wait);
use JSON::PP ();

# one topic per behaviour, so that every check knows what to expect there
for my $t (qw(created typed skip all large chunked slow cached bigfile
              nobody bad inherit))
{
    $ENV{'TEST_NGINX_TOPIC_' . uc $t} = unique_topic("emit-$t");
}

# a body of 200 000 bytes, served from a file
our $Big = join '', map { sprintf "%07d\n", $_ } 1 .. 25000;

repeat_each(2);
no_shuffle();
no_long_string();

our $HttpConfig = <<'_EOC_';
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
    log_format emit 'eda_emit_status=$eda_emit_status uri=$uri';
_EOC_

# the service behind the tap, in the same server
our $Backend = <<'_EOC_';
    location = /backend/created {
        default_type application/json;
        add_header Location /orders/7;
        add_header X-Order-Id 7;
        return 201 '{"id":7}';
    }

    location = /backend/missing {
        default_type application/json;
        return 404 '{"error":"no such item"}';
    }

    location = /backend/found {
        default_type application/json;
        return 200 '{"item":1}';
    }

    location = /backend/deleted {
        return 204;
    }

    location = /backend/chunked {
        default_type application/json;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/found;

        # rewriting the body drops Content-Length: a body of unknown length
        sub_filter_types application/json;
        sub_filter '"item":1' '"item":2';
    }
_EOC_

my %expected;   # topic => records the topic must hold by now

sub check_emitted {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;

    my $spec = $block->emitted;
    return if !defined $spec || $dry_run;

    my $name = $block->name;

    $spec = eval $spec if !ref $spec;
    die "$name: bad emitted: $@" if $@;

    return if $req_idx != ($spec->{at} || 0);

    my $topic = $ENV{'TEST_NGINX_TOPIC_' . $spec->{topic}};
    my $want = ($expected{$topic} += 1);

    # kcat complains until the first event creates the topic
    open my $stderr, '>&', \*STDERR or die "dup: $!";
    open STDERR, '>', '/dev/null' or die "/dev/null: $!";

    # exact: one more than expected must not show up
    my $recs = kafka_consume($topic, count => $spec->{exact} ? $want + 1
                                                            : $want,
                             timeout => $spec->{exact} ? 4 : 10);

    open STDERR, '>&', $stderr or die "dup: $!";

    my @why;

    if (@$recs != $want) {
        push @why, scalar(@$recs) . " records, want $want";
    }

    for my $rec (@$recs) {
        for my $h (sort keys %{ $spec->{headers} || {} }) {
            my $w = $spec->{headers}{$h};
            my $g = $rec->{headers}{$h};
            if (!defined $g || (ref $w ? $g !~ $w : $g ne $w)) {
                push @why, "header $h: got " . ($g // 'undef');
            }
        }

        for my $h (@{ $spec->{no_headers} || [] }) {
            push @why, "header $h present" if exists $rec->{headers}{$h};
        }

        if (exists $spec->{payload}) {
            my $g = $rec->{payload};
            my $w = $spec->{payload};

            # kcat shows an empty value as null
            if (!defined $w) {
                push @why, "payload: got " . length($g) . " bytes, want none"
                    if defined $g && $g ne '';

            } elsif (ref $w eq 'Regexp') {
                push @why, "payload: no match" if !defined $g || $g !~ $w;

            } elsif (!defined $g || $g ne $w) {
                push @why, "payload: got "
                           . (defined $g ? length($g) . " bytes" : 'undef')
                           . ", want " . length($w);
            }
        }

        for my $k (sort keys %{ $spec->{json} || {} }) {
            my $ev = eval { JSON::PP::decode_json($rec->{payload}) } || {};
            my $g = $ev->{$k};
            my $w = $spec->{json}{$k};
            $g = JSON::PP->new->canonical->encode($g) if ref $g;
            if (!defined $g || (ref $w ? $g !~ $w : $g ne $w)) {
                push @why, "json $k: got " . ($g // 'undef');
            }
        }
    }

    my %seen;
    @why = grep { !$seen{$_}++ } @why;

    Test::More::ok(!@why, "$name - emitted records match"
                          . (@why ? ' (' . join('; ', @why) . ')' : ''));
}

add_response_body_check(\&check_emitted);
add_error_log_wait();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config', $HttpConfig)
        unless defined $block->http_config;

    if (defined $block->config && !defined $block->must_die) {
        $block->set_value('config', $block->config . $Backend);
    }

    if (defined $block->must_die) {
        $block->set_value('suppress_stderr', 1);
    }
});

run_tests();

__DATA__

=== TEST 1: a proxied 201 is emitted; the client gets the response as sent
--- config
    location = /orders {
        eda_emit $TEST_NGINX_TOPIC_CREATED;
        eda_ce_type com.example.order.created;
        eda_ce_subject order-$upstream_http_x_order_id;
        access_log logs/error.log emit;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/created;
    }
--- request
POST /orders
{"order":7}
--- error_code: 201
--- response_headers
Content-Type: application/json
X-Order-Id: 7
--- response_body chomp
{"id":7}
--- emitted eval
{
    topic => 'CREATED',
    headers => {
        ce_specversion => '1.0',
        ce_id => qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ce_type => 'com.example.order.created',
        ce_source => 'http://localhost/orders',
        ce_subject => 'order-7',
        ce_time => qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
        ce_httpstatus => '201',
        ce_httplocation => qr{/orders/7$},
        'content-type' => 'application/json',
    },
    no_headers => [qw(ce_bodytruncated ce_datacontenttype)],
    payload => '{"id":7}',
}
--- error_log
eda_emit_status=queued uri=/orders
--- no_error_log
[error]
[alert]
[warn]
[emerg]
[crit]



=== TEST 2: without eda_ce_type the type is eda.http.response
--- config
    location = /found {
        eda_emit $TEST_NGINX_TOPIC_TYPED;
        eda_ce_mode structured;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/found;
    }
--- request
GET /found
--- error_code: 200
--- response_body chomp
{"item":1}
--- emitted eval
{
    topic => 'TYPED',
    headers => {
        'content-type' => 'application/cloudevents+json; charset=UTF-8',
    },
    json => {
        specversion => '1.0',
        type => 'eda.http.response',
        source => 'http://localhost/found',
        httpstatus => '200',
        datacontenttype => 'application/json',
        data => '{"item":1}',
    },
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 3: on=2xx (the default) skips a 404; the client still gets it
--- config
    location /items/ {
        eda_emit $TEST_NGINX_TOPIC_SKIP;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
--- pipelined_requests eval
["GET /items/missing", "GET /items/found"]
--- error_code eval
[404, 200]
--- response_body eval
['{"error":"no such item"}', '{"item":1}']
--- emitted eval
{
    topic => 'SKIP',
    at => 1,
    exact => 1,
    headers => { ce_httpstatus => '200' },
    payload => '{"item":1}',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 4: $eda_emit_status tells the access log what became of a response
--- config
    location /items/ {
        eda_emit $TEST_NGINX_TOPIC_SKIP;
        access_log logs/error.log emit;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
--- request
GET /items/missing
--- error_code: 404
--- error_log
eda_emit_status=skipped uri=/items/missing
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 5: $eda_emit_status is empty where there is no eda_emit
--- config
    location = /plain {
        access_log logs/error.log emit;
        return 200;
    }
--- request
GET /plain
--- error_code: 200
--- error_log
eda_emit_status=- uri=/plain
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 6: on=all emits the 404 too
--- config
    location /items/ {
        eda_emit $TEST_NGINX_TOPIC_ALL on=all;
        eda_ce_type com.example.item.lookup;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
--- request
GET /items/missing
--- error_code: 404
--- response_body chomp
{"error":"no such item"}
--- emitted eval
{
    topic => 'ALL',
    headers => {
        ce_type => 'com.example.item.lookup',
        ce_httpstatus => '404',
        'content-type' => 'application/json',
    },
    payload => '{"error":"no such item"}',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 7: a body over eda_emit_max_body: no data, flagged, client intact
--- config
    location = /orders {
        eda_emit $TEST_NGINX_TOPIC_LARGE;
        eda_emit_max_body 4;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/created;
    }
--- request
GET /orders
--- error_code: 201
--- response_body chomp
{"id":7}
--- emitted eval
{
    topic => 'LARGE',
    headers => {
        ce_httpstatus => '201',
        ce_bodytruncated => 'true',
    },
    no_headers => ['content-type'],
    payload => undef,
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 8: a body of unknown length (chunked) is collected as it passes
--- config
    location = /chunked {
        eda_emit $TEST_NGINX_TOPIC_CHUNKED;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/chunked;
    }
--- request
GET /chunked
--- error_code: 200
--- response_headers
Content-Length:
--- response_body chomp
{"item":2}
--- emitted eval
{
    topic => 'CHUNKED',
    headers => { ce_httpstatus => '200' },
    payload => '{"item":2}',
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 9: a slow client: the proxied body goes through a temporary file
--- config
    location = /big {
        eda_emit $TEST_NGINX_TOPIC_SLOW;
        eda_emit_max_body 1m;
        limit_rate 1m;
        proxy_buffer_size 1k;
        proxy_buffers 4 1k;
        proxy_busy_buffers_size 2k;
        proxy_temp_file_write_size 2k;
        proxy_max_temp_file_size 1m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/big.txt;
    }
--- user_files eval
">>> big.txt\n$::Big"
--- request
GET /big
--- error_code: 200
--- response_body eval
$::Big
--- emitted eval
{
    topic => 'SLOW',
    headers => { ce_httpstatus => '200' },
    no_headers => ['ce_bodytruncated'],
    payload => $::Big,
}
--- log_level: debug
--- error_log eval
qr/eda emit: \d+ bytes read from "[^"]+"/
--- no_error_log
[error]
[alert]
[emerg]
[crit]
--- timeout: 10



=== TEST 10: a cached response is sent from its file, and so is read
--- http_config
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
    proxy_cache_path cache keys_zone=emit:1m;
--- config
    location = /cached {
        eda_emit $TEST_NGINX_TOPIC_CACHED;
        eda_emit_max_body 1m;
        proxy_cache emit;
        proxy_cache_valid 200 1s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/big.txt;
    }
--- user_files eval
">>> big.txt\n$::Big"
--- request
GET /cached
--- error_code: 200
--- response_body eval
$::Big
--- emitted eval
{
    topic => 'CACHED',
    headers => { ce_httpstatus => '200' },
    payload => $::Big,
}
--- log_level: debug
--- error_log eval
qr/eda emit: \d+ bytes read from/
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 11: a large file over the limit still reaches the client intact
--- config
    location = /big {
        eda_emit $TEST_NGINX_TOPIC_BIGFILE;
        limit_rate 1m;
        proxy_buffer_size 1k;
        proxy_buffers 4 1k;
        proxy_busy_buffers_size 2k;
        proxy_max_temp_file_size 1m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/big.txt;
    }
--- user_files eval
">>> big.txt\n$::Big"
--- request
GET /big
--- error_code: 200
--- response_body eval
$::Big
--- emitted eval
{
    topic => 'BIGFILE',
    headers => { ce_bodytruncated => 'true' },
    payload => undef,
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]
--- timeout: 10



=== TEST 12: a response without a body (204) is emitted without data
--- config
    location = /orders/7 {
        eda_emit $TEST_NGINX_TOPIC_NOBODY;
        eda_ce_type com.example.order.deleted;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/deleted;
    }
--- request
DELETE /orders/7
--- error_code: 204
--- response_body
--- emitted eval
{
    topic => 'NOBODY',
    headers => {
        ce_type => 'com.example.order.deleted',
        ce_httpstatus => '204',
    },
    no_headers => [qw(content-type ce_bodytruncated)],
    payload => undef,
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 13: an event that cannot be built changes nothing for the client
--- config
    location = /orders {
        eda_emit $TEST_NGINX_TOPIC_BAD;
        access_log logs/error.log emit;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/created;
    }
--- request
POST /orders
{"order":7}
--- more_headers eval
"Idempotency-Key: " . ("k" x 300)
--- error_code: 201
--- response_body chomp
{"id":7}
--- error_log
eda_emit_status=failed uri=/orders
Idempotency-Key must be 1 to 256 characters (attribute "id")
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 14: Kafka unreachable: the client still gets its response
--- http_config
    eda_kafka_brokers 127.0.0.1:1;
    eda_kafka_property message.timeout.ms 1000;
--- config
    location = /orders {
        eda_emit emit-unreachable;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/created;
    }
--- request
POST /orders
{"order":7}
--- error_code: 201
--- response_headers
Content-Type: application/json
--- response_body chomp
{"id":7}
--- error_log_within: 10
--- error_log
delivery to "emit-unreachable" failed
--- no_error_log
[alert]
[crit]



=== TEST 15: eda_emit inherits into "if" blocks
--- config
    location = /orders {
        eda_emit $TEST_NGINX_TOPIC_INHERIT;
        if ($arg_x) {
            set $y 1;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/found;
    }
--- request
GET /orders?x=1
--- error_code: 200
--- response_body chomp
{"item":1}
--- emitted eval
{
    topic => 'INHERIT',
    headers => {
        ce_type => 'eda.http.response',
        ce_httpstatus => '200',
    },
}
--- no_error_log
[error]
[alert]
[emerg]
[crit]



=== TEST 16: an invalid topic name
--- config
    location = /t {
        eda_emit "orders/created";
        return 200;
    }
--- must_die
--- error_log
[emerg]
invalid Kafka topic name "orders/created" in "eda_emit"



=== TEST 17: an invalid "on" parameter
--- config
    location = /t {
        eda_emit orders on=5xx;
        return 200;
    }
--- must_die
--- error_log
[emerg]
invalid parameter "on=5xx" in "eda_emit": expected "on=2xx" or "on=all"



=== TEST 18: eda_emit without eda_kafka_brokers
--- http_config
    eda_emit_max_body 1k;
--- config
    location = /t {
        eda_emit orders;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_emit" in \S+:\d+ requires "eda_kafka_brokers" in the http block/



=== TEST 19: eda_emit outside a location
--- config
    eda_emit orders;
--- must_die
--- error_log
[emerg]
"eda_emit" directive is not allowed here
