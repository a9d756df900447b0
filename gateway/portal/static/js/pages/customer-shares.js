// Who else sees the customer (GET /customers/{id}/shares): each colleague with a button to
// stop sharing, and one to share with another (owner, their managers, admins; the API decides).
import { html } from "../lib.js";
import { api } from "../api.js";
import { errorText, t } from "../i18n.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { UserName, userName } from "../names.js";
import { Pending, useApi } from "../ui/page.js";
import { pickUser, shareWith } from "./ownership.js";

export function Shares({ customer, user, changed }) {
  const [list, error, reload] = useApi(`/customers/${customer.id}/shares`, null, [customer.shared_with.join()]);
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  const may = ["sales", "manager", "admin"].includes(user.role) && customer.status !== "deleted";
  const unshare = async (uid) => {
    if (!(await confirmDialog({ message: t("customer.unshare_confirm", { user: userName(uid) }), confirmLabel: t("customer.unshare") }))) return;
    try {
      await api.del(`/customers/${customer.id}/shares/${uid}`);
      toast(t("customer.unshared", { user: userName(uid) }));
      reload();
      changed();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const share = async () => {
    const to = await pickUser({ title: t("customer.share_one", { name: customer.name }), label: t("customer.share_with"),
      exclude: [customer.owner_id, ...list.items.map((s) => s.user_id)], confirmLabel: t("customer.share") });
    if (!to) return;
    try {
      await shareWith(customer.id, to);
      toast(t("customer.shared", { user: userName(to) }));
      reload();
      changed();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return html`<section class="shares" aria-labelledby="shares-title">
    <h2 id="shares-title">${t("customer.shared_with")}</h2>
    ${list.items.length === 0 && html`<p class="muted">${t("customer.not_shared")}</p>`}
    <ul class="chips">${list.items.map((s) => html`<li class="chip"><${UserName} id=${s.user_id} />
      ${may && html`<button type="button" class="link danger" aria-label=${t("customer.unshare_user", { user: userName(s.user_id) })}
        onClick=${() => unshare(s.user_id)}>${t("customer.unshare")}</button>`}</li>`)}</ul>
    ${may && html`<button type="button" onClick=${share}>${t("customer.share")}</button>`}
  </section>`;
}
