#!/usr/bin/python3
"""The demo's back end, everything the gateway does not do itself:

- a login (POST /auth/login {"user": "alice"}) that answers a short-lived
  JWT signed with the demo's HMAC key, the one nginx checks with eda_jwt;
- the participants of the checkout saga of docs/examples/sagas.json:
  inventory, payment and shipping, each reading its command topic and
  replying on its reply topic, as a real service would.

    services.py --brokers B --key FILE --definitions sagas.json [--port P]

Payment declines when the order's input says "payment": "decline" (the
shop's "card declined" box): the saga then compensates (the inventory
reservation is released).  Every reply carries the command's "user"
extension, which the gateway put on the saga (eda_saga_extension), so a
user's page sees the replies to their own orders only.

A demo, not an identity provider: anyone may log in as anyone.
"""

import argparse
import http.server
import json
import re
import sys
import threading
import time
import uuid

import jwt
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

ISSUER = "ngx-eda-demo"
USER_RE = re.compile(r"^[a-z][a-z0-9]{0,15}$")


class Login(http.server.BaseHTTPRequestHandler):
    key = b""
    ttl = 120

    def do_POST(self):
        if self.path != "/auth/login":
            return self.answer(404, {"title": "Not Found", "status": 404})
        try:
            n = int(self.headers.get("Content-Length") or 0)
            user = json.loads(self.rfile.read(min(n, 4096)) or b"{}")["user"]
        except (ValueError, KeyError, TypeError):
            user = None
        if not isinstance(user, str) or not USER_RE.match(user):
            return self.answer(400, {
                "title": "Bad Request", "status": 400,
                "detail": "user: 1 to 16 lower-case letters or digits, "
                          "starting with a letter"})
        now = int(time.time())
        token = jwt.encode({"sub": user, "iss": ISSUER, "aud": ISSUER,
                            "iat": now, "exp": now + self.ttl,
                            "jti": str(uuid.uuid4())},
                           self.key, algorithm="HS256")
        self.answer(200, {"token": token, "expires_in": self.ttl,
                          "user": user})

    def do_GET(self):
        if self.path == "/auth/health":
            return self.answer(200, {"status": "up"})
        self.answer(404, {"title": "Not Found", "status": 404})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status < 400
                         else "application/problem+json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def routes_of(defs):
    """command type -> (step, phase, reply topic, success, failure)"""
    routes, topics = {}, set()
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
    return routes, topics


def replies_of(defs):
    return {t for saga in defs["sagas"].values() for step in saga["steps"]
            for t in [step["reply_topic"],
                      (step.get("compensation") or {}).get("reply_topic")]
            if t}


def work(step, phase, inp, attempt):
    """What the service does: (succeeded, the reply's data)."""
    if phase == "compensation":
        return True, {"undone": step}
    if step == "reserve-inventory":
        return True, {"reservation": "r-" + uuid.uuid4().hex[:8],
                      "items": inp.get("items", [])}
    if step == "charge-payment":
        if inp.get("payment") == "decline":
            return False, {"reason": "card declined", "attempt": attempt}
        return True, {"charge": "ch-" + uuid.uuid4().hex[:8],
                      "amount": inp.get("total", 0)}
    if step == "confirm-shipment":
        return True, {"tracking": "TRK" + uuid.uuid4().hex[:10].upper()}
    return True, {}


def participants(args, routes, topics, ready):
    producer = Producer({"bootstrap.servers": args.brokers, "linger.ms": 1,
                         "acks": "all"})
    consumer = Consumer({"bootstrap.servers": args.brokers,
                         "group.id": args.group,
                         "auto.offset.reset": "earliest",
                         "fetch.wait.max.ms": 20,
                         "enable.auto.commit": True})

    def assigned(c, parts):
        ready.set()

    consumer.subscribe(sorted(topics), on_assign=assigned)
    done = {}          # idempotency key -> reply: a repeat gets the same

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
        key = cmd.get("idempotencykey", cmd.get("id"))

        reply = done.get(key)
        if reply is None:
            inp = (cmd.get("data") or {}).get("input") or {}
            if not isinstance(inp, dict):
                inp = {}
            attempt = int(cmd.get("sagaattempt", "1"))
            ok, data = work(step, phase, inp, attempt)
            reply = {
                "specversion": "1.0", "id": str(uuid.uuid4()),
                "source": "/demo/" + step.split("-")[-1],
                "type": ok_type if ok else fail_type,
                "subject": cmd["sagaid"], "sagaid": cmd["sagaid"],
                "sagastep": step, "sagaattempt": str(attempt),
                "idempotencykey": key,
                "datacontenttype": "application/json", "data": data}
            if isinstance(cmd.get("user"), str):
                reply["user"] = cmd["user"]
            done[key] = reply
            if len(done) > 10000:
                done.pop(next(iter(done)))
            # a service takes a moment: the page shows each step happen
            time.sleep(args.delay_ms / 1000.0)

        producer.produce(reply_topic, key=cmd["sagaid"],
                         value=json.dumps(reply),
                         headers=[("content-type",
                                   "application/cloudevents+json")])
        producer.poll(0)


def ensure_topics(brokers, names):
    """Creates the demo's topics before anyone reads them: a consumer
    that subscribes to a topic that does not exist yet may wait minutes
    for the metadata that shows it."""
    admin = AdminClient({"bootstrap.servers": brokers})
    futures = admin.create_topics([NewTopic(n, num_partitions=3,
                                            replication_factor=1)
                                   for n in sorted(names)])
    for name, f in futures.items():
        try:
            f.result(30)
        except KafkaException as e:
            if e.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--key", required=True, help="the HMAC key file")
    p.add_argument("--definitions", required=True)
    p.add_argument("--port", type=int, default=18090)
    p.add_argument("--group", default="demo-participants")
    p.add_argument("--token-ttl", type=int, default=120)
    p.add_argument("--delay-ms", type=int, default=400)
    args = p.parse_args()

    with open(args.key, "rb") as f:
        Login.key = f.read().strip()
    Login.ttl = args.token_ttl
    with open(args.definitions) as f:
        defs = json.load(f)
    routes, topics = routes_of(defs)
    ensure_topics(args.brokers, topics | replies_of(defs) | {
        defs.get("events_topic", "eda.saga.events"),
        defs.get("dead_letter_topic", "eda.saga.dead-letters"),
        "shop.activity"})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Login)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    ready = threading.Event()
    t = threading.Thread(target=participants,
                         args=(args, routes, topics, ready), daemon=True)
    t.start()
    ready.wait(60)
    print("READY" if ready.is_set() else "READY (no partitions yet)",
          flush=True)
    try:
        t.join()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
