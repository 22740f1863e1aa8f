#!/usr/bin/env bash
#
# t/bench/instructions.sh: where the publish path spends its work, counted
# in instructions per request by valgrind's callgrind.  A count moves by
# a few percent between runs (delivery reports and timers are batched by
# how the run went), whatever else the machine is doing, where the
# wall-clock rates of "bench publish" vary by +-50% between runs on this
# shared machine: this is the figure to compare before and after a change
# to the publish path.  Run it with "./build.sh bench instructions".
#
# The cases and the configuration are publish.sh's (sourced): (a) wait on,
# (b) wait off, (c) return 202, (e) lua-resty-kafka async when Debian's
# lua packages are there.  One nginx, as one process (master_process off)
# under callgrind, instrumented only while a case's measured run lasts:
# wrk -c4 for EDA_BENCH_DURATION seconds (10) after a warm-up.  Every
# thread counts (librdkafka's too, apart from nginx's own thread, which is
# the request path): instructions / 2xx answers of the run.
# The cases' own functions with most instructions (inclusive and own) are
# printed; the table goes to docs/benchmarks.md between its markers.

set -euo pipefail

ROOT=${EDA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
EDA_BENCH_SOURCED=1
# shellcheck source=t/bench/publish.sh
. "$ROOT/t/bench/publish.sh"

BENCH_NAME=instructions.sh
MARK_START='<!-- bench:instructions:start -->'
MARK_END='<!-- bench:instructions:end -->'
CG=$BENCH/instructions
VG_PID=

declare -A I_IR I_MAIN I_OK I_PER I_MPER

# nginx wrote its pid file (valgrind's own process) once it started;
# before that only the valgrind process is there to kill
vg_stop() {
    [ -n "$VG_PID" ] || return 0
    bench_nginx_stop "$PREFIX"
    kill -KILL "$VG_PID" 2>/dev/null || true
    VG_PID=
}

# nginx as one process under callgrind, not instrumented until a case
vg_start() {
    local i

    sed -e '1a daemon off;\nmaster_process off;' "$CONF" > "$CG/nginx.conf"
    "$NGINX" -t -q -p "$PREFIX/" -c "$CG/nginx.conf" \
        || die "nginx -t failed for $CG/nginx.conf"
    valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes \
        --callgrind-out-file="$CG/callgrind.out" \
        "$NGINX" -p "$PREFIX/" -c "$CG/nginx.conf" > "$CG/valgrind.log" 2>&1 &
    VG_PID=$!

    for i in $(seq 300); do
        curl -s -o /dev/null "$URL/ceiling" && return 0
        kill -0 "$VG_PID" 2>/dev/null \
            || { cat "$CG/valgrind.log" >&2; die "nginx under valgrind exited"; }
        sleep 0.2
    done
    die "nginx under valgrind does not answer on $URL"
}

cg() { callgrind_control "$@" "$VG_PID" >/dev/null; }

# count LETTER PATH: instructions per 2xx answer of one run
count() {
    local id=$1 path=$2 out file

    say "($id) $path: warm-up ${WARMUP}s, then ${DURATION}s counted"
    cg -i on
    run_wrk "$id-cg-warmup" "$path" 4 "$WARMUP"
    cg -z
    run_wrk "$id-cg" "$path" 4 "$DURATION"
    cg -d "$id"
    cg -i off

    # one file per thread: -01 is nginx's own, the others librdkafka's
    for file in "$CG"/callgrind.out.*-*; do
        mv "$file" "$CG/$id-${file##*-}.out"
    done
    I_IR[$id]=$(awk '/^totals:/ { s += $2 } END { print s + 0 }' \
                "$CG/$id"-*.out)
    I_MAIN[$id]=$(awk '/^totals:/ { print $2 }' "$CG/$id-01.out")
    I_OK[$id]=$R_ok
    BODY_BYTES=$R_body_bytes
    I_PER[$id]=$(awk -v ir="${I_IR[$id]}" -v n="$R_ok" \
                 'BEGIN { printf "%.0f", (n > 0 ? ir / n : 0) }')
    I_MPER[$id]=$(awk -v ir="${I_MAIN[$id]}" -v n="$R_ok" \
                  'BEGIN { printf "%.0f", (n > 0 ? ir / n : 0) }')
    [ "$R_non2xx" -eq 0 ] && [ "$R_sockerr" -eq 0 ] \
        || die "($id) errors while counted: $R_non2xx non-2xx, $R_sockerr socket"
    printf '    %s instructions per request, %s of them in nginx'"'"'s thread (%s requests)\n' \
        "${I_PER[$id]}" "${I_MPER[$id]}" "$R_ok" >&2
    top "$id" > "$CG/$id.top"
    cat "$CG/$id.top" >&2
}

# the module's (and the peer's) functions with most instructions per
# request, inclusive and own
top() {
    local id=$1 mode

    for mode in yes no; do
        echo "    ($id) per request, $( [ $mode = yes ] && echo inclusive || echo own):"
        callgrind_annotate --inclusive=$mode "$CG/$id-01.out" 2>/dev/null \
            | awk -v n="${I_OK[$id]}" '
                /^ *[0-9,]+ \(/ && /ngx_(http_)?eda_|rd_kafka_|lua_|malloc|free/ {
                    ir = $1; gsub(/,/, "", ir)
                    fn = $0; sub(/.*:/, "", fn); sub(/ \[.*/, "", fn)
                    if (fn ~ /^0x/ || seen[fn]++) next
                    if (++k <= 8) printf "      %7.0f %s\n", ir / n, fn }'
    done
}

section() {
    local i

    cat <<EOF
$MARK_START
## Instructions per request (publish)

Counted on $(date -u '+%Y-%m-%d %H:%M UTC') with \`./build.sh bench instructions\`
(t/bench/instructions.sh): valgrind's callgrind counts the instructions of
one nginx process (every thread, librdkafka's too) while \`wrk -c4\` posts
the bench's ${BODY_BYTES}-byte JSON body for ${DURATION} s, divided by the 2xx
answers. Unlike the rates above, which vary by +-50% between runs on a
shared machine, these counts move by a few percent from run to run
(delivery reports and timers are batched by how the run went): a change
of 5% or more is the change's.

| case | location | instructions / request | vs return 202 | in nginx's thread |
| --- | --- | ---: | ---: | ---: |
EOF
    for i in a b c e; do
        [ -n "${I_PER[$i]:-}" ] || continue
        printf '| (%s) %s | `%s` | %s | %s | %s |\n' "$i" "${C_NAME[$i]}" \
            "${C_PATH[$i]}" "${I_PER[$i]}" \
            "$(ratio "${I_PER[$i]}" "${I_PER[c]}")" "${I_MPER[$i]}"
    done
    cat <<EOF

nginx's thread serves the requests; librdkafka's threads (the rest)
batch and send the records, and also wake on timers whatever the load,
so that share varies a little with how many requests a run gets through.
lua-resty-kafka has no threads: all its work is in nginx's.

Where nginx's thread spends them, per request (the module's functions
and those of the libraries it calls; inclusive counts a function with
what it calls; \`ngx_http_eda_emit_*_filter\` heads nginx's filter chain,
so its inclusive count is the whole chain's, for every location: it
passes a response through at once where \`eda_emit\` is off):

EOF
    for i in a b e; do
        [ -f "$CG/$i.top" ] || continue
        sed 's/^    /    /' "$CG/$i.top"
        echo
    done
    cat <<EOF
EOF
    echo
    echo "$MARK_END"
}

instructions_main() {
    command -v valgrind >/dev/null || bench_install valgrind
    command -v callgrind_control >/dev/null || die "valgrind is missing"
    install_packages
    find_lua
    mkdir -p "$BENCH" "$CG"
    rm -f "$CG"/callgrind.out* "$CG"/*.out
    trap vg_stop EXIT
    trap 'exit 130' INT TERM

    write_config
    kcat -L -b "$BROKERS" >/dev/null 2>&1 || die "Kafka not reachable at $BROKERS"
    create_topics bench-a bench-b
    [ $LUA_OK -eq 0 ] || create_topics bench-e
    vg_start

    C_NAME[a]="eda_publish, wait on" C_PATH[a]=/publish-wait
    C_NAME[b]="eda_publish, wait off" C_PATH[b]=/publish-nowait
    C_NAME[c]="return 202" C_PATH[c]=/ceiling
    C_NAME[e]="lua-resty-kafka async" C_PATH[e]=/lua-async

    count a /publish-wait
    count b /publish-nowait
    count c /ceiling
    [ $LUA_OK -eq 0 ] || count e /lua-async

    vg_stop
    trap - EXIT
    echo
    section | sed '/^<!--/d'
    write_doc
}

instructions_main "$@"
