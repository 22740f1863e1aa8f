# The JWT cache across workers and gateways, against the real Redis: L1 in
# shared memory, L2 in Redis for the expensive algorithms, revocation seen
# by every gateway within the L1 lifetime, and correct answers while Redis
# hangs.  Two nginx instances share one Redis, as two gateways would.

use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(redis_cmd redis_host redis_port redis_pid nginx_start
               nginx_stop http_get local_kafka redis_stop redis_start
               wait_until);
use EdaJwt qw(jwt_keys jwt_token);

my $K = jwt_keys();
my $prefix = "eda-test-$$:";
my ($a, $b);

END {
    my $pid = redis_pid();
    kill 'CONT', $pid if $pid;
    redis_start() if local_kafka() && !redis_pid_alive();
    nginx_stop($a) if $a;
    nginx_stop($b) if $b;
}

my $http = sprintf <<'_EOC_', redis_host(), redis_port(), $prefix;
    eda_redis %s:%s timeout=200ms prefix=%s;
    eda_jwt_cache shm_size=1m redis=on ttl=2s;
_EOC_

my $config = <<"_EOC_";
        location = /t {
            eda_jwt on;
            eda_jwt_revocation on;
            eda_jwt_key_file $K/jwks.json;
            eda_jwt_algorithms RS256 ES256;
            proxy_set_header X-Sub \$eda_jwt_sub;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /echo {
            return 200 "\$http_x_sub\\n";
        }
_EOC_

$a = nginx_start(name => 'a', http_config => $http, config => $config,
                 log_level => 'debug');
$b = nginx_start(name => 'b', http_config => $http, config => $config,
                 log_level => 'debug');

sub redis_pid_alive {
    my $pid = redis_pid();
    return $pid && kill 0, $pid;
}

sub get {
    my ($n, $token) = @_;
    my ($s, $body, $h) = http_get($n, '/t',
                                  Authorization => "Bearer $token");
    return ($s, $body, $h);
}

sub log_count {
    my ($n, $re) = @_;
    open my $fh, '<', $n->{log} or die;
    my $c = 0;
    while (<$fh>) { $c++ if $_ =~ $re }
    return $c;
}

# L1: the second request of a token does not verify again

my $rs = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                   claims => '{"sub":"l1","jti":"l1-' . $$ . '"}');
is((get($a, $rs))[0], 200, 'RS256 accepted');
is((get($a, $rs))[0], 200, 'and again');
is(log_count($a, qr/eda jwt: verifying/), 1, 'verified once');
is(log_count($a, qr/eda jwt: L1 hit/), 1, 'then an L1 hit');
is(redis_cmd('EXISTS', $prefix . 'jwt:' . sha256_hex($rs)), '0',
   'RS256 is cheaper to verify than to fetch: not in Redis');

# L2: an ES256 token verified by A is not verified again by B

my $es = jwt_token('ES256', "$K/ec256.pem", kid => 'e1',
                   claims => '{"sub":"l2","jti":"l2-' . $$ . '"}');
my ($s, $body) = get($a, $es);
is($s, 200, 'ES256 accepted by A');
is($body, "l2\n", 'with its claims');

my $key = $prefix . 'jwt:' . sha256_hex($es);
my $entry;
wait_until(sub { ($entry = redis_cmd('GET', $key)) ne '' }, 5);
like($entry, qr/"claims":\{.*"sub":"l2"/, 'A shared the claims in Redis');
unlike($entry, qr/\Q$es\E/, 'under the digest, never the token');
my $ttl = redis_cmd('TTL', $key);
ok($ttl > 0 && $ttl <= 2, "the entry expires with the L1 lifetime ($ttl s)");

($s, $body) = get($b, $es);
is($s, 200, 'B accepts it');
is($body, "l2\n", 'with the same claims');
is(log_count($b, qr/eda jwt: L2 hit/), 1, 'from Redis');
is(log_count($b, qr/eda jwt: verifying/), 0, 'without verifying');

# Revocation: every gateway refuses a revoked jti within the L1 lifetime

my $jti = "rev-$$";
my $tok = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                    claims => qq({"sub":"rev","jti":"$jti"}));
is((get($a, $tok))[0], 200, 'A accepts the token');
is((get($b, $tok))[0], 200, 'B accepts the token');

redis_cmd('SET', $prefix . "revoked:$jti", '1', 'EX', 600);
# what is tested is the L1 lifetime (ttl=2s): the entries that still
# say valid are left to expire, a fixed wait on purpose
sleep 2.5;

my ($sa, undef, $ha) = get($a, $tok);
my ($sb) = get($b, $tok);
is($sa, 401, 'A refuses it once its L1 entry expired');
is($sb, 401, 'so does B');
like($ha->{'www-authenticate'}, qr/error="invalid_token"/, 'invalid_token');

my $pre = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                    claims => qq({"sub":"pre","jti":"pre-$$"}));
redis_cmd('SET', $prefix . "revoked:pre-$$", '1', 'EX', 600);
is((get($a, $pre))[0], 401, 'a token revoked before its first use: 401');

# Redis hangs: tokens are still judged correctly, within the timeout

my $bad = jwt_token('RS256', "$K/rsa2.pem", kid => 'k1');

SKIP: {
    my $pid = redis_pid();
    skip 'pausing Redis needs the local stack of ./build.sh', 5
        unless $pid;

    kill 'STOP', $pid;

    my $fresh = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                          claims => qq({"sub":"fresh","jti":"fresh-$$"}));
    my $t0 = time;
    ($s, $body) = get($a, $fresh);
    my $took = time - $t0;
    is($s, 200, 'Redis hung: a valid token is accepted');
    ok($took < 1.5,
       sprintf('without waiting past the timeout (%.2f s)', $took));

    is((get($a, $bad))[0], 401, 'Redis hung: a forged token is refused');

    my $es2 = jwt_token('ES256', "$K/ec256.pem", kid => 'e1',
                        claims => qq({"sub":"es2","jti":"es2-$$"}));
    is((get($b, $es2))[0], 200, 'Redis hung: ES256 verified locally');

    kill 'CONT', $pid;

    my $warned = log_count($a, qr/Redis .* unavailable/);
    ok($warned >= 1 && $warned <= 3,
       "the degradation is logged, not per request ($warned)");
}

# Redis is back: revocation works again without a reload

my $late = "late-$$";
my $tl = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                   claims => qq({"sub":"late","jti":"$late"}));
redis_cmd('SET', $prefix . "revoked:$late", '1', 'EX', 600);
my $ok = 0;
for (1 .. 40) {
    my ($st) = get($a, $tl);
    if ($st == 401) { $ok = 1; last }
    sleep 0.25;
}
ok($ok, 'after Redis returns, revocation is enforced again');

# Redis stopped and started again: the gateways reconnect by themselves

SKIP: {
    skip 'stopping Redis needs the local stack of ./build.sh', 4
        unless local_kafka();

    redis_stop();

    my $gone = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                         claims => qq({"sub":"gone","jti":"gone-$$"}));
    is((get($b, $gone))[0], 200, 'Redis stopped: a valid token passes');
    is((get($b, $bad))[0], 401, 'Redis stopped: a forged token does not');

    redis_start();

    my $back = "back-$$";
    my $tb = jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                       claims => qq({"sub":"back","jti":"$back"}));
    redis_cmd('SET', $prefix . "revoked:$back", '1', 'EX', 600);

    my $refused = 0;
    for (1 .. 60) {
        my ($st) = get($b, $tb);
        if ($st == 401) { $refused = 1; last }
        sleep 0.25;
    }
    ok($refused, 'Redis restarted: the gateway reconnected, revocation works');
    ok(log_count($b, qr/connected to Redis/) >= 2, 'and logged it');
}

for my $n ($a, $b) {
    # multi-line entries (nginx's header dumps) belong to their first line
    open my $fh, '<', $n->{log} or die;
    my ($level, $leak) = ('', 0);
    while (my $line = <$fh>) {
        $level = $1 if $line =~ m{^\d{4}/\d\d/\d\d \S+ \[(\w+)\]};
        $leak++ if $level ne 'debug' && $line =~ /\Q$rs\E|\Q$es\E|\Q$tok\E/;
    }
    is($leak, 0, 'no token in the log above debug level');
}

redis_cmd('DEL', map { $prefix . $_ } "revoked:$jti", "revoked:pre-$$",
          "revoked:$late");

done_testing();
