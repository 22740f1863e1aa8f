# eda_saga_extension: the extensions of a saga, evaluated when the POST
# starts it ($eda_jwt_sub: the starting token's subject), are on every
# CloudEvent the coordinator makes for it, read back from Kafka: the
# commands on the participants' topics, the transition events, the dead
# letter; the state GET answers shows them; an empty value is left out; a
# location's own list replaces the server's; a value the request makes
# unusable is a 400; and a WebSocket subscription filtering on
# "user eq $eda_jwt_sub" gets the events of its user's sagas only.

use strict;
use warnings;

use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP ();
use Test::More;
use EdaTest qw(kafka_consume nginx_start nginx_stop);
use EdaSaga qw(saga_setup saga_participant saga_start saga_state saga_wait
               saga_records);
use EdaJwt qw(jwt_keys jwt_token);
use EdaWs qw(ws_server ws_require ws_open wait_connected pump_until
             ws_finish ws_events);

my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10);
my $nginx;

END { nginx_stop($nginx) if $nginx }

ws_require();

my $K = jwt_keys();
my $S = saga_setup(name => 'sagaext', tweak => sub {
    my ($example, $reserve, $charge, $confirm) = @_;

    $charge->{compensation}{retry} = { max_attempts => 2,
                                       initial_backoff => '100ms',
                                       jitter => 0 };
    $confirm->{retry} = { max_attempts => 1 };
});
my %topic = %{ $S->{topics} };

my $jwt = <<"_EOC_";
            eda_jwt_key_file $K/hmac.key;
            eda_jwt_algorithms HS256;
_EOC_

# the server's extension reaches /checkout/ (saga_setup's location); the
# locations with their own have only theirs
$nginx = nginx_start(name => 'sagaext', http_config => $S->{http_config},
                     config => <<"_EOC_" . $S->{config});
        eda_saga_extension site gw1;

        location /ext/ {
            eda_jwt on;
$jwt
            eda_saga checkout;
            eda_saga_extension user \$eda_jwt_sub;
            eda_saga_extension tenant acme;
        }

        location /optional/ {
            eda_jwt optional;
$jwt
            eda_saga checkout;
            eda_saga_extension user \$eda_jwt_sub;
            eda_saga_extension tenant acme;
        }

        location /header/ {
            eda_saga checkout;
            eda_saga_extension user \$http_x_user;
        }

        location = /mine {
            eda_jwt on;
$jwt
            eda_jwt_token \$arg_access_token;
            eda_subscribe $topic{events};
            eda_subscribe_filter user eq \$eda_jwt_sub;
        }
_EOC_
my $port = $nginx->{port};
ws_server($nginx);

sub token {
    my ($sub) = @_;

    return jwt_token('HS256', "$K/hmac.key", claims => qq({"sub":"$sub"}));
}

sub start {
    my ($path, $input, %h) = @_;

    return saga_start($port, $path, $input, %h);
}

# the records of TOPIC keyed KEY, once there are at least N, decoded
sub keyed { map { $json->decode($_->{payload}) } saga_records(@_) }

# "type user tenant" of each event
sub ext_of {
    return map { join ' ', $_->{type}, $_->{user} // '-',
                           $_->{tenant} // '-' } @_;
}

like(saga_participant($S) // '', qr/READY/, 'the participant runs');

my ($alice, $bob) = (token('alice'), token('bob'));

# --------------------------------------------------------------------------
# subscribers of their own sagas, connected before any starts

my $wa = ws_open("/mine?access_token=$alice", count => 4, timeout => 60,
                 name => 'alice');
my $wb = ws_open("/mine?access_token=$bob", count => 4, timeout => 60,
                 name => 'bob');
ok(wait_connected($wa, $wb), "alice's and bob's subscriptions connected");

# --------------------------------------------------------------------------
# the starting token's subject and a static value on every event

# one without a token first: if the filter let events without "user"
# through, alice's subscription would have them first
my ($rn, $bn) = start('optional', { order => 0 });
is($rn->{status}, 202, 'a start without a token (eda_jwt optional): 202');

my ($ra, $ba) = start('ext', { order => 1 }, Authorization => "Bearer $alice");
is($ra->{status}, 202, "alice's start: 202");
my $id = $ba->{id} // 'none';

my ($rb, $bb) = start('ext', { order => 2 }, Authorization => "Bearer $bob");
my $bid = $bb->{id} // 'none';

# read back through /checkout/, which has no eda_jwt: the same saga
my $st = saga_wait($port, 'checkout', [$id, $bid, $bn->{id} // 'none'], 60);
is($st->{$id}{status}, 'completed', "alice's saga completes");
is_deeply($st->{$id}{extensions}, { user => 'alice', tenant => 'acme' },
          'GET: the state has its extensions');
is_deeply($st->{$bid}{extensions}, { user => 'bob', tenant => 'acme' },
          "and bob's his");

my @cmd = map { keyed($topic{$_}, $id, 1) }
          qw(inventory.commands payment.commands shipping.commands);
is_deeply([ext_of(@cmd)],
          ['com.example.inventory.reserve alice acme',
           'com.example.payment.charge alice acme',
           'com.example.shipping.confirm alice acme'],
          'every command on the command topics carries user and tenant');
is($cmd[0]{sagaid}, $id, 'beside the saga attributes');
ok(!exists $cmd[0]{site}, "not the server's extension: the location has "
   . 'its own list');

my @ev = keyed($topic{events}, $id, 4);
is_deeply([ext_of(@ev)],
          [map { "eda.saga.$_ alice acme" }
               qw(started running running completed)],
          'every transition event carries them');
is($ev[0]{subject}, $id, 'subject: still the saga id');

# --------------------------------------------------------------------------
# an empty value is left out

my $on = $st->{ $bn->{id} // 'none' } // {};
is($on->{status}, 'completed', 'the saga started without a token completes');
is_deeply($on->{extensions}, { tenant => 'acme' },
          'its state has the static extension only');
my @en = keyed($topic{events}, $bn->{id} // 'none', 4);
is_deeply([ext_of(@en)],
          [map { "eda.saga.$_ - acme" }
               qw(started running running completed)],
          'its events: no "user" at all');

# --------------------------------------------------------------------------
# the subscriptions: their user's saga only

pump_until(sub { ws_events($wa) >= 4 && ws_events($wb) >= 4 }, 30,
           $wa, $wb);
ws_finish($wa, $wb);
my @wa = ws_events($wa);
my @wb = ws_events($wb);
is_deeply([map { "$_->{type} $_->{subject}" } @wa],
          [map { "eda.saga.$_ $id" } qw(started running running completed)],
          "alice's subscription: the events of alice's saga, and only them");
is_deeply([map { "$_->{type} $_->{subject}" } @wb],
          [map { "eda.saga.$_ $bid" } qw(started running running completed)],
          "bob's: bob's");

# --------------------------------------------------------------------------
# a failing saga: its compensations and dead letter carry them too

my ($rd, $bd) = start('ext', { fail => ['confirm-shipment'],
                               fail_compensation => ['charge-payment'] },
                      Authorization => "Bearer $alice");
my $did = $bd->{id} // 'none';
$st = saga_wait($port, 'checkout', [$did], 60);
is($st->{$did}{status}, 'failed', 'a compensation that fails: failed');

my @comp = grep { ($_->{type} // '') eq 'com.example.payment.refund' }
           keyed($topic{'payment.commands'}, $did, 3);
is_deeply([ext_of(@comp)],
          [('com.example.payment.refund alice acme') x 2],
          'both attempts of the compensation carry them');

my @dead = keyed($topic{'dead-letters'}, $did, 1);
is_deeply([ext_of(@dead)], ['eda.saga.dead-letter alice acme'],
          'the dead letter carries them');

my @ef = keyed($topic{events}, $did, 1);
ok(@ef && !grep({ ($_->{user} // '') ne 'alice' } @ef),
   'every event of the failing saga carries user alice ('
   . scalar(@ef) . ')');

# --------------------------------------------------------------------------
# inherited from the server

my ($rs, $bs) = start('checkout', { order => 3 });
is($rs->{status}, 202, 'a start where the server level has one: 202');
my $sid = $bs->{id} // 'none';
is_deeply((saga_state($port, 'checkout', $sid) // {})->{extensions},
          { site => 'gw1' }, 'the inherited extension is in its state');
my @es = keyed($topic{events}, $sid, 1);
is($es[0]{site}, 'gw1', 'and on its events');

# --------------------------------------------------------------------------
# values the request made that cannot be attributes: 400, nothing started

# by hand: HTTP::Tiny sends no header value with bytes above 0x7f
sub post_user {
    my ($user) = @_;

    my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
        or die "connect: $!\n";
    print $c "POST /header/ HTTP/1.1\r\nHost: localhost\r\n"
             . "Content-Type: application/json\r\nContent-Length: 2\r\n"
             . "X-User: $user\r\nConnection: close\r\n\r\n{}";
    my $raw = do { local $/; <$c> } // '';
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.1 (\d+)};
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () }
            split /\r\n/, $head // '';
    return { status => $status // 0, headers => \%h, content => $body };
}

my $r = post_user("caf\xe9");
is($r->{status}, 400, 'a value that is not UTF-8: 400');
is($r->{headers}{'content-type'}, 'application/problem+json',
   'a problem document');
like($r->{content}, qr/extension \\?"user\\?".*not valid UTF-8/,
     'naming the extension and the problem');
ok(!exists $r->{headers}{location}, 'no saga started');

$r = post_user('u' x 257);
is($r->{status}, 400, 'a value of 257 bytes: 400');
like($r->{content}, qr/longer than 256 bytes/, 'saying why');

$r = post_user("caf\xc3\xa9");
is($r->{status}, 202, 'UTF-8 of 6 bytes: 202');
my ($hid) = ($r->{headers}{location} // '') =~ m{/header/(\S+)};
is_deeply((saga_state($port, 'header', $hid // 'none') // {})->{extensions},
          { user => "caf\xc3\xa9" }, 'kept as it came');

$r = post_user('u' x 256);
is($r->{status}, 202, '256 bytes: 202');

my $log = do { local (@ARGV, $/) = ($nginx->{log}); <> };
my $refused = 'saga start refused: the value of "eda_saga_extension user": '
              . 'attribute value is not valid UTF-8';
like($log, qr/\[info\].*\Q$refused\E/, 'a refused start is logged at info');
unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'no alert in the error log');

done_testing();
