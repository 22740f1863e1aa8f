#!/usr/bin/python3
"""The load of t/bench/soak.sh, for MINUTES:

    soak.py --port P --master PID --minutes M --build-sh PATH --out FILE

- publishes at --rate events/s (POST /pub, eda_publish, wait on), keeping
  the id of every 2xx answer;
- keeps --subscribers WebSocket clients on /ws that resume from their
  cursor whenever they are closed or dropped, each keeping the ids it got;
- churns connections: a WebSocket, an SSE and a Socket.IO client (the
  websocket transport) every --churn-gap seconds each, each reading a
  moment and going away;
- starts a saga every --saga-gap seconds (POST /checkout/);
- restarts Kafka at a third of the time and Redis at two thirds
  (build.sh kafka-stop/redis-stop, then up), as an operator would;
- samples every worker's RSS and open files every --sample seconds.

At the end it waits (at most 3 minutes) for the subscribers to get every
published event and for every saga to finish, and writes FILE (JSON):
samples, published, missing deliveries per subscriber, sagas by status,
publish answers by status, churned connections and their failures.
"""

import argparse
import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import websockets


def now():
    return time.monotonic()


class Soak:
    def __init__(self, a):
        self.a = a
        self.stop = threading.Event()        # the load
        self.stop_subs = threading.Event()   # the subscribers
        self.subscribed = 0
        self.lock = threading.Lock()
        self.published = set()
        self.publish_status = {}
        self.sagas = []
        self.saga_errors = 0
        self.received = [set() for _ in range(a.subscribers)]
        self.reconnects = [0] * a.subscribers
        self.churn = {"ws": 0, "sse": 0, "sio": 0, "failed": 0}
        self.samples = []
        self.faults = []
        self.t0 = now()

    # ------------------------------------------------------------------
    # HTTP

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.a.port,
                                       timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            return 599, b""
        finally:
            c.close()

    def publisher(self):
        gap = 1.0 / self.a.rate
        nxt = now()
        i = 0
        while not self.stop.is_set():
            i += 1
            st, body = self.request("POST", "/pub",
                                    json.dumps({"n": i}).encode(),
                                    {"Content-Type": "application/json"})
            with self.lock:
                self.publish_status[st] = self.publish_status.get(st, 0) + 1
                if 200 <= st < 300:
                    try:
                        self.published.add(json.loads(body)["id"])
                    except (ValueError, KeyError):
                        pass
            nxt += gap
            d = nxt - now()
            if d > 0:
                time.sleep(d)
            else:
                nxt = now()

    def starter(self):
        while not self.stop.wait(self.a.saga_gap):
            st, body = self.request("POST", "/checkout/",
                                    json.dumps({"soak": True}).encode(),
                                    {"Content-Type": "application/json"})
            if st == 202:
                with self.lock:
                    self.sagas.append(json.loads(body)["id"])
            else:
                self.saga_errors += 1

    def sse_churn(self):
        while not self.stop.wait(self.a.churn_gap):
            try:
                s = socket.create_connection(("127.0.0.1", self.a.port), 5)
                s.sendall(b"GET /ws HTTP/1.1\r\nHost: soak\r\n"
                          b"Accept: text/event-stream\r\n\r\n")
                s.settimeout(5)
                head = s.recv(4096)
                s.close()
                ok = head.startswith(b"HTTP/1.1 200")
            except OSError:
                ok = False
            with self.lock:
                self.churn["sse" if ok else "failed"] += 1

    # ------------------------------------------------------------------
    # WebSocket clients (one asyncio loop)

    async def subscriber(self, k):
        cursor, first = None, True
        while not self.stop_subs.is_set():
            url = "ws://127.0.0.1:%d/ws" % self.a.port
            if cursor:
                url += "?since=" + cursor
            try:
                async with websockets.connect(url, ping_interval=None,
                                              max_size=None,
                                              open_timeout=10) as ws:
                    if first:
                        first = False
                        with self.lock:
                            self.subscribed += 1
                    async for msg in ws:
                        try:
                            ev = json.loads(msg)
                        except ValueError:
                            continue
                        with self.lock:
                            self.received[k].add(ev.get("id"))
                        cursor = ev.get("edacursor", cursor)
            except (OSError, asyncio.TimeoutError,
                    websockets.WebSocketException):
                pass
            self.reconnects[k] += 1
            await asyncio.sleep(0.2)

    async def ws_churn(self, path, kind, hello=None):
        while not self.stop.is_set():
            await asyncio.sleep(self.a.churn_gap)
            try:
                async with websockets.connect(
                        "ws://127.0.0.1:%d%s" % (self.a.port, path),
                        ping_interval=None, open_timeout=10) as ws:
                    if hello is not None:
                        await ws.recv()              # Engine.IO open
                        await ws.send(hello)         # Socket.IO CONNECT
                        ok = (await asyncio.wait_for(ws.recv(), 5)) \
                            .startswith("40")
                    else:
                        ok = True
                        try:
                            await asyncio.wait_for(ws.recv(), 0.2)
                        except asyncio.TimeoutError:
                            pass
            except (OSError, asyncio.TimeoutError,
                    websockets.WebSocketException):
                ok = False
            with self.lock:
                self.churn[kind if ok else "failed"] += 1

    async def websockets_main(self):
        tasks = [asyncio.create_task(self.subscriber(k))
                 for k in range(self.a.subscribers)]
        tasks.append(asyncio.create_task(self.ws_churn("/ws", "ws")))
        tasks.append(asyncio.create_task(self.ws_churn(
            "/socket.io/?EIO=4&transport=websocket", "sio", "40")))
        while not self.stop_subs.is_set():
            await asyncio.sleep(0.5)
        for t in tasks:
            t.cancel()

    # ------------------------------------------------------------------
    # the gateway's processes

    def workers(self):
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid",
                              str(self.a.master)], capture_output=True,
                             text=True).stdout
        return [(int(l.split()[0]), " ".join(l.split()[1:]))
                for l in out.splitlines() if l.strip()]

    def sample(self):
        row = {"t": round(now() - self.t0), "procs": []}
        for pid, args in self.workers():
            try:
                rss = 0
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1])
                fds = len(os.listdir("/proc/%d/fd" % pid))
            except OSError:
                continue
            row["procs"].append({"pid": pid, "what": args,
                                 "rss_kb": rss, "fds": fds})
        self.samples.append(row)

    def fault(self, what, stop_cmd):
        # build.sh must start its own stack, not check an address
        env = {k: v for k, v in os.environ.items()
               if k not in ("KAFKA_BROKERS", "REDIS_URL")}
        t = round(now() - self.t0)
        subprocess.run([self.a.build_sh, stop_cmd], capture_output=True,
                       env=env)
        time.sleep(self.a.outage)
        r = subprocess.run([self.a.build_sh, "up"], capture_output=True,
                           env=env)
        self.faults.append({"t": t, "what": what, "back": r.returncode == 0})

    # ------------------------------------------------------------------

    def run(self):
        ws = threading.Thread(
            target=lambda: asyncio.run(self.websockets_main()), daemon=True)
        ws.start()
        while self.subscribed < self.a.subscribers:
            time.sleep(0.1)

        self.t0 = now()
        end = self.t0 + self.a.minutes * 60
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (self.publisher, self.starter, self.sse_churn)]
        for t in threads:
            t.start()

        faults = [(self.t0 + (end - self.t0) / 3, "Kafka", "kafka-stop"),
                  (self.t0 + 2 * (end - self.t0) / 3, "Redis", "redis-stop")]
        next_sample = now()
        while now() < end:
            if now() >= next_sample:
                self.sample()
                next_sample += self.a.sample
            if faults and now() >= faults[0][0]:
                _, what, cmd = faults.pop(0)
                self.fault(what, cmd)
            time.sleep(0.5)
        self.sample()

        self.stop.set()
        for t in threads:
            t.join(60)

        # the ends: every published event delivered, every saga finished
        deadline = now() + 180
        while now() < deadline:
            with self.lock:
                done = all(self.published <= r for r in self.received)
            if done:
                break
            time.sleep(1)
        self.stop_subs.set()
        ws.join(30)

        status = {}
        pending = list(self.sagas)
        while pending and now() < deadline + 120:
            left = []
            for sid in pending:
                st, body = self.request("GET", "/checkout/" + sid)
                s = json.loads(body).get("status") if st == 200 else "gone"
                if s in ("completed", "compensated", "failed", "gone"):
                    status[s] = status.get(s, 0) + 1
                else:
                    left.append(sid)
            pending = left
            if pending:
                time.sleep(1)
        status["not terminal"] = len(pending)

        return {
            "minutes": self.a.minutes,
            "rate": self.a.rate,
            "samples": self.samples,
            "faults": self.faults,
            "published": len(self.published),
            "publish_status": {str(k): v for k, v in
                               sorted(self.publish_status.items())},
            "missing": [len(self.published - r) for r in self.received],
            "reconnects": self.reconnects,
            "sagas": len(self.sagas),
            "saga_start_errors": self.saga_errors,
            "saga_status": status,
            "churn": self.churn,
        }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--master", type=int, required=True)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--subscribers", type=int, default=5)
    p.add_argument("--churn-gap", type=float, default=0.2)
    p.add_argument("--saga-gap", type=float, default=1.0)
    p.add_argument("--sample", type=float, default=60)
    p.add_argument("--outage", type=float, default=10)
    p.add_argument("--build-sh", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    res = Soak(a).run()
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
