// The assignee's queue, "my service orders" (pages/service-orders.js draws it).
import { html } from "../lib.js";
import { Mine } from "./service-orders.js";

export default function MyServiceOrders({ query, user }) {
  return html`<${Mine} query=${query} user=${user} />`;
}
