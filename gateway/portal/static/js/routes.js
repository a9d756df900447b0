// Every screen of the portal, loaded on demand: each area lists its routes in js/routes/.
// A route: {path, load: () => import(page module), roles?: [...], home?: [roles],
// nav?: {group, key, order}}. `roles` limits who may open it (the API still decides what
// they see); nav entries are shown to those roles only, grouped by `group`; `home` makes it
// the first page of those roles.
import core from "./routes/core.js";
import finance from "./routes/finance.js";
import warehouse from "./routes/warehouse.js";
import admin from "./routes/admin.js";
import leads from "./routes/leads.js";
import activities from "./routes/activities.js";
import service from "./routes/service.js";
import sales from "./routes/sales.js";
import manage from "./routes/manage.js";
import tasks from "./routes/tasks.js";
import competitors from "./routes/competitors.js";
import campaigns from "./routes/campaigns.js";

export const ROUTES = [...core, ...tasks, ...sales, ...leads, ...activities, ...service, ...finance, ...warehouse, ...admin, ...manage, ...competitors, ...campaigns];

export const NAV_GROUPS = ["work", "sales", "customers", "service", "finance", "warehouse", "manage", "admin"];

export function allowed(route, role) {
  return !route.roles || route.roles.includes(role);
}

/** Where a role starts (a route that names the role alone among several wins: managers
 * start on the dashboard although they also sell). */
export function homeFor(role) {
  const homes = ROUTES.filter((r) => r.home && r.home.includes(role));
  const home = homes.find((r) => r.home.length === 1) || homes[0];
  return home ? home.path : "/customers";
}
