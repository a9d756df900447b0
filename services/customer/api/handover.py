"""A rep's hand-over (issue 16): POST /handovers `{"from_user_id", "to_user_id"}` — the rep's
customers, open leads, open tasks and (through the sales service) open opportunities to a
colleague, as one background job (202 {"job_id"}; progress in GET /jobs/{id}). The writes are
services/customer/commands/handover.py; the worker is the bulk worker."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from services.customer.api.bulk import BulkQueued
from services.customer.commands import handover as commands
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import json_body, principal

bp = Blueprint("handover", __name__)


class HandoverIn(Schema):
    from_user_id = fields.String(required=True, metadata={"description": "the rep handing over (may be deactivated)"})
    to_user_id = fields.String(required=True, metadata={"description": "the colleague who takes everything over"})


@bp.post("/handovers")
@api_doc(body=HandoverIn, response=BulkQueued, status=202,
         summary="Hand a rep's customers, open leads, tasks and opportunities to a colleague, as one job")
def start_handover() -> ResponseReturnValue:
    answer = commands.queue_handover(service_context(), principal(), json_body(), g.get("request_id"))
    return jsonify(answer), 202
