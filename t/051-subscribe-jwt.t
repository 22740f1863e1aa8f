# A WebSocket opened with a JWT never outlives it: the server closes the
# socket with 1008 "token expired" when exp passes.  Without a valid token
# there is no socket at all.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time);
use EdaTest qw(unique_topic nginx_start nginx_stop);
use EdaJwt qw(jwt_keys jwt_token);
use EdaWs qw(ws_server ws_run);

my $K = jwt_keys();
my $topic = unique_topic('ws-jwt');
my $nginx;

END { nginx_stop($nginx) if $nginx }

$nginx = nginx_start(
    name => 'wsjwt',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
    config => <<"_EOC_",
        location = /ws {
            eda_jwt on;
            eda_jwt_key_file $K/hmac.key;
            eda_jwt_algorithms HS256;
            eda_jwt_token \$arg_access_token;
            eda_subscribe $topic;
            eda_subscribe_filter subject eq \$eda_jwt_sub;
        }
_EOC_
);
ws_server($nginx);

# the client's output, one line per event, and how long it ran
sub run_client {
    my ($query, $timeout) = @_;

    my $t0 = time;
    my @lines = ws_run("/ws?$query", count => 100, timeout => $timeout);
    return (join('', map { "$_\n" } @lines), time - $t0);
}

my $short = jwt_token('HS256', "$K/hmac.key", exp_in => 3,
                      claims => '{"sub":"alice"}');
my ($out, $took) = run_client("access_token=$short", 20);

like($out, qr/^CONNECTED$/m, 'a valid token opens the socket');
like($out, qr/^CLOSE 1008 token expired$/m, 'closed with 1008 at exp');
ok($took > 1.5 && $took < 8, sprintf('when exp passed (%.1f s)', $took));

($out) = run_client('', 5);
like($out, qr/^HTTP 401$/m, 'no token: 401, no socket');

my $expired = jwt_token('HS256', "$K/hmac.key", exp_in => -30);
($out) = run_client("access_token=$expired", 5);
like($out, qr/^HTTP 401$/m, 'an expired token: 401');

done_testing();
