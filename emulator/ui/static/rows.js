// The requests the feed has delivered, as rows (the journal's summary of each).

const MAX_ROWS = 2000;
const rows = new Map(); // id -> row, in the order they arrived here

export function replaceAll(given) {
  rows.clear();
  for (const row of given) rows.set(row.id, row);
}

export function add(row) {
  rows.set(row.id, row);
  if (rows.size > MAX_ROWS) rows.delete(rows.keys().next().value);
}

export function clear() {
  rows.clear();
}

export function newestFirst() {
  return [...rows.values()].sort((a, b) => b.received_at - a.received_at);
}

export function oldestFirst() {
  return [...rows.values()].sort((a, b) => a.received_at - b.received_at);
}
