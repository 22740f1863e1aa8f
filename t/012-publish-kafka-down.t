# Kafka stops and comes back: publishing answers 503 with Retry-After at
# once while it is down, recovers by itself without a reload, and every 2xx
# names an event that is in Kafka exactly once, also across a broker
# restart under load.  The real broker is stopped (fault injection), so
# this runs only against the stack of ./build.sh.

use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(unique_topic kafka_consume local_kafka kafka_stop kafka_start
               kafka_pause kafka_resume nginx_start nginx_stop http_post
               wait_until);

plan skip_all => 'fault injection needs the local stack of ./build.sh'
    unless local_kafka();

my $topic = unique_topic('down');
my $nginx;

END {
    kafka_resume() if local_kafka();
    nginx_stop($nginx) if $nginx;
    kafka_start() if local_kafka();
}

$nginx = nginx_start(
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_kafka_property message.timeout.ms 4000;
    eda_kafka_property reconnect.backoff.max.ms 500;
_EOC_
    config => <<"_EOC_",
        location = /wait {
            eda_publish $topic;
            eda_ce_type t.wait;
        }
        location = /nowait {
            eda_publish $topic;
            eda_ce_type t.nowait;
            eda_publish_wait off;
        }
_EOC_
);

sub log_has {
    my ($re, $timeout) = @_;

    my $deadline = time + $timeout;
    while (time < $deadline) {
        open my $fh, '<', $nginx->{log} or die;
        local $/;
        my $log = <$fh>;
        return 1 if $log =~ $re;
        sleep 0.2;
    }
    return 0;
}

sub id_of {
    my ($body) = @_;
    return $body =~ /"id":"([^"]+)"/ ? $1 : undef;
}

my %acked;

my ($status, $body) = http_post($nginx, '/wait', 'before');
is($status, 202, 'accepted while Kafka is up');
$acked{ id_of($body) } = 1;

# A hung broker: connected, silent.  The event times out: 504.

kafka_pause();
my $t = time;
my $hdr;
($status, $body, $hdr) = http_post($nginx, '/wait', 'hung');
my $waited = time - $t;
kafka_resume();

is($status, 504, 'a broker that does not answer: 504');
ok($waited > 3 && $waited < 10,
   sprintf('after message.timeout.ms (%.1f s)', $waited));
is($hdr->{'content-type'}, 'application/problem+json', 'as a problem');
like($body, qr/"detail":"Kafka did not acknowledge the event in time/,
     'saying why');

# after it comes back, publishing works again right away
my $again = 0;
for (1 .. 40) {
    ($status, $body) = http_post($nginx, '/wait', 'resumed');
    if ($status == 202) {
        $again = 1;
        $acked{ id_of($body) } = 1;
        last;
    }
    sleep 0.5;
}
ok($again, 'a resumed broker takes events again');

kafka_stop();

ok(log_has(qr/all Kafka brokers are down/, 30),
   'the producer notices that Kafka is down');

($status, $body) = http_post($nginx, '/nowait', 'probe');
is($status, 202, 'one event is queued as a probe');

my $t0 = time;
my $h;
($status, $body, $h) = http_post($nginx, '/wait', 'refused');
my $took = time - $t0;
is($status, 503, 'the next one is refused with 503');
ok($took < 1, sprintf('at once (%.3f s)', $took));
is($h->{'retry-after'}, '5', 'with Retry-After');
is($h->{'content-type'}, 'application/problem+json', 'as a problem');
like($body, qr/"detail":"Kafka is unavailable"/, 'saying why');

kafka_start();

my $recovered = 0;
my $deadline = time + 90;
while (time < $deadline) {
    ($status, $body) = http_post($nginx, '/wait', 'after');
    if ($status == 202) {
        $recovered = 1;
        $acked{ id_of($body) } = 1;
        last;
    }
    sleep 0.5;
}
ok($recovered, 'publishing recovers by itself, no reload');

# Under load: four clients publish while the broker restarts.

my $dir = $nginx->{root};
my $duration = 30;
my @kids;

for my $k (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open my $out, '>', "$dir/client-$k.txt" or die;
        $out->autoflush(1);
        my $end = time + $duration;
        my $i = 0;
        while (time < $end) {
            my ($s, $b) = http_post($nginx, '/wait', "load-$k-" . $i++);
            my $id = id_of($b) // '-';
            print $out "$s $id\n";
            # a client backs off a little when refused, as clients do
            sleep 0.05 if $s != 202;
        }
        close $out;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}

# every client has had an event accepted: the load is on
ok(wait_until(sub {
    !grep {
        open my $in, '<', "$dir/client-$_.txt";
        !($in && grep { /^202 / } <$in>);
    } 1 .. 4;
}, 20), 'four clients publish');
kafka_stop();
# the broker stays down 3 s under load: the outage itself is what is
# tested, nothing is waited for
sleep 3;
kafka_start();
waitpid $_, 0 for @kids;

my (%status, $total);
for my $k (1 .. 4) {
    open my $in, '<', "$dir/client-$k.txt" or die;
    while (<$in>) {
        my ($s, $id) = split;
        $status{$s}++;
        $total++;
        $acked{$id} = 1 if $s == 202;
    }
}

note(join ', ', map { "$_: $status{$_}" } sort keys %status);
ok($status{202} && $status{202} > 10, 'events were accepted under load');
ok(!grep({ $_ != 202 && $_ != 503 && $_ != 504 } keys %status),
   'every answer is 202, 503 or 504');

my $records = kafka_consume($topic, all => 1);
my %seen;
$seen{ $_->{headers}{ce_id} // '' }++ for @$records;

my @missing = grep { !$seen{$_} } keys %acked;
my @dups = grep { $seen{$_} > 1 } keys %seen;

is(scalar @missing, 0, 'every 2xx event is in Kafka')
    or diag("missing: @missing[0 .. ($#missing < 4 ? $#missing : 4)]");
is(scalar @dups, 0, 'no event is in Kafka twice')
    or diag("duplicated: @dups[0 .. ($#dups < 4 ? $#dups : 4)]");

unlike(do { local (@ARGV, $/) = $nginx->{log}; <> },
       qr/\[(alert|crit|emerg)\]|signal \d+/, 'no worker crashed');

done_testing();
