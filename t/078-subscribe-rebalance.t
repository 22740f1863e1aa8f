# A rebalance of the worker's own fan-out group: the group takes every
# partition back and hands it out again (eager protocol), as when its
# coordinator moves to another broker or, here, when partitions are added
# to the topic.  The worker reads on from where it stood in each
# partition it gets back; starting from the end again would skip what
# was written while the group rebalanced.  A producer writes numbered
# records to partition 0 without pause while a partition is added; a
# connected client must get every one, in order.

use strict;
use warnings;

use Test::More;
use EdaTest qw(unique_topic kafka_produce kafka_brokers nginx_start
               nginx_stop wait_until);
use EdaWs qw(ws_server ws_open wait_connected pump_until ws_finish);

my $topic = unique_topic('ws-rebalance');
my $N = 1500;
my $nginx;

END { nginx_stop($nginx) if $nginx }

kafka_produce($topic, 'seed', key => 'k');

$nginx = nginx_start(
    name => 'wsrebalance',
    log_level => 'info',
    workers => 1,
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_kafka_property topic.metadata.refresh.interval.ms 500;
_EOC_
    config => <<"_EOC_",
        location = /ws {
            eda_subscribe $topic;
            eda_ws_format data;
        }
_EOC_
);
ws_server($nginx);

my $c = ws_open('/ws', count => $N + 1, timeout => 120);
ok(wait_connected($c), 'a client is connected');

# Numbered records to partition 0, one every 2 ms; after the first 300
# one partition is added to the topic.  The producer says "added" when
# the broker has the new partition, "done" when all N are acknowledged.
my $py = $ENV{TEST_PYTHON} || '/usr/bin/python3';
open my $prod, '-|', $py, '-c', <<'_PY_', kafka_brokers(), $topic, $N
import sys, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions

brokers, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({'bootstrap.servers': brokers})
p = Producer({'bootstrap.servers': brokers, 'linger.ms': 0})
count = len(admin.list_topics(topic, timeout=10).topics[topic].partitions)
p.produce(topic, b'start', partition=0)
p.flush(10)
for i in range(1, n + 1):
    p.produce(topic, b'n%d' % i, partition=0)
    p.poll(0)
    if i == 300:
        for f in admin.create_partitions(
                [NewPartitions(topic, count + 1)]).values():
            f.result(10)
        print('added', count + 1, flush=True)
    time.sleep(0.002)
p.flush(30)
print('done', n, flush=True)
_PY_
    or die "$py: $!\n";
my @said = <$prod>;
close $prod;
is_deeply([map { (split ' ')[0] } @said], ['added', 'done'],
          'a partition was added while the records were written')
    or diag(@said);

pump_until(sub { (grep { /^n$N$/ } @{ $c->{lines} }) ? 1 : 0 }, 90, $c);
ws_finish($c);

my @got = grep { /^n\d+$/ } @{ $c->{lines} };
my @missing = grep { my $i = $_; !grep { $_ eq "n$i" } @got } 1 .. $N;
is(scalar @missing, 0, "the client got all $N records")
    or diag('missing: ' . join(' ', @missing[0 .. ($#missing < 20
                                                     ? $#missing : 19)]));
is_deeply(\@got, [map { "n$_" } 1 .. $N], '  once each, in order');

# the rebalance did happen, and partition 0 came back to the worker
ok(wait_until(sub {
       open my $fh, '<', "$nginx->{root}/logs/error.log" or return 0;
       my $given = qr/partition 0 of "\Q$topic\E" given back by its group,/;
       return scalar grep { /$given read on from offset \d+/ } <$fh>;
   }, 10), 'the fan-out read partition 0 on from where it stood');

done_testing();
