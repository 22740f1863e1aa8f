# The Kubernetes side: the Helm chart deploy/helm/ngx-eda and the manifests
# of deploy/examples, checked by a real API server.
#
# helm lint and helm template with the default values and with
# ci/full-values.yaml (every option); then every rendered object and every
# example goes through kubectl apply --dry-run=server --validate=strict
# against a private kube-apiserver (t/deploy/apiserver.sh: etcd and
# kube-apiserver on loopback, RBAC on, the CRDs of the Gateway API, the
# Prometheus Operator's ServiceMonitor and t/deploy/crds), which runs the
# same defaulting, validation, admission and unknown-field checks as a
# cluster, without running anything. Then the snippets themselves: the
# chart's ConfigMap and every example's location snippet, laid out as the
# controllers lay them out, pass nginx -t with the built module. Negative
# checks: a misspelt field in an Ingress and in a VirtualServer, a
# SnippetsFilter with an unknown context, a chart without Kafka brokers and
# a snippet with an unknown directive are refused.
#
# The tools come from t/deploy/tools.sh, which ./build.sh deps runs; the
# file is skipped only when they are missing and cannot be built.

use strict;
use warnings;

use File::Basename qw(basename);
use File::Find ();
use File::Path ();
use File::Temp ();
use IPC::Run ();
use JSON::PP ();
use Test::More;
use Time::HiRes ();
use EdaTest qw(repo_root free_port);

my $t0 = Time::HiRes::time();
my $root = repo_root();
my $chart = "$root/deploy/helm/ngx-eda";
my $examples = "$root/deploy/examples";
my $helm;

# run(CMD...): (exit status, stdout and stderr together)
sub run {
    my @cmd = @_;
    my $out = '';

    IPC::Run::run(\@cmd, '<', \undef, '>&', \$out);
    return ($? >> 8, $out);
}

# render(ARGS...): helm template's (exit status, manifests, what it said
# besides: warnings go to stderr)
sub render {
    my @cmd = ($helm, 'template', 'gw', $chart, @_);
    my ($out, $err) = ('', '');

    IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err);
    return ($? >> 8, $out, $err);
}

my ($rc, $out) = run("$root/t/deploy/tools.sh", 'install');
if ($rc != 0) {
    plan skip_all => "deploy tools missing and not buildable: $out";
}
my %tool = $out =~ /^([A-Z_]+)=(.*)$/mg;

my $work = File::Temp::tempdir('eda-deploy-XXXXXX', TMPDIR => 1,
                               CLEANUP => 1);
my $api = "$work/api";

END {
    system("$root/t/deploy/apiserver.sh", 'stop', $api) if $api && -d $api;
}

{
    local @ENV{keys %tool} = values %tool;
    ($rc, $out) = run("$root/t/deploy/apiserver.sh", 'start', $api);
}
is($rc, 0, 'the private kube-apiserver starts and takes the CRDs')
    or BAIL_OUT("no API server: $out");
my $started = Time::HiRes::time();

my @kubectl = ($tool{KUBECTL}, '--kubeconfig', "$api/kubeconfig");
$helm = $tool{HELM};
# helm keeps nothing of ours outside the test's directory
local $ENV{HELM_CACHE_HOME} = "$work/helm/cache";
local $ENV{HELM_CONFIG_HOME} = "$work/helm/config";
local $ENV{HELM_DATA_HOME} = "$work/helm/data";

sub dry_run {
    my ($ns, $file) = @_;

    return run(@kubectl, 'apply', '--dry-run=server', '--validate=strict',
               '-n', $ns, '-f', $file);
}

sub write_file {
    my ($path, $text) = @_;

    open my $fh, '>', $path or die "$path: $!\n";
    print $fh $text;
    close $fh;
}

sub read_file {
    my ($path) = @_;

    open my $fh, '<', $path or die "$path: $!\n";
    local $/;
    return <$fh>;
}

# the objects of a manifest file, as the API server's client reads them
sub objects {
    my ($file) = @_;

    my ($rc, $out) = run(@kubectl, 'create', '--dry-run=client', '-o', 'json',
                         '-f', $file);
    die "kubectl cannot read $file: $out\n" if $rc != 0;
    # one JSON document per object, one after the other
    my @docs = JSON::PP->new->incr_parse($out);
    return map { $_->{kind} eq 'List' ? @{ $_->{items} } : $_ } @docs;
}

# the chart with its default values, then with each file of its ci/
my @cases = (['default', 'eda', []]);
for my $f (sort glob "$chart/ci/*-values.yaml") {
    (my $name = basename($f)) =~ s/-values\.yaml\z//;
    push @cases, [$name, "eda-$name", ['-f', $f]];
}
ok(@cases >= 4, 'default values and ' . (@cases - 1) . ' ci/ files');

for my $ns (map({ $_->[1] } @cases), 'shop') {
    ($rc, $out) = run(@kubectl, 'create', 'namespace', $ns);
    is($rc, 0, "namespace $ns") or diag($out);
}


# --- the chart ------------------------------------------------------------

my %rendered;
for my $case (@cases) {
    my ($name, $ns, $values) = @$case;

    ($rc, $out) = run($helm, 'lint', '--strict', $chart, @$values);
    is($rc, 0, "helm lint --strict, $name values") or diag($out);

    my $err;
    ($rc, $out, $err) = render('-n', $ns, @$values);
    is($rc, 0, "helm template, $name values") or diag($err);
    write_file("$work/chart-$name.yaml", $out);
    $rendered{$name} = $out;

    ($rc, $out) = dry_run($ns, "$work/chart-$name.yaml");
    is($rc, 0, "the chart's objects ($name values) pass the API server's"
       . " strict validation") or diag($out);
}

{
    my %kinds = map { ("$_->{kind}/$_->{metadata}{name}" => $_) }
                objects("$work/chart-full.yaml");
    ok($kinds{"ServiceMonitor/edge"}, 'full values: a ServiceMonitor');
    ok($kinds{"ConfigMap/edge-sagas"}, 'full values: the sagas ConfigMap');
    my $cm = $kinds{'ConfigMap/edge'}{data};
    like($cm->{'main-snippets'},
         qr{\Aload_module /usr/lib/nginx/modules/ngx_eda_module\.so;\n},
         'main-snippets loads the module first');
    like($cm->{'http-snippets'},
         qr{eda_saga_definitions /etc/nginx/eda/sagas\.json work_dir=\S+ group=shop-sagas;},
         'http-snippets loads the mounted saga definitions');
    my $c = $kinds{'Deployment/edge'}{spec}{template}{spec}{containers}[0];
    my %args = map { $_ => 1 } @{ $c->{args} };
    ok($args{$_}, "controller argument $_")
        for '-enable-snippets', '-ingress-class=eda-full',
            '-nginx-configmaps=$(POD_NAMESPACE)/edge',
            '-enable-custom-resources=true';
    is($c->{image}, 'registry.example.com/nginx-ingress-eda:5.5.4-eda1',
       'image from image.repository and image.tag');

    my %def = map { ("$_->{kind}/$_->{metadata}{name}" => $_) }
              objects("$work/chart-default.yaml");
    ok(!$def{"ServiceMonitor/gw-ngx-eda"}, 'default: no ServiceMonitor');
    is($def{'Service/gw-ngx-eda'}{spec}{type}, 'LoadBalancer',
       'default: a LoadBalancer Service');

    my %min = map { ("$_->{kind}/$_->{metadata}{name}" => $_) }
              objects("$work/chart-minimal.yaml");
    is(join(' ', sort keys %min),
       'ConfigMap/gw-ngx-eda Deployment/gw-ngx-eda Service/gw-ngx-eda',
       'minimal values: only the controller, its ConfigMap and Service');
    unlike($min{'ConfigMap/gw-ngx-eda'}{data}{'http-snippets'}, qr/eda_redis/,
           'minimal values: no eda_redis');

    my %lb = map { ("$_->{kind}/$_->{metadata}{name}" => $_) }
             objects("$work/chart-loadbalancer.yaml");
    my $sagas = JSON::PP->new->decode(
        $lb{'ConfigMap/gw-ngx-eda-sagas'}{data}{'sagas.json'});
    is($sagas->{sagas}{checkout}{steps}[0]{timeout}, '5s',
       'saga definitions given as YAML become JSON');
}

($rc, undef, $out) = render('--set', 'eda.kafka.brokers=');
isnt($rc, 0, 'the chart refuses to render without Kafka brokers');
like($out, qr/eda\.kafka\.brokers is required/, '... and says why');


# --- the examples ---------------------------------------------------------

my @examples;
File::Find::find(sub { push @examples, $File::Find::name if /\.yaml\z/ },
                 $examples);
@examples = sort @examples;
ok(@examples >= 10, scalar(@examples) . ' example files');

for my $file (@examples) {
    (my $name = $file) =~ s{^\Q$examples\E/}{};
    ($rc, $out) = dry_run('shop', $file);
    is($rc, 0, "example $name passes the API server's strict validation")
        or diag($out);
}

# the validation bites: a misspelt field, an unknown enum value
sub must_fail {
    my ($what, $from, $edit, $expect) = @_;

    my $text = read_file($from);
    my $bad = $edit->($text);
    isnt($bad, $text, "$what: the copy differs");
    my $path = "$work/bad-" . basename($from);
    write_file($path, $bad);
    my ($rc, $out) = dry_run('shop', $path);
    isnt($rc, 0, "$what is refused");
    like($out, $expect, "... with the API server's reason") or diag($out);
}

must_fail('an Ingress with "pathTyp"', "$examples/ingress/publish.yaml",
          sub { $_[0] =~ s/pathType:/pathTyp:/r },
          qr/strict decoding error: unknown field "spec\.rules\[0\]\.http\.paths\[0\]\.pathTyp"/);
must_fail('a VirtualServer with "location-snippet"',
          "$examples/virtualserver.yaml",
          sub { $_[0] =~ s/location-snippets:/location-snippet:/r },
          qr/unknown field "spec\.routes\[0\]\.location-snippet"/);
must_fail('a SnippetsFilter of context "location"',
          "$examples/gateway-fabric/snippetsfilters.yaml",
          sub { $_[0] =~ s/context: http\.server\.location/context: location/r },
          qr/Unsupported value: "location"/);


# --- the snippets, through nginx -t with the module -------------------------

# The chart's ConfigMap and the examples' snippets where the controllers
# put them: main-snippets in the main context, http-snippets in http,
# server-snippets in the server, a route's snippet in its location.
# Addresses are the test's own (the module reads nothing at nginx -t).
SKIP: {
    my $bin = $ENV{TEST_NGINX_BINARY} || 'nginx';
    my $module = $ENV{TEST_NGINX_LOAD_MODULES};
    skip 'no built module (run through ./build.sh test)', 4
        unless $module && -f $module;

    my $metrics_port = free_port();
    my $err;
    ($rc, $out, $err) = render('-n', 'eda-full',
                      '-f', "$chart/ci/full-values.yaml",
                      '--set', "eda.modulePath=$module",
                      '--set', 'eda.kafka.brokers=127.0.0.1:9092',
                      '--set', 'eda.redis.address=127.0.0.1:6379',
                      '--set', "eda.sagas.mountPath=$work/sagas",
                      '--set', "eda.sagas.workDir=$work/saga_temp",
                      '--set', "eda.metrics.port=$metrics_port",
                      '--set', 'eda.metrics.allow={127.0.0.1}');
    is($rc, 0, 'helm template for nginx -t') or diag($err);
    write_file("$work/chart-t.yaml", $out);
    my %obj = map { ("$_->{kind}/$_->{metadata}{name}" => $_) }
              objects("$work/chart-t.yaml");
    my $cm = $obj{'ConfigMap/edge'}{data};
    File::Path::make_path("$work/sagas", "$work/nginx/logs");
    write_file("$work/sagas/sagas.json",
               $obj{'ConfigMap/edge-sagas'}{data}{'sagas.json'});

    # location LOC { SNIPPET } lines, indented for a server block
    my $location = sub {
        my ($loc, $snippet) = @_;
        my $body = join '', map { "            $_\n" } split /\n/, $snippet;
        return "        location $loc {\n$body        }\n";
    };
    my $server = sub {
        my ($snippets, @locations) = @_;
        my $lines = join '', map { "        $_\n" }
                    split /\n/, ($snippets || '');
        return "    server {\n        listen 127.0.0.1:" . free_port()
               . ";\n$lines" . join('', @locations) . "    }\n";
    };

    # the Ingresses: the master's server snippets (which replace the
    # ConfigMap's), one location per minion's path
    my ($master_snippets, @ingress, %seen);
    for my $file (grep { m{/ingress/} } @examples) {
        for my $o (objects($file)) {
            my $a = $o->{metadata}{annotations} || {};
            $master_snippets = $a->{'nginx.org/server-snippets'}
                if ($a->{'nginx.org/mergeable-ingress-type'} || '') eq 'master';
            my $snippet = $a->{'nginx.org/location-snippets'} or next;
            for my $p (@{ $o->{spec}{rules}[0]{http}{paths} || [] }) {
                my $loc = ($p->{pathType} eq 'Exact' ? '= ' : '')
                          . $p->{path};
                $seen{$loc}++;
                push @ingress, $location->($loc, $snippet);
            }
        }
    }
    ok(keys(%seen) >= 5, 'every Ingress route laid out: '
       . join(' ', sort keys %seen));

    # the VirtualServer, a server of its own
    my ($vs) = objects("$examples/virtualserver.yaml");
    my @vs = map { $location->($_->{path}, $_->{'location-snippets'}) }
             @{ $vs->{spec}{routes} };

    # Gateway Fabric: its SnippetsPolicy's http snippet stands in for the
    # chart's, so only its location snippets are laid out, with the
    # ConfigMap's server and location snippets in the same server
    my @ngf = map { $location->("/ngf/$_->{metadata}{name}",
                                $_->{spec}{snippets}[0]{value}) }
              objects("$examples/gateway-fabric/snippetsfilters.yaml");
    push @ngf, $location->('/configmap', $cm->{'location-snippets'} || '');

    my $http = join '', map { "    $_\n" } split /\n/, $cm->{'http-snippets'};
    my $conf = sub {
        my ($extra) = @_;
        return <<"_EOC_"
$cm->{'main-snippets'}
error_log stderr notice;
pid $work/nginx/nginx.pid;
events {}
http {
    client_body_temp_path $work/nginx/client_body_temp;
    proxy_temp_path $work/nginx/proxy_temp;
    fastcgi_temp_path $work/nginx/fastcgi_temp;
    uwsgi_temp_path $work/nginx/uwsgi_temp;
    scgi_temp_path $work/nginx/scgi_temp;
$http
_EOC_
            . $server->($master_snippets, @ingress)
            . $server->($vs->{spec}{'server-snippets'}, @vs)
            . $server->($cm->{'server-snippets'}, @ngf, $extra)
            . "}\n";
    };

    write_file("$work/nginx/nginx.conf", $conf->(''));
    ($rc, $out) = run($bin, '-t', '-p', "$work/nginx/", '-c',
                      "$work/nginx/nginx.conf");
    is($rc, 0, "nginx -t takes the chart's snippets and every example's")
        or diag($out . read_file("$work/nginx/nginx.conf"));

    write_file("$work/nginx/nginx.conf",
               $conf->($location->('/typo', 'eda_publsh orders;')));
    ($rc, $out) = run($bin, '-t', '-p', "$work/nginx/", '-c',
                      "$work/nginx/nginx.conf");
    like($out, qr/unknown directive "eda_publsh"/,
         'nginx -t refuses a misspelt directive in a snippet');
}

diag(sprintf 'deploy checks: %.1f s (API server up in %.1f s)',
     Time::HiRes::time() - $t0, $started - $t0);

done_testing();
