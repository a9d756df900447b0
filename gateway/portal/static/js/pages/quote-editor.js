// The quote editor: a new quote (customer, opportunity, validity, lines) or a draft's
// changes (PATCH /quotes/{id}; a sent quote cannot change: copy it instead). Totals are
// the server's (POST /quotes/preview) while typing, and again when saved.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { errorText, label, t } from "../i18n.js";
import { Field, RecordPicker } from "../ui/form.js";
import { Empty, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { describeCustomer, isoDay } from "./sales-common.js";
import { LinesEditor, apiLines, lineFrom, newLine } from "./sales-lines.js";

function OpportunitySelect({ id, customerId, value, onInput }) {
  const [list] = useApi(customerId ? "/opportunities" : null, { customer_id: customerId, per_page: 100, sort: "-updated_at" });
  const items = list ? list.items : [];
  return html`<select id=${id} value=${value || ""} onChange=${(e) => onInput(e.target.value)} disabled=${!customerId}>
    <option value="">${t("form.none")}</option>
    ${items.map((o) => html`<option value=${o.id}>${o.name} · ${label("stage", o.stage)}</option>`)}
  </select>`;
}

function Editor({ quote, query }) {
  const editing = Boolean(quote);
  const [customerId, setCustomerId] = useState(quote ? quote.customer_id : query.customer_id || "");
  const [opportunityId, setOpportunityId] = useState(quote ? quote.opportunity_id || "" : query.opportunity_id || "");
  const [validUntil, setValidUntil] = useState(quote ? quote.valid_until : isoDay(30));
  const [lines, setLines] = useState(quote ? quote.lines.map(lineFrom) : [newLine()]);
  const [terms, setTerms] = useState(quote ? quote.terms || "" : "");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const prefilled = useRef(false);
  // ?product_id= (from a product's page): the first line starts with it and its price
  useEffect(() => {
    if (editing || prefilled.current || !query.product_id || !customerId) return;
    prefilled.current = true;
    api.get("/prices/last", { customer_id: customerId, product_id: query.product_id })
      .then((p) => setLines([newLine({ product_id: query.product_id, unit_price: p.unit_price, source: p.source })]))
      .catch(() => setLines([newLine({ product_id: query.product_id })]));
  }, [customerId]);
  const details = (error && error.details) || {};
  const save = async (event) => {
    event.preventDefault();
    const { body } = apiLines(lines);
    if (body.length === 0) {
      setError({ status: 422, code: "validation_failed", details: { lines: [t("quote.need_lines")] }, local: true });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      let saved;
      if (editing) {
        const changes = { lines: body };
        if (validUntil !== quote.valid_until) changes.valid_until = validUntil;
        if ((opportunityId || null) !== (quote.opportunity_id || null)) changes.opportunity_id = opportunityId || null;
        if (terms.trim() !== (quote.terms || "")) changes.terms = terms.trim() || null;
        saved = await api.patch(`/quotes/${quote.id}`, changes);
      } else {
        saved = await api.post("/quotes", { customer_id: customerId, opportunity_id: opportunityId || null,
          valid_until: validUntil, lines: body, terms: terms.trim() || null }, { key: key.current });
        key.current = newKey();
      }
      toast(t("quote.saved"));
      location.hash = `#/quotes/${saved.id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (name) => details[name];
  const linesMessage = Array.isArray(details.lines) ? details.lines : null;
  return html`<form class="form lines-form quote-editor" onSubmit=${save} novalidate>
    <div class="fields">
      <div class=${`field ${fieldError("customer_id") ? "has-error" : ""}`}>
        <label for="q-customer">${t("quote.customer")} <em class="req">*</em></label>
        <${RecordPicker} id="q-customer" kind="customers" value=${customerId} label=${describeCustomer} required disabled=${editing}
          onInput=${(v) => { setCustomerId(v || ""); setOpportunityId(""); }} />
        ${fieldError("customer_id") && html`<small class="error">${errorText({ status: 422, code: "validation_failed" })}</small>`}
      </div>
      <div class="field">
        <label for="q-opp">${t("quote.opportunity")}</label>
        <${OpportunitySelect} id="q-opp" customerId=${customerId} value=${opportunityId} onInput=${setOpportunityId} />
      </div>
      <${Field} field=${{ name: "valid_until", type: "date", label: t("quote.valid_until"), required: true, help: t("quote.valid_hint") }}
        value=${validUntil} onInput=${setValidUntil} error=${fieldError("valid_until")} />
    </div>
    <h2>${t("quote.lines")}</h2>
    <${LinesEditor} customerId=${customerId} lines=${lines} setLines=${setLines} saveError=${error} />
    ${linesMessage && html`<div class="form-error" role="alert">${linesMessage.join(" ")}</div>`}
    <div class="fields">
      <${Field} field=${{ name: "terms", type: "textarea", rows: 4, wide: true, maxLength: 5000, label: t("quote.terms"),
        help: t("quote.terms_hint") }} value=${terms} onInput=${setTerms} error=${fieldError("terms")} />
    </div>
    ${error && !error.local && !linesMessage && html`<div class="form-error" role="alert">${errorText(error)}</div>`}
    <div class="form-actions">
      <a class="button" href=${editing ? `#/quotes/${quote.id}` : "#/quotes"}>${t("action.cancel")}</a>
      <button type="submit" class="primary" data-testid="quote-save" disabled=${busy || !customerId}>${t("quote.save_draft")}</button>
    </div>
  </form>`;
}

export default function QuoteEditorPage({ params, query }) {
  const [quote, error] = useApi(params.id ? `/quotes/${params.id}` : null);
  if (params.id && !quote) return html`<${Pending} data=${quote} error=${error} />`;
  const title = quote ? `${t("quote.edit")} ${quote.number}` : t("quote.new");
  return html`<section>
    <${PageHeader} title=${title} back=${quote ? `#/quotes/${quote.id}` : "#/quotes"} />
    ${quote && quote.status !== "draft"
      ? html`<${Empty} text=${t("quote.not_editable")} action=${html`<a class="button" href=${`#/quotes/${quote.id}`}>${t("action.back")}</a>`} />`
      : html`<${Editor} quote=${quote} query=${query} />`}
  </section>`;
}
