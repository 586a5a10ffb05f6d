// Cost: the tokens, images and audio so far per deployment and per test id, and what Azure
// would charge for them at the list prices the emulator ships (dated, with their source).

import { apiJson } from "./api.js";
import { el, money } from "./dom.js";

document.getElementById("reset-costs").addEventListener("click", async () => {
  await apiJson("/costs", { method: "DELETE" });
  await drawCost();
});

// A sum whose every request is of a model with no price says so, rather than $0.
function cost(sum) {
  return sum.requests && sum.unpriced_requests === sum.requests ? "no price" : money(sum.cost);
}

export async function drawCost() {
  const data = await apiJson("/costs");
  const p = data.prices;
  document.getElementById("cost-total").textContent = money(data.total);
  document.getElementById("price-source").textContent =
    `Prices in ${data.currency} for ${p.deployment_type} deployments, as of ${p.as_of}; source: ${p.source}.`;
  document.getElementById("price-notes").replaceChildren(...p.notes.map((n) => el("li", {}, n)));
  const cells = (...values) => values.map((v) => el("td", {}, v ?? ""));
  document.querySelector("#cost-deployments tbody").replaceChildren(
    ...data.deployments.map((d) =>
      el(
        "tr",
        {},
        cells(d.deployment, d.model, d.requests, d.input_tokens, d.cached_tokens, d.output_tokens, d.images, d.characters, d.audio_seconds, cost(d)),
      ),
    ),
  );
  document.querySelector("#cost-tests tbody").replaceChildren(
    ...data.tests.map((t) => el("tr", {}, cells(t.test_id, t.requests, t.input_tokens, t.output_tokens, cost(t)))),
  );
}
