// Merging two customers (#/customers/merge?keep=&duplicate=): both values side by side for
// every field (GET /customers/{keep}/merge-preview), a choice per field where they differ,
// what moves, a confirmation, then POST /customers/{keep}/merge; after the merge an undo
// button (POST /merges/{id}/undo), which says in words why when it cannot be undone.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/merges.js";
import { navigate } from "../router.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";

mergeCatalogues(cat);

function shown(field, value) {
  if (value === null || value === undefined || value === "") return html`<span class="muted">${t("merge.empty")}</span>`;
  if (field === "custom_fields") {
    const entries = Object.entries(value);
    return entries.length ? entries.map(([k, v]) => `${k}: ${v}`).join("; ") : html`<span class="muted">${t("merge.empty")}</span>`;
  }
  return String(value);
}

export function refusalText(err) {
  const reason = err && err.details && err.details.reason;
  if (err && err.code === "merge_depended_on" && reason) {
    const fields = (err.details.fields || []).map((f) => t(`merge.field.${f}`)).join("、");
    return t(`merge.refused.${reason}`, { fields });
  }
  return errorText(err);
}

function Done({ result, preview }) {
  const [undone, setUndone] = useState(null);
  const [busy, setBusy] = useState(false);
  const undo = async () => {
    setBusy(true);
    try {
      setUndone(await api.post(`/merges/${result.merge_id}/undo`));
      toast(t("merge.undone"));
    } catch (err) {
      toast(refusalText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const names = { keep: preview.customer.name, duplicate: preview.duplicate.name };
  if (undone) {
    return html`<div class="merge-done" role="status"><p>${t("merge.undone")}</p>
      <a class="button" href=${`#/customers/${undone.customer.id}`}>${t("merge.open_keep")}</a>
      <a class="button" href=${`#/customers/${undone.duplicate.id}`}>${t("merge.open_duplicate")}</a></div>`;
  }
  return html`<div class="merge-done" role="status"><p>${t("merge.done", names)}</p>
    <a class="button primary" href=${`#/customers/${result.customer.id}`}>${t("merge.open_keep")}</a>
    <button type="button" class="undo-merge" disabled=${busy} onClick=${undo}>${t("merge.undo")}</button></div>`;
}

export default function Merge({ query }) {
  const keep = query.keep;
  const duplicate = query.duplicate;
  const [preview, error] = useApi(keep && duplicate ? `/customers/${keep}/merge-preview` : null, { duplicate_id: duplicate });
  const [choices, setChoices] = useState({});
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { setChoices({}); setResult(null); }, [keep, duplicate]);
  const header = html`<${PageHeader} title=${t("merge.title")} back="#/customers/duplicates" />`;
  if (!preview) return html`${header}<${Pending} data=${preview} error=${error} />`;
  const names = { keep: preview.customer.name, duplicate: preview.duplicate.name };
  if (result) return html`${header}<${Done} result=${result} preview=${preview} />`;
  const side = (f) => choices[f.field] || f.default;
  const records = Object.entries(preview.records).filter(([, n]) => n > 0);
  const submit = async () => {
    if (!(await confirmDialog({ title: t("merge.title"), message: t("merge.confirm_message", names), confirmLabel: t("merge.confirm"), danger: true }))) return;
    setBusy(true);
    try {
      const fields = Object.fromEntries(preview.fields.map((f) => [f.field, side(f)]));
      setResult(await api.post(`/customers/${keep}/merge`, { duplicate_id: duplicate, fields }));
      toast(t("merge.done", names));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  return html`${header}
    <p>${t("merge.intro", names)}</p>
    <button type="button" class="link" onClick=${() => navigate("/customers/merge", { keep: duplicate, duplicate: keep })}>${t("merge.swap")}</button>
    <div class="table-wrap"><table class="list merge-fields">
      <thead><tr><th>${t("merge.field")}</th><th>${t("merge.keep_value", { name: names.keep })}</th>
        <th>${t("merge.duplicate_value", { name: names.duplicate })}</th></tr></thead>
      <tbody>${preview.fields.map((f) => html`<tr class=${f.conflict ? "conflict" : ""} data-field=${f.field}>
        <th scope="row">${t(`merge.field.${f.field}`)}${f.conflict && html`<div class="muted">${t("merge.conflict")}</div>`}</th>
        ${["keep", "duplicate"].map((s) => html`<td data-label=${t(s === "keep" ? "duplicates.keep" : "duplicates.duplicate")}><label>
          <input type="radio" name=${`pick-${f.field}`} value=${s} checked=${side(f) === s}
            onChange=${() => setChoices({ ...choices, [f.field]: s })} /> ${shown(f.field, f[s])}</label></td>`)}
      </tr>`)}</tbody>
    </table></div>
    <h2>${t("merge.records")}</h2>
    ${records.length
      ? html`<ul>${records.map(([table, n]) => html`<li>${t("merge.records_line", { n, what: t(`merge.table.${table}`) })}</li>`)}</ul>`
      : html`<p class="muted">${t("merge.records_none")}</p>`}
    <div class="form-actions"><button type="button" class="primary" disabled=${busy} onClick=${submit}>${t("merge.confirm")}</button></div>`;
}
