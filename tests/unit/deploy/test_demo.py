"""The demo company's generator without a suite: the same customers every run for a prefix,
no two the suite would take for one company, every row with the import's eight columns;
`make demo` runs it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from deploy import demo

ROOT = Path(__file__).resolve().parents[3]


def test_customers_are_the_same_every_run_and_distinct():
    rows = demo.customer_rows("", 300)
    assert rows == demo.customer_rows("", 300) and rows != demo.customer_rows("x.", 300)
    names = [r.split(",", 1)[0] for r in rows]
    assert len({demo._bare(n) for n in names}) == 300
    assert all("有限公司" in n or "公司" in n for n in names)
    parsed = list(csv.DictReader(io.StringIO(demo.customer_csv(rows[:20]).decode("utf-8"))))
    assert len(parsed) == 20 and all(r["name"] and r["contact_name"] and r["category"] in "ABC" for r in parsed)


def test_company_forms_do_not_make_two_companies():
    assert demo._bare("杭州恒达机械有限公司") == demo._bare("杭州恒达机械有限责任公司") == "杭州恒达机械"
    assert demo._bare("恒达集团有限公司") == "恒达"


def test_the_hierarchy_has_every_role_and_managers_exist_before_their_people():
    seen = set()
    for username, _name, _role, manager in demo.PEOPLE:
        assert manager is None or manager in seen
        seen.add(username)
    assert {p[2] for p in demo.PEOPLE} == {"manager", "sales", "finance", "warehouse"}


def test_make_demo_runs_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndemo: venv\n\t@PYTHONPATH=$(CURDIR) $(BIN)/python -m deploy.demo" in makefile
    assert "make demo" in (ROOT / "README.md").read_text()
