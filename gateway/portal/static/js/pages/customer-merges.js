// The customer page's merge actions: find possible duplicates of this customer, and undo a
// merge that went into it (GET /merges?customer_id=, POST /merges/{id}/undo), saying in words
// why when something newer depends on the merge.
import { html } from "../lib.js";
import { api } from "../api.js";
import { mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/merges.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { useApi } from "../ui/page.js";
import { CUSTOMER_ACTIONS } from "./customer-tabs.js";
import { refusalText } from "./merge.js";

mergeCatalogues(cat);

function MergeActions({ customer, user, changed, bump }) {
  const seller = ["sales", "manager", "admin"].includes(user.role);
  const [list, , reload] = useApi(seller ? "/merges" : null, { customer_id: customer.id }, [bump]);
  if (!seller || customer.status === "deleted") return null;
  const active = ((list && list.items) || []).filter((m) => m.status === "merged" && m.survivor_id === customer.id);
  const undo = async (m) => {
    const name = m.duplicate_name || "";
    if (!(await confirmDialog({ title: t("merge.undo"), message: t("merge.undo_confirm", { name }), confirmLabel: t("merge.undo") }))) return;
    try {
      await api.post(`/merges/${m.id}/undo`);
      toast(t("merge.undone"));
      reload();
      changed();
    } catch (err) {
      toast(refusalText(err), "error");
    }
  };
  return html`<a class="button find-duplicates" href=${`#/customers/duplicates?customer_id=${customer.id}`}>${t("merge.find_duplicates")}</a>
    ${active.map((m) => html`<button type="button" class="undo-merge" onClick=${() => undo(m)}>${t("merge.undo_named", { name: m.duplicate_name || "" })}</button>`)}`;
}

CUSTOMER_ACTIONS.push(MergeActions);
