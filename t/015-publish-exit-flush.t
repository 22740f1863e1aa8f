# Events answered 202 with eda_publish_wait off that Kafka has not taken
# when their worker exits (a reload, here with the broker hung): the
# worker waits eda_kafka_exit_flush for them, then purges them, says how
# many in its log, and counts them in eda_events_failed_total
# {reason="purged_at_exit"}, which the next worker's /metrics shows.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(unique_topic local_kafka kafka_pause kafka_resume nginx_start
               nginx_stop nginx_reload nginx_workers process_alive http_post
               http_get wait_until);

plan skip_all => 'fault injection needs the local stack of ./build.sh'
    unless local_kafka();

my $topic = unique_topic('exitflush');
my ($nginx, $paused);

END {
    kafka_resume() if $paused;
    nginx_stop($nginx) if $nginx;
}

$nginx = nginx_start(
    name => 'exitflush',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_kafka_exit_flush 300ms;
_EOC_
    config => <<"_EOC_",
        location = /nowait {
            eda_publish $topic;
            eda_ce_type t.nowait;
            eda_publish_wait off;
        }
        location = /wait {
            eda_publish $topic;
            eda_ce_type t.wait;
        }
        location = /metrics {
            eda_metrics;
        }
_EOC_
);

is((http_post($nginx, '/wait', 'first'))[0], 202,
   'the producer is connected (an event acknowledged)');

kafka_pause();
$paused = 1;

is(scalar(grep { (http_post($nginx, '/nowait', "e$_"))[0] == 202 } 1 .. 5),
   5, 'Kafka hung: 5 events queued and answered 202 (wait off)');

my @old = nginx_workers($nginx);
my $t0 = time;
nginx_reload($nginx);
ok(wait_until(sub { !grep { process_alive($_) } @old }, 30),
   'reloaded: the old worker exits');
my $took = time - $t0;

open my $fh, '<', $nginx->{log} or die;
my $log = do { local $/; <$fh> };
like($log, qr/eda: 5 Kafka events still unacknowledged after 300 ms at exit \(eda_kafka_exit_flush\), purged/,
     sprintf('after eda_kafka_exit_flush it says 5 were purged (exited in '
             . '%.1f s)', $took));

kafka_resume();
$paused = 0;

my $metrics = '';
ok(wait_until(sub {
       ($metrics) = (http_get($nginx, '/metrics'))[1];
       ($metrics // '') =~ /^eda_events_failed_total\{reason="purged_at_exit"\} 5$/m;
   }, 10), 'and the next worker counts them as purged_at_exit')
    or diag $metrics;

done_testing();
