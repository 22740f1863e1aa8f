# Sagas against the real broker and Redis: the coordinator process drives
# instances through a participant (t/lib/saga_participant.py, Python with
# Debian's confluent-kafka) that replies as each saga's input tells it to.
# Happy path, failure and compensation in reverse order, timeouts with
# retries and backoff, a compensation that fails (dead letter), idempotent
# starts, the status API, kill -9 of the coordinator with many sagas in
# flight, a reload, and two gateways sharing the work.

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(kafka_consume nginx_start nginx_stop nginx_reload
               wait_until kafka_group);
use EdaSaga qw(saga_setup saga_participant saga_start saga_state saga_wait
               saga_commands saga_coordinator saga_in_flight
               saga_records);

my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10);
my ($nginx, $nginx_b);

END {
    nginx_stop($nginx_b) if $nginx_b;
    nginx_stop($nginx) if $nginx;
}

# the example of docs/sagas.md on this run's topics, with short timings;
# and the same saga ("durable") with long timeouts for the kill, reload
# and sharing runs: what a killed coordinator leaves is picked up within
# a lease (10 s) or an outbox sweep (5 s), which must not be mistaken for
# a participant's timeout

my $S = saga_setup(name => 'saga', timeout => '1s', tweak => sub {
    my ($example, $reserve, $charge, $confirm) = @_;

    $reserve->{retry} = { max_attempts => 3, initial_backoff => '300ms',
                          multiplier => 2, max_backoff => '1s',
                          jitter => 0 };
    $charge->{retry} = { max_attempts => 2, initial_backoff => '200ms',
                         jitter => 0 };
    $charge->{compensation}{timeout} = '1s';
    $charge->{compensation}{retry} = { max_attempts => 2,
                                       initial_backoff => '100ms',
                                       jitter => 0 };
    $confirm->{retry} = { max_attempts => 1 };

    my $durable = $json->decode($json->encode($example->{sagas}{checkout}));
    $_->{timeout} = '30s' for @{ $durable->{steps} };
    $example->{sagas}{durable} = $durable;
});

my $P = $S->{prefix};
my %topic = %{ $S->{topics} };
my %conf = (http_config => $S->{http_config}, config => $S->{config});

$nginx = nginx_start(name => 'saga', %conf);

like(saga_participant($S) // '', qr/READY/, 'the participant runs');
is(EdaSaga::saga_warm_up($nginx->{port}, 'durable'), 'completed',
   'a first saga goes through (the consumer groups have formed)');

sub start {
    my ($input, $port, %h) = @_;

    my $saga = delete $h{saga} || 'checkout';
    return saga_start($port || $nginx->{port}, $saga, $input, %h);
}

sub wait_all {
    my ($ids, $secs, $saga) = @_;

    return saga_wait($nginx->{port}, $saga || 'checkout', $ids, $secs);
}

sub commands { saga_commands($S, @_) }

sub in_flight { saga_in_flight($S, @_) }

sub coordinator { saga_coordinator(@_) }

sub keyed { saga_records(@_) }

sub steps_of { map { ($_->{phase} eq 'forward' ? '' : 'undo ') . $_->{step} } @_ }

my $coord;
for (1 .. 50) { last if $coord = coordinator($nginx); sleep 0.1 }
ok($coord, 'a child of the master is titled "nginx: eda saga coordinator"');

# --------------------------------------------------------------------------
# happy path

my ($res, $body) = start({ order => 1 });
is($res->{status}, 202, 'POST starts a saga: 202');
my $id = $body->{id} // '';
like($id, qr/^[0-9a-f-]{36}$/, 'with its id');
is($res->{headers}{location}, "/checkout/$id", 'and Location');
is($body->{created}, JSON::PP::true, 'created');

my $st = wait_all([$id], 30)->{$id};
is($st->{status}, 'completed', 'the saga completes');
is_deeply([map { $_->{status} } @{ $st->{history} }],
          [qw(pending started running running completed)],
          'through every step, in order');
is_deeply([sort keys %{ $st->{results} }],
          [qw(charge-payment confirm-shipment reserve-inventory)],
          "with every step's result");
is_deeply($st->{input}, { order => 1 }, 'and the input');

my @c = commands($id);
is_deeply([steps_of(@c)],
          [qw(reserve-inventory charge-payment confirm-shipment)],
          'the participant got one command per step, in order');
is($c[0]{id}, "$id.1.f.1", 'command ids name saga, step, attempt');
is($c[0]{key}, $c[0]{id}, 'and are the idempotency keys');

my @ev = keyed($topic{events}, $id, 4);
is_deeply([map { $json->decode($_->{payload})->{type} } @ev],
          [map { "eda.saga.$_" } qw(started running running completed)],
          'every transition is an event on the events topic, keyed by id');
is($json->decode($ev[0]{payload})->{subject}, $id, 'subject: the saga id');

# --------------------------------------------------------------------------
# failures: compensations of the completed steps, latest first

($res, $body) = start({ fail => ['confirm-shipment'] });
my $f3 = $body->{id};
($res, $body) = start({ fail => ['charge-payment'] });
my $f2 = $body->{id};
# the compensation of charge-payment fails twice: a dead letter
($res, $body) = start({ fail => ['confirm-shipment'],
                        fail_compensation => ['charge-payment'] });
my $dl = $body->{id};

my $all = wait_all([$f3, $f2, $dl], 30);

is($all->{$f3}{status}, 'compensated', 'step 3 fails: compensated');
is_deeply([steps_of(commands($f3))],
          ['reserve-inventory', 'charge-payment', 'confirm-shipment',
           'undo charge-payment', 'undo reserve-inventory'],
          'steps 2 and 1 undone, in reverse order');
is($all->{$f3}{failed_step}, 'confirm-shipment', 'the state names the step');
is($all->{$f3}{reason}, 'reply com.example.shipping.rejected',
   'and the reason');

is($all->{$f2}{status}, 'compensated', 'step 2 fails: compensated');
is_deeply([steps_of(commands($f2))],
          ['reserve-inventory', 'charge-payment', 'charge-payment',
           'undo reserve-inventory'],
          'step 2 tried twice (its retry policy), then step 1 undone');

is($all->{$dl}{status}, 'failed', 'a compensation that fails: failed');
is_deeply([steps_of(commands($dl))],
          ['reserve-inventory', 'charge-payment', 'confirm-shipment',
           'undo charge-payment', 'undo charge-payment',
           'undo reserve-inventory'],
          'the failing compensation tried twice, the earlier one still runs');

my @dead = keyed($topic{"dead-letters"}, $dl, 1);
is(scalar @dead, 1, 'one record on the dead-letter topic');
my $d = $json->decode($dead[0]{payload} // '{}');
is($d->{type}, 'eda.saga.dead-letter', 'of type eda.saga.dead-letter');
is($d->{data}{step}, 'charge-payment', 'naming the step');
is($d->{data}{reason}, 'reply com.example.payment.refund-failed',
   'and the reason');
is($d->{data}{command_type}, 'com.example.payment.refund',
   'and the command that could not be done');

# --------------------------------------------------------------------------
# timeouts: retried after timeout + backoff (300ms, then 600ms)

($res, $body) = start({ silent => { 'reserve-inventory' => 2 } });
my $t = $body->{id};
$st = wait_all([$t], 30)->{$t};
is($st->{status}, 'completed', 'two attempts unanswered, the third: done');
my @r = grep { $_->{step} eq 'reserve-inventory' } commands($t);
is_deeply([map { $_->{attempt} } @r], [1, 2, 3], 'attempts 1, 2, 3');
is_deeply([map { $_->{key} } @r], [map { "$t.1.f.$_" } 1 .. 3],
          'each attempt its own idempotency key');
my $gap1 = $r[1]{time} - $r[0]{time};
my $gap2 = $r[2]{time} - $r[1]{time};
ok($gap1 >= 1.25 && $gap1 < 2.0,
   sprintf('attempt 2 after the 1s timeout + 300ms (%.2f s)', $gap1));
ok($gap2 >= 1.55 && $gap2 < 2.3,
   sprintf('attempt 3 after the 1s timeout + 600ms (%.2f s)', $gap2));
is_deeply([grep { $_ eq 'retrying' } map { $_->{status} }
           @{ $st->{history} }], [qw(retrying retrying)],
          'the history shows the retries');

# --------------------------------------------------------------------------
# idempotent start, the status API, errors

my ($r1, $b1) = start({ order => 7 }, undef, 'Idempotency-Key' => "$P-k1");
my ($r2, $b2) = start({ order => 7 }, undef, 'Idempotency-Key' => "$P-k1");
my ($r3, $b3) = start({ order => 7 }, undef, 'Idempotency-Key' => "$P-k2");
is($r2->{status}, 202, 'a retried start: 202');
is($b2->{id}, $b1->{id}, 'the same Idempotency-Key: the same saga');
is($b2->{created}, JSON::PP::false, 'not created again');
isnt($b3->{id}, $b1->{id}, 'another key: another saga');
wait_all([$b1->{id}, $b3->{id}], 30);
is(scalar(grep { $_->{step} eq 'reserve-inventory' } commands($b1->{id})),
   1, 'the retried start sent nothing twice');

($res) = start('{"order":', undef);
is($res->{status}, 400, 'input that is not JSON: 400');
like($res->{content}, qr/must be JSON/, 'a problem document saying so');
is($res->{headers}{'content-type'}, 'application/problem+json',
   'problem+json');

($res) = start({}, undef, 'Idempotency-Key' => 'x' x 200);
is($res->{status}, 400, 'an Idempotency-Key too long: 400');

$res = $http->get("http://127.0.0.1:$nginx->{port}/checkout/no-such-saga");
is($res->{status}, 404, 'an unknown id: 404');
$res = $http->get("http://127.0.0.1:$nginx->{port}/checkout/bad%20id");
is($res->{status}, 404, 'an id that cannot be: 404');
$res = $http->request('DELETE',
                      "http://127.0.0.1:$nginx->{port}/checkout/$id");
is($res->{status}, 405, 'another method: 405');
is($res->{headers}{allow}, 'GET, HEAD, POST', 'naming the methods in Allow');

$res = $http->get("http://127.0.0.1:$nginx->{port}/metrics");
my ($done) = $res->{content} =~
    /^eda_saga_transitions_total\{status="completed"\} (\d+)/m;
ok(($done // 0) >= 4, "metrics count completed sagas ($done)");

# --------------------------------------------------------------------------
# kill -9 of the coordinator with many sagas in flight

sub durable { (start({ n => $_[0] }, $_[1], saga => 'durable'))[1]{id} }

# a coordinator other than OLD, once the master has started one
sub respawned {
    my ($old) = @_;

    my $new;
    wait_until(sub { ($new = coordinator($nginx)) && $new != $old }, 10);
    return $new && $new != $old ? $new : undef;
}

my @ids = map { durable($_) } 1 .. 40;
ok(wait_until(sub { in_flight(@ids) }, 30), '40 sagas started, in flight');
my $old = coordinator($nginx);
kill 'KILL', $old;
my $new = respawned($old);
ok($new, 'the master respawns a killed coordinator');
kill 'KILL', $new if $new;
my @more = map { durable($_) } 41 .. 60;
push @ids, @more;
my $third = respawned($new // $old);
ok($third && wait_until(sub { in_flight(@more) }, 30),
   'and again: 20 more sagas in flight');
kill 'KILL', $third if $third;

$all = wait_all(\@ids, 90, 'durable');
is(scalar(grep { ($_->{status} // '') eq 'completed' } values %$all),
   scalar @ids, scalar(@ids) . ' sagas, three kill -9: all completed');

my ($skipped, $dups, $badkey) = (0, 0, 0);
for my $sid (@ids) {
    my @cmds = commands($sid);
    my %first;
    for my $i (0 .. $#cmds) {
        $first{ $cmds[$i]{step} } //= $i;
        $badkey++ if $cmds[$i]{key} ne $cmds[$i]{id};
    }
    $skipped++ unless defined $first{'reserve-inventory'}
        && defined $first{'charge-payment'}
        && defined $first{'confirm-shipment'}
        && $first{'reserve-inventory'} < $first{'charge-payment'}
        && $first{'charge-payment'} < $first{'confirm-shipment'};
    $dups += @cmds - 3;
}
is($skipped, 0, 'no step skipped or out of order');
is($badkey, 0, 'every command carries its idempotency key');
note("commands sent again after the kills (at-least-once, same keys): $dups");

# --------------------------------------------------------------------------
# reload with sagas in flight

@ids = map { durable($_) } 1 .. 20;
$old = coordinator($nginx);
nginx_reload($nginx);
$all = wait_all(\@ids, 60, 'durable');
is(scalar(grep { ($_->{status} // '') eq 'completed' } values %$all), 20,
   'reload with 20 sagas in flight: all completed');
ok(respawned($old), 'by a new coordinator');
ok(wait_until(sub { !EdaTest::process_alive($old) }, 5),
   'the old one is gone');

# --------------------------------------------------------------------------
# two gateways, one group: the work is shared

$nginx_b = nginx_start(name => 'saga-b', %conf);
# the second coordinator has joined: the broker gave both partitions
ok(wait_until(sub {
    my ($state, @parts) = kafka_group("$P-coordinators");
    return $state eq 'Stable' && @parts >= 2 && !grep { !$_ } @parts;
}, 60), 'both coordinators have partitions of the group');
@ids = map { durable($_, $_ % 2 ? $nginx->{port} : $nginx_b->{port}) }
      1 .. 40;
$all = wait_all(\@ids, 60, 'durable');
is(scalar(grep { ($_->{status} // '') eq 'completed' } values %$all), 40,
   'two gateways: 40 sagas completed');

my %work;
for my $n ($nginx, $nginx_b) {
    $res = $http->get("http://127.0.0.1:$n->{port}/metrics");
    my $sum = 0;
    $sum += $1 while $res->{content} =~
        /^eda_saga_transitions_total\{[^}]*\} (\d+)/mg;
    $work{ $n->{port} } = $sum;
}
ok($work{ $nginx_b->{port} } > 0,
   "the second gateway's coordinator did part of it ("
   . join(' / ', map { $work{$_} } sort keys %work) . ' transitions)');

unlink $S->{defs}, $S->{log};

done_testing();
