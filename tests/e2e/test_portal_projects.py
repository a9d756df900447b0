"""Customer projects in real headless Chromium: a rep records a project in Chinese (customer,
amounts, a competitor, a person of the customer with their role) and applies for approval;
their manager, reading English, finds it under "Projects" in the approval inbox, approves it
with a comment, and the project page shows it approved with the comment. The rep never gets
approve buttons, and another team's rep opens nothing."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    click_text,
    field,
    log_in,
    page_width,
    screenshot,
    script_errors,
    text_in,
    title_is,
    type_into,
    visible,
    wait,
)
from tests.e2e.portal_browser import needs_chromium as _needs_chromium

pytestmark = [pytest.mark.e2e, _needs_chromium]
PASSWORD = "pass-word-1"
SLOW_S = 40  # the first page of a new browser on a loaded machine (other suites share the 2 cores)


@pytest.fixture(scope="module")
def people(admin):
    tag = uuid.uuid4().hex[:6]
    manager = admin.create_user("manager", username=f"pj_mgr_{tag}", password=PASSWORD, full_name="项目李经理")
    rep = admin.create_user("sales", manager_id=manager.user["id"], username=f"pj_rep_{tag}", password=PASSWORD,
                            full_name="项目张三")
    other = admin.create_user("sales", username=f"pj_other_{tag}", password=PASSWORD, full_name="项目赵六")
    name = f"苏州精工项目客户{tag}"
    r = rep.post("/customers", json={"name": name})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = rep.post(f"/customers/{cid}/contacts", json={"name": f"王工{tag}"})
    assert r.status_code == 201, r.text
    # sales has the customer before the browser asks for it
    eventually(lambda: rep.get("/projects", params={"customer_id": cid}).status_code == 200 and
               rep.post("/opportunities", json={"customer_id": cid, "name": "探路", "amount": "1.00",
                                                "stage": "prospecting"}).status_code == 201, timeout=20)
    return {"tag": tag, "manager": manager, "rep": rep, "other": other, "customer": name, "customer_id": cid,
            "contact": f"王工{tag}", "usernames": {"manager": f"pj_mgr_{tag}", "rep": f"pj_rep_{tag}",
                                                   "other": f"pj_other_{tag}"}}


def pick(driver, label: str, text: str) -> None:
    """Type into a record picker and choose the option showing `text`."""
    box = field(driver, label)
    box.send_keys(text)
    option = wait(driver, lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "li[role=option]")
                                          if text in o.text), None), 15)
    option.click()


def test_a_rep_applies_and_the_manager_approves_in_the_portal(suite, tmp_path_factory, people):
    tag = people["tag"]
    project_name = f"二期厂房自动化改造{tag}"
    with chromium(tmp_path_factory.mktemp("pj-rep")) as b:
        log_in(b, suite.url, people["usernames"]["rep"], PASSWORD, "#/projects/new")
        title_is(b, "登记项目", SLOW_S)
        pick(b, "客户", people["customer"])
        type_into(b, "项目名称", project_name)
        type_into(b, "预计金额", "1200000.00")
        type_into(b, "项目预算", "30000.00")
        competition = visible(b, '[data-testid="project-competition"]')
        competition.find_element(By.CSS_SELECTOR, ".row-line input").send_keys("西门子")
        competition.find_elements(By.CSS_SELECTOR, ".row-line input")[1].send_keys("1150000.00")
        click_text(b, "添加相关人员")
        people_box = visible(b, '[data-testid="project-people"]')
        people_box.find_element(By.CSS_SELECTOR, ".picker input").send_keys(people["contact"])
        wait(b, lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "li[role=option]")
                                if people["contact"] in o.text), None), 15).click()
        people_box.find_elements(By.CSS_SELECTOR, ".row-line input")[1].send_keys("技术决策人")
        screenshot(b, "project-form-zh", full_height=True)
        click_text(b, "保存", css="form.form button[type=submit]")
        text_in(b, "#page-title", project_name, 20)
        text_in(b, '[data-testid="project-status"]', "草稿")
        assert "请在“文档”中附上可行性报告" in b.find_element(By.CSS_SELECTOR, "main").text
        click_text(b, "竞争情况")
        text_in(b, '[data-testid="project-competition"]', "¥1,150,000.00")
        click_text(b, "客户方相关人员")
        text_in(b, '[data-testid="project-people"]', people["contact"])
        text_in(b, '[data-testid="project-people"]', "技术决策人")
        b.execute_script("window.scrollTo(0, 0)")
        visible(b, '[data-testid="project-submit"]').click()
        visible(b, ".modal textarea").send_keys("可行性报告已附")
        click_text(b, "申请立项", css=".modal button[type=submit]")
        text_in(b, '[data-testid="project-status"]', "待审批", 20)
        assert not b.find_elements(By.CSS_SELECTOR, '[data-testid="project-approve"]')
        screenshot(b, "project-rep-applied-zh", full_height=True)
        project_url = b.current_url
        b.get(f"{suite.url}/#/customers/{people['customer_id']}?tab=projects")  # the customer's projects tab
        text_in(b, "main", project_name, 20)
        text_in(b, "main", "待审批")
        # an opportunity recorded from the project's page belongs to it
        b.get(project_url.split("?")[0] + "?tab=opportunities")
        click_text(b, "为此项目新建商机")
        title_is(b, "新建商机")
        type_into(b, "商机名称", f"一期设备{tag}")
        type_into(b, "金额", "500000.00")
        click_text(b, "保存", css="form.form button[type=submit]")
        text_in(b, "#page-title", f"一期设备{tag}", 20)
        text_in(b, "main", project_name)  # 所属项目
        b.get(project_url.split("?")[0] + "?tab=quotes")
        text_in(b, "main", "这个项目的商机还没有报价单")
        assert script_errors(b) == []

    [project] = people["rep"].get("/projects", params={"q": project_name}).json()["items"]
    assert project["competitors"][0]["name"] == "西门子" and project["contacts"][0]["role"] == "技术决策人"
    [opp] = people["rep"].get("/opportunities", params={"project_id": project["id"]}).json()["items"]
    assert opp["name"] == f"一期设备{tag}"
    assert people["other"].get(f"/projects/{project['id']}").status_code == 404

    with chromium(tmp_path_factory.mktemp("pj-mgr"), lang="en") as b:
        log_in(b, suite.url, people["usernames"]["manager"], PASSWORD, "#/approvals?tab=projects")
        click_text(b, "English", ".topbar .lang-switch button", timeout=SLOW_S)
        title_is(b, "Approvals", SLOW_S)
        card = visible(b, f'li[data-project="{project["number"]}"]', SLOW_S)
        assert project_name in card.text and "西门子" in card.text and "可行性报告已附" in card.text
        screenshot(b, "project-approvals-en", full_height=True)
        card.find_element(By.XPATH, ".//button[contains(., 'Approve')]").click()
        visible(b, ".modal textarea").send_keys("同意，控制费用")
        click_text(b, "Approve", css=".modal button[type=submit]")
        wait(b, lambda d: not d.find_elements(By.CSS_SELECTOR, f'li[data-project="{project["number"]}"]'), 20)
        b.get(f"{suite.url}/#/projects/{project['id']}")
        text_in(b, '[data-testid="project-status"]', "Approved", 20)
        text_in(b, '[data-testid="project-comment"]', "同意，控制费用")
        screenshot(b, "project-approved-en", full_height=True)
        assert script_errors(b) == []
    assert people["rep"].get(f"/projects/{project['id']}").json()["status"] == "approved"

    with chromium(tmp_path_factory.mktemp("pj-phone"), size=PHONE) as b:  # a rep on the road
        log_in(b, suite.url, people["usernames"]["rep"], PASSWORD, f"#/projects/{project['id']}?tab=competition")
        text_in(b, '[data-testid="project-competition"]', "西门子", SLOW_S)
        assert page_width(b) <= PHONE[0]
        screenshot(b, "project-phone-zh", full_height=True)
        b.get(f"{suite.url}/#/projects/{project['id']}/edit")
        text_in(b, "#page-title", "编辑项目", 20)
        text_in(b, "p.notice", "不能修改")
        assert page_width(b) <= PHONE[0]
        screenshot(b, "project-form-phone-zh", full_height=True)

    with chromium(tmp_path_factory.mktemp("pj-other")) as b:
        log_in(b, suite.url, people["usernames"]["other"], PASSWORD, f"#/projects/{project['id']}")
        wait(b, lambda d: "记录不存在" in d.find_element(By.CSS_SELECTOR, "main").text, SLOW_S)
        b.get(f"{suite.url}/#/projects")
        title_is(b, "项目")
        assert project_name not in b.find_element(By.CSS_SELECTOR, "main").text
