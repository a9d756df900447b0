// Toasts and confirm dialogs, shown by the shell (ui/shell.js renders <Feedback/>).
import { html, useEffect, useRef, useState } from "../lib.js";
import { t } from "../i18n.js";

const listeners = new Set();
let state = { toasts: [], dialog: null };
let nextId = 1;

function publish(change) {
  state = { ...state, ...change };
  listeners.forEach((fn) => fn(state));
}

/** A short message at the bottom; kind "ok" or "error". */
export function toast(message, kind = "ok") {
  const id = nextId++;
  publish({ toasts: [...state.toasts, { id, message, kind }] });
  setTimeout(() => publish({ toasts: state.toasts.filter((x) => x.id !== id) }), kind === "error" ? 7000 : 3500);
}

/**
 * Ask before doing something; resolves true (confirmed) or false. With `input`
 * ({label, required, options?: [[value, label]]}) it resolves the text typed (or the
 * option chosen, from a list when options are given), or null when cancelled.
 */
export function confirmDialog({ title, message, confirmLabel, danger = false, input = null }) {
  return new Promise((resolve) => {
    publish({ dialog: { title, message, confirmLabel, danger, input, resolve } });
  });
}

function Dialog({ dialog }) {
  const [text, setText] = useState("");
  const ref = useRef(null);
  useEffect(() => {
    const first = ref.current && ref.current.querySelector("textarea, input, select, button.primary, button.danger");
    if (first) first.focus();
  }, [dialog]);
  const close = (value) => {
    publish({ dialog: null });
    dialog.resolve(value);
  };
  const cancelValue = dialog.input ? null : false;
  const onKey = (event) => {
    if (event.key === "Escape") close(cancelValue);
  };
  const submit = (event) => {
    event.preventDefault();
    if (dialog.input && dialog.input.required && !text.trim()) return;
    close(dialog.input ? text.trim() : true);
  };
  return html`
    <div class="modal-backdrop" onKeyDown=${onKey}>
      <form class="modal" role="dialog" aria-modal="true" aria-labelledby="dialog-title" ref=${ref} onSubmit=${submit}>
        <h2 id="dialog-title">${dialog.title || t("confirm.title")}</h2>
        ${dialog.message && html`<p>${dialog.message}</p>`}
        ${dialog.input && html`
          <label class="field">
            <span>${dialog.input.label}${dialog.input.required && html` <em class="req">*</em>`}</span>
            ${dialog.input.options
              ? html`<select value=${text} onChange=${(e) => setText(e.target.value)} required=${dialog.input.required}>
                  <option value="">${t("form.choose")}</option>
                  ${dialog.input.options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
                </select>`
              : html`<textarea rows="3" value=${text} onInput=${(e) => setText(e.target.value)} required=${dialog.input.required}></textarea>`}
          </label>`}
        <div class="modal-actions">
          <button type="button" onClick=${() => close(cancelValue)}>${t("action.cancel")}</button>
          <button type="submit" class=${dialog.danger ? "danger" : "primary"}>${dialog.confirmLabel || t("action.confirm")}</button>
        </div>
      </form>
    </div>`;
}

export function Feedback() {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    // leaving the page (back button, a link) cancels a question asked on it
    const leave = () => {
      const open = state.dialog;
      if (!open) return;
      publish({ dialog: null });
      open.resolve(open.input ? null : false);
    };
    window.addEventListener("hashchange", leave);
    return () => {
      listeners.delete(setCurrent);
      window.removeEventListener("hashchange", leave);
    };
  }, []);
  return html`
    <div class="toasts" role="status" aria-live="polite">
      ${current.toasts.map((x) => html`<div key=${x.id} class=${`toast ${x.kind}`}>${x.message}</div>`)}
    </div>
    ${current.dialog && html`<${Dialog} dialog=${current.dialog} />`}`;
}
