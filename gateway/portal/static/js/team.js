// "My team": the users below a manager in the hierarchy (subordinates' subordinates too),
// from the user directory (GET /users gives managers and admins each user's manager_id).
// A select of the caller's team for filters and the dashboard's rep picker; the API still
// decides what anyone sees (a manager asking for someone outside the team gets nothing).
import { html } from "./lib.js";
import { t } from "./i18n.js";
import { useUsers } from "./names.js";

const SELLER_ROLES = ["sales", "manager", "admin"];

/** Everyone below managerId, transitively (never managerId itself; cycles stop). */
export function subordinates(users, managerId) {
  const below = new Map();
  for (const u of users) {
    if (!u.manager_id) continue;
    if (!below.has(u.manager_id)) below.set(u.manager_id, []);
    below.get(u.manager_id).push(u);
  }
  const seen = new Set([managerId]);
  const out = [];
  const queue = [managerId];
  while (queue.length) {
    for (const u of below.get(queue.shift()) || []) {
      if (seen.has(u.id)) continue;
      seen.add(u.id);
      out.push(u);
      queue.push(u.id);
    }
  }
  return out;
}

/** Whom the caller may pick as "rep": a manager themself and their team, an admin every
 * seller, anyone else only themself. The caller first, inactive users last, else by name. */
export function teamChoices(users, me) {
  let list;
  if (me.role === "admin") list = users.filter((u) => !u.role || SELLER_ROLES.includes(u.role));
  else if (me.role === "manager") list = [users.find((u) => u.id === me.id) || me, ...subordinates(users, me.id)];
  else list = [users.find((u) => u.id === me.id) || me];
  const name = (u) => u.full_name || u.username || "";
  const rank = (u) => (u.id === me.id ? 0 : u.active === false ? 2 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || name(a).localeCompare(name(b)));
}

/** Whether the caller has a team to pick from (managers and admins). */
export function hasTeam(me) {
  return me.role === "manager" || me.role === "admin";
}

/** A select of the caller's team ("" = everyone the caller sees). */
export function TeamSelect({ id, value, change, user, anyLabel }) {
  const users = useUsers();
  const choices = teamChoices(users, user);
  return html`<select id=${id} value=${value || ""} onChange=${(e) => change(e.target.value)}>
    <option value="">${anyLabel || t("team.everyone")}</option>
    ${choices.map((u) => html`<option value=${u.id}>${u.full_name || u.username}${u.id === user.id ? ` (${t("team.me")})` : ""}${u.active === false ? ` (${t("team.inactive")})` : ""}</option>`)}
  </select>`;
}

/** A ListPage filter over the caller's team (`owner_id` unless named otherwise). */
export function teamFilter(user, name = "owner_id", labelKey = "team.rep") {
  return {
    name, label: t(labelKey), type: "user",
    render: ({ id, value, change }) => html`<${TeamSelect} id=${id} value=${value} change=${change} user=${user} />`,
  };
}
