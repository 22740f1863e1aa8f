#!/usr/bin/python3
"""A saga participant for the test suite: it consumes the commands of every
step of a definitions file and replies, the way a service in any language
would (here Python with Debian's python3-confluent-kafka).

    saga_participant.py DEFINITIONS --brokers B --group G --log FILE

What it does with a command is written in the saga's input (the command's
data.input), so each test chooses its scenario per saga:

    {"fail": ["charge-payment"]}        reply with the step's failure type
    {"silent": {"charge-payment": 2}}   no reply to the first 2 attempts
    {"fail_compensation": ["reserve-inventory"]}   compensation fails
    {"delay_ms": 200}                   wait before every reply
    {"pad_result": {"charge-payment": 5000}}   a success with 5000 more
                                        bytes of data ("pad")

Every command received is appended to FILE as one JSON line (its type, id,
idempotency key, saga id, step, phase, attempt and the time), so a test
can check what the coordinator sent, in which order, and when.
"""

import argparse
import json
import os
import sys
import time

from confluent_kafka import Consumer, Producer


def trace(cmd):
    """The reply continues the command's trace with a span of its own."""
    tp = cmd.get("traceparent")
    if not isinstance(tp, str) or len(tp) != 55:
        return {}
    return {"traceparent": "%s-%s-%s" % (tp[:35], os.urandom(8).hex(),
                                         tp[53:])}


def reply_data(step, attempt, failed, phase, inp):
    data = {"step": step, "attempt": attempt, "ok": not failed}
    pad = (inp.get("pad_result") or {}).get(step)
    if phase == "forward" and pad:
        data["pad"] = "x" * int(pad)
    return data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("definitions")
    p.add_argument("--brokers", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()

    with open(args.definitions) as f:
        defs = json.load(f)

    # command type -> (step, phase, reply topic, success type, failure type)
    routes = {}
    topics = set()
    for saga in defs["sagas"].values():
        for step in saga["steps"]:
            cmd = step["command"]
            routes[cmd["type"]] = (step["name"], "forward",
                                   step["reply_topic"], step["success"][0],
                                   step["failure"][0])
            topics.add(cmd["topic"])
            comp = step.get("compensation")
            if comp:
                routes[comp["type"]] = (step["name"], "compensation",
                                        comp.get("reply_topic",
                                                 step["reply_topic"]),
                                        comp["success"][0],
                                        comp["failure"][0])
                topics.add(comp["topic"])

    # quiet: the tests stop Kafka on purpose
    producer = Producer({"bootstrap.servers": args.brokers,
                         "linger.ms": 1, "acks": "all", "log_level": 0})
    consumer = Consumer({"bootstrap.servers": args.brokers,
                         "group.id": args.group,
                         "auto.offset.reset": "earliest",
                         "fetch.wait.max.ms": 10,
                         "enable.auto.commit": True, "log_level": 0})
    consumer.subscribe(sorted(topics))

    log = open(args.log, "a", buffering=1)
    print("READY", flush=True)

    while True:
        msg = consumer.poll(0.1)
        producer.poll(0)
        if msg is None or msg.error():
            continue
        try:
            cmd = json.loads(msg.value())
        except ValueError:
            continue
        route = routes.get(cmd.get("type"))
        if route is None or "sagaid" not in cmd:
            continue
        step, phase, reply_topic, ok_type, fail_type = route
        data = cmd.get("data") or {}
        inp = data.get("input") or {}
        attempt = int(cmd.get("sagaattempt", "1"))

        log.write(json.dumps({
            "type": cmd["type"], "id": cmd["id"],
            "key": cmd.get("idempotencykey"), "saga": cmd["sagaid"],
            "step": step, "phase": phase, "attempt": attempt,
            "time": time.time()}) + "\n")

        if not isinstance(inp, dict):
            inp = {}
        if phase == "forward":
            if attempt <= int((inp.get("silent") or {}).get(step, 0)):
                continue
            failed = step in (inp.get("fail") or [])
        else:
            failed = step in (inp.get("fail_compensation") or [])

        if inp.get("delay_ms"):
            time.sleep(inp["delay_ms"] / 1000.0)

        producer.produce(reply_topic, key=cmd["sagaid"], value=json.dumps({
            "specversion": "1.0", "id": cmd["id"] + ".reply",
            "source": "/test/participant",
            "type": fail_type if failed else ok_type,
            "subject": cmd["sagaid"], "sagaid": cmd["sagaid"],
            "sagastep": step, "sagaattempt": str(attempt),
            # what binds the reply to the command it answers
            "idempotencykey": cmd.get("idempotencykey", cmd["id"]),
            "datacontenttype": "application/json",
            **trace(cmd),
            "data": reply_data(step, attempt, failed, phase, inp)}),
            headers=[("content-type", "application/cloudevents+json")])
        producer.poll(0)

    return 0


if __name__ == "__main__":
    sys.exit(main())
