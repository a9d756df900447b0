// A button that does one API action: asks first when told to (with an optional reason),
// shows the outcome as a toast in words, and tells the page to reload.
import { html, useState } from "../lib.js";
import { errorText, t } from "../i18n.js";
import { confirmDialog, toast } from "./feedback.js";

/**
 * label; run(reason) does the call; confirm: a question, or input: {label, required} to ask
 * for a reason (passed to run); done: the toast's text; onDone(result) afterwards.
 */
export function ActionButton({ label, run, confirm, input, danger = false, done, onDone, primary = false, disabled = false, title }) {
  const [busy, setBusy] = useState(false);
  const act = async () => {
    let reason;
    if (input) {
      reason = await confirmDialog({ title: label, message: confirm, input, danger, confirmLabel: label });
      if (reason === null) return;
    } else if (confirm && !(await confirmDialog({ title: label, message: confirm, danger, confirmLabel: label }))) {
      return;
    }
    setBusy(true);
    try {
      const result = await run(reason);
      toast(done || t("toast.done"));
      if (onDone) onDone(result);
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const cls = danger ? "danger" : primary ? "primary" : "";
  return html`<button type="button" class=${cls} disabled=${busy || disabled} title=${title} onClick=${act}>${label}</button>`;
}
