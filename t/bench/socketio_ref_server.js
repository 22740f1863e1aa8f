#!/usr/bin/env node
/*
 * The reference peer of the Socket.IO benchmark: the npm socket.io
 * server in one process, fed from Kafka by kafkajs, doing what an
 * eda_socketio location does with the same records.
 *
 *     KAFKA_BROKERS=127.0.0.1:9092 \
 *         node t/bench/socketio_ref_server.js PORT TOPIC [--recovery]
 *
 * Every record written to TOPIC after it started (a consumer group of its
 * own, from the end) goes to every client of the main namespace as one
 * event named after the CloudEvent's type, the event (as JSON) its one
 * argument.  Records are read as the gateway reads them: structured mode
 * (content-type application/cloudevents...) is the JSON value; binary
 * mode (a ce_specversion header) is the ce_ headers plus the value as
 * data; anything else is the data of an event of type eda.kafka.record,
 * id TOPIC-PARTITION-OFFSET, source /kafka/TOPIC.  Data that parses as
 * JSON is embedded as JSON, other text as a string, the rest as
 * data_base64.
 *
 * A client event with an acknowledgement callback is acknowledged with
 * {"event": NAME, "args": [...]}, so a client can check a round trip.
 * --recovery turns on socket.io's connection state recovery.
 *
 * TOPIC is created (with the broker's defaults) when it does not exist.
 * PORT 0 lets the kernel choose.  On stdout, the signals to wait on:
 *
 *     listening PORT
 *     consumer assigned TOPIC PARTITIONS
 *
 * after which a record written to TOPIC reaches every connected client.
 * kafkajs's own log goes to stderr.  SIGTERM or SIGINT stops it.
 */

'use strict';

const { fatal, load } = require('../lib/node_deps.js')('socketio_ref_server');

const { Server } = load('socket.io');
const { Kafka, logLevel } = load('kafkajs');

function header(h) {
    if (h === undefined || h === null) {
        return null;
    }
    return Array.isArray(h) ? header(h[h.length - 1]) : h;
}

/* data as the gateway embeds it: JSON, text or data_base64 */
function setData(ev, value) {
    if (value === null) {
        return;
    }

    const text = value.toString('utf8');

    if (Buffer.from(text, 'utf8').equals(value)) {
        try {
            ev.data = JSON.parse(text);
        } catch (e) {
            ev.data = text;
        }
    } else {
        ev.data_base64 = value.toString('base64');
    }
}

function toEvent(topic, partition, m) {
    const headers = m.headers || {};
    const ct = header(headers['content-type']);
    const ctText = ct === null ? null : ct.toString();

    if (ctText !== null
        && ctText.toLowerCase().startsWith('application/cloudevents'))
    {
        try {
            return JSON.parse(m.value.toString('utf8'));
        } catch (e) {
            return null;
        }
    }

    let ev;

    if (headers.ce_specversion !== undefined) {
        ev = {};
        for (const name of Object.keys(headers)) {
            const v = header(headers[name]);
            if (name.startsWith('ce_') && v !== null) {
                ev[name.slice(3)] = v.toString();
            }
        }
    } else {
        ev = { specversion: '1.0', id: topic + '-' + partition + '-' + m.offset,
               source: '/kafka/' + topic, type: 'eda.kafka.record' };
    }

    if (ctText !== null) {
        ev.datacontenttype = ctText;
    }
    setData(ev, m.value);

    return ev;
}

function stderrLog() {
    return ({ namespace, label, log }) => {
        process.stderr.write(label + ' ' + namespace + ' ' + log.message
                             + '\n');
    };
}

async function main() {
    const argv = process.argv.slice(2);
    const recovery = argv.includes('--recovery');
    const [portArg, topic] = argv.filter((a) => a !== '--recovery');
    const brokers = (process.env.KAFKA_BROKERS || '').split(',')
                    .filter((b) => b !== '');

    if (portArg === undefined || topic === undefined
        || !/^\d+$/.test(portArg))
    {
        fatal('usage: KAFKA_BROKERS=host:port socketio_ref_server.js '
              + 'PORT TOPIC [--recovery]');
    }
    if (brokers.length === 0) {
        fatal('KAFKA_BROKERS is not set');
    }

    const opts = { serveClient: false };
    if (recovery) {
        opts.connectionStateRecovery = {};
    }

    const io = new Server(opts);

    io.on('connection', (socket) => {
        socket.onAny((name, ...args) => {
            const ack = args[args.length - 1];
            if (typeof ack === 'function') {
                ack({ event: name, args: args.slice(0, -1) });
            }
        });
    });

    const httpServer = require('http').createServer();
    io.attach(httpServer);

    await new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(Number(portArg), '127.0.0.1', resolve);
    });
    process.stdout.write('listening ' + httpServer.address().port + '\n');

    const kafka = new Kafka({ clientId: 'socketio-ref', brokers: brokers,
                              logLevel: logLevel.WARN,
                              logCreator: stderrLog });
    const admin = kafka.admin();
    const consumer = kafka.consumer({
        groupId: 'socketio-ref-' + process.pid + '-' + Date.now() });

    /*
     * From the end, fixed once assigned: the high watermarks read after
     * the group join are where consumption starts (seek), so a record
     * written after "consumer assigned" is never skipped, whenever
     * kafkajs would have resolved "latest" by itself.
     */
    consumer.on(consumer.events.GROUP_JOIN, async (e) => {
        const parts = e.payload.memberAssignment[topic] || [];

        try {
            const offsets = await admin.fetchTopicOffsets(topic);
            for (const o of offsets) {
                if (parts.includes(o.partition)) {
                    consumer.seek({ topic: topic, partition: o.partition,
                                    offset: o.high });
                }
            }
        } catch (err) {
            fatal('reading the offsets of ' + topic + ': ' + err.message);
        }

        process.stdout.write('consumer assigned ' + topic + ' '
                             + parts.length + '\n');
    });

    consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) {
            fatal('consumer crashed: ' + e.payload.error.message);
        }
    });

    /* a topic that does not exist yet is created, the broker's defaults */
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: topic }],
                               waitForLeaders: true });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
        eachMessage: async ({ topic: t, partition, message }) => {
            const ev = toEvent(t, partition, message);
            if (ev !== null && typeof ev.type === 'string') {
                io.emit(ev.type, ev);
            }
        },
    });

    const stop = async () => {
        io.close();
        await consumer.disconnect().catch(() => {});
        await admin.disconnect().catch(() => {});
        process.exit(0);
    };

    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

main().catch((err) => fatal(err.stack || String(err)));
