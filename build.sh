#!/usr/bin/env bash
#
# build.sh: install dependencies, build ngx_eda_module.so, run the local
# stack (a real Kafka broker and a real Redis on loopback), test, bench.
# Run "./build.sh help" for the commands.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${EDA_STATE_DIR:-$ROOT/.eda}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac

KAFKA_VERSION=${EDA_KAFKA_VERSION:-3.9.1}
KAFKA_PORT=${EDA_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${EDA_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
REDIS_PORT=${EDA_REDIS_PORT:-16379}
CLUSTER_PORT=${EDA_CLUSTER_PORT:-19192}
NGINX_PORT=${EDA_NGINX_PORT:-8080}

CACHE=$STATE/cache
BUILD=$STATE/build
STACK_ENV=$STATE/stack.env

# what building the module needs, then what the stack and the tests need
BUILD_PACKAGES=(nginx nginx-dev librdkafka-dev libjansson-dev
    libhiredis-dev libssl-dev libpcre2-dev zlib1g-dev build-essential)
STACK_PACKAGES=(redis-server redis-tools kcat libtest-base-perl
    libtext-diff-perl liburi-perl libwww-perl liblist-moreutils-perl
    libtest-longstring-perl libipc-run-perl curl procps python3-jwt
    python3-cryptography openssl python3-websockets python3-confluent-kafka
    chromium prometheus python3-venv)
# what "image" (and so t/098) needs: buildah, mmdebstrap
IMAGE_PACKAGES=(buildah mmdebstrap uidmap golang-github-containers-common
    ca-certificates)
# what the fuzz targets need (built and replayed on their corpus by "test")
FUZZ_PACKAGES=(clang libclang-rt-14-dev libjansson-dev libssl-dev)

say()  { printf '==> %s\n' "$*" >&2; }
die()  { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: ./build.sh COMMAND [OPTIONS]

Commands:
  deps [--build-only]
                install what is missing (apt-get, and npm ci in t/node);
                fast when all is present (t/deploy/tools.sh builds the
                deploy tests' Kubernetes tools once per machine);
                --build-only: only what building the module needs
  build         build ngx_eda_module.so for the installed nginx
                (or for the nginx source tree in NGINX_SRC=...)
  build-matrix  build nginx and the module with --with-compat for each
                entry of NGINX_VERSIONS (default: trixie sid, Debian's
                nginx source packages; or paths of source trees), one
                dir per version in $STATE/build-nginx; prints
                "ENTRY VERSION full|headers DIR" for each
  path          print the absolute path of the built ngx_eda_module.so
  up            start Kafka (KRaft, single node) and Redis on loopback;
                writes KAFKA_BROKERS=/REDIS_URL= to $STATE/stack.env
  down          stop what "up" started and remove its data
  run           deps + build + up + nginx in the foreground with
                docs/examples/nginx.conf
  test [--asan] deps + build + up + lint + unit tests + every fuzz target
                on its seed corpus + Test::Nginx suite + down; --asan
                runs the suite on an nginx built with AddressSanitizer
                and UndefinedBehaviorSanitizer
  cluster-up    start a cluster of three KRaft nodes on loopback beside
                the stack (replication factor 3, min.insync.replicas 2;
                EDA_CLUSTER_PORT, default 19192, +2 per node); starts the
                nodes not running; writes its bootstrap list to
                $STATE/cluster/brokers
  cluster-stop N  stop node N (1-3) of the cluster, keeping its data
  cluster-down  stop the cluster and remove its data
  kafka-stop    stop the local Kafka, keeping its data ("up" restarts it);
                the fault-injection tests use it
  redis-stop    the same for the local Redis
  unit          build and run the unit tests of the nginx-free C cores
  bench NAME    run the benchmark t/bench/NAME.sh against the real stack
  fuzz NAME [S] run the libFuzzer target t/fuzz/fuzz_NAME.c for S seconds
  fuzz-replay   build every fuzz target and run it once on each input of
                its seed corpus t/fuzz/corpus/NAME ("test" does it too)
  image [gateway] [ingress] [--clean]
                build the images of deploy/images/ with buildah from
                Debian root filesystems made by mmdebstrap (no registry),
                and run nginx -t in them; --clean removes their state
  lint          check C sources for tabs, trailing spaces, long lines,
                and the layering of ngx_eda_module/ (t/lint/layers.py)
  help          this text

Environment:
  EDA_STATE_DIR      state dir (default: .eda/ in the repository)
  EDA_KAFKA_PORT     Kafka listener port (default 19092; controller +1)
  EDA_REDIS_PORT     Redis port (default 16379)
  EDA_CLUSTER_PORT   first port of the cluster of cluster-up (default 19192)
  EDA_NGINX_PORT     port of "run" (default 8080)
  KAFKA_BROKERS      use this Kafka instead of starting one
  REDIS_URL          use this Redis (redis://host:port) instead
  NGINX_SRC          build against this nginx source tree
  NGINX_VERSIONS     entries of build-matrix (default: trixie sid)
  TEST_FILES         test files for "test" (default: t/)
  TEST_NGINX_PORT    port of the Test::Nginx server (default: a free one)
  TEST_NGINX_USE_VALGRIND=1  run the suite under valgrind
EOF
}


# --------------------------------------------------------------------------
# deps

# (never "cmd | grep -q" under pipefail: grep leaving early makes cmd die of
# SIGPIPE, and the pipeline fails although it matched)
have_pkg() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) \
        == *'ok installed'* ]]
}

apt_install() {
    local missing=() p

    for p in "$@"; do
        have_pkg "$p" || missing+=("$p")
    done

    [ ${#missing[@]} -eq 0 ] && return 0

    say "installing: ${missing[*]}"
    if [ ! -f "$STATE/apt-updated" ] \
        || [ -n "$(find "$STATE/apt-updated" -mmin +720 2>/dev/null)" ]
    then
        apt-get update -q >/dev/null
        mkdir -p "$STATE" && touch "$STATE/apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}" >/dev/null
}

# Test::Nginx is not in bookworm; Debian's unstable suite has it as an
# architecture-independent package whose dependencies bookworm satisfies.
# A private apt configuration, derived from the system's own Debian sources
# with the suite swapped, fetches only that one package.
install_test_nginx() {
    local dir=$CACHE/apt-unstable src deb

    if perl -MTest::Nginx::Socket -e 1 2>/dev/null; then
        return 0
    fi

    if [[ $(apt-cache policy libtest-nginx-perl 2>/dev/null || true) \
          =~ Candidate:\ [0-9] ]]
    then
        apt_install libtest-nginx-perl
        return 0
    fi

    src=/etc/apt/sources.list.d/debian.sources
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"

    if [ -f "$src" ]; then
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /Types:.*deb/ && !/security/ { print; exit }' "$src" \
            | sed -E 's/^Suites:.*/Suites: unstable/' > "$dir/unstable.sources"
    elif [ -f /etc/apt/sources.list ]; then
        grep -E '^deb[[:space:]]' /etc/apt/sources.list | grep -v security \
            | head -n 1 \
            | awk '{ $3 = "unstable"; print }' > "$dir/unstable.list"
        src=/etc/apt/sources.list
    fi

    local list
    list=$(ls "$dir"/unstable.sources "$dir"/unstable.list 2>/dev/null \
        | head -n 1 || true)

    if [ -n "$list" ] && [ -s "$list" ]; then
        local opts=(-o "Dir::Etc::SourceList=$list"
                    -o "Dir::Etc::SourceParts=/dev/null"
                    -o "Dir::State::Lists=$dir/lists"
                    -o "Dir::Cache=$dir/cache"
                    -o "APT::Sandbox::User=root")
        say "fetching Test::Nginx from Debian unstable (private apt config)"
        if apt-get -q "${opts[@]}" update >/dev/null \
            && (cd "$dir/debs" \
                && apt-get -q "${opts[@]}" download libtest-nginx-perl \
                   >/dev/null)
        then
            deb=$(ls "$dir"/debs/libtest-nginx-perl_*_all.deb | tail -n 1)
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                --no-install-recommends "$deb" >/dev/null
        fi
    fi

    if ! perl -MTest::Nginx::Socket -e 1 2>/dev/null; then
        say "Debian package unavailable, falling back to cpanm"
        apt_install cpanminus
        cpanm -q -n Test::Nginx
    fi

    perl -MTest::Nginx::Socket -e 1 \
        || die "Test::Nginx could not be installed"
}

cmd_deps() {
    apt_install "${BUILD_PACKAGES[@]}"

    # --build-only: what an image needs to build the module, no test stack
    [ "${1:-}" = --build-only ] && return 0

    apt_install "${STACK_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}" \
        "${IMAGE_PACKAGES[@]}"

    if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
        apt_install default-jdk-headless maven
    fi

    install_test_nginx
    install_node_deps
    # the OTLP receiver's opentelemetry-proto (PyPI), in a venv of $STATE
    "$ROOT/t/lib/otlp_venv.sh" "$STATE" >/dev/null \
        || die "t/lib/otlp_venv.sh failed"
    # etcd, kube-apiserver, kubectl, helm and CRDs of t/096 (a cache per
    # version outside the clone: built once per machine); without Go,
    # t/096 skips and says why
    local rc=0
    "$ROOT/t/deploy/tools.sh" install >/dev/null || rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 3 ] || die "t/deploy/tools.sh install failed"
}

# The Socket.IO tests drive the npm socket.io-client, the browser tests
# drive Debian's chromium with puppeteer-core (which downloads no browser),
# and the benchmark's reference server is socket.io itself:
# t/node/package.json names them,
# its package-lock.json pins every version.  npm ci installs exactly that
# into t/node/node_modules (no package scripts run) when it is missing or
# the manifest changed since the last install, which a stamp records.
install_node_deps() {
    local dir=$ROOT/t/node stamp=$ROOT/t/node/node_modules/.eda-installed

    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi

    if [ -f "$stamp" ] && [ ! "$dir/package.json" -nt "$stamp" ] \
        && [ ! "$dir/package-lock.json" -nt "$stamp" ]
    then
        return 0
    fi

    say "installing t/node's npm packages: npm ci in $dir"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) \
        || die "npm ci failed in $dir"
    touch "$stamp"
}


# --------------------------------------------------------------------------
# build

module_path() {
    echo "$BUILD/objs/ngx_eda_module.so"
}

# Prints the configure arguments that make the module binary-compatible
# with the installed nginx: Debian's nginx-dev ships the sources and the
# exact flags the package was built with.
distro_configure_args() {
    local v cc ld

    v=$(nginx -V 2>&1)
    cc=$(sed -n "s/.*--with-cc-opt='\([^']*\)'.*/\1/p" <<<"$v")
    ld=$(sed -n "s/.*--with-ld-opt='\([^']*\)'.*/\1/p" <<<"$v")

    # shellcheck disable=SC1091
    . /usr/share/nginx/src/conf_flags
    printf '%s\n' "${NGX_CONF_FLAGS[@]}"
    printf '%s\n' "--with-cc-opt=$cc -Wall -Wextra -Werror"
    printf '%s\n' "--with-ld-opt=$ld"
}

# build_nginx SRC BUILDDIR TARGET ARGS...: configures a private copy of the
# nginx sources (reconfigured only when the arguments or the module's
# config change) and runs make TARGET in it.
build_nginx() {
    local src=$1 dir=$2 target=$3 stamp new
    shift 3

    # config takes every source file of its folders: a file added or
    # removed means configuring again
    new=$( { echo "$src"; printf '%s\n' "$@"; cat "$ROOT/config"
             cd "$ROOT" && find ngx_eda_module filters -name '*.[ch]' \
                 | LC_ALL=C sort; } | sha256sum)
    stamp=$dir/configured

    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$new" ]; then
        say "configuring nginx in $dir"
        rm -rf "$dir"
        mkdir -p "$dir/src"
        cp -a "$src/auto" "$src/src" "$dir/src/"
        if [ -f "$src/configure" ]; then
            cp -a "$src/configure" "$dir/src/"
        else
            cp -a "$src/auto/configure" "$dir/src/configure"
        fi
        for extra in conf html man docs/html docs/man; do
            [ -e "$src/$extra" ] && cp -a "$src/$extra" "$dir/src/" || true
        done
        (cd "$dir/src" && ./configure --builddir="$dir/objs" "$@" \
            --add-dynamic-module="$ROOT" > "$dir/configure.log" 2>&1) \
            || { tail -n 30 "$dir/configure.log" >&2 || true
                 die "nginx configure failed (log: $dir/configure.log)"; }
        echo "$new" > "$stamp"
    fi

    (cd "$dir/src" && make -j"$(nproc)" -f "$dir/objs/Makefile" "$target" \
        > "$dir/make.log" 2>&1) \
        || { grep -E 'error:|warning:' "$dir/make.log" | head -n 40 >&2 \
                 || true
             die "build failed (log: $dir/make.log)"; }
}

cmd_build() {
    local args=()

    if [ -n "${NGINX_SRC:-}" ]; then
        [ -d "$NGINX_SRC/src/core" ] || die "NGINX_SRC=$NGINX_SRC is not an" \
            "nginx source tree"
        args=(--with-compat --with-cc-opt="-Wall -Wextra -Werror"
              ${NGINX_CONFIGURE_ARGS:-})
        build_nginx "$NGINX_SRC" "$BUILD" modules "${args[@]}"
    else
        [ -d /usr/share/nginx/src/src ] \
            || die "nginx sources not found: run ./build.sh deps" \
                   "(package nginx-dev) or set NGINX_SRC"
        mapfile -t args < <(distro_configure_args)
        build_nginx /usr/share/nginx/src "$BUILD" modules "${args[@]}"
    fi

    # make's objs/ lives in $BUILD/objs thanks to --builddir
    [ -f "$(module_path)" ] || die "build produced no ngx_eda_module.so"
    say "built $(module_path)"
}

# nginx-dev ships headers only; the sanitizer build and the version matrix
# need complete sources: a Debian source package, fetched through a private
# apt configuration in the cache (deb-src stanzas derived from the system's
# own sources).  With no argument, the installed version; with a suite
# (trixie, sid), the version that suite has, looked up again after 12
# hours.  Prints the tree's path.  The upstream tarball is enough, so a
# missing Debian diff is not an error.
fetch_nginx_source() {
    local suite=${1:-} dir=$CACHE/nginx-source apt ver up tarball
    local updated=0 sys=/etc/apt/sources.list.d/debian.sources

    [ -f "$sys" ] || die "no $sys to derive deb-src from: set NGINX_SRC"

    apt=$dir/apt-${suite:-installed}
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/dl"
    if [ -z "$suite" ]; then
        sed -E 's/^Types:.*/Types: deb-src/' "$sys" > "$apt/src.sources"
        ver=$(dpkg-query -W -f='${Version}' nginx)
    else
        # the main stanza only: a security suite's name follows no rule
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /Types:.*deb/ && !/security/ { print; exit }' "$sys" \
            | sed -E -e 's/^Types:.*/Types: deb deb-src/' \
                     -e "s/^Suites:.*/Suites: $suite/" > "$apt/src.sources"
        if [ -s "$apt/version" ] \
            && [ -z "$(find "$apt/version" -mmin +720)" ]
        then
            ver=$(cat "$apt/version")
            updated=1
        else
            private_apt "$apt" apt-get update >/dev/null \
                || die "apt-get update failed for Debian $suite"
            updated=1
            ver=$(private_apt "$apt" apt-cache showsrc --only-source nginx \
                  | sed -n 's/^Version: //p' | sort -V | tail -n 1)
            [ -n "$ver" ] || die "Debian $suite has no nginx source package"
            echo "$ver" > "$apt/version"
        fi
    fi
    up=${ver%%-*}
    up=${up#*:}

    if [ -f "$dir/nginx-$up/src/core/nginx.c" ]; then
        echo "$dir/nginx-$up"
        return 0
    fi

    say "fetching the nginx $up sources (Debian source package $ver)"
    [ $updated -eq 1 ] || private_apt "$apt" apt-get update >/dev/null
    (cd "$dir/dl" && private_apt "$apt" apt-get source --download-only \
        "nginx=$ver" >/dev/null 2>&1) || true

    tarball=$(ls "$dir"/dl/nginx_"$up".orig.tar.* 2>/dev/null | head -n 1 \
              || true)
    [ -n "$tarball" ] || die "could not fetch the nginx $up sources"
    tar -C "$dir" -xf "$tarball"
    [ -f "$dir/nginx-$up/src/core/nginx.c" ] \
        || die "unexpected layout in $tarball"
    echo "$dir/nginx-$up"
}

# private_apt DIR apt-get|apt-cache ARGS...: runs apt with the sources
# DIR/src.sources and DIR's own lists and cache, leaving the system's alone
private_apt() {
    local dir=$1 tool=$2

    shift 2
    "$tool" -q -o "Dir::Etc::SourceList=$dir/src.sources" \
        -o "Dir::Etc::SourceParts=/dev/null" \
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" \
        -o "APT::Sandbox::User=root" "$@"
}

# An nginx binary of the installed version built with the sanitizers, with
# the module, for "test --asan".
build_asan() {
    local dir=$STATE/build-asan src
    # Two checks are off because nginx's own code trips them on purpose:
    # NULL with length 0 to memcpy (ngx_pstrdup at startup) and unaligned
    # 32-bit loads in the request parser (NGX_HAVE_NONALIGNED on x86).
    local san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
    san="$san -fno-sanitize=nonnull-attribute,alignment"

    # The module's libraries are linked into the binary so they stay loaded
    # at exit: unloaded with the module, their still-referenced globals
    # would read as leaks of unknown origin.
    src=${NGINX_SRC:-$(fetch_nginx_source)}
    # the installed nginx's static modules (tests use some), not its paths
    local mods=() f
    for f in $(nginx -V 2>&1 | tr ' ' '\n'); do
        case $f in
            --with-http_*=dynamic) ;;
            --with-http_*|--with-threads|--with-pcre-jit) mods+=("$f") ;;
        esac
    done

    build_nginx "$src" "$dir" build \
        --prefix="$dir/prefix" --with-compat --with-debug "${mods[@]}" \
        --with-cc-opt="-O1 -g -fno-omit-frame-pointer $san -Wall -Wextra -Werror" \
        --with-ld-opt="$san -Wl,--no-as-needed -lrdkafka -ljansson -lhiredis -lcrypto"
}


# --------------------------------------------------------------------------
# the local stack

kafka_jars() {
    local dir=$CACHE/kafka-$KAFKA_VERSION

    if [ -f "$dir/ok" ]; then
        echo "$dir/jars"
        return 0
    fi

    say "fetching Apache Kafka $KAFKA_VERSION from Maven Central"
    rm -rf "$dir" && mkdir -p "$dir"
    cat > "$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ngx-eda</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>1.2.25</version>
    </dependency>
  </dependencies>
</project>
EOF
    (cd "$dir" && mvn -q -B -Dmaven.repo.local="$CACHE/m2" \
        dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$dir/jars" > "$dir/mvn.log" 2>&1) \
        || { tail -n 20 "$dir/mvn.log" >&2; die "could not fetch Kafka jars"; }
    touch "$dir/ok"
    echo "$dir/jars"
}

pid_alive() {
    [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for WHAT SECS CMD...: runs CMD every tenth of a second until it
# succeeds, at most SECS seconds (then dies naming WHAT)
wait_for() {
    local what=$1 secs=$2 i
    shift 2

    for i in $(seq 1 $((secs * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    die "$what did not come up within ${secs}s"
}

kafka_answers() {
    kcat -L -b "$1" -m 3 -t __eda_probe >/dev/null 2>&1
}

redis_answers() {
    [ "$(redis-cli -h "$1" -p "$2" ping 2>/dev/null)" = PONG ]
}

start_kafka() {
    local dir=$STATE/kafka

    if pid_alive "$dir/kafka.pid"; then
        return 0
    fi

    port_busy "$KAFKA_PORT" && die "port $KAFKA_PORT is in use by another" \
        "process: set EDA_KAFKA_PORT or KAFKA_BROKERS"
    port_busy "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT" \
        "is in use: set EDA_KAFKA_CONTROLLER_PORT"

    kafka_node_start "$dir" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" \
        "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" "" 512m <<PROPS
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
PROPS
    kafka_node_wait "$dir" "$KAFKA_PORT"
}

# kafka_node_start DIR ID PORT CONTROLLER_PORT VOTERS CLUSTER_ID HEAP:
# a KRaft node (broker and controller) with the properties on stdin added;
# CLUSTER_ID formats its storage the first time (empty: a new one)
kafka_node_start() {
    local dir=$1 id=$2 port=$3 cport=$4 voters=$5 cid=$6 heap=$7 jars

    jars=$(kafka_jars)
    mkdir -p "$dir/data" "$dir/tmp"

    { cat <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.num.partitions=3
group.initial.rebalance.delay.ms=0
log.retention.hours=2
PROPS
      cat; } > "$dir/server.properties"
    cat > "$dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
PROPS

    local java=(java "-Xmx$heap" -Xms128m -XX:+UseSerialGC
        -Djava.io.tmpdir="$dir/tmp"
        -DZstdTempFolder="$dir/tmp" -Dorg.xerial.snappy.tempdir="$dir/tmp"
        -Dlog4j.configuration="file:$dir/log4j.properties"
        -cp "$jars/*")

    if [ ! -f "$dir/data/meta.properties" ]; then
        [ -n "$cid" ] \
            || cid=$("${java[@]}" kafka.tools.StorageTool random-uuid)
        "${java[@]}" kafka.tools.StorageTool format --ignore-formatted \
            -t "$cid" -c "$dir/server.properties" > "$dir/format.log" 2>&1 \
            || { cat "$dir/format.log" >&2; die "kafka storage format failed"; }
    fi

    say "starting Kafka $KAFKA_VERSION node $id on 127.0.0.1:$port"
    setsid "${java[@]}" kafka.Kafka "$dir/server.properties" \
        > "$dir/stdout.log" 2>&1 < /dev/null &
    echo $! > "$dir/kafka.pid"
}

kafka_node_wait() {
    local dir=$1 port=$2 i

    for i in $(seq 1 120); do
        if kafka_answers "127.0.0.1:$port"; then
            return 0
        fi
        pid_alive "$dir/kafka.pid" || break
        sleep 0.5
    done

    tail -n 20 "$dir/server.log" "$dir/stdout.log" >&2 2>/dev/null || true
    die "Kafka did not answer a metadata request on 127.0.0.1:$port"
}

# A cluster of three KRaft nodes beside the single-node stack, for the
# tests of broker failures: replication factor 3, min.insync.replicas 2;
# a node that dies is fenced after 3 s (Kafka's default is 9 s), so that
# the tests do not wait for it.
# Node N listens on CLUSTER_PORT + 2(N-1), its controller one port up.
# Starts the nodes that are not running (so it also restarts one that was
# stopped or killed); writes the bootstrap list to $STATE/cluster/brokers.
cmd_cluster_up() {
    local dir=$STATE/cluster n port voters="" cid brokers=""

    mkdir -p "$dir"

    for n in 1 2 3; do
        port=$((CLUSTER_PORT + 2 * (n - 1)))
        voters="$voters${voters:+,}$n@127.0.0.1:$((port + 1))"
        brokers="$brokers${brokers:+,}127.0.0.1:$port"
    done

    [ -f "$dir/cluster.id" ] \
        || java -cp "$(kafka_jars)/*" kafka.tools.StorageTool random-uuid \
               > "$dir/cluster.id"
    cid=$(cat "$dir/cluster.id")

    for n in 1 2 3; do
        port=$((CLUSTER_PORT + 2 * (n - 1)))
        pid_alive "$dir/node$n/kafka.pid" && continue
        port_busy "$port" && die "port $port is in use: set EDA_CLUSTER_PORT"
        kafka_node_start "$dir/node$n" "$n" "$port" "$((port + 1))" \
            "$voters" "$cid" 384m <<PROPS
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
unclean.leader.election.enable=false
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
PROPS
    done

    for n in 1 2 3; do
        kafka_node_wait "$dir/node$n" "$((CLUSTER_PORT + 2 * (n - 1)))"
    done

    echo "$brokers" > "$dir/brokers"
    say "Kafka cluster: $brokers"
}

cmd_cluster_stop() {
    case ${1:-} in
        1|2|3) stop_pid "$STATE/cluster/node$1/kafka.pid" "Kafka node $1" ;;
        *) die "usage: ./build.sh cluster-stop 1|2|3" ;;
    esac
}

cmd_cluster_down() {
    local n

    for n in 1 2 3; do
        stop_pid "$STATE/cluster/node$n/kafka.pid" "Kafka node $n"
    done
    rm -rf "$STATE/cluster"
}

start_redis() {
    local dir=$STATE/redis i

    if pid_alive "$dir/redis.pid"; then
        return 0
    fi

    port_busy "$REDIS_PORT" && die "port $REDIS_PORT is in use by another" \
        "process: set EDA_REDIS_PORT or REDIS_URL"

    mkdir -p "$dir"
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
        --daemonize yes --pidfile "$dir/redis.pid" \
        --logfile "$dir/redis.log" --save '' \
        --appendonly yes --appendfsync everysec \
        || die "redis-server failed to start (log: $dir/redis.log)"

    for i in $(seq 1 50); do
        redis_answers 127.0.0.1 "$REDIS_PORT" && return 0
        sleep 0.1
    done

    die "Redis did not answer PING on 127.0.0.1:$REDIS_PORT"
}

cmd_up() {
    local brokers redis_url host port

    mkdir -p "$STATE"

    if [ -n "${KAFKA_BROKERS:-}" ]; then
        brokers=$KAFKA_BROKERS
        kafka_answers "${brokers%%,*}" \
            || die "KAFKA_BROKERS=$brokers does not answer a metadata request"
    else
        start_kafka
        brokers=127.0.0.1:$KAFKA_PORT
    fi

    if [ -n "${REDIS_URL:-}" ]; then
        redis_url=$REDIS_URL
        host=${redis_url#redis://}
        host=${host%%/*}
        port=${host##*:}
        host=${host%:*}
        redis_answers "$host" "$port" \
            || die "REDIS_URL=$redis_url does not answer PING"
    else
        start_redis
        redis_url=redis://127.0.0.1:$REDIS_PORT
    fi

    printf 'KAFKA_BROKERS=%s\nREDIS_URL=%s\n' "$brokers" "$redis_url" \
        > "$STACK_ENV"

    say "Kafka: $brokers"
    say "Redis: $redis_url"
    say "stack addresses written to $STACK_ENV"
}

stop_pid() {
    local pidfile=$1 name=$2 pid i

    pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
    pid=$(cat "$pidfile")
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # setsid made Kafka a group leader: nothing of it may linger
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

cmd_down() {
    stop_pid "$STATE/run/nginx.pid" nginx
    stop_pid "$STATE/kafka/kafka.pid" Kafka
    stop_pid "$STATE/redis/redis.pid" Redis
    rm -rf "$STATE/kafka" "$STATE/redis" "$STATE/run" "$STATE"/servroot* \
        "$STATE"/jwt-keys-* "$STACK_ENV"
}

load_stack_env() {
    [ -f "$STACK_ENV" ] || die "no stack: run ./build.sh up"
    # shellcheck disable=SC1090
    . "$STACK_ENV"
    export KAFKA_BROKERS REDIS_URL
}


# --------------------------------------------------------------------------
# run

cmd_run() {
    local dir=$STATE/run demo_port=${EDA_DEMO_PORT:-18090} svc

    cmd_deps
    cmd_build
    cmd_up
    load_stack_env

    rm -rf "$dir/logs"
    EDA_MODULE=$(module_path) DEMO_LISTEN=127.0.0.1:$NGINX_PORT \
        DEMO_PORT=$demo_port "$ROOT/demo/render.sh" "$dir"
    nginx -p "$dir" -c "$dir/nginx.conf" -t -q

    # the demo's services first (they create the topics), then nginx
    port_busy "$demo_port" && die "port $demo_port is in use: set" \
        "EDA_DEMO_PORT"
    "$ROOT/demo/services.py" --brokers "$KAFKA_BROKERS" \
        --key "$dir/demo-jwt.key" --port "$demo_port" \
        --definitions "$ROOT/docs/examples/sagas.json" \
        > "$dir/logs/services.log" 2>&1 &
    svc=$!
    trap 'kill $svc 2>/dev/null' EXIT
    wait_for "the demo services" 60 \
        grep -q READY "$dir/logs/services.log"

    cat >&2 <<EOF

The demo shop is on  http://127.0.0.1:$NGINX_PORT/  (sign in with any name;
a second tab, or another name, shows what each user sees).
Gateway metrics:     http://127.0.0.1:$NGINX_PORT/metrics
Logs:                $dir/logs/
Ctrl-C stops nginx and the demo services; "./build.sh down" stops Kafka
and Redis.

EOF
    nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
}


# --------------------------------------------------------------------------
# checks and tests

cmd_lint() {
    local bad=0 f

    while IFS= read -r f; do
        if grep -n "$(printf '\t')" "$f" >/dev/null; then
            echo "$f: tab character" >&2; bad=1
        fi
        if grep -nE ' +$' "$f" >/dev/null; then
            echo "$f: trailing spaces" >&2; bad=1
        fi
        if awk 'length($0) > 80 { exit 1 }' "$f"; then :; else
            echo "$f: line longer than 80 columns" >&2; bad=1
        fi
    done < <(cd "$ROOT" && git ls-files -co --exclude-standard \
                 '*.c' '*.h' | sed "s|^|$ROOT/|")

    if [ $bad -eq 0 ]; then
        say "style check passed"
    else
        say "style check failed"
    fi

    # which folder may include and call what (t/lint/layers.py says)
    if python3 "$ROOT/t/lint/layers.py" "$ROOT" >&2; then
        say "layer check passed"
    else
        say "layer check failed"
        bad=1
    fi

    return $bad
}

# core_archive DIR CC FLAGS...: every file of ngx_eda_module/core compiled
# with CC and FLAGS into DIR/libeda_core.a (again only when a core file or
# the flags changed).  Unit tests and fuzz targets link against it, so the
# linker takes what each needs, and a core that comes to use another core
# needs no change to any test.
core_archive() {
    local dir=$1 cc=$2 new f pids=() rc=0
    shift 2

    new=$( { printf '%s\n' "$cc" "$@"
             cat "$ROOT"/ngx_eda_module/core/*.[ch]; } | sha256sum)
    if [ -f "$dir/libeda_core.a" ] && [ "$(cat "$dir/built" 2>/dev/null)" \
        = "$new" ]
    then
        return 0
    fi

    rm -rf "$dir" && mkdir -p "$dir"
    for f in "$ROOT"/ngx_eda_module/core/*.c; do
        "$cc" "$@" -I"$ROOT/ngx_eda_module/core" -c \
            -o "$dir/$(basename "$f" .c).o" "$f" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$(nproc)" ]; then
            wait "${pids[0]}" || rc=1
            pids=("${pids[@]:1}")
        fi
    done
    for f in "${pids[@]}"; do
        wait "$f" || rc=1
    done
    [ $rc -eq 0 ] || return 1
    ar rcs "$dir/libeda_core.a" "$dir"/*.o || return 1
    echo "$new" > "$dir/built"
}

# what the cores link against
CORE_LIBS=(-ljansson -lcrypto -lm)

cmd_unit() {
    local bin=$ROOT/t/unit/bin t name out passed=0 failed=0 r
    local cflags=(-std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror
        -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
        -fno-sanitize-recover=undefined)

    mkdir -p "$bin"
    core_archive "$STATE/unit-core" cc "${cflags[@]}" \
        || die "the cores do not compile"

    for t in "$ROOT"/t/unit/test_*.c; do
        name=$(basename "$t" .c)
        cc "${cflags[@]}" -I"$ROOT/ngx_eda_module/core" -I"$ROOT/t/unit" \
            -o "$bin/$name" "$t" "$STATE/unit-core/libeda_core.a" \
            "${CORE_LIBS[@]}" \
            || die "unit test $name does not compile"

        out=$("$bin/$name" 2>&1) || true
        printf '%s\n' "$out" | grep -v '^RESULT ' || true
        r=$(printf '%s\n' "$out" | sed -n 's/^RESULT //p')
        if [ -z "$r" ]; then
            echo "$name: crashed" >&2
            failed=$((failed + 1))
            continue
        fi
        passed=$((passed + ${r% *}))
        failed=$((failed + ${r#* }))
    done

    echo "unit: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# Memory errors and undefined behaviour anywhere fail the run; a leak fails
# it when the module or a library it drives allocated the memory ("unknown
# module" frames are code unloaded before the report: the module's).
asan_verdict() {
    local f bad=0

    for f in "$STATE"/asan[.-]*; do
        [ -e "$f" ] || continue
        if grep -qE 'ERROR: AddressSanitizer|runtime error' "$f"; then
            cat "$f" >&2; bad=1
        elif grep -q 'LeakSanitizer' "$f" \
            && grep -qE 'ngx_eda|ngx_http_eda|rd_kafka|redis|jansson|jwt|<unknown module>' "$f"
        then
            cat "$f" >&2; bad=1
        fi
    done

    [ $bad -eq 0 ] && say "sanitizers: no report concerns the module"
    return $bad
}

cmd_test() {
    local asan=0 started_stack=0 rc=0 arg binary modpath

    for arg in "$@"; do
        case $arg in
            --asan) asan=1 ;;
            *) die "unknown option to test: $arg" ;;
        esac
    done

    cmd_deps
    cmd_build
    # a failed check fails the run, after the tests ran
    cmd_lint || rc=1

    # a stack someone started before (./build.sh up) is left running
    if ! pid_alive "$STATE/kafka/kafka.pid" \
        && ! pid_alive "$STATE/redis/redis.pid"
    then
        started_stack=1
        trap 'cmd_down' EXIT
    fi
    cmd_up
    load_stack_env

    cmd_unit || rc=1
    cmd_fuzz_replay || rc=1

    binary=$(command -v nginx)
    modpath=$(module_path)
    if [ $asan -eq 1 ]; then
        build_asan
        binary=$STATE/build-asan/objs/nginx
        modpath=$STATE/build-asan/objs/ngx_eda_module.so
        # ODR: nginx's dynamic modules define ngx_module_names by design.
        # Leaks are reported, not fatal, at exit: nginx itself does not
        # free everything (a failed startup, the event arrays), so the
        # reports are judged below by whether the module is in them.
        rm -f "$STATE"/asan[.-]*
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0:abort_on_error=1:log_path=$STATE/asan}
        export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/t/sanitizers/lsan.supp:exitcode=0}
        export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:log_path=$STATE/asan}
    fi

    local redis=${REDIS_URL#redis://}
    redis=${redis%%/*}

    # Test::Nginx's own server: a port free now unless one was given, so
    # that two runs on one machine do not meet (private instances pick
    # theirs in t/lib/EdaTest.pm)
    if [ -z "${TEST_NGINX_PORT:-}" ]; then
        TEST_NGINX_PORT=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        export TEST_NGINX_PORT
    fi

    export TEST_NGINX_BINARY=$binary
    export TEST_NGINX_LOAD_MODULES=$modpath
    export TEST_NGINX_SERVROOT=$STATE/servroot
    export TEST_NGINX_EDA_ROOT=$ROOT
    export TEST_NGINX_KAFKA_BROKERS=$KAFKA_BROKERS
    export TEST_NGINX_REDIS_HOST=${redis%:*}
    export TEST_NGINX_REDIS_PORT=${redis##*:}
    export EDA_STATE_DIR=$STATE

    # shellcheck disable=SC2086
    (cd "$ROOT" && prove -I t/lib -r ${TEST_FILES:-t/}) || rc=1

    if [ $asan -eq 1 ]; then
        asan_verdict || rc=1
    fi

    if [ $started_stack -eq 1 ]; then
        trap - EXIT
        cmd_down
    fi

    return $rc
}


# --------------------------------------------------------------------------
# fuzzing: t/fuzz/fuzz_NAME.c, libFuzzer with ASan and UBSan, seeded from
# t/fuzz/corpus/NAME (new inputs go to the state dir, not the repository)

fuzz_names() {
    (cd "$ROOT/t/fuzz" && ls fuzz_*.c) | sed 's/^fuzz_//; s/\.c$//'
}

# fuzz_build NAME: compiles t/fuzz/fuzz_NAME.c with the sources and libs
# its header names into $STATE/fuzz/NAME/fuzz_NAME, again only when the
# target, the sources or the core headers changed
fuzz_build() {
    local name=$1 src=$ROOT/t/fuzz/fuzz_$1.c dir=$STATE/fuzz/$1 new cmd
    local core=$STATE/fuzz-core
    local flags=(-g -O1 -fsanitize=fuzzer,address,undefined
                 -fno-sanitize-recover=undefined)

    mkdir -p "$dir"
    core_archive "$core" clang "${flags[@]}" || return 1

    cmd=(clang "${flags[@]}" -I"$ROOT/ngx_eda_module/core" -I"$ROOT/t/unit"
         -o "$dir/fuzz_$name" "$src" "$core/libeda_core.a" "${CORE_LIBS[@]}")

    new=$( { printf '%s\n' "${cmd[@]}"
             cat "$src" "$core/built" "$ROOT"/t/unit/*.h; } | sha256sum)
    if [ -x "$dir/fuzz_$name" ] && [ -f "$dir/built" ] \
        && [ "$(cat "$dir/built")" = "$new" ]
    then
        return 0
    fi

    rm -f "$dir/built"
    "${cmd[@]}" || return 1
    echo "$new" > "$dir/built"
}

cmd_fuzz() {
    local name=${1:-} secs=${2:-60} dir

    [ -n "$name" ] && [ -f "$ROOT/t/fuzz/fuzz_$name.c" ] \
        || die "usage: ./build.sh fuzz NAME [seconds] (NAME:" \
               "$(fuzz_names | tr '\n' ' '))"

    apt_install "${FUZZ_PACKAGES[@]}"

    dir=$STATE/fuzz/$name
    mkdir -p "$dir/corpus"
    cp -n "$ROOT/t/fuzz/corpus/$name"/* "$dir/corpus/" 2>/dev/null || true

    fuzz_build "$name" || die "fuzz target $name does not build"

    say "fuzzing $name for $secs s (corpus: $dir/corpus)"
    (cd "$dir" && "./fuzz_$name" -max_total_time="$secs" \
        -print_final_stats=1 corpus 2>&1 | tail -n 15)
}

# Every fuzz target builds and runs its seed corpus without a crash: each
# file of t/fuzz/corpus/NAME once, given as an argument (nothing is
# written back, no mutation).
cmd_fuzz_replay() {
    local name out passed=0 failed=0 seeds

    for name in $(fuzz_names); do
        if ! out=$(fuzz_build "$name" 2>&1); then
            printf '%s\n' "$out" >&2
            echo "fuzz $name: does not build" >&2
            failed=$((failed + 1))
            continue
        fi
        seeds=("$ROOT/t/fuzz/corpus/$name"/*)
        if [ ! -f "${seeds[0]}" ]; then
            echo "fuzz $name: no seed corpus t/fuzz/corpus/$name" >&2
            failed=$((failed + 1))
            continue
        fi
        if out=$("$STATE/fuzz/$name/fuzz_$name" "${seeds[@]}" 2>&1); then
            passed=$((passed + 1))
        else
            printf '%s\n' "$out" | tail -n 40 >&2
            echo "fuzz $name: crashed on its corpus" >&2
            failed=$((failed + 1))
        fi
    done

    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}


# --------------------------------------------------------------------------
# benchmarks: t/bench/NAME.sh, run against the real stack

cmd_bench() {
    local what=${1:-} started_stack=0 rc=0 names

    names=$(cd "$ROOT/t/bench" 2>/dev/null && ls -- *.sh 2>/dev/null \
        | sed 's/\.sh$//' | tr '\n' ' ' || true)
    [ -n "$what" ] && [ -f "$ROOT/t/bench/$what.sh" ] \
        || die "usage: ./build.sh bench NAME (one of: ${names:-none yet})"
    shift

    cmd_deps
    cmd_build

    if ! pid_alive "$STATE/kafka/kafka.pid" \
        && ! pid_alive "$STATE/redis/redis.pid"
    then
        started_stack=1
        trap 'cmd_down' EXIT
    fi
    cmd_up
    load_stack_env

    EDA_ROOT=$ROOT EDA_STATE_DIR=$STATE EDA_MODULE=$(module_path) \
        bash "$ROOT/t/bench/$what.sh" "$@" || rc=$?

    if [ $started_stack -eq 1 ]; then
        trap - EXIT
        cmd_down
    fi

    return $rc
}


# --------------------------------------------------------------------------

# shellcheck source=t/lib/nginx_matrix.sh
. "$ROOT/t/lib/nginx_matrix.sh"

main() {
    local cmd=${1:-help}

    [ $# -gt 0 ] && shift

    case $cmd in
        deps)  cmd_deps "$@" ;;
        build) cmd_build ;;
        build-matrix) cmd_build_matrix ;;
        path)  [ -f "$(module_path)" ] || die "not built: ./build.sh build"
               module_path ;;
        up)    cmd_up ;;
        down)  cmd_down ;;
        run)   cmd_run ;;
        test)  cmd_test "$@" ;;
        cluster-up)   cmd_cluster_up ;;
        cluster-down) cmd_cluster_down ;;
        cluster-stop) cmd_cluster_stop "$@" ;;
        kafka-stop)  stop_pid "$STATE/kafka/kafka.pid" Kafka ;;
        redis-stop)  stop_pid "$STATE/redis/redis.pid" Redis ;;
        unit)  cmd_unit ;;
        bench) cmd_bench "$@" ;;
        fuzz)  cmd_fuzz "$@" ;;
        fuzz-replay) apt_install "${FUZZ_PACKAGES[@]}"; cmd_fuzz_replay ;;
        lint)  cmd_lint || die "lint failed" ;;
        image) . "$ROOT/deploy/images/build-image.sh"; cmd_image "$@" ;;
        help|-h|--help) usage ;;
        *) usage >&2; die "unknown command: $cmd" ;;
    esac
}

# one line: bash reads no further once main returns, so a run is not
# disturbed by an edit of this file made meanwhile
main "$@"; exit $?
