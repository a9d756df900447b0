"""Assigning a lead to another rep (issue 16): POST /leads/{id}/assign. The calls, visits and
notes on a lead are POST /activities with `lead_id` (api/activities.py); the writes are
services/customer/commands/lead_handling.py."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from services.customer.api import answers as out
from services.customer.api.leads import lead_json
from services.customer.api.ownership import OwnerIn
from services.customer.commands import lead_handling as commands
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import event_context, load, path_id, principal

bp = Blueprint("lead_handling", __name__)


@bp.post("/leads/<lead_id>/assign")
@api_doc(body=OwnerIn, response=out.Lead,
         summary="Assign a lead to another rep (the new owner is notified; who sees it follows the owner)")
def assign_lead(lead_id: str) -> ResponseReturnValue:
    body = load(OwnerIn())
    row = commands.assign_lead(service_context(), event_context(), principal(), path_id(lead_id, "lead"),
                               body["owner_id"])
    return jsonify(lead_json(row))
