// Tasks (follow-ups with reminders) and the calendar: everyone may have them (a finance or
// warehouse colleague may be handed a task too).
export default [
  { path: "/tasks", load: () => import("../pages/tasks.js"),
    nav: { group: "work", key: "nav.tasks", order: 5 }, quick: { key: "quick.new_task", order: 5, href: "/tasks?new=1" } },
  { path: "/calendar", load: () => import("../pages/calendar.js"),
    nav: { group: "work", key: "nav.calendar", order: 6 } },
];
