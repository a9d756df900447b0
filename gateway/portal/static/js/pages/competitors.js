// Competitors: shared reference data every user reads; sales, managers and admins record
// and change them (name, website, strengths, weaknesses). Opportunities name them, and
// the dashboard counts what was lost to each.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/competitors.js";
import { ListPage } from "../ui/list.js";
import { Form } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";

mergeCatalogues(cat);

export const EDITORS = ["sales", "manager", "admin"];

const competitorFields = () => [
  { name: "name", label: t("competitor.name"), required: true, maxLength: 200, wide: true },
  { name: "website", label: t("competitor.website"), type: "url", maxLength: 300, wide: true },
  { name: "strengths", label: t("competitor.strengths"), type: "textarea", maxLength: 5000, wide: true },
  { name: "weaknesses", label: t("competitor.weaknesses"), type: "textarea", maxLength: 5000, wide: true },
];

function CompetitorForm({ id }) {
  const [record, error] = useApi(id ? `/competitors/${id}` : null);
  if (id && !record) return html`<${Pending} data=${record} error=${error} />`;
  const initial = { name: record?.name || "", website: record?.website || "", strengths: record?.strengths || "",
    weaknesses: record?.weaknesses || "" };
  const submit = (body, key) => (id ? api.patch(`/competitors/${id}`, body) : api.post("/competitors", body, { key }));
  const done = () => {
    toast(t(id ? "competitor.saved" : "competitor.created"));
    location.hash = "#/competitors";
  };
  return html`<section>
    <${PageHeader} title=${id ? t("competitor.edit") : t("competitors.new")} back="#/competitors" />
    <${Form} fields=${competitorFields()} initial=${initial} editing=${Boolean(id)} submit=${submit} onDone=${done}
      onCancel=${() => { location.hash = "#/competitors"; }} />
  </section>`;
}

export default function Competitors({ params, query, user, path }) {
  const [n] = useState(0);
  if (path === "/competitors/new") return html`<${CompetitorForm} />`;
  if (params.id) return html`<${CompetitorForm} id=${params.id} />`;
  const editor = EDITORS.includes(user.role);
  const create = editor && html`<a class="button primary" href="#/competitors/new">${t("competitors.new")}</a>`;
  return html`<${ListPage} listKey="competitors" title=${t("competitors.title")} path="/competitors" query=${query}
    refreshKey=${n} searchParam="q" searchPlaceholder=${t("competitors.search")}
    columns=${[
      { key: "name", label: t("competitor.name"), main: true },
      { key: "website", label: t("competitor.website") },
      { key: "strengths", label: t("competitor.strengths") },
      { key: "weaknesses", label: t("competitor.weaknesses") },
    ]}
    rowHref=${editor ? (r) => `#/competitors/${r.id}` : undefined}
    actions=${create} emptyHint=${t("competitors.empty_hint")} emptyAction=${create} />`;
}
