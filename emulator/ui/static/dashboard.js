// The dashboard: the views, and what redraws them. No framework and no build step: these
// modules are what the browser runs.
//
// Requests arrive on one feed (feed.js); the views are redrawn from the rows it delivered,
// at most once a frame, or, for quotas, scenarios and cost, from one API call when shown and
// at most once a second while requests arrive (never on a timer).

import { NeedsKey, onKeyGiven } from "./api.js";
import { drawCost } from "./cost.js";
import { connect } from "./feed.js";
import { drawQuotas } from "./quotas.js";
import { drawRequests } from "./requests.js";
import { drawRetries } from "./retries.js";
import { add, replaceAll } from "./rows.js";
import { drawScenarios } from "./scenarios.js";

const VIEWS = {
  requests: () => drawRequests(new Set()),
  retries: drawRetries,
  quotas: drawQuotas,
  scenarios: drawScenarios,
  cost: drawCost,
};
const NAMES = Object.keys(VIEWS);
const FROM_THE_API = new Set(["quotas", "scenarios", "cost"]);
const tabs = NAMES.map((name) => document.getElementById(`tab-${name}`));
let view = "requests";

function showView(name) {
  view = name;
  NAMES.forEach((other, i) => {
    const selected = other === name;
    tabs[i].setAttribute("aria-selected", String(selected));
    tabs[i].tabIndex = selected ? 0 : -1;
    document.getElementById(`view-${other}`).hidden = !selected;
  });
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  refresh();
}

function refresh() {
  Promise.resolve(VIEWS[view]()).catch((error) => {
    if (!(error instanceof NeedsKey)) console.error(error);
  });
}

tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => showView(NAMES[i]));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = (i + step + NAMES.length) % NAMES.length;
    tabs[next].focus();
    showView(NAMES[next]);
  });
});

// -- redrawing as requests arrive ------------------------------------------------------

let fresh = new Set();
let frame = null;
let apiTimer = null;

function arrived(id) {
  if (id) fresh.add(id);
  if (frame === null) {
    frame = requestAnimationFrame(() => {
      frame = null;
      drawRequests(fresh);
      fresh = new Set();
      if (view === "retries") drawRetries();
    });
  }
  if (FROM_THE_API.has(view) && apiTimer === null) {
    apiTimer = setTimeout(() => {
      apiTimer = null;
      refresh();
    }, 1000);
  }
}

const status = document.getElementById("connection");
const handlers = {
  snapshot(payload) {
    replaceAll(payload.rows);
    document.getElementById("journal-note").textContent = payload.enabled
      ? ""
      : "The journal is off (journal_size: 0): only requests from now on are shown, and their entries cannot be opened.";
    arrived(null);
  },
  request(row) {
    add(row);
    arrived(row.id);
  },
  status(text, live) {
    status.textContent = text;
    status.className = `connection ${live ? "live" : "down"}`;
  },
};

// -- start -------------------------------------------------------------------------------

function viewInAddress() {
  const named = location.hash.slice(1);
  return NAMES.includes(named) ? named : "requests";
}

onKeyGiven(() => {
  connect(handlers);
  refresh();
});
window.addEventListener("hashchange", () => viewInAddress() !== view && showView(viewInAddress()));
showView(viewInAddress());
connect(handlers);
