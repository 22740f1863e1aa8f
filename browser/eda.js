// eda.js: the browser side of ngx_eda, for pages made of micro frontends.
//
// One connection per page and gateway location, shared by every module that
// imports this file (whatever URL it was loaded from: the bridges live on
// window), over WebSocket, or Server-Sent Events where a WebSocket cannot be
// opened.  Every CloudEvent the gateway sends becomes a DOM CustomEvent
// named after its type, its detail the event; the connection's own state
// comes as "eda:connected", "eda:disconnected" and "eda:auth-error".  The
// position in Kafka (the gateway's resume cursor) is kept in sessionStorage,
// so a reconnect or a reload of the page misses nothing.  publish() sends an
// event through an eda_publish location and settles when Kafka has it.
//
// Plain ES module, no dependency, no build step.  See docs/browser.md.

const REGISTRY = Symbol.for("ngx_eda.bridges");
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 30000;
const RECENT_IDS = 512;      // ids kept to drop an event delivered twice
const REPLAY = 256;          // events kept for subscribers that come late
const WS_FAILURES = 2;       // handshakes failed before trying SSE

const FILTER_KEYS = ["type", "type_prefix", "subject", "subject_prefix",
                     "source"];


function checkFilter(filter) {
  for (const k of Object.keys(filter || {})) {
    if (!FILTER_KEYS.includes(k)) {
      throw new TypeError(`eda: unknown filter "${k}" (one of ` +
                          FILTER_KEYS.join(", ") + ")");
    }
    if (typeof filter[k] !== "string" || filter[k] === "") {
      throw new TypeError(`eda: filter "${k}" must be a non-empty string`);
    }
  }
  return Object.assign({}, filter);
}


function matches(filter, ev) {
  const s = (v) => (typeof v === "string" ? v : "");

  return (filter.type === undefined || s(ev.type) === filter.type)
      && (filter.type_prefix === undefined
          || s(ev.type).startsWith(filter.type_prefix))
      && (filter.subject === undefined || s(ev.subject) === filter.subject)
      && (filter.subject_prefix === undefined
          || s(ev.subject).startsWith(filter.subject_prefix))
      && (filter.source === undefined || s(ev.source) === filter.source);
}


class PublishError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title))
          || `publish failed with status ${status}`);
    this.name = "PublishError";
    this.status = status;
    this.problem = problem || null;
  }
}


class Bridge extends EventTarget {
  constructor(options) {
    super();

    const base = typeof location !== "undefined" ? location.href : undefined;

    this.url = new URL(options.url, base);
    this.publishUrl = options.publishUrl
                      ? new URL(options.publishUrl, base) : null;
    this.source = options.source || "/browser";
    this.getToken = options.getToken || null;
    this.tokenParam = options.tokenParam || "access_token";
    this.filter = checkFilter(options.filter);
    this.transport = null;
    this.state = "connecting";

    this._mode = options.transport || "auto";
    if (!["auto", "websocket", "sse"].includes(this._mode)) {
      throw new TypeError(`eda: transport "${this._mode}" is not one of ` +
                          "auto, websocket, sse");
    }
    this._key = "eda.cursor:" + this.url.pathname + this.url.search;
    this._cursor = readStorage(this._key);
    this._recent = new Set();
    this._replay = [];
    this._subs = new Set();
    this._conn = null;
    this._wsFailures = 0;
    this._backoff = BACKOFF_MIN;
    this._timer = null;
    this._closed = false;
    this._generation = 0;

    // modules that load later still get the first events: connect on the
    // next turn, not in the middle of the first module's import
    this._timer = setTimeout(() => this._open(), 0);
  }

  // the resume position: the cursor of the last event this page received
  get cursor() {
    return this._cursor;
  }

  // Calls LISTENER with every event that FILTER lets through: first those
  // this page already received (the latest few hundred), then live ones.
  // Returns the function that ends the subscription.
  subscribe(filter, listener) {
    const sub = { filter: checkFilter(filter), listener };

    if (typeof listener !== "function") {
      throw new TypeError("eda: subscribe needs a listener function");
    }
    for (const ev of this._replay) {
      if (matches(sub.filter, ev)) {
        callListener(listener, ev);
      }
    }
    this._subs.add(sub);
    return () => { this._subs.delete(sub); };
  }

  // Publishes one CloudEvent of TYPE with DATA through the eda_publish
  // location publishUrl: resolves with the gateway's answer, {id, topic,
  // partition, offset}, once Kafka has the event; rejects with a
  // PublishError (status and the problem document) otherwise.
  async publish(type, data, attributes) {
    if (this.publishUrl === null) {
      throw new TypeError("eda: publish needs the publishUrl option");
    }
    if (typeof type !== "string" || type === "") {
      throw new TypeError("eda: publish needs an event type");
    }

    const ev = Object.assign({}, attributes || {}, {
      specversion: "1.0",
      id: newId(),
      source: this.source,
      type,
      datacontenttype: "application/json",
      data: data === undefined ? null : data,
    });
    const headers = { "Content-Type": "application/cloudevents+json" };
    const token = await this._token();

    if (token) {
      headers.Authorization = "Bearer " + token;
    }

    let res;
    try {
      res = await fetch(this.publishUrl, {
        method: "POST", headers, body: JSON.stringify(ev),
        credentials: "same-origin",
      });
    } catch (e) {
      throw new PublishError(0, { detail: "the gateway could not be " +
                                          "reached: " + e.message });
    }

    const body = await res.json().catch(() => null);

    if (res.status === 401 || res.status === 403) {
      this._emit("eda:auth-error", { status: res.status, problem: body });
    }
    if (!res.ok) {
      throw new PublishError(res.status, body);
    }
    return body;
  }

  // The token the getToken option gives now (null without one), for a
  // module's own requests to the gateway.
  token() {
    return this._token();
  }

  // Drops the connection and opens it again at once (getToken is asked
  // again).  With { forget: true } the resume position is forgotten too,
  // for a change of user: the new stream starts live, and "eda:reset"
  // tells every module to drop what it shows.
  reconnect(options) {
    if (this._closed) {
      return;
    }
    clearTimeout(this._timer);
    this._drop();
    if (options && options.forget) {
      this._cursor = null;
      removeStorage(this._key);
      this._recent.clear();
      this._replay = [];
      this._emit("eda:reset", {});
    }
    this._backoff = BACKOFF_MIN;
    this._timer = setTimeout(() => this._open(), 0);
  }

  // closes the connection for good (for this page)
  close() {
    this._closed = true;
    clearTimeout(this._timer);
    this._drop();
    this._setState("closed");
    delete window[REGISTRY][this._registryKey];
  }

  // ------------------------------------------------------------------
  // the connection

  async _token() {
    if (this.getToken === null) {
      return null;
    }
    const t = await this.getToken();
    return typeof t === "string" && t !== "" ? t : null;
  }

  async _open() {
    const gen = ++this._generation;
    let token;

    this._setState("connecting");

    try {
      token = await this._token();
    } catch (e) {
      this._emit("eda:auth-error", { status: 0, problem: null,
                                     error: String(e) });
      this._retry(gen);
      return;
    }
    if (gen !== this._generation || this._closed) {
      return;
    }

    const url = new URL(this.url);
    for (const [k, v] of Object.entries(this.filter)) {
      url.searchParams.set(k, v);
    }
    if (token) {
      url.searchParams.set(this.tokenParam, token);
    }
    if (this._cursor) {
      url.searchParams.set("since", this._cursor);
    }

    const useSse = this._mode === "sse"
                   || (this._mode === "auto"
                       && (typeof WebSocket === "undefined"
                           || this._wsFailures >= WS_FAILURES));

    if (useSse) {
      this._openSse(url, gen);
    } else {
      this._openWs(url, gen);
    }
  }

  _openWs(url, gen) {
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";

    const ws = new WebSocket(url);
    let opened = false;

    this._conn = { close: () => ws.close(1000) };

    ws.onopen = () => {
      opened = true;
      this._wsFailures = 0;
      this._connected("websocket");
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== "string") {
        return;                 // eda_ws_format data: not for this bridge
      }
      let ev;
      try {
        ev = JSON.parse(m.data);
      } catch (e) {
        return;
      }
      if (ev && (ev.type === "eda.ws.ack" || ev.type === "eda.ws.problem")) {
        return;
      }
      this._deliver(ev, ev.edacursor);
    };
    ws.onclose = (c) => {
      if (gen !== this._generation) {
        return;
      }
      this._conn = null;
      if (!opened) {
        this._wsFailures++;
        this._refused(url, gen);
        return;
      }
      this._lost(gen, c.code, c.reason);
    };
  }

  _openSse(url, gen) {
    const es = new EventSource(url);
    let opened = false;

    this._conn = { close: () => es.close() };

    es.onopen = () => {
      opened = true;
      this._connected("sse");
    };
    es.onmessage = (m) => {
      let ev;
      try {
        ev = JSON.parse(m.data);
      } catch (e) {
        return;
      }
      this._deliver(ev, m.lastEventId);
    };
    es.addEventListener("eda.close", (m) => {
      let c = {};
      try {
        c = JSON.parse(m.data);
      } catch (e) { /* keep the defaults */ }
      es.close();
      if (gen === this._generation) {
        this._conn = null;
        this._lost(gen, c.code || 1006, c.reason || "");
      }
    });
    es.onerror = () => {
      // the browser would reconnect with the same URL, the same (perhaps
      // expired) token: this bridge reconnects itself, with a fresh one
      es.close();
      if (gen !== this._generation) {
        return;
      }
      this._conn = null;
      if (!opened) {
        this._refused(url, gen);
        return;
      }
      this._lost(gen, 1006, "event stream interrupted");
    };
  }

  // A handshake that failed says nothing to a page: ask the gateway
  // what it was with a plain request, and tell an auth error apart.
  async _refused(url, gen) {
    let status = 0, problem = null;

    try {
      const probe = new URL(url);
      probe.protocol = probe.protocol === "wss:" ? "https:"
                       : probe.protocol === "ws:" ? "http:" : probe.protocol;
      probe.searchParams.delete("since");
      const ac = new AbortController();
      const res = await fetch(probe, {
        headers: { Accept: "text/event-stream" }, signal: ac.signal,
        cache: "no-store", credentials: "same-origin",
      });
      status = res.status;
      if (!res.ok) {
        problem = await res.json().catch(() => null);
      }
      ac.abort();
    } catch (e) { /* unreachable: status 0 */ }

    if (gen !== this._generation) {
      return;
    }
    if (status === 401 || status === 403) {
      this._emit("eda:auth-error", { status, problem });
    }
    this._lost(gen, 1006, problem && problem.detail
                          ? problem.detail : "could not connect", status);
  }

  _connected(transport) {
    this.transport = transport;
    this._backoff = BACKOFF_MIN;
    this._setState("open");
    this._emit("eda:connected", { transport, recovered: !!this._cursor,
                                  cursor: this._cursor });
  }

  _lost(gen, code, reason, status) {
    const retry = !this._closed;

    this._setState("connecting");
    this._emit("eda:disconnected", { code, reason, status: status || null,
                                     willRetry: retry });
    // a token that expired is renewed at once; anything else backs off
    if (retry && code === 1008 && /token/.test(reason)
        && this._backoff <= BACKOFF_MIN)
    {
      this._backoff = BACKOFF_MIN * 2;
      this._timer = setTimeout(() => this._open(), 0);
      return;
    }
    this._retry(gen);
  }

  _retry(gen) {
    if (this._closed || gen !== this._generation) {
      return;
    }
    const wait = this._backoff * (0.75 + Math.random() * 0.5);
    this._backoff = Math.min(this._backoff * 2, BACKOFF_MAX);
    this._timer = setTimeout(() => this._open(), wait);
  }

  _drop() {
    this._generation++;
    if (this._conn !== null) {
      this._conn.close();
      this._conn = null;
    }
  }

  _deliver(ev, cursor) {
    if (ev === null || typeof ev !== "object" || typeof ev.type !== "string") {
      return;
    }
    if (cursor) {
      this._cursor = cursor;
      writeStorage(this._key, cursor);
    }
    // after a switch of gateway an event may come twice: same id, dropped
    const id = (ev.source || "") + " " + (ev.id || "");
    if (ev.id !== undefined) {
      if (this._recent.has(id)) {
        return;
      }
      this._recent.add(id);
      if (this._recent.size > RECENT_IDS) {
        this._recent.delete(this._recent.values().next().value);
      }
    }

    this._replay.push(ev);
    if (this._replay.length > REPLAY) {
      this._replay.shift();
    }
    this._emit(ev.type, ev);
    this._emit("eda:event", ev);
    for (const sub of Array.from(this._subs)) {
      if (this._subs.has(sub) && matches(sub.filter, ev)) {
        callListener(sub.listener, ev);
      }
    }
  }

  _emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  _setState(s) {
    this.state = s;
  }
}


function callListener(fn, ev) {
  try {
    fn(ev);
  } catch (e) {
    // one module's error must not keep the event from the others
    setTimeout(() => { throw e; }, 0);
  }
}


function newId() {
  if (typeof crypto !== "undefined" && crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-` +
         `${h.slice(16, 20)}-${h.slice(20)}`;
}


function readStorage(key) {
  try {
    return sessionStorage.getItem(key);
  } catch (e) {
    return null;                // storage disabled: resume within the page
  }
}


function removeStorage(key) {
  try {
    sessionStorage.removeItem(key);
  } catch (e) { /* disabled */ }
}


function writeStorage(key, value) {
  try {
    sessionStorage.setItem(key, value);
  } catch (e) { /* full or disabled: the cursor is still kept in memory */ }
}


// The page's bridge to the eda_subscribe location OPTIONS.url: created by
// the first call, returned as it is by every later one (any module, any
// copy of this file), so a page opens one connection per location.
export function connect(options) {
  if (!options || typeof options.url !== "string") {
    throw new TypeError("eda: connect needs { url }");
  }
  if (!window[REGISTRY]) {
    Object.defineProperty(window, REGISTRY, { value: {} });
  }

  const key = new URL(options.url, location.href).href;
  let bridge = window[REGISTRY][key];

  if (bridge === undefined) {
    bridge = new Bridge(options);
    bridge._registryKey = key;
    window[REGISTRY][key] = bridge;
  }
  return bridge;
}

export { PublishError };
