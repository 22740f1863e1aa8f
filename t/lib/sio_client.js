#!/usr/bin/env node
/*
 * A Socket.IO client for the test suite, driven line by line from Perl
 * (t/lib/EdaSio.pm): the npm socket.io-client of t/node, as an
 * application would use it.
 *
 *     node t/lib/sio_client.js URL [OPTIONS_JSON] [--count N]
 *
 * URL may name a namespace (http://127.0.0.1:8080/orders); OPTIONS_JSON
 * is given to io(URL, OPTIONS) as it is ({"transports":["websocket"]},
 * {"auth":{"token":"..."}}, {"reconnection":false}, ...).
 *
 * Output: one JSON object per line, written at once (stdout is a pipe,
 * which node writes synchronously on Linux):
 *
 *   {"ev":"open","transport":"polling"}   the engine (Engine.IO) opened
 *   {"ev":"connect","id":ID,"recovered":BOOL,"transport":"polling"}
 *                         the namespace connected, the transport now
 *   {"ev":"upgrade","transport":"websocket"}       the engine upgraded
 *   {"ev":"event","name":NAME,"args":[...]}        every event (onAny)
 *   {"ev":"connect_error","message":M,"data":D,"description":X}
 *                         D: the server's CONNECT_ERROR data; X: the
 *                         transport's (an HTTP status when polling)
 *   {"ev":"disconnect","reason":R,"description":D}
 *   {"ev":"reconnect_attempt","n":N}  {"ev":"reconnect","n":N}
 *   {"ev":"reconnect_error","message":M}  {"ev":"reconnect_failed"}
 *   {"ev":"ack","seq":N,"args":[...]}  {"ev":"ack_timeout","seq":N}
 *   {"ev":"error","message":M}                      an engine error
 *   {"ev":"ready"}        with {"autoConnect":false}: loaded, nothing
 *                         sent until {"cmd":"connect"}
 *
 * Binary values, in and out, are {"$bin":"<base64>"}.  With connection
 * state recovery the server's offset stays the last argument of an event,
 * as socket.io-client hands it to onAny.
 *
 * Commands: one JSON object per line on stdin.
 *
 *   {"cmd":"emit","name":N,"args":[...]}           fire and forget
 *   {"cmd":"emit","name":N,"args":[...],"ack":true,"seq":S,"timeout":MS}
 *   {"cmd":"cut"}         close the engine only, not the socket (a
 *                         close frame, or a close packet when polling):
 *                         the client reconnects as after a network
 *                         failure and asks for its state to be recovered
 *   {"cmd":"cut","hard":true}   the same by destroying the TCP connection
 *                         of the WebSocket transport: no close frame
 *   {"cmd":"disconnect"}  {"cmd":"connect"}
 *   {"cmd":"auth","auth":{...}}   socket.auth for the next (re)connect
 *   {"cmd":"switch","url":URL}    the session goes on at another server:
 *                         a new socket on URL (io(URL, OPTIONS), forceNew)
 *                         asks to recover the old one's state, and the
 *                         old one is closed for good; prints
 *                         {"ev":"switch","url":URL,"pid":P,"offset":O},
 *                         then the new socket's lines; commands go to it
 *   {"cmd":"exit"}        disconnect and exit, as when stdin closes
 *
 * --count N opens N sockets (each its own connection) and prints only
 * aggregates: {"ev":"connected","n":N} once all N are connected at the
 * same time, {"ev":"received","n":K} when every socket has had K events,
 * and {"ev":"stats","connected":C,"connects":C,"connect_errors":E,
 * "disconnects":D,"events":TOTAL} on {"cmd":"stats"} and at exit.
 * Commands there: stats, connect, disconnect, exit.  With --lines each
 * socket also prints every line a single client would, with "i": its
 * index (0 to N - 1): N clients for the price of one node process.
 *
 * A bad command line or command is reported on stderr and exits with
 * status 2: a test that misuses the client fails at once.
 */

'use strict';

const readline = require('readline');
const { fatal, load } = require('./node_deps.js')('sio_client');

function loadClient() {
    return load('socket.io-client');
}

function out(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

/* Buffers and typed arrays become {"$bin": base64}, recursively */
function encode(v) {
    if (Buffer.isBuffer(v)) {
        return { $bin: v.toString('base64') };
    }
    if (v instanceof ArrayBuffer) {
        return { $bin: Buffer.from(v).toString('base64') };
    }
    if (ArrayBuffer.isView(v)) {
        return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength)
                              .toString('base64') };
    }
    if (Array.isArray(v)) {
        return v.map(encode);
    }
    if (v !== null && typeof v === 'object') {
        const o = {};
        for (const k of Object.keys(v)) {
            o[k] = encode(v[k]);
        }
        return o;
    }
    return v;
}

/* the reverse: {"$bin": base64} becomes a Buffer */
function decode(v) {
    if (Array.isArray(v)) {
        return v.map(decode);
    }
    if (v !== null && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === '$bin') {
            return Buffer.from(v.$bin, 'base64');
        }
        const o = {};
        for (const k of keys) {
            o[k] = decode(v[k]);
        }
        return o;
    }
    return v;
}

/*
 * What the library passes as a description may be an Error, a close
 * event or an object holding the XHR itself: only plain values go out.
 */
function describe(d) {
    if (d === undefined || d === null) {
        return null;
    }
    if (typeof d !== 'object') {
        return d;
    }
    if (d instanceof Error) {
        return d.message;
    }
    if ('description' in d) {
        return describe(d.description);
    }
    if ('message' in d) {
        return describe(d.message);
    }
    return String(d);
}

function parseArgs(argv) {
    const a = { url: null, options: {}, count: 0, lines: false };
    const rest = [];

    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--lines') {
            a.lines = true;
        } else if (argv[i] === '--count') {
            a.count = Number(argv[++i]);
            if (!Number.isInteger(a.count) || a.count < 1) {
                fatal('--count wants a positive integer');
            }
        } else {
            rest.push(argv[i]);
        }
    }

    if (rest.length < 1 || rest.length > 2) {
        fatal('usage: sio_client.js URL [OPTIONS_JSON] [--count N '
              + '[--lines]]');
    }
    if (a.lines && !a.count) {
        fatal('--lines goes with --count');
    }

    a.url = rest[0];

    if (rest.length === 2) {
        try {
            a.options = JSON.parse(rest[1]);
        } catch (e) {
            fatal('OPTIONS_JSON is not JSON: ' + e.message);
        }
        if (a.options === null || typeof a.options !== 'object'
            || Array.isArray(a.options))
        {
            fatal('OPTIONS_JSON must be a JSON object');
        }
    }

    return a;
}

/* one socket, everything it sees printed; with TAG, each line has "i": TAG */
function watch(socket, tag) {
    const manager = socket.io;
    const put = tag === undefined
                ? out : (obj) => out(Object.assign({ i: tag }, obj));

    socket.on('connect', () => {
        put({ ev: 'connect', id: socket.id,
              recovered: Boolean(socket.recovered),
              transport: manager.engine.transport.name });
    });

    socket.on('connect_error', (err) => {
        put({ ev: 'connect_error', message: err.message,
              data: encode(err.data === undefined ? null : err.data),
              description: describe(err.description) });
    });

    socket.on('disconnect', (reason, details) => {
        put({ ev: 'disconnect', reason: reason,
              description: describe(details) });
    });

    socket.onAny((name, ...args) => {
        put({ ev: 'event', name: name, args: encode(args) });
    });

    /* each (re)connection has an engine of its own */
    manager.on('open', () => {
        put({ ev: 'open', transport: manager.engine.transport.name });
        manager.engine.on('upgrade', (transport) => {
            put({ ev: 'upgrade', transport: transport.name });
        });
    });

    manager.on('error', (err) => {
        put({ ev: 'error', message: describe(err) });
    });
    manager.on('reconnect_attempt', (n) => {
        put({ ev: 'reconnect_attempt', n: n });
    });
    manager.on('reconnect', (n) => {
        put({ ev: 'reconnect', n: n });
    });
    manager.on('reconnect_error', (err) => {
        put({ ev: 'reconnect_error', message: describe(err) });
    });
    manager.on('reconnect_failed', () => {
        put({ ev: 'reconnect_failed' });
    });
}

function emit(socket, cmd, seq) {
    if (typeof cmd.name !== 'string') {
        fatal('emit wants a "name" string');
    }
    if (cmd.args !== undefined && !Array.isArray(cmd.args)) {
        fatal('emit wants "args" as an array');
    }

    const args = decode(cmd.args || []);

    if (!cmd.ack) {
        socket.emit(cmd.name, ...args);
        return;
    }

    if (cmd.timeout === undefined) {
        socket.emit(cmd.name, ...args, (...res) => {
            out({ ev: 'ack', seq: seq, args: encode(res) });
        });
        return;
    }

    socket.timeout(cmd.timeout).emit(cmd.name, ...args, (err, ...res) => {
        if (err) {
            out({ ev: 'ack_timeout', seq: seq });
        } else {
            out({ ev: 'ack', seq: seq, args: encode(res) });
        }
    });
}

/*
 * The engine closed under the socket: by the engine itself (a close
 * frame, or a close packet when polling), or with "hard" by destroying
 * the TCP connection of a WebSocket transport, as a network failure
 * would, without a close frame.
 */
function cut(socket, cmd) {
    const engine = socket.io.engine;

    if (!engine) {
        return;
    }
    if (!cmd.hard) {
        engine.close();
        return;
    }

    const ws = engine.transport && engine.transport.ws;
    if (!ws || !ws._socket) {
        fatal('a hard cut needs an open WebSocket transport (now: '
              + (engine.transport ? engine.transport.name : 'none') + ')');
    }
    ws._socket.destroy();
}

/*
 * Disconnects every socket and lets node exit once nothing is left to
 * do (the engines closed); the timer, which does not keep node alive,
 * only ends a client whose library still holds on to something.
 */
function finisher(sockets, rl, after) {
    let done = false;

    return () => {
        if (!done) {
            done = true;
            finish(sockets, rl, after);
        }
    };
}

function finish(sockets, rl, after) {
    rl.close();
    process.stdin.destroy();

    if (after) {
        after();
    }

    for (const s of sockets) {
        s.disconnect();
    }

    setTimeout(() => process.exit(0), 3000).unref();
}

/*
 * socket.io-client keeps a session on the URL it was opened with: a
 * client of a gateway that went away reconnects to it and nowhere else.
 * What it would send to recover (CONNECT's auth plus "pid" and "offset")
 * lives in two private fields of the Socket, _pid (the session id of the
 * server's CONNECT, kept only when the server sent one) and _lastOffset
 * (the last argument of the last event, when it was a string); they are
 * what socket.io-client 4.x reads in _sendConnectPacket(), and what a new
 * socket is given here before it connects, as an application that moves
 * a session to another server would do.  The old socket stops
 * reconnecting and is closed.
 */
function swap(io, old, cmd, options) {
    if (typeof cmd.url !== 'string') {
        fatal('switch wants a "url" string');
    }

    const s = io(cmd.url, Object.assign({}, options,
                                        { forceNew: true,
                                          autoConnect: false }));

    s.auth = old.auth;
    s._pid = old._pid;
    s._lastOffset = old._lastOffset;

    old.io.reconnection(false);
    old.disconnect();

    out({ ev: 'switch', url: cmd.url, pid: s._pid === undefined
                                           ? null : s._pid,
          offset: s._lastOffset === undefined ? null : s._lastOffset });

    watch(s);
    s.connect();
    return s;
}

function single(io, a, rl) {
    const sockets = [io(a.url, a.options)];
    const end = finisher(sockets, rl);
    let socket = sockets[0];
    let seq = 0;

    watch(socket);

    if (a.options.autoConnect === false) {
        /* loaded, waiting for {"cmd":"connect"} */
        out({ ev: 'ready' });
    }

    rl.on('line', (line) => {
        const cmd = command(line);
        if (cmd === null) {
            return;
        }

        switch (cmd.cmd) {
        case 'emit':
            seq = cmd.seq !== undefined ? cmd.seq : seq + 1;
            emit(socket, cmd, seq);
            break;
        case 'cut':
            cut(socket, cmd);
            break;
        case 'disconnect':
            socket.disconnect();
            break;
        case 'connect':
            socket.connect();
            break;
        case 'auth':
            socket.auth = cmd.auth;
            break;
        case 'switch':
            socket = swap(io, socket, cmd, a.options);
            sockets[0] = socket;
            break;
        case 'exit':
            end();
            break;
        default:
            fatal('unknown command "' + cmd.cmd + '": ' + line);
        }
    });

    rl.on('close', end);
}

function many(io, a, rl) {
    const sockets = [];
    const st = { connected: 0, connects: 0, connect_errors: 0,
                 disconnects: 0, events: 0 };
    const reached = [];
    let announced = false;

    const stats = () => out(Object.assign({ ev: 'stats' }, st));
    const opts = Object.assign({}, a.options, { forceNew: true });

    for (let i = 0; i < a.count; i++) {
        const s = io(a.url, opts);

        s.on('connect', () => {
            st.connected++;
            st.connects++;
            if (!announced && st.connected === a.count) {
                announced = true;
                out({ ev: 'connected', n: a.count });
            }
        });
        if (a.lines) {
            watch(s, i);
        }
        s.on('connect_error', () => st.connect_errors++);
        s.on('disconnect', () => {
            st.connected--;
            st.disconnects++;
        });
        /* reached[k]: the sockets that have had k events or more */
        let mine = 0;
        s.onAny(() => {
            st.events++;
            mine++;
            reached[mine] = (reached[mine] || 0) + 1;
            if (reached[mine] === a.count) {
                out({ ev: 'received', n: mine });
            }
        });

        sockets.push(s);
    }

    const end = finisher(sockets, rl, stats);

    rl.on('line', (line) => {
        const cmd = command(line);
        if (cmd === null) {
            return;
        }

        switch (cmd.cmd) {
        case 'stats':
            stats();
            break;
        case 'disconnect':
            sockets.forEach((s) => s.disconnect());
            break;
        case 'connect':
            sockets.forEach((s) => s.connect());
            break;
        case 'exit':
            end();
            break;
        default:
            fatal('command "' + cmd.cmd + '" is not available with --count');
        }
    });

    rl.on('close', end);
}

/* a command line parsed; blank lines are skipped */
function command(line) {
    if (line.trim() === '') {
        return null;
    }

    let cmd;
    try {
        cmd = JSON.parse(line);
    } catch (e) {
        fatal('command is not JSON (' + e.message + '): ' + line);
    }
    if (cmd === null || typeof cmd !== 'object' || typeof cmd.cmd !== 'string')
    {
        fatal('command wants a "cmd" string: ' + line);
    }
    return cmd;
}

function main() {
    const a = parseArgs(process.argv.slice(2));
    const { io } = loadClient();
    const rl = readline.createInterface({ input: process.stdin });

    if (a.count) {
        many(io, a, rl);
    } else {
        single(io, a, rl);
    }
}

main();
