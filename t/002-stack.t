# The suite runs against the real stack: a Kafka broker that kcat lists and
# that stores and returns records, and a Redis that keeps keys.  The t/lib
# helpers the other tests rely on are checked here.

use strict;
use warnings;

use Test::More;
use EdaTest qw(kafka_brokers unique_topic kafka_produce kafka_consume
               redis_cmd);

my $brokers = kafka_brokers();

my $meta = `kcat -L -b $brokers -m 5 2>&1`;
is($?, 0, 'kcat -L answers');
like($meta, qr/broker \d+ at \Q$brokers\E/, 'kcat -L lists the broker');

my $topic = unique_topic('stack');
kafka_produce($topic, '{"n":1}', key => 'k1', headers => { ce_id => 'a1' });
kafka_produce($topic, 'second', key => 'k1');

my $recs = kafka_consume($topic, count => 2, timeout => 20);
is(scalar @$recs, 2, 'both records read back');
is($recs->[0]{payload}, '{"n":1}', 'payload of the first record');
is($recs->[0]{key}, 'k1', 'key of the first record');
is($recs->[0]{headers}{ce_id}, 'a1', 'header of the first record');
is($recs->[1]{payload}, 'second', 'payload of the second record');
is($recs->[0]{partition}, $recs->[1]{partition}, 'same key, same partition');
ok($recs->[1]{offset} > $recs->[0]{offset}, 'offsets grow');

my $key = unique_topic('eda-test-key');
is(redis_cmd('SET', $key, 'v', 'EX', 60), 'OK', 'redis SET');
is(redis_cmd('GET', $key), 'v', 'redis GET');
redis_cmd('DEL', $key);

done_testing();
