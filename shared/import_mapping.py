"""Which column of an import file fills which field, for every service's imports (customers and
leads in the customer service, products in inventory, opening balances in billing; no
framework imports).

Headers are recognised in Chinese and English, including the names other CRMs export
(Salesforce, Odoo res.partner, SuiteCRM, vtiger): a header is normalised (NFKC, lower case,
blanks and punctuation dropped: "Billing Zip/Postal Code" -> "billingzippostalcode") and looked
up in ALIASES. The caller may send its own mapping ({column: field or null}), which replaces the
detected one; a custom field is "custom_fields.<name>".

Several columns may feed one address (street, street 2, district, city, state, ZIP, country,
joined in the file's order) and one contact name (first and last name). Any other field is
filled by the first column mapped to it; later ones are ignored. "mobile" fills the contact's
phone when the file has a contact or another column gives the customer's phone, else the
customer's phone. A contact's phone or e-mail without a contact-name column (an Odoo or vtiger
company export) makes a contact named after the customer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.tabular import ImportLimits, TableError, cell_text, read_table

KINDS = ("customers", "leads", "products", "opening-balances")
CUSTOM_PREFIX = "custom_fields."
ADDRESS_PARTS = ("address", "street", "street2", "district", "city", "state", "zip", "country")
NAME_PARTS = ("contact_first_name", "contact_last_name")

# The fields each kind's import fills (what a mapping may name, besides custom fields).
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": ("name", "industry", "phone", "mobile", "website", "category", *ADDRESS_PARTS,
                  "contact_name", *NAME_PARTS, "contact_phone", "contact_email", "external_id", "owner"),
    "leads": ("name", "company", "phone", "mobile", "email", "source", "owner", *NAME_PARTS),
    "products": ("sku", "name", "spec", "unit", "list_price", "cost_price", "safety_stock"),
    # billing's copy of customers has their id and name only: no external id to match on
    "opening-balances": ("customer_name", "amount", "as_of", "note"),
}

_CUSTOMER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("客户名称", "客户", "名称", "公司名称", "单位名称", "企业名称", "公司", "客户全称", "公司全称", "单位",
             "name", "accountname", "company", "companyname", "organizationname", "organisationname",
             "organization", "accountsname", "displayname", "客户名", "customer", "customername", "partner"),
    "industry": ("行业", "所属行业", "行业类别", "industry", "industryid", "sector"),
    "phone": ("电话", "联系电话", "公司电话", "办公电话", "座机", "固定电话", "客户电话", "电话号码", "总机",
              "phone", "officephone", "phoneoffice", "businessphone", "telephone", "tel", "phonenumber",
              "workphone", "mainphone"),
    "mobile": ("手机", "手机号", "手机号码", "移动电话", "mobile", "mobilephone", "cell", "cellphone",
               "phonemobile"),
    "website": ("网站", "网址", "公司网站", "主页", "官网", "website", "web", "url", "site", "homepage", "webpage"),
    "category": ("分类", "类别", "客户分类", "客户类别", "客户类型", "客户等级", "等级", "category", "type",
                 "accounttype", "customertype", "customercategory", "rating"),
    "address": ("地址", "详细地址", "通讯地址", "公司地址", "联系地址", "办公地址", "address", "fulladdress",
                "billingaddress", "companyaddress"),
    "street": ("街道", "街道地址", "street", "streetaddress", "billingstreet", "billingaddressstreet",
               "billstreet", "street1", "addressline1", "mailingstreet", "primaryaddressstreet"),
    "street2": ("street2", "addressline2", "billingstreet2", "billingaddressstreet2"),
    "district": ("区", "区县", "县", "区域", "district", "county"),
    "city": ("市", "城市", "所在城市", "city", "billingcity", "billingaddresscity", "billcity", "mailingcity",
             "primaryaddresscity"),
    "state": ("省", "省份", "所在省份", "省市", "state", "province", "stateprovince", "stateid", "billingstate",
              "billingstateprovince", "billingaddressstate", "billstate", "mailingstate",
              "primaryaddressstate", "region"),
    "zip": ("邮编", "邮政编码", "zip", "zipcode", "postalcode", "postcode", "billingzippostalcode",
            "billingpostalcode", "billingzip", "billingaddresspostalcode", "billcode", "billingcode", "mailingzippostalcode",
            "primaryaddresspostalcode"),
    "country": ("国家", "国家地区", "country", "countryid", "billingcountry", "billingaddresscountry",
                "billcountry", "mailingcountry", "primaryaddresscountry"),
    "contact_name": ("联系人", "联系人姓名", "联系人名称", "姓名", "主要联系人", "contact", "contactname",
                     "contactperson", "primarycontact", "fullname"),
    "contact_first_name": ("名", "firstname", "givenname"),
    "contact_last_name": ("姓", "lastname", "surname", "familyname"),
    "contact_phone": ("联系人电话", "联系人手机", "contactphone", "contactmobile"),
    "contact_email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "联系人邮箱", "email", "emailaddress", "email1",
                      "mail", "contactemail", "primaryemail"),
    "external_id": ("编号", "客户编号", "客户编码", "客户代码", "外部编号", "原系统编号", "id", "externalid",
                    "accountid", "recordid", "organizationno", "accountno", "customerid", "customerno",
                    "customernumber", "accountnumber"),
    "owner": ("负责人", "所属人", "业务员", "销售员", "销售代表", "客户经理", "归属人", "跟进人", "owner",
              "accountowner", "assignedto", "assignedusername", "assigneduser", "salesperson", "userid",
              "ownerid", "ownername", "recordowner"),
}
_LEAD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "线索名称", "名称", "联系人", "name", "fullname", "leadname", "contactname"),
    "company": ("公司", "公司名称", "单位名称", "客户名称", "company", "companyname", "accountname",
                "organization", "organizationname"),
    "phone": ("电话", "联系电话", "phone", "telephone", "officephone", "phoneoffice", "phonework", "tel"),
    "mobile": ("手机", "手机号", "mobile", "mobilephone", "phonemobile", "cell"),
    "email": ("邮箱", "电子邮箱", "email", "emailaddress", "email1"),
    "source": ("来源", "线索来源", "获客渠道", "渠道", "source", "leadsource"),
    "owner": _CUSTOMER_ALIASES["owner"],
    "contact_first_name": ("名", "firstname"),
    "contact_last_name": ("姓", "lastname"),
}
_PRODUCT_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("编码", "货号", "产品编号", "产品编码", "商品编码", "物料编码", "sku", "productcode", "itemcode",
            "defaultcode", "internalreference", "partnumber"),
    "name": ("名称", "产品名称", "商品名称", "品名", "name", "productname", "itemname"),
    "spec": ("规格", "型号", "规格型号", "spec", "specification", "model", "description"),
    "unit": ("单位", "计量单位", "unit", "uom", "unitofmeasure"),
    "list_price": ("售价", "价格", "单价", "销售价", "listprice", "price", "salesprice", "unitprice"),
    "cost_price": ("成本", "成本价", "进价", "costprice", "cost", "standardprice"),
    "safety_stock": ("安全库存", "safetystock", "minstock", "reorderlevel"),
}
_OPENING_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_name": ("客户名称", "客户", "公司名称", "单位名称", "企业名称", "客户全称", "往来单位", "单位",
                      "name", "customer", "customername", "accountname", "account", "company", "companyname",
                      "partner"),
    "amount": ("期初余额", "期初应收", "期初欠款", "欠款", "余额", "应收余额", "应收账款", "金额", "openingbalance",
               "balance", "amount", "amountdue", "balancedue", "outstanding"),
    "as_of": ("日期", "截止日期", "期初日期", "余额日期", "asof", "asofdate", "date", "balancedate"),
    "note": ("备注", "说明", "摘要", "note", "notes", "memo", "remark", "remarks", "description"),
}
_ALIASES_BY_KIND = {"customers": _CUSTOMER_ALIASES, "leads": _LEAD_ALIASES, "products": _PRODUCT_ALIASES,
                    "opening-balances": _OPENING_ALIASES}
_DROP = re.compile(r"[\s_\-./()（）:：*#＃、·]+|\(必填\)|（必填）")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise_header(title: str) -> str:
    """The lookup key of a header cell: NFKC, lower case, without blanks and punctuation."""
    text = unicodedata.normalize("NFKC", title.lstrip("\ufeff")).strip().lower()
    return _DROP.sub("", text.replace("（必填）", "").replace("(必填)", ""))


def _alias_table(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for fld, names in _ALIASES_BY_KIND[kind].items():
        table.setdefault(normalise_header(fld), fld)
        for name in names:
            table.setdefault(normalise_header(name), fld)
    return table


ALIASES: dict[str, dict[str, str]] = {kind: _alias_table(kind) for kind in KINDS}


class MappingProblem(ValueError):
    """The caller's mapping names a column or a field that does not exist (details per column)."""

    def __init__(self, message: str, details: dict[str, list[str]]):
        super().__init__(message)
        self.details = details


def detect(header: Sequence[str], kind: str = "customers", custom_fields: Sequence[str] = ()) -> dict[str, str | None]:
    """{column: field or None} for each header cell: our field names, their aliases, or a
    custom field's name. A field already filled by an earlier column (other than address
    parts and name parts) leaves the later column unmapped."""
    table = ALIASES[kind]
    custom = {normalise_header(n): n for n in custom_fields}
    out: dict[str, str | None] = {}
    taken: set[str] = set()
    for title in header:
        if title in out or not title.strip():
            continue
        key = normalise_header(title)
        fld = table.get(key)
        if fld is None and key in custom and kind == "customers":
            fld = CUSTOM_PREFIX + custom[key]
        if fld is not None and fld in taken and fld not in ADDRESS_PARTS:
            fld = None
        if fld is not None:
            taken.add(fld)
        out[title] = fld
    return out


def check_mapping(mapping: Any, header: Sequence[str], kind: str = "customers",
                  custom_fields: Sequence[str] = ()) -> dict[str, str | None]:
    """The caller's mapping checked against the file's header: every key a column, every
    value a field of the kind, a defined custom field or null. Columns it leaves out are
    ignored. Raises MappingProblem."""
    if not isinstance(mapping, dict):
        raise MappingProblem("the mapping must be an object {column: field or null}", {"mapping": ["must be an object"]})
    allowed = set(FIELDS[kind])
    columns = {h.lstrip("\ufeff").strip() for h in header}
    errors: dict[str, list[str]] = {}
    clean: dict[str, str | None] = {}
    for column, fld in mapping.items():
        if column.lstrip("\ufeff").strip() not in columns:
            errors[column] = ["is not a column of the file"]
        elif fld is None or fld == "" or fld == "ignore":
            clean[column] = None
        elif not isinstance(fld, str):
            errors[column] = ["must be a field name or null"]
        elif fld.startswith(CUSTOM_PREFIX) and kind == "customers":
            if fld[len(CUSTOM_PREFIX):] not in custom_fields:
                errors[column] = [f"{fld[len(CUSTOM_PREFIX):]} is not a defined custom field"]
            else:
                clean[column] = fld
        elif fld not in allowed:
            errors[column] = [f"{fld} is not a field of a{'n' if kind[0] in 'o' else ''} {kind[:-1]} import"]
        else:
            clean[column] = fld
    if errors:
        raise MappingProblem("the mapping names unknown columns or fields", errors)
    return clean


@dataclass(frozen=True)
class Plan:
    """How a file's cells become a row's fields (built once per file)."""

    single: tuple[tuple[str, int], ...]           # (field, column index)
    address: tuple[int, ...] = ()                 # columns joined into the address, in order
    first_name: int | None = None
    last_name: int | None = None
    custom: tuple[tuple[str, int], ...] = ()      # (custom field name, column index)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> file columns
    # no contact-name column but a contact's phone or e-mail (an Odoo or vtiger company
    # export): the contact is named after the customer
    contact_named_after_customer: bool = False
    person: str = "contact_name"  # the field first and last name make (leads: the lead's name)

    @property
    def fields(self) -> set[str]:
        """The fields this file fills (custom fields as custom_fields.<name>)."""
        out = {f for f, _ in self.single}
        if self.address:
            out.add("address")
        if self.first_name is not None or self.last_name is not None:
            out.add(self.person)
        out.update(CUSTOM_PREFIX + n for n, _ in self.custom)
        return out

    def values(self, cells: Sequence[str]) -> dict[str, Any]:
        """{field: text} of one row (address and contact name joined; custom fields in
        "custom_fields": {name: text}, blank cells left out)."""
        def cell(i: int | None) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        out: dict[str, Any] = {f: cell(i) for f, i in self.single}
        if self.address:
            out["address"] = join_address([cell(i) for i in self.address])
        if self.first_name is not None or self.last_name is not None:
            out[self.person] = join_name(cell(self.first_name), cell(self.last_name))
        if self.custom:
            out["custom_fields"] = {n: cell(i) for n, i in self.custom if cell(i)}
        if self.contact_named_after_customer and (out.get("contact_phone") or out.get("contact_email")):
            out["contact_name"] = out.get("name", "")
        return out


def join_address(parts: Sequence[str]) -> str:
    """Address parts in the file's order, blanks and repeats dropped: joined by a space when
    they are Chinese ("广东省 深圳市 南山区科技园"), else by ", "."""
    kept: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in kept:
            kept.append(p)
    sep = " " if any(_CJK.search(p) for p in kept) else ", "
    return sep.join(kept)


def join_name(first: str, last: str) -> str:
    """A person's name from its parts: 姓 then 名 in Chinese, "First Last" otherwise."""
    first, last = first.strip(), last.strip()
    if _CJK.search(first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)


def plan(header: Sequence[str], mapping: dict[str, str | None], kind: str = "customers") -> Plan:
    """The Plan for a header and a mapping (detect's or the caller's): the first column of a
    field wins; "mobile" is resolved (the contact's phone when the file has a contact, else
    the customer's phone when nothing else fills it)."""
    single: dict[str, int] = {}
    address: list[int] = []
    custom: dict[str, int] = {}
    first = last = None
    columns: dict[str, list[str]] = {}
    person = "name" if kind == "leads" else "contact_name"
    cleaned = {k.lstrip("\ufeff").strip(): v for k, v in mapping.items()}
    for index, title in enumerate(header):
        fld = cleaned.get(title.lstrip("\ufeff").strip())
        if not fld:
            continue
        target = "address" if fld in ADDRESS_PARTS and kind == "customers" else fld
        target = person if fld in NAME_PARTS else target
        if fld.startswith(CUSTOM_PREFIX):
            name = fld[len(CUSTOM_PREFIX):]
            if name not in custom:
                custom[name] = index
                columns.setdefault(fld, []).append(title)
            continue
        if fld in ADDRESS_PARTS and kind == "customers":
            address.append(index)
        elif fld == "contact_first_name":
            if first is not None:
                continue
            first = index
        elif fld == "contact_last_name":
            if last is not None:
                continue
            last = index
        elif fld in single:
            continue
        else:
            single[fld] = index
        columns.setdefault(target, []).append(title)
    if "mobile" in single:
        index = single.pop("mobile")
        has_contact = "contact_name" in single or first is not None or last is not None
        mobile_title = header[index]
        if kind == "customers":
            target = "contact_phone" if has_contact or "phone" in single else "phone"
            if target not in single:
                single[target] = index
                columns.setdefault(target, []).append(mobile_title)
            columns.pop("mobile", None)
        else:
            if "phone" not in single:
                single["phone"] = index
                columns.setdefault("phone", []).append(mobile_title)
            columns.pop("mobile", None)
    if person in single and (first is not None or last is not None):
        first = last = None  # a full-name column wins over its parts
        columns[person] = [header[single[person]]]
    named_after = (kind == "customers" and "contact_name" not in single and first is None and last is None
                   and ("contact_phone" in single or "contact_email" in single))
    return Plan(single=tuple(single.items()), address=tuple(address), first_name=first, last_name=last,
                custom=tuple(custom.items()), columns={k: tuple(v) for k, v in columns.items()},
                contact_named_after_customer=named_after, person=person)


@dataclass
class ImportFile:
    """An import file opened: its header, the mapping used, how cells become fields, what was
    found about the file, and its non-blank data rows as (row number, cells)."""

    header: list[str]
    mapping: dict[str, str | None]
    plan: Plan
    encoding: str | None
    delimiter: str | None
    rows: Iterator[tuple[int, list[str]]]


def open_file(data: bytes, filename: str = "", limits: ImportLimits | None = None, *, kind: str = "customers",
              mapping: Any = None, custom_fields: Sequence[str] = (),
              required: Sequence[str] = ("name",)) -> ImportFile:
    """The file opened with the caller's mapping (checked: MappingProblem) or the detected one.
    TableError when it is empty or no column fills a required field."""
    info: dict[str, Any] = {}
    table = ([cell_text(v) for v in raw] for raw in read_table(data, filename, limits, info))
    header = next(table, None)
    if header is None:
        raise TableError("the file is empty")
    header = [h.lstrip("\ufeff").strip() for h in header]
    if mapping is None:
        used = detect(header, kind, custom_fields)
    else:
        used = check_mapping(mapping, header, kind, custom_fields)
    made = plan(header, used, kind)
    missing = [f for f in required if f not in made.fields]
    if missing:
        raise TableError(f"the header row lacks: {', '.join(missing)}", details={"missing": missing})

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, raw in enumerate(table, start=2):
            if any(raw):
                yield number, raw

    return ImportFile(header=header, mapping=used, plan=made, encoding=info.get("encoding"),
                      delimiter=info.get("delimiter"), rows=rows())
