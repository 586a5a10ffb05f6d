// Quotas: each deployment's tokens and requests per minute over the last ten minutes, drawn
// against its TPM and RPM, and the 429s its quota gave.

import { apiJson } from "./api.js";
import { clock, el, svg } from "./dom.js";

document.getElementById("show-idle").addEventListener("change", () => drawQuotas());

export async function drawQuotas() {
  const data = await apiJson("/quotas");
  const showIdle = document.getElementById("show-idle").checked;
  const cards = data.deployments
    .map((d) => ({ ...d, minutes: perMinute(d.steps) }))
    .filter((d) => showIdle || d.minutes.some((m) => m.requests || m.rate_limited));
  const box = document.getElementById("quota-cards");
  if (!cards.length) {
    box.replaceChildren(el("p", { class: "note" }, "No deployment has had requests in the last ten minutes."));
    return;
  }
  box.replaceChildren(...cards.map(card));
}

function card(d) {
  const refused = d.minutes.reduce((n, m) => n + m.rate_limited, 0);
  const last = d.minutes[d.minutes.length - 1];
  return el(
    "article",
    { class: "card quota", "data-deployment": d.name },
    el("h3", {}, d.name),
    el("p", { class: "note" }, `${d.model} · ${d.enforced ? "quota enforced" : "quota metered, not enforced"}`),
    el(
      "p",
      {},
      `This minute: ${last.tokens} of ${d.tpm} tokens, ${last.requests} of ${d.rpm} requests. `,
      `429s from the quota in ten minutes: `,
      el("strong", { class: "refused-count" }, refused),
    ),
    chart(d.minutes, "tokens", d.tpm, `Tokens per minute · quota ${d.tpm} TPM`),
    chart(d.minutes, "requests", d.rpm, `Requests per minute · quota ${d.rpm} RPM`),
  );
}

function perMinute(steps) {
  // Ten-second steps, summed to the minutes a TPM or RPM quota is stated in.
  const minutes = [];
  for (let i = 0; i < steps.length; i += 6) {
    const group = steps.slice(i, i + 6);
    const sum = (field) => group.reduce((n, s) => n + s[field], 0);
    minutes.push({ at: group[0].at, tokens: sum("tokens"), requests: sum("requests"), rate_limited: sum("rate_limited") });
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
    const x = i * barWidth + 2;
    node.append(
      svg(
        "rect",
        { class: `bar${m[field] > limit ? " over" : ""}`, x, y: height - bottom - h, width: barWidth - 4, height: h },
        svg("title", {}, `${clock(m.at).slice(0, 5)}: ${m[field]} ${field}, ${m.rate_limited} refused`),
      ),
    );
    if (m.rate_limited) node.append(svg("rect", { class: "refused", x, y: height - bottom + 3, width: barWidth - 4, height: 4 }));
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
