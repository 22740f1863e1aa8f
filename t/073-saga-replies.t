# What a reply must be to count, against the real broker and Redis: on the
# reply topic of the command it answers and with that command's id as its
# idempotencykey (a forged one completes nothing: the saga times out and
# compensates); a saga id the gateway cannot have issued ("timers", the
# name of a Redis key of the store) does not hold its partition's offset
# back; a step whose attempt timed out gets its own compensation (its
# success may come too late); and a command Kafka refuses for good (too
# large) is dead-lettered instead of being sent again every sweep.

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(kafka_consume kafka_produce kafka_brokers nginx_start
               nginx_stop redis_cmd wait_until);
use EdaSaga qw(saga_setup saga_participant saga_start saga_state saga_wait
               saga_commands saga_warm_up);

my $json = JSON::PP->new->canonical;
my $nginx;

END { nginx_stop($nginx) if $nginx }

# one attempt per step, short timeouts: a forged reply that is ignored
# shows as a timeout, then compensations
my $S = saga_setup(name => 'sagareplies', timeout => '4s', tweak => sub {
    my ($example, $reserve, $charge, $confirm) = @_;

    for my $s ($reserve, $charge, $confirm) {
        $s->{retry} = { max_attempts => 1 };
    }
    $charge->{timeout} = '2s';
    $charge->{compensation}{timeout} = '4s';
    $charge->{compensation}{retry} = { max_attempts => 1 };

    # the same with a long timeout: a saga that keeps a timer
    my $slow = $json->decode($json->encode($example->{sagas}{checkout}));
    $_->{timeout} = '90s' for @{ $slow->{steps} };
    $example->{sagas}{slow} = $slow;

    # a step's result is kept up to 2000 bytes
    $example->{max_result} = 2000;
});

my $P = $S->{prefix};
my %topic = %{ $S->{topics} };

# a producer that takes records of at most 100 kB: a saga's command that
# carries a larger input (accepted: eda_saga_max_input is above it) is one
# Kafka never takes
my $http_config = $S->{http_config} . <<'_EOC_';
    eda_kafka_property message.max.bytes 100000;
    eda_saga_max_input 256k;
    client_body_buffer_size 1m;
_EOC_

$nginx = nginx_start(name => 'sagareplies', log_level => 'info',
                     http_config => $http_config, config => $S->{config});

like(saga_participant($S) // '', qr/READY/, 'the participant runs');
is(saga_warm_up($nginx->{port}, 'checkout'), 'completed',
   'a first saga goes through (the consumer groups have formed)');

sub start {
    my ($input, $saga) = @_;

    my (undef, $b) = saga_start($nginx->{port}, $saga || 'checkout', $input);
    return $b->{id} // 'none';
}

sub steps_of {
    map { ($_->{phase} eq 'forward' ? '' : 'undo ') . $_->{step} }
        saga_commands($S, @_);
}

# waits until the participant received a command of STEP for saga ID
sub command_seen {
    my ($id, $step) = @_;

    for (1 .. 150) {
        return 1 if grep { $_->{step} eq $step } saga_commands($S, $id);
        sleep 0.1;
    }
    return 0;
}

# a reply as a participant would send it, with ATTR changed or removed
sub reply_event {
    my ($id, %attr) = @_;

    my %ev = (specversion => '1.0', id => "$id.forged",
              source => '/test/forger', subject => $id,
              type => 'com.example.inventory.reserved',
              datacontenttype => 'application/json',
              sagaid => $id, sagastep => 'reserve-inventory',
              sagaattempt => '1', idempotencykey => "$id.1.f.1",
              data => { forged => JSON::PP::true });
    for my $k (keys %attr) {
        if (defined $attr{$k}) { $ev{$k} = $attr{$k} } else { delete $ev{$k} }
    }
    return $json->encode(\%ev);
}

sub send_reply {
    my ($topic, $key, $value) = @_;

    kafka_produce($topic, $value, key => $key,
                  headers => { 'content-type'
                               => 'application/cloudevents+json' });
}

sub error_log {
    open my $fh, '<', "$nginx->{root}/logs/error.log" or return ();
    return <$fh>;
}

# --------------------------------------------------------------------------
# forged replies: the participant of reserve-inventory stays silent; a
# reply on another step's reply topic (with the right key), and one on the
# right topic without the key, must not complete the step

my $silent = { 'reserve-inventory' => 9 };
my $wrong_topic = start({ silent => $silent, case => 'wrong topic' });
my $no_key = start({ silent => $silent, case => 'no key' });
my $other_key = start({ silent => $silent, case => 'other saga key' });

ok(command_seen($_, 'reserve-inventory'), "saga $_ waits for its reply")
    for $wrong_topic, $no_key, $other_key;

send_reply($topic{'payment.replies'}, $wrong_topic,
           reply_event($wrong_topic));
send_reply($topic{'inventory.replies'}, $no_key,
           reply_event($no_key, idempotencykey => undef));
send_reply($topic{'inventory.replies'}, $other_key,
           reply_event($other_key, idempotencykey => "$wrong_topic.1.f.1"));


my $st = saga_wait($nginx->{port}, 'checkout',
                   [$wrong_topic, $no_key, $other_key], 40);

for my $c ([$wrong_topic, 'on another step\'s reply topic'],
           [$no_key, 'without the command\'s idempotencykey'],
           [$other_key, 'with another saga\'s key'])
{
    my ($id, $what) = @$c;

    is($st->{$id}{status}, 'compensated',
       "a forged reply $what: the saga times out and compensates");
    is($st->{$id}{failed_step}, 'reserve-inventory', '  at the step forged');
    is($st->{$id}{reason}, 'timeout', '  for want of a reply');
    ok(!exists $st->{$id}{results}{'reserve-inventory'},
       '  the forged data is not a result');
    is_deeply([steps_of($id)],
              ['reserve-inventory', 'undo reserve-inventory'],
              '  no later step ran; the unanswered one is undone');
}

my @ignored = grep { /a reply on ".*" ignored/ } error_log();
ok(@ignored >= 1, 'the ignored replies are logged');
ok(@ignored <= 2, 'at most once every 10 s') or diag(@ignored);

my $metrics = HTTP::Tiny->new(timeout => 10)
    ->get("http://127.0.0.1:$nginx->{port}/metrics")->{content} // '';
my ($rejected) = $metrics =~ /^eda_saga_replies_rejected_total (\d+)$/m;
ok(($rejected // 0) >= 3, 'and counted in eda_saga_replies_rejected_total')
    or diag($metrics);

# --------------------------------------------------------------------------
# a reply naming saga "timers" (or "outbox") must not hold back its
# partition's offset: the coordinator group's committed offset reaches the
# end of the reply topic once a later saga is through.  While a saga waits
# the store's key of the timers exists, a sorted set that such a reply
# would have read as an instance (again and again, for as long as it
# exists).

my $holder = start({ silent => $silent, case => 'holds a timer' }, 'slow');
ok(command_seen($holder, 'reserve-inventory'), 'a saga waits (a timer)');

send_reply($topic{'inventory.replies'}, 'timers', reply_event('timers'));
send_reply($topic{'inventory.replies'}, 'outbox', reply_event('outbox'));

my $valid = start({ case => 'after a hostile id' });
$st = saga_wait($nginx->{port}, 'checkout', [$valid], 40);
is($st->{$valid}{status}, 'completed',
   'a saga whose replies follow the hostile ones completes');

# "PARTITION COMMITTED END" for each partition of TOPIC in GROUP
sub offsets {
    my ($topic, $group) = @_;

    my $py = <<'_PY_';
import sys
from confluent_kafka import Consumer, TopicPartition
b, g, t = sys.argv[1:4]
c = Consumer({"bootstrap.servers": b, "group.id": g, "log_level": 0})
parts = c.list_topics(t, timeout=10).topics[t].partitions
tps = [TopicPartition(t, p) for p in sorted(parts)]
for tp in c.committed(tps, timeout=10):
    print(tp.partition, tp.offset,
          c.get_watermark_offsets(tp, timeout=10)[1])
c.close()
_PY_
    open my $fh, '-|', '/usr/bin/python3', '-c', $py, kafka_brokers(),
        $group, $topic or die;
    return map { [split] } <$fh>;
}

my @behind;
for (1 .. 100) {     # offsets are committed every 5 s
    @behind = grep { $_->[2] > 0 && $_->[1] < $_->[2] }
              offsets($topic{'inventory.replies'}, "$P-coordinators");
    last unless @behind;
    sleep 0.2;
}
is(scalar @behind, 0,
   'the committed offsets reach the end of the reply topic')
    or diag(map { "partition @$_\n" } @behind);
ok(!grep({ /WRONGTYPE/ } error_log()), 'no Redis key was read as a saga');

# --------------------------------------------------------------------------
# charge-payment never answers: after its last timeout the charge may have
# happened all the same, so it is refunded before the reservation is
# released; its success, arriving now, changes nothing

my $late = start({ silent => { 'charge-payment' => 9 }, case => 'late' });
ok(command_seen($late, 'charge-payment'), 'the charge is sent');

for (1 .. 150) {
    my $s = saga_state($nginx->{port}, 'checkout', $late) // {};
    last if ($s->{status} // '') ne 'running';
    sleep 0.1;
}
send_reply($topic{'payment.replies'}, $late,
           reply_event($late, type => 'com.example.payment.charged',
                       sagastep => 'charge-payment',
                       idempotencykey => "$late.2.f.1"));

$st = saga_wait($nginx->{port}, 'checkout', [$late], 40);
is($st->{$late}{status}, 'compensated', 'the unanswered charge compensates');
is_deeply([steps_of($late)],
          ['reserve-inventory', 'charge-payment', 'undo charge-payment',
           'undo reserve-inventory'],
          'the charge is refunded, then the reservation released');
ok(!exists $st->{$late}{results}{'charge-payment'},
   'the late success is not taken');

# --------------------------------------------------------------------------
# a command over the producer's message.max.bytes: dead-lettered, not sent
# again every 5 s for as long as its outbox lives

my $big = start({ pad => 'x' x 120000, case => 'too large' });
like($big, qr/^[0-9a-f-]{36}\z/, 'a saga with a 120 kB input starts');

my @dl;
for (1 .. 100) {
    @dl = grep {
        my $e = eval { $json->decode($_->{payload} // '') } || {};
        ($_->{key} // '') eq $big
            && ($e->{type} // '') eq 'eda.saga.undeliverable'
    } @{ kafka_consume($topic{'dead-letters'}, all => 1) };
    last if @dl;
    sleep 0.2;
}
ok(@dl >= 1, 'a command too large: a dead letter instead');
my $d = $json->decode($dl[0]{payload} // '{}');
is($d->{data}{topic}, $topic{'inventory.commands'}, '  naming its topic');
is($d->{data}{record_id}, "$big.1.f.1", '  and the command');
ok(($d->{data}{size} // 0) > 100000, '  and its size');
ok(length($dl[0]{payload} // '') < 10000, '  without the record itself');

$st = saga_wait($nginx->{port}, 'checkout', [$big], 60);
like($st->{$big}{status} // '', qr/^(compensated|failed)$/,
     'the saga times out and ends');
is(scalar(grep { /saga \Q$big\E: sending \d+ records of its outbox again/ }
          error_log()),
   0, 'nothing of its outbox was sent again');
ok(!grep({ /\[alert\]|\[emerg\]/ } error_log()), 'no alert');

# --------------------------------------------------------------------------
# a result above max_result is not stored: the attempt fails and, the work
# being done all the same, the step is compensated with the earlier ones

my $fits = start({ pad_result => { 'charge-payment' => 1500 },
                   case => 'result fits' });
my $large = start({ pad_result => { 'charge-payment' => 2500 },
                    case => 'result too large' });
$st = saga_wait($nginx->{port}, 'checkout', [$fits, $large], 60);

is($st->{$fits}{status}, 'completed', 'a result of 1.5 kB is kept');
is(length($st->{$fits}{results}{'charge-payment'}{pad} // ''), 1500,
   '  in full');
is($st->{$large}{status}, 'compensated', 'a result of 2.5 kB: compensated');
is($st->{$large}{reason}, 'result too large', '  saying why');
is($st->{$large}{failed_step}, 'charge-payment', '  and which step');
ok(!exists $st->{$large}{results}{'charge-payment'}, '  the result not kept');
is(join(',', steps_of($large)),
   'reserve-inventory,charge-payment,undo charge-payment,'
   . 'undo reserve-inventory',
   '  the step itself is compensated, then the one before');

# an outbox that expired with its instance leaves the set of outboxes
# instead of being claimed by every sweep for ever

my $gone = '0f8fad5b-d9cb-469f-a165-70867728950e';
redis_cmd('ZADD', "$P:saga:outbox", 1, $gone);
ok(wait_until(sub { redis_cmd('ZSCORE', "$P:saga:outbox", $gone) eq '' },
              30),
   'an empty outbox is taken out of the set by the sweep');

done_testing();
