#!/usr/bin/python3
"""A WebSocket client for the test suite, driven line by line from Perl.

    ws_client.py URL [--count N] [--timeout S] [--header 'Name: value']...
                 [--send TEXT] [--slow SECONDS]

Output, one line each, flushed at once:

    CONNECTED                 the handshake succeeded (always the first line)
    <text>                    one received text frame, as it came (a newline
                              inside it, only ever JSON whitespace for the
                              gateway's events, is printed as a space)
    BINARY <hex>              one received binary frame
    CLOSE <code> <reason>     the server closed the connection (1006: the TCP
                              connection ended without a close frame)
    CLIENT-CLOSE <code> <r>   this client closed it (the server broke the
                              protocol as the client library sees it)
    TIMEOUT                   fewer than N frames came within S seconds
    HTTP <status>             the handshake was refused (exit status 2)
    ERROR <text>              no connection at all (exit status 4)

--resume: when the server closes with 1001 (reload, shutdown) or the
connection drops, connect again with ?since= the "edacursor" of the last
event received (to the next of the --also URLs, in turn, when given: a
switch to another gateway), print RECONNECTED <url> and go on counting.

--send sends one text message right after the handshake.  --slow does not
read from the socket for SECONDS after the handshake, with a small receive
buffer and segment size so that the kernel holds little on our side: the
server has to queue what it sends, as for a client on a slow network.
"""

import argparse
import asyncio
import json
import socket
import sys
import time
from urllib.parse import urlsplit

import websockets
from websockets.exceptions import (ConnectionClosed, InvalidHandshake,
                                   InvalidStatusCode)


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def one_line(text):
    return text.replace("\r", " ").replace("\n", " ")


def parse_args():
    p = argparse.ArgumentParser(description="WebSocket test client")
    p.add_argument("url")
    p.add_argument("--count", type=int, default=1,
                   help="exit after this many frames")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="exit after this many seconds in all")
    p.add_argument("--header", action="append", default=[],
                   help="an extra request header, 'Name: value'")
    p.add_argument("--send", default=None,
                   help="a text message to send after the handshake")
    p.add_argument("--slow", type=float, default=0.0,
                   help="seconds not to read after the handshake")
    p.add_argument("--resume", action="store_true",
                   help="reconnect from the last cursor on 1001 or a drop")
    p.add_argument("--also", action="append", default=[],
                   help="another gateway's URL to resume at, in turn")
    return p.parse_args()


def headers_of(args):
    headers = []
    for h in args.header:
        name, sep, value = h.partition(":")
        if not sep:
            sys.exit("bad --header %r: want 'Name: value'" % h)
        headers.append((name.strip(), value.strip()))
    return headers


def small_socket(url, timeout):
    """A connected socket whose peer can hand little to the kernel."""
    u = urlsplit(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # fixed (not autotuned) receive buffer, and a small MSS announced in
    # the SYN, which keeps the server's send buffer small as well
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    except OSError:
        pass
    s.settimeout(timeout)
    s.connect((u.hostname, u.port or 80))
    s.setblocking(False)
    return s


def close_line(exc):
    if exc.rcvd is not None:
        return "CLOSE %d %s" % (exc.rcvd.code, one_line(exc.rcvd.reason))
    if exc.sent is not None:
        return "CLIENT-CLOSE %d %s" % (exc.sent.code,
                                       one_line(exc.sent.reason))
    return "CLOSE 1006 no close frame"


async def connect(url, args, left):
    kw = dict(extra_headers=headers_of(args), compression=None,
              ping_interval=None, max_size=None, close_timeout=2,
              open_timeout=max(left(), 0.1))

    if args.slow:
        kw.update(sock=small_socket(url, max(left(), 0.1)),
                  max_queue=1, read_limit=4096)
    return await websockets.connect(url, **kw)


def resume_url(url, cursor):
    if cursor is None:
        return url
    return url + ("&" if "?" in url else "?") + "since=" + cursor


def cursor_of(msg, cursor):
    try:
        return json.loads(msg).get("edacursor", cursor)
    except (ValueError, AttributeError):
        return cursor


async def reconnect(args, urls, turn, cursor, left):
    """Connects again, from CURSOR, until it works or time is up."""
    while left() > 0:
        url = resume_url(urls[turn % len(urls)], cursor)
        try:
            ws = await connect(url, args, left)
            out("RECONNECTED " + url)
            return ws
        except (OSError, asyncio.TimeoutError, InvalidHandshake):
            await asyncio.sleep(0.05)  # a retry interval, not a wait
    raise asyncio.TimeoutError()


async def run(args):
    deadline = time.monotonic() + args.timeout

    def left():
        return deadline - time.monotonic()

    try:
        ws = await connect(args.url, args, left)
    except InvalidStatusCode as e:
        out("HTTP %d" % e.status_code)
        return 2
    except InvalidHandshake as e:
        out("HTTP invalid handshake: %s" % one_line(str(e)))
        return 2
    except (OSError, asyncio.TimeoutError) as e:
        out("ERROR %s" % one_line(str(e) or type(e).__name__))
        return 4

    out("CONNECTED")

    got, turn, cursor = 0, 0, None
    urls = [args.url] + args.also
    try:
        if args.send is not None:
            await ws.send(args.send)

        if args.slow:
            # blocks the event loop: nothing at all reads the socket
            time.sleep(args.slow)

        while got < args.count:
            if left() <= 0:
                raise asyncio.TimeoutError()
            try:
                msg = await asyncio.wait_for(ws.recv(), left())
            except ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd is not None else 1006
                if not args.resume or code not in (1001, 1006):
                    raise
                out(close_line(e))
                turn += 1
                ws = await reconnect(args, urls, turn, cursor, left)
                continue
            if isinstance(msg, bytes):
                out("BINARY " + msg.hex())
            else:
                out(one_line(msg))
                cursor = cursor_of(msg, cursor)
            got += 1

    except ConnectionClosed as e:
        out(close_line(e))
        return 0

    except asyncio.TimeoutError:
        out("TIMEOUT")
        ws.close_timeout = 0.5
        await ws.close()
        return 3

    await ws.close()
    return 0


def main():
    args = parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
