// Marketing campaigns (issue 16): sales users read them; managers and admins plan and run them.
const READERS = ["sales", "manager", "admin"];
const EDITORS = ["manager", "admin"];

export default [
  { path: "/campaigns", load: () => import("../pages/campaigns.js"), roles: READERS,
    nav: { group: "sales", key: "nav.campaigns", order: 58 } },
  { path: "/campaigns/new", load: () => import("../pages/campaigns.js"), roles: EDITORS },
  { path: "/campaigns/:id/edit", load: () => import("../pages/campaigns.js"), roles: EDITORS },
  { path: "/campaigns/:id", load: () => import("../pages/campaign.js"), roles: READERS },
];
