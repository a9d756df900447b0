// Possible duplicates (GET /customers/duplicates): pairs of customers the user may change
// with the same name, phone or contact e-mail, the older one first (the one to keep, as a
// suggestion); each pair opens the merge screen.
import { html } from "../lib.js";
import { date, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/merges.js";
import { UserName } from "../names.js";
import { setQuery } from "../router.js";
import { Empty, PageHeader, Pending, useApi } from "../ui/page.js";

mergeCatalogues(cat);
const PER_PAGE = 50;

function Side({ c }) {
  return html`<div class="pair-side"><a href=${`#/customers/${c.id}`}>${c.name}</a>
    <div class="muted">${c.phone || ""} · <${UserName} id=${c.owner_id} /> · ${date(c.created_at)}</div></div>`;
}

export default function Duplicates({ query }) {
  const page = Number(query.page) > 0 ? Number(query.page) : 1;
  const one = query.customer_id || "";
  const [data, error] = useApi("/customers/duplicates", { page, per_page: PER_PAGE, ...(one ? { customer_id: one } : {}) });
  const header = html`<${PageHeader} title=${t("duplicates.title")} subtitle=${t("duplicates.hint")}
    actions=${one && html`<span class="muted">${t("duplicates.of_one")}</span>
      <button type="button" class="link" onClick=${() => setQuery({ customer_id: "", page: "" })}>${t("duplicates.show_all")}</button>`} />`;
  if (!data) return html`${header}<${Pending} data=${data} error=${error} />`;
  if (data.items.length === 0) return html`${header}<${Empty} text=${t("duplicates.empty")} />`;
  const pages = Math.ceil(data.total / PER_PAGE);
  return html`${header}
    <div class="table-wrap"><table class="list duplicates">
      <thead><tr><th>${t("duplicates.keep")}</th><th>${t("duplicates.duplicate")}</th><th>${t("duplicates.why")}</th><th></th></tr></thead>
      <tbody>${data.items.map((p) => html`<tr data-pair=${`${p.customer.id}:${p.duplicate.id}`}>
        <td data-label=${t("duplicates.keep")}><${Side} c=${p.customer} /></td>
        <td data-label=${t("duplicates.duplicate")}><${Side} c=${p.duplicate} /></td>
        <td data-label=${t("duplicates.why")}>${p.reasons.map((r) => t(`duplicates.reason.${r}`)).join("、")}</td>
        <td><a class="button" href=${`#/customers/merge?keep=${p.customer.id}&duplicate=${p.duplicate.id}`}>${t("duplicates.compare")}</a></td>
      </tr>`)}</tbody>
    </table></div>
    ${pages > 1 && html`<nav class="pager">
      <button type="button" disabled=${page <= 1} onClick=${() => setQuery({ page: String(page - 1) })}>${t("duplicates.prev")}</button>
      <span>${page} / ${pages}</span>
      <button type="button" disabled=${page >= pages} onClick=${() => setQuery({ page: String(page + 1) })}>${t("duplicates.next")}</button>
    </nav>`}`;
}
