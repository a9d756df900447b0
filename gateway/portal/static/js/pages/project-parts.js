// What the project screens and the approval inbox share: the statuses, who may decide an
// application (mirrors the API's rule), and the submit / approve / reject steps with their
// dialogs. Each step answers the saved project, or null when the user cancelled.
import { api, newKey } from "../api.js";
import { label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/projects.js";
import { confirmDialog } from "../ui/feedback.js";

mergeCatalogues(cat);

export const PROJECT_STATUSES = ["draft", "pending_approval", "approved", "rejected"];
export const EDITABLE = ["draft", "rejected"];
export const statusOptions = () => PROJECT_STATUSES.map((s) => [s, label("project_status", s)]);

/** Why the caller may not decide a project's application (null: they may). Four eyes: never
 * its owner or whoever recorded it; a manager only for owners below them; an admin always. */
export function projectRefusal(project, me, teamIds) {
  if (project.owner_id === me.id || project.created_by === me.id) return "project.own";
  if (me.role === "admin") return null;
  if (me.role === "manager" && teamIds.has(project.owner_id)) return null;
  return "project.not_your_team";
}

/** Apply for approval (立项), with an optional note. */
export async function submitProject(project) {
  const note = await confirmDialog({ title: t("project.submit_title"), message: t("project.submit_q", { name: project.name }),
    confirmLabel: t("project.submit"), input: { label: t("project.note"), required: false } });
  if (note === null) return null;
  return api.post(`/projects/${project.id}/submit`, note ? { note } : {}, { key: newKey() });
}

/** Approve or reject an application, with the approver's comment (optional either way). */
export async function decideProject(project, action) {
  const comment = await confirmDialog({
    title: t(action === "approve" ? "project.approve_title" : "project.reject_title"),
    message: `${project.number} ${project.name}`, danger: action === "reject",
    confirmLabel: t(action === "approve" ? "project.approve" : "project.reject"),
    input: { label: t("project.comment"), required: false },
  });
  if (comment === null) return null;
  return api.post(`/projects/${project.id}/${action}`, comment ? { comment } : {}, { key: newKey() });
}
