#!/usr/bin/env python3
#
# Copyright (C) ngx_eda authors
#
# layers.py: checks the layering of the module's sources (run by
# "./build.sh lint").  Prints "file:line: finding" for each break of a
# rule and exits 1 when there is any:
#
#   core/   includes no nginx header and no header of another folder
#   event/  includes neither ngx_http.h nor a header of http/ or saga/,
#           and does not call ngx_eda_metrics_* (adapters do not count
#           features; the metrics unit itself is the exception)
#   saga/   includes neither ngx_http.h nor a header of http/
#   and no include cycle between folders: the folder graph is built from
#   the #include lines, each header resolved to the folder holding it.
#
# Headers count like .c files.  Usage: layers.py [REPOSITORY]

import os
import re
import sys

SRC = 'ngx_eda_module'
TREES = (SRC, 'filters')

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
METRICS_CALL = re.compile(r'\bngx_eda_metrics_\w+\s*\(')
METRICS_UNIT = 'ngx_eda_metrics'


def sources(root):
    """Every .c and .h of the trees, as paths relative to root."""
    out = []
    for tree in TREES:
        for d, _, files in os.walk(os.path.join(root, tree)):
            for f in files:
                if f.endswith(('.c', '.h')):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def folder(path):
    """The folder of a source: 'core', 'http/subscribe', 'filters'."""
    d = os.path.dirname(path)
    if d == SRC or d.startswith(SRC + '/'):
        d = d[len(SRC) + 1:]
    return d or '.'


def blank_comments(text):
    """The text with comments and string literals blanked, lines kept."""
    def keep_lines(m):
        return re.sub(r'[^\n]', ' ', m.group(0))
    return re.sub(r'/\*.*?\*/|"(?:\\.|[^"\\\n])*"', keep_lines, text,
                  flags=re.S)


def is_nginx_header(name, headers):
    base = os.path.basename(name)
    if base in headers:
        return False
    return base == 'nginx.h' or base.startswith('ngx_')


def under(f, top):
    return f == top or f.startswith(top + '/')


def check(root):
    files = sources(root)
    headers = {}
    for p in files:
        if p.endswith('.h'):
            headers.setdefault(os.path.basename(p), set()).add(folder(p))

    findings = []
    edges = {}

    for p in files:
        me = folder(p)
        with open(os.path.join(root, p), encoding='utf-8',
                  errors='replace') as fh:
            text = fh.read()
        lines = text.split('\n')

        for n, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            name = m.group(2)
            base = os.path.basename(name)
            theirs = sorted(headers.get(base, ()))
            where = '%s:%d: ' % (p, n)

            if is_nginx_header(name, headers):
                if me == 'core':
                    findings.append(where + 'core/ includes the nginx '
                                    'header %s' % name)
                if base == 'ngx_http.h' and (under(me, 'event')
                                             or under(me, 'saga')):
                    findings.append(where + '%s/ includes ngx_http.h'
                                    % me)
                continue

            for t in theirs:
                if t != me:
                    edges.setdefault((me, t), []).append((p, n, name))
                if me == 'core' and t != 'core':
                    findings.append(where + 'core/ includes %s of %s/'
                                    % (name, t))
                if under(me, 'event') and (under(t, 'http')
                                           or under(t, 'saga')):
                    findings.append(where + 'event/ includes %s of %s/'
                                    % (name, t))
                if under(me, 'saga') and under(t, 'http'):
                    findings.append(where + 'saga/ includes %s of %s/'
                                    % (name, t))

        stem = os.path.splitext(os.path.basename(p))[0]
        if under(me, 'event') and stem != METRICS_UNIT:
            code = blank_comments(text).split('\n')
            for n, line in enumerate(code, 1):
                # column 0 is a declaration or definition, not a call
                if line[:1].isspace() and METRICS_CALL.search(line):
                    call = METRICS_CALL.search(line).group(0)
                    findings.append('%s:%d: event/ calls %s() (adapters '
                                    'do not count features)'
                                    % (p, n, call.rstrip('( ')))

    findings.extend(cycles(edges))
    return findings


def cycles(edges):
    """A finding per include that is part of a cycle between folders."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())

    # Tarjan's strongly connected components
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            comps.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)

    out = []
    for comp in comps:
        if len(comp) < 2:
            continue
        ring = ring_in(graph, comp)
        names = ' -> '.join(ring + [ring[0]]) + ''
        for a, b in zip(ring, ring[1:] + ring[:1]):
            incs = edges[(a, b)]
            p, n, name = incs[0]
            more = len(incs) - 1
            out.append('%s:%d: include cycle between folders (%s): '
                       '%s/ includes %s of %s/%s'
                       % (p, n, names, a, name, b,
                          ' (and %d more include(s))' % more if more
                          else ''))
    return out


def ring_in(graph, comp):
    """A cycle through the smallest folder of a strongly connected set."""
    start = min(comp)
    prev = {start: None}
    todo = [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(graph[v] & comp):
            if w == start:
                ring = [v]
                while prev[ring[-1]] is not None:
                    ring.append(prev[ring[-1]])
                return ring[::-1]
            if w not in prev:
                prev[w] = v
                todo.append(w)
    return [start]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    findings = check(root)
    for f in findings:
        print(f)
    if findings:
        print('layers: %d finding(s)' % len(findings), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
