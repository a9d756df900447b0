// The sales screens: opportunities (list, board by stage, forecast), customer projects (list,
// form, page with its approval), quotes (list, editor, page), orders (list, new, page) and
// products (list, page).
const SELLERS = ["sales", "manager", "admin"];
const READERS = [...SELLERS, "finance", "warehouse"];

export default [
  { path: "/pipeline", load: () => import("../pages/pipeline.js"), roles: SELLERS,
    nav: { group: "sales", key: "nav.pipeline", order: 10 } },
  { path: "/opportunities", load: () => import("../pages/opportunities.js"), roles: SELLERS,
    nav: { group: "sales", key: "nav.opportunities", order: 20 } },
  { path: "/opportunities/new", load: () => import("../pages/opportunity-form.js"), roles: SELLERS,
    quick: { key: "quick.opportunity", order: 30 } },
  { path: "/opportunities/:id/edit", load: () => import("../pages/opportunity-form.js"), roles: SELLERS },
  { path: "/opportunities/:id", load: () => import("../pages/opportunity.js"), roles: SELLERS },
  { path: "/quotes", load: () => import("../pages/quotes.js"), roles: SELLERS,
    nav: { group: "sales", key: "nav.quotes", order: 30 } },
  { path: "/quotes/new", load: () => import("../pages/quote-editor.js"), roles: SELLERS,
    quick: { key: "quick.quote", order: 40 } },
  { path: "/quotes/:id/edit", load: () => import("../pages/quote-editor.js"), roles: SELLERS },
  { path: "/quotes/:id", load: () => import("../pages/quote.js"), roles: SELLERS },
  { path: "/orders", load: () => import("../pages/orders.js"), roles: READERS,
    nav: { group: "sales", key: "nav.orders", order: 40, roles: SELLERS } },
  { path: "/orders/new", load: () => import("../pages/order-form.js"), roles: SELLERS,
    quick: { key: "quick.order", order: 50 } },
  { path: "/orders/:id", load: () => import("../pages/order.js"), roles: READERS },
  { path: "/contracts/new", load: () => import("../pages/contracts.js"), roles: SELLERS },
  { path: "/contracts/:id", load: () => import("../pages/contracts.js"), roles: SELLERS },
  { path: "/contracts", load: () => import("../pages/contracts.js"), roles: SELLERS,
    nav: { group: "sales", key: "nav.contracts", order: 45 } },
  { path: "/projects", load: () => import("../pages/projects.js"), roles: [...SELLERS, "finance"],
    nav: { group: "sales", key: "nav.projects", order: 15, roles: SELLERS } },
  { path: "/projects/new", load: () => import("../pages/project-form.js"), roles: SELLERS },
  { path: "/projects/:id/edit", load: () => import("../pages/project-form.js"), roles: SELLERS },
  { path: "/projects/:id", load: () => import("../pages/project.js"), roles: [...SELLERS, "finance"] },
  { path: "/products", load: () => import("../pages/products.js"), roles: READERS,
    nav: { group: "sales", key: "nav.products", order: 50, roles: SELLERS } },
  { path: "/products/:id", load: () => import("../pages/product.js"), roles: READERS },
];
