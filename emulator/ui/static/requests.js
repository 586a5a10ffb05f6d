// The live table of requests, and the whole entry a row opens.

import { api, apiJson } from "./api.js";
import { activate, clock, el, keepingFocus, ms, statusClass } from "./dom.js";
import { clear, newestFirst } from "./rows.js";

const SHOWN_ROWS = 500;
const filters = document.getElementById("filters");
const table = document.querySelector("#requests tbody");
const panel = document.getElementById("detail");
let openedFrom = null; // the row whose entry is open: focus goes back to it on Close

filters.addEventListener("input", () => drawRequests(new Set()));
filters.addEventListener("submit", (event) => event.preventDefault());

document.getElementById("clear-journal").addEventListener("click", async () => {
  await api("/requests", { method: "DELETE" });
  clear();
  drawRequests(new Set());
});

document.getElementById("close-detail").addEventListener("click", () => {
  panel.hidden = true;
  const back = openedFrom && table.querySelector(`[data-key="${CSS.escape(openedFrom)}"]`);
  if (back) back.focus();
});

// What the filters ask for, read once per redraw.
function matcher() {
  const f = new FormData(filters);
  const exact = ["deployment", "operation", "client_request_id", "test_id"]
    .map((name) => [name, (f.get(name) || "").trim()])
    .filter(([, value]) => value);
  const status = (f.get("status") || "").trim();
  return (row) =>
    exact.every(([name, value]) => String(row[name] ?? "") === value) && (!status || String(row.status).startsWith(status));
}

function fillChoices(select, values) {
  const known = new Set([...select.options].map((o) => o.value));
  for (const value of [...values].sort()) if (!known.has(value)) select.append(el("option", { value }, value));
}

function tokensOf(row) {
  const billed = row.billed;
  if (billed && (billed.input_tokens || billed.output_tokens)) return billed.input_tokens + billed.output_tokens;
  return row.tokens_charged ?? "";
}

// fresh: ids of the rows that just arrived (they are highlighted once).
export function drawRequests(fresh) {
  const rows = newestFirst();
  fillChoices(filters.elements.deployment, new Set(rows.map((r) => r.deployment).filter(Boolean)));
  fillChoices(filters.elements.operation, new Set(rows.map((r) => r.operation).filter(Boolean)));
  const wanted = matcher();
  const shown = rows.filter(wanted).slice(0, SHOWN_ROWS);
  keepingFocus(table, () => table.replaceChildren(...shown.map((row) => line(row, fresh.has(row.id)))));
}

function line(row, fresh) {
  const fault = row.fault_rule ? `${row.fault_rule}: ${row.faults.join(", ")}` : "";
  return el(
    "tr",
    {
      tabindex: "0",
      "data-id": row.id,
      "data-key": row.id,
      class: fresh ? "fresh" : null,
      "aria-label": `${row.operation} ${row.deployment || ""} ${row.status}, open details`,
      ...activate(() => openEntry(row.id)),
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
}

// Open one request's whole entry (from this table or another view).
export async function openEntry(id) {
  if (location.hash !== "#requests") location.hash = "#requests";
  openedFrom = id;
  const body = document.getElementById("detail-body");
  const title = document.getElementById("detail-title");
  panel.hidden = false;
  let entry;
  try {
    entry = await apiJson(`/requests/${encodeURIComponent(id)}`);
  } catch (error) {
    // The journal keeps the newest requests only (or none, with journal_size: 0).
    title.textContent = "Request";
    body.replaceChildren(el("p", { class: "error", role: "alert" }, `This request's entry cannot be shown: ${error.message}`));
    panel.focus();
    return;
  }
  title.textContent = `${entry.method} ${entry.path}`;
  body.replaceChildren(...entrySections(entry));
  panel.focus();
}

function entrySections(entry) {
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
    "retry-after asked": entry.retry_after_ms === null ? "" : ms(entry.retry_after_ms),
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
  if (!entry.events) {
    sections.push(el("h3", {}, "Response body"), el("pre", { class: "response-body" }, pretty(entry.response_body)));
    return sections;
  }
  const events = entry.events.map((e) => {
    const text = e.data === null ? "(text not kept: the journal keeps the first 16 KB of an answer)" : e.data.trim();
    return el("tr", {}, el("td", {}, ms(e.at_ms)), el("td", { title: text }, el("code", {}, text)));
  });
  sections.push(
    el("h3", {}, `Stream: ${entry.events_sent} events`),
    el(
      "div",
      { class: "scroll" },
      el(
        "table",
        { class: "grid events" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "at"), el("th", { scope: "col" }, "event"))),
        el("tbody", {}, events),
      ),
    ),
  );
  return sections;
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
