// Documents: upload (file, title, tags), list, download, delete and restore; used by the
// customer page's documents tab, the sales records' pages and the knowledge base.
// filter: the list's query (customer_id / related_type + related_id / scope); target: the
// upload's fields (customer_id / related_type + related_id; none: the knowledge base).
// The API decides who sees and changes what; the page only hides buttons that would be refused.
import { html, useState } from "../lib.js";
import { api, download } from "../api.js";
import { dateTime, errorText, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/documents.js";
import { Empty, Pending, useApi } from "./page.js";
import { confirmDialog, toast } from "./feedback.js";
import { UserName } from "../names.js";

mergeCatalogues(cat);

const MAX_MB = 20; // CRM_DOCUMENT_MAX_BYTES' default: the API answers 413 with the real cap
const PER_PAGE = 100;
const RECORD_PAGES = { opportunity: "opportunities", quote: "quotes", order: "orders", contract: "contracts",
  project: "projects", service_order: "service-orders" };

export function fileSize(bytes) {
  if (bytes < 1024 * 1024) return t("documents.size_kb", { n: number(Math.max(1, Math.ceil(bytes / 1024))) });
  return t("documents.size_mb", { n: (bytes / 1024 / 1024).toFixed(1) });
}

function uploadError(err) {
  if (err && err.code === "payload_too_large" && err.details && err.details.max_bytes) {
    return `${errorText(err)} ${t("documents.limits", { max: Math.floor(err.details.max_bytes / 1024 / 1024) })}`;
  }
  return errorText(err);
}

function UploadForm({ target, onDone, onCancel, idPrefix }) {
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const formEl = event.target;
    const file = formEl.elements.file.files[0];
    if (!file) {
      setProblem(t("documents.choose_file"));
      return;
    }
    const form = new FormData();
    form.append("file", file);
    for (const [k, v] of Object.entries(target)) if (v) form.append(k, v);
    const title = formEl.elements.title.value.trim();
    const tags = formEl.elements.tags.value.trim();
    if (title) form.append("title", title);
    if (tags) form.append("tags", tags);
    setBusy(true);
    setProblem(null);
    try {
      const saved = await api.upload("/documents", form);
      formEl.reset();
      toast(t("documents.uploaded"));
      onDone(saved);
    } catch (err) {
      setProblem(uploadError(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="form compact" onSubmit=${submit} data-testid="document-upload">
    <div class="fields">
      <div class="field wide"><label for=${`${idPrefix}-file`}>${t("documents.file")}<em class="req">*</em></label>
        <input id=${`${idPrefix}-file`} name="file" type="file" /></div>
      <div class="field"><label for=${`${idPrefix}-title`}>${t("documents.title_field")}</label>
        <input id=${`${idPrefix}-title`} name="title" maxLength="300" placeholder=${t("documents.title_help")} /></div>
      <div class="field"><label for=${`${idPrefix}-tags`}>${t("documents.tags")}</label>
        <input id=${`${idPrefix}-tags`} name="tags" maxLength="500" placeholder=${t("documents.tags_help")} /></div>
    </div>
    <p class="muted">${t("documents.limits", { max: MAX_MB })}</p>
    ${problem && html`<div class="form-error" role="alert">${problem}</div>`}
    <div class="form-actions">
      <button type="button" onClick=${onCancel}>${t("action.cancel")}</button>
      <button type="submit" class="primary" disabled=${busy}>${busy ? t("documents.busy") : t("documents.upload")}</button>
    </div>
  </form>`;
}

function EditForm({ doc, onDone, onCancel }) {
  const [problem, setProblem] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const els = event.target.elements;
    const tags = els.tags.value.split(/[,，;；、]+/).map((x) => x.trim()).filter(Boolean);
    try {
      await api.patch(`/documents/${doc.id}`, { title: els.title.value.trim(), tags });
      toast(t("form.saved"));
      onDone();
    } catch (err) {
      setProblem(errorText(err));
    }
  };
  return html`<form class="doc-edit" onSubmit=${submit}>
    <div class="field"><label for=${`doc-title-${doc.id}`}>${t("documents.title_field")}</label>
      <input id=${`doc-title-${doc.id}`} name="title" required maxLength="300" value=${doc.title} /></div>
    <div class="field"><label for=${`doc-tags-${doc.id}`}>${t("documents.tags")}</label>
      <input id=${`doc-tags-${doc.id}`} name="tags" maxLength="500" value=${doc.tags.join("，")} /></div>
    ${problem && html`<div class="form-error" role="alert">${problem}</div>`}
    <div class="card-actions">
      <button type="submit" class="primary">${t("action.save")}</button>
      <button type="button" onClick=${onCancel}>${t("action.cancel")}</button>
    </div>
  </form>`;
}

function DocumentCard({ doc, showRelated, onChange, canChange, onTag }) {
  const deleted = Boolean(doc.deleted_at);
  const [editing, setEditing] = useState(false);
  const get = () => download(`/documents/${doc.id}/content`, null, doc.filename).catch((e) => toast(errorText(e), "error"));
  const remove = async () => {
    if (!(await confirmDialog({ message: t("documents.confirm_delete", { title: doc.title }), danger: true,
      confirmLabel: t("documents.delete") }))) return;
    try {
      await api.del(`/documents/${doc.id}`);
      toast(t("documents.deleted"));
      onChange();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const restore = async () => {
    try {
      await api.post(`/documents/${doc.id}/restore`);
      toast(t("documents.restored"));
      onChange();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const page = doc.related_type && RECORD_PAGES[doc.related_type];
  if (editing) {
    return html`<li class="card document" data-testid="document" data-id=${doc.id}>
      <${EditForm} doc=${doc} onDone=${() => { setEditing(false); onChange(); }} onCancel=${() => setEditing(false)} /></li>`;
  }
  return html`<li class="card document" data-testid="document" data-id=${doc.id}>
    ${deleted ? html`<strong>${doc.title}</strong>`
      : html`<button type="button" class="link doc-title" onClick=${get}>${doc.title}</button>`}
    <div class="muted doc-file">${doc.filename} · ${fileSize(doc.size)}</div>
    ${showRelated && doc.related_type && html`<div class="muted">${t(`documents.related.${doc.related_type}`)}
      ${" "}<a href=${`#/${page}/${doc.related_id}`}>${doc.related_label || t("action.open")}</a></div>`}
    ${(doc.tags.length > 0 || doc.knowledge_base) && html`<ul class="chips doc-tags">
      ${doc.knowledge_base && showRelated && html`<li><span class="badge good">${t("documents.kb_badge")}</span></li>`}
      ${doc.tags.map((tag) => html`<li>${onTag
        ? html`<button type="button" class="badge tag" title=${t("documents.tag_filter")} onClick=${() => onTag(tag)}>${tag}</button>`
        : html`<span class="badge">${tag}</span>`}</li>`)}</ul>`}
    <div class="muted">${t("documents.uploaded_by")} <${UserName} id=${doc.uploaded_by} /> · ${dateTime(doc.created_at)}</div>
    ${deleted && html`<div class="muted">${t("documents.deleted_at", { when: dateTime(doc.deleted_at) })}</div>`}
    <div class="card-actions">
      ${!deleted && html`<button type="button" class="link" onClick=${get}>${t("documents.download")}</button>`}
      ${canChange && !deleted && html`<button type="button" class="link" onClick=${() => setEditing(true)}>${t("action.edit")}</button>`}
      ${canChange && !deleted && html`<button type="button" class="link danger" onClick=${remove}>${t("documents.delete")}</button>`}
      ${canChange && deleted && html`<button type="button" class="link" onClick=${restore}>${t("documents.restore")}</button>`}
    </div>
  </li>`;
}

/** Whether the caller may delete or restore a document: on a customer's, what the page
 * says (canChange); in the knowledge base its uploader, managers and admins (the API checks
 * that the manager is above the uploader). */
function changeable(doc, canChange, user) {
  if (!doc.knowledge_base) return canChange;
  return Boolean(user) && (user.role === "admin" || user.role === "manager" || user.id === doc.uploaded_by);
}

/** The documents of one customer, one record or the knowledge base, with upload and search. */
export function Documents({ filter, target, user, canUpload = true, canChange = true, search = false,
  showRelated = false, idPrefix = "doc", onChange = () => {} }) {
  const [q, setQ] = useState("");
  const [tag, setTag] = useState("");
  const [trash, setTrash] = useState(false);
  const [adding, setAdding] = useState(false);
  const query = { ...filter, per_page: PER_PAGE, ...(q.trim() && { q: q.trim() }), ...(tag.trim() && { tag: tag.trim() }),
    ...(trash && { deleted: "true" }) };
  const [list, error, reload] = useApi("/documents", query);
  const changed = () => {
    reload();
    onChange();
  };
  const uploaded = () => {
    setAdding(false);
    changed();
  };
  const addButton = canUpload && !trash && !adding && html`<button type="button" class="primary" data-testid="document-add"
    onClick=${() => setAdding(true)}>${t("documents.upload")}</button>`;
  const filtered = Boolean(q.trim() || tag.trim());
  return html`<div class="stack documents" data-testid="documents">
    <div class="doc-filters">
      ${search && html`
        <label class="field"><span class="muted">${t("documents.search")}</span>
          <input type="search" value=${q} onInput=${(e) => setQ(e.target.value)} data-testid="documents-search" /></label>
        <label class="field"><span class="muted">${t("documents.tag_filter")}</span>
          <input type="search" value=${tag} onInput=${(e) => setTag(e.target.value)} /></label>`}
      ${(canChange || filter.scope === "knowledge_base") && html`<label class="field check"><span>${t("documents.show_deleted")}</span>
        <input type="checkbox" checked=${trash} onChange=${(e) => setTrash(e.target.checked)} data-testid="documents-trash" /></label>`}
      ${addButton}
    </div>
    ${adding && html`<${UploadForm} target=${target} onDone=${uploaded} onCancel=${() => setAdding(false)} idPrefix=${idPrefix} />`}
    ${!list ? html`<${Pending} data=${list} error=${error} />` : list.items.length === 0
      ? html`<${Empty} text=${trash ? t("documents.empty_deleted") : filtered ? t("documents.no_match") : t("documents.empty")}
          hint=${!trash && !filtered && canUpload ? t("documents.empty_hint") : null} />`
      : html`<ul class="cards">${list.items.map((doc) => html`<${DocumentCard} key=${doc.id} doc=${doc}
          showRelated=${showRelated} canChange=${changeable(doc, canChange, user)} onChange=${changed}
          onTag=${search ? setTag : null} />`)}</ul>
        ${list.total > list.items.length && html`<p class="muted">${t("documents.more", { total: number(list.total), shown: list.items.length })}</p>`}`}
  </div>`;
}
