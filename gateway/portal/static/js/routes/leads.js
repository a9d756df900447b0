// Leads: the list, a new lead, one lead (edit, disqualify, convert).
const SELLERS = ["sales", "manager", "admin"];

export default [
  { path: "/leads", load: () => import("../pages/leads.js"), roles: SELLERS,
    nav: { group: "customers", key: "nav.leads", order: 20 } },
  { path: "/leads/new", load: () => import("../pages/lead-form.js"), roles: SELLERS,
    quick: { key: "quick.new_lead", order: 30 } },
  { path: "/leads/:id/edit", load: () => import("../pages/lead-form.js"), roles: SELLERS },
  { path: "/leads/:id", load: () => import("../pages/lead.js"), roles: SELLERS },
];
