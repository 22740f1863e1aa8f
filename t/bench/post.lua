-- wrk script of the benchmarks: every request is the same POST of a
-- small JSON document (about 200 bytes, or EDA_BENCH_BODY_BYTES), and at the end one line
-- "EDA-BENCH key=value ..." that t/bench/publish.sh reads instead of
-- wrk's human-readable summary.  Latencies are in microseconds.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"orderId":"ord-000042","customer":{"id":"cust-7","tier":"gold"},'
    .. '"items":[{"sku":"SKU-1001","qty":2,"price":19.99},'
    .. '{"sku":"SKU-2002","qty":1,"price":5.50}],'
    .. '"currency":"EUR","total":45.48,"note":"bench"}'

-- EDA_BENCH_BODY_BYTES: the same document, its "note" padded so that the
-- body has that many bytes (larger bodies: 1 KB, 64 KB)
local want = tonumber(os.getenv("EDA_BENCH_BODY_BYTES") or "")
if want and want > #wrk.body then
    wrk.body = wrk.body:gsub('"note":"bench"',
        '"note":"bench' .. string.rep("x", want - #wrk.body) .. '"')
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "EDA-BENCH requests=%d duration_us=%d bytes=%d status_errors=%d "
        .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d "
        .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d body_bytes=%d\n",
        summary.requests, summary.duration, summary.bytes, e.status,
        e.connect, e.read, e.write, e.timeout,
        latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max, #wrk.body))
end
