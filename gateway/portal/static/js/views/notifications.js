// 通知 Notifications: the caller's, unread first; mark one or all as read.

import { get, post } from "../api.js";
import { errorBox, formatTime, h, loading } from "../dom.js";
import { intParam, pager } from "../table.js";

/** The unread count for the header badge (null when it cannot be read). */
export async function unreadCount() {
  const answer = await get("/notifications", { unread: "true", per_page: 1 });
  return typeof answer.unread === "number" ? answer.unread : answer.total;
}

function item(n, onRead) {
  const read = h("button", { type: "button", class: "small", onclick: () => onRead(n) }, "标为已读 Mark read");
  return h("li", { class: `note ${n.read ? "read" : "unread"}` },
    h("div", { class: "note-text" }, n.message_zh || n.message || n.kind),
    h("div", { class: "note-meta muted" },
      formatTime(n.created_at),
      n.customer_id ? [" · ", h("a", { href: `#/customers/${n.customer_id}` }, "查看客户 Open customer")] : ""),
    n.read ? null : read);
}

export async function notificationList(root, ctx) {
  const page = intParam(ctx.query.get("page"), 1);
  const status = h("div", {});
  const body = h("section", { class: "card" }, loading());
  const act = async (call) => {
    try {
      await call();
      ctx.refreshBadge();
      ctx.reload();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  };
  root.append(
    h("div", { class: "page-head" },
      h("h1", {}, "通知 Notifications"),
      h("button", { type: "button", class: "push", onclick: () => act(() => post("/notifications/read-all", {})) }, "全部已读 Mark all read")),
    status, body);
  try {
    const answer = await get("/notifications", { page, per_page: 50 });
    if (!ctx.alive()) return;
    const onRead = (n) => act(() => post(`/notifications/${encodeURIComponent(n.id)}/read`, {}));
    body.replaceChildren(
      answer.items.length
        ? h("ul", { class: "notes" }, answer.items.map((n) => item(n, onRead)))
        : h("p", { class: "muted" }, "暂无通知 No notifications"),
      pager(answer, (p) => ctx.navigate("notifications", { page: p })));
  } catch (error) {
    body.replaceChildren(errorBox(error));
  }
}
