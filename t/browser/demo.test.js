// The demo page in a real browser: Debian's chromium, driven by
// puppeteer-core, against the demo gateway (demo/nginx.conf) and its
// services (demo/services.py) on the real Kafka and Redis.  Run by
// t/090-browser-demo.t, which starts them:
//
//   node t/browser/demo.test.js BASE_URL NGINX_PID_FILE [SCREENSHOT.png]
//
// Prints one JSON line per check, {"ok": bool, "name": ..., "diag": ...},
// and {"done": true} at the end; every wait is on something the page
// shows, bounded for a loaded machine.

"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const puppeteer = require(path.join(__dirname, "..", "node", "node_modules",
                                    "puppeteer-core"));

const [BASE, PID_FILE, SHOT] = process.argv.slice(2);
const WAIT = 30000;

function report(ok, name, diag) {
  process.stdout.write(JSON.stringify({ ok: !!ok, name, diag }) + "\n");
}

async function check(name, fn) {
  try {
    const diag = await fn();
    report(true, name, diag);
    return true;
  } catch (e) {
    report(false, name, String(e && e.stack || e));
    return false;
  }
}

function expect(cond, what) {
  if (!cond) {
    throw new Error(what);
  }
}

// a page of the demo, with what it logs gathered
async function open(browser, query) {
  const page = await browser.newPage();
  page.errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") {
      page.errors.push("console: " + m.text());
    }
  });
  page.on("pageerror", (e) => page.errors.push("page: " + e.message));
  await page.goto(BASE + "/" + (query || ""), { waitUntil: "load" });
  return page;
}

async function signIn(page, user) {
  await page.waitForSelector("[data-testid=user]", { timeout: WAIT, polling: 100 });
  await page.type("[data-testid=user]", user);
  await page.click("[data-testid=login]");
  await page.waitForFunction(
    (u) => document.querySelector("[data-testid=whoami]")
           && document.querySelector("[data-testid=whoami]").textContent === u,
    { timeout: WAIT, polling: 100 }, user);
  await live(page);
}

async function live(page) {
  await page.waitForFunction(() => {
    const c = document.querySelector("[data-testid=connection]");
    return c && c.textContent.startsWith("live");
  }, { timeout: WAIT, polling: 100 });
}

// the bridge's status events, counted in the page from now on
async function watchBridge(page) {
  await page.evaluate(() => {
    const b = Object.values(window[Symbol.for("ngx_eda.bridges")])[0];
    window.__seen = { disconnected: [], connected: [] };
    b.addEventListener("eda:disconnected",
                       (e) => window.__seen.disconnected.push(e.detail));
    b.addEventListener("eda:connected",
                       (e) => window.__seen.connected.push(e.detail));
  });
}

async function placeOrder(page, decline) {
  await page.bringToFront();
  const before = await page.$$eval("[data-testid=orders] li",
                                   (l) => l.length);
  await page.click("[data-testid=add-mug]");
  await page.waitForFunction(() => /event in Kafka at shop\.activity\//.test(
    document.querySelector("[data-testid=shop-note]").textContent),
    { timeout: WAIT, polling: 100 });
  const box = await page.$("[data-testid=decline]");
  if ((await box.evaluate((b) => b.checked)) !== decline) {
    await box.click();
  }
  await page.click("[data-testid=order]");
  await page.waitForFunction(
    (n) => document.querySelectorAll("[data-testid=orders] li").length > n,
    { timeout: WAIT, polling: 100 }, before);
  return page.$eval("[data-testid=orders] li", (li) => li.dataset.saga);
}

// the statuses of saga ID's transitions and the types of all its events,
// as the tracker shows them, once the card reaches STATUS
async function card(page, id, status) {
  await page.bringToFront();
  await page.waitForFunction(
    (i, s) => {
      const c = document.querySelector(`.card[data-saga="${i}"]`);
      return c && c.dataset.status === s;
    }, { timeout: WAIT, polling: 100 }, id, status);
  return page.$eval(`.card[data-saga="${id}"]`, (c) => ({
    transitions: [...c.querySelectorAll("li.transition")]
                 .map((l) => l.dataset.status),
    steps: [...c.querySelectorAll("li.transition")]
           .map((l) => l.dataset.step),
    types: [...c.querySelectorAll("li")].map((l) => l.dataset.type),
  }));
}

// One POST on a connection of its own (Connection: close).  A reused
// keep-alive connection can be closed by a worker that a reload retires
// just as the next request goes out ("fetch failed"): a client's race,
// not the gateway's, which the test's own publisher must not run into.
function postOnce(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent: false,
                                    headers: { ...headers,
                                               Connection: "close" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode }));
      });
    req.on("error", reject);
    req.end(body);
  });
}

// publishes N events as USER through the gateway, as the page would
async function publish(user, n, tag) {
  const login = await fetch(BASE + "/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }) });
  const { token } = await login.json();
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = `${tag}-${i}`;
    const res = await postOnce(BASE + "/publish",
      { "Content-Type": "application/cloudevents+json",
        Authorization: "Bearer " + token },
      JSON.stringify({ specversion: "1.0", id, source: "/test",
                       type: "com.example.test.ping", data: { n: i } }));
    expect(res.status === 202, `publish ${id}: ${res.status}`);
    ids.push(id);
  }
  return ids;
}

// the ids of the activity feed's entries with TAG, how often each shows
async function activity(page, tag) {
  return page.$$eval("[data-testid=activity] li", (l, t) =>
    l.map((e) => e.dataset.id).filter((id) => id && id.startsWith(t + "-")),
    tag);
}

async function allOnce(page, ids, tag) {
  await page.bringToFront();
  await page.waitForFunction((t, n) =>
    [...document.querySelectorAll("[data-testid=activity] li")]
      .filter((e) => (e.dataset.id || "").startsWith(t + "-")).length >= n,
    { timeout: WAIT, polling: 100 }, tag, ids.length).catch(() => {});
  const got = await activity(page, tag);
  const missing = ids.filter((i) => !got.includes(i));
  const twice = got.length - new Set(got).size;
  expect(missing.length === 0 && twice === 0,
         `${got.length} shown of ${ids.length}: missing ` +
         `${missing.slice(0, 5).join(",")}${missing.length > 5 ? "…" : ""}` +
         ` (${missing.length}), ${twice} twice`);
  return `${ids.length} events, each once`;
}

function nginxPid() {
  return parseInt(fs.readFileSync(PID_FILE, "utf8"), 10);
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    protocolTimeout: 60000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-timer-throttling",
           "--disable-renderer-backgrounding",
           "--disable-backgrounding-occluded-windows"],
  });
  let a, b, c;

  try {
    a = await open(browser);
    await check("the page loads without console errors", async () => {
      await page_ready(a);
      expect(a.errors.length === 0, a.errors.join("; "));
    });

    if (!await check("sign-in: a token from the demo login, the page goes " +
                     "live", () => signIn(a, "alice"))) {
      return;
    }
    await watchBridge(a);

    b = await open(browser);
    await signIn(b, "alice");
    c = await open(browser);
    await signIn(c, "bob");

    let ok;
    await check("an order completes; its steps appear in order, in both " +
                "of alice's pages", async () => {
      ok = await placeOrder(a, false);
      const seenA = await card(a, ok, "completed");
      const seenB = await card(b, ok, "completed");
      // in order: started, each step (a retry if a reply was slow), done
      const order = ["reserve-inventory", "charge-payment",
                     "confirm-shipment"];
      for (const s of [seenA, seenB]) {
        const idx = s.steps.map((x) => order.indexOf(x));
        expect(s.transitions[0] === "started"
               && s.transitions[s.transitions.length - 1] === "completed"
               && idx.every((x, i) => x >= 0 && (i === 0 || x >= idx[i - 1]))
               && order.every((x) => s.steps.includes(x))
               && !s.transitions.includes("compensating"),
               "transitions " + s.transitions.join(",") + " steps " +
               s.steps.join(","));
        for (const t of ["com.example.inventory.reserved",
                         "com.example.payment.charged",
                         "com.example.shipping.confirmed"]) {
          expect(s.types.includes(t), "no " + t + " in " + s.types);
        }
      }
      const li = await a.$eval(`[data-testid=orders] li[data-saga="${ok}"]`,
                               (l) => l.dataset.status);
      expect(li === "completed", "the shop says " + li);
      return seenA.transitions.join(" > ");
    });

    await check("a declined payment shows the compensation", async () => {
      const id = await placeOrder(a, true);
      const s = await card(a, id, "compensated");
      for (const st of ["started", "running", "retrying", "compensating",
                        "compensated"]) {
        expect(s.transitions.includes(st), "no " + st + ": " + s.transitions);
      }
      for (const t of ["com.example.payment.declined",
                       "com.example.inventory.released"]) {
        expect(s.types.includes(t), "no " + t + " in " + s.types);
      }
      expect(s.transitions.indexOf("compensating")
             > s.transitions.lastIndexOf("retrying"),
             "order " + s.transitions);
      await card(b, id, "compensated");
      if (SHOT) {
        await a.setViewport({ width: 1280, height: 860 });
        await a.screenshot({ path: SHOT });
      }
      return s.transitions.join(" > ");
    });

    await check("each user sees only their own orders", async () => {
      const mine = await placeOrder(c, false);
      await card(c, mine, "completed");
      const inA = await a.$(`.card[data-saga="${mine}"]`);
      const inC = await c.$(`.card[data-saga="${ok}"]`);
      expect(inA === null, "alice sees bob's order");
      expect(inC === null, "bob sees alice's order");
    });

    await check("a page away and back, and reloaded, misses nothing",
                async () => {
      const first = await publish("alice", 10, "away");
      await allOnce(a, first, "away");
      await a.goto("about:blank");
      const during = await publish("alice", 10, "away2");
      await a.goto(BASE + "/", { waitUntil: "load" });
      await live(a);
      const reload = a.reload({ waitUntil: "load" });
      const later = await publish("alice", 10, "away3");
      await reload;
      await live(a);
      await allOnce(a, first, "away");
      await allOnce(a, during, "away2");
      return allOnce(a, later, "away3");
    });

    await check("nginx -s reload in the middle of 200 events loses nothing " +
                "in either page", async () => {
      await watchBridge(a);
      const pending = publish("alice", 200, "reload");
      // the reload happens while the events are being written
      await a.waitForFunction(() =>
        document.querySelectorAll("[data-testid=activity] li[data-id^=" +
                                  "'reload-']").length >= 40,
        { timeout: WAIT, polling: 100 });
      process.kill(nginxPid(), "SIGHUP");
      const ids = await pending;
      await allOnce(a, ids, "reload");
      await allOnce(b, ids, "reload");
      const d = await a.evaluate(() => window.__seen.disconnected);
      expect(d.some((x) => x.code === 1001),
             "the socket was not closed by the reload: " +
             JSON.stringify(d));
      return `${ids.length} events, the socket closed with 1001 and resumed`;
    });

    await check("the event stream fallback (SSE) delivers too", async () => {
      const s = await open(browser, "?transport=sse");
      await signIn(s, "alice");
      const t = await s.$eval("[data-testid=connection]", (e) => e.title);
      expect(t === "over sse", "connection " + t);
      const ids = await publish("alice", 5, "sse");
      await allOnce(s, ids, "sse");
      await s.close();
      return t;
    });

    await check("an expired token is renewed on reconnect (getToken)",
                async () => {
      // the demo services run with short-lived tokens in this test
      await a.waitForFunction(() => window.__seen.disconnected.some(
        (x) => x.code === 1008), { timeout: 90000, polling: 200 });
      await live(a);
      const ids = await publish("alice", 3, "renewed");
      await allOnce(a, ids, "renewed");
      const d = await a.evaluate(() => window.__seen.disconnected
                                       .filter((x) => x.code === 1008));
      return `closed with 1008 "${d[0].reason}", reconnected with a new ` +
             "token";
    });

    await check("no console errors in the whole run", async () => {
      const errs = [a, b, c].flatMap((p) => p.errors);
      expect(errs.length === 0, errs.join("; "));
    });
  } finally {
    await browser.close();
    process.stdout.write(JSON.stringify({ done: true }) + "\n");
  }
}

async function page_ready(page) {
  await page.waitForSelector("[data-testid=tracker] h2", { timeout: WAIT, polling: 100 });
  await page.waitForSelector("[data-testid=shop] h2", { timeout: WAIT, polling: 100 });
}

main().catch((e) => {
  report(false, "the browser test ran", String(e && e.stack || e));
  process.stdout.write(JSON.stringify({ done: true }) + "\n");
});
