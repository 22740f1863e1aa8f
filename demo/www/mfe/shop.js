// Micro frontend "shop": a cart and a checkout.  It starts a checkout saga
// at the gateway and learns how each order ended from the saga's events;
// it never calls the tracker, nor the tracker it.

import { connect } from "/eda/eda.js";

const eda = connect({ url: "/events" });     // the page's one connection
const root = document.getElementById("shop");

const PRODUCTS = [
  { sku: "mug", name: "Event-sourced mug", price: 12 },
  { sku: "tee", name: "At-least-once T-shirt", price: 25 },
  { sku: "cap", name: "Idempotent cap", price: 18 },
];
const cart = new Map();
const orders = new Map();      // saga id -> its row in "your orders"

root.innerHTML = `
  <h2>Shop</h2>
  <ul class="products"></ul>
  <p class="cart" data-testid="cart">Your cart is empty.</p>
  <label class="decline">
    <input type="checkbox" data-testid="decline">
    the card is declined (payment fails: the saga compensates)
  </label>
  <button class="primary" data-testid="order" disabled>Place order</button>
  <p class="note" data-testid="shop-note"></p>
  <h3>Your orders</h3>
  <ul class="orders" data-testid="orders"></ul>`;

const list = root.querySelector(".products");
for (const p of PRODUCTS) {
  const li = document.createElement("li");
  li.innerHTML = `<span></span> <b>€${p.price}</b> `
    + `<button data-testid="add-${p.sku}">Add</button>`;
  li.querySelector("span").textContent = p.name;
  li.querySelector("button").onclick = () => add(p);
  list.append(li);
}

const note = root.querySelector(".note");
const orderButton = root.querySelector("[data-testid=order]");

async function add(p) {
  cart.set(p.sku, (cart.get(p.sku) || 0) + 1);
  showCart();
  // the cart's changes are events too: anyone may react to them
  try {
    const ack = await eda.publish("com.example.cart.item-added",
                                  { sku: p.sku, quantity: cart.get(p.sku) });
    note.textContent = `Added ${p.name}: event in Kafka at `
      + `${ack.topic}/${ack.partition}@${ack.offset}`;
  } catch (e) {
    note.textContent = `Not published (${e.status}): ${e.message}`;
  }
}

function showCart() {
  const lines = [...cart].map(([sku, n]) =>
    `${n} × ${PRODUCTS.find((p) => p.sku === sku).name}`);
  root.querySelector(".cart").textContent =
    lines.length ? "Cart: " + lines.join(", ") : "Your cart is empty.";
  orderButton.disabled = lines.length === 0;
}

orderButton.onclick = async () => {
  const items = [...cart].map(([sku, quantity]) => ({ sku, quantity }));
  const total = items.reduce((s, i) =>
    s + i.quantity * PRODUCTS.find((p) => p.sku === i.sku).price, 0);
  const decline = root.querySelector("[data-testid=decline]").checked;

  orderButton.disabled = true;
  const res = await fetch("/checkouts/", {
    method: "POST",
    headers: { "Content-Type": "application/json",
               Authorization: "Bearer " + await eda.token(),
               "Idempotency-Key": crypto.randomUUID() },
    body: JSON.stringify({ items, total,
                           payment: decline ? "decline" : "card" }),
  });
  const body = await res.json();
  if (!res.ok) {
    note.textContent = `Checkout refused (${res.status}): ${body.detail}`;
    orderButton.disabled = false;
    return;
  }
  cart.clear();
  showCart();
  note.textContent = `Order ${body.id.slice(0, 8)} placed: checking out…`;
  row(body.id).dataset.status = "pending";
};

function row(id) {
  let li = orders.get(id);
  if (li === undefined) {
    li = document.createElement("li");
    li.dataset.saga = id;
    li.innerHTML = `<code>${id.slice(0, 8)}</code> <span>in progress</span>`;
    root.querySelector(".orders").prepend(li);
    orders.set(id, li);
  }
  return li;
}

const OUTCOME = {
  "eda.saga.completed": "confirmed: on its way",
  "eda.saga.compensated": "cancelled: payment declined, stock released",
  "eda.saga.failed": "failed: needs a human (dead letter)",
};
for (const [type, text] of Object.entries(OUTCOME)) {
  eda.subscribe({ type }, (ev) => {
    const li = row(ev.subject);
    li.dataset.status = type.slice("eda.saga.".length);
    li.querySelector("span").textContent = text;
  });
}

eda.addEventListener("eda:reset", () => {
  orders.clear();
  cart.clear();
  showCart();
  root.querySelector(".orders").replaceChildren();
  note.textContent = "";
});
