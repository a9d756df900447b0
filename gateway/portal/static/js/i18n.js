// Every visible string comes from a message catalogue (js/i18n/*.js, each
// `export default { zh: {...}, en: {...} }`, merged here by the modules that use them).
// Simplified Chinese is the default; the user's choice is saved in their preferences and
// cached in localStorage so the login page speaks it too. Money is formatted from the API's
// decimal strings without floating point: ¥, thousands separators, two decimals.

import common from "./i18n/common.js";

export const LANGUAGES = ["zh-CN", "en"];
const catalogues = { "zh-CN": {}, en: {} };
const listeners = new Set();
let current = "zh-CN";

try {
  const saved = globalThis.localStorage && localStorage.getItem("crm.lang");
  if (LANGUAGES.includes(saved)) current = saved;
} catch {
  /* storage disabled: Chinese */
}

/** Add a catalogue ({zh, en}); later keys win. Returns it (for tests). */
export function mergeCatalogues(catalogue) {
  Object.assign(catalogues["zh-CN"], catalogue.zh);
  Object.assign(catalogues.en, catalogue.en);
  return catalogue;
}
mergeCatalogues(common);

export function lang() {
  return current;
}

export function setLang(value) {
  if (!LANGUAGES.includes(value) || value === current) return;
  current = value;
  try {
    localStorage.setItem("crm.lang", value);
  } catch {
    /* not remembered on this device; the preference on the server still is */
  }
  if (globalThis.document) document.documentElement.lang = value;
  listeners.forEach((fn) => fn(value));
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text for key in the current language, {name} placeholders filled from params. */
export function t(key, params) {
  let text = catalogues[current][key] ?? catalogues["zh-CN"][key];
  if (text === undefined) return key;
  if (params) text = text.replace(/\{(\w+)\}/g, (all, name) => (params[name] ?? all));
  return text;
}

/** True when the catalogue has key (for optional translations of codes). */
export function has(key) {
  return key in catalogues[current] || key in catalogues["zh-CN"];
}

/** A code (status, stage, kind, role ...) in words: `${group}.${code}`, or the code itself. */
export function label(group, code) {
  if (code === null || code === undefined || code === "") return "";
  const key = `${group}.${code}`;
  return has(key) ? t(key) : String(code);
}

function locale() {
  return current === "en" ? "en-US" : "zh-CN";
}

function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "1234.5" -> "1,234.50" exactly (strings or numbers; no float rounding for strings). */
export function decimal(value, places = 2) {
  if (value === null || value === undefined || value === "") return "";
  let text = typeof value === "number" ? value.toFixed(places) : String(value).trim();
  const match = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ""] = match;
  let frac = fraction;
  if (frac.length > places) {
    // round half up on the digits themselves
    const scaled = BigInt((whole || "0") + frac.slice(0, places)) + (Number(frac[places]) >= 5 ? 1n : 0n);
    const digits = scaled.toString().padStart(places + 1, "0");
    text = `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
    const [w, f] = text.split(".");
    return `${sign === "-" && scaled !== 0n ? "-" : ""}${groupDigits(w)}${places ? `.${f}` : ""}`;
  }
  frac = frac.padEnd(places, "0");
  const isZero = /^0*$/.test(whole + frac);
  return `${sign === "-" && !isZero ? "-" : ""}${groupDigits(String(BigInt(whole || "0")))}${places ? `.${frac}` : ""}`;
}

/** Money in the user's words: "¥1,234.50" (other currencies by their code: "USD 12.00"). */
export function money(value, currency = "CNY") {
  if (value === null || value === undefined || value === "") return "";
  const amount = decimal(value, 2);
  const negative = amount.startsWith("-");
  const digits = negative ? amount.slice(1) : amount;
  const symbol = currency === "CNY" ? "¥" : `${currency} `;
  return `${negative ? "-" : ""}${symbol}${digits}`;
}

export function number(value) {
  if (value === null || value === undefined || value === "") return "";
  return new Intl.NumberFormat(locale()).format(Number(value));
}

export function percent(value) {
  if (value === null || value === undefined || value === "") return "";
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(Number(value))}%`;
}

export function date(value) {
  if (!value) return "";
  const d = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

export function dateTime(value) {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).format(d);
}

/** "3 minutes ago" style for recent times, the date otherwise. */
export function ago(value) {
  if (!value) return "";
  const seconds = (Date.now() - new Date(value).getTime()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  if (seconds < 60) return rtf.format(-Math.max(0, Math.round(seconds)), "second");
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
  if (seconds < 7 * 86400) return rtf.format(-Math.round(seconds / 86400), "day");
  return dateTime(value);
}

/** An API error in the user's words: a known code, else what its status means; never codes. */
export function errorText(error) {
  if (!error) return "";
  const code = error.code;
  if (code && has(`error.${code}`)) return t(`error.${code}`, error.details || {});
  const status = error.status || 0;
  if (status === 0) return t("error.network");
  if (status === 400 || status === 422) return t("error.validation_failed");
  if (status === 403) return t("error.forbidden");
  if (status === 404) return t("error.not_found");
  if (status === 409) return t("error.conflict");
  if (status === 413) return t("error.too_large");
  if (status === 429) return t("error.rate_limited");
  if (status >= 500) return t("error.service_unavailable");
  return t("error.unknown");
}

/** A field's messages from a 422 in the user's language (the API's texts are English). */
export function fieldErrorText(messages) {
  const list = Array.isArray(messages) ? messages : typeof messages === "object" ? Object.values(messages).flat() : [messages];
  return list.map((m) => {
    const text = String(m);
    for (const [pattern, key] of FIELD_MESSAGES) {
      const match = text.match(pattern);
      if (match) return t(key, { detail: text, ...(match.groups || {}) });
    }
    return current === "en" ? text : t("field.invalid");
  }).join(" ");
}

const FIELD_MESSAGES = [
  [/validity period for expense claims \(claimable until (?<until>\d{4}-\d{2}-\d{2})\)/, "field.expense_expired"],
  [/cannot be after today/i, "field.not_future"],
  [/required|missing data/i, "field.required"],
  [/not a valid (number|decimal|integer)/i, "field.number"],
  [/not a valid (date|datetime)/i, "field.date"],
  [/not a valid (email)/i, "field.email"],
  [/not a valid uuid|unknown (customer|product|user|order|warehouse|opportunity|contact|lead|quote)/i, "field.unknown_record"],
  [/length|longer|shorter|characters/i, "field.length"],
  [/must be one of/i, "field.choice"],
  [/greater|less|at least|at most|range|positive|negative/i, "field.range"],
  [/decimal|places/i, "field.decimals"],
];
