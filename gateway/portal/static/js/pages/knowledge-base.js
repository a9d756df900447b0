// The shared knowledge base: documents without a customer, seen by every user; search by
// title, file name or tag; anyone may upload; the uploader, a manager above them or an admin
// may delete (the API refuses the others, and says so).
import { html } from "../lib.js";
import { t } from "../i18n.js";
import { PageHeader } from "../ui/page.js";
import { Documents } from "../ui/documents.js";

export default function KnowledgeBase({ user }) {
  return html`<section>
    <${PageHeader} title=${t("kb.title")} />
    <p class="muted">${t("kb.intro")}</p>
    <${Documents} filter=${{ scope: "knowledge_base" }} target=${{}} user=${user} search idPrefix="kb-doc" />
  </section>`;
}
