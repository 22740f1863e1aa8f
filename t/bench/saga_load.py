#!/usr/bin/python3
"""The load generator of t/bench/saga.sh.

    saga_load.py URL --count N [--rate R] [--concurrency C] [--timeout S]

Starts N sagas with POST URL (R per second, or as fast as C connections
allow when R is 0), then reads every instance back (GET URL/ID) until all
are finished, and prints one line:

    RESULT started=.. completed=.. other=.. unfinished=.. post_errors=..
           span_s=.. per_s=.. p50_ms=.. p99_ms=.. max_ms=..
           stages_p50_ms=A,B,..  (the p50 of each gap of the history)

per_s: completed sagas over the time from the first start to the last
completion; latencies: from an instance's "created" to the "time" of its
last history entry ("completed"), both written by the gateway's clock.
"""

import argparse
import datetime
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def ts(s):
    return datetime.datetime.strptime(
        s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()

    u = urlsplit(a.url)
    ids, errors = [], [0]
    lock = threading.Lock()
    start = time.monotonic()
    next_index = [0]

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        while True:
            with lock:
                i = next_index[0]
                if i >= a.count:
                    return
                next_index[0] += 1
            if a.rate:
                delay = start + i / a.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                conn.request("POST", u.path, body=json.dumps({"n": i}),
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                if r.status == 202:
                    with lock:
                        ids.append(json.loads(body)["id"])
                else:
                    errors[0] += 1
            except (OSError, http.client.HTTPException, ValueError):
                errors[0] += 1
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=10)

    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    states = {}
    deadline = time.monotonic() + a.timeout
    pending = list(ids)
    while pending and time.monotonic() < deadline:
        left = []
        for sid in pending:
            conn.request("GET", u.path.rstrip("/") + "/" + sid)
            r = conn.getresponse()
            body = r.read()
            st = json.loads(body) if r.status == 200 else None
            if st and st["status"] in ("completed", "compensated", "failed"):
                states[sid] = st
            else:
                left.append(sid)
        pending = left
        if pending:
            time.sleep(0.5)

    done = [s for s in states.values() if s["status"] == "completed"]
    lat = sorted(ts(s["history"][-1]["time"]) - ts(s["created"])
                 for s in done)
    span = (max(ts(s["history"][-1]["time"]) for s in done)
            - min(ts(s["created"]) for s in done)) if done else 0

    def pct(q):
        return lat[int(q * (len(lat) - 1))] * 1000 if lat else 0

    # where the time goes: the p50 of each gap between history entries
    # (pending -> started is the coordinator picking the instance up, each
    # later gap one step: command, participant, reply, transition)
    gaps = []
    for s in done:
        h = [ts(e["time"]) for e in s["history"]]
        for i in range(1, len(h)):
            if len(gaps) < i:
                gaps.append([])
            gaps[i - 1].append(h[i] - h[i - 1])
    stages = ",".join("%.1f" % (sorted(g)[len(g) // 2] * 1000) for g in gaps)

    print("RESULT started=%d completed=%d other=%d unfinished=%d "
          "post_errors=%d span_s=%.2f per_s=%.0f p50_ms=%.1f p99_ms=%.1f "
          "max_ms=%.1f stages_p50_ms=%s" % (
              len(ids), len(done), len(states) - len(done), len(pending),
              errors[0], span, len(done) / span if span else 0, pct(0.5),
              pct(0.99), lat[-1] * 1000 if lat else 0, stages or "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
