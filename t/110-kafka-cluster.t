# A real 3-node KRaft cluster (./build.sh cluster-up: replication factor
# 3, min.insync.replicas 2) under eda_publish load from four clients, with
# one WebSocket subscriber and sagas in flight:
#   - kill -9 of the leader of a partition being written, then its restart;
#   - a rolling restart of all three nodes, one at a time;
# and through all of it: every event answered 2xx is in Kafka exactly once
# (the idempotent producer writes no duplicate), no event is there twice,
# the gateway recovers by itself (no reload), the WebSocket client
# receives every event Kafka holds, and every saga completes with no step
# skipped or out of order.  The answers that were not 2xx and the
# longest time without one are reported.

use strict;
use warnings;

use HTTP::Tiny;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(local_kafka own_stack nginx_start nginx_stop unique_topic
               wait_until repo_root);
use EdaWs qw(ws_python);
use EdaSaga qw(saga_setup saga_participant saga_start saga_wait
               saga_warm_up saga_out_of_order);

plan skip_all => 'the cluster needs the local stack of ./build.sh'
    unless local_kafka();

my $state = $ENV{EDA_STATE_DIR} || repo_root() . '/.eda';
my $dir = repo_root() . "/.eda/cluster-$$";
mkdir $dir;

my ($n, @load, $ws);

# the subscriber writes what it receives to a file, not a pipe: a pipe
# the test does not read while it restarts a node fills, the client stops
# reading its socket and answering pings, and the gateway closes it
sub ws_lines {
    open my $fh, '<', "$dir/ws.out" or return ();
    return <$fh>;
}


END {
    my $rc = $?;
    kill 'KILL', @load if @load;
    waitpid $_, 0 for @load;
    kill 'TERM', $ws if $ws;
    nginx_stop($n) if $n;
    own_stack('cluster-down');
    system('rm', '-rf', $dir);
    $? = $rc;
}

ok(own_stack('cluster-up'), 'a 3-node cluster runs');
open my $bfh, '<', "$state/cluster/brokers" or die "no cluster: $!\n";
chomp(my $brokers = <$bfh>);

my $topic = unique_topic('cluster');

# everything of this file talks to the cluster: nginx, the saga
# participant, the topics made for the sagas
$ENV{TEST_NGINX_KAFKA_BROKERS} = $brokers;
my $S = saga_setup(name => 'clustersaga', timeout => '60s');

sub kcat {
    my @args = @_;
    open my $fh, '-|', 'kcat', '-b', $brokers, @args or die "kcat: $!\n";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

# partition => { leader, isr => count }
sub partitions {
    my %p;
    for (split /\n/, kcat('-L', '-t', $topic, '-m', '5')) {
        $p{$1} = { leader => $2, isr => scalar(split /,/, $3) }
            if /partition (\d+), leader (-?\d+), replicas: \S+, isrs: (\S+)/;
    }
    return \%p;
}

sub healthy {
    my $p = partitions();
    return 3 == grep { $_->{leader} > 0 && $_->{isr} == 3 } values %$p;
}

open my $kfh, '|-', 'kcat', '-P', '-b', $brokers, '-t', $topic, '-q'
    or die "kcat: $!\n";
print $kfh "created\n";
close $kfh;
ok(wait_until(\&healthy, 60), 'its topic: 3 partitions, 3 in sync each');

$n = nginx_start(name => 'cluster', workers => 2,
                 http_config => $S->{http_config},
                 config => $S->{config} . <<"_EOC_");
        location = /pub {
            eda_publish $topic;
            eda_ce_type com.example.cluster;
        }
        location = /ws {
            eda_subscribe $topic;
        }
_EOC_

like(saga_participant($S) // '', qr/READY/, 'the saga participant runs');
is(saga_warm_up($n->{port}, 'checkout'), 'completed',
   'a first saga goes through the cluster');

my @sagas;
sub start_sagas {
    for my $i (1 .. $_[0]) {
        my (undef, $b) = saga_start($n->{port}, 'checkout', { n => $i });
        push @sagas, $b->{id} // 'none';
    }
}

$ws = fork // die "fork: $!\n";
if (!$ws) {
    open STDOUT, '>', "$dir/ws.out" or POSIX::_exit(1);
    exec ws_python(), repo_root() . '/t/lib/ws_client.py',
         "ws://127.0.0.1:$n->{port}/ws", '--count', 1000000,
         '--timeout', 600;
    POSIX::_exit(1);
}
ok(wait_until(sub { (ws_lines())[0] }, 30)
   && (ws_lines())[0] =~ /^CONNECTED$/, 'a WebSocket client is subscribed');

# a client: POSTs {"c":K,"i":I} one after the other until $dir/stop
# exists, each answer as "I STATUS TIME" in $dir/load-K
sub load {
    my ($k) = @_;

    my $pid = fork // die "fork: $!\n";
    return $pid if $pid;

    eval {
        my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
        open my $out, '>', "$dir/load-$k" or die;
        $out->autoflush(1);
        for (my $i = 1; !-e "$dir/stop"; $i++) {
            my $res = $http->post("http://127.0.0.1:$n->{port}/pub",
                { content => qq({"c":$k,"i":$i}),
                  headers => { 'Content-Type' => 'application/json' } });
            printf $out "%d %d %.3f\n", $i, $res->{status}, time;
        }
        close $out;
        1;
    } or POSIX::_exit(1);
    POSIX::_exit(0);
}

sub answers {
    my %a;
    for my $k (1 .. 4) {
        open my $fh, '<', "$dir/load-$k" or next;
        while (<$fh>) {
            my ($i, $st, $t) = split;
            $a{"$k-$i"} = [$st, $t];
        }
    }
    return \%a;
}

sub ok_count {
    return scalar grep { $_->[0] =~ /^2/ } values %{ answers() };
}

@load = map { load($_) } 1 .. 4;
ok(wait_until(sub { ok_count() >= 200 }, 60), 'the load runs (200 events)');

# --------------------------------------------------------------------------
# kill -9 of the leader of partition 0, then its restart

start_sagas(20);

my $leader = partitions()->{0}{leader};
my $pidfile = "$state/cluster/node$leader/kafka.pid";
open my $pfh, '<', $pidfile or die "$pidfile: $!\n";
chomp(my $kpid = <$pfh>);

my $killed_at = time;
kill 'KILL', -$kpid;
kill 'KILL', $kpid;
start_sagas(20);
my $before = ok_count();
ok(wait_until(sub { ok_count() >= $before + 200 }, 60),
   "node $leader killed: 200 more events are answered 2xx, no reload");
ok(wait_until(sub { my $p = partitions()->{0};
                    $p && $p->{leader} > 0 && $p->{leader} != $leader }, 30),
   '  partition 0 has a new leader');

ok(own_stack('cluster-up'), "node $leader started again");
ok(wait_until(\&healthy, 90), '  and back in sync');

# --------------------------------------------------------------------------
# a rolling restart: each node stopped and started, the next one once all
# partitions are in sync again

for my $node (1 .. 3) {
    start_sagas(5);
    $before = ok_count();
    ok(own_stack('cluster-stop', $node), "rolling restart: node $node stops");
    ok(own_stack('cluster-up'), "  and starts");
    ok(wait_until(\&healthy, 90), '  the partitions are in sync again');
    ok(wait_until(sub { ok_count() >= $before + 50 }, 60),
       '  events are answered 2xx');
}

open my $stop, '>', "$dir/stop" or die;
close $stop;
waitpid $_, 0 for @load;
@load = ();

# --------------------------------------------------------------------------
# what Kafka holds, what was answered, what the subscriber got

my $ans = answers();
my %in_kafka;
for (split /\n/, kcat('-C', '-t', $topic, '-o', 'beginning', '-e', '-q',
                      '-f', "%s\n")) {
    $in_kafka{"$1-$2"}++ if /"c":\s*(\d+),\s*"i":\s*(\d+)/;
}

my @ok = grep { $ans->{$_}[0] =~ /^2/ } keys %$ans;
my @other = grep { $ans->{$_}[0] !~ /^2/ } keys %$ans;
my %statuses;
$statuses{ $ans->{$_}[0] }++ for @other;

my @ok_missing = grep { !$in_kafka{$_} } @ok;
my @twice = grep { $in_kafka{$_} > 1 } keys %in_kafka;
my @unasked = grep { !exists $ans->{$_} } keys %in_kafka;

ok(@ok > 1000, scalar(@ok) . ' events answered 2xx');
is(scalar(@ok_missing), 0, 'every one of them is in Kafka')
    or diag "missing: @ok_missing[0 .. ($#ok_missing < 9 ? $#ok_missing : 9)]";
is(scalar(@twice), 0, 'no event is in Kafka twice')
    or diag "twice: @twice[0 .. ($#twice < 9 ? $#twice : 9)]";
is(scalar(@unasked), 0, 'nothing in Kafka that no client sent');

# the longest time without a 2xx answer, around the kill
my @t = sort { $a <=> $b } map { $ans->{$_}[1] } @ok;
my $gap = 0;
for my $i (1 .. $#t) {
    $gap = $t[$i] - $t[$i - 1] if $t[$i] - $t[$i - 1] > $gap;
}
diag sprintf '%d answered 2xx, %d otherwise (%s), %d of those in Kafka; '
    . 'longest time without a 2xx answer: %.1f s',
    scalar(@ok), scalar(@other),
    join(', ', map { "$statuses{$_} x $_" } sort keys %statuses) || 'none',
    scalar(grep { $in_kafka{$_} } @other), $gap;

# the events the subscriber received so far
sub received {
    my %got;
    for (ws_lines()) {
        $got{"$1-$2"}++ if /"c":\s*(\d+),\s*"i":\s*(\d+)/;
    }
    return \%got;
}

wait_until(sub { my $got = received();
                 !grep { !$got->{$_} } keys %in_kafka }, 60);

my %got = %{ received() };
{
    open my $log, '<', "$n->{root}/logs/error.log" or die;
    my $back = grep { /fan-out: partition \d+ of "\Q$topic\E" given back/ }
               <$log>;
    diag "the fan-out was given partitions back by its group $back times";
}
my @skipped = grep { !$got{$_} } keys %in_kafka;
is(scalar(@skipped), 0,
   'the WebSocket client received every event Kafka holds, through the '
   . 'leader changes')
    or diag scalar(@skipped) . ' skipped, answered at '
            . join(' ', map { sprintf '%s:%.2f', $_, $ans->{$_}[1] - $t[0] }
                        (sort { $ans->{$a}[1] <=> $ans->{$b}[1] } @skipped)
                        [0 .. 9])
            . sprintf(' (the kill at %.2f)', $killed_at - $t[0])
            . '; the client said: '
            . join(' | ', grep { !/"c":/ } ws_lines());
kill 'TERM', $ws;
waitpid $ws, 0;
$ws = undef;

# the sagas started before the kill, during it and during the restarts
my $st = saga_wait($n->{port}, 'checkout', \@sagas, 180);
my @done = grep { ($st->{$_}{status} // '') eq 'completed' } @sagas;
is(scalar(@done), scalar(@sagas),
   'every one of the ' . scalar(@sagas) . ' sagas in flight completes')
    or diag join ', ', map { "$_: " . ($st->{$_}{status} // 'none') }
                       grep { ($st->{$_}{status} // '') ne 'completed' }
                       @sagas;
is(saga_out_of_order($S, @sagas), 0, '  with no step skipped or out of order');
unlink $S->{defs}, $S->{log};

done_testing();
