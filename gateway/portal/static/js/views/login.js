// 登录 Login: username and password; the token stays in this tab's sessionStorage.

import { login } from "../api.js";
import { h } from "../dom.js";
import { field, formStatus, formValues, submitting } from "../forms.js";

function hint(error) {
  if (!error) return null;
  if (error.status === 401) {
    return h("p", { class: "hint" }, "用户名或密码错误。Wrong username or password.");
  }
  if (error.status === 429) {
    const wait = error.headers && error.headers.get("Retry-After");
    const when = wait ? `请 ${wait} 秒后再试 Try again in ${wait} s.` : "请稍后再试 Try again later.";
    return h("p", { class: "hint" }, `登录失败次数过多。Too many failed attempts. ${when}`);
  }
  return null;
}

export function loginView(root, ctx) {
  const form = h("form", { class: "card form login", id: "login-form", novalidate: true },
    h("h1", {}, "登录 Log in"),
    h("p", { class: "muted" }, "CRM 客户关系管理"),
    ctx.query.get("expired") ? h("p", { class: "notice" }, "登录已过期，请重新登录。Your session has ended; please log in again.") : null,
    field("username", "用户名 Username", { required: true }),
    field("password", "密码 Password", { type: "password", required: true }),
    formStatus(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "登录 Log in")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const { username = "" } = formValues(form);
      await login(username, form.elements.namedItem("password").value); // a password is not trimmed
      await ctx.loggedIn();
    }, hint);
  });
  root.append(h("div", { class: "login-wrap" }, form));
  form.elements.namedItem("username").focus();
}
