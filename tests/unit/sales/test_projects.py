"""Customer projects (立项): the state machine, who may decide an application, the
entries' rules, the timeline's lines and the notifications (no I/O)."""

from __future__ import annotations

import pytest

from services.sales.domain import projects as rules
from services.tracking.domain.notices import PATTERNS, plan
from services.tracking.summaries import summarize
from shared import events
from shared.envelope import Envelope


@pytest.mark.parametrize(("status", "action", "after"), [
    ("draft", "submit", "pending_approval"),
    ("rejected", "submit", "pending_approval"),
    ("pending_approval", "approve", "approved"),
    ("pending_approval", "reject", "rejected"),
])
def test_legal_moves(status, action, after):
    assert rules.next_status(status, action) == after


@pytest.mark.parametrize(("status", "action"), [
    ("draft", "approve"), ("draft", "reject"), ("pending_approval", "submit"), ("approved", "submit"),
    ("approved", "approve"), ("approved", "reject"), ("rejected", "approve"), ("rejected", "reject"),
    ("draft", "close"),
])
def test_illegal_moves_name_the_status_and_action(status, action):
    with pytest.raises(rules.IllegalTransition) as exc:
        rules.next_status(status, action)
    assert (exc.value.status, exc.value.action) == (status, action)


def test_only_draft_and_rejected_projects_are_edited():
    for status in ("draft", "rejected"):
        rules.check_editable(status)
    for status in ("pending_approval", "approved"):
        with pytest.raises(rules.IllegalTransition):
            rules.check_editable(status)


def test_who_may_decide_an_application():
    authors = ["rep", "rep"]
    assert rules.approval_refusal("manager", "mgr", authors, manages_owner=True) is None
    assert rules.approval_refusal("admin", "adm", authors, manages_owner=False) is None
    assert rules.approval_refusal("manager", "other-mgr", authors, manages_owner=False)
    assert rules.approval_refusal("sales", "rep2", authors, manages_owner=False)
    assert rules.approval_refusal("finance", "fin", authors, manages_owner=False)
    # four eyes: the owner or author never decides it, whatever their role
    assert "may not" in rules.approval_refusal("admin", "adm", ["adm", "adm"], manages_owner=False)
    assert rules.approval_refusal("manager", "mgr", ["rep", "mgr"], manages_owner=True)


def test_competition_entries_name_somebody_and_people_are_listed_once():
    assert rules.competition_problems([{"name": "西门子"}, {"competitor_id": "c1"}, {"name": "  "}, {}]) == {
        2: "a competitor_id or a name is required", 3: "a competitor_id or a name is required"}
    assert rules.duplicate_contacts([{"contact_id": "a"}, {"contact_id": "b"}, {"contact_id": "a"}]) == [2]


def _envelope(event_type: str) -> Envelope:
    spec = events.spec(event_type)
    return Envelope(event_type=event_type, aggregate_type="project", aggregate_id=spec.sample["id"],
                    data=dict(spec.sample), producer="sales", region="hq")


def test_each_step_has_a_timeline_line_ending_with_the_note_or_comment():
    for event_type in ("sales.project.created", "sales.project.updated", "sales.project.submitted",
                       "sales.project.approved", "sales.project.rejected"):
        events.validate(event_type, events.spec(event_type).sample)
    en, zh = summarize(_envelope("sales.project.submitted"))
    assert en == "applied for approval of project PJ-2026-000001 华东机电 二期厂房自动化改造: 可行性报告、预算报告已附"
    assert zh.startswith("提交了项目 PJ-2026-000001") and zh.endswith("：可行性报告、预算报告已附")
    en, zh = summarize(_envelope("sales.project.approved"))
    assert en.endswith(": 同意，控制费用") and zh.startswith("批准了项目")
    en, zh = summarize(_envelope("sales.project.rejected"))
    assert en.endswith(": 预算不足") and "驳回" in zh


def test_an_application_tells_the_managers_and_a_decision_the_owner():
    data = {"id": "p1", "owner_id": "rep", "number": "PJ-1", "name": "二期改造", "comment": None}
    [ask] = plan("sales.project.submitted", "e1", "p1", data)
    assert (ask.kind, ask.managers_of, ask.user_id, ask.not_actor, ask.subject_type, ask.subject_id) == (
        "project_approval_requested", "rep", None, True, "project", "p1")
    assert "PJ-1" in ask.message and "立项" in ask.message_zh
    [ok] = plan("sales.project.approved", "e2", "p1", {**data, "comment": "同意"})
    assert (ok.kind, ok.user_id) == ("project_approved", "rep") and ok.message.endswith(": 同意")
    [no] = plan("sales.project.rejected", "e3", "p1", data)
    assert (no.kind, no.user_id) == ("project_rejected", "rep") and "驳回" in no.message_zh
    assert plan("sales.project.submitted", "e4", "p1", {"id": "p1"}) == []
    assert {"sales.project.submitted", "sales.project.approved", "sales.project.rejected"} <= set(PATTERNS)
