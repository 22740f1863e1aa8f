# eda_ws_publish: a client's messages become CloudEvents on Kafka, each
# acknowledged on the socket once Kafka has it; read back with kcat.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic kafka_record_at nginx_start nginx_stop);

my $py = $ENV{TEST_PYTHON} || '/usr/bin/python3';
my $client = dirname(abs_path(__FILE__)) . '/lib/ws_client.py';
my $in = unique_topic('ws-in');
my $out = unique_topic('ws-out');
my $nginx;

END { nginx_stop($nginx) if $nginx }

$nginx = nginx_start(
    name => 'wspub',
    port => 19790,
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
    config => <<"_EOC_",
        location = /chat {
            eda_subscribe $in;
            eda_ws_publish $out;
            eda_ce_type com.example.chat.message;
            eda_ce_source /chat;
            eda_ce_subject room-\$arg_room;
            eda_kafka_key \$arg_room;
        }
_EOC_
);

# sends MESSAGE, returns the decoded answer
sub send_one {
    my ($message) = @_;

    open my $fh, '-|', $py, $client,
        "ws://127.0.0.1:$nginx->{port}/chat?room=7", '--count', 1,
        '--timeout', 10, '--send', $message
        or die;
    my @lines = <$fh>;
    close $fh;
    my ($json) = grep { /^\{/ } @lines;
    return $json ? JSON::PP::decode_json($json) : { lines => \@lines };
}

my $ack = send_one('{"text":"hello"}');
is($ack->{type}, 'eda.ws.ack', 'the message is acknowledged')
    or diag(explain($ack));
is($ack->{topic}, $out, 'naming the topic');
like($ack->{id} // '', qr/^[0-9a-f]{8}-[0-9a-f]{4}-4/, 'and a new event id');

my $rec = kafka_record_at($out, $ack->{partition}, $ack->{offset});
ok($rec, 'the record is in Kafka where the ack says');
is($rec->{headers}{ce_id}, $ack->{id}, 'with that id');
is($rec->{headers}{ce_type}, 'com.example.chat.message', 'the type');
is($rec->{headers}{ce_subject}, 'room-7', 'a subject from the handshake');
is($rec->{key}, '7', 'the key');
is($rec->{headers}{'content-type'}, 'application/json', 'JSON data');
is($rec->{payload}, '{"text":"hello"}', 'the message as data');

my $ack2 = send_one('plain words');
isnt($ack2->{id}, $ack->{id}, 'every message gets its own id');
$rec = kafka_record_at($out, $ack2->{partition}, $ack2->{offset});
is($rec->{headers}{'content-type'}, 'text/plain; charset=utf-8',
   'text that is not JSON is text');
is($rec->{payload}, 'plain words', 'as it was sent');

done_testing();
