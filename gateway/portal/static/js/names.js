// Names for ids: the user directory (everyone may read names and ids, API.md) loaded once per
// login, and other records' names fetched by id on demand and kept for the page's life.
import { api } from "./api.js";
import { useEffect, useState } from "./lib.js";
import { t } from "./i18n.js";

let users = null;
let usersLoading = null;
const listeners = new Set();

/** The first page of the directory (200 people: every user of a small company), for names
 * and pickers; anyone beyond it is fetched by id when a name is needed (one page, never more). */
export function loadUsers() {
  if (!usersLoading) {
    usersLoading = api.get("/users", { page: 1, per_page: 200 }).then((answer) => {
      users = answer.items;
      listeners.forEach((fn) => fn(users));
      return users;
    }).catch(() => {
      usersLoading = null;
      return [];
    });
  }
  return usersLoading;
}

const fetchingUsers = new Set();

function fetchUser(id) {
  if (fetchingUsers.has(id)) return;
  fetchingUsers.add(id);
  api.get(`/users/${id}`).then((user) => {
    users = [...(users || []), user];
    listeners.forEach((fn) => fn(users));
  }).catch(() => {});
}

export function forgetNames() {
  users = null;
  usersLoading = null;
  fetchingUsers.clear();
  records.clear();
}

/** Every user the caller may pick (active ones first by name). */
export function useUsers() {
  const [list, setList] = useState(users || []);
  useEffect(() => {
    listeners.add(setList);
    // the directory may have arrived between the first render and now: take it as it is
    loadUsers().then(() => users && setList(users));
    return () => listeners.delete(setList);
  }, []);
  return list;
}

export function userName(id) {
  if (!id) return "";
  const user = (users || []).find((u) => u.id === id);
  if (!user && users) fetchUser(id); // beyond the first page: by id, once
  return user ? user.full_name || user.username : t("user.unknown");
}

/** Re-render when the directory arrives, then show a user's name. */
export function UserName({ id }) {
  useUsers();
  return userName(id);
}

const records = new Map();

/** A record's name by id: kind "customers", "products", "warehouses" ...; cached per page life. */
export function recordName(kind, id, field = "name") {
  if (!id) return Promise.resolve("");
  const key = `${kind}/${id}`;
  if (!records.has(key)) {
    records.set(key, api.get(`/${kind}/${id}`).then((r) => r[field] || r.name || r.number || id).catch(() => null));
  }
  return records.get(key);
}

export function useRecordName(kind, id, field) {
  const [name, setName] = useState("");
  useEffect(() => {
    let live = true;
    recordName(kind, id, field).then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [kind, id]);
  return name;
}

export function RecordName({ kind, id, field, fallback = "" }) {
  const name = useRecordName(kind, id, field);
  return name === null ? fallback : name;
}
