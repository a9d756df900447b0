// Form building blocks: labelled fields with a slot for their 422 messages, value
// collection, and error display that never throws.

import { clear, errorBox, h } from "./dom.js";

let nextId = 0;

/** A labelled input: field("phone", "电话 Phone", {type: "tel"}); type "select" takes options [[value, text]]. */
export function field(name, labelText, { type = "text", required = false, placeholder = "", options = [], value = "" } = {}) {
  const id = `f-${name}-${++nextId}`;
  let input;
  if (type === "select") {
    input = h("select", { id, name }, options.map(([v, text]) => h("option", { value: v }, text)));
    input.value = value;
  } else if (type === "textarea") {
    input = h("textarea", { id, name, rows: 2, placeholder: placeholder || null, required }, value);
  } else {
    input = h("input", { id, name, type, required, placeholder: placeholder || null, autocomplete: "off" });
    if (type === "checkbox") input.checked = Boolean(value);
    else input.value = value;
  }
  const error = h("p", { class: "field-error", dataset: { errorFor: name }, hidden: true });
  const text = [labelText, required ? h("span", { class: "required", title: "必填 required" }, " *") : null];
  if (type === "checkbox") {
    return h("div", { class: "field field-check" }, h("label", { for: id }, input, " ", text), error);
  }
  return h("div", { class: "field" }, h("label", { for: id }, text), input, error);
}

/** The form's values by name: trimmed strings (empty ones left out) and checkbox booleans. */
export function formValues(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") values[el.name] = el.checked;
    else if (el.value.trim() !== "") values[el.name] = el.value.trim();
  }
  return values;
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const status = form.querySelector(".form-status");
  if (status) clear(status);
}

/**
 * Shows an ApiError on the form: each field of a 422's details next to its input,
 * the message (and details of fields not on the form) in the form's status box.
 * `extra(error)` may add nodes to the status box (a link to a duplicate, say).
 */
export function showError(form, error, extra = () => null) {
  clearErrors(form);
  const unplaced = {};
  const details = error && error.status === 422 && error.details && typeof error.details === "object" ? error.details : {};
  for (const [name, messages] of Object.entries(details)) {
    const slot = form.querySelector(`.field-error[data-error-for="${CSS.escape(name)}"]`);
    if (!slot) {
      unplaced[name] = messages;
      continue;
    }
    slot.textContent = Array.isArray(messages) ? messages.join("；") : String(messages);
    slot.hidden = false;
    const input = form.elements.namedItem(name);
    if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
  }
  // (an Error's message is not enumerable: spell the fields out rather than spread them)
  const shown = error && error.status === 422
    ? { status: error.status, code: error.code, message: error.message, details: unplaced } : error;
  const status = form.querySelector(".form-status");
  const more = extra(error);
  // with an explanation of its own (a link to the duplicate, say) the raw details are noise
  if (status) status.append(errorBox(shown, { withDetails: !more }), more || "");
}

/** Runs `action` with the form's submit button disabled; errors go to showError. */
export async function submitting(form, action, extra) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  clearErrors(form);
  try {
    await action();
  } catch (error) {
    showError(form, error, extra);
  } finally {
    if (button) button.disabled = false;
  }
}

export function formStatus() {
  return h("div", { class: "form-status", "aria-live": "polite" });
}
