// What other areas add to the customer page: tabs ({key, labelKey, render(ctx)}, in order)
// and header actions (components taking ctx: {customer, user, changed, bump, query}).
// ctx.changed() reloads the customer and speeds up the timeline after a write.
export const CUSTOMER_TABS = [];
export const CUSTOMER_ACTIONS = [];
