// The warehouse: orders to ship and shipping, stock and low-stock alerts, goods receipts,
// transfers, stocktaking, purchasing, suppliers and warehouses.
const WAREHOUSE = ["warehouse", "admin"];
const nav = (key, order, roles = WAREHOUSE) => ({ group: "warehouse", key, order, roles });

export default [
  { path: "/warehouse/ship/:orderId", load: () => import("../pages/ship.js"), roles: WAREHOUSE },
  { path: "/warehouse", load: () => import("../pages/ship.js"), roles: WAREHOUSE, home: ["warehouse"], nav: nav("nav.ship_queue", 10) },
  { path: "/stock", load: () => import("../pages/stock.js"), roles: [...WAREHOUSE, "manager", "sales"], nav: nav("nav.stock", 20, [...WAREHOUSE, "manager"]) },
  { path: "/stock/receipts", load: () => import("../pages/stock.js"), roles: WAREHOUSE, nav: nav("nav.receipts", 30) },
  { path: "/stock/transfers", load: () => import("../pages/stock.js"), roles: WAREHOUSE, nav: nav("nav.transfers", 40) },
  { path: "/stock/count", load: () => import("../pages/stock.js"), roles: WAREHOUSE, nav: nav("nav.stocktaking", 50) },
  { path: "/loans", load: () => import("../pages/loans.js"), roles: WAREHOUSE, nav: nav("nav.loans", 55) },
  { path: "/requisitions", load: () => import("../pages/loans.js"), roles: WAREHOUSE, nav: nav("nav.requisitions", 56) },
  { path: "/purchase-orders/:id", load: () => import("../pages/purchase-order.js"), roles: [...WAREHOUSE, "finance"] },
  { path: "/purchase-orders", load: () => import("../pages/purchasing.js"), roles: WAREHOUSE, nav: nav("nav.purchasing", 60) },
  { path: "/purchase-inquiries/:id", load: () => import("../pages/inquiries.js"), roles: [...WAREHOUSE, "finance", "manager"] },
  { path: "/purchase-inquiries", load: () => import("../pages/inquiries.js"), roles: WAREHOUSE, nav: nav("nav.inquiries", 58) },
  { path: "/catalogue", load: () => import("../pages/product-admin.js"), roles: WAREHOUSE, nav: nav("nav.catalogue", 65) },
  { path: "/suppliers", load: () => import("../pages/purchasing.js"), roles: WAREHOUSE, nav: nav("nav.suppliers", 70) },
  { path: "/warehouses", load: () => import("../pages/purchasing.js"), roles: WAREHOUSE, nav: nav("nav.warehouses", 80) },
];
