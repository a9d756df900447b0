// Transfer and share: picking a colleague in a dialog, and the calls (one per customer for
// the list's bulk actions). Used by the customer list and the customer page.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { loadUsers } from "../names.js";
import { confirmDialog } from "../ui/feedback.js";

const SELLER_ROLES = ["sales", "manager", "admin"];

/** Ask for a user (sales, managers, admins; active; not in `exclude`): resolves the id or null. */
export async function pickUser({ title, label, exclude = [], confirmLabel }) {
  const users = await loadUsers();
  const options = users
    .filter((u) => u.active !== false && (!u.role || SELLER_ROLES.includes(u.role)) && !exclude.includes(u.id))
    .map((u) => [u.id, `${u.full_name || u.username}${u.role ? ` · ${t(`role.${u.role}`)}` : ""}`])
    .sort((a, b) => a[1].localeCompare(b[1]));
  return confirmDialog({ title, confirmLabel, input: { label, required: true, options } });
}

/** Run `call(id)` for each id, one after the other; answers how many succeeded, throws the first error after all ran. */
export async function eachId(ids, call) {
  let done = 0;
  let failure = null;
  for (const id of ids) {
    try {
      await call(id);
      done += 1;
    } catch (err) {
      failure = failure || err;
    }
  }
  if (failure) {
    failure.partial = done;
    throw failure;
  }
  return done;
}

export const transferTo = (id, ownerId) => api.post(`/customers/${id}/transfer`, { owner_id: ownerId });
export const shareWith = (id, userId) => api.post(`/customers/${id}/shares`, { user_id: userId });
