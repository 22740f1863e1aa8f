# Span export over OTLP/HTTP (eda_otel_exporter), against a receiver that
# reads every body with the official OpenTelemetry protobuf definitions
# (t/lib/otlp_receiver.py): a publish with a sampled traceparent becomes
# a PRODUCER span "publish TOPIC" in the caller's trace, with the
# configured service name; an unsampled one is not exported; batches
# leave when full and when interval= passed.  A collector that is down,
# too slow or refusing costs the clients nothing: requests are answered
# as before and eda_metrics counts the spans dropped, by reason.
#
# The spans come from the gateway's own call sites (eda_publish's span):
# without any, the file says so and skips.

use strict;
use warnings;

use File::Path ();
use Test::More;
use Time::HiRes ();
use EdaTest qw(kafka_brokers kafka_produce unique_topic nginx_start
               nginx_stop http_get http_post wait_until free_port
               repo_root);
use EdaOtel qw(otel_python otel_receiver otel_spans otel_stop);

my $root = repo_root();

# a call site of ngx_eda_otel_span() outside the exporter itself
my $sites = `grep -rl 'ngx_eda_otel_span(' $root/ngx_eda_module --include=*.c`;
$sites = join ' ', grep { !m{/event/ngx_eda_otel\.c$} } split /\n/, $sites;
plan skip_all => 'no call site of ngx_eda_otel_span() yet' unless $sites;

my $state = $ENV{EDA_STATE_DIR} || "$root/.eda";
otel_python();

my @nginx;

END {
    local $?;
    nginx_stop($_) for @nginx;
    otel_stop();
}

my $topic = unique_topic('otel');
kafka_produce($topic, 'created');

my $dir = "$state/otel-$$";
File::Path::remove_tree($dir);
File::Path::make_path($dir);

sub receiver { otel_receiver($dir, @_) }
sub received { otel_spans(@_) }

sub gateway {
    my ($name, $exporter) = @_;

    my $n = nginx_start(
        name => "otel-$name",
        http_config => 'eda_kafka_brokers ' . kafka_brokers() . ";\n"
                       . "    eda_otel_exporter $exporter;\n",
        config => <<"_EOC_",
        location = /orders {
            eda_publish $topic;
            eda_ce_type com.example.order.placed;
        }
        location = /metrics {
            eda_metrics;
        }
_EOC_
    );
    push @nginx, $n;
    return $n;
}

sub publish {
    my ($n, $tp) = @_;

    my $t0 = Time::HiRes::time();
    my ($st) = http_post($n, '/orders', '{"order":1}',
                         'Content-Type' => 'application/json',
                         $tp ? (traceparent => $tp) : ());
    return ($st, Time::HiRes::time() - $t0);
}

sub metric {
    my ($n, $name) = @_;

    my (undef, $body) = http_get($n, '/metrics');
    return ($body // '') =~ /^\Q$name\E (\d+)$/m ? $1 : -1;
}

sub dropped { metric($_[0], "eda_otel_spans_dropped_total{reason=\"$_[1]\"}") }

sub no_errors {
    my ($n, $what) = @_;

    open my $fh, '<', $n->{log} or return fail("$what: no error log");
    my @bad = grep { /\[(error|alert|crit|emerg)\]/ } <$fh>;
    is(scalar @bad, 0, "$what: nothing logged at error or worse")
        or diag(@bad);
}

my $HEX = qr/[0-9a-f]/;
my $TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
my $PARENT = '00f067aa0ba902b7';

# --------------------------------------------------------------------------
# a collector that accepts: the spans as the receiver decoded them

my $ok = receiver('ok');
my $gw = gateway('ok', "http://127.0.0.1:$ok->{port} service=edatest "
                       . "batch=2 interval=200ms");

my $UNSAMPLED = 'aaaabbbbccccddddeeeeffff00001111';
my ($st) = publish($gw, "00-$UNSAMPLED-$PARENT-00");
is($st, 202, 'an unsampled publish: 202');
($st) = publish($gw, "00-$TRACE-$PARENT-01");
is($st, 202, 'a sampled publish: 202');

my $span = wait_until(sub {
    (grep { ($_->{traceId} // '') eq $TRACE } received($ok))[0] }, 20);
ok($span, 'the sampled publish reached the collector as a span');
$span //= {};
is($span->{name}, "publish $topic", 'named "publish TOPIC"');
is($span->{kind}, 4, 'kind PRODUCER');
is($span->{parentSpanId}, $PARENT, "a child of the caller's span");
like($span->{spanId} // '', qr/^$HEX{16}$/, 'a span id of its own');
isnt($span->{spanId} // '', $PARENT, "not the caller's");
is($span->{flags}, 1, 'the sampled flag');
ok(($span->{start} // 0) > 1.6e18 && $span->{end} >= $span->{start},
   'start and end in Unix nanoseconds');
is($span->{resource}{'service.name'}{stringValue}, 'edatest',
   'service.name from service=');
like($span->{resource}{'service.instance.id'}{stringValue} // '',
     qr/-\d+$/, 'service.instance.id: host and pid');
is($span->{scope}{name}, 'ngx_eda', 'the scope: ngx_eda');
like($span->{scope}{version}, qr/^\d+\.\d+\.\d+$/, 'and its version');

# FIFO per process: the unsampled one came first, it would be there
ok(!grep({ ($_->{traceId} // '') eq $UNSAMPLED } received($ok)),
   'the unsampled publish was not exported');
ok(!grep({ exists $_->{error} } received($ok)),
   'every body decoded with the official definitions');

# three more: two leave as a full batch, the third after interval=
my @traces = map { sprintf '%032x', 0xabc0 + $_ } 1 .. 3;
publish($gw, "00-$_-$PARENT-01") for @traces;
my $all = wait_until(sub {
    my %seen = map { ($_->{traceId} // '') => 1 } received($ok);
    !grep { !$seen{$_} } @traces }, 20);
ok($all, 'a full batch and a partial one after interval= both arrive');
my $got = () = received($ok);
ok(wait_until(sub { metric($gw, 'eda_otel_spans_exported_total') == $got },
              10), "eda_metrics: the $got spans received counted exported");
is(dropped($gw, 'collector_error'), 0, 'none dropped');
no_errors($gw, 'collector up');

# --------------------------------------------------------------------------
# no collector listening: requests answered, the spans dropped, counted

my $down = gateway('down', 'http://127.0.0.1:' . free_port()
                           . ' batch=1 interval=100ms');
my $slowest = 0;
for (1 .. 3) {
    my ($s, $took) = publish($down, "00-$TRACE-$PARENT-01");
    is($s, 202, "collector down: publish $_ answered 202");
    $slowest = $took if $took > $slowest;
}
ok($slowest < 5, sprintf 'collector down: publishes as fast as ever '
                         . '(slowest %.3f s)', $slowest);
ok(wait_until(sub { dropped($down, 'collector_error') >= 3 }, 10),
   'collector down: the spans dropped (collector_error)');
is(metric($down, 'eda_otel_spans_exported_total'), 0, 'none exported');
no_errors($down, 'collector down');

# --------------------------------------------------------------------------
# a collector slower than timeout=, and a queue of one: one span in
# flight times out, one waits in the queue, the rest find it full

my $slow = receiver('slow', '--sleep', 5);
my $sgw = gateway('slow', "http://127.0.0.1:$slow->{port} batch=1 queue=1 "
                          . 'interval=1s timeout=1s');
for (1 .. 4) {
    my ($s) = publish($sgw, "00-$TRACE-$PARENT-01");
    is($s, 202, "collector slow: publish $_ answered 202");
}
ok(wait_until(sub { dropped($sgw, 'queue_full') >= 1 }, 10),
   'collector slow: spans that found the queue full are counted');
ok(wait_until(sub { dropped($sgw, 'timeout') >= 1 }, 10),
   'collector slow: the batch in flight timed out and is counted');
is(metric($sgw, 'eda_otel_spans_exported_total'), 0, 'none exported');
no_errors($sgw, 'collector slow');

# --------------------------------------------------------------------------
# a collector that refuses: dropped, not retried

my $refuse = receiver('refuse', '--status', 503);
my $rgw = gateway('refuse', "http://127.0.0.1:$refuse->{port} batch=1 "
                            . 'interval=100ms');
publish($rgw, "00-$TRACE-$PARENT-01") for 1 .. 2;
ok(wait_until(sub { dropped($rgw, 'collector_error') >= 2 }, 10),
   'a 503: the spans dropped (collector_error)');
my @sent = received($refuse);
is(scalar(grep { ($_->{name} // '') eq "publish $topic" } @sent), 2,
   'each publish span was sent once, not retried');
is(dropped($rgw, 'collector_error'), scalar @sent,
   'every span sent counted dropped');

File::Path::remove_tree($dir);

done_testing();
