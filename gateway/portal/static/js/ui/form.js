// Forms: every field type the API takes (text, long text, e-mail, phone, number, money,
// percent, date, date-time, choice, yes/no, a user, a customer, a product, custom fields),
// labels on every input, a 422's details shown next to the fields they name, one
// Idempotency-Key per submission (a retried submission creates nothing twice).
import { html, useEffect, useMemo, useRef, useState } from "../lib.js";
import { errorText, fieldErrorText, t } from "../i18n.js";
import { api, newKey } from "../api.js";
import { useUsers } from "../names.js";

let fieldSeq = 0;

/** Values of `fields` from a record (strings for inputs, booleans for yes/no). */
export function initialValues(fields, record = {}) {
  const values = {};
  for (const f of fields) {
    const v = f.custom ? (record.custom_fields || {})[f.custom] : record[f.name];
    if (f.type === "checkbox") values[f.name] = Boolean(v ?? f.default ?? false);
    else if (f.type === "datetime" && v) values[f.name] = toLocalInput(v);
    else values[f.name] = v === null || v === undefined ? (f.default ?? "") : String(v);
  }
  return values;
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The JSON body for the API: empty optional fields left out (or null with `nullable`
 * when editing), numbers as integers, date-times with the browser's offset, custom
 * fields gathered under `custom_fields`.
 */
export function bodyFrom(fields, values, { editing = false, initial = null } = {}) {
  const body = {};
  const custom = {};
  for (const f of fields) {
    if (f.readOnly) continue;
    let v = values[f.name];
    if (editing && initial && v === initial[f.name]) continue; // PATCH sends what changed
    if (f.type === "checkbox") v = Boolean(v);
    else if (v === "" || v === undefined) {
      if (!editing) continue;
      v = null;
    } else if (f.type === "number" || (f.custom && f.customType === "number")) v = Number.isNaN(Number(v)) ? v : Number(v);
    else if (f.type === "integer") v = /^-?\d+$/.test(v) ? Number(v) : v;
    else if (f.type === "datetime") v = new Date(v).toISOString();
    else if (typeof v === "string") v = v.trim();
    if (f.custom) custom[f.custom] = v;
    else body[f.name] = v;
  }
  if (Object.keys(custom).length) body.custom_fields = custom;
  return body;
}

/** Custom field definitions (GET /custom-fields) as form fields. */
export function customFieldSpecs(definitions) {
  return definitions.map((d) => ({
    name: `cf_${d.id}`, custom: d.name, customType: d.type, label: d.name, required: d.required,
    type: { text: "text", number: "number", date: "date", choice: "select" }[d.type] || "text",
    options: d.type === "choice" ? (d.choices || []).map((c) => [c, c]) : undefined,
  }));
}

export function useCustomFields() {
  const [defs, setDefs] = useState(null);
  useEffect(() => {
    let live = true;
    // a moment of "service unavailable" must not hide a required field: ask again a few times
    const load = (attempt) => api.get("/custom-fields", { per_page: 200 }).then((a) => live && setDefs(a.items))
      .catch((err) => {
        if (!live) return;
        if (attempt < 3 && (err.status === 0 || err.status >= 500)) setTimeout(() => load(attempt + 1), 500 * 2 ** attempt);
        else setDefs([]);
      });
    load(0);
    return () => {
      live = false;
    };
  }, []);
  return defs;
}

function UserSelect({ id, value, onInput, required, roles, disabled, emptyLabel }) {
  const users = useUsers();
  const choices = users.filter((u) => u.active !== false && (!roles || !u.role || roles.includes(u.role)));
  return html`<select id=${id} value=${value} onChange=${(e) => onInput(e.target.value)} required=${required} disabled=${disabled}>
    <option value="">${emptyLabel || (required ? t("form.choose") : t("form.none"))}</option>
    ${choices.map((u) => html`<option value=${u.id}>${u.full_name || u.username}</option>`)}
  </select>`;
}

/** Search-as-you-type picker over a list endpoint (customers, products ...). `idKey`: the
 * field that identifies a row (default "id"; e.g. "customer_id" for the receivables list). */
export function RecordPicker({ id, kind, value, onInput, required, label: labelOf, query = {}, disabled, placeholder, idKey = "id" }) {
  const [text, setText] = useState("");
  const [options, setOptions] = useState([]);
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState(null);
  const timer = useRef(null);
  const describe = labelOf || ((r) => r.name || r.number || r.id);
  useEffect(() => {
    if (value && (!chosen || chosen[idKey] !== value)) {
      const one = idKey === "id" ? api.get(`/${kind}/${value}`)
        : api.get(`/${kind}`, { [idKey]: value }).then((a) => a.items[0] || Promise.reject(new Error("gone")));
      one.then((r) => {
        setChosen(r);
        setText(describe(r));
      }).catch(() => {});
    }
    if (!value && chosen) {
      setChosen(null);
      setText("");
    }
  }, [value]);
  const search = (term) => {
    setText(term);
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      try {
        const params = { ...query, per_page: 10 };
        if (term.trim()) params.q = term.trim();
        const answer = await api.get(`/${kind}`, params);
        setOptions(answer.items);
        setOpen(true);
      } catch {
        setOptions([]);
      }
    }, 200);
  };
  const pick = (record) => {
    setChosen(record);
    setText(describe(record));
    setOpen(false);
    onInput(record[idKey], record);
  };
  return html`<div class="picker">
    <input id=${id} type="search" value=${text} autocomplete="off" required=${required && !value} disabled=${disabled}
      placeholder=${placeholder || t("form.search_pick")} role="combobox" aria-expanded=${open}
      onInput=${(e) => { search(e.target.value); if (!e.target.value) onInput("", null); }}
      onFocus=${() => search(text && chosen ? "" : text)}
      onBlur=${() => setTimeout(() => setOpen(false), 200)}
      onKeyDown=${(e) => { if (e.key === "Enter" && open && options[0]) { e.preventDefault(); pick(options[0]); } }} />
    ${open && html`<ul class="picker-options" role="listbox">
      ${options.length === 0 && html`<li class="muted">${t("form.no_match")}</li>`}
      ${options.map((r) => html`<li role="option" onMouseDown=${(e) => { e.preventDefault(); pick(r); }}>${describe(r)}</li>`)}
    </ul>`}
  </div>`;
}

/** One labelled input; `error` is the API's messages for this field. */
export function Field({ field, value, onInput, error }) {
  const id = useMemo(() => `f${++fieldSeq}-${field.name}`, [field.name]);
  const common = { id, name: field.name, required: field.required, disabled: field.readOnly,
    "aria-invalid": error ? "true" : undefined, "aria-describedby": error ? `${id}-err` : undefined };
  let input;
  switch (field.type) {
    case "textarea":
      input = html`<textarea ...${common} rows=${field.rows || 3} value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>`;
      break;
    case "select":
      input = html`<select ...${common} value=${value} onChange=${(e) => onInput(e.target.value)}>
        ${!field.noEmpty && html`<option value="">${field.required ? t("form.choose") : t("form.none")}</option>`}
        ${(field.options || []).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>`;
      break;
    case "checkbox":
      input = html`<input ...${common} type="checkbox" checked=${value} onChange=${(e) => onInput(e.target.checked)} />`;
      break;
    case "user":
      input = html`<${UserSelect} id=${id} value=${value} onInput=${onInput} required=${field.required} roles=${field.roles} disabled=${field.readOnly} emptyLabel=${field.emptyLabel} />`;
      break;
    case "record":
      input = html`<${RecordPicker} id=${id} kind=${field.kind} value=${value} required=${field.required} query=${field.query}
        label=${field.describe} idKey=${field.idKey} disabled=${field.readOnly} onInput=${(v, r) => onInput(v, r)} />`;
      break;
    default: {
      const type = { money: "text", percent: "text", number: "text", integer: "text", datetime: "datetime-local" }[field.type] || field.type || "text";
      const mode = { money: "decimal", percent: "decimal", number: "decimal", integer: "numeric", tel: "tel" }[field.type];
      input = html`<input ...${common} type=${type} inputmode=${mode} value=${value} maxlength=${field.maxLength}
        min=${field.min} max=${field.max} placeholder=${field.placeholder} autocomplete=${field.autocomplete || "off"} onInput=${(e) => onInput(e.target.value)} />`;
    }
  }
  return html`<div class=${`field ${field.type === "checkbox" ? "check" : ""} ${field.wide ? "wide" : ""} ${error ? "has-error" : ""}`}>
    <label for=${id}>${field.label}${field.required && html` <em class="req" title=${t("form.required")}>*</em>`}</label>
    ${input}
    ${field.help && html`<small class="help">${field.help}</small>`}
    ${error && html`<small class="error" id=${`${id}-err`}>${fieldErrorText(error)}</small>`}
  </div>`;
}

/** Map a 422's details onto field names (custom fields come back under custom_fields.<name>). */
export function fieldErrors(fields, error) {
  const found = {};
  if (!error || (error.status !== 422 && error.status !== 400)) return found;
  const details = error.details || {};
  for (const f of fields) {
    if (f.custom) {
      const cf = details.custom_fields;
      const msg = cf && (typeof cf === "object" && !Array.isArray(cf) ? cf[f.custom] : null);
      if (msg) found[f.name] = msg;
    } else if (details[f.name]) found[f.name] = details[f.name];
    else if (f.errorKeys) for (const k of f.errorKeys) if (details[k]) found[f.name] = details[k];
  }
  return found;
}

/**
 * A whole form. submit(body, key, values) does the call and answers the record; onDone(record)
 * follows. onError(error) may answer a node to show instead of the generic message
 * (e.g. a duplicate with its link). `children` render below the fields (custom parts);
 * `hints` ({field name: node}) right under the field they are about.
 */
export function Form({ fields, initial, submit, onDone, onError, submitLabel, onCancel, editing = false, children, onChange, compact, hints }) {
  const start = useMemo(() => initial || initialValues(fields), [initial]);
  const [values, setValues] = useState(start);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [special, setSpecial] = useState(null);
  const key = useRef(newKey());
  useEffect(() => setValues((v) => ({ ...start, ...v })), [fields.length]);
  const latest = useRef(values);
  latest.current = values;
  const set = (name) => (v) => {
    const next = { ...latest.current, [name]: v };
    latest.current = next;
    setValues(next);
    if (onChange) onChange(next, name);
  };
  const errors = fieldErrors(fields, error);
  const unplaced = error && (error.status === 422 || error.status === 400) && Object.keys(errors).length === 0;
  const send = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSpecial(null);
    try {
      const body = bodyFrom(fields, values, { editing, initial: editing ? start : null });
      const result = await submit(body, key.current, values);
      key.current = newKey();
      if (onDone) await onDone(result, values);
    } catch (err) {
      // a refused submission changed nothing: the next one is a new request. Only when the
      // answer may not have arrived (network, 5xx) is the same key sent again.
      if (err.status >= 400 && err.status < 500) key.current = newKey();
      setError(err);
      const node = onError ? onError(err, values) : null;
      if (node) setSpecial(node);
      const firstBad = event.target.querySelector("[aria-invalid=true]");
      if (firstBad) firstBad.focus();
    } finally {
      setBusy(false);
    }
  };
  return html`<form class=${`form ${compact ? "compact" : ""}`} onSubmit=${send} novalidate>
    <div class="fields">
      ${fields.filter((f) => !f.hidden).map((f) => html`<${Field} key=${f.name} field=${f} value=${values[f.name]} onInput=${set(f.name)} error=${errors[f.name]} />
        ${hints && hints[f.name] && html`<div class="field wide field-hint" key=${`${f.name}-hint`}>${hints[f.name]}</div>`}`)}
    </div>
    ${children}
    ${error && html`<div class="form-error" role="alert">${special || (Object.keys(errors).length ? t("form.fix_fields") : errorText(error))}
      ${unplaced && error.details && html` ${fieldErrorText(Object.values(error.details).flat())}`}</div>`}
    <div class="form-actions">
      ${onCancel && html`<button type="button" onClick=${onCancel}>${t("action.cancel")}</button>`}
      <button type="submit" class="primary" disabled=${busy}>${submitLabel || t("action.save")}</button>
    </div>
  </form>`;
}
