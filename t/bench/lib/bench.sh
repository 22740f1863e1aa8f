# t/bench/lib/bench.sh: what the benchmarks of t/bench share (sourced, not
# run): messages, Debian packages, nginx instances under a prefix, Kafka
# topics, and the section of docs/benchmarks.md each benchmark rewrites.
# The sourcing script sets BENCH_NAME before, and STATE, BROKERS, DOC,
# MARK_START, MARK_END and a "section" function before write_doc.

NGINX=${NGINX:-/usr/sbin/nginx}
SKIPPED=()         # "package or case: reason" of what was not measured

say()  { printf '==> %s\n' "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$BENCH_NAME" "$*" >&2; }
die()  { printf '%s: error: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }


# --------------------------------------------------------------------------
# Debian packages

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" \
        = "install ok installed" ]
}

pkg_candidate() {
    { apt-cache policy "$1" 2>/dev/null || true; } \
        | awk '/Candidate:/ && !seen { print $2; seen = 1 }'
}

pkg_version() {
    dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"
    fi
}

# bench_install PACKAGE...: installs what is missing and available; what
# is not available is added to SKIPPED, the caller decides what it needs
bench_install() {
    local p cand want=() updated=0

    for p in "$@"; do
        pkg_installed "$p" && continue
        cand=$(pkg_candidate "$p")
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
            if [ $updated -eq 0 ]; then
                as_root apt-get update -qq >/dev/null || true
                updated=1
            fi
            cand=$(pkg_candidate "$p")
        fi
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
            SKIPPED+=("$p: not available from the configured apt sources")
            warn "$p is not available (apt-cache policy has no candidate)"
            continue
        fi
        want+=("$p")
    done

    if [ ${#want[@]} -gt 0 ]; then
        say "installing ${want[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${want[@]}" \
            >/dev/null || die "apt-get install ${want[*]} failed"
    fi
}


# --------------------------------------------------------------------------
# nginx instances, each under its own prefix (PREFIX/logs/nginx.pid)

# bench_nginx_stop PREFIX: QUIT, then KILL after 5 s; only a master that
# was started with this prefix
bench_nginx_stop() {
    local prefix=$1 pid workers i

    [ -s "$prefix/logs/nginx.pid" ] || return 0
    pid=$(cat "$prefix/logs/nginx.pid")
    { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null \
        | grep -qF -- "$prefix" || { rm -f "$prefix/logs/nginx.pid"; return 0; }

    workers=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr '\n' ' ' || true)
    kill -QUIT "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "nginx $pid did not quit in 5 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # workers left behind by a killed master (still nginx processes)
    for i in $workers; do
        [ "$(cat "/proc/$i/comm" 2>/dev/null)" = nginx ] \
            && kill -KILL "$i" 2>/dev/null || true
    done
    rm -f "$prefix/logs/nginx.pid"
}

# bench_nginx_start PREFIX CONF: prints the master's pid
bench_nginx_start() {
    local prefix=$1 conf=$2 i

    bench_nginx_stop "$prefix"       # a leftover of an interrupted run
    mkdir -p "$prefix/logs"
    : > "$prefix/logs/error.log"

    "$NGINX" -t -q -p "$prefix/" -e "$prefix/logs/error.log" -c "$conf" \
        || die "nginx -t failed for $conf"
    "$NGINX" -p "$prefix/" -e "$prefix/logs/error.log" -c "$conf" \
        || die "nginx did not start; see $prefix/logs/error.log"

    for i in $(seq 50); do
        [ -s "$prefix/logs/nginx.pid" ] && break
        sleep 0.1
    done
    [ -s "$prefix/logs/nginx.pid" ] || die "nginx wrote no pid file in $prefix"
    cat "$prefix/logs/nginx.pid"
}

# the top of a benchmark's nginx.conf under PREFIX (its logs and temporary
# files there): bench_conf_head PREFIX LOAD_MODULE_LINES WORKERS; the
# caller goes on inside the http block
bench_conf_head() {
    cat <<EOF
$2

worker_processes $3;
worker_rlimit_nofile 20000;
error_log $1/logs/error.log warn;
pid $1/logs/nginx.pid;

events {
    worker_connections 12000;
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $1/temp/body;
    proxy_temp_path $1/temp/proxy;
    fastcgi_temp_path $1/temp/fastcgi;
    uwsgi_temp_path $1/temp/uwsgi;
    scgi_temp_path $1/temp/scgi;
EOF
}

# the worker processes of a master, comma-separated
bench_nginx_workers() {
    ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | paste -sd, -
}


# --------------------------------------------------------------------------
# Kafka

topic_partitions() {
    kcat -L -b "$BROKERS" -t "$1" 2>/dev/null \
        | awk '$1 == "partition" { sub(",", "", $2); print $2 }'
}

create_topics() {
    local t i

    for t in "$@"; do
        # a record makes the broker create the topic now, not during a run
        printf 'bench topic created\n' \
            | kcat -P -b "$BROKERS" -t "$t" 2>/dev/null \
            || die "cannot produce to $t on $BROKERS"
        for i in $(seq 50); do
            [ -n "$(topic_partitions "$t")" ] && break
            sleep 0.1
        done
        [ -n "$(topic_partitions "$t")" ] || die "topic $t was not created"
    done
}

# CPU time (clock ticks, every thread) of the processes PIDS...; a process
# that is gone counts 0
cpu_ticks() {
    local pid total=0 t

    for pid in "$@"; do
        t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

# the machine's busy clock ticks, every CPU (user, nice, system, irq,
# softirq, steal)
machine_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# EDA_BENCH_KAFKA_PROPERTIES ("name=value name=value") as eda_kafka_property
# directives, for a benchmark's gateway configuration: to try settings
kafka_properties() {
    local kv

    for kv in ${EDA_BENCH_KAFKA_PROPERTIES:-}; do
        printf '    eda_kafka_property %s %s;\n' "${kv%%=*}" "${kv#*=}"
    done
}

kafka_version() {
    local v

    v=$(grep -h -m1 -o 'Kafka version: [^ ]*' \
        "$STATE/kafka/server.log" "$STATE/kafka/stdout.log" 2>/dev/null \
        | head -n1 | sed 's/Kafka version: //' || true)
    if [ -z "$v" ]; then
        v=$(ls -d "$STATE"/cache/kafka-* 2>/dev/null | head -n1 \
            | sed 's/.*kafka-//' || true)
    fi
    echo "${v:-unknown}"
}


# --------------------------------------------------------------------------
# numbers and the report

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "" || b == "" || b + 0 <= 0) print "n/a"; else printf "%.2f", a / b }'
}

# the output of "section" replaces the lines between MARK_START and
# MARK_END of DOC (appended when the markers are not there); DOC "-": no
write_doc() {
    local tmp

    [ "$DOC" != "-" ] || return 0
    tmp=$(mktemp)
    section > "$tmp.section"
    if [ -f "$DOC" ] && grep -qxF -- "$MARK_START" "$DOC" \
        && grep -qxF -- "$MARK_END" "$DOC"
    then
        awk -v s="$MARK_START" -v e="$MARK_END" -v f="$tmp.section" '
            $0 == s { while ((getline l < f) > 0) print l; skip = 1; next }
            $0 == e { skip = 0; next }
            !skip' "$DOC" > "$tmp"
    else
        if [ -f "$DOC" ]; then
            cat "$DOC"
            echo
        else
            printf '# Benchmarks\n\nEach section is written by its benchmark, %s.\n\n' \
                '`./build.sh bench NAME` (t/bench/NAME.sh)'
        fi > "$tmp"
        cat "$tmp.section" >> "$tmp"
    fi
    cat "$tmp" > "$DOC"
    rm -f "$tmp" "$tmp.section"
    say "wrote $DOC"
}


# --------------------------------------------------------------------------
# profiles: where the time goes (EDA_BENCH_PROFILE=1)

INFERNO_VERSION=0.12.8
PROFILE_DIR=${EDA_BENCH_PROFILE_DIR:-${ROOT:-.}/docs/perf}
PROFILES=()        # "NAME: the heaviest functions" of each profile taken

# perf (Debian's linux-perf) samples the stacks; inferno (crates.io, the
# flame graph tools in Rust, installed with the machine's cargo into
# STATE/tools) folds them and draws the SVG
bench_profile_tools() {
    [ -n "${EDA_BENCH_PROFILE:-}" ] || return 0
    command -v perf >/dev/null || bench_install linux-perf
    command -v perf >/dev/null || die "EDA_BENCH_PROFILE: perf is missing"
    INFERNO=$STATE/tools/bin
    if [ ! -x "$INFERNO/inferno-flamegraph" ]; then
        command -v cargo >/dev/null \
            || die "EDA_BENCH_PROFILE: cargo is needed to install inferno"
        say "installing inferno $INFERNO_VERSION (crates.io) into $STATE/tools"
        cargo install -q --locked --root "$STATE/tools" inferno \
            --version "$INFERNO_VERSION" >/dev/null \
            || die "cargo install inferno failed"
    fi
}

# bench_profile NAME PIDS COMMAND...: runs COMMAND (in this shell: what it
# sets stays set); with EDA_BENCH_PROFILE=1, perf samples the processes
# PIDS (comma-separated) on CPU meanwhile, with their call stacks
# (DWARF: Debian's binaries have no frame pointers).  The flame graph is
# written to PROFILE_DIR/NAME.svg, the ten functions with most time of
# their own to STATE/bench/NAME.top, the share of each binary to
# STATE/bench/NAME.dso, a summary of both to PROFILES.
bench_profile() {
    local name=$1 pids=$2 data folded perf_pid rc=0
    shift 2

    if [ -z "${EDA_BENCH_PROFILE:-}" ]; then
        "$@"
        return
    fi

    mkdir -p "$STATE/bench" "$PROFILE_DIR"
    data=$STATE/bench/$name.perf
    folded=$STATE/bench/$name.folded
    perf record -q -F "${EDA_BENCH_PROFILE_HZ:-499}" \
        --call-graph dwarf,16384 -p "$pids" -o "$data" >/dev/null 2>&1 &
    perf_pid=$!
    "$@" || rc=$?
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true

    perf script -i "$data" 2>/dev/null | "$INFERNO/inferno-collapse-perf" \
        > "$folded" || die "no profile for $name"
    "$INFERNO/inferno-flamegraph" --title "$name" --width 1400 \
        < "$folded" > "$PROFILE_DIR/$name.svg" \
        || die "no flame graph for $name"
    bench_profile_top "$folded" > "$STATE/bench/$name.top"
    # own time per binary: the module, nginx, librdkafka, libc, the kernel
    perf report -i "$data" --no-children --sort dso --stdio -q 2>/dev/null \
        | awk 'NF >= 2 && $1 ~ /%$/ && ++n <= 6 { print $1, $2 }' \
        > "$STATE/bench/$name.dso"
    PROFILES+=("$name: $(head -n 5 "$STATE/bench/$name.top" \
                         | paste -sd ';' - | sed 's/;/; /g') (by binary: $(
                         paste -sd ',' "$STATE/bench/$name.dso" \
                         | sed 's/,/, /g'))")
    say "profile $name: $PROFILE_DIR/$name.svg"
    sed 's/^/    /' "$STATE/bench/$name.dso" "$STATE/bench/$name.top" >&2
    rm -f "$data"
    return $rc
}

# the functions with most samples of their own (the last frame of each
# folded stack), as "NN.N% function" (awk, not head, ends the pipe:
# head would leave sort with a SIGPIPE, fatal under pipefail)
bench_profile_top() {
    awk '{ n = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";")
           self[f[k]] += n; total += n }
         END { for (s in self) printf "%.1f%% %s\n", 100 * self[s] / total, s }' \
        "$1" | sort -rn | awk 'NR <= 10'
}
