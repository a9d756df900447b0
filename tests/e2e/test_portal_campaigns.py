"""Marketing campaigns in the portal, in headless Chromium, in both languages (issue 16): a
manager plans a campaign, starts it, adds a rep's contact by ticking it in the contact list,
mails the members and watches the progress reach 已完成 / Done (a local SMTP server takes the
message), and reads the return; the rep opens the campaign's members on a 390 px phone and
finds the campaign picker on the lead form."""

from __future__ import annotations

import uuid

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.portal_browser import (
    PHONE,
    By,
    catalogues,
    choose,
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
from tests.e2e.portal_browser import (
    needs_chromium as _needs_chromium,
)

pytestmark = [pytest.mark.e2e, _needs_chromium]
PASSWORD = "pass-word-1"
SET_VALUE = """
const [el, value] = arguments;
Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(el, value);
el.dispatchEvent(new Event("input", {bubbles: true}));
"""


class _Inbox:
    def __init__(self):
        self.messages: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp(suite):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=suite.smtp_port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def words():
    return catalogues()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_manager_runs_a_campaign_and_a_rep_reads_it_on_a_phone(suite, admin, words, smtp, lang, tmp_path):
    w = words[lang]
    tag = uuid.uuid4().hex[:6]
    manager = admin.create_user("manager", username=f"mgr_camp_{tag}", password=PASSWORD)
    rep = admin.create_user("sales", manager_id=manager.user["id"], username=f"rep_camp_{tag}", password=PASSWORD)
    customer = rep.post("/customers", json={"name": f"活动页客户{tag}"}).json()
    contact_name = f"周经理{tag}"
    rep.post(f"/customers/{customer['id']}/contacts", json={"name": contact_name, "email": f"zhou-{tag}@example.cn"})
    name = f"秋季工博会{tag}"
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, manager.user["username"], PASSWORD, "#/campaigns")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, w["campaigns.title"])
        click_text(d, w["campaigns.new"], "a.button")
        type_into(d, w["campaign.name"], name)
        choose(d, w["campaign.kind"], w["campaign_kind.exhibition"])
        d.execute_script(SET_VALUE, field(d, w["campaign.starts_on"]), "2027-09-16")
        d.execute_script(SET_VALUE, field(d, w["campaign.ends_on"]), "2027-09-20")
        type_into(d, w["campaign.budget"], "40000")
        screenshot(d, f"campaign-form-{lang}", full_height=True)
        click_text(d, w["action.save"], ".form-actions button")
        wait(d, lambda drv: drv.find_element(By.CSS_SELECTOR, "[data-testid=campaign-status]")
             .get_attribute("data-status") == "planned")
        campaign_id = d.current_url.rsplit("/", 1)[-1]
        click_text(d, w["campaign.start"], "button")
        wait(d, lambda drv: drv.find_element(By.CSS_SELECTOR, "[data-testid=campaign-status]")
             .get_attribute("data-status") == "active")

        # members: tick the rep's contact in the contact list
        click_text(d, w["members.title"], "[role=tab]")
        click_text(d, w["members.add"], "button")
        from selenium.webdriver.support.ui import Select
        Select(visible(d, "[data-testid=pick-source]")).select_by_value("contacts")
        search = visible(d, "[data-testid=add-members] input[type=search]")
        search.send_keys(contact_name)

        def searched(drv):  # the list answered the search (a new answer clears the selection)
            rows = drv.find_elements(By.CSS_SELECTOR, "[data-testid=add-members] tbody tr")
            return "q=" in drv.current_url and len(rows) == 1 and contact_name in rows[0].text and rows[0]
        wait(d, searched).find_element(By.CSS_SELECTOR, "td.sel input").click()
        click_text(d, w["members.add_selected"], ".bulk-bar button")
        text_in(d, "[data-testid=campaign-members]", contact_name)
        screenshot(d, f"campaign-members-{lang}", full_height=True)

        # mail: the progress reaches done, the server got the message
        click_text(d, w["mail.title"], "[role=tab]")
        type_into(d, w["mail.subject"], f"邀请函{tag}")
        type_into(d, w["mail.body"], "诚邀莅临展位 A12")
        click_text(d, w["mail.send"], ".form-actions button")
        wait(d, lambda drv: drv.find_element(By.CSS_SELECTOR, "[data-testid=mail-progress]")
             .get_attribute("data-status") == "done", 40)
        text_in(d, "[data-testid=mail-progress]", w["mailing_status.done"])
        screenshot(d, f"campaign-mail-{lang}")
        assert [f"zhou-{tag}@example.cn"] in smtp.messages

        click_text(d, w["roi.title"], "[role=tab]")
        text_in(d, "[data-testid=campaign-roi]", "-100.00%")  # nothing won yet: the whole budget lost
        screenshot(d, f"campaign-roi-{lang}")
        d.get(f"{suite.url}/#/campaigns?q={name}")
        text_in(d, "main table", w["campaign_status.active"])
        screenshot(d, f"campaign-list-{lang}")
        assert not script_errors(d)

    with chromium(tmp_path / "phone", size=PHONE, lang="zh-CN" if lang == "zh" else "en-US") as p:
        log_in(p, suite.url, rep.user["username"], PASSWORD, f"#/campaigns/{campaign_id}?tab=members")
        if lang == "en":  # the phone's menu folds the language switch away: the same path, by script
            p.execute_script("window.__setLang(arguments[0])", "en")
        text_in(p, "[role=tablist]", w["members.title"])
        text_in(p, "[data-testid=campaign-members]", contact_name)
        text_in(p, "[data-testid=campaign-members]", w["members.reached"])
        assert not p.find_elements(By.CSS_SELECTOR, "[data-testid=members-add]")  # reps read only
        assert page_width(p) <= PHONE[0]
        screenshot(p, f"campaign-members-phone-{lang}", full_height=True)
        p.get(f"{suite.url}/#/campaigns")
        text_in(p, "main", name)
        assert page_width(p) <= PHONE[0]
        screenshot(p, f"campaign-list-phone-{lang}")
        p.get(f"{suite.url}/#/leads/new")
        type_into(p, w["lead.name"], f"展会来访{tag}")
        field(p, w["campaign.picker"]).send_keys(name[:6])
        text_in(p, "li[role=option]", name)
        assert page_width(p) <= PHONE[0]
        screenshot(p, f"campaign-lead-picker-phone-{lang}")
        click_text(p, name, "li[role=option]")
        click_text(p, w["action.save"], ".form-actions button")
        text_in(p, "[data-testid=lead-campaign]", name)  # the lead's page names its campaign
        assert not script_errors(p)
    [lead] = rep.get("/leads", params={"campaign_id": campaign_id}).json()["items"]
    assert lead["name"] == f"展会来访{tag}"
