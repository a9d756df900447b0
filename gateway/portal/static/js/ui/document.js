// A stock document form: a few header fields and line items, one submission. Used for goods
// receipts, transfers, purchase orders, requisitions.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { Form } from "./form.js";
import { LinesEditor, emptyLine, linesBody } from "./lines.js";

export function DocumentForm({ fields, path, extra = [], onDone, onCancel, submitLabel, more = {}, children }) {
  const [lines, setLines] = useState([emptyLine(extra)]);
  const [lineErrors, setLineErrors] = useState(null);
  const submit = async (body, key) => {
    setLineErrors(null);
    try {
      return await api.post(path, { ...body, ...more, lines: linesBody(lines, extra) }, { key });
    } catch (err) {
      if (err.details && err.details.lines) setLineErrors(err.details.lines);
      throw err;
    }
  };
  return html`<${Form} fields=${fields} submit=${submit} submitLabel=${submitLabel || t("action.save")}
    onDone=${(result) => { setLines([emptyLine(extra)]); onDone(result); }} onCancel=${onCancel}>
    ${children}
    <${LinesEditor} lines=${lines} onChange=${setLines} extra=${extra} errors=${lineErrors} />
  </${Form}>`;
}

export const warehouseField = (name, labelText, required = true) => ({
  name, label: labelText, type: "record", kind: "warehouses", required, describe: (w) => `${w.code} · ${w.name}`,
});
