# A reload (SIGHUP) while requests wait for Kafka drops none of them: the
# old workers stay until their delivery reports came, and every 202 names
# an event that is in Kafka exactly once.

use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(unique_topic kafka_consume nginx_start nginx_stop
               nginx_reload http_post nginx_pid nginx_workers
               process_alive);

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

for my $k (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open my $out, '>', "$dir/client-$k.txt" or die;
        my $end = time + $duration;
        my $i = 0;
        while (time < $end) {
            my ($s, $b) = http_post($nginx, '/wait', "reload-$k-" . $i++);
            my $id = $b =~ /"id":"([^"]+)"/ ? $1 : '-';
            print $out "$s $id\n";
        }
        close $out;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}

for (1 .. 3) {
    sleep 1.5;
    nginx_reload($nginx);
}

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

my @workers = nginx_workers($nginx);
is(scalar @workers, 2, 'with its two new workers');

nginx_stop($nginx);
undef $nginx if !process_alive($master);
ok(!process_alive($master), 'the master stops on QUIT');
sleep 0.5;
is(scalar(grep { process_alive($_) } @workers), 0, 'no worker is left behind');

my $log = do { local (@ARGV, $/) = $nginx ? $nginx->{log} : "$dir/logs/error.log"; <> };
like($log, qr/reconfiguring/, 'nginx did reload');
unlike($log, qr/\[(alert|crit|emerg)\]/, 'no alert');

done_testing();
