"""An integrator's first hour: fetch the merged OpenAPI document from the gateway,
generate a Python client from it with openapi-python-client (no warning, nothing left
out), and use that client to log in, create a customer and read it back."""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

pytestmark = pytest.mark.e2e

PACKAGE = "crm_contract_client"
# PDFs and pictures are files like any other: generated as octet-stream downloads (File)
CONFIG = ("content_type_overrides:\n  application/pdf: application/octet-stream\n"
          "  image/jpeg: application/octet-stream\npost_hooks: []\n")


@pytest.fixture(scope="module")
def generated(suite, tmp_path_factory):
    doc = requests.get(f"{suite.url}/api/v1/openapi.json", timeout=30)
    assert doc.status_code == 200
    assert doc.json()["info"]["x-services-missing"] == {}
    validate(doc.json())  # openapi-spec-validator: a valid OpenAPI 3 document
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_bytes(doc.content)
    (root / "config.yaml").write_text(CONFIG)
    tool = Path(sys.executable).parent / "openapi-python-client"
    run = subprocess.run([str(tool), "generate", "--path", str(root / "openapi.json"), "--output-path",
                          str(root / PACKAGE), "--meta", "none", "--config", str(root / "config.yaml")],
                         capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output  # every operation and schema made it into the client
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generated_client_logs_in_creates_a_customer_and_reads_it_back(suite, generated):
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    login = importlib.import_module(f"{api.__name__}.gateway.gateway_auth_login")
    create = importlib.import_module(f"{api.__name__}.customer.customer_customers_create_customer")
    read = importlib.import_module(f"{api.__name__}.customer.customer_customers_get_customer")
    listing = importlib.import_module(f"{api.__name__}.customer.customer_customers_list_customers")

    anonymous = generated.Client(base_url=suite.url, raise_on_unexpected_status=True)
    tokens = login.sync(client=anonymous, body=models.LoginIn(username="admin", password=suite.admin_password))
    assert isinstance(tokens, models.TokenOut) and tokens.access_token

    refused = login.sync_detailed(client=anonymous, body=models.LoginIn(username=f"nobody-{uuid.uuid4().hex[:8]}",
                                                                          password="wrong-Ω"))
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Error)
    assert refused.parsed.error.code  # the contract's error body, typed

    client = generated.AuthenticatedClient(base_url=suite.url, token=tokens.access_token,
                                           raise_on_unexpected_status=True)
    name = f"生成客户端测试有限公司{uuid.uuid4().hex[:6]}"
    made = create.sync(client=client, body=models.CustomerCustomerIn(name=name, industry="机械", phone="021-6666 0101"))
    assert isinstance(made, models.CustomerCustomer), made
    assert made.name == name and made.status == "active"

    again = read.sync(cid=str(made.id), client=client)
    assert isinstance(again, models.CustomerCustomer)
    assert (again.id, again.name, again.industry, again.owner_id) == (made.id, name, "机械", made.owner_id)

    page = listing.sync(client=client)
    assert isinstance(page, models.CustomerCustomerListPage)  # the list page with total_is_estimate
    assert page.total >= 1 and page.page == 1 and any(c.id == made.id for c in page.items)
    assert page.total_is_estimate is False

    missing = read.sync_detailed(cid=str(uuid.uuid4()), client=client)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Error)


def test_the_served_document_is_the_one_built_from_the_code(suite):
    """Every operation of every service reaches the merged document the gateway serves
    (so the route coverage of tests/unit/shared/test_openapi_document.py holds for it)."""
    from shared.testing.openapi_docs import coverage, merged_document, operations

    served = requests.get(f"{suite.url}/api/v1/openapi.json", timeout=30).json()
    built = merged_document()
    assert {(m, p) for m, p, _ in operations(served)} == {(m, p) for m, p, _ in operations(built)}
    assert coverage(served) == coverage(built)
    assert coverage(served)["with_response_schema"] == coverage(served)["operations"]
