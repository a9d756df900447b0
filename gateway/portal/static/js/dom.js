// Small DOM helpers. Text from the API only ever goes in as text nodes (no innerHTML).

/**
 * h("a", {href: "#/x", class: "btn", onclick: fn, dataset: {id: 1}}, "text", child, [more])
 * Attributes that are null, undefined or false are left out; true sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "value" || name === "checked") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

const TIME_FORMAT = new Intl.DateTimeFormat("zh-CN", {
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  hour12: false,
});

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : TIME_FORMAT.format(date);
}

export function formatMoney(value) {
  return value === null || value === undefined || value === "" ? "" : `¥${value}`;
}

export function dash(value) {
  return value === null || value === undefined || value === "" ? "—" : value;
}

/** A label "中文 English" for a code, the code itself when it is not known. */
export function label(labels, code) {
  return labels[code] || code || "—";
}

function detailLines(details) {
  if (!details || typeof details !== "object") return [];
  return Object.entries(details).map(([field, value]) => {
    const text = Array.isArray(value) ? value.join("；") : typeof value === "object" ? JSON.stringify(value) : value;
    return h("li", {}, h("code", {}, field), "：", String(text));
  });
}

/** The error as the user sees it: the API's message, its code and status, and any details. */
export function errorBox(error, { withDetails = true } = {}) {
  const status = error && error.status ? ` · HTTP ${error.status}` : "";
  const code = error && error.code ? error.code : "error";
  const message = (error && error.message) || "未知错误 Unknown error";
  const lines = withDetails ? detailLines(error && error.details) : [];
  return h("div", { class: "error", role: "alert" },
    h("strong", {}, message),
    h("span", { class: "error-code" }, ` (${code}${status})`),
    lines.length ? h("ul", {}, lines) : null);
}

export function loading(text = "加载中… Loading…") {
  return h("p", { class: "muted loading" }, text);
}

export function badge(text, kind = "") {
  return h("span", { class: `pill ${kind}`.trim() }, text);
}
