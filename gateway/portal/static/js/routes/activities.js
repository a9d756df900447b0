// Activities (visit logs), weekly work plans, out-of-office registrations.
const SELLERS = ["sales", "manager", "admin"];

export default [
  { path: "/activities", load: () => import("../pages/activities.js"), roles: SELLERS,
    nav: { group: "work", key: "nav.activities", order: 20 } },
  { path: "/activities/new", load: () => import("../pages/activity-new.js"), roles: SELLERS,
    quick: { key: "quick.new_activity", order: 10 } },
  { path: "/work-plans", load: () => import("../pages/work-plans.js"), roles: SELLERS,
    nav: { group: "work", key: "nav.work_plans", order: 30 } },
  { path: "/out-of-office", load: () => import("../pages/out-of-office.js"), roles: SELLERS,
    nav: { group: "work", key: "nav.out_of_office", order: 40 } },
];
