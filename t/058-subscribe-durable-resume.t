# Durable resume: every event carries a cursor (the next offset of each
# partition of the location's topics), and a client that comes back with
# it is served what it missed from Kafka itself, by whichever worker of
# whichever gateway it lands on: across a reload, and across a switch to
# another gateway, nothing is lost and nothing comes twice.  An offset
# Kafka does not have is said to be unavailable.

use strict;
use warnings;

use JSON::PP ();
use MIME::Base64 ();
use Test::More;
use EdaTest qw(unique_topic kafka_produce_lines nginx_start nginx_stop
               nginx_reload);
use EdaWs qw(ws_server ws_open client_lines pump_until wait_connected
             ws_finish);

my $topic = unique_topic('ws-durable');   # three partitions (the broker's
my $CLIENTS = 20;                          # default for new topics)
my (@gw, $serial);

END { nginx_stop($_) for grep { $_ } @gw }

my $config = <<"_EOC_";
        location = /ws {
            eda_subscribe $topic;
        }
        location = /even {
            eda_subscribe $topic;
            eda_subscribe_filter subject eq even;
        }
_EOC_

for my $name (qw(durable1 durable2)) {
    push @gw, nginx_start(
        name => $name,
        main_config => 'worker_processes 2;',
        http_config => "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n",
        config => $config,
    );
}
ws_server($gw[0]);

# records K of a run: keys spread over the partitions, a sequence per key
sub records {
    my ($from, $to) = @_;

    return [map {
        my $key = 'k' . ($_ % 7);
        [$key, JSON::PP::encode_json({
            specversion => '1.0', id => "e$_", source => '/test',
            type => 't.durable', subject => ($_ % 2 ? 'odd' : 'even'),
            data => { key => $key, seq => $_ } })]
    } $from .. $to];
}

sub produce {
    kafka_produce_lines($topic, records(@_),
                        headers => { 'content-type' =>
                                     'application/cloudevents+json' });
}

sub events_of {
    my ($c) = @_;

    return grep { ref $_ eq 'HASH' && ($_->{type} // '') ne 't.warm' }
           map { eval { JSON::PP::decode_json($_) } } client_lines($c);
}

# every event of FROM .. TO exactly once, in order per key
sub check_run {
    my ($c, $from, $to, $what) = @_;

    my @ev = grep { ($_->{type} // '') eq 't.durable' } events_of($c);
    my (%n, %last, $ordered);
    $ordered = 1;
    for my $e (@ev) {
        my ($k, $seq) = ($e->{data}{key}, $e->{data}{seq});
        $n{$seq}++;
        $ordered = 0 if defined $last{$k} && $seq <= $last{$k};
        $last{$k} = $seq;
    }
    my @missing = grep { !$n{$_} } $from .. $to;
    my @twice = grep { $n{$_} > 1 } keys %n;
    return (!@missing && !@twice && $ordered && @ev == $to - $from + 1)
        || diag("$what: " . scalar(@ev) . " events, missing @missing[0 .. ($#missing < 9 ? $#missing : 9)], twice @twice, ordered $ordered")
        && 0;
}

# each gateway's workers consume the topic: a client of each sees a record
# written after it connected
for my $g (0, 1) {
    my $ready;
    for my $i (1 .. 40) {
        my @cs = map { ws_open("/ws", count => 1, timeout => 2,
                               name => "warm$g") } 1 .. 2;
        my $warm = "warm-$g-$i";
        wait_connected(@cs);
        kafka_produce_lines($topic, [['w', JSON::PP::encode_json({
            specversion => '1.0', id => $warm, source => '/test',
            type => 't.warm' })]], headers => { 'content-type' =>
                                     'application/cloudevents+json' });
        pump_until(sub { !grep { @{ $_->{lines} } < 2 } @cs }, 3, @cs);
        ws_finish(@cs);
        $ready = !grep { !grep { /"$warm"/ } client_lines($_) } @cs;
        last if $ready;
    }
    ok($ready, "gateway " . ($g + 1) . ": its workers consume the topic");
    ws_server($gw[1]);
}
ws_server($gw[0]);

# the cursor: a URL-safe string on every event

my $c = ws_open('/ws', count => 3, timeout => 20);
ok(wait_connected($c), 'a client connected');
produce(1, 3);
pump_until(sub { @{ $c->{lines} } >= 4 }, 20, $c);
my @ev = events_of($c);
is(scalar(grep { ($_->{edacursor} // '') =~ /^eda1\.[A-Za-z0-9_-]+$/ } @ev),
   3, 'each event has its cursor, "edacursor"');
is_deeply([sort map { $_->{id} } @ev], [qw(e1 e2 e3)],
          'the events themselves');
my ($e1) = grep { $_->{id} eq 'e1' } @ev;
my $after_e1 = $e1->{edacursor};
my %before_e1 = map { $_->{id} => 1 } @ev[0 .. (grep { $ev[$_]{id} eq 'e1' } 0 .. 2)[0]];

# any worker of either gateway serves a cursor: e2 and e3 again, then live

my @after = grep { !$before_e1{$_} } qw(e2 e3);
for my $g (0, 1) {
    my $r = ws_open('/ws?since=' . $after_e1, count => @after + 1,
                    timeout => 20, name => "since$g");
    ok(wait_connected($r), "gateway " . ($g + 1) . ": a client resumes");
    if ($g == 0) {
        pump_until(sub { @{ $r->{lines} } >= 1 + @after }, 20, $r);
        produce(4, 4);
    }
    pump_until(sub { @{ $r->{lines} } >= 2 + @after }, 20, $r);
    is_deeply([sort map { $_->{id} } events_of($r)], [@after, 'e4'],
              "gateway " . ($g + 1) . ": what came after e1"
              . ($g ? ', from Kafka' : ', then live'));
    ws_server($gw[1]);
}
ws_server($gw[0]);

# a filtered location resumes through its filter

my @even = ((grep { !$before_e1{$_} } 'e2'), 'e4');
my $f = ws_open('/even?since=' . $after_e1, count => scalar(@even),
                timeout => 20);
ok(wait_connected($f), 'a filtered client resumes');
pump_until(sub { @{ $f->{lines} } >= 1 + @even }, 20, $f);
is_deeply([sort map { $_->{id} } events_of($f)], \@even,
          'it gets only what its filter lets through');

# an offset Kafka never had: unavailable, then live

sub varint {
    my ($v) = @_;
    my $s = '';
    while ($v >= 0x80) { $s .= chr(($v & 0x7f) | 0x80); $v >>= 7 }
    return $s . chr($v);
}

sub fnv1a {
    my $h = 2166136261;
    for my $b (unpack 'C*', $_[0]) {
        $h ^= $b;
        $h = ($h * 16777619) % 4294967296;
    }
    return $h;
}

my $far = "\x01" . pack('N', fnv1a($topic)) . varint(3)
          . join('', map { varint($_) . varint(1_000_000_000) } 0 .. 2);
($far = MIME::Base64::encode_base64url($far)) =~ s/=+$//;
my $u = ws_open("/ws?since=eda1.$far", count => 2, timeout => 20);
ok(wait_connected($u), 'a client with a cursor past the end connected');
pump_until(sub { @{ $u->{lines} } >= 2 }, 20, $u);
produce(5, 5);
pump_until(sub { @{ $u->{lines} } >= 3 }, 20, $u);
my @un = events_of($u);
is($un[0]{type} // '', 'eda.ws.resume.unavailable',
   'it is told its position is unavailable');
is($un[1]{id} // '', 'e5', 'then it is live');

# a reload in the middle of a stream: 20 clients, 500 events

my @cs = map { ws_open('/ws', count => 500, timeout => 90, resume => 1,
                       name => "reload$_") } 1 .. $CLIENTS;
ok(wait_connected(@cs), "$CLIENTS clients connected");
produce(101, 350);
ok(pump_until(sub { !grep { @{ $_->{lines} } < 1 + 250 } @cs }, 60, @cs),
   'each has the first 250');
nginx_reload($gw[0]);
# the rest once the old workers let the clients go: were it written
# before the master told them to stop, they could serve it all themselves
ok(pump_until(sub { !grep { !grep(/^CLOSE/, @{ $_->{lines} }) } @cs },
              30, @cs), 'the reload closes every client');
produce(351, 600);
ok(pump_until(sub { !grep { !$_->{eof} && grep(/^RECONNECTED/,
                             @{ $_->{lines} }) == 0 } @cs }, 60, @cs),
   'every client was closed by the reload and reconnected');
pump_until(sub { !grep { !$_->{eof} } @cs }, 90, @cs);
is(scalar(grep { check_run($_, 101, 600, $_->{name}) } @cs), $CLIENTS,
   'after the reload every client has all 500, in order per key, '
   . 'none twice');
is(scalar(grep { grep { /^CLOSE 1001/ } client_lines($_) } @cs), $CLIENTS,
   'each was closed with 1001 on the way')
    or diag(join "\n", grep { /^CLOSE/ } client_lines($cs[0]));
ws_finish(@cs);

# a switch to the other gateway in the middle of a stream

my @sw = map { ws_open('/ws', count => 200, timeout => 90, resume => 1,
                       also => ["ws://127.0.0.1:$gw[1]{port}/ws"],
                       name => "switch$_") } 1 .. 5;
ok(wait_connected(@sw), 'five clients connected to the first gateway');
produce(1001, 1100);
ok(pump_until(sub { !grep { @{ $_->{lines} } < 1 + 100 } @sw }, 60, @sw),
   'each has the first 100');
nginx_stop($gw[0]);
$gw[0] = undef;
produce(1101, 1200);
pump_until(sub { !grep { !$_->{eof} } @sw }, 90, @sw);
is(scalar(grep { check_run($_, 1001, 1200, $_->{name}) } @sw), 5,
   'on the other gateway each got the rest: 200, in order, none twice');
is(scalar(grep { grep { m{^RECONNECTED ws://127\.0\.0\.1:$gw[1]{port}/} }
                 client_lines($_) } @sw), 5,
   'each resumed at the other gateway');

done_testing();
