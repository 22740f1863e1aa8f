package EdaSio;

# Socket.IO clients for the tests: t/lib/sio_client.js (the npm
# socket.io-client of t/node) run as a child, fed commands on its stdin,
# its JSON lines read with deadlines; and the reference server of
# t/bench/socketio_ref_server.js, for a check against socket.io itself.
#
#     my $c = sio_open("http://127.0.0.1:$n->{port}/orders",
#                      { transports => ['websocket'] });
#     my $e = $c->wait_ev('connect', 10) or die "no connect\n";
#     kafka_produce_structured($topic, 'k', { type => 't', ... });
#     my $got = $c->wait_event('t', 10);
#
# wait() returns each line at most once, the first one not returned yet
# that matches, whenever it came: waiting for an ack does not lose the
# events that came before it, and a second wait_ev('connect') after a
# cut is the reconnection.  seen() keeps every line.  A child is killed
# when its object goes away and at exit.  Booleans in options and
# commands are JSON::PP::true and JSON::PP::false: socket.io-client takes
# a 0 for "not false" ({ reconnection => 0 } would still reconnect).

use strict;
use warnings;

use Cwd ();
use Exporter 'import';
use File::Basename ();
use IO::Select ();
use IPC::Open3 ();
use JSON::PP ();
use MIME::Base64 ();
use Symbol ();
use Time::HiRes qw(time);
use EdaTest qw(kafka_brokers);

our @EXPORT_OK = qw(sio_open sio_ref_server sio_node sio_require sio_bin
                    sio_unbin sio_wait_all sio_pump);

our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $LIB = File::Basename::dirname(Cwd::abs_path(__FILE__));
my $ROOT = Cwd::abs_path("$LIB/../..");
my $json = JSON::PP->new->canonical;

# the pids of the children still running, killed at exit
my %live;

END {
    my $status = $?;
    kill 'KILL', keys %live;
    waitpid $_, 0 for keys %live;
    %live = ();
    $? = $status;
}

sub sio_node { $ENV{TEST_NODE} || 'node' }

# dies with what to install when the client cannot run
sub sio_require {
    my $node = sio_node();

    system($node, '-e', '') == 0
        or die "$node does not run: install Node.js (./build.sh deps)\n";
    -d "$ROOT/t/node/node_modules/socket.io-client"
        or die "t/node/node_modules is missing: run ./build.sh deps\n";
}

# binary arguments, as the client reads and writes them
sub sio_bin { { '$bin' => MIME::Base64::encode_base64($_[0], '') } }

sub sio_unbin {
    my ($v) = @_;

    return undef unless ref $v eq 'HASH' && defined $v->{'$bin'};
    return MIME::Base64::decode_base64($v->{'$bin'});
}

# --------------------------------------------------------------------------
# children

sub spawn {
    my ($name, @cmd) = @_;

    my ($in, $out) = (Symbol::gensym(), Symbol::gensym());
    my $pid = IPC::Open3::open3($in, $out, '>&STDERR', @cmd);
    binmode $out;
    $in->autoflush(1);
    $live{$pid} = 1;

    return bless { name => $name, pid => $pid, in => $in, out => $out,
                   buf => '', seen => [], taken => {}, eof => 0 },
                 'EdaSio::Child';
}

# sio_open(URL, OPTIONS, count => N, lines => 1, name => NAME): a client
# on URL, io(URL, OPTIONS); with count, N sockets reporting aggregates
# only, and with lines as well every line of each, which
# $c->socket(I) reads as those of a client of its own
sub sio_open {
    my ($url, $options, %o) = @_;

    my @cmd = (sio_node(), "$LIB/sio_client.js", $url,
               $json->encode($options || {}));
    push @cmd, '--count', $o{count} if $o{count};
    push @cmd, '--lines' if $o{lines};
    return spawn($o{name} || $url, @cmd);
}

# sio_ref_server(TOPIC, recovery => 1, port => P, timeout => S): the
# socket.io reference server on TOPIC, once it listens and its consumer
# is assigned: the child, with {port} and {url}; dies if it does not get
# there within S seconds (30)
sub sio_ref_server {
    my ($topic, %o) = @_;

    local $ENV{KAFKA_BROKERS} = kafka_brokers();
    my @cmd = (sio_node(), "$ROOT/t/bench/socketio_ref_server.js",
               $o{port} // 0, $topic);
    push @cmd, '--recovery' if $o{recovery};

    my $s = spawn("ref server $topic", @cmd);
    my $timeout = $o{timeout} || 30;
    my $l = $s->wait(sub { ($_[0]{text} // '') =~ /^listening \d+$/ },
                     $timeout)
        or die "socketio_ref_server did not listen\n";
    ($s->{port}) = $l->{text} =~ /(\d+)$/;
    $s->{url} = "http://127.0.0.1:$s->{port}";
    $s->wait(sub { ($_[0]{text} // '') =~ /^consumer assigned / }, $timeout)
        or die "socketio_ref_server: no partition assigned\n";
    return $s;
}

# the first line of each client matching PRED (see wait), one deadline
# for all: a list with undef for a client that had none
sub sio_wait_all {
    my ($cs, $pred, $timeout) = @_;

    my $deadline = time + ($timeout // 10);
    return map { $_->wait($pred, $deadline - time) } @$cs;
}

# sio_pump([CLIENTS], COND, TIMEOUT): reads the output of every client as
# it comes until COND returns true, TIMEOUT seconds (10) pass or every
# client has ended: what COND returned last.  Where many clients stream
# at once, none waits on a full pipe (a client blocked on its output
# reads nothing from its server) while another one is read.
sub sio_pump {
    my ($cs, $cond, $timeout) = @_;

    my $deadline = time + ($timeout // 10);
    while (1) {
        my $v = $cond->();
        return $v if $v;

        my @live = grep { !$_->{eof} } @$cs;
        my $left = $deadline - time;
        return $cond->() if !@live || $left <= 0;

        my %by = map { fileno($_->{out}) => $_ } @live;
        my $sel = IO::Select->new(map { $_->{out} } @live);
        EdaSio::Child::read_some($by{ fileno $_ })
            for $sel->can_read($left < 0.5 ? $left : 0.5);
    }
}


package EdaSio::Child;

use strict;
use warnings;

use Time::HiRes qw(time);

sub pid { $_[0]{pid} }

# every line so far, or those of one kind ({ev} of the client's lines):
# decoded objects; a line that is not JSON is { ev => 'line', text => ... }
sub seen {
    my ($c, $ev) = @_;

    return @{ $c->{seen} } unless defined $ev;
    return grep { ($_->{ev} // '') eq $ev } @{ $c->{seen} };
}

# the "event" lines, of one event name or all
sub events {
    my ($c, $name) = @_;

    return grep { !defined $name || $_->{name} eq $name } $c->seen('event');
}

# sends one command, a hash (see sio_client.js)
sub send {
    my ($c, $cmd) = @_;

    local $SIG{PIPE} = 'IGNORE';
    die "$c->{name}: the client's input is closed\n" unless $c->{in};
    print { $c->{in} } $json->encode($cmd), "\n"
        or die "$c->{name}: the client is gone: $!\n";
}

# emit(NAME, ARGS...): fire and forget
sub emit {
    my ($c, $name, @args) = @_;

    $c->send({ cmd => 'emit', name => $name, args => \@args });
}

# emit_ack(NAME, [ARGS], timeout => MS, wait => SECS): emits with an
# acknowledgement and returns its ack or ack_timeout line (undef when
# neither came within SECS, 10 by default); without timeout the client
# waits for the ack as long as the socket lives
sub emit_ack {
    my ($c, $name, $args, %o) = @_;

    my $seq = ++$c->{seq};
    my $cmd = { cmd => 'emit', name => $name, args => $args || [],
                ack => JSON::PP::true, seq => $seq };
    $cmd->{timeout} = $o{timeout} if defined $o{timeout};
    $c->send($cmd);
    return $c->wait(sub {
        ($_[0]{ev} eq 'ack' || $_[0]{ev} eq 'ack_timeout')
            && $_[0]{seq} == $seq;
    }, $o{wait} // 10);
}

sub read_some {
    my ($c) = @_;

    my $n = sysread $c->{out}, $c->{buf}, 1 << 20, length $c->{buf};
    if (!$n) {
        $c->{eof} = 1;
        return;
    }
    while ($c->{buf} =~ s/^([^\n]*)\n//) {
        my $l = $1;
        my $e = eval { $json->decode($l) };
        push @{ $c->{seen} },
             ref $e eq 'HASH' ? $e : { ev => 'line', text => $l };
    }
}

# the first line not returned by wait before for which PRED (called with
# the line, also in $_) is true, reading the client's output until one
# comes, TIMEOUT seconds pass (10) or the client ends: the line, or undef
sub wait {
    my ($c, $pred, $timeout) = @_;

    my $deadline = time + ($timeout // 10);
    my $i = 0;
    while (1) {
        for (; $i < @{ $c->{seen} }; $i++) {
            next if $c->{taken}{$i};
            local $_ = $c->{seen}[$i];
            if ($pred->($_)) {
                $c->{taken}{$i} = 1;
                return $_;
            }
        }
        my $left = $deadline - time;
        return undef if $c->{eof} || $left <= 0;
        read_some($c) if IO::Select->new($c->{out})->can_read($left);
    }
}

# wait_ev(EV, TIMEOUT): the next line of kind EV (connect, disconnect...)
sub wait_ev {
    my ($c, $ev, $timeout) = @_;

    return $c->wait(sub { ($_[0]{ev} // '') eq $ev }, $timeout);
}

# wait_event(NAME, TIMEOUT): the next event NAME received
sub wait_event {
    my ($c, $name, $timeout) = @_;

    return $c->wait(sub { ($_[0]{ev} // '') eq 'event'
                          && $_[0]{name} eq $name }, $timeout);
}

# reads what the client printed so far, without waiting
sub pump {
    my ($c) = @_;

    my $sel = IO::Select->new($c->{out});
    read_some($c) while !$c->{eof} && $sel->can_read(0);
    return $c;
}

# closes the client's input (it disconnects and exits), reads it to its
# end within TIMEOUT seconds (10), killing it past that: its exit status
sub finish {
    my ($c, $timeout) = @_;

    return $c->{status} if exists $c->{status};
    close $c->{in} if $c->{in};
    delete $c->{in};
    $c->wait(sub { 0 }, $timeout // 10);
    kill 'KILL', $c->{pid} unless $c->{eof};
    waitpid $c->{pid}, 0;
    $c->{status} = $?;
    delete $live{$c->{pid}};
    close $c->{out};
    $c->{eof} = 1;
    return $c->{status};
}

# stops a child at once (the reference server: SIGTERM)
sub stop {
    my ($c, $sig) = @_;

    return if exists $c->{status};
    kill $sig || 'TERM', $c->{pid};
    return $c->finish;
}

sub DESTROY {
    my ($c) = @_;

    local ($., $@, $!, $^E, $?);
    return if exists $c->{status} || !$live{$c->{pid}};
    kill 'KILL', $c->{pid};
    waitpid $c->{pid}, 0;
    delete $live{$c->{pid}};
}

# socket I of a client opened with count and lines
sub socket {
    my ($c, $i) = @_;

    return bless { c => $c, i => $i, name => "$c->{name}#$i", seen => [],
                   scan => 0 }, 'EdaSio::Socket';
}


# One socket of many in one client process: its own lines ("i" is its
# index), read through the process (sio_pump the process, not this).

package EdaSio::Socket;

use strict;
use warnings;

sub mine { ($_[1]{i} // -1) == $_[0]{i} }

# brings {seen} up to date with the lines the process has read
sub sync {
    my ($s) = @_;

    my $all = $s->{c}{seen};
    for (; $s->{scan} < @$all; $s->{scan}++) {
        push @{ $s->{seen} }, $all->[ $s->{scan} ]
            if $s->mine($all->[ $s->{scan} ]);
    }
    return $s;
}

sub seen {
    my ($s, $ev) = @_;

    $s->sync;
    return @{ $s->{seen} } unless defined $ev;
    return grep { ($_->{ev} // '') eq $ev } @{ $s->{seen} };
}

sub events {
    my ($s, $name) = @_;

    return grep { !defined $name || $_->{name} eq $name } $s->seen('event');
}

sub wait {
    my ($s, $pred, $timeout) = @_;

    return $s->{c}->wait(sub { $s->mine($_[0]) && $pred->($_[0]) },
                         $timeout);
}

sub wait_ev {
    my ($s, $ev, $timeout) = @_;

    return $s->wait(sub { ($_[0]{ev} // '') eq $ev }, $timeout);
}

sub wait_event {
    my ($s, $name, $timeout) = @_;

    return $s->wait(sub { ($_[0]{ev} // '') eq 'event'
                          && $_[0]{name} eq $name }, $timeout);
}

1;
