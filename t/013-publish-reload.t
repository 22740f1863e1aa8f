# A reload (SIGHUP) while requests wait for Kafka drops none of them: the
# old workers stay until their delivery reports came, and every 202 names
# an event that is in Kafka exactly once.

use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(time);
use EdaTest qw(unique_topic kafka_consume nginx_start nginx_stop
               nginx_reload http_post nginx_pid nginx_workers
               process_alive wait_until);

my $topic = unique_topic('reload');
my $nginx;

END { nginx_stop($nginx) if $nginx }

$nginx = nginx_start(
    workers => 2,
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_kafka_property linger.ms 50;
_EOC_
    config => <<"_EOC_",
        location = /wait {
            eda_publish $topic;
            eda_ce_type t.reload;
        }
_EOC_
);

my $dir = $nginx->{root};
my $duration = 6;
my @kids;

# each client publishes for $duration seconds at least, and until the
# reloads are done
for my $k (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open my $out, '>', "$dir/client-$k.txt" or die;
        $out->autoflush(1);
        my $end = time + $duration;
        my $i = 0;
        while (time < $end || !-e "$dir/reloaded") {
            my ($s, $b) = http_post($nginx, '/wait', "reload-$k-" . $i++);
            my $id = $b =~ /"id":"([^"]+)"/ ? $1 : '-';
            print $out "$s $id\n";
        }
        close $out;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}

# the answers each client had so far
sub answered {
    return map {
        my $n = 0;
        if (open my $fh, '<', "$dir/client-$_.txt") {
            $n++ while <$fh>;
        }
        $n;
    } 1 .. 4;
}

# every client had an answer since it had SINCE (a list of answered())
sub progressed {
    my @since = @_;

    my @now = answered();
    return !grep { $now[$_] <= $since[$_] } 0 .. 3;
}

sub log_count {
    my ($re) = @_;

    open my $fh, '<', $nginx->{log} or die;
    my $n = 0;
    while (<$fh>) { $n++ if $_ =~ $re }
    return $n;
}

ok(wait_until(sub { progressed(0, 0, 0, 0) }, 30), 'four clients publish');

# three reloads, each once the master has done the one before and every
# client had an answer since: each meets requests in flight
for my $k (1 .. 3) {
    nginx_reload($nginx);
    wait_until(sub { log_count(qr/reconfiguring/) >= $k }, 30);
    my @seen = answered();
    wait_until(sub { progressed(@seen) }, 30);
}
open my $done, '>', "$dir/reloaded" or die;
close $done;

waitpid $_, 0 for @kids;

my (%status, %acked);
for my $k (1 .. 4) {
    open my $in, '<', "$dir/client-$k.txt" or die;
    while (<$in>) {
        my ($s, $id) = split;
        $status{$s}++;
        $acked{$id} = 1 if $s == 202;
    }
}

note(join ', ', map { "$_: $status{$_}" } sort keys %status);
ok(keys %acked > 20, 'requests were answered during the reloads');
is_deeply([sort keys %status], [202], 'every request got 202, none dropped');

my $records = kafka_consume($topic, all => 1);
my %seen;
$seen{ $_->{headers}{ce_id} // '' }++ for @$records;

is(scalar(grep { !$seen{$_} } keys %acked), 0, 'every 2xx is in Kafka');
is(scalar(grep { $seen{$_} > 1 } keys %seen), 0, 'none is there twice');

my $master = nginx_pid($nginx);
ok(process_alive($master), 'the master survived the reloads');

# the old workers leave once their last delivery report came
my @workers;
wait_until(sub { (@workers = nginx_workers($nginx)) == 2 }, 10);
is(scalar @workers, 2, 'with its two new workers');

nginx_stop($nginx);
undef $nginx if !process_alive($master);
ok(!process_alive($master), 'the master stops on QUIT');
wait_until(sub { !grep { process_alive($_) } @workers }, 10);
is(scalar(grep { process_alive($_) } @workers), 0, 'no worker is left behind');

my $log = do { local (@ARGV, $/) = $nginx ? $nginx->{log} : "$dir/logs/error.log"; <> };
like($log, qr/reconfiguring/, 'nginx did reload');
unlike($log, qr/\[(alert|crit|emerg)\]/, 'no alert');

done_testing();
