#!/usr/bin/env node
/*
 * The CloudEvents SDK for JavaScript (npm "cloudevents", from t/node) on
 * both sides of the gateway, for the test suite: events made and sent as
 * an application using that SDK would, and records read back from Kafka
 * judged by the SDK's own Kafka binding, not by the module's code.
 *
 *     node t/lib/ce_sdk.js post URL binary|structured EVENT_JSON
 *
 * makes a CloudEvent of EVENT_JSON's attributes and data, serialises it
 * with the SDK's HTTP binding in that mode and POSTs it to URL; prints
 * {"status":S,"body":B,"event":E}, E being the event as the SDK made it.
 *
 *     node t/lib/ce_sdk.js decode < RECORD_JSON
 *
 * RECORD_JSON: {"key":K,"value":TEXT,"headers":{name: value}}, a record
 * as kcat -J reads it.  Prints {"valid":true,"event":E} when the SDK's
 * Kafka binding reads a CloudEvent that passes its validation, else
 * {"valid":false,"error":M}.
 *
 *     node t/lib/ce_sdk.js check < EVENT_JSON
 *
 * a structured event (what a WebSocket subscriber gets): the same
 * answer, the SDK constructing it with strict validation.
 *
 * A bad command line exits with status 2.
 */

'use strict';

const { fatal, load } = require('./node_deps.js')('ce_sdk');

const { CloudEvent, HTTP, Kafka } = load('cloudevents');

function out(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

async function post(url, mode, spec) {
    const event = new CloudEvent(spec);
    const msg = mode === 'binary' ? HTTP.binary(event)
                                  : HTTP.structured(event);
    const res = await fetch(url, { method: 'POST', headers: msg.headers,
                                   body: msg.body });
    out({ status: res.status, body: await res.text(),
          event: event.toJSON() });
}

function decode(text) {
    const r = JSON.parse(text);
    const headers = {};
    for (const [k, v] of Object.entries(r.headers || {})) {
        headers[k] = String(v);
    }
    const message = {
        key: r.key === null || r.key === undefined ? undefined : r.key,
        value: Buffer.from(r.value === null ? '' : String(r.value)),
        headers,
    };
    try {
        const event = Kafka.toEvent(message);
        event.validate();
        out({ valid: true, event: event.toJSON() });
    } catch (e) {
        out({ valid: false,
              error: e.message + (e.errors ? ' '
                                  + JSON.stringify(e.errors) : '') });
    }
}

/* a structured event as a subscriber gets it, in a WebSocket frame */
function check(text) {
    try {
        const event = new CloudEvent(JSON.parse(text), true);
        out({ valid: true, event: event.toJSON() });
    } catch (e) {
        out({ valid: false,
              error: e.message + (e.errors ? ' '
                                  + JSON.stringify(e.errors) : '') });
    }
}

const [cmd, ...args] = process.argv.slice(2);

if (cmd === 'post') {
    if (args.length !== 3 || !['binary', 'structured'].includes(args[1])) {
        fatal('usage: ce_sdk.js post URL binary|structured EVENT_JSON');
    }
    post(args[0], args[1], JSON.parse(args[2])).catch((e) => fatal(e.stack));

} else if (cmd === 'decode' || cmd === 'check') {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => { text += d; });
    process.stdin.on('end', () => (cmd === 'decode' ? decode : check)(text));

} else {
    fatal('usage: ce_sdk.js post ... | decode | check');
}
