# A quiet topic: librdkafka takes a consumer that the application has not
# polled for max.poll.interval.ms for stuck, and makes it leave its group.
# Records alone used to wake the fan-out consumer, so after a quiet period
# longer than that it had left, and the next record reached no client.
# Here the interval is 7 s (the broker's smallest session is 6 s), the
# topic stays quiet for longer, and the next record must still arrive.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(unique_topic kafka_produce nginx_start nginx_stop);
use EdaWs qw(ws_server ws_open wait_connected client_lines kafka_produce_ce);

my $topic = unique_topic('ws-quiet');
my $nginx;
my $quiet = 10;

END { nginx_stop($nginx) if $nginx }

kafka_produce($topic, 'seed', key => 'k');

$nginx = nginx_start(
    name => 'wsquiet',
    log_level => 'info',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_kafka_property session.timeout.ms 6000;
    eda_kafka_property max.poll.interval.ms 7000;
_EOC_
    config => <<"_EOC_",
        location = /ws {
            eda_subscribe $topic;
        }
_EOC_
);
ws_server($nginx);

sub produce {
    my ($id) = @_;

    kafka_produce_ce($topic, id => $id, type => 't.quiet', key => 'k',
                     data => 'x');
}

# the consumer is live once a warm-up event reaches a connected client
my $live = 0;
for my $i (1 .. 40) {
    my $c = ws_open('/ws', count => 1, timeout => 3);
    next unless wait_connected($c);
    produce("warm-$i");
    if (grep { /"id":"warm-$i"/ } client_lines($c)) { $live = 1; last }
}
ok($live, 'the subscription is live');

my $c = ws_open('/ws', count => 1, timeout => $quiet + 30);
ok(wait_connected($c), 'a client is connected');

# the quiet period is what is tested: nothing is produced for longer than
# max.poll.interval.ms
sleep $quiet;

produce('after-quiet');
my @lines = client_lines($c);
ok((grep { /"id":"after-quiet"/ } @lines),
   "the first record after ${quiet} s of quiet arrives")
    or diag(join "\n", @lines);

open my $fh, '<', "$nginx->{root}/logs/error.log" or die;
my @log = <$fh>;
my @left = grep { /maximum poll interval|leaving group/i } @log;
is(scalar @left, 0, 'the consumer never left its group')
    or diag(@left);

done_testing();
