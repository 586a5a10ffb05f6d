// The emulator's admin API, with the admin key when it asks for one.

const API = "/_emulator";
const KEY_HEADER = "x-emulator-admin-key";
const STORED_KEY = "aoai-emulator-admin-key";

let key = sessionStorage.getItem(STORED_KEY) || "";
let keyGiven = () => {};

export class NeedsKey extends Error {}

export async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (key) headers.set(KEY_HEADER, key);
  const response = await fetch(API + path, { ...options, headers });
  if (response.status === 401) {
    askForKey();
    throw new NeedsKey("the admin key is needed");
  }
  return response;
}

// The answer's JSON, or an Error with the admin API's own words.
export async function apiJson(path, options) {
  const response = await api(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new Error(`the emulator answered ${response.status} with no JSON`);
  }
  if (!response.ok) throw new Error(errorTitle(body, response.status));
  return body;
}

export function errorTitle(body, status) {
  return (body && body.errors && body.errors[0] && body.errors[0].title) || `the emulator answered ${status}`;
}

// What to do once a key is given (reconnect the feed, redraw the view).
export function onKeyGiven(then) {
  keyGiven = then;
}

function askForKey() {
  const form = document.getElementById("key-form");
  if (!form.hidden) return;
  form.hidden = false;
  document.getElementById("key-error").textContent = key ? "That key was refused." : "";
  document.getElementById("admin-key").focus();
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  key = document.getElementById("admin-key").value;
  sessionStorage.setItem(STORED_KEY, key);
  document.getElementById("key-form").hidden = true;
  keyGiven();
});
