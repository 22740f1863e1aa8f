# eda_jwt: tokens made by other implementations (OpenSSL keys, PyJWT
# tokens) are accepted exactly when the configuration says so.
#
# Most cases share one location shape, so a block names only what differs
# (the preprocessor below writes the location):
#
#   --- jwt                     key file (in the test keys) and algorithms,
#   hmac.key HS256              then any further directive of the location
#   eda_jwt_leeway 60s;
#   --- jwt_mode: optional      "eda_jwt on" unless given
#   --- out: $eda_jwt_sub       what the location passes on ("in" unless
#                               given), answered by /echo
#   --- token eval              a token, or a list of them: one GET /t
#                               each, "" for none ("--- config" lines go
#                               before the location, at server level)
#
# Every block that starts nginx logs no [error], [alert], [emerg] or
# [crit] unless it names its own no_error_log.

use Test::Nginx::Socket 'no_plan';
use EdaJwt qw(jwt_keys jwt_token jwt_raw slurp);

our $K = jwt_keys();
$ENV{TEST_NGINX_JWT_KEYS} = $K;

our $rs = EdaJwt::jwt_token('RS256', "$K/rsa.pem",
                    claims => '{"sub":"alice","scope":"orders","roles":["a","b"],"n":7}');
our $future = time() + 300;

repeat_each(1);
no_shuffle();
no_long_string();

sub jwt_location {
    my ($block) = @_;

    my ($keys, @extra) = grep { /\S/ } split /\n/, $block->jwt;
    my ($file, @algs) = split ' ', $keys;
    my $mode = $block->jwt_mode // 'on';
    my $loc = "    location = /t {\n"
              . "        eda_jwt $mode;\n"
              . "        eda_jwt_key_file \$TEST_NGINX_JWT_KEYS/$file;\n";
    $loc .= "        eda_jwt_algorithms @algs;\n" if @algs;
    for my $d (@extra) {
        $d =~ s/^\s*//;
        $loc .= "        $d\n";
    }

    if (!defined $block->must_die) {
        my $out = $block->out // 'in';
        $loc .= "        proxy_set_header X-Out \"$out\";\n"
                . "        proxy_pass http://127.0.0.1:\$server_port/echo;\n";
    }

    return ($block->config // '') . $loc . "    }\n";
}

sub bearer { $_[0] eq '' ? '' : "Authorization: Bearer $_[0]" }

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('config', jwt_location($block))
        if defined $block->jwt;

    my $tokens = $block->token;
    if (ref $tokens eq 'ARRAY') {
        $block->set_value('more_headers', [map { bearer($_) } @$tokens]);
        $block->set_value('pipelined_requests', [('GET /t') x @$tokens])
            unless defined $block->pipelined_requests;
    } elsif (defined $tokens) {
        $block->set_value('more_headers', bearer($tokens));
    }

    if (!defined $block->request && !defined $block->pipelined_requests
        && !defined $block->must_die)
    {
        $block->set_value('request', 'GET /t');
    }

    # the locations under test pass their claims to this backend, which
    # answers with them: a content handler, so the access phase runs
    if (defined $block->config && !defined $block->must_die) {
        $block->set_value('config', $block->config . <<'_EOC_');
    location = /echo {
        return 200 "$http_x_out\n";
    }
_EOC_
    }

    if (defined $block->must_die) {
        $block->set_value('suppress_stderr', 1);
    } elsif (!defined $block->no_error_log) {
        $block->set_value('no_error_log',
                          "[error]\n[alert]\n[emerg]\n[crit]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: RS256 token, claims in variables
--- jwt
rsa.pub RS256
--- out: $eda_jwt_sub $eda_jwt_claim_scope $eda_jwt_claim_roles $eda_jwt_claim_n [$eda_jwt_claim_absent]
--- token eval
$::rs
--- error_code: 200
--- response_body
alice orders a,b 7 []
--- no_error_log
[error]
[warn]
[alert]
[emerg]
[crit]



=== TEST 2: HS256 with a secret file
--- jwt
hmac.key HS256
--- out: $eda_jwt_sub
--- token eval
EdaJwt::jwt_token('HS256', "$::K/hmac.key", claims => '{"sub":"hs"}')
--- error_code: 200
--- response_body
hs



=== TEST 3: ES256 (R||S signature from another library)
--- jwt
ec256.pub ES256
--- out: $eda_jwt_sub
--- token eval
EdaJwt::jwt_token('ES256', "$::K/ec256.pem", claims => '{"sub":"es"}')
--- error_code: 200
--- response_body
es



=== TEST 4: no token: 401 with a bare Bearer challenge
--- jwt
rsa.pub RS256
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer
Content-Type: application/problem+json
--- response_body_like chomp
"status":401,"detail":"a bearer token is required"



=== TEST 5: an expired token
--- jwt
rsa.pub RS256
--- token eval
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", exp_in => -60)
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer error="invalid_token", error_description="[^"]+"



=== TEST 6: leeway accepts a token that expired a moment ago
--- jwt
rsa.pub RS256
eda_jwt_leeway 60s;
--- token eval
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", exp_in => -10)
--- error_code: 200



=== TEST 7: alg none is refused
--- jwt
rsa.pub RS256
--- token eval
EdaJwt::jwt_raw('{"alg":"none","typ":"JWT"}', qq({"sub":"mallory","exp":$::future}))
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer error="invalid_token", error_description="algorithm not allowed"



=== TEST 8: an algorithm outside the allow-list
--- jwt
rsa.pub RS256
--- token eval
EdaJwt::jwt_token('RS512', "$::K/rsa.pem")
--- error_code: 401



=== TEST 9: HS256 keyed with the RSA public key's bytes (the known trap)
--- jwt
rsa.pub RS256 HS256
--- token eval
EdaJwt::jwt_raw('{"alg":"HS256","typ":"JWT"}', qq({"sub":"mallory","exp":$::future}), EdaJwt::slurp("$::K/rsa.pub"))
--- error_code: 401
--- response_body_unlike
in



=== TEST 10: JWKS, keys chosen by kid
--- jwt
jwks.json RS256 ES256
--- out: $eda_jwt_sub
--- token eval
[
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", kid => 'k1', claims => '{"sub":"one"}'),
EdaJwt::jwt_token('RS256', "$::K/rsa2.pem", kid => 'k2', claims => '{"sub":"two"}'),
EdaJwt::jwt_token('RS256', "$::K/rsa2.pem", kid => 'k1', claims => '{"sub":"swapped"}'),
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", kid => 'nope', claims => '{"sub":"unknown"}'),
]
--- error_code eval
[200, 200, 401, 401]
--- response_body_like eval
["one", "two", "invalid_token|status", "status"]



=== TEST 11: a crit header is refused
--- jwt
hmac.key HS256
--- token eval
EdaJwt::jwt_token('HS256', "$::K/hmac.key", header => '{"crit":["exp"]}')
--- error_code: 401



=== TEST 12: malformed tokens
--- config
    large_client_header_buffers 4 16k;
--- jwt
hmac.key HS256
--- token eval
["abc", "a.b.c", "e30.e30.@@@", "x" x 9000]
--- error_code eval
[401, 401, 401, 401]



=== TEST 13: issuer and audience
--- jwt
rsa.pub RS256
eda_jwt_issuer https://id.example.com/;
eda_jwt_audience orders-api;
--- token eval
[
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", claims => '{"iss":"https://id.example.com/","aud":"orders-api"}'),
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", claims => '{"iss":"https://id.example.com/","aud":["x","orders-api"]}'),
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", claims => '{"iss":"https://evil.example.com/","aud":"orders-api"}'),
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", claims => '{"iss":"https://id.example.com/","aud":"billing"}'),
]
--- error_code eval
[200, 200, 401, 401]



=== TEST 14: a required claim missing is 403
--- jwt
rsa.pub RS256
eda_jwt_require_claim scope orders;
--- token eval
[
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", claims => '{"scope":"orders"}'),
EdaJwt::jwt_token('RS256', "$::K/rsa.pem", claims => '{"scope":"billing"}'),
]
--- error_code eval
[200, 403]
--- response_headers_like eval
["", 'WWW-Authenticate: Bearer error="insufficient_scope", error_description=".+"']



=== TEST 15: the token in a cookie or a query argument (browsers, WebSocket)
--- config
    location = /c {
        eda_jwt on;
        eda_jwt_key_file $TEST_NGINX_JWT_KEYS/rsa.pub;
        eda_jwt_algorithms RS256;
        eda_jwt_token $cookie_token;
        proxy_set_header X-Out "cookie $eda_jwt_sub";
        proxy_pass http://127.0.0.1:$server_port/echo;
    }
    location = /q {
        eda_jwt on;
        eda_jwt_key_file $TEST_NGINX_JWT_KEYS/rsa.pub;
        eda_jwt_algorithms RS256;
        eda_jwt_token $arg_access_token;
        proxy_set_header X-Out "query $eda_jwt_sub";
        proxy_pass http://127.0.0.1:$server_port/echo;
    }
--- pipelined_requests eval
["GET /c", "GET /q?access_token=$::rs"]
--- more_headers eval
["Cookie: token=$::rs", ""]
--- error_code eval
[200, 200]
--- response_body eval
["cookie alice\n", "query alice\n"]



=== TEST 16: optional: no token passes without claims, a bad one does not
--- jwt
rsa.pub RS256
--- jwt_mode: optional
--- out: [$eda_jwt_sub]
--- token eval
["", "abc.def.ghi"]
--- error_code eval
[200, 401]
--- response_body_like eval
["\\[\\]", "status"]



=== TEST 17: the same token twice on one connection
--- jwt
rsa.pub RS256
--- out: $eda_jwt_sub
--- token eval
[$::rs, $::rs]
--- error_code eval
[200, 200]
--- response_body eval
["alice\n", "alice\n"]



=== TEST 18: no token appears in the logs (above debug level)
--- log_level: info
--- jwt
rsa.pub RS256
--- token eval
[$::rs, EdaJwt::jwt_token('RS256', "$::K/rsa.pem", exp_in => -60)]
--- error_code eval
[200, 401]
--- no_error_log eval
[substr($::rs, -40), '[error]', '[alert]', '[emerg]', '[crit]']



=== TEST 19: config errors
--- jwt
rsa.pub
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_jwt" requires "eda_jwt_algorithms"/



=== TEST 20: alg none in the allow-list
--- jwt
rsa.pub RS256 none
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid algorithm "none" in "eda_jwt_algorithms".*"none" is never accepted/



=== TEST 21: no key for the allowed algorithms
--- jwt
rsa.pub ES256
--- must_die
--- error_log eval
qr/\[emerg\] .*no key in ".*rsa.pub" verifies any algorithm of "eda_jwt_algorithms"/



=== TEST 22: a private key as key file
--- jwt
rsa.pem RS256
--- must_die
--- error_log eval
qr/\[emerg\] .*"eda_jwt_key_file" ".*rsa.pem": /



=== TEST 23: revocation without eda_redis
--- jwt
rsa.pub RS256
eda_jwt_revocation on;
--- must_die
--- error_log eval
qr/\[emerg\] .*require "eda_redis"/
