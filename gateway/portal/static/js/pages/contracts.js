// Contracts: drawn up from an order (one per order), signed, fulfilled; the contract as a PDF
// in the user's language; attachments (the signed scan, drawings) uploaded and downloaded.
import { html, useState } from "../lib.js";
import { api, download, openFile } from "../api.js";
import { date, dateTime, errorText, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/contracts.js";
import { ListPage } from "../ui/list.js";
import { Badge, CustomerLink, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { UserName } from "../names.js";
import { describeOrder } from "./invoices.js";

mergeCatalogues(cat);

function Attachments({ contract }) {
  const [list, error, reload] = useApi(`/contracts/${contract.id}/attachments`, { per_page: 100 });
  const [problem, setProblem] = useState(null);
  const upload = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    setProblem(null);
    try {
      await api.upload(`/contracts/${contract.id}/attachments`, form);
      toast(t("contract.uploaded"));
      reload();
    } catch (err) {
      setProblem(err);
    }
    event.target.value = "";
  };
  return html`<section>
    <h2>${t("contract.attachments")}</h2>
    <div class="field"><label for="contract-file">${t("contract.attach")}</label>
      <input id="contract-file" type="file" onChange=${upload} /></div>
    ${problem && html`<div class="form-error" role="alert">${errorText(problem)}</div>`}
    ${!list ? html`<${Pending} data=${list} error=${error} />` : list.items.length === 0
      ? html`<p class="muted">${t("contract.no_attachments")}</p>`
      : html`<ul class="cards">${list.items.map((a) => html`<li class="card">
          <button type="button" class="link" onClick=${() => download(`/contracts/${contract.id}/attachments/${a.id}`, null, a.filename)
            .catch((err) => toast(errorText(err), "error"))}>${a.filename}</button>
          <div class="muted">${t("contract.file_size")} ${number(Math.ceil(a.size / 1024))} KB · ${dateTime(a.created_at)}</div>
        </li>`)}</ul>`}
  </section>`;
}

function Contract({ id }) {
  const [contract, error, reload] = useApi(`/contracts/${id}`);
  if (!contract) return html`<${Pending} data=${contract} error=${error} />`;
  const status = (target, labelKey) => html`<${ActionButton} label=${t(labelKey)} primary
    run=${() => api.post(`/contracts/${id}/status`, { status: target })} onDone=${reload} />`;
  return html`<section class="record">
    <${PageHeader} title=${`${contract.number} · ${contract.title}`} back="#/contracts"
      status=${html`<${Badge} group="contract_status" code=${contract.status} />`}
      actions=${html`
        ${contract.status === "review" && status("signed", "contract.sign")}
        ${contract.status === "signed" && status("fulfilled", "contract.fulfil")}
        <button type="button" onClick=${() => openFile(`/contracts/${id}/pdf`).catch((e) => toast(errorText(e), "error"))}>${t("contract.pdf")}</button>
        <button type="button" onClick=${() => download(`/contracts/${id}/pdf`, null, `${contract.number}.pdf`).catch((e) => toast(errorText(e), "error"))}>${t("contract.download")}</button>`} />
    <${Details} items=${[
      [t("contract.customer"), html`<${CustomerLink} id=${contract.customer_id} name=${contract.customer_name} />`],
      [t("contract.order"), html`<a href=${`#/orders/${contract.order_id}`}>${contract.order_id.slice(0, 8)}</a>`],
      [t("contract.owner"), html`<${UserName} id=${contract.owner_id} />`],
      [t("contract.created_at"), date(contract.created_at)],
      [t("contract.signed_at"), date(contract.signed_at)],
      [t("contract.fulfilled_at"), date(contract.fulfilled_at)],
    ]} />
    ${contract.terms && html`<h2>${t("contract.terms")}</h2><p class="text">${contract.terms}</p>`}
    <${Attachments} contract=${contract} />
  </section>`;
}

function NewContract({ query }) {
  const fields = [
    { name: "order_id", label: t("contract.order"), type: "record", kind: "orders", required: true, wide: true, describe: describeOrder },
    { name: "title", label: t("contract.title"), maxLength: 300, wide: true },
    { name: "terms", label: t("contract.terms"), type: "textarea", rows: 8, wide: true },
  ];
  return html`<section>
    <${PageHeader} title=${t("contracts.new")} back="#/contracts" />
    <${Form} fields=${fields} initial=${{ order_id: query.order_id || "", title: "", terms: "" }}
      submit=${(body, key) => api.post("/contracts", body, { key })}
      onDone=${(saved) => { toast(t("form.created")); location.hash = `#/contracts/${saved.id}`; }} onCancel=${() => history.back()} />
  </section>`;
}

export default function Contracts({ path, params, query }) {
  if (path === "/contracts/new") return html`<${NewContract} query=${query} />`;
  if (params.id) return html`<${Contract} id=${params.id} />`;
  return html`<${ListPage} listKey="contracts" title=${t("contracts.title")} path="/contracts" query=${query}
    filters=${[{ name: "status", label: t("contract.status"), type: "select",
      options: ["review", "signed", "fulfilled"].map((s) => [s, t(`contract_status.${s}`)]) }]}
    columns=${[
      { key: "number", label: t("contract.number"), main: true },
      { key: "title", label: t("contract.title") },
      { key: "customer", label: t("contract.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} name=${r.customer_name} />` },
      { key: "owner_id", label: t("contract.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "status", label: t("contract.status"), render: (r) => html`<${Badge} group="contract_status" code=${r.status} />` },
      { key: "created_at", label: t("contract.created_at"), render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/contracts/${r.id}`}
    actions=${html`<a class="button primary" href="#/contracts/new">${t("contracts.new")}</a>`} />`;
}
