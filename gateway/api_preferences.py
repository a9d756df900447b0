"""/api/v1/preferences: the caller's portal settings (language, saved views, columns)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from sqlalchemy.dialects.postgresql import insert

from gateway import preferences as rules
from gateway.auth import current_user
from gateway.context import gateway_context
from gateway.models import user_preferences
from gateway.schemas import PreferencesDoc
from shared.errors import ValidationFailed
from shared.openapi import api_doc
from shared.web import json_body

bp = Blueprint("gateway_preferences", __name__, url_prefix="/api/v1/preferences")


def _stored(conn: sa.Connection, user_id: str) -> dict:
    row = conn.execute(sa.select(user_preferences.c.data).where(user_preferences.c.user_id == user_id)).first()
    return dict(row.data) if row else {}


@bp.get("")
@api_doc(response=PreferencesDoc, summary="The caller's portal preferences (language, saved views, columns)")
def get_preferences():
    with gateway_context().engine.connect() as conn:
        return jsonify(rules.view(_stored(conn, current_user()["id"])))


@bp.put("")
@api_doc(body=PreferencesDoc, response=PreferencesDoc,
         summary="Change the caller's preferences: the parts named are replaced, the others kept",
         responses={422: "invalid fields"})
def put_preferences():
    change = json_body()
    found = rules.problems(change)
    if found:
        raise ValidationFailed("the request has invalid fields", details=found)
    user_id = current_user()["id"]
    with gateway_context().engine.begin() as conn:
        stored = rules.merged(_stored(conn, user_id), change)
        conn.execute(insert(user_preferences).values(user_id=user_id, data=stored)
                     .on_conflict_do_update(index_elements=["user_id"],
                                            set_={"data": stored, "updated_at": sa.func.now()}))
    return jsonify(rules.view(stored))
