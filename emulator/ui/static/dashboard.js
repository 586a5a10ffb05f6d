// The dashboard: reads the emulator's admin API (/_emulator/...) and draws it. No framework
// and no build step: this file is what the browser runs.
//
// Requests arrive on one server-sent-event feed (/_emulator/feed), read with fetch so the
// admin key can go in a header; every view is redrawn from the rows the feed delivered, or
// from one API call when it is shown or a request arrives (never on a timer).

const API = "/_emulator";
const KEY_HEADER = "x-emulator-admin-key";
const MAX_ROWS = 2000;
const SVG = "http://www.w3.org/2000/svg";

const state = {
  rows: new Map(), // id -> row, as the feed sends it
  view: "requests",
  key: sessionStorage.getItem("aoai-emulator-admin-key") || "",
  scenarios: null,
};

// -- the admin API -----------------------------------------------------------------------

class NeedsKey extends Error {}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (state.key) headers.set(KEY_HEADER, state.key);
  const response = await fetch(API + path, { ...options, headers });
  if (response.status === 401) {
    askForKey();
    throw new NeedsKey("the admin key is needed");
  }
  return response;
}

async function apiJson(path, options) {
  const response = await api(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(errorTitle(body, response.status));
  return body;
}

function errorTitle(body, status) {
  return (body && body.errors && body.errors[0] && body.errors[0].title) || `the emulator answered ${status}`;
}

function askForKey() {
  const form = document.getElementById("key-form");
  if (!form.hidden) return;
  form.hidden = false;
  document.getElementById("key-error").textContent = state.key ? "That key was refused." : "";
  document.getElementById("admin-key").focus();
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.key = document.getElementById("admin-key").value;
  sessionStorage.setItem("aoai-emulator-admin-key", state.key);
  document.getElementById("key-form").hidden = true;
  connect();
  showView(state.view);
});

// -- the live feed -----------------------------------------------------------------------

let feedGeneration = 0;

async function connect() {
  const generation = ++feedGeneration;
  const status = document.getElementById("connection");
  try {
    const response = await api("/feed", { headers: { accept: "text/event-stream" } });
    if (!response.ok || !response.body) throw new Error(`feed answered ${response.status}`);
    status.textContent = "live";
    status.className = "connection live";
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || generation !== feedGeneration) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        handleFrame(frame);
      }
    }
    reader.cancel().catch(() => {});
  } catch (error) {
    if (error instanceof NeedsKey) {
      status.textContent = "needs the admin key";
      status.className = "connection down";
      return;
    }
  }
  if (generation !== feedGeneration) return;
  status.textContent = "disconnected; reconnecting…";
  status.className = "connection down";
  setTimeout(() => generation === feedGeneration && connect(), 1000);
}

function handleFrame(frame) {
  let event = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue; // a keep-alive
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return;
  const payload = JSON.parse(data.join("\n"));
  if (event === "snapshot") {
    state.rows.clear();
    for (const row of payload.rows) state.rows.set(row.id, row);
    document.getElementById("journal-note").textContent = payload.enabled
      ? ""
      : "The journal is off (journal_size: 0): only requests from now on are shown.";
    redraw(null);
  } else if (event === "request") {
    state.rows.set(payload.id, payload);
    if (state.rows.size > MAX_ROWS) state.rows.delete(state.rows.keys().next().value);
    redraw(payload.id);
  } else if (event === "missed") {
    connect(); // rows were lost: start again from the journal
  }
}

// -- views -------------------------------------------------------------------------------

const VIEWS = ["requests", "retries", "quotas", "scenarios", "cost"];
const tabs = VIEWS.map((name) => document.getElementById(`tab-${name}`));

function showView(name) {
  state.view = name;
  VIEWS.forEach((view, i) => {
    const selected = view === name;
    tabs[i].setAttribute("aria-selected", String(selected));
    tabs[i].tabIndex = selected ? 0 : -1;
    document.getElementById(`view-${view}`).hidden = !selected;
  });
  history.replaceState(null, "", `#${name}`);
  refreshView();
}

tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => showView(VIEWS[i]));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = (i + step + VIEWS.length) % VIEWS.length;
    tabs[next].focus();
    showView(VIEWS[next]);
  });
});

let pending = null;

function redraw(freshId) {
  drawRequests(freshId);
  if (state.view === "retries") drawRetries();
  // Quotas and costs are read from the API: at most once a second while requests arrive.
  if ((state.view === "quotas" || state.view === "cost" || state.view === "scenarios") && !pending) {
    pending = setTimeout(() => {
      pending = null;
      refreshView();
    }, 1000);
  }
}

function refreshView() {
  const run = {
    requests: () => drawRequests(null),
    retries: drawRetries,
    quotas: drawQuotas,
    scenarios: drawScenarios,
    cost: drawCost,
  }[state.view];
  Promise.resolve(run()).catch((error) => {
    if (!(error instanceof NeedsKey)) console.error(error);
  });
}

// -- helpers -----------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : String(child));
  return node;
}

function clock(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function ms(value) {
  if (value === null || value === undefined) return "";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

function statusClass(status) {
  return `status s${String(status)[0]}`;
}

function tokensOf(row) {
  const billed = row.billed;
  if (billed && (billed.input_tokens || billed.output_tokens)) return billed.input_tokens + billed.output_tokens;
  return row.tokens_charged ?? "";
}

function newestFirst() {
  return [...state.rows.values()].sort((a, b) => b.received_at - a.received_at);
}

function money(value) {
  if (value === null || value === undefined) return "no price";
  return value < 0.01 && value > 0 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
}

// -- requests ------------------------------------------------------------------------------

const filters = document.getElementById("filters");
filters.addEventListener("input", () => drawRequests(null));
filters.addEventListener("submit", (event) => event.preventDefault());

document.getElementById("clear-journal").addEventListener("click", async () => {
  await api("/requests", { method: "DELETE" });
  state.rows.clear();
  redraw(null);
});

function wanted(row) {
  const f = new FormData(filters);
  for (const name of ["deployment", "operation", "client_request_id", "test_id"]) {
    const value = (f.get(name) || "").trim();
    if (value && String(row[name] ?? "") !== value) return false;
  }
  const status = (f.get("status") || "").trim();
  return !status || String(row.status).startsWith(status);
}

function fillChoices(select, values) {
  const current = select.value;
  const known = new Set([...select.options].map((o) => o.value));
  for (const value of [...values].sort()) if (!known.has(value)) select.append(el("option", { value }, value));
  select.value = current;
}

function drawRequests(freshId) {
  const rows = newestFirst();
  fillChoices(filters.elements.deployment, new Set(rows.map((r) => r.deployment).filter(Boolean)));
  fillChoices(filters.elements.operation, new Set(rows.map((r) => r.operation).filter(Boolean)));
  const body = document.querySelector("#requests tbody");
  const shown = rows.filter(wanted).slice(0, 500);
  body.replaceChildren(
    ...shown.map((row) => {
      const fault = row.fault_rule ? `${row.fault_rule}: ${row.faults.join(", ")}` : "";
      const tr = el(
        "tr",
        {
          tabindex: "0",
          "data-id": row.id,
          class: row.id === freshId ? "fresh" : null,
          "aria-label": `${row.operation} ${row.deployment || ""} ${row.status}, open details`,
          onclick: () => openDetail(row.id),
          onkeydown: (event) => (event.key === "Enter" || event.key === " ") && (event.preventDefault(), openDetail(row.id)),
        },
        el("td", {}, clock(row.received_at)),
        el("td", {}, row.operation),
        el("td", {}, row.deployment || ""),
        el("td", {}, row.api_version || ""),
        el("td", { class: statusClass(row.status) }, row.status),
        el("td", {}, ms(row.duration_ms)),
        el("td", {}, tokensOf(row)),
        el("td", {}, fault),
        el("td", {}, row.streamed ? `${row.outcome} (${row.events_sent} events)` : row.outcome),
      );
      return tr;
    }),
  );
}

async function openDetail(id) {
  const entry = await apiJson(`/requests/${encodeURIComponent(id)}`);
  const panel = document.getElementById("detail");
  document.getElementById("detail-title").textContent = `${entry.method} ${entry.path}`;
  const facts = {
    "request id": entry.id,
    received: clock(entry.received_at),
    status: entry.status,
    outcome: entry.outcome,
    "first byte": ms(entry.first_byte_ms),
    "last byte": ms(entry.duration_ms),
    client: entry.client,
    "client request id": entry.client_request_id,
    "test id": entry.test_id,
    "retry count": entry.retry_count,
    "early retry": entry.early_retry ? "yes: sooner than the retry-after it was given" : "no",
    "fault rule": entry.fault_rule || "none",
    "fault actions": entry.faults.join(", ") || "none",
    "tokens charged": entry.tokens_charged,
    billed: entry.billed ? JSON.stringify(entry.billed) : "nothing",
  };
  const sections = [
    el("dl", {}, Object.entries(facts).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "")])),
    el(
      "div",
      { class: "columns" },
      el("div", {}, el("h3", {}, "Request headers"), el("pre", { class: "request-headers" }, headerText(entry.headers))),
      el("div", {}, el("h3", {}, "Response headers"), el("pre", {}, headerText(entry.response_headers))),
    ),
    el("h3", {}, "Request body"),
    el("pre", { class: "request-body" }, pretty(entry.body)),
  ];
  if (entry.events) {
    sections.push(
      el("h3", {}, `Stream: ${entry.events_sent} events`),
      el(
        "div",
        { class: "scroll" },
        el(
          "table",
          { class: "grid events" },
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "at"), el("th", { scope: "col" }, "event"))),
          el(
            "tbody",
            {},
            entry.events.map((e) => {
              const text = e.data === null ? "(text not kept: the journal keeps the first 16 KB of an answer)" : e.data.trim();
              return el("tr", {}, el("td", {}, ms(e.at_ms)), el("td", { title: text }, el("code", {}, text)));
            }),
          ),
        ),
      ),
    );
  } else {
    sections.push(el("h3", {}, "Response body"), el("pre", { class: "response-body" }, pretty(entry.response_body)));
  }
  document.getElementById("detail-body").replaceChildren(...sections);
  panel.hidden = false;
  panel.focus();
}

function headerText(headers) {
  return Object.entries(headers || {})
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

function pretty(text) {
  if (!text) return "(empty)";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

document.getElementById("close-detail").addEventListener("click", () => {
  document.getElementById("detail").hidden = true;
});

// -- retry timeline ------------------------------------------------------------------------

const retryBy = document.getElementById("retry-by");
const retryKey = document.getElementById("retry-key");
retryBy.addEventListener("change", () => {
  retryKey.replaceChildren();
  drawRetries();
});
retryKey.addEventListener("change", drawRetries);

function markClass(status) {
  if (status >= 200 && status < 300) return "ok";
  if (status === 429) return "throttled";
  if (status >= 400) return "failed";
  return "other";
}

function drawRetries() {
  const by = retryBy.value;
  const rows = [...state.rows.values()].filter((r) => r[by]).sort((a, b) => a.received_at - b.received_at);
  // The newest key first: the run a developer just made.
  const keys = [...new Set(rows.map((r) => String(r[by])).reverse())];
  const current = retryKey.value;
  retryKey.replaceChildren(...keys.map((k) => el("option", { value: k }, k)));
  retryKey.value = keys.includes(current) ? current : keys[0] || "";
  const attempts = rows.filter((r) => String(r[by]) === retryKey.value);
  const box = document.getElementById("timeline");
  const caption = document.getElementById("timeline-caption");
  const tbody = document.querySelector("#attempts tbody");
  if (!attempts.length) {
    box.replaceChildren(el("p", { class: "note" }, "No requests with this value yet."));
    caption.textContent = "";
    tbody.replaceChildren();
    return;
  }
  box.replaceChildren(timeline(attempts));
  const early = attempts.filter((a) => a.early_retry).length;
  const spans = attempts.filter((a) => a.retry_after_ms !== null && a.retry_after_ms !== undefined).length;
  caption.textContent =
    `${attempts.length} attempts for ${by.replace(/_/g, " ")} ${retryKey.value}; ` +
    `${spans} asked the client to wait; ${early} early ${early === 1 ? "retry" : "retries"}.`;
  tbody.replaceChildren(
    ...attempts.map((a, i) =>
      el(
        "tr",
        {
          tabindex: "0",
          "aria-label": `attempt ${i + 1}: ${a.status}, open details`,
          onclick: () => openAttempt(a.id),
          onkeydown: (event) => (event.key === "Enter" || event.key === " ") && (event.preventDefault(), openAttempt(a.id)),
        },
        el("td", {}, i + 1),
        el("td", {}, clock(a.received_at)),
        el("td", { class: statusClass(a.status) }, a.status),
        el("td", {}, a.retry_count ?? ""),
        el("td", {}, a.retry_after_ms !== null && a.retry_after_ms !== undefined ? ms(a.retry_after_ms) : ""),
        el("td", {}, a.early_retry ? "early" : ""),
      ),
    ),
  );
}

function openAttempt(id) {
  showView("requests");
  openDetail(id);
}

function timeline(attempts) {
  const width = 900;
  const height = 150;
  const left = 40;
  const right = 40;
  const y = 70;
  const start = attempts[0].received_at;
  const ends = attempts.map((a) => a.received_at + (a.duration_ms || 0) / 1000 + (a.retry_after_ms || 0) / 1000);
  const span = Math.max(Math.max(...ends) - start, 0.001);
  const x = (t) => left + ((t - start) / span) * (width - left - right);
  const node = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `Timeline of ${attempts.length} attempts over ${span.toFixed(2)} seconds`,
  });
  const axis = svg("g", { class: "axis" });
  axis.append(svg("line", { x1: left, x2: width - right, y1: y, y2: y }));
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = (span * i) / ticks;
    const tx = x(start + t);
    axis.append(svg("line", { x1: tx, x2: tx, y1: y + 28, y2: y + 34 }));
    axis.append(svg("text", { x: tx, y: y + 48, "text-anchor": "middle" }, `+${t.toFixed(t < 10 ? 2 : 1)} s`));
  }
  node.append(axis);
  attempts.forEach((a, i) => {
    const end = a.received_at + (a.duration_ms || 0) / 1000;
    if (a.retry_after_ms !== null && a.retry_after_ms !== undefined) {
      const w = Math.max(x(end + a.retry_after_ms / 1000) - x(end), 1);
      node.append(
        svg("rect", { class: "span", x: x(end), y: y - 16, width: w, height: 32, rx: 3 },
          svg("title", {}, `retry-after ${ms(a.retry_after_ms)} asked by attempt ${i + 1}`)),
      );
    }
  });
  attempts.forEach((a, i) => {
    const cx = x(a.received_at);
    const group = svg("g", { class: "attempt" });
    group.append(
      svg("circle", { class: `mark ${markClass(a.status)}`, cx, cy: y, r: 8 },
        svg("title", {}, `attempt ${i + 1}: ${a.status} at ${clock(a.received_at)}`)),
      svg("text", { x: cx, y: y - 24, "text-anchor": "middle", class: "mark-label" }, `${a.status}`),
    );
    if (a.early_retry) {
      group.append(
        svg("circle", { class: "early-ring", cx, cy: y, r: 13 }),
        svg("text", { x: cx, y: y + 26, "text-anchor": "middle", class: "early-label" }, "early"),
      );
    }
    node.append(group);
  });
  return node;
}

// -- quotas --------------------------------------------------------------------------------

document.getElementById("show-idle").addEventListener("change", drawQuotas);

async function drawQuotas() {
  const data = await apiJson("/quotas");
  const showIdle = document.getElementById("show-idle").checked;
  const cards = data.deployments
    .map((d) => ({ ...d, minutes: perMinute(d.steps) }))
    .filter((d) => showIdle || d.minutes.some((m) => m.requests));
  const box = document.getElementById("quota-cards");
  if (!cards.length) {
    box.replaceChildren(el("p", { class: "note" }, "No deployment has had requests in the last ten minutes."));
    return;
  }
  box.replaceChildren(
    ...cards.map((d) => {
      const refused = d.minutes.reduce((n, m) => n + m.rate_limited, 0);
      const last = d.minutes[d.minutes.length - 1];
      return el(
        "article",
        { class: "card quota", "data-deployment": d.name },
        el("h3", {}, d.name),
        el("p", { class: "note" }, `${d.model} · ${d.enforced ? "quota enforced" : "quota metered, not enforced"}`),
        el("p", {}, `This minute: ${last.tokens} of ${d.tpm} tokens, ${last.requests} of ${d.rpm} requests. `,
          `429s from the quota in ten minutes: `, el("strong", { class: "refused-count" }, refused)),
        chart(d.minutes, "tokens", d.tpm, `Tokens per minute · quota ${d.tpm} TPM`),
        chart(d.minutes, "requests", d.rpm, `Requests per minute · quota ${d.rpm} RPM`),
      );
    }),
  );
}

function perMinute(steps) {
  // Ten-second steps, summed to the minutes a TPM or RPM quota is stated in.
  const minutes = [];
  for (let i = 0; i < steps.length; i += 6) {
    const group = steps.slice(i, i + 6);
    minutes.push({
      at: group[0].at,
      tokens: group.reduce((n, s) => n + s.tokens, 0),
      requests: group.reduce((n, s) => n + s.requests, 0),
      rate_limited: group.reduce((n, s) => n + s.rate_limited, 0),
    });
  }
  return minutes;
}

function chart(minutes, field, limit, label) {
  const width = 360;
  const height = 110;
  const top = 14;
  const bottom = 20;
  const real = Math.max(...minutes.map((m) => m[field]));
  const most = Math.max(real, 1);
  // A quota far above the use would flatten every bar: then the scale follows the use, and
  // the quota line is left off (the text above says how far away it is).
  const limitShown = limit <= most * 4;
  const peak = limitShown ? Math.max(limit, most) * 1.1 : most * 1.2;
  const scale = (v) => ((height - top - bottom) * v) / peak;
  const barWidth = width / minutes.length;
  const node = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  node.append(svg("text", { x: 0, y: 10 }, limitShown ? label : `${label} (off the scale)`));
  minutes.forEach((m, i) => {
    const h = scale(m[field]);
    node.append(
      svg("rect", { class: `bar${m[field] > limit ? " over" : ""}`, x: i * barWidth + 2, y: height - bottom - h, width: barWidth - 4, height: h },
        svg("title", {}, `${clock(m.at).slice(0, 5)}: ${m[field]} ${field}, ${m.rate_limited} refused`)),
    );
    if (m.rate_limited) {
      node.append(svg("rect", { class: "refused", x: i * barWidth + 2, y: height - bottom + 3, width: barWidth - 4, height: 4 }));
    }
  });
  if (limitShown) {
    const ly = height - bottom - scale(limit);
    node.append(svg("line", { class: "limit", x1: 0, x2: width, y1: ly, y2: ly }));
  }
  const axis = svg("g", { class: "axis" });
  axis.append(
    svg("text", { x: 0, y: height - 4 }, "−10 min"),
    svg("text", { x: width / 2, y: height - 4, "text-anchor": "middle" }, `peak ${real}`),
    svg("text", { x: width, y: height - 4, "text-anchor": "end" }, "now"),
  );
  node.append(axis);
  return node;
}

// -- scenarios -----------------------------------------------------------------------------

const NEW_SCENARIO = `name: my-scenario
description: The first two requests get a 503, then success.
rules:
  - name: twice
    when: {first: 2}
    actions:
      - action: error
        status: 503
`;

async function drawScenarios() {
  const data = await apiJson("/scenarios");
  state.scenarios = data;
  document.getElementById("active-scenario").textContent = data.active || "none";
  document.getElementById("scenario-cards").replaceChildren(
    ...data.scenarios.map((s) =>
      el(
        "article",
        { class: "card scenario", "data-scenario": s.name },
        el("h3", {}, s.name),
        el("div", { class: "badges" },
          s.active ? el("span", { class: "badge active" }, "active") : null,
          s.builtin ? el("span", { class: "badge" }, "built in") : el("span", { class: "badge" }, "added")),
        el("p", { class: "note" }, s.description),
        el(
          "table",
          { class: "grid rules" },
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "rule"), el("th", { scope: "col" }, "actions"),
            el("th", { scope: "col" }, "matched"), el("th", { scope: "col" }, "applied"))),
          el("tbody", {}, s.rules.map((r) =>
            el("tr", {}, el("td", {}, r.name), el("td", {}, r.actions.map((a) => a.action).join(", ")),
              el("td", {}, r.matched), el("td", {}, r.applied)))),
        ),
        el(
          "div",
          { class: "buttons" },
          el("button", { type: "button", onclick: () => activate(s.active ? null : s.name), "aria-label": `${s.active ? "Deactivate" : "Activate"} ${s.name}` },
            s.active ? "Deactivate" : "Activate"),
          el("button", { type: "button", onclick: () => resetCounts(s.name), "aria-label": `Reset the counts of ${s.name}` }, "Reset counts"),
          el("button", { type: "button", onclick: () => edit(s.name), "aria-label": `Edit ${s.name}` }, "Edit"),
        ),
      ),
    ),
  );
}

async function activate(name) {
  await apiJson("/scenarios/active", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  await drawScenarios();
}

async function resetCounts(name) {
  await apiJson(`/scenarios/reset?name=${encodeURIComponent(name)}`, { method: "POST" });
  await drawScenarios();
}

async function edit(name) {
  const response = await api(`/scenarios/${encodeURIComponent(name)}?format=yaml`);
  const editor = document.getElementById("scenario-yaml");
  editor.value = await response.text();
  document.getElementById("editor-message").textContent = "";
  editor.focus();
}

document.getElementById("new-scenario").addEventListener("click", () => {
  document.getElementById("scenario-yaml").value = NEW_SCENARIO;
  document.getElementById("editor-message").textContent = "";
});

document.getElementById("editor").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = document.getElementById("editor-message");
  message.className = "error";
  message.textContent = "";
  const response = await api("/scenarios", {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: document.getElementById("scenario-yaml").value,
  });
  const body = await response.json();
  if (!response.ok) {
    message.textContent = errorTitle(body, response.status);
    return;
  }
  message.className = "note";
  message.textContent = `Saved ${body.name}.`;
  await drawScenarios();
});

// -- cost ----------------------------------------------------------------------------------

document.getElementById("reset-costs").addEventListener("click", async () => {
  await apiJson("/costs", { method: "DELETE" });
  await drawCost();
});

async function drawCost() {
  const data = await apiJson("/costs");
  const p = data.prices;
  document.getElementById("cost-total").textContent = money(data.total);
  document.getElementById("price-source").textContent =
    `Prices in ${data.currency} for ${p.deployment_type} deployments, as of ${p.as_of}; source: ${p.source}.`;
  document.getElementById("price-notes").replaceChildren(...p.notes.map((n) => el("li", {}, n)));
  document.querySelector("#cost-deployments tbody").replaceChildren(
    ...data.deployments.map((d) =>
      el("tr", {}, el("td", {}, d.deployment), el("td", {}, d.model || ""), el("td", {}, d.requests),
        el("td", {}, d.input_tokens), el("td", {}, d.cached_tokens), el("td", {}, d.output_tokens),
        el("td", {}, d.images), el("td", {}, d.characters), el("td", {}, d.audio_seconds),
        el("td", {}, d.unpriced_requests === d.requests ? "no price" : money(d.cost)))),
  );
  document.querySelector("#cost-tests tbody").replaceChildren(
    ...data.tests.map((t) =>
      el("tr", {}, el("td", {}, t.test_id), el("td", {}, t.requests), el("td", {}, t.input_tokens),
        el("td", {}, t.output_tokens), el("td", {}, money(t.cost)))),
  );
}

// -- start ---------------------------------------------------------------------------------

function viewInAddress() {
  const named = location.hash.slice(1);
  return VIEWS.includes(named) ? named : "requests";
}

window.addEventListener("hashchange", () => viewInAddress() !== state.view && showView(viewInAddress()));
showView(viewInAddress());
connect();
