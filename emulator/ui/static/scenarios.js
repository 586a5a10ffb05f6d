// Scenarios: each with its rules' counts, switched on and off and reset with a click, and
// edited as YAML (what the API says of a bad one is what the page says).

import { api, apiJson, errorTitle } from "./api.js";
import { el, keepingFocus } from "./dom.js";

const NEW_SCENARIO = `name: my-scenario
description: The first two requests get a 503, then success.
rules:
  - name: twice
    when: {first: 2}
    actions:
      - action: error
        status: 503
`;
const cards = document.getElementById("scenario-cards");
const editor = document.getElementById("scenario-yaml");
const message = document.getElementById("editor-message");

export async function drawScenarios() {
  const data = await apiJson("/scenarios");
  document.getElementById("active-scenario").textContent = data.active || "none";
  keepingFocus(cards, () => cards.replaceChildren(...data.scenarios.map(card)));
}

function card(s) {
  const toggle = s.active ? "Deactivate" : "Activate";
  return el(
    "article",
    { class: "card scenario", "data-scenario": s.name },
    el("h3", {}, s.name),
    el(
      "div",
      { class: "badges" },
      s.active ? el("span", { class: "badge active" }, "active") : null,
      el("span", { class: "badge" }, s.builtin ? "built in" : "added"),
    ),
    el("p", { class: "note" }, s.description),
    el(
      "table",
      { class: "grid rules" },
      el(
        "thead",
        {},
        el("tr", {}, ...["rule", "actions", "matched", "applied"].map((h) => el("th", { scope: "col" }, h))),
      ),
      el(
        "tbody",
        {},
        s.rules.map((r) =>
          el("tr", {}, el("td", {}, r.name), el("td", {}, r.actions.map((a) => a.action).join(", ")), el("td", {}, r.matched), el("td", {}, r.applied)),
        ),
      ),
    ),
    el(
      "div",
      { class: "buttons" },
      button(`toggle:${s.name}`, `${toggle} ${s.name}`, toggle, () => activate(s.active ? null : s.name)),
      button(`reset:${s.name}`, `Reset the counts of ${s.name}`, "Reset counts", () => resetCounts(s.name)),
      button(`edit:${s.name}`, `Edit ${s.name}`, "Edit", () => edit(s.name)),
    ),
  );
}

function button(key, label, text, onclick) {
  return el("button", { type: "button", "data-key": key, "aria-label": label, onclick }, text);
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

function say(text, isError) {
  message.className = isError ? "error" : "note";
  message.textContent = text;
}

async function edit(name) {
  const response = await api(`/scenarios/${encodeURIComponent(name)}?format=yaml`);
  if (!response.ok) {
    say(errorTitle(await response.json().catch(() => null), response.status), true);
    return;
  }
  editor.value = await response.text();
  say("", true);
  editor.focus();
}

document.getElementById("new-scenario").addEventListener("click", () => {
  editor.value = NEW_SCENARIO;
  say("", true);
  editor.focus();
});

document.getElementById("editor").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("", true);
  const response = await api("/scenarios", {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: editor.value,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok || body === null) {
    say(errorTitle(body, response.status), true);
    return;
  }
  say(`Saved ${body.name}.`, false);
  await drawScenarios();
});
