"""Header recognition, the caller's mapping, encodings and delimiters of import files (no database)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from services.customer.domain.importfile import (
    FileProblem,
    open_file,
    preview,
    read_rows,
    validate_row,
)
from shared import import_mapping as m
from shared.tabular import cell_text, detect_encoding, sniff_delimiter

ODOO = ["Name", "Street", "Street2", "City", "State", "Zip", "Country", "Phone", "Mobile", "Email", "Website",
        "Industry", "Salesperson", "External ID", "Tags", "Is a Company"]
SALESFORCE = ["Account ID", "Account Name", "Type", "Industry", "Phone", "Website", "Billing Street",
              "Billing City", "Billing State/Province", "Billing Zip/Postal Code", "Billing Country",
              "Account Owner", "Shipping Street"]


def test_chinese_headers_and_their_variants():
    header = ["客户名称", "所属行业", "联系电话", "手机", "联系人", "省", "市", "详细地址", "邮箱", "网站", "负责人", "备注"]
    assert m.detect(header) == {
        "客户名称": "name", "所属行业": "industry", "联系电话": "phone", "手机": "mobile", "联系人": "contact_name",
        "省": "state", "市": "city", "详细地址": "address", "邮箱": "contact_email", "网站": "website",
        "负责人": "owner", "备注": None}
    for name in ("公司名称", "单位名称", "Account Name", "Company", "Name", "Organization Name", "客户名称（必填）"):
        assert m.detect([name])[name] == "name", name


def test_odoo_partner_export():
    found = m.detect(ODOO)
    assert found["Name"] == "name" and found["External ID"] == "external_id"
    assert [found[h] for h in ("Street", "Street2", "City", "State", "Zip", "Country")] == [
        "street", "street2", "city", "state", "zip", "country"]
    assert found["Salesperson"] == "owner" and found["Tags"] is None and found["Is a Company"] is None
    plan = m.plan(ODOO, found)
    # no contact column: Mobile is not the customer's phone (Phone is), it becomes a contact
    # named after the customer, with the e-mail
    values = plan.values(["Azure Interior", "4557 De Silva St", "", "Fremont", "California", "94538",
                          "United States", "(870)-931-0505", "+1 555 0101", "azure@example.com",
                          "http://azure.example.com", "Retail", "Mitchell Admin", "base.res_partner_12", "", "True"])
    assert values["address"] == "4557 De Silva St, Fremont, California, 94538, United States"
    assert (values["phone"], values["contact_phone"], values["contact_email"], values["contact_name"]) == (
        "(870)-931-0505", "+1 555 0101", "azure@example.com", "Azure Interior")
    technical = m.detect(["id", "name", "street", "city", "state_id", "zip", "country_id", "phone", "email",
                          "user_id", "industry_id"])
    assert set(technical.values()) == {"external_id", "name", "street", "city", "state", "zip", "country",
                                       "phone", "contact_email", "owner", "industry"}


def test_salesforce_suitecrm_and_vtiger_exports():
    found = m.detect(SALESFORCE)
    assert found["Account ID"] == "external_id" and found["Account Name"] == "name"
    assert found["Billing Zip/Postal Code"] == "zip" and found["Billing State/Province"] == "state"
    assert found["Account Owner"] == "owner" and found["Type"] == "category"
    assert found["Shipping Street"] is None  # one address: the billing one
    suite = m.detect(["id", "name", "billing_address_street", "billing_address_city", "billing_address_postalcode",
                      "phone_office", "email1", "assigned_user_name", "account_type"])
    assert list(suite.values()) == ["external_id", "name", "street", "city", "zip", "phone", "contact_email",
                                    "owner", "category"]
    vtiger = m.detect(["Organization Name", "Organization No", "Phone", "Email", "Billing Address", "Billing City",
                       "Billing Code", "Assigned To"])
    assert list(vtiger.values()) == ["name", "external_id", "phone", "contact_email", "address", "city", "zip",
                                     "owner"]


def test_mobile_and_name_parts():
    header = ["Company", "First Name", "Last Name", "Mobile", "Email"]
    plan = m.plan(header, m.detect(header))
    assert plan.values(["Globex", "Hank", "Scorpio", "138", "h@globex.example"]) == {
        "name": "Globex", "contact_phone": "138", "contact_email": "h@globex.example", "contact_name": "Hank Scorpio"}
    zh = ["公司", "名", "姓", "手机"]
    assert m.plan(zh, m.detect(zh)).values(["华为", "伟", "王", "139"])["contact_name"] == "王伟"
    only_mobile = ["客户名称", "手机"]
    assert m.plan(only_mobile, m.detect(only_mobile)).values(["甲公司", "139"]) == {"name": "甲公司", "phone": "139"}


def test_chinese_address_parts_join_with_spaces_and_repeats_drop():
    assert m.join_address(["广东省", "深圳市", "", "南山区科技园"]) == "广东省 深圳市 南山区科技园"
    assert m.join_address(["北京市", "北京市", "朝阳区"]) == "北京市 朝阳区"


def test_a_second_column_of_a_field_is_left_unmapped():
    assert m.detect(["客户名称", "公司名称"]) == {"客户名称": "name", "公司名称": None}


def test_the_callers_mapping_is_checked():
    header = ["Firma", "Telefon", "Rabatt"]
    assert m.check_mapping({"Firma": "name", "Telefon": "phone", "Rabatt": "custom_fields.折扣"}, header,
                           custom_fields=["折扣"]) == {"Firma": "name", "Telefon": "phone",
                                                       "Rabatt": "custom_fields.折扣"}
    with pytest.raises(m.MappingProblem) as bad:
        m.check_mapping({"Firma": "nom", "Nope": "name", "Rabatt": "custom_fields.x"}, header)
    assert set(bad.value.details) == {"Firma", "Nope", "Rabatt"}
    assert m.check_mapping({"Firma": "name", "Telefon": None}, header) == {"Firma": "name", "Telefon": None}
    plan = m.plan(header, {"Firma": "name", "Rabatt": "custom_fields.折扣"})
    assert plan.values(["Acme", "1", "5"]) == {"name": "Acme", "custom_fields": {"折扣": "5"}}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_are_detected(encoding):
    text = "客户名称\t电话\n华东机电有限公司\t021-1\n"
    decoded, found = detect_encoding(text.encode(encoding))
    assert decoded == text
    expected = {"gbk": "gb18030"}.get(encoding, encoding)
    assert found == expected


def test_a_stray_nul_does_not_make_utf8_or_gbk_utf16():
    assert detect_encoding("name,phone\nA\x00公司,1\n".encode())[1] == "utf-8"
    assert detect_encoding("名称,电话\nA\x00公司,1\n".encode("gbk"))[1] == "gb18030"


def test_delimiters_are_sniffed():
    assert sniff_delimiter("name\tphone\nA\t1\n") == "\t"
    assert sniff_delimiter("name;phone;city\nA;1,5;X\n") == ";"
    assert sniff_delimiter('name,note\n"A","x;y;z"\n') == ","
    assert sniff_delimiter("name\nA\n") == ","


def test_excel_unicode_text_file_reads_as_a_table():
    data = "客户名称\t电话\t联系人\n华东机电有限公司\t021-1\t张三\n".encode("utf-16")
    opened = open_file(data, "export.txt")
    assert (opened.encoding, opened.delimiter) == ("utf-16", "\t")
    assert list(read_rows(data)) == [(2, {"name": "华东机电有限公司", "phone": "021-1", "contact_name": "张三"})]


def test_excel_dates_and_numbers():
    assert cell_text(datetime(2026, 3, 1)) == "2026-03-01"
    assert cell_text(datetime(2026, 3, 1, 9, 30)) == "2026-03-01 09:30"
    assert cell_text(date(2026, 3, 1)) == "2026-03-01"
    assert cell_text(13800138000.0) == "13800138000" and cell_text(2.5) == "2.5"
    book = Workbook()
    book.active.append(["Account Name", "Phone", "Created"])
    book.active.append(["Acme", 13800138000, datetime(2025, 12, 31)])
    out = io.BytesIO()
    book.save(out)
    answer = preview(out.getvalue(), "sf.xlsx")
    assert answer["rows"] == [["Acme", "13800138000", "2025-12-31"]]
    assert answer["encoding"] == "xlsx" and answer["mapping"] == {"Account Name": "name", "Phone": "phone",
                                                                  "Created": None}


def test_preview_shows_missing_fields_instead_of_failing():
    answer = preview(b"Firma,Telefon\nAcme,1\n", "x.csv")
    assert answer["missing"] == ["name"] and answer["unmapped"] == ["Firma", "Telefon"]
    assert answer["rows"] == [["Acme", "1"]] and answer["delimiter"] == ","
    with pytest.raises(FileProblem):
        open_file(b"Firma,Telefon\nAcme,1\n", "x.csv")
    mapped = preview(b"Firma,Telefon\nAcme,1\n", "x.csv", mapping={"Firma": "name"})
    assert mapped["missing"] == [] and mapped["records"] == [{"row": 2, "name": "Acme"}]


def test_row_errors_name_their_field():
    assert validate_row(3, {"name": "A", "contact_name": "B", "contact_email": "x"}).field == "contact_email"
    assert validate_row(3, {"name": "A", "phone": "n/a"}).field == "phone"
    assert validate_row(3, {"name": "A", "website": "w" * 301}).field == "website"
    upsert = validate_row(3, {"phone": "138"}, require_name=False)
    assert upsert.name == "" and upsert.phone_key == "138"
