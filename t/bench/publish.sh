#!/usr/bin/env bash
#
# t/bench/publish.sh: throughput and latency of eda_publish against the
# real Kafka broker, next to the nginx ceiling and lua-resty-kafka.
# Run it with "./build.sh bench publish", which builds the module, starts
# the stack and sets EDA_ROOT, EDA_STATE_DIR, EDA_MODULE, KAFKA_BROKERS.
#
# Cases, all served by ONE nginx (one worker) on 127.0.0.1:$EDA_BENCH_PORT:
#   a  /publish-wait    eda_publish, answer after the broker's ack (acks=all)
#   b  /publish-nowait  eda_publish with eda_publish_wait off
#   c  /ceiling         return 202 (the body is discarded, never buffered)
#   d  /lua-sync        lua-resty-kafka, sync producer, required_acks=-1
#   e  /lua-async       lua-resty-kafka, async producer, required_acks=-1
#   f  /publish-1k      (b) with a 1 KB body      g  /lua-async-1k   (e) so
#   h  /publish-64k     (b) with a 64 KB body     i  /lua-async-64k  (e) so
#                       (spooled to a temporary file by nginx, for both)
# Each case runs at every connection count of EDA_BENCH_CONNECTIONS (the
# same for all cases) and its peak is the best of them; then (a) runs again
# at about half of its peak rate for the p99 target.
# The results go to stdout and to docs/benchmarks.md, between the markers
# of this benchmark.
#
# Knobs (environment): EDA_BENCH_PORT (18080), EDA_BENCH_DURATION (10, s),
# EDA_BENCH_WARMUP (3, s), EDA_BENCH_CONNECTIONS ("32 1024"), EDA_BENCH_DOC
# (docs/benchmarks.md; "-" to leave the docs alone), EDA_BENCH_PROFILE
# (1: one more run per case at its peak's connection count, sampled by
# perf: flame graphs in docs/perf/publish-LETTER.svg, see bench.sh),
# EDA_BENCH_KAFKA_PROPERTIES ("name=value ...": eda_kafka_property lines,
# to try settings).

set -euo pipefail

ROOT=${EDA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
STATE=${EDA_STATE_DIR:-$ROOT/.eda}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
MODULE=${EDA_MODULE:-$STATE/build/objs/ngx_eda_module.so}
BROKERS=${KAFKA_BROKERS:-127.0.0.1:19092}

PORT=${EDA_BENCH_PORT:-18080}
DURATION=${EDA_BENCH_DURATION:-10}
WARMUP=${EDA_BENCH_WARMUP:-3}
read -r -a LEVELS <<< "${EDA_BENCH_CONNECTIONS:-32 1024}"  # wrk -c, per run
DOC=${EDA_BENCH_DOC:-$ROOT/docs/benchmarks.md}
THREADS=1          # wrk threads
WORKERS=1          # nginx worker processes
WRK_TIMEOUT=5s
HALF_PROBE=2       # seconds per probe when looking for the half-load point

NGINX=/usr/sbin/nginx
BENCH=$STATE/bench
PREFIX=$BENCH/publish
CONF=$BENCH/publish.conf
RESULTS=$PREFIX/results
SCRIPT=$ROOT/t/bench/post.lua
URL=http://127.0.0.1:$PORT

MARK_START='<!-- bench:publish:start -->'
MARK_END='<!-- bench:publish:end -->'

BENCH_NAME=publish.sh
# shellcheck source=t/bench/lib/bench.sh
. "$ROOT/t/bench/lib/bench.sh"

[ -f "$MODULE" ] || die "module not found: $MODULE (run ./build.sh build)"
[ -x "$NGINX" ] || die "$NGINX not found (Debian's nginx package)"
[ -f "$SCRIPT" ] || die "missing $SCRIPT"


# --------------------------------------------------------------------------
# packages: wrk, the lua module for nginx and Debian's lua-resty-kafka

LUA_OK=0

install_packages() {
    bench_install wrk libnginx-mod-http-lua lua-nginx-kafka
    command -v wrk >/dev/null || die "wrk is required and not available"
    command -v kcat >/dev/null || die "kcat is required (./build.sh deps)"
}

# where Debian put the lua modules of nginx and lua-resty-kafka
find_lua() {
    local producer

    LUA_NDK= LUA_MOD= LUA_ROOT= LUA_PRODUCER=
    pkg_installed libnginx-mod-http-lua && pkg_installed lua-nginx-kafka \
        || return 0

    LUA_NDK=$(dpkg -L libnginx-mod-http-ndk 2>/dev/null \
        | grep '/ndk_http_module\.so$' | head -n1 || true)
    LUA_MOD=$(dpkg -L libnginx-mod-http-lua 2>/dev/null \
        | grep '/ngx_http_lua_module\.so$' | head -n1 || true)
    producer=$(dpkg -L lua-nginx-kafka 2>/dev/null \
        | grep '/kafka/producer\.lua$' | head -n1 || true)

    if [ -z "$LUA_NDK" ] || [ -z "$LUA_MOD" ] || [ -z "$producer" ]; then
        SKIPPED+=("lua cases: the installed packages lack the expected files")
        warn "lua module or lua-resty-kafka files not found; lua cases skipped"
        return 0
    fi

    # .../ROOT/NS/kafka/producer.lua: Debian uses NS=nginx, upstream resty
    LUA_ROOT=$(dirname "$(dirname "$(dirname "$producer")")")
    LUA_PRODUCER=$(basename "$(dirname "$(dirname "$producer")")").kafka.producer
    LUA_OK=1
}


# --------------------------------------------------------------------------
# nginx

NGINX_PID=

stop_nginx() {
    bench_nginx_stop "$PREFIX"
    NGINX_PID=
}

write_config() {
    local lua_load= lua_http= lua_loc=

    if [ $LUA_OK -eq 1 ]; then
        lua_load="load_module $LUA_NDK;
load_module $LUA_MOD;"
        lua_http="    lua_package_path '$PREFIX/lua/?.lua;$LUA_ROOT/?.lua;;';
    lua_socket_log_errors on;
    init_by_lua_block {
        require('eda_bench_kafka').init('$BROKERS', '$LUA_PRODUCER')
    }"
        lua_loc="        location = /lua-sync {
            content_by_lua_block { require('eda_bench_kafka').sync('bench-d') }
        }

        location = /lua-async {
            content_by_lua_block { require('eda_bench_kafka').async('bench-e') }
        }

        location = /lua-async-1k {
            content_by_lua_block { require('eda_bench_kafka').async('bench-g') }
        }

        location = /lua-async-64k {
            content_by_lua_block { require('eda_bench_kafka').async_large('bench-i') }
        }"
    fi

    mkdir -p "$PREFIX/logs" "$PREFIX/temp" "$PREFIX/lua" "$RESULTS"
    rm -f "$RESULTS"/*.txt

    cat > "$CONF" <<EOF
# generated by t/bench/publish.sh; rewritten on every run
load_module $MODULE;
$lua_load

worker_processes $WORKERS;
worker_rlimit_nofile 16384;
error_log $PREFIX/logs/error.log warn;
pid $PREFIX/logs/nginx.pid;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_buffer_size 16k;
    client_body_temp_path $PREFIX/temp/body;
    proxy_temp_path $PREFIX/temp/proxy;
    fastcgi_temp_path $PREFIX/temp/fastcgi;
    uwsgi_temp_path $PREFIX/temp/uwsgi;
    scgi_temp_path $PREFIX/temp/scgi;

    eda_kafka_brokers $BROKERS;
$(kafka_properties)

$lua_http

    server {
        listen 127.0.0.1:$PORT;

        location = /publish-wait {
            eda_publish bench-a;
            eda_ce_type bench.event;
        }

        location = /publish-nowait {
            eda_publish bench-b;
            eda_ce_type bench.event;
            eda_publish_wait off;
        }

        location = /publish-1k {
            eda_publish bench-f;
            eda_ce_type bench.event;
            eda_publish_wait off;
        }

        location = /publish-64k {
            eda_publish bench-h;
            eda_ce_type bench.event;
            eda_publish_wait off;
        }

        location = /ceiling {
            default_type application/json;
            return 202 '{"ok":true}';
        }

$lua_loc
    }
}
EOF

    # the lua side: one module, loaded by init_by_lua in the master
    cat > "$PREFIX/lua/eda_bench_kafka.lua" <<'EOF'
-- generated by t/bench/publish.sh: the lua-resty-kafka peer of eda_publish
local M = {}

local producer, brokers
local idle = {}          -- sync producers not in use by a request (per worker)
local async_producers = {}     -- by batch size

function M.init(list, modname)
    producer = require(modname)
    brokers = {}
    for host, port in list:gmatch("([^,]+):(%d+)") do
        brokers[#brokers + 1] = { host = host, port = tonumber(port) }
    end
end

local function request_body()
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if data then
        return data
    end
    local name = ngx.req.get_body_file()
    if not name then
        return ""
    end
    local f = assert(io.open(name, "rb"))
    data = f:read("*a")
    f:close()
    return data
end

local function reply(status, body)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.print(body)
end

-- One sync producer per concurrent request, kept for the next request:
-- the library's producer is not safe to share between requests in sync
-- mode, and a new one per request would fetch metadata every time.
function M.sync(topic)
    local data = request_body()
    local p = table.remove(idle)
    if not p then
        p = producer:new(brokers, {
            producer_type = "sync",
            required_acks = -1,
            keepalive_size = 128,
        })
    end
    local offset, err = p:send(topic, nil, data)
    if not offset then
        ngx.log(ngx.ERR, "lua-sync: send to ", topic, " failed: ", err)
        return reply(503, '{"error":"kafka"}')
    end
    idle[#idle + 1] = p
    return reply(202, '{"ok":true}')
end

local function async_failed(topic, partition, queue, index, err, retryable)
    ngx.log(ngx.ERR, "lua-async: ", index / 2, " messages to ", topic, "/",
            partition, " lost: ", err)
end

local function async_send(topic, batch_size)
    local data = request_body()
    local p = async_producers[batch_size]
    if not p then
        p = producer:new(brokers, {
            producer_type = "async",
            required_acks = -1,
            keepalive_size = 128,
            batch_size = batch_size,
            error_handle = async_failed,
        }, "batch-" .. batch_size)   -- async producers are one per name
        async_producers[batch_size] = p
    end
    local ok, err = p:send(topic, nil, data)
    if not ok then
        ngx.log(ngx.ERR, "lua-async: queue to ", topic, " failed: ", err)
        return reply(503, '{"error":"queue"}')
    end
    return reply(202, '{"ok":true}')
end

-- the library's default batch (1 MB per partition) holds 16 bodies of
-- 64 KB, which with the batch's overhead is over the broker's
-- message.max.bytes: every one of those batches is refused
-- (MessageSizeTooLarge, and the events lost), so large bodies get a
-- producer with half that batch
function M.async(topic) return async_send(topic, 1048576) end
function M.async_large(topic) return async_send(topic, 524288) end

return M
EOF
}

start_nginx() {
    local i

    NGINX_PID=$(bench_nginx_start "$PREFIX" "$CONF")

    for i in $(seq 50); do
        curl -s -o /dev/null "$URL/ceiling" && return 0
        sleep 0.1
    done
    die "nginx does not answer on $URL"
}


# --------------------------------------------------------------------------
# Kafka

# "partition:end-offset ..." of a topic, the starting point of a count
topic_ends() {
    local t=$1 p args=()

    for p in $(topic_partitions "$t"); do
        args+=(-t "$t:$p:-1")
    done
    [ ${#args[@]} -gt 0 ] || die "topic $t has no partitions"
    kcat -Q -b "$BROKERS" "${args[@]}" \
        | awk '{ gsub(/[][]/, "", $2); printf "%s:%s ", $2, $4 }' \
        || die "cannot read the end offsets of $t"
}

# records that landed in topic $1 since the offsets $2 (from topic_ends)
records_since() {
    local t=$1 po n total=0

    for po in $2; do
        n=$(kcat -C -b "$BROKERS" -t "$t" -p "${po%%:*}" -o "${po#*:}" \
            -e -q -f '%o\n' 2>/dev/null | wc -l) \
            || die "cannot consume $t partition ${po%%:*}"
        total=$((total + n))
    done
    echo "$total"
}


# --------------------------------------------------------------------------
# wrk

# run_wrk NAME PATH CONNECTIONS SECONDS: the parsed numbers in R_*
run_wrk() {
    local name=$1 path=$2 c=$3 d=$4 out line kv

    out=$RESULTS/$name.txt
    EDA_BENCH_BODY_BYTES=${CASE_BODY:-} \
        wrk -t"$THREADS" -c"$c" -d"${d}s" --timeout "$WRK_TIMEOUT" --latency \
        -s "$SCRIPT" "$URL$path" > "$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed for $path"; }

    line=$(grep '^EDA-BENCH ' "$out" | tail -n1 || true)
    [ -n "$line" ] || { cat "$out" >&2; die "no result line from wrk"; }

    R_requests=0 R_duration_us=1 R_status_errors=0 R_connect_errors=0
    R_read_errors=0 R_write_errors=0 R_timeouts=0 R_p50_us=0 R_p99_us=0
    R_body_bytes=0
    for kv in ${line#EDA-BENCH }; do
        case ${kv%%=*} in
            requests|duration_us|status_errors|connect_errors|read_errors\
            |write_errors|timeouts|p50_us|p90_us|p99_us|max_us|body_bytes)
                printf -v "R_${kv%%=*}" '%s' "${kv#*=}" ;;
        esac
    done

    # wrk's own "Non-2xx or 3xx responses" line (statuses >= 400 for wrk)
    R_non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    R_non2xx=${R_non2xx:-0}
    [ "$R_non2xx" -ge "$R_status_errors" ] || R_non2xx=$R_status_errors
    R_sockerr=$((R_connect_errors + R_read_errors + R_write_errors + R_timeouts))
    R_ok=$((R_requests - R_non2xx))
    R_rps=$(per_s "$R_requests" "$R_duration_us")
    R_okps=$(per_s "$R_ok" "$R_duration_us")
}

per_s() { awk -v n="$1" -v us="$2" 'BEGIN { printf "%.0f", n / (us / 1e6) }'; }
ms()    { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# per case (by letter): name, path, note when skipped, error totals, peak;
# per case and connection count ("a,32"): rates and latencies
declare -A C_NAME C_PATH C_NOTE C_PEAK C_PEAKC C_PEAKERR C_KAFKA C_LOST \
    L_RPS L_OKPS L_P50 L_P99 L_NON2XX L_SOCKERR

# bench_case LETTER NAME PATH [TOPIC [BODY_BYTES]]
bench_case() {
    local id=$1 name=$2 path=$3 topic=${4:-} ends= ok=0 inflight=0 c err landed
    CASE_BODY=${5:-}

    C_NAME[$id]=$name C_PATH[$id]=$path
    C_PEAK[$id]=0 C_PEAKC[$id]=0 C_PEAKERR[$id]=1
    [ -z "$topic" ] || ends=$(topic_ends "$topic")

    say "($id) $path: warm-up ${WARMUP}s"
    run_wrk "$id-warmup" "$path" "${LEVELS[0]}" "$WARMUP"
    ok=$((ok + R_ok)) inflight=$((inflight + LEVELS[0]))

    for c in "${LEVELS[@]}"; do
        say "($id) $path: ${DURATION}s, $c connections"
        run_wrk "$id-c$c" "$path" "$c" "$DURATION"
        ok=$((ok + R_ok)) inflight=$((inflight + c))
        L_RPS[$id,$c]=$R_rps L_OKPS[$id,$c]=$R_okps
        L_P50[$id,$c]=$(ms "$R_p50_us") L_P99[$id,$c]=$(ms "$R_p99_us")
        L_NON2XX[$id,$c]=$R_non2xx L_SOCKERR[$id,$c]=$R_sockerr
        # the peak: the best run without errors, if there is one
        err=$((R_non2xx + R_sockerr > 0 ? 1 : 0))
        if [ $err -lt "${C_PEAKERR[$id]}" ] \
            || { [ $err -eq "${C_PEAKERR[$id]}" ] \
                 && [ "$R_okps" -gt "${C_PEAK[$id]}" ]; }
        then
            C_PEAK[$id]=$R_okps C_PEAKC[$id]=$c C_PEAKERR[$id]=$err
        fi
        [ -n "$CASE_BODY" ] || BODY_BYTES=$R_body_bytes
        printf '    %s req/s, p50 %s ms, p99 %s ms, non-2xx %s, socket errors %s\n' \
            "$R_rps" "${L_P50[$id,$c]}" "${L_P99[$id,$c]}" "$R_non2xx" \
            "$R_sockerr" >&2
    done

    if [ -n "${EDA_BENCH_PROFILE:-}" ]; then
        # a run of its own at the peak's connection count, so that the
        # sampling does not weigh on the figures above
        c=${C_PEAKC[$id]}
        [ "$c" -gt 0 ] || c=${LEVELS[0]}
        say "($id) $path: ${DURATION}s, $c connections, profiled"
        bench_profile "publish-$id" "$(bench_nginx_workers "$NGINX_PID")" \
            run_wrk "$id-profile" "$path" "$c" "$DURATION"
        ok=$((ok + R_ok)) inflight=$((inflight + c))
    fi

    [ -n "$topic" ] || return 0

    # answers without waiting come before delivery: let the producers flush
    case $id in b|e) sleep 2 ;; esac
    landed=$(records_since "$topic" "$ends")
    C_KAFKA[$id]="$landed records in $topic for $ok 2xx responses: "
    if [ "$landed" -lt "$ok" ]; then
        C_KAFKA[$id]+="$((ok - landed)) LOST"
        C_LOST[$id]=1
        # a rate of events that did not land is no rate: not a peak
        C_NOTE[$id]="not counted: $((ok - landed)) of its $ok 2xx answers never reached Kafka"
        C_PEAK[$id]=
    elif [ $((landed - ok)) -gt "$inflight" ]; then
        C_KAFKA[$id]+="$((landed - ok)) MORE than the $inflight requests in flight when wrk stopped (duplicates?)"
        C_LOST[$id]=1
        C_NOTE[$id]="not counted: $((landed - ok)) records more than answers (duplicates?)"
        C_PEAK[$id]=
    elif [ "$landed" -eq "$ok" ]; then
        C_KAFKA[$id]+="exact match"
    else
        C_KAFKA[$id]+="none lost; $((landed - ok)) more, requests in flight when wrk stopped (at most $inflight)"
    fi
    say "($id) records in Kafka vs 2xx responses (warm-up + runs): ${C_KAFKA[$id]}"
}

skip_case() {
    C_NAME[$1]=$2 C_PATH[$1]=$3 C_NOTE[$1]=$4
    say "($1) $3: skipped: $4"
}

# (a) again with fewer connections, at about half of its peak rate: a
# bisection on the connection count with short probes, then a full run
# with the count whose probe came closest to half of the peak
half_load() {
    local peak=${C_PEAK[a]} lo=1 hi=${C_PEAKC[a]} c best_c= best_d= d i

    say "(a) half load: probing connection counts (${HALF_PROBE}s each)"
    for i in 1 2 3 4; do
        c=$(((lo + hi) / 2))
        [ "$c" -gt "$lo" ] || break
        run_wrk "a-half-probe-c$c" /publish-wait "$c" "$HALF_PROBE"
        # distance from half of the peak, per mille of the peak
        d=$(awk -v r="$R_okps" -v p="$peak" 'BEGIN {
            x = r - p / 2; if (x < 0) x = -x; printf "%d", 1000 * x / p }')
        printf '    -c%s: %s req/s\n' "$c" "$R_okps" >&2
        if [ -z "$best_d" ] || [ "$d" -lt "$best_d" ]; then
            best_c=$c best_d=$d
        fi
        if [ "$R_okps" -ge $((peak / 2)) ]; then hi=$c; else lo=$c; fi
    done
    [ -n "$best_c" ] || best_c=$hi

    say "(a) half load: ${DURATION}s with $best_c connections"
    run_wrk a-half /publish-wait "$best_c" "$DURATION"
    HALF_C=$best_c HALF_RPS=$R_okps HALF_P50=$(ms "$R_p50_us")
    HALF_P99=$(ms "$R_p99_us") HALF_NON2XX=$R_non2xx HALF_SOCKERR=$R_sockerr
    HALF_PCT=$(awk -v r="$R_okps" -v p="$peak" \
        'BEGIN { printf "%.0f", (p > 0) ? 100 * r / p : 0 }')
}


# --------------------------------------------------------------------------
# report

# verdict VALUE OP LIMIT: met / not met, from the numbers
verdict() {
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "n/a") { print "not measured"; exit }
        ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 < l + 0)
        print ok ? "met" : "not met" }'
}

# the run that gave the case's peak had errors (no run was free of them)
has_errors() {
    [ "${C_PEAKERR[$1]:-0}" -eq 1 ]
}

# "(x)/(y) at each connection count" for the targets table
level_ratios() {
    local c out=

    for c in "${LEVELS[@]}"; do
        out+="${out:+, }c=$c: $(ratio "${L_OKPS[$1,$c]:-}" "${L_OKPS[$2,$c]:-}")"
    done
    echo "$out"
}

evaluate() {
    local i

    local c r

    R_AD=$(ratio "${C_PEAK[a]:-}" "${C_PEAK[d]:-}")
    R_AC=$(ratio "${C_PEAK[a]:-}" "${C_PEAK[c]:-}")
    R_BC=$(ratio "${C_PEAK[b]:-}" "${C_PEAK[c]:-}")
    V_AD=$(verdict "$R_AD" ">=" 4)
    V_AC=$(verdict "$R_AC" ">=" 0.35)
    V_BC=$(verdict "$R_BC" ">=" 0.7)
    # (b) >= (e) at every connection count: the worst of them decides
    V_BE=met
    for c in "${LEVELS[@]}"; do
        r=$(ratio "${L_OKPS[b,$c]:-}" "${L_OKPS[e,$c]:-}")
        [ "$(verdict "$r" ">=" 1)" = met ] || V_BE="not met"
    done
    if [ "${HALF_PCT:-0}" -lt 40 ]; then
        V_HALF="not measured (only ${HALF_PCT:-0}% of the peak reached)"
    else
        V_HALF=$(verdict "$HALF_P99" "<" 5)
    fi

    # a target whose cases had errors is not met, whatever the rates say
    for i in a d; do
        [ -z "${C_NOTE[$i]:-}" ] && has_errors "$i" \
            && V_AD="not met (errors in case $i)"
    done
    for i in a c; do
        [ -z "${C_NOTE[$i]:-}" ] && has_errors "$i" \
            && V_AC="not met (errors in case $i)"
    done
    for i in b c; do
        [ -z "${C_NOTE[$i]:-}" ] && has_errors "$i" \
            && V_BC="not met (errors in case $i)"
    done
    [ -z "${C_NOTE[b]:-}" ] && has_errors b && V_BE="not met (errors in case b)"
    if [ "${HALF_NON2XX:-0}" -gt 0 ] || [ "${HALF_SOCKERR:-0}" -gt 0 ]; then
        V_HALF="not met (errors at half load)"
    fi
    return 0
}

errors() {
    if [ "$1" -eq 0 ] && [ "$2" -eq 0 ]; then echo 0; else echo "**$1 / $2**"; fi
}

table() {
    local i c head= rule= row

    for c in "${LEVELS[@]}"; do
        head+=" c=$c req/s | p50 ms | p99 ms | errors |"
        rule+=" ---: | ---: | ---: | ---: |"
    done
    echo "| case | location |$head peak 2xx/s |"
    echo "| --- | --- |$rule ---: |"
    for i in a b c d e f g h i; do
        [ -n "${C_NAME[$i]:-}" ] || continue
        row="| ($i) ${C_NAME[$i]} | \`${C_PATH[$i]}\` |"
        if [ -n "${C_NOTE[$i]:-}" ]; then
            case ${C_NOTE[$i]} in
                "not counted"*) echo "$row ${C_NOTE[$i]} |" ;;
                *) echo "$row skipped: ${C_NOTE[$i]} |" ;;
            esac
            continue
        fi
        for c in "${LEVELS[@]}"; do
            row+=" ${L_RPS[$i,$c]} | ${L_P50[$i,$c]} | ${L_P99[$i,$c]} | $(errors "${L_NON2XX[$i,$c]}" "${L_SOCKERR[$i,$c]}") |"
        done
        echo "$row ${C_PEAK[$i]} (c=${C_PEAKC[$i]}) |"
    done
    echo
    echo "(a) at half load, \`wrk -c$HALF_C\`: $HALF_RPS req/s ($HALF_PCT% of its peak), p50 $HALF_P50 ms, p99 $HALF_P99 ms, errors: $(errors "$HALF_NON2XX" "$HALF_SOCKERR")."
    echo
    echo "errors: non-2xx answers / socket errors (connect, read, write, timeout) of the run."
}

targets() {
    echo "| target | measured (peak 2xx/s vs peak 2xx/s) | verdict |"
    echo "| --- | --- | --- |"
    echo "| (b) >= lua-resty-kafka async (e) at every connection count | $(level_ratios b e) | $V_BE |"
    echo "| (b) >= 70% of return 202 (c) | (b)/(c) = $R_BC ($(level_ratios b c)) | $V_BC |"
    echo "| (a) >= 4x lua-resty-kafka sync (d) | (a)/(d) = $R_AD ($(level_ratios a d)) | $V_AD |"
    echo "| (a) >= 35% of return 202 (c) | (a)/(c) = $R_AC ($(level_ratios a c)) | $V_AC |"
    echo "| p99 of (a) < 5 ms at half of its peak rate | p99 $HALF_P99 ms at $HALF_RPS req/s ($HALF_PCT% of peak) | $V_HALF |"
    echo "| larger bodies: no target, measured | 1 KB (f)/(g) = $(ratio "${C_PEAK[f]:-}" "${C_PEAK[g]:-}"), 64 KB (h)/(i) = $(ratio "${C_PEAK[h]:-}" "${C_PEAK[i]:-}") | - |"
}

# the error log, its lines grouped by message (time, pid, connection and
# client details removed), most frequent first
log_summary() {
    sed -E 's/^[0-9\/]+ [0-9:]+ //; s/[0-9]+#[0-9]+: (\*[0-9]+ )?//;
            s/, client: .*//; s/(worker process) [0-9]+/\1 N/' "$1" \
        | sort | uniq -c | sort -rn | head -n "$2" || true
}

log_problems() {
    local log=$PREFIX/logs/error.log pat='\[(error|crit|alert|emerg)\]|exited on signal'

    LOG_PROBLEMS=$(grep -cE "$pat" "$log" 2>/dev/null || true)
    LOG_PROBLEMS=${LOG_PROBLEMS:-0}
    LOG_LINES=$(wc -l < "$log" 2>/dev/null || echo 0)
    if [ "$LOG_LINES" -gt 0 ]; then
        warn "$LOG_LINES lines in $log ($LOG_PROBLEMS error or worse), by message:"
        log_summary "$log" 10 >&2
    fi
}

section() {
    local cpu i levels

    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    levels=$(printf -- '-c%s and ' "${LEVELS[@]}")
    levels=${levels% and }
    cat <<EOF
$MARK_START
## Publish

Measured on $(date -u '+%Y-%m-%d %H:%M UTC') with \`./build.sh bench publish\`
(t/bench/publish.sh, which rewrites this section on every run).

- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}. The Kafka broker, nginx and
  wrk all run on it and share its CPUs; single runs, so expect the rates
  to vary from run to run on a shared machine.
- Software: $($NGINX -v 2>&1 | sed 's/^nginx version: //'); Kafka $KAFKA_VERSION, one KRaft node with
  replication factor 1 (acks=all is the leader's ack); librdkafka
  $(pkg_version librdkafka1); lua module $(pkg_version libnginx-mod-http-lua);
  lua-resty-kafka $(pkg_version lua-nginx-kafka) (Debian's lua-nginx-kafka).
- One nginx with $WORKERS worker process serves every case and wrk runs
  $THREADS thread: on 2 CPUs shared with the broker, one CPU for nginx and
  one for wrk keeps the client from starving the server. The numbers are
  per nginx worker (the module runs one Kafka producer per worker).
- Each case: ${WARMUP} s warm-up, then \`wrk -t$THREADS -d${DURATION}s --latency\`
  with $levels, the same for every case, and the same
  POST of a ${BODY_BYTES}-byte JSON body (\`Content-Type: application/json\`,
  t/bench/post.lua). A case's peak is its best rate among these runs
  (among those without errors, when one has none). Two counts because an
  endpoint that waits for the broker serves at most connections / latency:
  with few connections it is bound by its latency (for the module at
  least a round trip to the broker) and the CPUs idle; it takes about
  rate x latency connections to saturate it. The peer library is at its
  best with few connections, the module with many; each gets its best.
- Durability: (a) and (d) answer after the broker's ack with acks=all (the
  module's default; \`required_acks = -1\` for lua-resty-kafka); (b) and
  (e) answer once the event is queued in the producer. The module runs
  with its defaults (idempotent producer, \`linger.ms\` as in
  docs/directives.md)$( [ -z "${EDA_BENCH_KAFKA_PROPERTIES:-}" ] || printf ', and %s' "$EDA_BENCH_KAFKA_PROPERTIES").
- (f) to (i): (b) and (e) again with bodies of 1 KB and 64 KB (the same
  document, padded); nginx spools the 64 KB body to a temporary file
  (over \`client_body_buffer_size\`) for both.
- (c) is nginx's \`return 202\`: nginx reads and discards the body without
  buffering it, so it is the ceiling of the HTTP side only; the other
  cases buffer the body and answer with a JSON document.
- (d) keeps its sync producers for reuse, one per concurrent request (the
  library's sync producer cannot be shared between requests, and a new one
  per request would fetch metadata every time): the strongest sync setup
  of the library, so the ratio against it is conservative.
- Half load: wrk has no rate limit (wrk2 is not packaged in Debian), so
  (a) runs again with fewer connections: a bisection on the connection
  count with ${HALF_PROBE} s probes, then ${DURATION} s with the count whose probe came
  closest to half of the peak rate. Its p99 is reported with the rate it
  reached (closed loop: no correction for coordinated omission). The
  target counts as measured when that rate is at least 40% of the peak.
- The targets use 2xx responses per second (wrk counts statuses >= 400 as
  "Non-2xx or 3xx"); a case with non-2xx answers or socket errors fails
  its target whatever its rate.

EOF
    table
    echo
    targets
    echo
    echo "Records in Kafka vs 2xx responses (warm-up and runs of the case, counted"
    echo "by consuming the topic from the offsets before the case):"
    echo
    for i in a b d e f g h i; do
        [ -z "${C_KAFKA[$i]:-}" ] || echo "- ($i) ${C_KAFKA[$i]}"
    done
    echo
    echo "The benchmark nginx's error.log (level warn): $LOG_LINES lines, $LOG_PROBLEMS"
    echo "of them error or worse."
    if [ "$LOG_LINES" -gt 0 ]; then
        echo "By message, most frequent first (the lua cases log their 503s):"
        echo
        echo '```'
        log_summary "$PREFIX/logs/error.log" 8 | cut -c1-200
        echo '```'
    fi
    if [ ${#SKIPPED[@]} -gt 0 ]; then
        echo
        echo "Not measured:"
        echo
        for i in "${SKIPPED[@]}"; do echo "- $i"; done
    fi
    echo "$MARK_END"
}


# --------------------------------------------------------------------------

main() {
    local c i

    [ ${#LEVELS[@]} -gt 0 ] || die "EDA_BENCH_CONNECTIONS is empty"
    for c in "${LEVELS[@]}"; do
        [[ $c =~ ^[1-9][0-9]*$ ]] || die "EDA_BENCH_CONNECTIONS: not a count: $c"
    done

    install_packages
    bench_profile_tools
    find_lua
    KAFKA_VERSION=$(kafka_version)

    mkdir -p "$BENCH"
    trap stop_nginx EXIT
    trap 'exit 130' INT TERM

    write_config
    kcat -L -b "$BROKERS" >/dev/null 2>&1 || die "Kafka not reachable at $BROKERS"
    if [ $LUA_OK -eq 1 ]; then
        create_topics bench-a bench-b bench-d bench-e bench-f bench-g \
            bench-h bench-i
    else
        create_topics bench-a bench-b bench-f bench-h
    fi
    start_nginx
    say "nginx $NGINX_PID on $URL: $WORKERS worker; wrk: $THREADS thread, ${LEVELS[*]} connections"

    bench_case a "eda_publish, wait on" /publish-wait bench-a
    half_load
    bench_case b "eda_publish, wait off" /publish-nowait bench-b
    bench_case c "return 202" /ceiling
    if [ $LUA_OK -eq 1 ]; then
        bench_case d "lua-resty-kafka sync" /lua-sync bench-d
        bench_case e "lua-resty-kafka async" /lua-async bench-e
    else
        skip_case d "lua-resty-kafka sync" /lua-sync "lua packages missing"
        skip_case e "lua-resty-kafka async" /lua-async "lua packages missing"
    fi
    bench_case f "eda_publish, wait off, 1 KB" /publish-1k bench-f 1024
    [ $LUA_OK -eq 0 ] \
        || bench_case g "lua-resty-kafka async, 1 KB" /lua-async-1k bench-g 1024
    bench_case h "eda_publish, wait off, 64 KB" /publish-64k bench-h 65536
    [ $LUA_OK -eq 0 ] \
        || bench_case i "lua-resty-kafka async, 64 KB" /lua-async-64k bench-i 65536

    stop_nginx
    trap - EXIT
    log_problems
    evaluate

    echo
    table
    echo
    targets
    echo
    for i in a b d e f g h i; do
        [ -z "${C_KAFKA[$i]:-}" ] || echo "records in Kafka vs 2xx responses ($i): ${C_KAFKA[$i]}"
    done
    echo "raw wrk output: $RESULTS"
    for i in "${PROFILES[@]}"; do
        echo "profile $i"
    done
    write_doc

    # the module lost or duplicated events: the benchmark fails (a peer
    # that did is reported, and its rate left out, above)
    for i in a b f h; do
        [ -z "${C_LOST[$i]:-}" ] || die "case ($i): ${C_KAFKA[$i]}"
    done
}

# t/bench/instructions.sh sources this file for its cases and config
[ -n "${EDA_BENCH_SOURCED:-}" ] || main "$@"
