"""Documents through the gateway and in the portal, on the whole suite: a file over the cap is
413 in the error body, a program named .pdf is 422; a document on an opportunity created a
moment ago follows its customer (sales' event reaches the customer service); a rep never
downloads, lists or finds another rep's customer's document, while the knowledge base is
everyone's; upload and delete reach the customer's timeline in both languages; and the
documents tab in headless Chromium: upload with a title and tags, edit, delete, restore,
and the knowledge base page found by a colleague by tag."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    By,
    chromium,
    click_text,
    field,
    log_in,
    screenshot,
    script_errors,
    type_into,
    visible,
    wait,
)
from tests.e2e.portal_browser import needs_chromium as _needs_chromium
from tests.unit.shared import doc_samples as samples

pytestmark = pytest.mark.e2e
PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def people(admin):
    tag = uuid.uuid4().hex[:6]
    manager = admin.create_user("manager", username=f"doc_mgr_{tag}", password=PASSWORD, full_name="文经理")
    rep = admin.create_user("sales", manager_id=manager.user["id"], username=f"doc_rep_{tag}", password=PASSWORD,
                            full_name="文档张三")
    other = admin.create_user("sales", username=f"doc_other_{tag}", password=PASSWORD, full_name="文档李四")
    warehouse = admin.create_user("warehouse", username=f"doc_wh_{tag}", password=PASSWORD)
    r = rep.post("/customers", json={"name": f"文档测试机电{tag}有限公司"})
    assert r.status_code == 201, r.text
    return type("People", (), {"tag": tag, "manager": manager, "rep": rep, "other": other, "warehouse": warehouse,
                               "customer": r.json()})


def upload(client, data: bytes, name: str, **fields):
    return client.post("/documents", files={"file": (name, data)}, data=fields)


def ids(r) -> set[str]:
    assert r.status_code == 200, r.text
    return {d["id"] for d in r.json()["items"]}


def test_limits_through_the_gateway(people):
    cid = people.customer["id"]
    big = samples.PDF + b"0" * (20 * 1024 * 1024)
    r = upload(people.rep, big, "大图纸.pdf", customer_id=cid)
    assert r.status_code == 413, r.text[:300]
    assert r.json()["error"]["code"] == "payload_too_large"
    assert r.json()["error"]["details"] == {"max_bytes": 20 * 1024 * 1024}
    r = upload(people.rep, samples.PE, "发票.pdf", customer_id=cid)
    assert r.status_code == 422 and r.json()["error"]["code"] == "refused_type", r.text


def test_visibility_timeline_and_related_records(people):
    cid = people.customer["id"]
    r = upload(people.rep, samples.PDF, "../../报价/技术方案.pdf", customer_id=cid, tags=f"方案{people.tag}")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["filename"] == "技术方案.pdf" and doc["sha256"] == hashlib.sha256(samples.PDF).hexdigest()
    content = people.rep.get(f"/documents/{doc['id']}/content")
    assert content.status_code == 200 and content.content == samples.PDF
    assert content.headers["Content-Disposition"].startswith("attachment;")
    assert content.headers["ETag"] == f'"{doc["sha256"]}"'
    assert content.headers["X-Content-Type-Options"] == "nosniff"

    for outsider in (people.other, people.warehouse):
        assert outsider.get(f"/documents/{doc['id']}/content").status_code == 404
        assert outsider.get(f"/documents/{doc['id']}").status_code == 404
        assert doc["id"] not in ids(outsider.get(f"/documents?q=方案{people.tag}"))
        assert doc["id"] not in ids(outsider.get(f"/documents?tag=方案{people.tag}"))
    assert doc["id"] in ids(people.manager.get(f"/documents?customer_id={cid}"))

    # an opportunity created a moment ago: the upload waits for sales' event
    opp = people.rep.post("/opportunities", json={"customer_id": cid, "name": f"年度采购{people.tag}",
                                                  "amount": "120000.00", "stage": "proposal"})
    assert opp.status_code == 201, opp.text
    r = upload(people.rep, "需求清单".encode(), "需求.txt", related_type="opportunity", related_id=opp.json()["id"])
    assert r.status_code == 201, r.text
    assert r.json()["customer_id"] == cid and r.json()["related_label"] == f"年度采购{people.tag}"
    r = upload(people.other, samples.PDF, "x.pdf", related_type="opportunity", related_id=opp.json()["id"])
    assert r.status_code == 422 and "related_id" in r.json()["error"]["details"]

    # the knowledge base is everyone's
    kb = upload(people.rep, samples.docx(), f"产品手册{people.tag}.docx", tags="手册")
    assert kb.status_code == 201, kb.text
    for anyone in (people.other, people.warehouse, people.manager):
        assert kb.json()["id"] in ids(anyone.get(f"/documents?scope=knowledge_base&q=手册{people.tag}"))
        assert anyone.get(f"/documents/{kb.json()['id']}/content").status_code == 200

    # upload and delete reach the customer's timeline, in both languages
    assert people.rep.delete(f"/documents/{doc['id']}").status_code == 204

    def entries():
        r = people.rep.get(f"/timeline?customer_id={cid}", headers={"Accept-Language": "zh-CN"})
        found = {e["type"]: e for e in r.json()["items"]}
        return found if {"customer.document.uploaded", "customer.document.deleted"} <= set(found) else None
    found = eventually(entries, timeout=20)
    assert "上传了文档" in found["customer.document.uploaded"]["summary_zh"]
    assert "deleted document 技术方案" in found["customer.document.deleted"]["summary_en"]
    assert people.rep.post(f"/documents/{doc['id']}/restore").status_code == 200


@_needs_chromium
def test_documents_tab_and_knowledge_base_in_the_browser(people, suite, tmp_path_factory, tmp_path):
    cid = people.customer["id"]
    tag = people.tag
    scan = tmp_path / "签字合同扫描.pdf"
    scan.write_bytes(samples.PDF)
    with chromium(tmp_path_factory.mktemp("documents")) as d:
        log_in(d, suite.url, people.rep.user["username"], PASSWORD, f"#/customers/{cid}?tab=documents")
        visible(d, '[data-testid="documents"]')
        click_text(d, "上传文档", '[data-testid="document-add"]')
        field(d, "文件").send_keys(str(scan))
        type_into(d, "标题", f"签字合同{tag}")
        type_into(d, "标签", "合同，已签")
        d.find_element(By.CSS_SELECTOR, '[data-testid="document-upload"] button[type=submit]').click()

        def card(d):
            for c in d.find_elements(By.CSS_SELECTOR, '[data-testid="document"]'):
                if f"签字合同{tag}" in c.text:
                    return c
            return False
        c = wait(d, card)
        assert "签字合同扫描.pdf" in c.text and "已签" in c.text
        doc_id = c.get_attribute("data-id")
        assert people.rep.get(f"/documents/{doc_id}/content").content == samples.PDF
        screenshot(d, "documents-tab")

        # rename and retag in place
        c.find_element(By.XPATH, ".//button[text()='编辑']").click()
        type_into(d, "标签", "合同，归档")
        d.find_element(By.CSS_SELECTOR, f'[data-id="{doc_id}"] button[type=submit]').click()
        wait(d, lambda d: "归档" in card(d).text if card(d) else False)
        assert people.rep.get(f"/documents/{doc_id}").json()["tags"] == ["合同", "归档"]

        # delete (confirmed), then find it among the deleted and restore it
        card(d).find_element(By.XPATH, ".//button[text()='删除']").click()
        click_text(d, "删除", ".modal button.danger")
        wait(d, lambda d: not card(d))
        assert people.rep.get(f"/documents/{doc_id}").json()["deleted_at"] is not None
        d.find_element(By.CSS_SELECTOR, '[data-testid="documents-trash"]').click()
        wait(d, card).find_element(By.XPATH, ".//button[text()='恢复']").click()
        wait(d, lambda d: people.rep.get(f"/documents/{doc_id}").json()["deleted_at"] is None)
        assert script_errors(d) == []

    # a colleague finds a knowledge-base document by tag on the knowledge base page
    kb = upload(people.rep, "投标注意事项".encode(), f"投标须知{tag}.txt", tags=f"投标{tag}")
    assert kb.status_code == 201, kb.text
    with chromium(tmp_path_factory.mktemp("documents-kb")) as d:
        log_in(d, suite.url, people.other.user["username"], PASSWORD, "#/knowledge-base")
        visible(d, '[data-testid="documents-search"]').send_keys(f"投标{tag}")
        wait(d, lambda d: any(f"投标须知{tag}" in c.text for c in d.find_elements(By.CSS_SELECTOR, '[data-testid="document"]')))
        # read in one step: the list may re-render under the search while it is read
        shown = d.execute_script(
            "return [...document.querySelectorAll('[data-testid=\"document\"]')].map((e) => e.textContent)")
        assert any(f"投标须知{tag}" in text for text in shown) and not any(f"签字合同{tag}" in text for text in shown)
        screenshot(d, "knowledge-base")
        assert script_errors(d) == []
