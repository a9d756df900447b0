// Display labels for the codes the API answers (the codes stay as the API has them).

export const ROLES = {
  admin: "管理员 Admin",
  manager: "经理 Manager",
  sales: "销售 Sales",
  finance: "财务 Finance",
  warehouse: "仓库 Warehouse",
};

export const CUSTOMER_STATUS = {
  active: "活跃 Active",
  lost: "已流失 Lost",
  deleted: "已删除 Deleted",
};

export const ORDER_STATUS = {
  pending_approval: "待审批 Pending approval",
  pending: "待确认 Pending",
  confirmed: "已确认 Confirmed",
  rejected: "已拒绝 Rejected",
  partially_shipped: "部分发货 Partially shipped",
  shipped: "已发货 Shipped",
  cancelled: "已取消 Cancelled",
  closed: "已关闭 Closed",
};

export const PAYMENT_STATUS = {
  unpaid: "未付款 Unpaid",
  partially_paid: "部分付款 Partially paid",
  paid: "已付款 Paid",
};

/** CSS modifier for a status pill. */
export function statusKind(code) {
  if (["active", "confirmed", "shipped", "paid", "closed"].includes(code)) return "ok";
  if (["lost", "rejected", "cancelled", "deleted"].includes(code)) return "bad";
  return "warn";
}
