# A reload that adds a step with a reply topic of its own: the respawned
# coordinator must get that topic's partitions.  A static group member that
# comes back under its old name with another subscription is handed its old
# assignment as it is, so before its name included the reply topics the
# new step's replies reached no one and every saga timed out there and
# compensated.  Also: a coordinator on a reply topic that stays quiet for
# longer than max.poll.interval.ms stays in its group.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(kafka_produce kafka_brokers repo_root nginx_start nginx_stop
               nginx_reload);
use EdaSaga qw(saga_setup saga_participant saga_start saga_wait
               saga_commands saga_coordinator saga_warm_up);

my $json = JSON::PP->new->canonical;
my $nginx;

END { nginx_stop($nginx) if $nginx }

my $S = saga_setup(name => 'sagareload', timeout => '30s');
my $P = $S->{prefix};

# a 7 s poll interval (the broker's smallest session is 6 s)
my $http_config = $S->{http_config} . <<'_EOC_';
    eda_kafka_property session.timeout.ms 6000;
    eda_kafka_property max.poll.interval.ms 7000;
_EOC_

$nginx = nginx_start(name => 'sagareload', log_level => 'info',
                     http_config => $http_config, config => $S->{config});

like(saga_participant($S) // '', qr/READY/, 'the participant runs');
is(saga_warm_up($nginx->{port}, 'checkout'), 'completed',
   'a first saga goes through (the consumer groups have formed)');

sub run_sagas {
    my ($n, $what) = @_;

    my @ids = map {
        my (undef, $b) = saga_start($nginx->{port}, 'checkout',
                                    { order => "$what-$_" });
        $b->{id} // "none-$_";
    } 1 .. $n;
    my $st = saga_wait($nginx->{port}, 'checkout', \@ids, 90);
    my $done = grep { ($_->{status} // '') eq 'completed' } values %$st;
    is($done, $n, "$what: all $n sagas completed");
    return @ids;
}

# --------------------------------------------------------------------------
# quiet: no reply for longer than max.poll.interval.ms (the subject of the
# test, so a plain wait)

sleep 9;
run_sagas(3, 'after a quiet period');

# --------------------------------------------------------------------------
# the definitions gain a fourth step with topics of its own

my $defs = do {
    open my $fh, '<', $S->{defs} or die;
    local $/;
    $json->decode(<$fh>);
};
my %t = (commands => "$P-notify.commands", replies => "$P-notify.replies");
kafka_produce($_, 'created') for values %t;

push @{ $defs->{sagas}{checkout}{steps} }, {
    name => 'notify-customer',
    command => { topic => $t{commands},
                 type => 'com.example.notify.send' },
    reply_topic => $t{replies},
    success => ['com.example.notify.sent'],
    failure => ['com.example.notify.failed'],
    timeout => '30s',
};

open my $out, '>', $S->{defs} or die;
print $out $json->encode($defs);
close $out;

# the participant answers from the definitions it read at its start: a
# second one, in a group of its own, answers the new step
my $notify = "$S->{defs}.notify.json";
open $out, '>', $notify or die;
print $out $json->encode({ sagas => { notify => { steps => [
    $defs->{sagas}{checkout}{steps}[-1] ] } } });
close $out;

our ($NOTIFY, $NFH);
END { kill 'TERM', $NOTIFY if $NOTIFY }
$NOTIFY = open $NFH, '-|', '/usr/bin/python3',
    repo_root() . '/t/lib/saga_participant.py', $notify,
    '--brokers', kafka_brokers(), '--group', "$P-notify",
    '--log', $S->{log} or die;
like(scalar(<$NFH>) // '', qr/READY/, 'a participant for the new step runs');

my $old = saga_coordinator($nginx);
nginx_reload($nginx);

my $new;
for (1 .. 100) {
    $new = saga_coordinator($nginx);
    last if $new && $old && $new != $old;
    sleep 0.1;
}
ok($new && $old && $new != $old, 'a new coordinator runs the new steps');

my @ids = run_sagas(5, 'after the reload');
my $notified = grep {
    grep { $_->{step} eq 'notify-customer' } saga_commands($S, $_)
} @ids;
is($notified, 5, 'each went through the new step');

open my $fh, '<', "$nginx->{root}/logs/error.log" or die;
my @left = grep { /maximum poll interval/i } <$fh>;
is(scalar @left, 0, 'no consumer left its group for not being polled')
    or diag(@left);

done_testing();
