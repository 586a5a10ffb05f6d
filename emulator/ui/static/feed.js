// The live feed (/_emulator/feed): server-sent events read with fetch, so the admin key can
// go in a header (EventSource cannot send one). It reconnects by itself; each connection
// starts with a snapshot of the journal, so nothing between two connections is missed.

import { api, NeedsKey } from "./api.js";

let generation = 0;

// handlers: snapshot(payload), request(row), status(text, live)
export async function connect(handlers) {
  const mine = ++generation;
  try {
    const response = await api("/feed", { headers: { accept: "text/event-stream" } });
    if (!response.ok || !response.body) throw new Error(`feed answered ${response.status}`);
    handlers.status("live", true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || mine !== generation) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!dispatch(frame, handlers)) {
          // Rows were lost: start again from the journal.
          reader.cancel().catch(() => {});
          return connect(handlers);
        }
      }
    }
    reader.cancel().catch(() => {});
  } catch (error) {
    if (error instanceof NeedsKey) {
      handlers.status("needs the admin key", false);
      return;
    }
  }
  if (mine !== generation) return;
  handlers.status("disconnected; reconnecting…", false);
  setTimeout(() => mine === generation && connect(handlers), 1000);
}

// One event; false when the feed says rows were lost.
function dispatch(frame, handlers) {
  let event = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue; // a keep-alive
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (event === "missed") return false;
  if (!data.length) return true;
  const payload = JSON.parse(data.join("\n"));
  if (event === "snapshot") handlers.snapshot(payload);
  else if (event === "request") handlers.request(payload);
  return true;
}
