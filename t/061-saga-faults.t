# Sagas when the servers they depend on fail, injected on the real
# servers: Kafka stopped with sagas in flight and started again; Redis
# hung (SIGSTOP) and resumed.  Every saga completes by itself, with no
# reload, and no step is skipped.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(local_kafka kafka_stop kafka_start nginx_start nginx_stop
               redis_pid wait_until);
use EdaSaga qw(saga_setup saga_participant saga_start saga_wait
               saga_warm_up saga_in_flight saga_out_of_order);

plan skip_all => 'fault injection needs the local stack of ./build.sh'
    unless local_kafka();

my ($nginx, $kafka_down, $redis_paused);

END {
    kill 'CONT', redis_pid() if $redis_paused;
    kafka_start() if $kafka_down;
    nginx_stop($nginx) if $nginx;
}

my $S = saga_setup(name => 'sagafault', timeout => '60s');

$nginx = nginx_start(name => 'sagafault',
                     http_config => $S->{http_config},
                     config => $S->{config});

like(saga_participant($S) // '', qr/READY/, 'the participant runs');
is(saga_warm_up($nginx->{port}, 'checkout'), 'completed',
   'a first saga goes through');

sub start {
    my ($res, $body) = saga_start($nginx->{port}, 'checkout', { n => $_[0] });
    return ($res->{status}, $body->{id});
}


# --------------------------------------------------------------------------
# Kafka stopped with sagas in flight, sagas started while it is down

my @ids = map { (start($_))[1] } 1 .. 10;
ok(wait_until(sub { saga_in_flight($S, @ids) }, 30),
   'Kafka stops once the participant has commands of these sagas');
kafka_stop();
$kafka_down = 1;

my @more = map { [start($_)] } 11 .. 20;
is(scalar(grep { $_->[0] == 202 } @more), 10,
   'Kafka down: starts are still accepted (the state is in Redis)');
push @ids, map { $_->[1] } @more;

# Kafka stays down 3 s: the outage itself is what is tested, nothing is
# waited for
sleep 3;
kafka_start();
$kafka_down = 0;

my $all = saga_wait($nginx->{port}, 'checkout', \@ids, 120);
is(scalar(grep { ($_->{status} // '') eq 'completed' } values %$all), 20,
   'Kafka back: all 20 sagas complete by themselves');
is(saga_out_of_order($S, @ids), 0, 'no step skipped or out of order');

# --------------------------------------------------------------------------
# Redis hung with sagas in flight

@ids = map { (start($_))[1] } 1 .. 10;
ok(wait_until(sub { saga_in_flight($S, @ids) }, 30),
   '10 more sagas in flight');
kill 'STOP', redis_pid();
$redis_paused = 1;

my $t0 = time;
my ($status) = start(99);
my $took = time - $t0;
# sent to Redis, no answer: the outcome is unknown (docs/sagas.md)
is($status, 504, 'Redis hung: a start answers 504, outcome unknown');
ok($took < 5, sprintf 'within the Redis timeout (%.1f s)', $took);

# Redis stays hung 2 s: the outage itself is what is tested
sleep 2;
kill 'CONT', redis_pid();
$redis_paused = 0;

$all = saga_wait($nginx->{port}, 'checkout', \@ids, 120);
is(scalar(grep { ($_->{status} // '') eq 'completed' } values %$all), 10,
   'Redis back: the 10 sagas in flight complete');
is(saga_out_of_order($S, @ids), 0, 'no step skipped or out of order');

my @after = map { (start($_))[1] } 1 .. 5;
$all = saga_wait($nginx->{port}, 'checkout', \@after, 60);
is(scalar(grep { ($_->{status} // '') eq 'completed' } values %$all), 5,
   'and new sagas run again');

unlink $S->{defs}, $S->{log};

done_testing();
