"""/quotes: create, list, read, copy, status, convert to an order, PDF, send by email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.sales import ordering, project_store
from services.sales import quote_store as store
from services.sales.api import answers as out
from services.sales.api.common import (
    config,
    customer_name_match,
    like_pattern,
    lines_field,
    require_customer,
    search_arg,
    sort_arg,
    today,
    writer,
)
from services.sales.api.orders import OrderExtras
from services.sales.documents import language, quote_pdf
from services.sales.domain import quote_approval as approval
from services.sales.domain import quotes as rules
from services.sales.mailer import MailFailed, send_pdf
from services.sales.models import opportunities, quotes
from services.sales.orders_store import view as order_view
from services.sales.pricing import price_fees, price_lines, stock_warnings
from shared.errors import Conflict, DependencyDown, NotFound, ValidationFailed
from shared.fields import Date, SingleLine, uuid_field
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.visibility import can_see_customer, customer_filter
from shared.web import count_and_page, load, page_args, page_response, path_id, principal, uuid_arg

bp = Blueprint("quotes", __name__)


TERMS_MAX = 5000


class QuoteCreate(Schema):
    customer_id = uuid_field(required=True)
    opportunity_id = uuid_field(load_default=None, allow_none=True)
    valid_until = Date(required=True)
    lines = lines_field(required=True)
    terms = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TERMS_MAX))


class QuotePreview(Schema):
    customer_id = uuid_field(required=True)
    lines = lines_field(required=True)


class QuotePatch(Schema):
    valid_until = Date()
    opportunity_id = uuid_field(allow_none=True)
    lines = lines_field()
    terms = fields.String(allow_none=True, validate=validate.Length(max=TERMS_MAX))


class QuoteStatusChange(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("sent", "accepted", "rejected")))


class CopyBody(Schema):
    valid_until = Date(load_default=None, allow_none=True)


class SendBody(Schema):
    to = fields.List(fields.Email(), required=True, validate=validate.Length(min=1, max=20))
    cc = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=20))
    subject = SingleLine(max_len=200, load_default=None, allow_none=True)  # no CR/LF: no header injection
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


def customer_name(conn: Connection, customer_id: str) -> str:
    name = conn.execute(sa.text("SELECT name FROM acl_customers WHERE customer_id = :c"),
                        {"c": customer_id}).scalar()
    return name or customer_id


def _visible(conn: Connection, p: Principal, quote_id: str, *, lock: bool = False, read: bool = False) -> dict[str, Any]:
    """The quote, 404 when the caller may not see its customer (read=True: an assignment
    grant's read access counts)."""
    quote = store.load(conn, path_id(quote_id, "quote"), lock=lock)
    if quote is None or not can_see_customer(conn, p, quote["customer_id"], "sales", read=read):
        raise NotFound("quote not found")
    return quote


def _with_warnings(conn: Connection, quote: dict[str, Any]) -> dict[str, Any]:
    return {**store.view(quote, today()), "warnings": stock_warnings(conn, quote["lines"])}


def _needs_approval(conn: Connection, lines: list[dict[str, Any]]) -> bool:
    return ordering.discount_needs_approval(conn, lines, config().approval_discount_pct)


def _check_may_go_out(quote: dict[str, Any]) -> None:
    """409 quote_needs_approval while a quote discounted past the threshold is not approved."""
    if not approval.may_go_out(quote["needs_approval"], quote["approval_status"]):
        raise Conflict("a manager must approve this quote's discount before it goes out",
                       code="quote_needs_approval", details={"approval_status": quote["approval_status"]})


@bp.post("/quotes")
@api_doc(response=out.Quote, body=QuoteCreate, status=201, summary="Create a quote with per-line and total net/tax/gross and stock warnings", tags=["sales"])
def create():
    p = writer()
    body = load(QuoteCreate())
    if body["valid_until"] < today():
        raise ValidationFailed("the quote would be expired", details={"valid_until": ["must not be in the past"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        require_customer(conn, p, body["customer_id"])
        _check_opportunity(conn, body["opportunity_id"], body["customer_id"])
        lines = price_lines(conn, body["customer_id"], body["lines"], default_tax_rate=config().default_tax_rate)
        quote = store.insert(conn, request_emitter(conn), customer_id=body["customer_id"], owner_id=p.user_id,
                             opportunity_id=body["opportunity_id"], valid_until=body["valid_until"],
                             lines=lines, today=today(), needs_approval=_needs_approval(conn, lines),
                             terms=(body["terms"] or "").strip() or None)
        out = _with_warnings(conn, quote)
    return jsonify(out), 201


@bp.post("/quotes/preview")
@api_doc(body=QuotePreview, response=out.QuotePricing, summary="Price lines as a quote would (per-line and total net/tax/gross, default unit "
         "prices, stock warnings) without saving anything", tags=["sales"])
def preview():
    p = writer()
    body = load(QuotePreview())
    with service_context().engine.connect() as conn:
        require_customer(conn, p, body["customer_id"])
        lines = price_lines(conn, body["customer_id"], body["lines"], default_tax_rate=config().default_tax_rate)
        out = {**store.priced_view(lines), "warnings": stock_warnings(conn, lines)}
    return jsonify(out)


def _check_opportunity(conn: Connection, opportunity_id: str | None, customer_id: str) -> None:
    if not opportunity_id:
        return
    opp_customer = conn.execute(sa.select(opportunities.c.customer_id)
                                .where(opportunities.c.id == opportunity_id)).scalar()
    if opp_customer != customer_id:
        raise ValidationFailed("unknown opportunity",
                               details={"opportunity_id": ["no such opportunity of this customer"]})


@bp.patch("/quotes/<quote_id>")
@api_doc(body=QuotePatch, response=out.Quote, summary="Change a draft's lines, validity, opportunity or terms (totals "
         "recomputed; new lines restart the discount approval); 409 once it is sent", tags=["sales"])
def patch(quote_id: str):
    p = writer()
    changes = load(QuotePatch(), partial=True)
    if not changes:
        raise ValidationFailed("nothing to change", details={"_schema": ["give at least one field"]})
    if "valid_until" in changes and changes["valid_until"] < today():
        raise ValidationFailed("the quote would be expired", details={"valid_until": ["must not be in the past"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        quote = _visible(conn, p, quote_id, lock=True)
        if quote["status"] != rules.DRAFT:
            status = rules.effective_status(quote["status"], quote["valid_until"], today())
            raise Conflict(f"a quote that is {status} cannot be changed", code="illegal_transition",
                           details={"status": status})
        require_customer(conn, p, quote["customer_id"])
        if "opportunity_id" in changes:
            _check_opportunity(conn, changes["opportunity_id"], quote["customer_id"])
        if "lines" in changes:
            lines = price_lines(conn, quote["customer_id"], changes.pop("lines"),
                                default_tax_rate=config().default_tax_rate)
            quote = store.replace_lines(conn, quote, lines, needs_approval=_needs_approval(conn, lines))
        if "terms" in changes:
            changes["terms"] = (changes["terms"] or "").strip() or None
        quote = store.update(conn, quote, **changes)
        store.publish(request_emitter(conn), "sales.quote.updated", quote, today())
        out = _with_warnings(conn, quote)
    return jsonify(out)


@bp.get("/quotes/<quote_id>")
@api_doc(response=out.Quote, summary="A quote (status expired past valid_until)", tags=["sales"])
def get(quote_id: str):
    with service_context().engine.connect() as conn:
        return jsonify(_with_warnings(conn, _visible(conn, principal(), quote_id, read=True)))


SORTS = {key: quotes.c[key] for key in ("number", "valid_until", "net", "gross", "status", "created_at", "updated_at")}


@bp.get("/quotes")
@api_doc(page=out.Quote, summary="Quotes (customer_id, owner_id, opportunity_id, project_id, status, approval_status, q: number or customer name, sort: "
         "number, valid_until, net, gross, status, created_at, updated_at, - for descending)", tags=["sales"])
def list_():
    p = principal()
    page, per_page = page_args()
    status = request.args.get("status") or None
    if status and status not in rules.STATUSES:
        raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(rules.STATUSES)}"]})
    q = search_arg()
    order = sort_arg(SORTS, [quotes.c.created_at.desc(), quotes.c.id.desc()], quotes.c.id)
    with service_context().engine.connect() as conn:
        where = [customer_filter(conn, p, quotes.c.customer_id, "sales", read=True)]
        for key in ("customer_id", "owner_id", "opportunity_id"):
            value = uuid_arg(request.args.get(key), key)
            if value:
                where.append(quotes.c[key] == value)
        wanted = request.args.get("approval_status")
        if wanted:
            if wanted not in approval.APPROVAL_STATUSES:
                raise ValidationFailed("invalid approval_status",
                                       details={"approval_status": [f"one of {', '.join(approval.APPROVAL_STATUSES)}"]})
            where.append(quotes.c.approval_status == wanted)
        project_id = uuid_arg(request.args.get("project_id"), "project_id")
        if project_id:  # through the quote's opportunity
            where.append(quotes.c.opportunity_id.in_(project_store.project_opportunities(project_id)))
        if status == rules.EXPIRED:
            where.append(sa.and_(quotes.c.status.in_(rules.OPEN), quotes.c.valid_until < today()))
        elif status in rules.OPEN:
            where.append(sa.and_(quotes.c.status == status, quotes.c.valid_until >= today()))
        elif status:
            where.append(quotes.c.status == status)
        if q:
            where.append(sa.or_(quotes.c.number.ilike(like_pattern(q)), customer_name_match(quotes.c.customer_id, q)))
        page_rows, total = count_and_page(conn, sa.select(quotes).where(*where).order_by(*order), page, per_page)
        rows = [dict(r._mapping) for r in page_rows]
        lines = store.lines_of(conn, [r["id"] for r in rows])
    items = [store.view({**r, "lines": lines[r["id"]]}, today()) for r in rows]
    return page_response(items, total, page, per_page)


@bp.post("/quotes/<quote_id>/copy")
@api_doc(response=out.Quote, body=CopyBody, status=201, summary="Copy into a new draft", tags=["sales"])
def copy(quote_id: str):
    p = writer()
    body = load(CopyBody())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        src = _visible(conn, p, quote_id)
        require_customer(conn, p, src["customer_id"])
        valid_until = body["valid_until"] or max(src["valid_until"],
                                                 today() + timedelta(days=config().quote_validity_days))
        if valid_until < today():
            raise ValidationFailed("the copy would be expired", details={"valid_until": ["must not be in the past"]})
        quote = store.insert(conn, request_emitter(conn), customer_id=src["customer_id"], owner_id=p.user_id,
                             opportunity_id=src["opportunity_id"], valid_until=valid_until,
                             lines=src["lines"], today=today(), needs_approval=_needs_approval(conn, src["lines"]),
                             terms=src["terms"], copied_from=src["id"])
        out = _with_warnings(conn, quote)
    return jsonify(out), 201


def _illegal(exc: rules.IllegalQuoteTransition) -> Conflict:
    return Conflict(str(exc), code="illegal_transition", details={"status": exc.status, "target": exc.target})


@bp.post("/quotes/<quote_id>/status")
@api_doc(response=out.Quote, body=QuoteStatusChange, summary="draft -> sent -> accepted/rejected; 409 otherwise", tags=["sales"])
def change_status(quote_id: str):
    p = writer()
    target = load(QuoteStatusChange())["status"]
    ctx = service_context()
    with ctx.engine.begin() as conn:
        quote = _visible(conn, p, quote_id, lock=True)
        try:
            rules.transition(quote["status"], quote["valid_until"], today(), target)
        except rules.IllegalQuoteTransition as exc:
            raise _illegal(exc) from None
        changes: dict[str, Any] = {"status": target}
        if target == rules.SENT:
            _check_may_go_out(quote)
            changes["sent_at"] = datetime.now(UTC)
        quote = store.update(conn, quote, **changes)
        store.publish(request_emitter(conn), "sales.quote.updated", quote, today())
        out = _with_warnings(conn, quote)
    return jsonify(out)


@bp.post("/quotes/<quote_id>/convert")
@api_doc(body=OrderExtras, response=out.Order, status=201, summary="Make an order from a sent or accepted quote (once); "
         "the body may add the order's fees and delivery date", tags=["sales"])
def convert(quote_id: str):
    p = writer()
    extras = load(OrderExtras())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        quote = _visible(conn, p, quote_id, lock=True)
        if not rules.can_convert(quote["status"], quote["valid_until"], today(), quote["order_id"] is not None):
            status = rules.effective_status(quote["status"], quote["valid_until"], today())
            raise Conflict(f"a quote that is {status} cannot be converted"
                           + (" again" if quote["order_id"] else ""), code="illegal_transition",
                           details={"status": status, "order_id": quote["order_id"]})
        owner_id = require_customer(conn, p, quote["customer_id"])
        order = ordering.create_order(conn, request_emitter(conn), customer_id=quote["customer_id"], owner_id=owner_id,
                                      lines=quote["lines"], created_by=p.user_id, approval_threshold=config().approval_discount_pct,
                                      quote_id=quote["id"], delivery_date=extras["delivery_date"],
                                      fees=price_fees(extras["fees"], default_tax_rate=config().default_tax_rate))
        quote = store.update(conn, quote, status=rules.ACCEPTED, order_id=order["id"])
        store.publish(request_emitter(conn), "sales.quote.updated", quote, today())
        warnings = stock_warnings(conn, quote["lines"])
    return jsonify({**order_view(order), "warnings": warnings}), 201


@bp.get("/quotes/<quote_id>/pdf")
@api_doc(produces="application/pdf", summary="The quote as a PDF (Chinese text in the text layer)", tags=["sales"])
def pdf(quote_id: str):
    with service_context().engine.connect() as conn:
        quote = _visible(conn, principal(), quote_id, read=True)
        name = customer_name(conn, quote["customer_id"])
    data = quote_pdf(store.view(quote, today()), name, config().company_name,
                     language(request.headers.get("Accept-Language")))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{quote["number"]}.pdf"',
                             "Vary": "Accept-Language"})


@bp.post("/quotes/<quote_id>/send")
@api_doc(response=out.Quote, body=SendBody, summary="Email the PDF through SMTP; a draft becomes sent; 503 mail_failed", tags=["sales"])
def send(quote_id: str):
    """Email the quote's PDF; a draft becomes sent. The mail goes out before the commit,
    so a failed send changes nothing (503)."""
    p = writer()
    body = load(SendBody())
    ctx = service_context()
    cfg = config()
    with ctx.engine.begin() as conn:
        quote = _visible(conn, p, quote_id, lock=True)
        status = rules.effective_status(quote["status"], quote["valid_until"], today())
        if status not in (rules.DRAFT, rules.SENT, rules.ACCEPTED):
            raise Conflict(f"a quote that is {status} cannot be sent", code="illegal_transition",
                           details={"status": status})
        _check_may_go_out(quote)
        name = customer_name(conn, quote["customer_id"])
        if status == rules.DRAFT:
            quote = store.update(conn, quote, status=rules.SENT, sent_at=datetime.now(UTC))
        else:
            quote = store.update(conn, quote, sent_at=datetime.now(UTC))
        store.publish(request_emitter(conn), "sales.quote.updated", quote, today())
        data = quote_pdf(store.view(quote, today()), name, cfg.company_name)
        try:
            send_pdf(cfg, to=body["to"], cc=body["cc"], subject=body["subject"] or f"报价单 {quote['number']} - {name}",
                     body=body["message"] or f"{name}：您好！附件是报价单 {quote['number']}，请查收。",
                     filename=f"{quote['number']}.pdf", pdf=data)
        except MailFailed as exc:
            raise DependencyDown("the mail server did not take the message", code="mail_failed",
                                 details={"smtp": str(exc)[:300]}) from None
        out = _with_warnings(conn, quote)
    return jsonify(out)
