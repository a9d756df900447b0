// List pages: server-side filters, sort and paging kept in the address (so a filtered
// list is a bookmark), saved views and column choice per user (preferences), bulk select
// with bulk actions, CSV/XLSX export of what is filtered, cards instead of rows on a phone.
// The list never asks for more than one page of rows.
import { html, useEffect, useRef, useState } from "../lib.js";
import { download, api } from "../api.js";
import { errorText, t, number } from "../i18n.js";
import { parseHash, setQuery } from "../router.js";
import { getPrefs, savePrefs } from "../prefs.js";
import { confirmDialog, toast } from "./feedback.js";
import { Empty, PageHeader } from "./page.js";

const PAGING = ["page", "per_page", "sort"];

/** The list's query: the address's parameters that are filters, the page and sort. */
export function listQuery(query, filters, searchParam) {
  const names = new Set([...filters.map((f) => f.name), ...(searchParam ? [searchParam] : []), ...PAGING]);
  return Object.fromEntries(Object.entries(query).filter(([k, v]) => names.has(k) && v !== ""));
}

function FilterInput({ filter, value }) {
  const change = (v) => setQuery({ [filter.name]: v, page: "" });
  const id = `flt-${filter.name}`;
  let input;
  if (filter.type === "select") {
    input = html`<select id=${id} value=${value || ""} onChange=${(e) => change(e.target.value)}>
      <option value="">${t("list.any")}</option>
      ${filter.options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
    </select>`;
  } else if (filter.type === "date") {
    input = html`<input id=${id} type="date" value=${value || ""} onChange=${(e) => change(e.target.value)} />`;
  } else if (filter.type === "user") {
    input = filter.render({ id, value, change });
  } else {
    input = html`<input id=${id} type="text" value=${value || ""} onChange=${(e) => change(e.target.value)} />`;
  }
  return html`<div class="filter"><label for=${id}>${filter.label}</label>${input}</div>`;
}

function SearchBox({ param, value, placeholder }) {
  const [text, setText] = useState(value || "");
  const timer = useRef(null);
  useEffect(() => setText(value || ""), [value]);
  const onInput = (e) => {
    setText(e.target.value);
    clearTimeout(timer.current);
    const v = e.target.value;
    timer.current = setTimeout(() => setQuery({ [param]: v.trim(), page: "" }), 350);
  };
  return html`<div class="filter search">
    <label for="list-filter" class="sr-only">${t("action.search")}</label>
    <input id="list-filter" type="search" data-list-filter value=${text} onInput=${onInput} placeholder=${placeholder || t("action.search")} />
  </div>`;
}

function Views({ listKey, query }) {
  const views = (getPrefs().saved_views || {})[listKey] || [];
  const [, force] = useState(0);
  const current = views.find((v) => JSON.stringify(v.query) === JSON.stringify(query));
  const apply = (name) => {
    const view = views.find((v) => v.name === name);
    const { path } = parseHash();
    location.hash = `#${path}${view && Object.keys(view.query).length ? `?${new URLSearchParams(view.query)}` : ""}`;
  };
  const save = async () => {
    const name = await confirmDialog({ title: t("action.save_view"), input: { label: t("list.view_name"), required: true } });
    if (!name) return;
    const kept = { ...(getPrefs().saved_views || {}) };
    const clean = Object.fromEntries(Object.entries(query).filter(([k]) => k !== "page"));
    kept[listKey] = [...views.filter((v) => v.name !== name), { name: name.slice(0, 60), query: clean }];
    try {
      await savePrefs({ saved_views: kept });
      toast(t("list.view_saved"));
      force((n) => n + 1);
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const remove = async () => {
    if (!current) return;
    const kept = { ...(getPrefs().saved_views || {}) };
    kept[listKey] = views.filter((v) => v.name !== current.name);
    await savePrefs({ saved_views: kept }).catch((err) => toast(errorText(err), "error"));
    force((n) => n + 1);
  };
  return html`<div class="views">
    <label for="list-views" class="sr-only">${t("list.views")}</label>
    <select id="list-views" value=${current ? current.name : ""} onChange=${(e) => apply(e.target.value)}>
      <option value="">${t("list.views")}: ${current ? current.name : t("list.all")}</option>
      ${views.map((v) => html`<option value=${v.name}>${v.name}</option>`)}
    </select>
    <button type="button" onClick=${save}>${t("action.save_view")}</button>
    ${current && html`<button type="button" class="link" onClick=${remove}>${t("action.delete_view")}</button>`}
  </div>`;
}

function Columns({ listKey, columns, shown, onChange }) {
  const toggle = async (key) => {
    const next = shown.includes(key) ? shown.filter((k) => k !== key) : columns.map((c) => c.key).filter((k) => k === key || shown.includes(k));
    onChange(next);
    const all = { ...(getPrefs().columns || {}), [listKey]: next };
    savePrefs({ columns: all }).catch(() => {});
  };
  return html`<details class="columns">
    <summary>${t("action.columns")}</summary>
    <div class="menu">
      ${columns.map((c) => html`<label><input type="checkbox" checked=${shown.includes(c.key)} onChange=${() => toggle(c.key)} /> ${c.label}</label>`)}
    </div>
  </details>`;
}

function SortSelect({ columns, sort }) {
  const options = columns.filter((c) => c.sort).flatMap((c) => [
    [c.sort, `${c.label} ${t("list.sort_asc")}`], [`-${c.sort}`, `${c.label} ${t("list.sort_desc")}`]]);
  return html`<div class="filter phone-only">
    <label for="list-sort">${t("list.sort")}</label>
    <select id="list-sort" value=${sort} onChange=${(e) => setQuery({ sort: e.target.value, page: "" })}>
      <option value="">${t("list.sort_default")}</option>
      ${options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
    </select>
  </div>`;
}

/** The pager's words and whether a next page exists. estimate: the list counted its
 * matches only up to total (a search matching very many: "10,000+"); more pages may then
 * follow while the current one is full. */
export function pagerState({ page, perPage, total, estimate = false, full = false }) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return {
    totalText: t(estimate ? "list.total_estimate" : "list.total", { total: number(total) }),
    pageText: t("list.page", { page, pages: estimate ? `${number(pages)}+` : pages }),
    more: estimate ? full || page < pages : page < pages,
  };
}

function Pager({ page, perPage, total, estimate, full }) {
  const { totalText, pageText, more } = pagerState({ page, perPage, total, estimate, full });
  return html`<nav class="pager" aria-label=${pageText}>
    <span data-total>${totalText}</span>
    <button type="button" disabled=${page <= 1} onClick=${() => setQuery({ page: page - 1 }, { replace: false })}>${t("list.prev")}</button>
    <span>${pageText}</span>
    <button type="button" disabled=${!more} onClick=${() => setQuery({ page: page + 1 }, { replace: false })}>${t("list.next")}</button>
    <label class="per-page">${t("list.per_page")}
      <select value=${perPage} onChange=${(e) => setQuery({ per_page: e.target.value, page: "" })}>
        ${[20, 50, 100, 200].map((n) => html`<option value=${n}>${n}</option>`)}
      </select></label>
  </nav>`;
}

/**
 * props: listKey, title, path (API list), query (the route's), filters [{name, label, type, options}],
 * searchParam ("q"), searchPlaceholder, columns [{key, label, render(row), sort (API sort key), main}],
 * rowHref(row), actions (header nodes), bulkActions [{label, run(ids, rows) -> count | false (cancelled), danger, confirm}],
 * exportPath (API path answering CSV/XLSX for the same filters), baseQuery (fixed filters),
 * emptyHint, emptyAction, refreshKey (change to reload), below(rows) (extra under the list),
 * emptyText (instead of "nothing matches"), noViews (no saved views / column choice: a record's tab).
 * Sortable columns can also be sorted from a select (phones have no table header).
 */
export function ListPage(props) {
  const { listKey, title, path, query, filters = [], searchParam, columns, rowHref, actions, bulkActions = [],
    exportPath, baseQuery = {}, emptyHint, emptyAction, refreshKey, perPageDefault = 50, headerless, emptyText, noViews } = props;
  const own = listQuery(query, filters, searchParam);
  const page = Math.max(1, Number(own.page) || 1);
  const perPage = Math.min(200, Number(own.per_page) || perPageDefault);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState([]);
  const [reloads, setReloads] = useState(0);
  const [showFilters, setShowFilters] = useState(false); // phones: filters folded behind a button
  const savedColumns = (getPrefs().columns || {})[listKey];
  const [shown, setShown] = useState(savedColumns || columns.filter((c) => c.default !== false).map((c) => c.key));
  const key = JSON.stringify([path, own, baseQuery, refreshKey, reloads]);
  useEffect(() => {
    let live = true;
    setError(null);
    api.get(path, { ...baseQuery, ...own, page, per_page: perPage }).then((a) => {
      if (live) {
        setAnswer(a);
        setSelected([]);
        requestAnimationFrame(() => performance.mark(`crm:list-ready:${listKey}`)); // bench/portal_pages.py
      }
    }).catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [key]);
  const visible = columns.filter((c) => shown.includes(c.key) || c.main);
  const rows = answer ? answer.items : [];
  const sort = own.sort || "";
  const sortBy = (c) => {
    if (!c.sort) return;
    setQuery({ sort: sort === c.sort ? `-${c.sort}` : c.sort, page: "" });
  };
  const allChecked = rows.length > 0 && rows.every((r) => selected.includes(r.id));
  const runBulk = async (action) => {
    const ids = [...selected];
    if (action.confirm && !(await confirmDialog({ message: action.confirm(ids.length), danger: action.danger }))) return;
    try {
      const done = await action.run(ids, rows.filter((r) => ids.includes(r.id)));
      if (done === false) return; // cancelled (e.g. no user picked)
      toast(t("list.bulk_done", { count: done ?? ids.length }));
      setReloads((n) => n + 1);
    } catch (err) {
      toast(err.partial ? `${t("list.bulk_done", { count: err.partial })} · ${errorText(err)}` : errorText(err), "error");
      if (err.partial) setReloads((n) => n + 1);
    }
  };
  const filtered = Object.keys(own).some((k) => !PAGING.includes(k));
  const activeFilters = filters.filter((f) => own[f.name]).length;
  return html`<section class="list-page">
    ${!headerless && html`<${PageHeader} title=${title} actions=${actions} />`}
    <div class="list-tools">
      ${searchParam && html`<${SearchBox} param=${searchParam} value=${own[searchParam]} placeholder=${props.searchPlaceholder} />`}
      ${(filters.length > 0 || columns.some((c) => c.sort)) && html`<button type="button" class="phone-only filters-toggle"
        aria-expanded=${showFilters ? "true" : "false"} aria-controls=${`filters-${listKey}`} onClick=${() => setShowFilters(!showFilters)}>
        ${t("list.filter")}${activeFilters ? ` (${activeFilters})` : ""}</button>`}
      <div id=${`filters-${listKey}`} class=${`list-filters ${showFilters ? "open" : ""}`}>
        ${filters.map((f) => html`<${FilterInput} key=${f.name} filter=${f} value=${own[f.name]} />`)}
        ${columns.some((c) => c.sort) && html`<${SortSelect} columns=${columns} sort=${sort} />`}
      </div>
      ${filtered && html`<button type="button" class="link" onClick=${() => { location.hash = `#${parseHash().path}`; }}>${t("action.reset")}</button>`}
      <div class="list-tools-right">
        ${!noViews && html`<${Views} listKey=${listKey} query=${own} />
        <${Columns} listKey=${listKey} columns=${columns.filter((c) => !c.main)} shown=${shown} onChange=${setShown} />`}
        ${exportPath && html`
          <button type="button" onClick=${() => download(exportPath, { ...baseQuery, ...own, format: "csv", page: undefined }, `${listKey}.csv`).catch((e) => toast(errorText(e), "error"))}>${t("action.export_csv")}</button>
          <button type="button" onClick=${() => download(exportPath, { ...baseQuery, ...own, format: "xlsx", page: undefined }, `${listKey}.xlsx`).catch((e) => toast(errorText(e), "error"))}>${t("action.export_xlsx")}</button>`}
      </div>
    </div>
    ${bulkActions.length > 0 && selected.length > 0 && html`<div class="bulk-bar" role="region" aria-label=${t("list.selected", { count: selected.length })}>
      <span>${t("list.selected", { count: selected.length })}</span>
      ${bulkActions.map((a) => html`<button type="button" class=${a.danger ? "danger" : ""} onClick=${() => runBulk(a)}>${a.label}</button>`)}
    </div>`}
    ${error && html`<div class="form-error" role="alert">${errorText(error)}</div>`}
    ${!answer && !error && html`<p class="muted loading">${t("app.loading")}</p>`}
    ${answer && rows.length === 0 && html`<${Empty} text=${emptyText || t("list.empty")} hint=${emptyHint || t("list.empty_hint")} action=${emptyAction} />`}
    ${answer && rows.length > 0 && html`<div class="table-wrap"><table class="list">
      <thead><tr>
        ${bulkActions.length > 0 && html`<th class="sel"><input type="checkbox" aria-label=${t("list.select_all")} checked=${allChecked}
          onChange=${() => setSelected(allChecked ? [] : rows.map((r) => r.id))} /></th>`}
        ${visible.map((c) => html`<th scope="col" class=${c.num ? "num" : ""} aria-sort=${c.sort && (sort === c.sort ? "ascending" : sort === `-${c.sort}` ? "descending" : undefined)}>
          ${c.sort ? html`<button type="button" class="sort" onClick=${() => sortBy(c)}>${c.label}${sort === c.sort ? " ▲" : sort === `-${c.sort}` ? " ▼" : ""}</button>` : c.label}</th>`)}
      </tr></thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${row.id}>
          ${bulkActions.length > 0 && html`<td class="sel"><input type="checkbox" aria-label=${t("list.select_row")} checked=${selected.includes(row.id)}
            onChange=${() => setSelected(selected.includes(row.id) ? selected.filter((x) => x !== row.id) : [...selected, row.id])} /></td>`}
          ${visible.map((c) => {
            const content = c.render ? c.render(row) : row[c.key];
            const target = c.main && rowHref ? rowHref(row) : null;
            return html`<td data-label=${c.label} class=${`${c.num ? "num" : ""} ${c.main ? "main" : ""}`}>
              ${target ? html`<a href=${target}>${content}</a>` : content}</td>`;
          })}
        </tr>`)}
      </tbody>
    </table></div>
    <${Pager} page=${page} perPage=${perPage} total=${answer.total} estimate=${answer.total_is_estimate === true}
      full=${rows.length >= perPage} />`}
    ${props.below && answer && props.below(rows, answer)}
  </section>`;
}
