# Fan-out across workers: with two workers (reuseport spreads the clients
# over both), a producer writes N events with kcat and each of M clients
# receives exactly the subset its filters allow, in order per partition.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use Time::HiRes qw(sleep);
use EdaTest qw(unique_topic kafka_produce kafka_produce_lines nginx_start
               nginx_stop nginx_workers wait_until);
use EdaWs qw(ws_server ws_open sse_open client_lines kafka_produce_ce
             wait_connected);

my $topic = unique_topic('ws-workers');
my $nginx;
my $N = 300;

END { nginx_stop($nginx) if $nginx }

kafka_produce($topic, 'seed', key => 'k');

$nginx = nginx_start(
    name => 'wsworkers',
    workers => 2,
    listen => 'reuseport',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    log_format eda_pid '\$pid \$status \$request_uri';
_EOC_
    config => <<"_EOC_",
        add_header X-Worker \$pid always;
        access_log logs/subscribers.log eda_pid;

        location = /all {
            eda_subscribe $topic;
        }
        location = /bob {
            eda_subscribe $topic;
            eda_subscribe_filter subject eq bob;
        }
_EOC_
);
ws_server($nginx);

my @workers;
for (1 .. 50) {
    @workers = nginx_workers($nginx);
    last if @workers == 2;
    sleep 0.1;
}
is(scalar @workers, 2, 'two workers');

# each worker's consumer must be live: SSE clients say which worker
# served them
my %live;
for my $i (1 .. 80) {
    my $c = sse_open('/all', count => 1, timeout => 2);
    # its head printed: the worker has registered it
    wait_connected($c);
    kafka_produce_ce($topic, id => "warm-$i", type => 'warm', key => 'w',
                     subject => 'nobody', data => 'warm');
    my @out = map { JSON::PP::decode_json($_) } client_lines($c);
    my $pid = $out[0]{headers}{'x-worker'} // '';
    $live{$pid} = 1
        if grep { ((eval { JSON::PP::decode_json($_->{data} // '') } || {})
                   ->{id} // '') eq "warm-$i" } @out;
    last if keys %live == 2;
}
is(scalar keys %live, 2, 'both workers consume the topic');

my @subjects = qw(alice bob carol);
my @types = qw(t.a.created t.b.updated);
my (@records, @events);

for my $i (1 .. $N) {
    my $e = { id => "e$i", subject => $subjects[$i % 3],
              type => $types[$i % 2], key => 'k' . ($i % 6), seq => $i };
    push @events, $e;
    push @records, [$e->{key}, JSON::PP::encode_json({
        specversion => '1.0', id => $e->{id}, source => '/test',
        type => $e->{type}, subject => $e->{subject},
        data => { seq => $i, key => $e->{key} } })];
}

sub want {
    my ($test) = @_;
    return [map { $_->{id} } grep { $test->($_) } @events];
}

my @clients = (
    ['/all', want(sub { 1 })],
    ['/all?subject=alice', want(sub { $_[0]{subject} eq 'alice' })],
    ['/all?type_prefix=t.a', want(sub { $_[0]{type} =~ /^t\.a/ })],
    ['/bob', want(sub { $_[0]{subject} eq 'bob' })],
    ['/bob?type=t.b.updated',
     want(sub { $_[0]{subject} eq 'bob' && $_[0]{type} eq 't.b.updated' })],
    ['/bob?subject=alice', []],
);

my @running;
for my $round (1 .. 2) {
    for my $c (@clients) {
        my ($path, $want) = @$c;
        push @running, [$path, $want,
                        ws_open($path, count => scalar(@$want) || 1,
                                timeout => @$want ? 40 : 8)];
    }
}
ok(wait_connected(map { $_->[2] } @running),
   'all ' . scalar(@running) . ' WebSocket clients connected');

kafka_produce_lines($topic, \@records,
                    headers => { 'content-type' =>
                                 'application/cloudevents+json' });

for my $r (@running) {
    my ($path, $want, $c) = @$r;
    my (@got, %last, $ordered);
    $ordered = 1;
    for my $line (client_lines($c)) {
        my $ev = eval { JSON::PP::decode_json($line) } or next;
        push @got, $ev->{id};
        my ($k, $seq) = ($ev->{data}{key}, $ev->{data}{seq});
        $ordered = 0 if defined $last{$k} && $seq <= $last{$k};
        $last{$k} = $seq;
    }
    is_deeply([sort @got], [sort @$want],
              "$path: exactly its " . scalar(@$want) . ' events');
    ok($ordered, "$path: in order per key (so per partition)");
}

# the clients were spread over both workers: a WebSocket request is
# logged when its connection ends, after the client has gone, so every
# client's line is waited for
my %served;
wait_until(sub {
    open my $log, '<', "$nginx->{root}/logs/subscribers.log" or die;
    my $n = 0;
    %served = ();
    while (<$log>) {
        next unless m{^(\d+) 101 /(all|bob)};
        $served{$1}++;
        $n++;
    }
    return $n >= @running;
}, 10);
is(scalar keys %served, 2, 'WebSocket clients on both workers');

done_testing();
