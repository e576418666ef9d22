"""The page served at ``/``: watch a match (shares, actions, metrics, live) and play an open seat.

Plain HTML and JavaScript in one string (no build step); it speaks the same protocol as every
other client: ``GET /v1/matches``, the ``watch`` WebSocket, ``join`` and the seat WebSocket.
Open ``/?match=<id>`` to watch a match; "Join" takes its first open remote seat.
"""

PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>powergames serve</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 1.5em; max-width: 60em; }
 table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; }
 button { margin: 0.2em; padding: 0.4em 1em; }
 #error { color: #a00; } .muted { color: #666; }
</style>
</head>
<body>
<h1>powergames serve</h1>
<div id="list"><h2>Matches</h2><ul id="matches"></ul></div>
<div id="view" hidden>
  <h2>Match <span id="match-id"></span></h2>
  <p>Status: <b id="status">?</b> &middot; step <span id="step">0</span> / <span id="budget">?</span></p>
  <p>Last joint action: <span id="last-actions" class="muted">not shown to players</span></p>
  <h3>Metrics (newest evaluation)</h3>
  <table id="metrics"><tr><th>metric</th><th>value</th></tr></table>
  <h3>Play</h3>
  <p><button id="join">Join an open seat</button> <span id="seat"></span></p>
  <div id="play" hidden>
    <p id="prompt" class="muted">waiting for your turn…</p>
    <div id="actions"></div>
  </div>
  <h3>Result</h3>
  <pre id="result"></pre>
</div>
<p id="error"></p>
<script>
"use strict";
const PROTOCOL = "powergames.serve/1";
const params = new URLSearchParams(location.search);
const matchId = params.get("match");
const wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
const $ = (id) => document.getElementById(id);
function fail(msg) { $("error").textContent = msg; }

async function api(method, path, body) {
  const r = await fetch(path, {method, headers: {"Content-Type": "application/json",
    "Powergames-Protocol": PROTOCOL}, body: body === undefined ? undefined : JSON.stringify(body)});
  const data = await r.json();
  if (!r.ok) throw new Error(data.error ? data.error.message : r.statusText);
  return data;
}

async function listMatches() {
  const data = await api("GET", "/v1/matches");
  const ul = $("matches");
  ul.innerHTML = "";
  for (const m of data.matches) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "?match=" + encodeURIComponent(m.match_id);
    a.textContent = m.match_id;
    li.append(a, " — " + m.env_id + ", " + m.status + ", open seats: " +
      m.seats.filter(s => s.kind === "remote" && !s.joined).map(s => s.seat).join(", "));
    ul.append(li);
  }
}

function showResult(res) {
  const lines = ["finished: " + res.status + ", steps " + res.steps];
  for (const r of res.remote) lines.push("seat " + r.seat + ": " + r.actions + " actions, " +
    r.timeouts + " timeouts" + (r.forfeited ? ", forfeited" : ""));
  const final = res.summary && res.summary.final ? res.summary.final : {};
  for (const [k, v] of Object.entries(final)) if (typeof v === "number") lines.push(k + " = " + v.toFixed(4));
  $("result").textContent = lines.join("\n");
}

function watch() {
  $("view").hidden = false;
  $("match-id").textContent = matchId;
  const ws = new WebSocket(wsBase + "/v1/matches/" + encodeURIComponent(matchId) + "/watch");
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "error") { fail(m.error.message); return; }
    if (m.type === "result") { showResult(m); return; }
    $("status").textContent = m.status;
    $("step").textContent = m.step;
    $("budget").textContent = m.budget;
    if (m.last_joint_action) $("last-actions").textContent = JSON.stringify(m.last_joint_action);
    const t = $("metrics");
    t.innerHTML = "<tr><th>metric</th><th>value</th></tr>";
    for (const [k, v] of Object.entries(m.metrics).filter(([k]) => !k.startsWith("time")).slice(0, 40)) {
      const tr = document.createElement("tr");
      const a = document.createElement("td"); a.textContent = k;
      const b = document.createElement("td"); b.textContent = Number(v).toFixed(4);
      tr.append(a, b); t.append(tr);
    }
  };
}

async function join() {
  let joined;
  try { joined = await api("POST", "/v1/matches/" + encodeURIComponent(matchId) + "/join", {name: "browser"}); }
  catch (e) { fail(e.message); return; }
  $("join").disabled = true;
  $("seat").textContent = "you play seat " + joined.seat + " (" + joined.agent + ")";
  $("play").hidden = false;
  const ws = new WebSocket(wsBase + "/v1/matches/" + encodeURIComponent(matchId) + "/seats/" + joined.seat + "/ws");
  ws.onopen = () => ws.send(JSON.stringify({type: "hello", protocol: PROTOCOL, token: joined.token}));
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "error") { fail(m.error.message); return; }
    if (m.type === "result") { showResult(m); $("play").hidden = true; return; }
    if (m.type !== "observation") return;
    const box = $("actions");
    box.innerHTML = "";
    if (m.status !== "act") { $("prompt").textContent = m.status === "finished" ? "match over" : "waiting for your turn…"; return; }
    let text = "step " + m.step + ": choose an action";
    if (m.type_index !== null && m.n_types > 1) text += " (your type: " + m.type_index + ")";
    if (m.last_reward !== null) text += "; last reward " + m.last_reward.toFixed(3);
    $("prompt").textContent = text;
    for (const a of m.legal_actions) {
      const b = document.createElement("button");
      b.className = "action"; b.dataset.action = a; b.dataset.step = m.step; b.textContent = "action " + a;
      b.onclick = () => { box.innerHTML = ""; ws.send(JSON.stringify({type: "act", step: m.step, action: a})); };
      box.append(b);
    }
  };
}

$("join").onclick = join;
if (matchId) { watch(); } else { listMatches().catch(e => fail(e.message)); }
</script>
</body>
</html>
"""
