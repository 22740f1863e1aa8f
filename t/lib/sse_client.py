#!/usr/bin/python3
"""A Server-Sent Events client for the test suite, driven from Perl.

    sse_client.py URL [--count N] [--timeout S] [--header 'Name: value']...

It reads the stream the way a browser's EventSource does (the HTML
standard's parsing rules) from the raw socket, so the chunked encoding is
checked too.  Output, one JSON object per line, flushed at once:

    {"status": 200, "headers": {...}}    always first (names in lower case)
    {"id": ..., "event": ..., "data": ...} one dispatched event ("event" is
                                          "message" when the stream named none)
    {"end": "eof"}                       the server ended the response
    {"end": "timeout"}                   fewer than N events came in S seconds
    {"error": "..."}                     no connection, or a broken response
"""

import argparse
import json
import socket
import sys
import time
from urllib.parse import urlsplit


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Stream:
    """Bytes of a chunked HTTP/1.1 body, read as they arrive."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""

    def fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise EOFError()
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def events(body):
    """Yields the events of a text/event-stream, as the standard reads it."""
    text = b""
    data, event, last_id = None, "", ""
    for chunk in body:
        text += chunk
        while True:
            cut = min([i for i in (text.find(b"\r"), text.find(b"\n"))
                       if i >= 0], default=-1)
            if cut < 0 or (text[cut:cut + 1] == b"\r"
                           and cut + 1 == len(text)):
                break
            line = text[:cut].decode("utf-8")
            skip = 2 if text[cut:cut + 2] == b"\r\n" else 1
            text = text[cut + skip:]
            if line == "":
                if data is not None:
                    yield {"id": last_id, "event": event or "message",
                           "data": data[:-1] if data.endswith("\n") else data}
                data, event = None, ""
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name == "data":
                data = (data or "") + value + "\n"
            elif name == "event":
                event = value
            elif name == "id" and "\0" not in value:
                last_id = value


def chunks(stream):
    while True:
        size = int(stream.line().split(b";")[0], 16)
        if size == 0:
            return
        data = stream.exact(size)
        if stream.exact(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
        yield data


def main():
    p = argparse.ArgumentParser(description="SSE test client")
    p.add_argument("url")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--header", action="append", default=[])
    args = p.parse_args()

    u = urlsplit(args.url)
    deadline = time.monotonic() + args.timeout
    try:
        sock = socket.create_connection((u.hostname, u.port or 80),
                                        timeout=args.timeout)
    except OSError as e:
        out({"error": str(e)})
        return 4

    path = (u.path or "/") + ("?" + u.query if u.query else "")
    req = ["GET %s HTTP/1.1" % path, "Host: %s" % u.netloc,
           "Accept: text/event-stream"] + args.header
    sock.sendall(("\r\n".join(req) + "\r\n\r\n").encode())

    stream = Stream(sock, deadline)
    n = 0
    try:
        status = stream.line().decode()
        headers = {}
        while True:
            line = stream.line().decode()
            if line == "":
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        out({"status": int(status.split()[1]), "headers": headers})

        if headers.get("transfer-encoding") != "chunked":
            if "content-length" in headers:
                body = stream.exact(int(headers["content-length"]))
                out({"body": body.decode("utf-8", "replace")})
            return 0

        for ev in events(chunks(stream)):
            out(ev)
            n += 1
            if n >= args.count:
                return 0
        out({"end": "eof"})
    except TimeoutError:
        out({"end": "timeout"})
    except EOFError:
        out({"error": "connection closed inside the response"})
    except (ValueError, UnicodeDecodeError) as e:
        out({"error": "broken response: %s" % e})
    return 0


if __name__ == "__main__":
    sys.exit(main())
