"""/projects: customer projects (泛普's 项目立项): create, read, list, edit while draft or
rejected, submit the application, approve / reject it. Reports are attached through the
customer service's /documents with related_type "project"."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.sales import project_store as store
from services.sales.api import answers as out
from services.sales.api.common import (
    MoneyField,
    customer_name_match,
    like_pattern,
    require_customer,
    search_arg,
    sort_arg,
    writer,
)
from services.sales.domain import projects as rules
from services.sales.models import projects
from shared.errors import NotFound, ValidationFailed
from shared.fields import uuid_field
from shared.identity import Principal
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.visibility import can_see_customer, customer_filter, with_customer_names
from shared.web import count_and_page, load, page_args, page_response, path_id, principal, uuid_arg

bp = Blueprint("projects", __name__)

MAX_ENTRIES = 50


class Competitor(Schema):
    competitor_id = uuid_field(load_default=None, allow_none=True)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    offer = MoneyField(load_default=None, allow_none=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class Person(Schema):
    contact_id = uuid_field(required=True)
    role = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ProjectFields(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    estimated_amount = MoneyField(load_default=None, allow_none=True)
    budget = MoneyField(load_default=None, allow_none=True)
    competitors = fields.List(fields.Nested(Competitor), load_default=list, validate=validate.Length(max=MAX_ENTRIES))
    contacts = fields.List(fields.Nested(Person), load_default=list, validate=validate.Length(max=MAX_ENTRIES))


class ProjectCreate(ProjectFields):
    customer_id = uuid_field(required=True)


class Note(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class Decision(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


def _entries(body: dict[str, Any]) -> dict[str, Any]:
    """Competition entries naming somebody and people listed once (422 otherwise), stored
    as plain JSON (money as text)."""
    details: dict[str, Any] = {}
    if "competitors" in body:
        bad = rules.competition_problems(body["competitors"])
        if bad:
            details["competitors"] = {i: {"name": [msg]} for i, msg in bad.items()}
        body["competitors"] = [{"competitor_id": c["competitor_id"], "name": (c["name"] or "").strip() or None,
                                "offer": None if c["offer"] is None else fmt(c["offer"]), "notes": c["notes"]}
                               for c in body["competitors"]]
    if "contacts" in body:
        twice = rules.duplicate_contacts(body["contacts"])
        if twice:
            details["contacts"] = {i: {"contact_id": ["listed twice"]} for i in twice}
        body["contacts"] = [{"contact_id": c["contact_id"], "role": c["role"].strip()} for c in body["contacts"]]
    if "name" in body:
        body["name"] = body["name"].strip()
        if not body["name"]:
            details["name"] = ["must not be blank"]
    if details:
        raise ValidationFailed("the request has invalid fields", details=details)
    return body


def _domain(p: Principal) -> str:
    return "billing" if p.role == "finance" else "sales"  # finance pays the projects' expenses


def visible_project(conn: Connection, p: Principal, project_id: str, *, lock: bool = False,
                    read: bool = True) -> dict[str, Any]:
    """The project if the caller sees its customer (404 otherwise: another team's project
    and a missing one answer alike)."""
    row = store.load(conn, path_id(project_id, "project"), lock=lock)
    domain = _domain(p) if read else "sales"
    if row is None or not can_see_customer(conn, p, row["customer_id"], domain, read=read):
        raise NotFound("project not found")
    return row


def _answer(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    return with_customer_names(conn, [store.view(row)])[0]


@bp.post("/projects")
@api_doc(body=ProjectCreate, response=out.Project, status=201,
         summary="Record a customer project (draft): amounts, the competition, the customer's people involved",
         tags=["sales"])
def create_project():
    p = writer()
    body = _entries(load(ProjectCreate()))
    ctx = service_context()
    with ctx.engine.begin() as conn:
        customer_id = body.pop("customer_id")
        customer_owner = require_customer(conn, p, customer_id)
        owner = p.user_id if p.role in ("sales", "manager") else customer_owner
        row = store.create_project(conn, request_emitter(conn), customer_id=customer_id, owner_id=owner,
                                   created_by=p.user_id, fields=body)
        answer = _answer(conn, row)
    return jsonify(answer), 201


@bp.get("/projects/<project_id>")
@api_doc(response=out.Project, summary="A customer project", tags=["sales"])
def get_project(project_id: str):
    with service_context().engine.connect() as conn:
        return jsonify(_answer(conn, visible_project(conn, principal(), project_id)))


@bp.patch("/projects/<project_id>")
@api_doc(body=ProjectFields(partial=True), response=out.Project,
         summary="Edit a draft or rejected project (409 once applied for or approved)", tags=["sales"])
def patch_project(project_id: str):
    p = writer()
    changes = _entries(load(ProjectFields(), partial=True))
    if not changes:
        raise ValidationFailed("nothing to change", details={"_schema": ["give at least one field"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = visible_project(conn, p, project_id, lock=True, read=False)
        row = store.edit_project(conn, request_emitter(conn), row, changes)
        answer = _answer(conn, row)
    return jsonify(answer)


@bp.post("/projects/<project_id>/submit")
@api_doc(body=Note, response=out.Project,
         summary="Apply for approval (立项): draft or rejected -> pending_approval; attach the feasibility and budget "
                 "reports with POST /documents (related_type project); 409 on an illegal move", tags=["sales"])
def submit_project(project_id: str):
    p = writer()
    note = (load(Note()).get("note") or "").strip() or None
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = visible_project(conn, p, project_id, lock=True, read=False)
        row = store.submit_project(conn, request_emitter(conn), row, note)
        answer = _answer(conn, row)
    return jsonify(answer)


def _decide(project_id: str, action: str):
    p = writer()
    comment = (load(Decision()).get("comment") or "").strip() or None
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = visible_project(conn, p, project_id, lock=True)
        row = store.decide_project(conn, request_emitter(conn), p, row, action, comment)
        answer = _answer(conn, row)
    return jsonify(answer)


@bp.post("/projects/<project_id>/approve")
@api_doc(body=Decision, response=out.Project,
         summary="Approve an application (a manager above the owner, or admin; never its owner or author), with an "
                 "optional comment shown on the timeline: 403 others, 409 wrong state", tags=["sales"])
def approve_project(project_id: str):
    return _decide(project_id, "approve")


@bp.post("/projects/<project_id>/reject")
@api_doc(body=Decision, response=out.Project,
         summary="Turn an application down (whoever may approve it), with an optional comment: 403 others, "
                 "409 wrong state", tags=["sales"])
def reject_project(project_id: str):
    return _decide(project_id, "reject")


SORTS = {key: projects.c[key] for key in ("number", "name", "status", "estimated_amount", "budget",
                                          "created_at", "updated_at", "submitted_at")}


@bp.get("/projects")
@api_doc(page=out.Project, summary="Customer projects the caller sees (customer_id, owner_id, status, q: number, name "
         "or customer name, sort: number, name, status, estimated_amount, budget, created_at, updated_at, "
         "submitted_at, - for descending)", tags=["sales"])
def list_projects():
    p = principal()
    page, per_page = page_args()
    status = request.args.get("status") or None
    if status and status not in rules.STATUSES:
        raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(rules.STATUSES)}"]})
    q = search_arg()
    order = sort_arg(SORTS, [projects.c.created_at.desc(), projects.c.id.desc()], projects.c.id)
    filters = {"customer_id": uuid_arg(request.args.get("customer_id"), "customer_id"),
               "owner_id": uuid_arg(request.args.get("owner_id"), "owner_id"), "status": status}
    with service_context().engine.connect() as conn:
        where = [customer_filter(conn, p, projects.c.customer_id, _domain(p), read=True)]
        where += [projects.c[k] == v for k, v in filters.items() if v]
        if q:
            where.append(sa.or_(projects.c.number.ilike(like_pattern(q)), projects.c.name.ilike(like_pattern(q)),
                                customer_name_match(projects.c.customer_id, q)))
        page_rows, total = count_and_page(conn, sa.select(projects).where(*where).order_by(*order), page, per_page)
        items = with_customer_names(conn, [store.view(dict(r._mapping)) for r in page_rows])
    return page_response(items, total, page, per_page)
