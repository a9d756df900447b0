// The customer page's documents tab: every document of the customer, also those attached to
// its opportunities, quotes, orders and contracts (each shows which record it belongs to).
import { html } from "../lib.js";
import { Documents } from "../ui/documents.js";
import { CUSTOMER_TABS } from "./customer-tabs.js";

const WRITERS = ["sales", "manager", "admin"]; // others may only read (an assignment grant)

CUSTOMER_TABS.push({
  key: "documents", labelKey: "customer.tab.documents",
  render: ({ customer, user, changed }) => {
    const writable = WRITERS.includes(user.role) && customer.status !== "deleted";
    return html`<${Documents} filter=${{ customer_id: customer.id }} target=${{ customer_id: customer.id }} user=${user}
      canUpload=${writable} canChange=${writable} showRelated search idPrefix="customer-doc" onChange=${changed} />`;
  },
});
