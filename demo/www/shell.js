// The page's shell: signs the user in (the demo login answers a token that
// lives two minutes), renews the token before it expires, and opens the
// page's connection to the gateway, which every micro frontend then
// shares.  The shell knows nothing of shops or orders.

import { connect } from "/eda/eda.js";

const KEY = "demo.session";
const box = document.getElementById("session");
let session = load();
let waiting = [];              // getToken calls waiting for a sign-in

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch (e) {
    return null;
  }
}

async function login(user) {
  const res = await fetch("/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }),
  });
  const body = await res.json();
  if (!res.ok) {
    throw new Error(body.detail || "sign-in failed");
  }
  session = { user: body.user, token: body.token,
              exp: Date.now() + body.expires_in * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

// called by the bridge on every (re)connect and by modules for requests
async function getToken() {
  if (session === null) {
    await new Promise((resolve) => waiting.push(resolve));
  }
  if (session.exp - Date.now() < 20000) {
    await login(session.user);         // a fresh token before this expires
  }
  return session.token;
}

// "?transport=sse" tries the event stream the bridge falls back on
const transport = new URLSearchParams(location.search).get("transport");
const eda = connect({ url: "/events", publishUrl: "/publish", getToken,
                      source: "/shop/browser",
                      transport: transport || "auto" });

function render() {
  box.replaceChildren();

  if (session === null) {
    const form = document.createElement("form");
    form.innerHTML = '<input name="user" placeholder="your name, e.g. alice"'
      + ' autocomplete="off" required pattern="[a-z][a-z0-9]{0,15}"'
      + ' data-testid="user"> <button data-testid="login">Sign in</button>'
      + ' <span class="error" data-testid="login-error"></span>';
    form.onsubmit = async (e) => {
      e.preventDefault();
      try {
        await login(form.user.value.trim());
      } catch (err) {
        form.querySelector(".error").textContent = err.message;
        return;
      }
      render();
      for (const w of waiting.splice(0)) {
        w();
      }
      window.dispatchEvent(new CustomEvent("demo:signed-in",
                                           { detail: { user: session.user } }));
    };
    box.append(form);
    return;
  }

  const who = document.createElement("span");
  who.innerHTML = 'Signed in as <b data-testid="whoami"></b> ';
  who.querySelector("b").textContent = session.user;
  const state = document.createElement("span");
  state.className = "conn";
  state.dataset.testid = "connection";
  state.textContent = eda.state === "open" ? "live" : "connecting";
  const out = document.createElement("button");
  out.textContent = "Sign out";
  out.onclick = () => {
    session = null;
    sessionStorage.removeItem(KEY);
    eda.reconnect({ forget: true });      // the next user starts afresh
    render();
  };
  box.append(who, state, " ", out);
}

eda.addEventListener("eda:connected", (e) => {
  const s = box.querySelector(".conn");
  if (s) {
    s.textContent = e.detail.recovered ? "live (resumed)" : "live";
    s.className = "conn up";
    s.title = "over " + e.detail.transport;
  }
});
eda.addEventListener("eda:disconnected", (e) => {
  const s = box.querySelector(".conn");
  if (s) {
    s.textContent = "reconnecting";
    s.className = "conn down";
    s.title = `${e.detail.code} ${e.detail.reason}`;
  }
});
eda.addEventListener("eda:auth-error", () => {
  // the gateway refused the token: sign in again
  session = null;
  sessionStorage.removeItem(KEY);
  render();
});

render();
