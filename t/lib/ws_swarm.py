#!/usr/bin/python3
"""Many WebSocket clients in one process, for the tests of reloads under
load (the websockets library, as ws_client.py).

    ws_swarm.py URL --clients N [--timeout S]

Each client connects, reads events, and when the server closes with 1001
(a reload, a shutdown) or the connection drops, connects again from the
"edacursor" of its last event, as docs/websocket.md tells clients to.
Output, one line each, flushed:

    CONNECTED N          every client is connected (once, at the start)
    NOW {json}           on SIGUSR1: the STATS below, as they are now
    STATS {json}         on SIGTERM or at the timeout: connects, refused
                         handshakes (by status), closes (by code), events
                         received, clients connected now

The exit status is 0.
"""

import argparse
import asyncio
import json
import signal
import sys

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatusCode


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Swarm:
    def __init__(self, url, n):
        self.url = url
        self.n = n
        self.stats = {"connects": 0, "refused": {}, "closes": {},
                      "events": 0, "connected": 0, "errors": 0}
        self.first = 0
        self.all_in = asyncio.Event()
        self.stop = asyncio.Event()

    def count(self, key, sub):
        d = self.stats[key]
        d[str(sub)] = d.get(str(sub), 0) + 1

    async def client(self):
        cursor, first = None, True
        while not self.stop.is_set():
            url = self.url
            if cursor is not None:
                url += ("&" if "?" in url else "?") + "since=" + cursor
            try:
                ws = await websockets.connect(url, compression=None,
                                              ping_interval=None,
                                              max_size=None, close_timeout=2,
                                              open_timeout=10)
            except InvalidStatusCode as e:
                self.count("refused", e.status_code)
                await asyncio.sleep(0.2)
                continue
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException):
                self.stats["errors"] += 1
                await asyncio.sleep(0.2)
                continue

            self.stats["connects"] += 1
            self.stats["connected"] += 1
            if first:
                first = False
                self.first += 1
                if self.first == self.n:
                    self.all_in.set()
            try:
                async for msg in ws:
                    self.stats["events"] += 1
                    try:
                        cursor = json.loads(msg).get("edacursor", cursor)
                    except (ValueError, AttributeError):
                        pass
            except ConnectionClosed:
                pass
            finally:
                self.stats["connected"] -= 1
            code = ws.close_code if ws.close_code is not None else 1006
            self.count("closes", code)
            if self.stop.is_set():
                break

    async def run(self, timeout):
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop.set)
        loop.add_signal_handler(signal.SIGUSR1, lambda: out(
            "NOW " + json.dumps(self.stats, sort_keys=True)))
        tasks = [asyncio.create_task(self.client()) for _ in range(self.n)]

        async def announce():
            await self.all_in.wait()
            out("CONNECTED %d" % self.n)

        asyncio.create_task(announce())
        try:
            await asyncio.wait_for(self.stop.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        self.stop.set()
        out("STATS " + json.dumps(self.stats, sort_keys=True))
        for t in tasks:
            t.cancel()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--timeout", type=float, default=600)
    a = p.parse_args()
    asyncio.run(Swarm(a.url, a.clients).run(a.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
