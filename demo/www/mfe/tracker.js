// Micro frontend "order tracker": every event of the user's orders, as
// the saga and its services send them, one card per order, and the rest
// of the user's activity.  It only listens; what it shows survives a
// reload of the page (sessionStorage), and the bridge's resume fills in
// what happened while the page was away.

import { connect } from "/eda/eda.js";

const eda = connect({ url: "/events" });
const root = document.getElementById("tracker");
const KEY = "demo.tracker";
const KEEP = 400;              // events kept for a reload of the page

root.innerHTML = `
  <h2>Order tracker</h2>
  <div class="cards" data-testid="cards"></div>
  <h3>Activity</h3>
  <ol class="activity" data-testid="activity" reversed></ol>`;

const cards = root.querySelector(".cards");
const activity = root.querySelector(".activity");
const seen = new Set();
let kept = [];

const STEP_LABEL = {
  "reserve-inventory": "inventory",
  "charge-payment": "payment",
  "confirm-shipment": "shipping",
};

function time(ev) {
  const t = ev.time ? new Date(ev.time) : new Date();
  return t.toISOString().slice(11, 23);
}

function describe(ev) {
  const d = ev.data || {};
  if (ev.type.startsWith("eda.saga.")) {
    const what = d.status === "completed" ? "order confirmed"
      : d.status === "compensated" ? "order cancelled, all undone"
      : d.status === "failed" ? "order failed: " + (d.reason || "")
      : `${d.phase === "compensation" ? "undo " : ""}`
        + `${STEP_LABEL[d.step] || d.step}, attempt ${d.attempt}`;
    return `saga ${d.status}: ${what}`
      + (d.reason && d.status !== "failed" ? ` (${d.reason})` : "");
  }
  return `${ev.source}: ${ev.type.split(".").slice(-2).join(" ")}`
    + (d.reason ? ` (${d.reason})` : "");
}

function card(id) {
  let c = cards.querySelector(`[data-saga="${CSS.escape(id)}"]`);
  if (c === null) {
    c = document.createElement("article");
    c.className = "card";
    c.dataset.saga = id;
    c.dataset.status = "running";
    c.innerHTML = `<h4>Order <code>${id.slice(0, 8)}</code>
                   <span class="badge">running</span></h4><ol></ol>`;
    cards.prepend(c);
  }
  return c;
}

function show(ev) {
  const li = document.createElement("li");
  li.dataset.id = ev.id;
  li.dataset.type = ev.type;
  li.innerHTML = "<time></time> <span></span>";
  li.querySelector("time").textContent = time(ev);
  li.querySelector("span").textContent = describe(ev);

  const saga = ev.sagaid || (ev.type.startsWith("eda.saga.") && ev.subject);
  if (!saga) {
    activity.prepend(li);
    while (activity.children.length > KEEP) {
      activity.lastChild.remove();
    }
    return;
  }

  const c = card(saga);
  if (ev.type.startsWith("eda.saga.")) {
    li.className = "transition";
    li.dataset.status = ev.data && ev.data.status;
    li.dataset.step = ev.data && ev.data.step;
    if (["completed", "compensated", "failed", "compensating",
         "retrying"].includes(li.dataset.status)) {
      c.dataset.status = li.dataset.status;
      c.querySelector(".badge").textContent = li.dataset.status;
    }
  } else {
    li.className = /declined|rejected|out-of-stock|failed/.test(ev.type)
                   ? "reply bad" : "reply";
  }
  c.querySelector("ol").append(li);
}

function take(ev) {
  if (seen.has(ev.id)) {
    return;
  }
  seen.add(ev.id);
  show(ev);
  kept.push({ id: ev.id, type: ev.type, source: ev.source, time: ev.time,
              subject: ev.subject, sagaid: ev.sagaid, data: ev.data });
  if (kept.length > KEEP) {
    kept = kept.slice(-KEEP);
  }
  sessionStorage.setItem(KEY, JSON.stringify(kept));
}

// what this page showed before a reload, then what the bridge brings
try {
  for (const ev of JSON.parse(sessionStorage.getItem(KEY)) || []) {
    take(ev);
  }
} catch (e) { /* nothing kept */ }

eda.subscribe({}, take);

eda.addEventListener("eda:reset", () => {
  seen.clear();
  kept = [];
  sessionStorage.removeItem(KEY);
  cards.replaceChildren();
  activity.replaceChildren();
});
