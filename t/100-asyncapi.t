# eda_asyncapi: a gateway with publishing, a WebSocket + SSE subscription
# with client publishing and filters, Socket.IO, a saga and eda_jwt
# answers GET with an AsyncAPI 3.0 document that the official parser
# (@asyncapi/parser, t/asyncapi/validate.mjs) accepts without an error,
# with a channel per topic, operations per location, the security
# schemes, and none of the configured secrets (a Redis password,
# sasl.password, the HMAC key); the locations of another server block
# are not in it.

use strict;
use warnings;

use JSON::PP ();
use MIME::Base64 ();
use Test::More;
use EdaTest qw(nginx_start nginx_stop http_get http_post free_port
               repo_root);
use EdaSaga qw(saga_setup);
use EdaJwt qw(jwt_keys slurp);

my $json = JSON::PP->new->canonical;
my $nginx;

END { nginx_stop($nginx) if $nginx }

my $root = repo_root();
my $node = -x '/usr/bin/node' ? '/usr/bin/node' : 'node';

plan skip_all => 'no t/node/node_modules/@asyncapi/parser (./build.sh deps)'
    unless -d "$root/t/node/node_modules/\@asyncapi/parser";

my $S = saga_setup(name => 'asyncapi');
my $P = $S->{prefix};
my $K = jwt_keys();
my $other = free_port();

my $redis_password = "redis-pw-$P";
my $sasl_password = "sasl-pw-$P";

# eda_redis with a password the test Redis does not need: only the
# document is looked at here
(my $http_config = $S->{http_config})
    =~ s/(eda_redis \S+)/$1 password=$redis_password/;

$nginx = nginx_start(name => 'asyncapi', http_config => <<"_EOC_",
$http_config
    eda_kafka_property sasl.username gateway;
    eda_kafka_property sasl.password $sasl_password;

    server {
        listen 127.0.0.1:$other;

        location = /other {
            eda_publish $P-other;
        }

        location = /asyncapi {
            eda_asyncapi;
        }
    }
_EOC_
    config => <<"_EOC_");
        eda_asyncapi_info "Shop gateway" 2.1.0;

        location = /orders {
            eda_publish $P-orders;
            eda_ce_type com.example.order.placed;
            eda_ce_source /shop/\$arg_shop;
            eda_ce_dataschema https://schemas.example.com/order.json;
            eda_kafka_key \$arg_id;
            eda_jwt on;
            eda_jwt_key_file $K/rsa.pub;
            eda_jwt_algorithms RS256;
            eda_jwt_issuer https://id.example.com/;
            eda_jwt_audience shop;
        }

        location /events/ {
            eda_subscribe $P-orders $P-feed;
            eda_subscribe_filter subject eq \$eda_jwt_sub;
            eda_subscribe_filter type prefix com.example.;
            eda_ws_publish $P-chat;
            eda_ce_type com.example.chat;
            eda_jwt on;
            eda_jwt_key_file $K/hmac.key;
            eda_jwt_algorithms HS256;
            eda_jwt_token \$arg_token;
        }

        location /sio/ {
            eda_subscribe $P-feed;
            eda_socketio;
            eda_socketio_namespace /shop;
            eda_ws_publish $P-chat;
            eda_jwt on;
            eda_jwt_key_file $K/hmac.key;
            eda_jwt_algorithms HS256;
        }

        location /v2/orders {
            eda_publish $P-orders;
            eda_ce_mode structured;
            eda_ce_type com.example.\$arg_kind;
            eda_jwt optional;
            eda_jwt_key_file $K/rsa.pub;
            eda_jwt_algorithms RS256 ES256;
            eda_jwt_token \$cookie_session;
            eda_jwt_require_claim role customer;
        }

        location /raw/ {
            eda_subscribe $P-feed;
            eda_ws_format data;
        }

$S->{config}
        location = /asyncapi.json {
            eda_asyncapi;
        }
_EOC_

# --------------------------------------------------------------------------
# the document

my ($st, $body, $h) = http_get($nginx, '/asyncapi.json');
is($st, 200, 'GET: 200');
is($h->{'content-type'}, 'application/json', 'as application/json');
my $doc = eval { $json->decode($body) } || {};

my $file = "$nginx->{root}/asyncapi.json";
open my $fh, '>', $file or die "$file: $!\n";
print $fh $body // '';
close $fh;

my $out = `$node $root/t/asyncapi/validate.mjs $file 2>&1`;
my $v = eval { $json->decode($out) } || {};
ok(defined $v->{parser}, "the parser ran (\@asyncapi/parser "
   . ($v->{parser} // '?') . ')') or diag $out;
is($v->{asyncapi}, '3.0.0', 'it reads an AsyncAPI 3.0.0 document');
is($v->{errors}, 0, 'with no error') or diag $out;
note("validation: $out");

# the validator can fail: the same document without its info
{
    my %broken = %$doc;
    delete $broken{info};
    open my $bh, '>', "$file.broken" or die;
    print $bh $json->encode(\%broken);
    close $bh;
    my $bad = eval { $json->decode(`$node $root/t/asyncapi/validate.mjs $file.broken 2>&1`) } || {};
    ok(($bad->{errors} // 0) > 0, 'a document without info has errors');
}

is($doc->{info}{title}, 'Shop gateway', 'the title of eda_asyncapi_info');
is($doc->{info}{version}, '2.1.0', 'and its version');
is($doc->{servers}{kafka}{protocol}, 'kafka', 'the Kafka server');
like($doc->{servers}{'gateway-http'}{host} // '', qr/^localhost:\d+$/,
     'the gateway, by its server_name and port');

my $ch = $doc->{channels} || {};
my $op = $doc->{operations} || {};

for my $t ((map { "$P-$_" } qw(orders feed chat)),
           (map { $S->{topics}{$_} } sort keys %{ $S->{topics} }))
{
    is($ch->{"kafka-$t"}{bindings}{kafka}{topic}, $t,
       "a channel for the topic $t, with its Kafka binding");
}

my %want = (
    'publish-orders'          => ['receive', 'http-orders'],
    'produce-orders'          => ['send', "kafka-$P-orders"],
    'subscribe-events'        => ['send', 'ws-events'],
    'consume-events.'."$P-feed" => ['receive', "kafka-$P-feed"],
    'client-publish-events'   => ['receive', 'ws-events'],
    'produce-events'          => ['send', "kafka-$P-chat"],
    'subscribe-sio'           => ['send', 'sio-sio'],
    'client-publish-sio'      => ['receive', 'sio-sio'],
    'start-checkout'          => ['receive', 'saga-start-checkout'],
    'saga-checkout.events'    => ['send', "kafka-$S->{topics}{events}"],
);

for my $id (sort keys %want) {
    is(($op->{$id} || {})->{action}, $want{$id}[0], "operation $id: "
       . $want{$id}[0]);
    is((($op->{$id} || {})->{channel} || {})->{'$ref'},
       "#/channels/$want{$id}[1]", "  on $want{$id}[1]");
}

my $ev = $ch->{"kafka-$P-orders"}{messages}{orders}{headers}{properties}
         || {};
is($ev->{ce_type}{const}, 'com.example.order.placed', 'the event type');
is($ev->{ce_source}{pattern}, '^/shop/.*$', 'a source with a variable');
is($ev->{ce_dataschema}{const}, 'https://schemas.example.com/order.json',
   'the data schema');
is($op->{'publish-orders'}{bindings}{http}{method}, 'POST',
   'publishing is a POST');
is_deeply($op->{'subscribe-events'}{'x-eda-filters'},
          ['subject eq $eda_jwt_sub', 'type prefix com.example.'],
          'the subscription names its filters');
is($ch->{'ws-events'}{messages}{event}{payload}{properties}{type}{pattern},
   '^com\\.example\\.', 'a constant filter narrows the event schema');
is($ch->{'sio-sio'}{description} =~ /namespace "\/shop"/ ? 1 : 0, 1,
   'the Socket.IO namespace');

my $sec = ($doc->{components} || {})->{securitySchemes} || {};
my ($bearer) = grep { ($_->{type} // '') eq 'http'
                     && ($_->{'x-eda-algorithms'} || [])->[0] eq 'RS256' }
               values %$sec;
is($bearer && $bearer->{scheme}, 'bearer', 'an HTTP bearer JWT scheme');
is($bearer && $bearer->{'x-eda-issuer'}, 'https://id.example.com/',
   'with its issuer');
my ($query) = grep { ($_->{in} // '') eq 'query' } values %$sec;
is($query && $query->{name}, 'token', 'the token from ?token=');
like($op->{'publish-orders'}{security}[0]{'$ref'} // '',
     qr{^#/components/securitySchemes/}, 'the publish operation is secured');
ok(!exists $op->{'start-checkout'}{security}, 'the saga start is not');

my $v2 = $ch->{"kafka-$P-orders"}{messages}{'v2-orders'} || {};
is($v2->{contentType}, 'application/cloudevents+json',
   'eda_ce_mode structured: the event is the record value');
is($v2->{payload}{properties}{type}{pattern}, '^com\\.example\\..*$',
   'a type with a variable is a pattern');
is($v2->{payload}{properties}{type}{'x-eda-template'},
   'com.example.$arg_kind', 'with its template');
my ($cookie) = grep { ($_->{in} // '') eq 'cookie' } values %$sec;
is($cookie && $cookie->{name}, 'session', 'the token from a cookie');
is_deeply($cookie && $cookie->{'x-eda-required-claims'}, ['role=customer'],
          'the required claims');
like($cookie && $cookie->{description} // '', qr/optional/,
     'eda_jwt optional is said');
is_deeply($cookie && $cookie->{'x-eda-algorithms'}, ['RS256', 'ES256'],
          'both algorithms');
ok(!exists $ch->{'ws-raw'}{messages}{event}{payload}{properties},
   'eda_ws_format data: the data, not an event');
ok(!exists $op->{'subscribe-raw'}{security}, 'a location without eda_jwt '
   . 'has no security');

# nothing secret
my $hmac = slurp("$K/hmac.key");
unlike($body, qr/\Q$redis_password\E/, 'no Redis password');
unlike($body, qr/\Q$sasl_password\E/, 'no sasl.password');
unlike($body, qr/sasl\./, 'no sasl.* property at all');
ok(index($body, $hmac) < 0
   && index($body, MIME::Base64::encode_base64($hmac, '')) < 0,
   'no HMAC key');
unlike($body, qr/BEGIN|rsa\.pub|hmac\.key/, 'no key nor key file');

# the other server's own document, and its locations not in this one
ok(!exists $ch->{"kafka-$P-other"}, "another server's topic is not here");
{
    my $o = { port => $other };
    my ($s2, $b2) = http_get($o, '/asyncapi');
    my $d2 = eval { $json->decode($b2) } || {};
    is($s2, 200, 'the other server has its own document');
    ok(exists $d2->{channels}{"kafka-$P-other"} && !exists
       $d2->{channels}{"kafka-$P-orders"}, 'with its own locations only');
    is($d2->{info}{title}, 'ngx_eda gateway', 'and the default title');
}

($st) = http_post($nginx, '/asyncapi.json', 'x');
is($st, 405, 'POST: 405');

done_testing();
