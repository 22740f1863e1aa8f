#!/usr/bin/env python3
#
# Copyright (C) ngx_eda authors
#
# otlp_receiver.py: a small OTLP/HTTP trace receiver for the tests.  Each
# POST body is read as an OTLP JSON ExportTraceServiceRequest with the
# official protobuf definitions (opentelemetry-proto from PyPI, installed
# by "./build.sh deps" into a venv of the state dir), strictly: a field
# the definitions do not know fails the request.  Trace and span ids are
# hex in OTLP's JSON (not the base64 of the protobuf JSON mapping), so
# they are turned into bytes first, and must be 16 and 8 bytes.
#
# Prints one JSON line per span to OUT (traceId, spanId, parentSpanId,
# name, kind, flags, start, end, status, attributes, resource, scope),
# and a line {"error": ...} for a body it cannot read (answered 400).
#
#   otlp_receiver.py PORT_FILE OUT [--status N] [--sleep SECONDS]
#
# It listens on a free loopback port and writes the port to PORT_FILE
# once it accepts connections.  --status answers every request with N;
# --sleep waits that long before answering.

import argparse
import base64
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest, ExportTraceServiceResponse)

IDS = {'traceId': 16, 'spanId': 8, 'parentSpanId': 8}


def hex_ids(doc):
    """OTLP JSON's hex ids as the base64 the protobuf parser reads."""
    for rs in doc.get('resourceSpans', []):
        for ss in rs.get('scopeSpans', []):
            for span in ss.get('spans', []):
                for key, size in IDS.items():
                    if key not in span:
                        continue
                    raw = bytes.fromhex(span[key])
                    if len(raw) != size or span[key] != span[key].lower():
                        raise ValueError('%s %r is not %d bytes of '
                                         'lower-case hex'
                                         % (key, span[key], size))
                    span[key] = base64.b64encode(raw).decode()
    return doc


def attrs(kvs):
    out = {}
    for kv in kvs:
        out[kv.key] = json_format.MessageToDict(kv.value)
    return out


def spans(req):
    for rs in req.resource_spans:
        resource = attrs(rs.resource.attributes)
        for ss in rs.scope_spans:
            scope = {'name': ss.scope.name, 'version': ss.scope.version}
            for s in ss.spans:
                yield {
                    'traceId': s.trace_id.hex(),
                    'spanId': s.span_id.hex(),
                    'parentSpanId': s.parent_span_id.hex(),
                    'name': s.name,
                    'kind': s.kind,
                    'flags': s.flags,
                    'start': s.start_time_unix_nano,
                    'end': s.end_time_unix_nano,
                    'status': {'code': s.status.code,
                               'message': s.status.message},
                    'attributes': attrs(s.attributes),
                    'resource': resource,
                    'scope': scope,
                }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('port_file')
    ap.add_argument('out')
    ap.add_argument('--status', type=int, default=200)
    ap.add_argument('--sleep', type=float, default=0)
    opt = ap.parse_args()

    out = open(opt.out, 'a', buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def answer(self, status, body, ctype='application/json'):
            if opt.sleep:
                time.sleep(opt.sleep)
            try:
                self.send_response(status)
                self.send_header('Content-Type', ctype)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass    # the client gave up (a test of its timeout)

        def do_POST(self):
            n = int(self.headers.get('Content-Length', 0))
            body = self.rfile.read(n)
            try:
                if self.path != '/v1/traces':
                    raise ValueError('path %s' % self.path)
                ctype = self.headers.get('Content-Type', '')
                if ctype.split(';')[0].strip() != 'application/json':
                    raise ValueError('content type %r' % ctype)
                req = ExportTraceServiceRequest()
                json_format.ParseDict(hex_ids(json.loads(body)), req)
            except Exception as e:      # noqa: BLE001 (any bad body)
                out.write(json.dumps({'error': str(e)}) + '\n')
                self.answer(400, b'{}')
                return
            for s in spans(req):
                out.write(json.dumps(s, sort_keys=True) + '\n')
            self.answer(opt.status, json_format.MessageToJson(
                ExportTraceServiceResponse()).encode())

    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    tmp = opt.port_file + '.tmp'
    with open(tmp, 'w') as fh:
        fh.write(str(srv.server_address[1]))
    os.rename(tmp, opt.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
