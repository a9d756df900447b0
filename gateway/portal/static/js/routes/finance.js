// Finance: receivables and ageing, invoices, payments (any currency), prepayments, rates,
// opening balances, expense claims to pay.
const FINANCE = ["finance", "admin"];
const nav = (key, order, extra = {}) => ({ group: "finance", key, order, roles: FINANCE, ...extra });

export default [
  { path: "/finance", load: () => import("../pages/finance.js"), roles: [...FINANCE, "manager"], home: ["finance"],
    nav: nav("nav.receivables", 10, { roles: [...FINANCE, "manager"] }) },
  { path: "/invoices/new", load: () => import("../pages/invoices.js"), roles: FINANCE },
  { path: "/invoices", load: () => import("../pages/invoices.js"), roles: [...FINANCE, "manager", "sales"], nav: nav("nav.invoices", 20) },
  { path: "/payments/new", load: () => import("../pages/payments.js"), roles: [...FINANCE, "sales", "manager"] },
  { path: "/payments", load: () => import("../pages/payments.js"), roles: [...FINANCE, "manager", "sales"], nav: nav("nav.payments", 30) },
  { path: "/finance/prepayments", load: () => import("../pages/finance-more.js"), roles: FINANCE, nav: nav("nav.prepayments", 40) },
  { path: "/finance/expenses", load: () => import("../pages/finance-more.js"), roles: FINANCE, nav: nav("nav.expenses_to_pay", 50) },
  { path: "/finance/rates", load: () => import("../pages/finance-more.js"), roles: FINANCE, nav: nav("nav.rates", 60) },
  { path: "/finance/opening", load: () => import("../pages/finance-more.js"), roles: FINANCE, nav: nav("nav.opening", 70) },
];
