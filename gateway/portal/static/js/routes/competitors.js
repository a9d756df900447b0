// Competitors (issue 16): everyone reads the list; sales, managers and admins record them.
const EDITORS = ["sales", "manager", "admin"];

export default [
  { path: "/competitors", load: () => import("../pages/competitors.js"),
    nav: { group: "sales", key: "nav.competitors", order: 55 } },
  { path: "/competitors/new", load: () => import("../pages/competitors.js"), roles: EDITORS },
  { path: "/competitors/:id", load: () => import("../pages/competitors.js"), roles: EDITORS },
];
