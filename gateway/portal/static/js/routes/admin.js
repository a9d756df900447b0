// Administration: users and the hierarchy, custom fields, webhooks, customer imports; and everyone's
// own password.
export default [
  { path: "/admin/users", load: () => import("../pages/admin.js"), roles: ["admin", "manager"], home: ["admin"],
    nav: { group: "admin", key: "nav.users", order: 10, roles: ["admin", "manager"] } },
  { path: "/admin/fields", load: () => import("../pages/admin.js"), roles: ["admin"], nav: { group: "admin", key: "nav.custom_fields", order: 20, roles: ["admin"] } },
  { path: "/admin/webhooks", load: () => import("../pages/webhooks.js"), roles: ["admin"],
    nav: { group: "admin", key: "nav.webhooks", order: 30, roles: ["admin"] } },
  { path: "/admin/webhooks/:id", load: () => import("../pages/webhooks.js"), roles: ["admin"] },
  { path: "/imports", load: () => import("../pages/imports.js"), roles: ["admin", "manager", "sales"],
    nav: { group: "customers", key: "nav.imports", order: 80, roles: ["admin", "manager", "sales"] } },
  { path: "/account/password", load: () => import("../pages/admin.js"), nav: { group: "work", key: "nav.password", order: 99 } },
];
