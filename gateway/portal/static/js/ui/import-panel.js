// The import form every import page uses (customers and leads on the imports page, products
// on the product page, opening balances on finance's opening-balance page): a CSV, TSV or Excel file, also an export from another CRM, is
// previewed (POST /imports/preview with its kind) — which field each column fills
// (recognised from the header, changeable here), the file's encoding and the first rows as
// they would be imported; the user picks "new records only" or "update existing records"
// with the key to match on, starts the import (POST /imports/<kind>), watches the progress
// (GET /imports/{id}), downloads the failed rows (with the reason) and can undo the import.
import { html, useEffect, useState } from "../lib.js";
import { api, download } from "../api.js";
import { dateTime, errorText, has, label, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/admin.js";
import { ActionButton } from "./actions.js";
import { Badge } from "./page.js";

mergeCatalogues(cat);

const POLL_MS = 700;
export const BUSY = ["queued", "running", "undo_queued", "undoing"];
// the kinds that offer "update existing records", and the keys each may match on
const MATCH_KEYS = { customers: ["name", "phone", "email", "external_id"], products: ["sku", "name"] };
const CUSTOM = "custom_fields.";

/** A finished import whose undo is offered. */
export const undoable = (r) => (r.status === "done" || r.status === "failed") && (r.created > 0 || r.updated > 0);

export function Progress({ job }) {
  const undoing = job.status === "undo_queued" || job.status === "undoing";
  const pct = job.total ? Math.round((100 * job.processed) / job.total) : job.status === "done" ? 100 : 0;
  return html`<div class="progress-block">
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}
      aria-label=${t("imports.progress", { processed: job.processed, total: job.total })}>
      <div class="progress-bar" style=${{ width: `${pct}%` }}></div>
    </div>
    <p><${Badge} group="import_status" code=${job.status} /> ${t("imports.progress", { processed: number(job.processed), total: number(job.total) })}
      · ${t("imports.created")} <strong data-count="created">${number(job.created)}</strong>
      ${job.kind !== "opening-balances" && html` · ${t("imports.updated")} <strong data-count="updated">${number(job.updated ?? 0)}</strong>
      · ${t("imports.duplicates")} <strong data-count="duplicates">${number(job.duplicates)}</strong>`}
      · ${t("imports.errors")} <strong data-count="errors">${number(job.error_count ?? (job.errors || []).length)}</strong>
      ${(undoing || job.status === "undone") && html` · ${t("imports.undone_count")} <strong data-count="undone">${number(job.undone ?? 0)}</strong>`}</p>
    ${job.message && html`<p class="form-error">${job.message}</p>`}
  </div>`;
}

function fieldLabel(field, kind) {
  if (!field) return t("imports.ignore");
  if (field.startsWith(CUSTOM)) return t("imports.custom_field", { name: field.slice(CUSTOM.length) });
  if (kind === "opening-balances") return label("opening_column", field);
  return kind === "products" ? label("product_column", field) : label("column", field);
}

function encodingLabel(preview) {
  const enc = { "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", gb18030: "GBK/GB18030", "utf-16": "UTF-16",
    "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", xlsx: "Excel" }[preview.encoding] || preview.encoding;
  const sep = { ",": t("imports.sep_comma"), "\t": t("imports.sep_tab"), ";": t("imports.sep_semicolon"), "|": "|" }[preview.delimiter];
  return sep ? t("imports.file_format", { encoding: enc, delimiter: sep }) : enc;
}

/** One row per file column: its header, the field it fills (a choice), its first values. */
function MappingTable({ preview, mapping, onChange, kind }) {
  const choices = [null, ...preview.fields, ...(preview.custom_fields || []).map((n) => CUSTOM + n)];
  return html`<div class="table-wrap"><table class="list mapping"><thead><tr>
      <th>${t("imports.column")}</th><th>${t("imports.field")}</th><th>${t("imports.samples")}</th></tr></thead>
    <tbody>${preview.columns.map((column, i) => html`<tr data-column=${column}>
      <td data-label=${t("imports.column")}>${column}</td>
      <td data-label=${t("imports.field")}><select aria-label=${t("imports.field_for", { column })}
          value=${mapping[column] ?? ""} onChange=${(e) => onChange(column, e.target.value || null)}>
        ${choices.map((f) => html`<option value=${f ?? ""}>${fieldLabel(f, kind)}</option>`)}
      </select></td>
      <td data-label=${t("imports.samples")} class="muted">${preview.rows.slice(0, 3).map((r) => r[i]).filter(Boolean).join(" · ")}</td>
    </tr>`)}</tbody></table></div>`;
}

function Records({ preview, kind }) {
  const fields = Object.keys(preview.columns_by_field || {});
  return html`<div class="table-wrap"><table class="list"><thead><tr><th>${t("imports.row")}</th>
      ${fields.map((f) => html`<th>${fieldLabel(f, kind)}</th>`)}</tr></thead>
    <tbody>${preview.records.map((r) => html`<tr><td data-label=${t("imports.row")}>${r.row}</td>
      ${fields.map((f) => html`<td data-label=${fieldLabel(f, kind)}>${f.startsWith(CUSTOM) ? (r.custom_fields || {})[f.slice(CUSTOM.length)] : r[f]}</td>`)}</tr>`)}</tbody></table></div>`;
}

/** POST /imports/<kind>: customers and leads to the customer service, products to inventory,
 * opening balances to billing (done within the request: the answer is the finished import). */
function startImport(kind, data) {
  if (kind === "products") return api.upload("/imports/products", data);
  if (kind === "opening-balances") return api.upload("/imports/opening-balances", data);
  if (kind === "leads") return api.upload("/imports/leads", data);
  return api.upload("/imports/customers", data);
}

/** A failed row's reason in the user's words when its code has them (opening balances), else
 * the service's message. */
function rowError(e) {
  return e.code && has(`import_error.${e.code}`) ? t(`import_error.${e.code}`, e) : e.message;
}

/** The failed rows of an import as CSV (GET /imports/{id}/error_file, whichever service has it;
 * an opening-balance import's straight from billing). */
function downloadErrors(job) {
  const name = `import-errors-${job.id.slice(0, 8)}.csv`;
  if (job.kind === "opening-balances") return download(`/opening-balances/imports/${job.id}/error_file`, undefined, name);
  return download(`/imports/${job.id}/error_file`, undefined, name);
}

/** Why an undo was refused, product by product or customer by customer (409 import_in_use). */
export function UndoRefusal({ error }) {
  const details = (error && error.code === "import_in_use" && error.details) || {};
  const products = details.products || [];
  const customers = details.customers || [];
  if (!products.length && !customers.length) return null;
  const why = (r) => (has(`import_use.${r.code}`) ? t(`import_use.${r.code}`) : r.reason);
  return html`<div class="form-error" role="alert" data-undo-refused>
    <p>${t(customers.length ? "error.import_in_use.customers" : "error.import_in_use")}</p>
    <ul>${products.map((p) => html`<li>${p.sku}: ${why(p)}</li>`)}
      ${customers.map((c) => html`<li>${c.name || c.customer_id}: ${why(c)}</li>`)}</ul>
  </div>`;
}

/** Ask for an import's undo (an opening-balance import's of billing, done at once); the
 * refusal (with its products or customers) goes to onRefused. */
export async function askUndo(id, onRefused, kind) {
  try {
    onRefused(null);
    if (kind === "opening-balances") return await api.post(`/opening-balances/imports/${id}/undo`);
    return await api.post(`/imports/${id}/undo`);
  } catch (err) {
    onRefused(err);
    throw err;
  }
}

/**
 * kinds: what may be imported (the first is chosen); onChange(): something was imported or
 * undone (the page reloads its lists).
 */
export function ImportPanel({ kinds, onChange }) {
  const [kind, setKind] = useState(kinds[0]);
  const [file, setFile] = useState(null);
  const [preview, setPreview] = useState(null);
  const [mapping, setMapping] = useState(null);
  const [mode, setMode] = useState("create");
  const [matchOn, setMatchOn] = useState((MATCH_KEYS[kinds[0]] || ["name"])[0]);
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  const [refused, setRefused] = useState(null);
  const changed = () => onChange && onChange();
  const look = async (picked, chosen, what = kind) => {
    const data = new FormData();
    data.append("file", picked);
    data.append("kind", what);
    if (chosen) data.append("mapping", JSON.stringify(chosen));
    const answer = await api.upload("/imports/preview", data);
    const custom = what !== "customers" ? []
      : await api.get("/custom-fields").then((r) => r.items.map((f) => f.name)).catch(() => []);
    return { ...answer, custom_fields: custom };
  };
  const pickKind = async (what) => {
    setKind(what);
    setMode("create");
    setMatchOn((MATCH_KEYS[what] || ["name"])[0]);
    setJob(null);
    if (!file) return;
    try {
      const answer = await look(file, null, what);
      setPreview(answer);
      setMapping(answer.mapping);
    } catch (err) {
      setError(err);
    }
  };
  const choose = async (event) => {
    const picked = event.target.files[0];
    setFile(picked);
    setPreview(null);
    setMapping(null);
    setJob(null);
    setError(null);
    setRefused(null);
    if (!picked) return;
    try {
      const answer = await look(picked, null);
      setPreview(answer);
      setMapping(answer.mapping);
    } catch (err) {
      setError(err);
    }
  };
  const remap = async (column, field) => {
    const next = { ...mapping, [column]: field };
    setMapping(next);
    try {
      setPreview(await look(file, next));
    } catch (err) {
      setError(err);
    }
  };
  const start = async () => {
    setError(null);
    try {
      const data = new FormData();
      data.append("file", file);
      data.append("mapping", JSON.stringify(mapping));
      data.append("mode", mode);
      if (mode === "upsert") data.append("match_on", matchOn);
      const started = await startImport(kind, data);
      setJob(started.total !== undefined ? started
        : { id: started.id, status: started.status, total: 0, processed: 0, created: 0, updated: 0, duplicates: 0, errors: [] });
    } catch (err) {
      setError(err);
    }
  };
  const undo = async (id) => {
    const answer = await askUndo(id, setRefused, kind);
    setJob((current) => (current && current.id === id
      ? (answer.total !== undefined ? answer : { ...current, status: answer.status }) : current));
    changed();
    return answer;
  };
  useEffect(() => {
    if (!job || !BUSY.includes(job.status)) {
      if (job) changed();
      return undefined;
    }
    const timer = setTimeout(async () => {
      try {
        setJob(await api.get(`/imports/${job.id}`));
      } catch (err) {
        setError(err);
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  const missing = preview ? preview.missing || [] : [];
  const keys = MATCH_KEYS[kind];
  const noun = (key) => (has(`imports.${key}.${kind}`) ? t(`imports.${key}.${kind}`) : t(`imports.${key}`));
  return html`<div class="form import-panel">
      ${kinds.length > 1 && html`<div class="field"><label for="import-kind">${t("imports.kind")}</label>
        <select id="import-kind" value=${kind} onChange=${(e) => pickKind(e.target.value)}>
          ${kinds.map((k) => html`<option value=${k}>${t(`imports.kind.${k}`)}</option>`)}</select></div>`}
      <div class="field"><label for="import-file">${noun("file")}</label>
        <input id="import-file" type="file" accept=".csv,.tsv,.txt,.xlsx,text/csv,text/tab-separated-values,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange=${choose} /></div>
      ${error && html`<div class="form-error" role="alert">${errorText(error)} ${error.message && error.status === 422 ? error.message : ""}</div>`}
      ${preview && mapping && html`<div class="preview">
        <h2>${t("imports.preview")}</h2>
        <p class="muted">${t("imports.preview_hint")} <span data-format>${encodingLabel(preview)}</span></p>
        <${MappingTable} preview=${preview} mapping=${mapping} onChange=${remap} kind=${kind} />
        ${preview.unmapped.length > 0 && html`<p class="muted">${t("imports.ignored", { columns: preview.unmapped.join("、") })}</p>`}
        ${missing.length > 0 && html`<p class="form-error" role="alert">${t("imports.missing", { fields: missing.map((f) => fieldLabel(f, kind)).join("、") })}</p>`}
        <h3>${t("imports.as_imported")}</h3>
        <${Records} preview=${preview} kind=${kind} />
        ${keys && html`<fieldset class="import-mode"><legend>${noun("mode")}</legend>
          <label><input type="radio" name="import-mode" value="create" checked=${mode === "create"} onChange=${() => setMode("create")} /> ${noun("mode_create")}</label>
          <label><input type="radio" name="import-mode" value="upsert" checked=${mode === "upsert"} onChange=${() => setMode("upsert")} /> ${noun("mode_upsert")}</label>
          ${mode === "upsert" && html`<div class="field"><label for="import-match">${noun("match_on")}</label>
            <select id="import-match" value=${matchOn} onChange=${(e) => setMatchOn(e.target.value)}>
              ${keys.map((k) => html`<option value=${k}>${kind === "products" ? label("product_column", k) : t(`imports.match.${k}`)}</option>`)}</select>
            <p class="muted">${t("imports.upsert_hint")}</p></div>`}
        </fieldset>`}
        ${!job && html`<div class="form-actions"><button type="button" class="primary" disabled=${missing.length > 0} onClick=${start}>${t("imports.start")}</button></div>`}
      </div>`}
      ${job && html`<${Progress} job=${job} />`}
      ${job && (job.errors || []).length > 0 && html`<div>
        <table class="list"><thead><tr><th>${t("imports.row")}</th><th>${t("imports.column")}</th><th>${t("imports.message")}</th></tr></thead>
          <tbody>${job.errors.slice(0, 20).map((e) => html`<tr><td>${e.row}</td><td>${e.column || (e.field ? fieldLabel(e.field, kind) : "")}</td><td>${rowError(e)}</td></tr>`)}</tbody></table>
        ${job.error_file && html`<button type="button" onClick=${() => downloadErrors(job).catch(setError)}>${t("imports.download_errors")}</button>`}
      </div>`}
      <${UndoRefusal} error=${refused} />
      ${job && undoable(job) && html`<div class="form-actions">
        <${ActionButton} label=${t("imports.undo")} danger confirm=${noun("undo_confirm")} run=${() => undo(job.id)} done=${noun("undo_started")} /></div>`}
    </div>`;
}

/** The history list's columns (the kind, counts, error file and undo of each import). */
export function historyColumns({ onUndo, onError, showKind = true }) {
  return [
    { key: "created_at", label: t("record.created_at"), main: true, render: (r) => dateTime(r.created_at) },
    { key: "filename", label: t("imports.file_name") },
    ...(showKind ? [{ key: "kind", label: t("imports.kind"), render: (r) => t(`imports.kind.${r.kind || "customers"}`) }] : []),
    { key: "status", label: t("record.status"), render: (r) => html`<${Badge} group="import_status" code=${r.status} />` },
    { key: "created", label: t("imports.created"), num: true, render: (r) => number(r.created) },
    { key: "updated", label: t("imports.updated"), num: true, render: (r) => number(r.updated ?? 0) },
    { key: "duplicates", label: t("imports.duplicates"), num: true, render: (r) => number(r.duplicates) },
    { key: "error_count", label: t("imports.errors"), num: true, render: (r) => number(r.error_count) },
    { key: "actions", label: t("imports.actions"), render: (r) => html`${r.error_file && html`<button type="button" class="link"
        onClick=${() => downloadErrors(r).catch(onError)}>${t("imports.download_errors")}</button>`}
      ${undoable(r) && html`<${ActionButton} label=${t("imports.undo")} danger
        confirm=${has(`imports.undo_confirm.${r.kind}`) ? t(`imports.undo_confirm.${r.kind}`) : t("imports.undo_confirm")}
        run=${() => onUndo(r.id)} done=${has(`imports.undo_started.${r.kind}`) ? t(`imports.undo_started.${r.kind}`) : t("imports.undo_started")} />`}` },
  ];
}
