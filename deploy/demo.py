"""`make demo`: fill a running suite with a believable company, through the public API only.

华东精工机电设备有限公司 — a distributor of industrial automation parts: a general manager,
two regional managers with four sales reps each, two finance clerks and two warehouse keepers;
30 products in two warehouses with stock; 2,000 customers (Chinese company names, contacts,
phones, addresses from Faker zh_CN, seeded: the same names every run) imported by their reps;
leads (some converted), opportunities at every stage, visits and calls over the last months,
quotes (sent, accepted, rejected), orders through the saga (placed, stock reserved, confirmed,
some approved by a manager), shipments, invoices, payments, expenses (approved, paid),
complaints and tasks — so the portal and its dashboards show something on the first start.

    python -m deploy.demo [--url URL] [--customers 2000] [--prefix ""] [--workers 4]

URL: --url, else DEMO_URL, else http://127.0.0.1:8080 (what `make run` starts). The admin
logs in as DEMO_ADMIN_USERNAME / DEMO_ADMIN_PASSWORD (else CRM_ADMIN_USERNAME /
CRM_ADMIN_PASSWORD, else admin / admin); the demo users' password is DEMO_PASSWORD
(default below, printed at the end).

Running it twice breaks nothing: users, products and warehouses are found by their username,
SKU and code and reused; the customers come from the same seeded import, whose duplicates are
skipped; the business records (leads, opportunities, orders, ...) are made only for the reps
whose import created customers in this run, so a second run adds nothing (it prints what
it found). --prefix puts a prefix on usernames, SKUs and warehouse codes and changes the
seed (a second company beside the first; the e2e test uses it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_PASSWORD = "Demo-pass-2026"
RETRY_STATUSES = {404, 422, 429, 502, 503}  # a copy not there yet, a busy service
COMPANY = "华东精工机电设备有限公司"

# (username, full name, role, manager username)
PEOPLE = [
    ("zhangjianguo", "张建国", "manager", None),
    ("lihong", "李红", "manager", "zhangjianguo"),
    ("wangqiang", "王强", "manager", "zhangjianguo"),
    ("chenjing", "陈静", "sales", "lihong"),
    ("liuyang", "刘洋", "sales", "lihong"),
    ("zhaolei", "赵磊", "sales", "lihong"),
    ("sunli", "孙丽", "sales", "lihong"),
    ("zhoujie", "周杰", "sales", "wangqiang"),
    ("wuxia", "吴霞", "sales", "wangqiang"),
    ("zhengkai", "郑凯", "sales", "wangqiang"),
    ("huangmin", "黄敏", "sales", "wangqiang"),
    ("xuyan", "徐艳", "finance", None),
    ("mayun", "马云飞", "finance", None),
    ("hugang", "胡刚", "warehouse", None),
    ("guoping", "郭平", "warehouse", None),
]

# (sku, name, spec, unit, list price)
PRODUCTS = [
    ("VFD-075", "变频器", "7.5kW 380V", "台", "3280.00"), ("VFD-150", "变频器", "15kW 380V", "台", "5460.00"),
    ("SRV-040", "伺服电机", "400W 3000rpm", "台", "1850.00"), ("SRV-100", "伺服电机", "1kW 2000rpm", "台", "3120.00"),
    ("SRD-040", "伺服驱动器", "400W", "台", "1680.00"), ("SRD-100", "伺服驱动器", "1kW", "台", "2750.00"),
    ("PLC-S32", "PLC 控制器", "32 点 晶体管输出", "台", "2380.00"), ("PLC-S64", "PLC 控制器", "64 点 继电器输出", "台", "3990.00"),
    ("HMI-070", "触摸屏", "7 寸", "台", "1290.00"), ("HMI-100", "触摸屏", "10 寸", "台", "2150.00"),
    ("PS-24-10", "开关电源", "24V 10A", "个", "168.00"), ("PS-24-20", "开关电源", "24V 20A", "个", "276.00"),
    ("CT-25", "交流接触器", "25A 220V", "个", "86.00"), ("CT-65", "交流接触器", "65A 220V", "个", "215.00"),
    ("MCB-C16", "微型断路器", "C16 3P", "个", "58.00"), ("MCB-C32", "微型断路器", "C32 3P", "个", "72.00"),
    ("RL-24", "中间继电器", "24VDC 带底座", "个", "23.50"), ("PX-M18", "接近开关", "M18 PNP", "个", "65.00"),
    ("PE-30", "光电开关", "漫反射 30cm", "个", "88.00"), ("ENC-1024", "编码器", "1024 线", "个", "420.00"),
    ("CBL-3X25", "电缆", "3x2.5mm² 100m", "卷", "680.00"), ("CBL-SH05", "屏蔽线", "4x0.5mm² 100m", "卷", "320.00"),
    ("RED-050", "减速机", "速比 1:50", "台", "1560.00"), ("RED-010", "减速机", "速比 1:10", "台", "1180.00"),
    ("SNS-PT100", "温度传感器", "PT100 0-200℃", "个", "135.00"), ("SNS-P10", "压力变送器", "0-1.0MPa", "个", "560.00"),
    ("CAB-800", "控制柜", "800x600x250", "台", "2680.00"), ("FAN-120", "散热风扇", "120mm 220V", "个", "45.00"),
    ("TB-25", "接线端子", "2.5mm² 100 只", "盒", "96.00"), ("BTN-22", "按钮开关", "22mm 自复位", "个", "18.00"),
]
WAREHOUSES = [("SH01", "上海总仓", "华东"), ("GZ01", "广州仓", "华南")]
INDUSTRIES = ["机械制造", "汽车零部件", "电子电器", "食品饮料", "化工", "纺织", "包装印刷", "新能源", "医药", "建材"]
CATEGORIES = ["A", "B", "B", "C", "C", "C"]
STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]
ACTIVITY_KINDS = [("visit", "上门拜访，了解{p}的使用情况"), ("call", "电话沟通{p}报价"), ("meeting", "技术交流会，演示{p}"),
                  ("email", "发送{p}资料和报价单"), ("note", "客户计划下季度扩产，关注{p}")]
OPP_NAMES = ["产线自动化改造", "年度备件采购", "新厂房电气配套", "设备升级项目", "节能改造", "包装线改造"]
LEAD_SOURCES = ["展会", "官网", "老客户介绍", "电话营销", "阿里巴巴", "行业协会"]
COMPLAINTS = [("到货包装破损", "外箱破损，两台设备外壳有划痕"), ("发货延迟", "承诺的交期推迟了一周"),
              ("开票信息有误", "发票抬头写错，需要重开"), ("设备故障", "变频器运行报过流故障")]
TASKS = ["回访客户使用情况", "跟进报价反馈", "准备技术方案", "催收货款", "安排样机试用", "确认交货时间"]
EXPENSES = [("差旅", "拜访客户高铁票"), ("招待", "客户午餐"), ("交通", "市内打车"), ("礼品", "中秋客户礼品"), ("通讯", "手机话费")]


class DemoError(Exception):
    pass


class Api:
    """One user's session on the public API (token refreshed by logging in again)."""

    def __init__(self, base: str, username: str, password: str, *, admin: bool = False):
        self.username_is_admin = admin
        self.base = base.rstrip("/") + "/api/v1"
        self.username, self.password = username, password
        self.http = requests.Session()
        self.user: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.login()

    def login(self) -> None:
        for attempt in range(6):  # a busy gateway (503) or its login limiter (429) asks to wait
            r = self.http.post(f"{self.base}/auth/login", json={"username": self.username, "password": self.password},
                               timeout=30)
            if r.status_code not in (429, 503):
                break
            time.sleep(0.5 * 2 ** attempt)
        if r.status_code != 200:
            hint = " (give the admin's password in DEMO_ADMIN_PASSWORD)" if self.username_is_admin else ""
            raise DemoError(f"login as {self.username}: {r.status_code} {r.text[:200]}{hint}")
        if r.json().get("password_change_required"):
            raise DemoError(
                f"{self.username} still has the generated first password, which must be changed first: log in at "
                f"{self.base.removesuffix('/api/v1')} and change it (or POST /api/v1/auth/password), then run "
                "DEMO_ADMIN_PASSWORD=<the new password> make demo")
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        self.user = self.http.get(f"{self.base}/auth/me", timeout=30).json()

    def call(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 202), retry: bool = True,
             **kw: Any) -> requests.Response:
        """The answer; retried (a few seconds) while a copy another service needs is on its way."""
        delay = 0.3
        for attempt in range(6 if retry else 1):
            try:
                r = self.http.request(method, f"{self.base}{path}", timeout=60, **kw)
            except requests.ConnectionError:
                time.sleep(delay)
                delay = min(delay * 2, 3)
                continue
            if r.status_code == 401 and attempt == 0:
                with self._lock:
                    self.login()
                continue
            if r.status_code in ok or r.status_code not in RETRY_STATUSES:
                return r
            time.sleep(delay)
            delay = min(delay * 2, 3)
        return r

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        r = self.call("GET", path, params=params)
        if r.status_code != 200:
            raise DemoError(f"GET {path}: {r.status_code} {r.text[:200]}")
        return r.json()

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kw) if body is not None else self.call("POST", path, **kw)

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items, page = [], 1
        while True:
            answer = self.get(path, **params, page=page, per_page=200)
            items += answer["items"]
            if len(answer["items"]) < 200 or len(items) >= answer.get("total", 0):
                return items
            page += 1


@dataclass
class Tally:
    made: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, r: requests.Response, ok: tuple[int, ...] = (200, 201, 202)) -> dict[str, Any] | None:
        with self.lock:
            if r.status_code in ok:
                self.made[what] += 1
                return r.json() if r.content else {}
            self.failed[what] += 1
            self.examples.setdefault(what, f"{r.status_code} {r.text[:200]}")
        return None


@dataclass
class World:
    url: str
    prefix: str
    password: str
    admin: Api
    rng: random.Random
    tally: Tally = field(default_factory=Tally)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)      # username (without prefix) -> user
    clients: dict[str, Api] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=list)
    warehouses: list[dict[str, Any]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # company names taken (_bare), so leads convert

    def client(self, short: str) -> Api:
        if short not in self.clients:
            self.clients[short] = Api(self.url, self.prefix + short, self.password)
        return self.clients[short]

    def of_role(self, role: str) -> list[str]:
        return [p[0] for p in PEOPLE if p[2] == role]


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def ago(rng: random.Random, days: int) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 8))
    return moment.isoformat(timespec="seconds")


# ---- the company: users, products, stock ----------------------------------------------------
def make_users(w: World) -> None:
    known = {u["username"]: u for u in w.admin.all("/users")}
    for short, full_name, role, manager in PEOPLE:
        username = w.prefix + short
        if username in known:
            w.users[short] = known[username]
            w.tally.made["users (found)"] += 1
            continue
        body = {"username": username, "password": w.password, "full_name": full_name, "role": role}
        if manager:
            body["manager_id"] = w.users[manager]["id"]
        user = w.tally.record("users", w.admin.post("/users", body))
        if user is None:
            raise DemoError(f"user {username}: {w.tally.examples['users']}")
        w.users[short] = user


def make_catalogue(w: World) -> None:
    for code, name, region in WAREHOUSES:
        code = (w.prefix + code).upper()[:20]
        r = w.admin.post("/warehouses", {"code": code, "name": f"{name}{w.prefix and ' ' + w.prefix}", "region": region},
                         retry=False)
        found = w.tally.record("warehouses", r, ok=(201,)) if r.status_code != 409 else None
        if found is None:
            found = next((x for x in w.admin.all("/warehouses") if x["code"] == code), None)
            if found is None:
                raise DemoError(f"warehouse {code}: {r.status_code} {r.text[:200]}")
            w.tally.made["warehouses (found)"] += 1
        w.warehouses.append(found)
    for sku, name, spec, unit, price in PRODUCTS:
        sku = (w.prefix + sku).upper()
        body = {"sku": sku, "name": name, "spec": f"{spec}{w.prefix and ' ' + w.prefix}", "unit": unit,
                "list_price": price, "safety_stock": 20}
        r = w.admin.post("/products", body, retry=False)
        product = w.tally.record("products", r, ok=(201,)) if r.status_code != 409 else None
        if product is None:
            product = next((p for p in w.admin.get("/products", q=sku)["items"] if p["sku"] == sku), None)
            if product is None:
                raise DemoError(f"product {sku}: {r.status_code} {r.text[:200]}")
            w.tally.made["products (found)"] += 1
        else:  # new product: stock in both warehouses
            for house in w.warehouses:
                w.tally.record("stock receipts", w.admin.post("/stock/receipts", {
                    "warehouse_id": house["id"], "lines": [{"product_id": product["id"], "quantity": 5000}]}))
        w.products.append(product)


# ---- customers: one seeded import per rep ----------------------------------------------------
SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")


def _bare(name: str) -> str:
    """A name without its company form (有限公司, ...): two names alike but for it are one
    company to the suite's duplicate check."""
    stripped = True
    while stripped:
        stripped = False
        for suffix in SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name, stripped = name[: -len(suffix)], True
                break
    return name.casefold()


def customer_rows(prefix: str, total: int) -> list[str]:
    """The company's customers as CSV lines, the same every run for a prefix: distinct names
    (a city and a company name from Faker zh_CN), a contact each."""
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(f"{prefix}|customers")
    rng = random.Random(f"{prefix}|rows")
    rows, keys = [], set()
    while len(rows) < total:
        name = f"{fake.city_name()}{fake.company()}"
        key = _bare(name)
        if key in keys:  # the suite would take it for the same company
            continue
        keys.add(key)
        rows.append(f"{name},{rng.choice(INDUSTRIES)},{fake.phone_number()},{fake.address().replace(',', ' ')},"
                    f"{rng.choice(CATEGORIES)},{fake.name()},{fake.phone_number()},{fake.email()}")
    return rows


def customer_csv(rows: list[str]) -> bytes:
    header = "name,industry,phone,address,category,contact_name,contact_phone,contact_email"
    return "\n".join([header, *rows]).encode("utf-8")


def import_customers(w: World, rep: str, rows: list[str]) -> int:
    """How many customers the rep's import (their share of the rows) created in this run."""
    api = w.client(rep)
    r = api.post("/imports/customers", files={"file": (f"{rep}.csv", customer_csv(rows), "text/csv")})
    job = w.tally.record("customer imports", r)
    if job is None:
        return 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        state = api.get(f"/imports/{job['id']}")
        if state["status"] in ("done", "failed"):
            with w.tally.lock:
                w.tally.made["customers"] += state.get("created", 0)
                w.tally.made["customers (already there)"] += state.get("duplicates", 0)
            return state.get("created", 0)
        time.sleep(0.5)
    raise DemoError(f"the import of {rep} did not finish")


# ---- one rep's business -----------------------------------------------------------------------
def rep_business(w: World, rep: str, manager: str, scale: float, seed: str, first_stage: int = 0) -> list[dict[str, Any]]:
    """Leads, opportunities, activities, quotes, orders, tasks, complaints, expenses of one rep;
    the orders placed (for shipping, invoicing and payment afterwards)."""
    rng = random.Random(seed)
    api, t = w.client(rep), w.tally
    customers = api.all("/customers", owner_id=api.user["id"])
    if not customers:
        return []

    def some(n: float) -> list[dict[str, Any]]:
        return rng.sample(customers, min(len(customers), max(1, round(n))))

    def product_lines(k: int) -> list[dict[str, Any]]:
        return [{"product_id": p["id"], "quantity": rng.choice([1, 2, 2, 3, 5, 10]), "tax_rate": 13,
                 "discount_pct": rng.choice([0, 0, 0, 3, 5, 5, 15])} for p in rng.sample(w.products, k)]

    for c in some(len(customers) * 0.35):
        kind, text = rng.choice(ACTIVITY_KINDS)
        t.record("activities", api.post("/activities", {"customer_id": c["id"], "kind": kind,
                                                         "summary": text.format(p=rng.choice(PRODUCTS)[1]),
                                                         "occurred_at": ago(rng, 120)}))
    for i, c in enumerate(some(len(customers) * 0.2)):
        stage = STAGES[(first_stage + i) % len(STAGES)]  # every stage, also in a small company
        close = dt.date.today() + dt.timedelta(days=rng.randint(-60, 120))
        t.record("opportunities", api.post("/opportunities", {
            "customer_id": c["id"], "name": f"{c['name'][:20]} {rng.choice(OPP_NAMES)}",
            "amount": money(Decimal(rng.randint(20, 800)) * 1000), "stage": stage,
            "expected_close_date": close.isoformat()}))
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(f"{seed}|leads")
    for i in range(max(1, round(25 * scale))):
        company = f"{fake.city_name()}{fake.company()}"
        with t.lock:
            if _bare(company) in w.names:
                continue
            w.names.add(_bare(company))
        lead = t.record("leads", api.post("/leads", {
            "name": fake.name(), "company": company,
            "phone": fake.phone_number(), "email": fake.email(), "source": rng.choice(LEAD_SOURCES)}))
        if lead and i % 5 == 0:
            t.record("lead conversions", api.post(f"/leads/{lead['id']}/convert", {
                "opportunity": {"name": "首单采购", "amount": money(Decimal(rng.randint(10, 200)) * 1000)}}))
    orders: list[dict[str, Any]] = []
    valid = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    for i, c in enumerate(some(len(customers) * 0.06)):
        quote = t.record("quotes", api.post("/quotes", {"customer_id": c["id"], "valid_until": valid,
                                                        "lines": product_lines(rng.randint(1, 3))}))
        if not quote or i % 4 == 3:
            continue  # a draft
        t.record("quotes sent", api.post(f"/quotes/{quote['id']}/status", {"status": "sent"}))
        outcome = "accepted" if i % 3 != 2 else "rejected"
        if t.record(f"quotes {outcome}", api.post(f"/quotes/{quote['id']}/status", {"status": outcome})) \
                and outcome == "accepted" and i % 2 == 0:
            order = t.record("orders (from quotes)", api.post(f"/quotes/{quote['id']}/convert"))
            if order:
                orders.append(order)
    for c in some(len(customers) * 0.07):
        order = t.record("orders", api.post("/orders", {"customer_id": c["id"], "lines": product_lines(rng.randint(1, 3)),
                                                        "warehouse_id": rng.choice(w.warehouses)["id"]}))
        if order:
            orders.append(order)
    for c in some(len(customers) * 0.08):
        due = dt.datetime.now(dt.UTC) + dt.timedelta(days=rng.randint(-3, 14), hours=rng.randint(1, 8))
        t.record("tasks", api.post("/tasks", {"title": rng.choice(TASKS), "due_at": due.isoformat(timespec="seconds"),
                                               "customer_id": c["id"],
                                               "remind_at": (due - dt.timedelta(hours=2)).isoformat(timespec="seconds")}))
    for c in some(len(customers) * 0.02):
        subject, text = rng.choice(COMPLAINTS)
        t.record("complaints", api.post("/complaints", {"customer_id": c["id"], "subject": subject, "description": text,
                                                         "assignee_id": w.users[manager]["id"]}))
    for c in some(5 * scale):
        category, text = rng.choice(EXPENSES)
        t.record("expenses", api.post("/expenses", {"amount": money(Decimal(rng.randint(3000, 120000)) / 100),
                                                     "category": category, "description": text, "customer_id": c["id"]}))
    return orders


def approve_and_settle(w: World, orders: list[dict[str, Any]], seed: str) -> None:
    """Managers approve discounted orders and expenses; the warehouse ships confirmed orders,
    finance invoices them and books payments, and pays approved expenses."""
    rng = random.Random(seed)
    t = w.tally
    for short in w.of_role("manager"):
        api = w.client(short)
        for order in api.all("/orders", status="pending_approval"):
            t.record("orders approved", api.post(f"/orders/{order['id']}/approve"))
        for expense in api.all("/expenses", status="submitted"):
            if rng.random() < 0.7:
                t.record("expenses approved", api.post(f"/expenses/{expense['id']}/approve"))
    keeper, clerk = w.client(w.of_role("warehouse")[0]), w.client(w.of_role("finance")[0])
    settled = wait_confirmed(w, orders)
    for i, order in enumerate(settled):
        if i % 10 < 7:  # 70% shipped (some in part)
            lines = [{"product_id": ln["product_id"], "quantity": ln["quantity"] if i % 5 else max(1, ln["quantity"] // 2)}
                     for ln in order["lines"]]
            t.record("shipments", keeper.post("/shipments", {
                "order_id": order["id"], "warehouse_id": order.get("warehouse_id") or order.get("reserved_warehouse_id"),
                "lines": lines,
                "carrier": rng.choice(["顺丰速运", "德邦物流", "中通快运"]),
                "tracking_number": f"SF{rng.randint(10**11, 10**12 - 1)}"}))
        if i % 10 < 6:  # 60% invoiced, most of those paid (some in part)
            gross = Decimal(order["gross"])
            if t.record("invoices", clerk.post("/invoices", {"order_id": order["id"], "amount": money(gross)})) \
                    and i % 10 < 5:
                amount = gross if i % 3 else (gross / 2)
                t.record("payments", clerk.post("/payments", {
                    "customer_id": order["customer_id"], "order_id": order["id"], "amount": money(amount),
                    "method": rng.choice(["bank_transfer", "bank_transfer", "bank_acceptance_bill", "alipay"]),
                    "received_at": ago(rng, 30)}))
    for expense in clerk.all("/expenses", status="approved"):
        if rng.random() < 0.6:
            t.record("expenses paid", clerk.post(f"/expenses/{expense['id']}/pay"))


def wait_confirmed(w: World, orders: list[dict[str, Any]], timeout: float = 180) -> list[dict[str, Any]]:
    """The orders once the saga settled (confirmed: stock reserved), read again with lines."""
    deadline = time.monotonic() + timeout
    pending = {o["id"] for o in orders}
    done: dict[str, dict[str, Any]] = {}
    while pending and time.monotonic() < deadline:
        for oid in list(pending):
            order = w.admin.get(f"/orders/{oid}")
            if order["status"] in ("confirmed", "rejected", "cancelled"):
                pending.discard(oid)
                if order["status"] == "confirmed":
                    done[oid] = order
        if pending:
            time.sleep(1)
    w.tally.made["orders confirmed"] += len(done)
    if pending:
        w.tally.failed["orders not confirmed in time"] += len(pending)
    return [done[o["id"]] for o in orders if o["id"] in done]


# ---- the whole run ------------------------------------------------------------------------------
def run(url: str, *, customers: int, prefix: str, password: str, workers: int, admin_user: str,
        admin_password: str, out: Any = sys.stdout) -> Tally:
    started = time.monotonic()
    admin = Api(url, admin_user, admin_password, admin=True)
    w = World(url=url, prefix=prefix, password=password, admin=admin, rng=random.Random(prefix))
    def phase(text: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {text}", file=out, flush=True)

    make_users(w)
    phase(f"{COMPANY}: {len(w.users)} users")
    make_catalogue(w)
    phase(f"{len(w.products)} products in {len(w.warehouses)} warehouses")
    reps = w.of_role("sales")
    managers = {p[0]: p[3] for p in PEOPLE}
    rows = customer_rows(prefix, customers)
    w.names.update(_bare(r.split(",", 1)[0]) for r in rows)
    for short in [*reps, *w.of_role("manager"), *w.of_role("finance"), *w.of_role("warehouse")]:
        w.client(short)  # log in one after the other (password hashing is the gateway's dearest work)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        created = list(pool.map(lambda i: import_customers(w, reps[i], rows[i::len(reps)]), range(len(reps))))
    phase(f"customers: {w.tally.made['customers']} imported, {w.tally.made['customers (already there)']} already there")
    fresh = [(rep, n) for rep, n in zip(reps, created, strict=True) if n > 0]
    if not fresh:
        print("every rep's customers were there already: nothing more to add", file=out)
    scale = customers / 2000  # leads and expenses per rep grow with the company's size
    with ThreadPoolExecutor(max_workers=workers) as pool:
        placed = list(pool.map(lambda a: rep_business(w, a[0], managers[a[0]], scale, f"{prefix}|{a[0]}",
                                                      reps.index(a[0])), fresh))
    orders = [o for group in placed for o in group]
    phase(f"the reps' business: {len(orders)} orders placed")
    if orders or fresh:
        approve_and_settle(w, orders, f"{prefix}|settle")
    took = time.monotonic() - started
    print(f"done in {took:.0f} s", file=out)
    for what, n in sorted(w.tally.made.items()):
        print(f"  {what}: {n}", file=out)
    for what, n in sorted(w.tally.failed.items()):
        print(f"  NOT made, {what}: {n} (e.g. {w.tally.examples.get(what, '')})", file=out)
    print(f"log in at {url} as {prefix}zhangjianguo (manager), {prefix}chenjing (sales), {prefix}xuyan (finance), "
          f"{prefix}hugang (warehouse); password {password}", file=out)
    w.tally.made["seconds"] = round(took)
    return w.tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DEMO_URL") or DEFAULT_URL)
    parser.add_argument("--customers", type=int, default=int(os.environ.get("DEMO_CUSTOMERS", "2000")))
    parser.add_argument("--prefix", default=os.environ.get("DEMO_PREFIX", ""))
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    admin_user = os.environ.get("DEMO_ADMIN_USERNAME") or os.environ.get("CRM_ADMIN_USERNAME") or "admin"
    admin_password = os.environ.get("DEMO_ADMIN_PASSWORD") or os.environ.get("CRM_ADMIN_PASSWORD") or "admin"
    try:
        tally = run(args.url, customers=args.customers, prefix=args.prefix,
                    password=os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD, workers=args.workers,
                    admin_user=admin_user, admin_password=admin_password)
    except (DemoError, requests.ConnectionError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    return 1 if tally.failed.get("users") else 0


if __name__ == "__main__":
    sys.exit(main())
