// Importing customers from a CSV or Excel file: a preview of the columns recognised and the
// first rows, then the import with a live progress bar, the counts, and the rows in error
// (downloadable as a file).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/admin.js";
import { ListPage } from "../ui/list.js";
import { Badge, PageHeader } from "../ui/page.js";

mergeCatalogues(cat);

const POLL_MS = 700;

function Progress({ job }) {
  const pct = job.total ? Math.round((100 * job.processed) / job.total) : job.status === "done" ? 100 : 0;
  return html`<div class="progress-block">
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}
      aria-label=${t("imports.progress", { processed: job.processed, total: job.total })}>
      <div class="progress-bar" style=${{ width: `${pct}%` }}></div>
    </div>
    <p><${Badge} group="import_status" code=${job.status} /> ${t("imports.progress", { processed: number(job.processed), total: number(job.total) })}
      · ${t("imports.created")} <strong data-count="created">${number(job.created)}</strong>
      · ${t("imports.duplicates")} <strong data-count="duplicates">${number(job.duplicates)}</strong>
      · ${t("imports.errors")} <strong data-count="errors">${number(job.error_count ?? (job.errors || []).length)}</strong></p>
    ${job.message && html`<p class="form-error">${job.message}</p>`}
  </div>`;
}

/** The rows in error as a CSV file (cells that could run as formulas are neutralised). */
export function errorsCsv(errors) {
  const cell = (v) => {
    let text = String(v ?? "");
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `\ufeff${[["row", "message"], ...errors.map((e) => [e.row, e.message])].map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}

function downloadErrors(job) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([errorsCsv(job.errors || [])], { type: "text/csv;charset=utf-8" }));
  link.download = `import-errors-${job.id.slice(0, 8)}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
}

export default function Imports({ query }) {
  const [file, setFile] = useState(null);
  const [preview, setPreview] = useState(null);
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  const [n, setN] = useState(0);
  const form = () => {
    const data = new FormData();
    data.append("file", file);
    return data;
  };
  const choose = async (event) => {
    const picked = event.target.files[0];
    setFile(picked);
    setPreview(null);
    setJob(null);
    setError(null);
    if (!picked) return;
    try {
      const data = new FormData();
      data.append("file", picked);
      setPreview(await api.upload("/imports/customers/preview", data));
    } catch (err) {
      setError(err);
    }
  };
  const start = async () => {
    setError(null);
    try {
      const started = await api.upload("/imports/customers", form());
      setJob({ id: started.id, status: started.status, total: 0, processed: 0, created: 0, duplicates: 0, errors: [] });
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    if (!job || job.status === "done" || job.status === "failed") {
      if (job) setN((x) => x + 1);
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
  const columns = preview ? Object.keys(preview.columns) : [];
  return html`<section>
    <${PageHeader} title=${t("imports.title")} />
    <div class="form">
      <div class="field"><label for="import-file">${t("imports.file")}</label>
        <input id="import-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange=${choose} /></div>
      ${error && html`<div class="form-error" role="alert">${errorText(error)} ${error.message && error.status === 422 ? error.message : ""}</div>`}
      ${preview && html`<div class="preview">
        <h2>${t("imports.preview")}</h2>
        <p class="muted">${t("imports.preview_hint")}</p>
        <div class="table-wrap"><table class="list"><thead><tr><th>${t("imports.row")}</th>
          ${columns.map((c) => html`<th>${label("column", c)}<br /><small class="muted">${preview.columns[c]}</small></th>`)}</tr></thead>
          <tbody>${preview.rows.map((r) => html`<tr><td data-label=${t("imports.row")}>${r.row}</td>
            ${columns.map((c) => html`<td data-label=${label("column", c)}>${r[c]}</td>`)}</tr>`)}</tbody></table></div>
        ${preview.ignored.length > 0 && html`<p class="muted">${t("imports.ignored", { columns: preview.ignored.join("、") })}</p>`}
        ${!job && html`<div class="form-actions"><button type="button" class="primary" onClick=${start}>${t("imports.start")}</button></div>`}
      </div>`}
      ${job && html`<${Progress} job=${job} />`}
      ${job && (job.errors || []).length > 0 && html`<div>
        <table class="list"><thead><tr><th>${t("imports.row")}</th><th>${t("imports.message")}</th></tr></thead>
          <tbody>${job.errors.slice(0, 20).map((e) => html`<tr><td>${e.row}</td><td>${e.message}</td></tr>`)}</tbody></table>
        <button type="button" onClick=${() => downloadErrors(job)}>${t("imports.download_errors")}</button>
      </div>`}
    </div>
    <h2>${t("imports.history")}</h2>
    <${ListPage} headerless listKey="imports" path="/imports" query=${query} refreshKey=${n} columns=${[
      { key: "created_at", label: t("record.created_at"), main: true, render: (r) => dateTime(r.created_at) },
      { key: "filename", label: t("imports.file_name") },
      { key: "status", label: t("record.status"), render: (r) => html`<${Badge} group="import_status" code=${r.status} />` },
      { key: "created", label: t("imports.created"), num: true, render: (r) => number(r.created) },
      { key: "duplicates", label: t("imports.duplicates"), num: true, render: (r) => number(r.duplicates) },
      { key: "error_count", label: t("imports.errors"), num: true, render: (r) => number(r.error_count) },
    ]} />
  </section>`;
}
