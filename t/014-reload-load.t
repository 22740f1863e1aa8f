# 100 reloads under load: two clients publish at about half the rate they
# reach on their own, and 500 WebSocket clients (one process, the
# websockets library) are subscribed, coming back from their cursor after
# each 1001 as docs/websocket.md says.  Not one publish request and not
# one WebSocket handshake fails; after each reload every process of the
# previous generation exits (no worker left behind); the master's memory
# stays flat.

use strict;
use warnings;

use HTTP::Tiny;
use IO::Select;
use JSON::PP ();
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(nginx_start nginx_stop nginx_reload nginx_workers nginx_pid
               process_alive unique_topic kafka_produce wait_until
               repo_root);
use EdaWs qw(ws_server ws_python pump_until);

my $RELOADS = 100;
my $CLIENTS = 500;

my $json = JSON::PP->new;
my $dir = repo_root() . "/.eda/reload-load-$$";
mkdir $dir;

my ($n, @load, $swarm_pid, $swarm);

END {
    my $rc = $?;
    kill 'KILL', @load if @load;
    waitpid $_, 0 for @load;
    kill 'KILL', $swarm_pid if $swarm_pid;
    nginx_stop($n) if $n;
    system('rm', '-rf', $dir);
    $? = $rc;
}

my $topic = unique_topic('reloadload');
kafka_produce($topic, 'created');

$n = nginx_start(name => 'reloadload', workers => 2,
                 worker_connections => 4096,
                 main_config => "worker_rlimit_nofile 8192;\n",
                 http_config => "    eda_kafka_brokers "
                                . "\$TEST_NGINX_KAFKA_BROKERS;\n",
                 config => <<"_EOC_");
        location = /pub {
            eda_publish $topic;
            eda_ce_type com.example.reload;
        }
        location = /ws {
            eda_subscribe $topic;
        }
_EOC_

# a publisher: fresh connections (a keep-alive one may be closed by a
# worker that stops just as a request is sent, which no server can help),
# one request every $gap s (0: as fast as it can), until $dir/stop-$tag;
# writes its counts by status to $dir/load-$k
sub publisher {
    my ($k, $gap, $tag) = @_;

    my $pid = fork // die "fork: $!\n";
    return $pid if $pid;

    eval {
        my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
        my (%count, @bad);
        my $next = time;
        until (-e "$dir/stop-$tag") {
            my $res = $http->post("http://127.0.0.1:$n->{port}/pub",
                { content => qq({"k":$k}),
                  headers => { 'Content-Type' => 'application/json' } });
            $count{ $res->{status} }++;
            push @bad, "$res->{status} $res->{content}"
                if $res->{status} !~ /^2/ && @bad < 5;
            $next += $gap;
            my $wait = $next - time;
            sleep $wait if $wait > 0;
        }
        open my $out, '>', "$dir/load-$tag-$k" or die;
        print $out $json->encode({ count => \%count, bad => \@bad });
        close $out;
        1;
    } or POSIX::_exit(1);
    POSIX::_exit(0);
}

sub run_publishers {
    my ($gap, $tag, $secs) = @_;
    my @p = map { publisher($_, $gap, $tag) } 1 .. 2;
    return @p unless $secs;
    sleep $secs;
    open my $fh, '>', "$dir/stop-$tag" or die;
    close $fh;
    waitpid $_, 0 for @p;
    return ();
}

sub counts {
    my ($tag) = @_;
    my %c;
    my @bad;
    for my $k (1 .. 2) {
        open my $fh, '<', "$dir/load-$tag-$k" or next;
        my $r = $json->decode(do { local $/; <$fh> });
        $c{$_} += $r->{count}{$_} for keys %{ $r->{count} };
        push @bad, @{ $r->{bad} };
    }
    return (\%c, \@bad);
}

# what the two reach on their own, for 3 s
run_publishers(0, 'peak', 3);
my ($peak) = counts('peak');
my $rate = 0;
$rate += $_ for values %$peak;
$rate /= 3;
ok($rate > 20, sprintf 'alone, the publishers reach %.0f requests/s', $rate);

# the swarm
ws_server($n);
$swarm_pid = open $swarm, '-|', ws_python(), repo_root() . '/t/lib/ws_swarm.py',
    "ws://127.0.0.1:$n->{port}/ws", '--clients', $CLIENTS, '--timeout', 900
    or die "ws_swarm.py: $!\n";
my $line = '';
$line = <$swarm> // '' if IO::Select->new($swarm)->can_read(120);
like($line, qr/^CONNECTED $CLIENTS$/, "$CLIENTS WebSocket clients connected");

# half of that rate, from the two
@load = run_publishers(2 / ($rate / 2), 'load');

sub master_rss {
    open my $fh, '<', '/proc/' . nginx_pid($n) . '/status' or return 0;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+) kB/ }
    return 0;
}

my ($stuck, $rss10) = (0, 0);
my $t0 = time;
for my $i (1 .. $RELOADS) {
    my @old = nginx_workers($n);
    nginx_reload($n);
    $stuck++ unless wait_until(sub { !grep { process_alive($_) } @old }, 30);
    $rss10 = master_rss() if $i == 10;
}
my $took = time - $t0;
my $rss100 = master_rss();

is($stuck, 0, "$RELOADS reloads in ${\ sprintf '%.0f', $took} s: after "
   . 'each, every process of the one before exited');

my @procs = nginx_workers($n);
is(scalar(@procs), 2, 'two workers afterwards, none left behind');

ok($rss100 - $rss10 < 2048,
   "the master's memory is flat: $rss10 kB after 10 reloads, $rss100 kB "
   . "after $RELOADS");

open my $stop, '>', "$dir/stop-load" or die;
close $stop;
waitpid $_, 0 for @load;
@load = ();
my ($c, $bad) = counts('load');
my $total = 0;
$total += $_ for values %$c;
my $failed = $total - ($c->{200} // 0) - ($c->{201} // 0) - ($c->{202} // 0);
ok($total > 100, sprintf '%d events published through the reloads (%.0f/s,'
   . ' %.0f/s offered: each new worker connects to Kafka first)', $total,
   $total / $took, $rate / 2);
is($failed, 0, 'not one publish request failed') or diag explain $bad;

# every client connected again after the last reload: asked until the
# swarm says so
sub swarm_now {
    kill 'USR1', $swarm_pid;
    my $sel = IO::Select->new($swarm);
    while ($sel->can_read(10)) {
        my $l = <$swarm> // return {};
        return $json->decode($1) if $l =~ /^NOW (.*)$/;
    }
    return {};
}
my $now = {};
ok(wait_until(sub { $now = swarm_now(); ($now->{connected} // 0) == $CLIENTS },
              60),
   "all $CLIENTS WebSocket clients are connected again after the reloads "
   . "($now->{connects} handshakes in all)");

kill 'TERM', $swarm_pid;
my $stats = '';
while (my $l = <$swarm>) {
    $stats = $1 if $l =~ /^STATS (.*)$/;
}
close $swarm;
$swarm_pid = undef;
my $s = eval { $json->decode($stats) } || {};
is(scalar(keys %{ $s->{refused} || {} }) + ($s->{errors} // 1), 0,
   'not one WebSocket handshake was refused or failed') or diag explain $s;
diag "WebSocket clients: " . $json->canonical->encode($s);

done_testing();
