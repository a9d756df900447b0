"""Preparing an import batch (pure: no database)."""

from __future__ import annotations

import json

from services.customer.import_batch import prepare_batch
from shared import events

OWNER = "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01"


def test_prepare_batch_rows_events_errors_and_duplicates():
    seen = {"已导入"}
    batch = [
        (2, {"name": "上海华东机电有限公司", "contact_name": "张三", "contact_email": "zs@example.cn"}),
        (3, {"name": "上海华东机电 公司"}),       # duplicate inside the file
        (4, {"name": ""}),                      # bad row
        (5, {"name": "已导入有限公司"}),          # seen in an earlier batch
        (6, {"name": "Acme Ltd", "phone": "+86 138 0013 8000"}),
    ]
    out = prepare_batch(batch, seen, owner_id=OWNER)
    assert out.size == 5 and out.duplicates == 2
    assert out.errors == [{"row": 4, "message": "name is required", "field": "name"}]
    assert [c.row["name"] for c in out.candidates] == ["上海华东机电有限公司", "Acme Ltd"]
    assert seen >= {"上海华东机电", "acme"}
    first, second = out.candidates
    assert json.loads(first.contact)["customer_id"] == first.id and second.contact is None
    assert second.row["phone_key"] == "13800138000"
    new = [e for c in out.candidates for e in c.events]
    assert [e.event_type for e in new] == [
        "customer.customer.created", "customer.contact.created", "customer.customer.created"]
    for e in new:
        events.validate(e.event_type, e.data)
        assert e.customer_id in (first.id, second.id)
    assert [e.aggregate_type for e in first.events] == ["customer", "contact"]
    assert json.loads(out.customers_json())[0]["id"] == first.id


def test_prepare_batch_skips_keys_already_in_the_database():
    asked = []

    def existing(keys):
        asked.append(keys)
        return {"acme"}

    out = prepare_batch([(2, {"name": "ACME Inc."}), (3, {"name": "Globex"})], set(), owner_id=OWNER,
                        existing=existing)
    assert asked == [["acme", "globex"]]
    assert out.duplicates == 1 and [c.row["name"] for c in out.candidates] == ["Globex"]


def test_prepare_batch_in_upsert_mode_keeps_the_first_row_of_each_key_for_the_writer():
    batch = [
        (2, {"phone": "021-1111", "industry": "A"}),             # no name: may update, not create
        (3, {"name": "Other", "phone": "(021) 1111"}),           # same phone digits: a duplicate
        (4, {"industry": "B"}),                                  # neither key nor name
        (5, {"name": "Globex", "phone": "021-2222"}, ["Globex", "021-2222"]),
    ]
    out = prepare_batch(batch, set(), owner_id=OWNER, mode="upsert", match_on="phone",
                        columns={"phone": ("Tel",)})
    assert [r.row for r in out.upserts] == [2, 5] and out.duplicates == 1 and out.candidates == []
    assert out.errors == [{"row": 4, "message": "phone is required to match a customer", "field": "phone",
                           "column": "Tel"}]
    assert out.upserts[1].cells == ["Globex", "021-2222"] and out.upserts[1].owner_id == OWNER


def test_owners_named_in_the_file_are_resolved_or_the_row_fails():
    from services.customer.domain.importfile import RowError

    def owners(name):
        return "u-1" if name == "王芳" else RowError(f"owner is not a known user: {name}", "owner")

    out = prepare_batch([(2, {"name": "甲公司", "owner": "王芳"}), (3, {"name": "乙公司", "owner": "无名"})], set(),
                        owner_id=OWNER, owners=owners, columns={"owner": ("负责人",)})
    assert [c.row["owner_id"] for c in out.candidates] == ["u-1"]
    assert json.loads(out.candidates[0].acl)["owner_id"] == "u-1"
    assert out.errors[0]["column"] == "负责人" and out.errors[0]["row"] == 3
