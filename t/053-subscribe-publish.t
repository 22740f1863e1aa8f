# eda_ws_publish: a client's messages become CloudEvents on Kafka, each
# acknowledged on the socket once Kafka has it; read back with kcat.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic kafka_record_at kafka_payload_at nginx_start
               nginx_stop);
use EdaWs qw(ws_server ws_run ws_frame raw_ws next_frame);

my $in = unique_topic('ws-in');
my $out = unique_topic('ws-out');
my $nginx;

END { nginx_stop($nginx) if $nginx }

$nginx = nginx_start(
    name => 'wspub',
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
ws_server($nginx);

# sends MESSAGE, returns the decoded answer
sub send_one {
    my ($message) = @_;

    my @lines = ws_run('/chat?room=7', count => 1, timeout => 10,
                       send => $message);
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

# a message in fragments, a ping between them, straight on the socket

# sends FRAMES on a socket of its own: the server frames up to the first
# text frame (the ack), as [opcode, payload]
sub raw_message {
    my (@frames) = @_;

    my $ws = raw_ws('/chat?room=9');
    syswrite $ws->{sock}, join '', @frames;
    my $ack = next_frame($ws, 10, 0x1);
    close $ws->{sock};
    return map { [$_->{op}, $_->{payload}] }
           @{ $ws->{skipped} || [] }, $ack ? $ack : ();
}

my @seen = raw_message(ws_frame(0x1, '{"te', fin => 0), ws_frame(0x9, 'p1'),
                       ws_frame(0x0, 'xt":', fin => 0),
                       ws_frame(0x0, '"frag"}'));
is_deeply($seen[0], [10, 'p1'], 'a ping between fragments is answered');
my ($text) = map { $_->[1] } grep { $_->[0] == 1 } @seen;
my $ack3 = JSON::PP::decode_json($text // '{}');
is($ack3->{type}, 'eda.ws.ack', 'the fragmented message is acknowledged');
$rec = kafka_record_at($out, $ack3->{partition}, $ack3->{offset});
is($rec->{payload}, '{"text":"frag"}', 'as one event, fragments joined');
is($rec->{key}, '9', 'of its own socket');

@seen = raw_message(ws_frame(0x2, "\x00\x01\xfe"));
($text) = map { $_->[1] } grep { $_->[0] == 1 } @seen;
my $ack4 = JSON::PP::decode_json($text // '{}');
my ($bytes, $headers) = kafka_payload_at($out, $ack4->{partition},
                                         $ack4->{offset});
like($headers // '', qr/(^|,)content-type=application\/octet-stream(,|$)/,
     'a binary message is binary data');
is($bytes, "\x00\x01\xfe", 'byte for byte');

done_testing();
