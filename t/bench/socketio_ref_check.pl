#!/usr/bin/perl

# Checks the Socket.IO tooling against socket.io itself, no nginx: the
# reference server (socketio_ref_server.js) consumes a topic of its own,
# records written with kcat must reach clients of sio_client.js driven
# through t/lib/EdaSio.pm, in each record mode, over both transports,
# across a cut with connection state recovery, and in --count mode.
#
#     KAFKA_BROKERS=127.0.0.1:9092 perl t/bench/socketio_ref_check.pl
#
# (without KAFKA_BROKERS, the stack of ./build.sh up).  Prints TAP.

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use File::Path ();

use lib File::Basename::dirname(Cwd::abs_path(__FILE__)) . '/../lib';

use Test::More;
use EdaTest qw(unique_topic repo_root);
use EdaWs qw(kafka_produce_ce kafka_produce_structured);
use EdaSio qw(sio_open sio_ref_server sio_require sio_bin sio_unbin
              sio_wait_all);

sio_require();
File::Path::make_path(repo_root() . '/.eda');    # kafka_produce's temp

my $topic = unique_topic('sio-ref-check');
my $srv = sio_ref_server($topic, recovery => 1);
diag("reference server on $srv->{url}, topic $topic");

# the default: polling first, then the upgrade to WebSocket
my $c = sio_open("$srv->{url}/", {}, name => 'default');
my $open = $c->wait_ev('open', 10);
is($open && $open->{transport}, 'polling', 'opened over polling');
my $conn = $c->wait_ev('connect', 10);
ok($conn, 'connected');
my $up = $c->wait_ev('upgrade', 10);
is($up && $up->{transport}, 'websocket', 'upgraded to WebSocket');

my $w = sio_open("$srv->{url}/", { transports => ['websocket'],
                                   auth => { token => 'abc' } },
               name => 'websocket');
my $wconn = $w->wait_ev('connect', 10);
is($wconn && $wconn->{transport}, 'websocket', 'websocket only');

# structured mode reaches both clients, named after its type
kafka_produce_structured($topic, 'k1',
    { specversion => '1.0', id => 's-1', type => 'com.example.shipped',
      source => '/check', data => { order => 42 } });
my @got = sio_wait_all([$c, $w],
    sub { $_->{ev} eq 'event' && $_->{name} eq 'com.example.shipped' }, 15);
is(scalar(grep { $_ && $_->{args}[0]{id} eq 's-1' } @got), 2,
   'structured event reached both clients');
is($got[0] && $got[0]{args}[0]{data}{order}, 42, 'with its data');

# binary mode: attributes in ce_ headers
kafka_produce_ce($topic, id => 'b-1', type => 'com.example.binary',
                 source => '/check', data => '{"n":1}',
                 ct => 'application/json');
my $b = $c->wait_event('com.example.binary', 15);
is($b && $b->{args}[0]{id}, 'b-1', 'binary-mode event');
is($b && $b->{args}[0]{data}{n}, 1, 'its JSON data embedded');

# anything else: eda.kafka.record
EdaTest::kafka_produce($topic, "\x01\x02\xff");
my $p = $c->wait_event('eda.kafka.record', 15);
is($p && $p->{args}[0]{data_base64}, 'AQL/', 'plain record as data_base64');

# a round trip with an acknowledgement and a binary argument
my $ack = $c->emit_ack('echo', [1, sio_bin("\x00\x01\xfe")],
                       timeout => 5000);
is($ack && $ack->{ev}, 'ack', 'acknowledged');
is($ack && sio_unbin($ack->{args}[0]{args}[1]), "\x00\x01\xfe",
   'binary argument came back');

# a cut: the client reconnects and its state is recovered (it has had
# events, so it has an offset to give)
$c->send({ cmd => 'cut' });
ok($c->wait_ev('disconnect', 10), 'cut');
kafka_produce_structured($topic, 'k2',
    { specversion => '1.0', id => 's-2', type => 'com.example.shipped',
      source => '/check', data => { order => 43 } });
my $again = $c->wait_ev('connect', 15);
ok($again && $again->{recovered}, 'reconnected, recovered');
is($again && $again->{id}, $conn && $conn->{id}, 'same socket id');
my $missed = $c->wait_event('com.example.shipped', 15);
is($missed && $missed->{args}[0]{id}, 's-2', 'the event of the cut');

# a namespace the server does not have
my $ns = sio_open("$srv->{url}/orders", { reconnection => JSON::PP::false },
                  name => 'namespace');
my $err = $ns->wait_ev('connect_error', 10);
is($err && $err->{message}, 'Invalid namespace', 'unknown namespace');

# many sockets, aggregates only
my $many = sio_open("$srv->{url}/", { transports => ['websocket'] },
                    count => 20, name => 'count');
ok($many->wait_ev('connected', 20), '20 sockets connected');
kafka_produce_structured($topic, 'k3',
    { specversion => '1.0', id => 's-3', type => 'com.example.load',
      source => '/check' });
ok($w->wait_event('com.example.load', 15), 'load event out');
my $all = $many->wait_ev('received', 15);
is($all && $all->{n}, 1, 'each of the 20 got it');
$many->send({ cmd => 'stats' });
my $stats = $many->wait_ev('stats', 5);
is($stats && $stats->{events}, 20, 'and no more');

is($_->finish, 0, "$_->{name} exited cleanly") for $c, $w, $ns, $many;
is($srv->stop, 0, 'reference server stopped');

done_testing();
