// Managers' screens: the dashboard (everyone who sells; a manager's first page), the approval
// inbox and the team's activity logs.
const SELLERS = ["sales", "manager", "admin"];
const MANAGERS = ["manager", "admin"];

export default [
  { path: "/dashboard", load: () => import("../pages/dashboard.js"), roles: SELLERS, home: ["manager"],
    nav: { group: "work", key: "nav.dashboard", order: 5 } },
  { path: "/approvals", load: () => import("../pages/approvals.js"), roles: MANAGERS,
    nav: { group: "manage", key: "nav.approvals", order: 10 } },
  { path: "/team/activities", load: () => import("../pages/team-activities.js"), roles: MANAGERS,
    nav: { group: "manage", key: "nav.team_activities", order: 20 } },
];
