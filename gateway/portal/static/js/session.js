// Who is signed in (set by main.js after /auth/me), for blocks that adapt to the role.
let user = null;

export function setCurrentUser(value) {
  user = value;
}

export function currentUser() {
  return user;
}

/** Roles that open customer pages (finance and warehouse see names on their records only). */
export function seesCustomers() {
  return Boolean(user) && ["sales", "manager", "admin"].includes(user.role);
}
