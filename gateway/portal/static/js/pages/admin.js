// Administration: users (create, role, manager, deactivate/activate, reset a password) with
// the hierarchy shown as a tree; custom fields; and everyone's own password.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/admin.js";
import { ListPage } from "../ui/list.js";
import { PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { UserName, forgetNames, loadUsers } from "../names.js";
import { HandoverButton } from "./handover.js";

mergeCatalogues(cat);

const ROLES = ["sales", "manager", "finance", "warehouse", "admin"];

function userFields(editing) {
  return [
    ...(editing ? [] : [{ name: "username", label: t("user.username"), required: true, maxLength: 150 }]),
    { name: "full_name", label: t("user.full_name"), maxLength: 200 },
    { name: "role", label: t("user.role"), type: "select", required: true, options: ROLES.map((r) => [r, label("role", r)]) },
    { name: "manager_id", label: t("user.manager"), type: "user", roles: ["manager", "admin"], emptyLabel: t("user.no_manager") },
    { name: "region", label: t("user.region"), maxLength: 40 },
    ...(editing ? [] : [{ name: "password", label: t("user.password"), type: "password", required: true, autocomplete: "new-password" }]),
  ];
}

/** The hierarchy as nested lists: each manager with the people under them. */
export function buildTree(users) {
  const byManager = new Map();
  for (const u of users) {
    const key = u.manager_id && users.some((m) => m.id === u.manager_id) ? u.manager_id : null;
    if (!byManager.has(key)) byManager.set(key, []);
    byManager.get(key).push(u);
  }
  const grow = (id, seen) => (byManager.get(id) || []).filter((u) => !seen.has(u.id))
    .map((u) => ({ user: u, children: grow(u.id, new Set([...seen, u.id])) }));
  return grow(null, new Set());
}

function Tree({ nodes }) {
  return html`<ul class="tree">${nodes.map((n) => html`<li>
    <span class=${n.user.active === false ? "muted" : ""}>${n.user.full_name || n.user.username}</span>
    <span class="badge">${label("role", n.user.role)}</span>${n.user.active === false && html` <span class="badge bad">${t("user.inactive")}</span>`}
    ${n.children.length > 0 && html`<${Tree} nodes=${n.children} />`}
  </li>`)}</ul>`;
}

function UserRow({ user, onChange }) {
  const [editing, setEditing] = useState(false);
  const refresh = () => {
    forgetNames();
    loadUsers();
    onChange();
  };
  if (editing) {
    return html`<${Form} compact editing fields=${userFields(true)} initial=${{ full_name: user.full_name || "", role: user.role,
      manager_id: user.manager_id || "", region: user.region || "" }}
      submit=${(body) => api.patch(`/users/${user.id}`, body)} onDone=${() => { setEditing(false); toast(t("form.saved")); refresh(); }}
      onCancel=${() => setEditing(false)} />`;
  }
  return html`<span class="row-actions">
    <button type="button" class="link" onClick=${() => setEditing(true)}>${t("user.edit")}</button>
    <${HandoverButton} user=${user} />
    <${ActionButton} label=${t("user.reset")} input=${{ label: t("user.reset_new"), required: true }} done=${t("user.reset_done")}
      run=${(password) => api.patch(`/users/${user.id}`, { password })} />
    ${user.active !== false
      ? html`<${ActionButton} label=${t("user.deactivate")} danger confirm=${t("user.deactivate_confirm")}
          run=${() => api.post(`/users/${user.id}/deactivate`, {})} onDone=${refresh} />`
      : html`<${ActionButton} label=${t("user.activate")} run=${() => api.post(`/users/${user.id}/activate`, {})} onDone=${refresh} />`}
  </span>`;
}

function Users({ query, user }) {
  const [n, setN] = useState(0);
  const [adding, setAdding] = useState(false);
  const [all, error] = useApi("/users", { per_page: 200 }, [n]);
  const admin = user.role === "admin";
  const list = html`<${ListPage} headerless listKey="users" path="/users" query=${query} refreshKey=${n} searchParam="q"
    filters=${[{ name: "role", label: t("user.role"), type: "select", options: ROLES.map((r) => [r, label("role", r)]) }]}
    columns=${[
      { key: "full_name", label: t("user.full_name"), main: true, render: (r) => r.full_name || r.username },
      { key: "username", label: t("user.username") },
      { key: "role", label: t("user.role"), render: (r) => label("role", r.role) },
      { key: "manager_id", label: t("user.manager"), render: (r) => r.manager_id && html`<${UserName} id=${r.manager_id} />` },
      { key: "active", label: t("user.active"), render: (r) => html`<span class=${`badge ${r.active === false ? "bad" : "good"}`}>
        ${r.active === false ? t("user.inactive") : t("user.is_active")}</span>` },
      { key: "created_at", label: t("record.created_at"), render: (r) => date(r.created_at), default: false },
      ...(admin ? [{ key: "actions", label: "", render: (r) => html`<${UserRow} user=${r} onChange=${() => setN(n + 1)} />` }] : []),
    ]} />`;
  return html`<section>
    <${PageHeader} title=${t("users.title")} actions=${admin && !adding && html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("users.new")}</button>`} />
    ${adding && html`<${Form} fields=${userFields(false)} initial=${{ username: "", full_name: "", role: "sales", manager_id: "", region: "", password: "" }}
      submit=${(body, key) => api.post("/users", body, { key })} onCancel=${() => setAdding(false)}
      onDone=${() => { setAdding(false); toast(t("form.created")); forgetNames(); loadUsers(); setN(n + 1); }} />`}
    <${Tabs} query=${query} tabs=${[
      { key: "list", label: t("users.list"), render: () => list },
      { key: "tree", label: t("users.tree"), render: () => (all ? html`<${Tree} nodes=${buildTree(all.items)} />` : html`<${Pending} data=${all} error=${error} />`) },
    ]} />
  </section>`;
}

function CustomFields({ query }) {
  const [n, setN] = useState(0);
  const [type, setType] = useState("text");
  const fields = [
    { name: "name", label: t("field.name"), required: true, maxLength: 100 },
    { name: "type", label: t("field.type"), type: "select", noEmpty: true, options: ["text", "number", "date", "choice"].map((x) => [x, label("field_type", x)]) },
    { name: "choices", label: t("field.choices"), type: "textarea", hidden: type !== "choice", wide: true },
    { name: "required", label: t("field.required"), type: "checkbox" },
  ];
  const submit = (body, key) => {
    const choices = body.choices ? body.choices.split("\n").map((c) => c.trim()).filter(Boolean) : undefined;
    return api.post("/custom-fields", { ...body, choices: body.type === "choice" ? choices : undefined }, { key });
  };
  return html`<section>
    <${PageHeader} title=${t("fields.title")} />
    <h2>${t("fields.new")}</h2>
    <${Form} compact fields=${fields} initial=${{ name: "", type: "text", choices: "", required: false }}
      onChange=${(v) => setType(v.type)} submit=${submit} onDone=${() => { toast(t("form.created")); setN(n + 1); }} />
    <${ListPage} headerless listKey="custom-fields" path="/custom-fields" query=${query} refreshKey=${n} columns=${[
      { key: "name", label: t("field.name"), main: true },
      { key: "type", label: t("field.type"), render: (r) => label("field_type", r.type) },
      { key: "choices", label: t("field.choices"), render: (r) => (r.choices || []).join("、") },
      { key: "required", label: t("field.required"), render: (r) => (r.required ? t("form.yes") : t("form.no")) },
      { key: "toggle", label: "", render: (r) => html`<${ActionButton} label=${r.required ? t("field.make_optional") : t("field.make_required")}
        run=${() => api.patch(`/custom-fields/${r.id}`, { required: !r.required })} onDone=${() => setN(n + 1)} />` },
    ]} />
  </section>`;
}

function Password() {
  const fields = [
    { name: "old_password", label: t("password.old"), type: "password", required: true, autocomplete: "current-password" },
    { name: "new_password", label: t("password.new"), type: "password", required: true, autocomplete: "new-password" },
  ];
  return html`<section>
    <${PageHeader} title=${t("password.title")} />
    <${Form} fields=${fields} submit=${(body) => api.post("/auth/password", body)} onDone=${() => toast(t("password.done"))} />
  </section>`;
}

export default function Admin({ path, query, user }) {
  if (path === "/admin/fields") return html`<${CustomFields} query=${query} />`;
  if (path === "/account/password") return html`<${Password} />`;
  return html`<${Users} query=${query} user=${user} />`;
}
