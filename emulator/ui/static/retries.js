// The retry timeline: one test's, client's or deployment's attempts on a time axis, the wait
// each error answer asked for drawn after it, and the retries that came inside that wait.

import { activate, clock, el, keepingFocus, ms, statusClass, svg } from "./dom.js";
import { openEntry } from "./requests.js";
import { oldestFirst } from "./rows.js";

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

function asked(attempt) {
  return attempt.retry_after_ms !== null && attempt.retry_after_ms !== undefined;
}

export function drawRetries() {
  const by = retryBy.value;
  const rows = oldestFirst().filter((r) => r[by]);
  // The newest value first: the run a developer just made.
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
  caption.textContent =
    `${attempts.length} attempts for ${by.replace(/_/g, " ")} ${retryKey.value}; ` +
    `${attempts.filter(asked).length} asked the client to wait; ${early} early ${early === 1 ? "retry" : "retries"}.`;
  keepingFocus(tbody, () =>
    tbody.replaceChildren(
      ...attempts.map((a, i) =>
        el(
          "tr",
          { tabindex: "0", "data-key": a.id, "aria-label": `attempt ${i + 1}: ${a.status}, open details`, ...activate(() => openEntry(a.id)) },
          el("td", {}, i + 1),
          el("td", {}, clock(a.received_at)),
          el("td", { class: statusClass(a.status) }, a.status),
          el("td", {}, a.retry_count ?? ""),
          el("td", {}, asked(a) ? ms(a.retry_after_ms) : ""),
          el("td", {}, a.early_retry ? "early" : ""),
        ),
      ),
    ),
  );
}

function timeline(attempts) {
  const width = 900;
  const height = 150;
  const left = 40;
  const right = 40;
  const y = 70;
  const start = attempts[0].received_at;
  // A wait starts when its answer ended: the client could not know before.
  const ended = (a) => a.received_at + (a.duration_ms || 0) / 1000;
  const span = Math.max(Math.max(...attempts.map((a) => ended(a) + (a.retry_after_ms || 0) / 1000)) - start, 0.001);
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
    if (!asked(a)) return;
    const w = Math.max(x(ended(a) + a.retry_after_ms / 1000) - x(ended(a)), 1);
    node.append(
      svg(
        "rect",
        { class: "span", x: x(ended(a)), y: y - 16, width: w, height: 32, rx: 3 },
        svg("title", {}, `retry-after ${ms(a.retry_after_ms)} asked by attempt ${i + 1}`),
      ),
    );
  });
  attempts.forEach((a, i) => {
    const cx = x(a.received_at);
    const group = svg("g", { class: "attempt" });
    group.append(
      svg("circle", { class: `mark ${markClass(a.status)}`, cx, cy: y, r: 8 }, svg("title", {}, `attempt ${i + 1}: ${a.status} at ${clock(a.received_at)}`)),
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
