# Redis stopped and started again for real (not paused), with the
# append-only file the stack of ./build.sh runs it with: 50 sagas in
# flight all complete, in order; a start while Redis is down answers 503;
# JWT revocations set before the restart still hold after it; the gateway
# reconnects by itself, with no reload.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(local_kafka nginx_start nginx_stop redis_cmd redis_stop
               redis_start redis_pid http_get wait_until);
use EdaSaga qw(saga_setup saga_participant saga_start saga_wait
               saga_commands saga_warm_up saga_in_flight saga_out_of_order);
use EdaJwt qw(jwt_keys jwt_token);

plan skip_all => 'restarting Redis needs the local stack of ./build.sh'
    unless local_kafka();

my ($nginx, $redis_down);

END {
    redis_start() if $redis_down;
    nginx_stop($nginx) if $nginx;
}

is((split /\n/, redis_cmd('CONFIG', 'GET', 'appendonly'))[1], 'yes',
   'the test Redis keeps an append-only file');

my $K = jwt_keys();
my $S = saga_setup(name => 'sagaredis', timeout => '60s');
my $P = $S->{prefix};

my $config = $S->{config} . <<"_EOC_";
        eda_jwt_key_file $K/jwks.json;
        eda_jwt_algorithms RS256;

        location = /guarded {
            eda_jwt on;
            eda_jwt_revocation on;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /echo {
            return 200 "ok\\n";
        }
_EOC_

$nginx = nginx_start(name => 'sagaredis', http_config => $S->{http_config}
                     . "    eda_jwt_cache shm_size=1m redis=on ttl=60s;\n",
                     config => $config);

like(saga_participant($S) // '', qr/READY/, 'the participant runs');
is(saga_warm_up($nginx->{port}, 'checkout'), 'completed',
   'a first saga goes through');

sub token {
    my ($jti) = @_;
    return jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                     claims => qq({"sub":"$jti","jti":"$jti"}));
}

sub guarded {
    my ($token) = @_;
    return (http_get($nginx, '/guarded', Authorization => "Bearer $token"))[0];
}

sub start {
    my ($res, $body) = saga_start($nginx->{port}, 'checkout', { @_ });
    return ($res->{status}, $body->{id});
}

# revoked before the restart, none of them seen by the gateway yet, so
# only Redis can say so afterwards
my @revoked = map { "revoked-$$-$_" } 1 .. 3;
redis_cmd('SET', "$P:revoked:$_", '1', 'EX', 600) for @revoked;
my $valid = "valid-$$";

# 50 sagas, each reply a little late, so that Redis stops with most of
# them between two steps
my @ids = map { (start(n => $_, delay_ms => 20))[1] } 1 .. 50;
is(scalar(grep { defined && /^[0-9a-f-]{36}\z/ } @ids), 50, '50 sagas start');
ok(wait_until(sub { saga_in_flight($S, @ids) }, 30),
   'the participant has commands of these sagas');

redis_stop();
$redis_down = 1;

my $finished = grep {
    my $id = $_;
    grep { $_->{step} eq 'confirm-shipment' } saga_commands($S, $id)
} @ids;
ok($finished < 50, "Redis stopped with sagas in flight ($finished of 50 "
   . 'had their last command)');

my ($status) = start(n => 'down');
is($status, 503, 'Redis down: a start answers 503, nothing started');

redis_start();
$redis_down = 0;

my $all = saga_wait($nginx->{port}, 'checkout', \@ids, 180);
my @done = grep { ($all->{$_}{status} // '') eq 'completed' } @ids;
is(scalar(@done), 50, 'Redis back: all 50 sagas complete by themselves')
    or diag join ', ', map { "$_: " . ($all->{$_}{status} // 'none') }
                       grep { ($all->{$_}{status} // '') ne 'completed' }
                       @ids;

is(saga_out_of_order($S, @ids), 0, 'no step skipped or out of order');

# revocations survived in Redis and are what the gateway answers
is(scalar(grep { redis_cmd('EXISTS', "$P:revoked:$_") eq '1' } @revoked), 3,
   'the revocations are still in Redis after its restart');
is(scalar(grep { guarded(token($_)) == 401 } @revoked), 3,
   'tokens revoked before the restart are refused');
is(guarded(token($valid)), 200, 'a valid token passes');

# reconnected: new sagas start and run, a new revocation counts
my @after;
ok(wait_until(sub {
       my ($st, $id) = start(n => 'after');
       push @after, $id if $st == 202;
       return $st == 202;
   }, 30), 'a start is accepted again');
push @after, map { (start(n => "after-$_"))[1] } 1 .. 4;
$all = saga_wait($nginx->{port}, 'checkout', \@after, 60);
is(scalar(grep { ($all->{$_}{status} // '') eq 'completed' } @after), 5,
   'and new sagas complete');

my $late = "late-$$";
redis_cmd('SET', "$P:revoked:$late", '1', 'EX', 600);
is(guarded(token($late)), 401, 'a token revoked after the restart is refused');

unlink $S->{defs}, $S->{log};

done_testing();
