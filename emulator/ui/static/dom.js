// Building the page's elements, and the few formats every view shares.

const SVG = "http://www.w3.org/2000/svg";

// An element with attributes ("onclick" and the like become listeners) and children (text
// is always set as text, never parsed as HTML: request data goes on the page as it is).
export function el(tag, attributes = {}, ...children) {
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

export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : String(child));
  return node;
}

// Redraw what is inside ``container`` and put the keyboard focus back where it was: views
// are redrawn as requests arrive, and a keyboard or screen-reader user must not lose their
// place. Focusable elements say who they are with data-key.
export function keepingFocus(container, draw) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : undefined;
  draw();
  if (key === undefined) return;
  const again = [...container.querySelectorAll("[data-key]")].find((e) => e.dataset.key === key);
  if (again) again.focus();
}

// A row or button that acts on Enter and Space as well as a click.
export function activate(handler) {
  return {
    onclick: handler,
    onkeydown: (event) => {
      if (event.target !== event.currentTarget || (event.key !== "Enter" && event.key !== " ")) return;
      event.preventDefault();
      handler();
    },
  };
}

export function clock(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function ms(value) {
  if (value === null || value === undefined) return "";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

export function money(value) {
  return value > 0 && value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
}

export function statusClass(status) {
  return `status s${String(status)[0]}`;
}
