// The rep's core screens: customers, their page, contacts, the knowledge base, notifications.
const SELLERS = ["sales", "manager", "admin"];

export default [
  { path: "/customers", load: () => import("../pages/customers.js"), roles: [...SELLERS, "finance"],
    home: SELLERS, nav: { group: "customers", key: "nav.customers", order: 10, roles: SELLERS } },
  { path: "/customers/new", load: () => import("../pages/customer-form.js"), roles: SELLERS,
    quick: { key: "quick.new_customer", order: 20 } },
  { path: "/customers/duplicates", load: () => import("../pages/duplicates.js"), roles: SELLERS,
    nav: { group: "customers", key: "nav.duplicates", order: 15, roles: SELLERS } },
  { path: "/customers/merge", load: () => import("../pages/merge.js"), roles: SELLERS },
  { path: "/customers/:id/edit", load: () => import("../pages/customer-form.js"), roles: SELLERS },
  { path: "/customers/:id", load: () => import("../pages/customer.js") },
  { path: "/knowledge-base", load: () => import("../pages/knowledge-base.js"),
    nav: { group: "work", key: "nav.knowledge_base", order: 80 } },
  { path: "/notifications", load: () => import("../pages/notifications.js"),
    nav: { group: "work", key: "nav.notifications", order: 90 } },
];
