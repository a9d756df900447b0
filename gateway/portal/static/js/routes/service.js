// Complaints (create with an assignee, reassign, move along open -> in progress -> resolved)
// service and repair orders (board, my queue, intake, the order's page),
// and expense claims (file one for a customer or an order, follow its status).
const SELLERS = ["sales", "manager", "admin"];

export default [
  { path: "/complaints", load: () => import("../pages/complaints.js"),
    nav: { group: "service", key: "nav.complaints", order: 10, roles: [...SELLERS, "finance", "warehouse"] } },
  { path: "/complaints/new", load: () => import("../pages/complaint.js"), roles: SELLERS },
  { path: "/complaints/:id", load: () => import("../pages/complaint.js") },
  { path: "/service-orders", load: () => import("../pages/service-orders.js"),
    nav: { group: "service", key: "nav.service_orders", order: 20 } },
  { path: "/service-orders/mine", load: () => import("../pages/service-queue.js"),
    nav: { group: "service", key: "nav.my_service_orders", order: 30 } },
  { path: "/service-orders/new", load: () => import("../pages/service-order.js"), roles: SELLERS,
    quick: { key: "quick.new_service_order", order: 45 } },
  { path: "/service-orders/:id", load: () => import("../pages/service-order.js") },
  { path: "/expenses", load: () => import("../pages/expenses.js"),
    nav: { group: "work", key: "nav.expenses", order: 50 } },
  { path: "/expenses/new", load: () => import("../pages/expense.js"), quick: { key: "quick.new_expense", order: 40 } },
  { path: "/expenses/:id", load: () => import("../pages/expense.js") },
];
