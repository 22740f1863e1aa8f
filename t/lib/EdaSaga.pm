package EdaSaga;

# What the saga tests share: the definitions of docs/examples/sagas.json on
# a run's own topics, the nginx configuration that serves them, the
# participant (t/lib/saga_participant.py), and helpers to start sagas,
# read them back and see what the participant received.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter 'import';
use File::Basename qw(dirname);
use HTTP::Tiny;
use JSON::PP ();
use Time::HiRes qw(time sleep);
use EdaTest qw(unique_topic kafka_produce kafka_brokers nginx_workers
               redis_host redis_port kafka_consume wait_until);

our @EXPORT_OK = qw(saga_setup saga_participant saga_start saga_state
                    saga_wait saga_commands saga_coordinator saga_warm_up
                    saga_in_flight saga_records saga_out_of_order);

my $json = JSON::PP->new->canonical;

# The records of TOPIC keyed KEY (a saga id), once there are at least N,
# at most 10 s: a saga's state is written before its records are
# produced, so they may trail what a GET shows.
sub saga_records {
    my ($topic, $key, $n) = @_;

    my @r;
    wait_until(sub {
        @r = grep { ($_->{key} // '') eq $key }
             @{ kafka_consume($topic, all => 1) };
        return @r >= $n;
    }, 10);
    return @r;
}
my $http = HTTP::Tiny->new(timeout => 10);
my %terminal = map { $_ => 1 } qw(completed compensated failed);

# a package handle: a lexical one would be closed (waiting for the
# participant) before the test's END could stop it
our ($PFH, $PARTICIPANT);

END { kill 'TERM', $PARTICIPANT if $PARTICIPANT }

sub root { dirname(dirname(dirname(abs_path(__FILE__)))) }

# saga_setup(name => N, timeout => T, tweak => sub { ($example, @steps) }):
# writes this run's definitions (every step's timeout T) and creates the
# topics; returns { prefix, topics, defs, log, http_config, config }
sub saga_setup {
    my (%opt) = @_;

    my $P = unique_topic($opt{name} || 'saga');
    my $example = do {
        open my $fh, '<', root() . '/docs/examples/sagas.json' or die;
        local $/;
        $json->decode(<$fh>);
    };

    my %topic = map { $_ => "$P-$_" }
        qw(inventory.commands inventory.replies payment.commands
           payment.replies shipping.commands shipping.replies events
           dead-letters);

    $example->{events_topic} = $topic{events};
    $example->{dead_letter_topic} = $topic{'dead-letters'};

    my @steps = @{ $example->{sagas}{checkout}{steps} };

    for my $s (@steps) {
        my ($area) = $s->{command}{topic} =~ /^(\w+)\./;
        $s->{command}{topic} = $topic{"$area.commands"};
        $s->{reply_topic} = $topic{"$area.replies"};
        $s->{compensation}{topic} = $topic{"$area.commands"}
            if $s->{compensation};
        $s->{timeout} = $opt{timeout} || '30s';
    }

    $opt{tweak}->($example, @steps) if $opt{tweak};

    my $S = { prefix => $P, topics => \%topic,
              defs => root() . "/.eda/$P-sagas.json",
              log => root() . "/.eda/$P-commands.log" };

    open my $out, '>', $S->{defs} or die;
    print $out $json->encode($example);
    close $out;

    kafka_produce($_, 'created') for values %topic;

    my $redis = redis_host() . ':' . redis_port();
    my $locations = join '', map { <<"_EOC_" } sort keys %{ $example->{sagas} };
        location /$_/ {
            eda_saga $_;
        }
_EOC_

    $S->{http_config} = <<"_EOC_";
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_redis $redis prefix=$P:;
    eda_saga_definitions $S->{defs} group=$P-coordinators;
_EOC_
    $S->{config} = $locations . <<'_EOC_';
        location = /metrics {
            eda_metrics;
        }
_EOC_

    return $S;
}

# starts the participant; its first line says it is ready
sub saga_participant {
    my ($S) = @_;

    my $py = $ENV{TEST_PYTHON} || '/usr/bin/python3';
    $PARTICIPANT = open $PFH, '-|', $py,
        root() . '/t/lib/saga_participant.py', $S->{defs},
        '--brokers', kafka_brokers(), '--group', "$S->{prefix}-participant",
        '--log', $S->{log} or die;
    return scalar <$PFH>;
}

# saga_start(PORT, SAGA, INPUT, headers...): (response, decoded body)
sub saga_start {
    my ($port, $saga, $input, %h) = @_;

    my $res = $http->request('POST', "http://127.0.0.1:$port/$saga/",
        { content => ref $input ? $json->encode($input) : $input,
          headers => { 'Content-Type' => 'application/json', %h } });
    my $body = eval { $json->decode($res->{content}) } || {};
    return ($res, $body);
}

sub saga_state {
    my ($port, $saga, $id) = @_;

    my $res = $http->get("http://127.0.0.1:$port/$saga/$id");
    return $res->{status} == 200 ? $json->decode($res->{content}) : undef;
}

# waits until every saga is finished (or SECS pass): { id => state }
sub saga_wait {
    my ($port, $saga, $ids, $secs) = @_;

    my %st;
    my $until = time + $secs;
    while (time < $until) {
        for my $id (@$ids) {
            next if $st{$id} && $terminal{ $st{$id}{status} };
            $st{$id} = saga_state($port, $saga, $id);
        }
        last unless grep { !$_ || !$terminal{ $_->{status} } } @st{@$ids};
        sleep 0.1;
    }
    return \%st;
}

# one saga through, however long the consumer groups take to form on a
# fresh broker: the timings tested afterwards are the coordinator's
sub saga_warm_up {
    my ($port, $saga) = @_;

    my (undef, $body) = saga_start($port, $saga, { warm_up => 1 });
    my $st = saga_wait($port, $saga, [$body->{id} // 'none'], 120);
    return ($st->{ $body->{id} // 'none' } // {})->{status} // 'none';
}

# the commands the participant received for saga ID, in order
sub saga_commands {
    my ($S, $id) = @_;

    open my $fh, '<', $S->{log} or return ();
    return grep { $_->{saga} eq $id } map { $json->decode($_) } <$fh>;
}

# how many of the sagas IDS did not get the command of every step of the
# checkout saga, in order (a step's first command after the one before)
sub saga_out_of_order {
    my ($S, @ids) = @_;

    my $bad = 0;
    for my $id (@ids) {
        my @s = map { $_->{step} } grep { $_->{phase} eq 'forward' }
                saga_commands($S, $id);
        my %first;
        $first{ $s[$_] } //= $_ for 0 .. $#s;
        my @at = @first{qw(reserve-inventory charge-payment
                           confirm-shipment)};
        $bad++ if grep({ !defined } @at) || $at[0] > $at[1]
                  || $at[1] > $at[2];
    }
    return $bad;
}

# the participant has had a command of one of the sagas IDS: they are in
# flight
sub saga_in_flight {
    my ($S, @ids) = @_;

    my %want = map { $_ => 1 } @ids;
    open my $fh, '<', $S->{log} or return 0;
    while (<$fh>) {
        my $c = eval { $json->decode($_) } or next;
        return 1 if $want{ $c->{saga} // '' };
    }
    return 0;
}

# the pid of a master's "nginx: eda saga coordinator", or undef
sub saga_coordinator {
    my ($n) = @_;

    for my $pid (nginx_workers($n)) {
        open my $fh, '<', "/proc/$pid/cmdline" or next;
        my $cmd = <$fh> // '';
        return $pid if $cmd =~ /eda saga coordinator/;
    }
    return undef;
}

1;
