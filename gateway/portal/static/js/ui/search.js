// Ctrl+K (or ⌘K) global search over customers, contacts, leads, opportunities, customer
// projects, quotes, orders and products: the same list endpoints with `q`, so it shows only what the user may see.
// `/` focuses the current list's filter.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api } from "../api.js";
import { label, money, t } from "../i18n.js";

export const SOURCES = [
  { kind: "customer", path: "/customers", href: (r) => `#/customers/${r.id}`, text: (r) => r.name },
  { kind: "contact", path: "/contacts", href: (r) => `#/customers/${r.customer_id}?tab=contacts`,
    text: (r) => [r.name, r.title, r.phone].filter(Boolean).join(" · ") },
  { kind: "lead", path: "/leads", href: (r) => `#/leads/${r.id}`, text: (r) => [r.name, r.company].filter(Boolean).join(" · ") },
  { kind: "opportunity", path: "/opportunities", href: (r) => `#/opportunities/${r.id}`,
    text: (r) => `${r.name} · ${label("stage", r.stage)} · ${money(r.amount)}` },
  { kind: "project", path: "/projects", href: (r) => `#/projects/${r.id}`,
    text: (r) => [r.number, r.name, r.estimated_amount && money(r.estimated_amount)].filter(Boolean).join(" · ") },
  { kind: "quote", path: "/quotes", href: (r) => `#/quotes/${r.id}`,
    text: (r) => `${r.number || r.id.slice(0, 8)} · ${label("quote_status", r.status)} · ${money(r.gross)}` },
  { kind: "order", path: "/orders", href: (r) => `#/orders/${r.id}`,
    text: (r) => `${r.number || r.id.slice(0, 8)} · ${label("order_status", r.status)} · ${money(r.gross)}` },
  { kind: "product", path: "/products", href: (r) => `#/products/${r.id}`, text: (r) => `${r.sku} · ${r.name}${r.spec ? ` ${r.spec}` : ""}` },
];

export function SearchPalette({ onClose }) {
  const [term, setTerm] = useState("");
  const [results, setResults] = useState([]);
  const [active, setActive] = useState(0);
  const input = useRef(null);
  const timer = useRef(null);
  const generation = useRef(0);
  useEffect(() => {
    input.current.focus();
  }, []);
  const run = (value) => {
    setTerm(value);
    clearTimeout(timer.current);
    if (value.trim().length < 2) {
      setResults([]);
      return;
    }
    timer.current = setTimeout(async () => {
      const mine = ++generation.current;
      const answers = await Promise.all(SOURCES.map((s) => api.get(s.path, { q: value.trim(), per_page: 5 })
        .then((a) => a.items.map((r) => ({ source: s, record: r }))).catch(() => [])));
      if (mine === generation.current) {
        setResults(answers.flat());
        setActive(0);
      }
    }, 250);
  };
  const open = (hit) => {
    location.hash = hit.source.href(hit.record);
    onClose();
  };
  const onKey = (e) => {
    if (e.key === "Escape") onClose();
    else if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => Math.min(results.length - 1, a + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === "Enter" && results[active]) {
      e.preventDefault();
      open(results[active]);
    }
  };
  return html`<div class="modal-backdrop" onClick=${(e) => e.target === e.currentTarget && onClose()}>
    <div class="modal search-palette" role="dialog" aria-modal="true" aria-label=${t("search.title")} onKeyDown=${onKey}>
      <label for="global-search" class="sr-only">${t("search.title")}</label>
      <input id="global-search" ref=${input} type="search" value=${term} placeholder=${t("search.placeholder")}
        autocomplete="off" role="combobox" aria-expanded=${results.length > 0} aria-controls="search-results"
        onInput=${(e) => run(e.target.value)} />
      <ul id="search-results" role="listbox" class="search-results">
        ${term.trim().length >= 2 && results.length === 0 && html`<li class="muted">${t("search.none")}</li>`}
        ${results.map((hit, i) => html`<li role="option" aria-selected=${i === active ? "true" : "false"} class=${i === active ? "active" : ""}
          onMouseDown=${(e) => { e.preventDefault(); open(hit); }}>
          <span class="kind">${t(`search.kind.${hit.source.kind}`)}</span> <span>${hit.source.text(hit.record)}</span></li>`)}
      </ul>
    </div>
  </div>`;
}
