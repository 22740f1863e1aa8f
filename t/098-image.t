# The images of deploy/images/ build here, without a registry: buildah
# (chroot isolation) on Debian root filesystems made by mmdebstrap, as
# "./build.sh image" does it.  The gateway image runs nginx -t inside; the
# ingress image is built on a stand-in for nginx/nginx-ingress (trixie's
# nginx 1.26, --with-compat, user 101), its module built from that
# version's sources by the Dockerfile's builder stage, loads as user 101,
# and a module built for another nginx version is refused.  About four
# minutes from nothing; the 3 GB of image state are removed at the end.

use strict;
use warnings;

use Test::More;
use EdaTest qw(repo_root);

my $root = repo_root();
my $out = `cd '$root' && ./build.sh image gateway ingress 2>&1`;
my $rc = $? >> 8;

is($rc, 0, './build.sh image gateway ingress succeeds')
    or diag(join "\n", (split /\n/, $out)[-40 .. -1]);
like($out, qr/^==> nginx -t in localhost\/ngx-eda-gateway$/m,
     'nginx -t ran inside the gateway image');
like($out, qr/^==> gateway image: \d+ s$/m, 'the gateway image is built');
like($out, qr/user 101, and nginx -t as that user$/m,
     'the ingress image runs as user 101 and loads the module');
like($out, qr/^==> a module built for another nginx version: refused$/m,
     'a module of another nginx version is refused');
like($out, qr/^==> ingress images: \d+ s$/m, 'the ingress image is built');

my ($secs) = $out =~ /^==> image: done in (\d+) s$/m;
note("images built in " . ($secs // '?') . ' s');

system("cd '$root' && ./build.sh image --clean >/dev/null 2>&1");
is($? >> 8, 0, 'the image state is removed');

done_testing();
