# The producer's bound counts what a record really holds: its value, its
# key and its headers (the CloudEvents attributes), not the value alone as
# librdkafka's queue.buffering.max.kbytes does.  With Kafka hung, events
# of 2 bytes of data and 8 kB of attributes fill a 64 kB bound after about
# eight (librdkafka alone would take thousands): the next are refused with
# 503 at once, and once Kafka takes what is held, events pass again.

use strict;
use warnings;

use Test::More;
use EdaTest qw(unique_topic local_kafka kafka_pause kafka_resume nginx_start
               nginx_stop http_post wait_until);

plan skip_all => 'fault injection needs the local stack of ./build.sh'
    unless local_kafka();

my $topic = unique_topic('qbytes');
my ($nginx, $paused);

END {
    kafka_resume() if $paused;
    nginx_stop($nginx) if $nginx;
}

# 8 kB of attributes: the subject and an extension, from a request header
my $pad = 's' x 4000;

$nginx = nginx_start(
    name => 'qbytes',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_kafka_property queue.buffering.max.kbytes 64;
_EOC_
    config => <<"_EOC_",
        location = /nowait {
            eda_publish $topic;
            eda_ce_type t.big;
            eda_ce_subject \$http_x_pad;
            eda_ce_extension pad \$http_x_pad;
            eda_publish_wait off;
        }
        location = /wait {
            eda_publish $topic;
            eda_ce_type t.small;
        }
_EOC_
);

is((http_post($nginx, '/wait', 'first'))[0], 202,
   'the producer is connected (an event acknowledged)');

kafka_pause();
$paused = 1;

my %st;
my $body;
for (1 .. 30) {
    my ($s, $b) = http_post($nginx, '/nowait', '{}',
                            'Content-Type' => 'application/json',
                            'X-Pad' => $pad);
    $st{$s}++;
    $body = $b if $s == 503;
}
my $taken = $st{202} // 0;
ok($taken >= 4 && $taken <= 10,
   "Kafka hung: $taken events of 8 kB of attributes fill 64 kB");
is($st{503} // 0, 30 - $taken, '  the others are refused with 503');
like($body // '', qr/queue|full/i, '  saying the queue is full');

kafka_resume();
$paused = 0;

ok(wait_until(sub { (http_post($nginx, '/nowait', '{}',
                                'Content-Type' => 'application/json',
                                'X-Pad' => $pad))[0]
                    == 202 }, 30),
   'Kafka back: what was held is delivered, events pass again');

done_testing();
