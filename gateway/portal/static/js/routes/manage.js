// Managers' screens: the dashboard (everyone who sells; a manager's first page), the approval
// inbox and the team's activity logs.
const SELLERS = ["sales", "manager", "admin"];
const MANAGERS = ["manager", "admin"];

/** The dashboard's page module, with Chart.js fetched beside it: asked for before the nine
 * reports, it does not wait behind them for one of the browser's six connections. */
function dashboard() {
  import("../ui/chart.js").then((m) => m.loadChartJs()).catch(() => {});
  return import("../pages/dashboard.js");
}

export default [
  { path: "/dashboard", load: dashboard, roles: SELLERS, home: ["manager"],
    nav: { group: "work", key: "nav.dashboard", order: 5 } },
  { path: "/approvals", load: () => import("../pages/approvals.js"), roles: MANAGERS,
    nav: { group: "manage", key: "nav.approvals", order: 10 } },
  { path: "/targets", load: () => import("../pages/targets.js"), roles: SELLERS,
    nav: { group: "sales", key: "nav.targets", order: 58 } },
  { path: "/team/activities", load: () => import("../pages/team-activities.js"), roles: MANAGERS,
    nav: { group: "manage", key: "nav.team_activities", order: 20 } },
];
