# eda_metrics scraped by a real Prometheus: the exposition passes
# "promtool check metrics"; consumer lag, brokers, requests by
# eda_metrics_name (a quote in the name, escaped), clients, saga retries,
# timeouts, dead letters and durations are there after the traffic that
# makes them; every query of docs/grafana/ngx-eda.json and every rule of
# docs/prometheus/ngx-eda-rules.yml evaluates without error; the rules
# pass "promtool check rules" and their unit tests.

use strict;
use warnings;

use Test::More;
use File::Temp ();
use HTTP::Tiny;
use JSON::PP ();
use POSIX ();
use EdaTest qw(nginx_start nginx_stop free_port wait_until kafka_produce
               unique_topic repo_root);
use EdaSaga qw(saga_setup saga_participant saga_start saga_wait
               saga_warm_up);
use EdaWs qw(ws_server ws_open sse_open wait_connected ws_finish);

my $PROMETHEUS = $ENV{PROMETHEUS} || '/usr/bin/prometheus';
my $PROMTOOL = $ENV{PROMTOOL} || '/usr/bin/promtool';

# installed by ./build.sh deps: missing is a failure, not a skip
ok(-x $PROMETHEUS && -x $PROMTOOL, 'prometheus and promtool are installed')
    or BAIL_OUT('install the Debian package prometheus (./build.sh deps)');

my $root = repo_root();
my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10);
my ($nginx, $prom, $nored);

END {
    if ($prom) {
        kill 'TERM', $prom;
        waitpid $prom, 0;
    }
    nginx_stop($nginx) if $nginx;
    nginx_stop($nored) if $nored;
}

# --------------------------------------------------------------------------
# the rules and their unit tests, on their own

my $rules = "$root/docs/prometheus/ngx-eda-rules.yml";

is(system("$PROMTOOL check rules $rules >/dev/null"), 0,
   'promtool check rules');
is(system("cd $root/docs/prometheus && "
          . "$PROMTOOL test rules ngx-eda-rules.test.yml >/dev/null"), 0,
   'promtool test rules: each alert firing and not firing');

# --------------------------------------------------------------------------
# a gateway with two workers: publish, fan-out, a saga, named locations

my $topic = unique_topic('promlag');
kafka_produce($topic, 'created');

my $S = saga_setup(name => 'promsaga', timeout => '1s', tweak => sub {
    my ($example, $reserve, $charge, $confirm) = @_;

    $charge->{retry} = { max_attempts => 2, initial_backoff => '100ms',
                         jitter => 0 };
    $charge->{compensation}{timeout} = '1s';
    $charge->{compensation}{retry} = { max_attempts => 2,
                                       initial_backoff => '100ms',
                                       jitter => 0 };
    $confirm->{retry} = { max_attempts => 1 };

    # the same with long timeouts, to warm up with: the participant's
    # group may take longer than a second to form
    my $warm = $json->decode($json->encode($example->{sagas}{checkout}));
    $_->{timeout} = '30s' for @{ $warm->{steps} };
    $example->{sagas}{warm} = $warm;
});

$nginx = nginx_start(name => 'prom', workers => 2,
    http_config => $S->{http_config} . <<'_EOC_',
    eda_kafka_property statistics.interval.ms 1000;
_EOC_
    config => $S->{config} . <<"_EOC_");
        location = /p {
            eda_metrics_name 'orders "eu"';
            eda_publish $topic;
            eda_ce_type t.prom;
        }
        location = /s {
            eda_subscribe $topic;
        }
        location = /down {
            eda_metrics_name orders-down;
            return 503;
        }
_EOC_

my $base = "http://127.0.0.1:$nginx->{port}";

like(saga_participant($S) // '', qr/READY/, 'the saga participant runs');
is(saga_warm_up($nginx->{port}, 'warm'), 'completed',
   'a first saga goes through');

# a compensation that fails for good (a dead letter, retries), and a
# step whose first command is not answered (a timeout, a retry)
my (undef, $dl) = saga_start($nginx->{port}, 'checkout',
    { fail => ['confirm-shipment'], fail_compensation => ['charge-payment'] });
my (undef, $slow) = saga_start($nginx->{port}, 'checkout',
    { silent => { 'charge-payment' => 1 } });
my $st = saga_wait($nginx->{port}, 'checkout', [$dl->{id}, $slow->{id}], 60);
is($st->{ $dl->{id} }{status}, 'failed', 'the dead-lettered saga failed');
is($st->{ $slow->{id} }{status}, 'completed', 'the slow saga completed');

my $published = grep { $http->post("$base/p", { content => "$_" })->{status}
                       == 202 } 1 .. 3;
is($published, 3, 'three events published');
is($http->get("$base/down")->{status}, 503, 'a named location answers 503');

# a subscriber of each kind, on either worker
ws_server($nginx);
my @clients = (ws_open('/s'), sse_open('/s'));
ok(wait_connected(@clients), 'a WebSocket and an SSE client connected');

# --------------------------------------------------------------------------
# the exposition

sub scrape { $http->get("$base/metrics")->{content} // '' }

# the saga figures come from the coordinator, the lag from statistics
my $text = wait_until(sub {
    my $t = scrape();
    return $t =~ /^eda_saga_duration_seconds_count\{saga="checkout",outcome="failed"\} 1$/m
        && $t =~ /^eda_kafka_consumer_lag\{consumer="fanout",topic="\Q$topic\E",/m
        && $t =~ /^eda_clients\{protocol="sse"\} 1$/m
        ? $t : undef;
}, 30) // scrape();

my $tmp = File::Temp->new(DIR => "$root/.eda", SUFFIX => '.prom');
print $tmp $text;
close $tmp;

my $check = `$PROMTOOL check metrics < $tmp 2>&1`;
is($?, 0, 'promtool check metrics passes') or diag($check);

my $bad = File::Temp->new(DIR => "$root/.eda", SUFFIX => '.prom');
print $bad $text, "eda_broken{location=\"x} 1\n";
close $bad;
isnt(system("$PROMTOOL check metrics < $bad >/dev/null 2>&1"), 0,
     'promtool check metrics refuses a broken line (the check can fail)');

like($text, qr/^eda_http_requests_total\{location="orders \\"eu\\"",class="2xx"\} 3$/m,
     'requests by eda_metrics_name and class, the quote escaped');
like($text, qr/^eda_http_requests_total\{location="orders-down",class="5xx"\} 1$/m,
     '5xx of another name');
unlike($text, qr/location="\/metrics"|location="\/s"/,
       'locations without eda_metrics_name are not counted');
like($text, qr/^eda_kafka_brokers_up\{client="fanout"\} [1-9]/m,
     'the fan-out consumers reach a broker');
like($text, qr/^eda_kafka_brokers_up\{client="producer"\} [1-9]/m,
     'so do the producers');
like($text, qr/^eda_kafka_consumer_lag\{consumer="saga",topic="[^"]+",partition="\d+"\} \d+$/m,
     'the saga reply consumer\'s lag');
like($text, qr/^eda_redis_connections\{state="up"\} [1-9]\neda_redis_connections\{state="down"\} 0$/m,
     'the processes\' Redis connections are up');
like($text, qr/^eda_saga_dead_letters_total\{saga="checkout"\} 1$/m,
     'one dead letter');
like($text, qr/^eda_saga_step_timeouts_total\{saga="checkout",step="charge-payment"\} 1$/m,
     'one timeout of charge-payment');
like($text, qr/^eda_saga_step_retries_total\{saga="checkout",step="charge-payment"\} [2-9]$/m,
     'its retries: the command after the timeout, the compensation again');
like($text, qr/^eda_saga_duration_seconds_count\{saga="checkout",outcome="completed"\} 1$/m,
     'a saga completed, by saga');
like($text, qr/^eda_saga_duration_seconds_count\{saga="warm",outcome="completed"\} 1$/m,
     'and the other');
like($text, qr/^eda_clients\{protocol="websocket"\} 1\neda_clients\{protocol="sse"\} 1\neda_clients\{protocol="socketio"\} 0$/m,
     'clients by protocol');
unlike($text, qr/\Q$dl->{id}\E|\Q$slow->{id}\E/, 'no saga id in a label');

# --------------------------------------------------------------------------
# Prometheus scraping it

my $tsdb = File::Temp->newdir(DIR => "$root/.eda");
my $pport = free_port();

open my $cf, '>', "$tsdb/prometheus.yml" or die;
print $cf <<"_EOC_";
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: ngx-eda
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:$nginx->{port}']
_EOC_
close $cf;

$prom = fork // die "fork: $!";
if ($prom == 0) {
    open STDOUT, '>', "$tsdb/prometheus.log";
    open STDERR, '>&', \*STDOUT;
    exec $PROMETHEUS, "--config.file=$tsdb/prometheus.yml",
         "--storage.tsdb.path=$tsdb/data",
         "--web.listen-address=127.0.0.1:$pport"
        or POSIX::_exit(127);
}

my $api = "http://127.0.0.1:$pport/api/v1";

sub api_query {
    my ($q) = @_;
    my $res = $http->get("$api/query?"
                         . $http->www_form_urlencode({ query => $q }));
    return eval { $json->decode($res->{content}) } || { status => 'none' };
}

my $up = wait_until(sub {
    my $res = $http->get("$api/targets");
    my $t = eval { $json->decode($res->{content}) } or return 0;
    return grep { $_->{health} eq 'up' } @{ $t->{data}{activeTargets} };
}, 60);
ok($up, 'Prometheus scrapes the eda_metrics location');

# records on the subscribed topic, then its lag in Prometheus
kafka_produce($topic, "record $_") for 1 .. 3;

my $lag = wait_until(sub {
    my $r = api_query(qq{eda_kafka_consumer_lag{consumer="fanout",topic="$topic"}});
    return @{ $r->{data}{result} || [] } ? $r : undef;
}, 30);
ok($lag, 'the fan-out lag of the subscribed topic has data in Prometheus');

my $named = api_query(q{eda_http_requests_total{location="orders \"eu\"",class="2xx"}});
is(($named->{data}{result}[0]{value} // [])->[1], '3',
   'Prometheus reads the escaped label as written');

# every panel's query, with Grafana's variables given values
my $dash = do {
    open my $fh, '<', "$root/docs/grafana/ngx-eda.json" or die;
    local $/;
    $json->decode(<$fh>);
};

my @exprs = map { $_->{expr} } map { @{ $_->{targets} || [] } }
            grep { $_->{type} ne 'row' } @{ $dash->{panels} };
ok(@exprs >= 15, scalar(@exprs) . ' dashboard queries');

my @failed;
my %exposed = map { $_ => 1 } $text =~ /^# TYPE (\S+) /mg;
for my $e (@exprs) {
    (my $q = $e) =~ s/\$__rate_interval/1m/g;
    $q =~ s/\$instance/.*/g;
    my $r = api_query($q);
    push @failed, "$e: " . ($r->{error} // $r->{status})
        unless $r->{status} eq 'success';
    for my $m ($e =~ /\b(eda_[a-z_]+)/g) {
        $m =~ s/_(bucket|sum|count)$// unless $exposed{$m};
        push @failed, "$e: $m is not exposed" unless $exposed{$m};
    }
}
is_deeply(\@failed, [], 'every dashboard query evaluates, on exposed names');

is(api_query('sum by (')->{status}, 'error',
   'a broken query is an error (the check can fail)');

# the rules were loaded and evaluate
my $groups = wait_until(sub {
    my $r = eval { $json->decode($http->get("$api/rules")->{content}) };
    my @rules = map { @{ $_->{rules} } } @{ $r->{data}{groups} || [] };
    return (@rules && !grep { $_->{health} ne 'ok' } @rules) ? \@rules
                                                           : undef;
}, 30);
ok($groups && @$groups == 8, 'Prometheus evaluates the 8 rules cleanly');

# a gateway whose Redis address has nothing listening: its connection is
# counted down, as long as it is
my $closed = free_port();
$nored = nginx_start(name => 'promnoredis', http_config => <<"_EOC_",
    eda_redis 127.0.0.1:$closed timeout=100ms;
    eda_jwt_cache shm_size=1m redis=on;
_EOC_
    config => <<'_EOC_');
        location = /metrics {
            eda_metrics;
        }
_EOC_
ok(wait_until(sub {
    $http->get("http://127.0.0.1:$nored->{port}/metrics")->{content}
        =~ /^eda_redis_connections\{state="up"\} 0\neda_redis_connections\{state="down"\} 1$/m
}, 10), 'Redis out of reach: the connection is counted down');
nginx_stop($nored);
$nored = undef;

ws_finish(@clients);
ok(wait_until(sub { scrape() =~ /^eda_clients\{protocol="websocket"\} 0$/m }, 10),
   'a closed client is no longer counted');

my $log = do {
    open my $fh, '<', $nginx->{log} or die;
    local $/;
    <$fh>;
};
unlike($log, qr/\[(?:error|alert|crit|emerg)\]|metrics zone.*full/,
       'nothing alarming logged, no table full');

done_testing();
