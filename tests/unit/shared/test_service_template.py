"""One service template (issue 12 item 7): every service in shared.config.SERVICES has the
same parts, checked from the code alone (no database, no broker):

- bootstrap.py: `root`, a shared.service.ServiceRoot named after the service, wired to the
  service's own api, handlers and migrations, and a `create_app`;
- __main__.py: the same code as every other service's apart from the service's name (and
  its docstring, which names exactly the commands the root accepts), and no other module of
  the service runs as a program (extra commands come through the root's `commands`);
- api/: a package exposing `blueprints()`, every module of which is reached from it;
- domain/: a package whose modules import no framework (flask, werkzeug, sqlalchemy,
  psycopg, pika), directly or through the project's own modules;
- commands: a `commands` package (or the modules COMMAND_MODULES names), and no view module
  under api/ writes (outbox.add / add_many, an emitter, SQL insert / update / delete);
- handlers.py: `handler_table()` giving a shared.consumer.HandlerTable;
- migrations/versions: revisions chained to exactly one Alembic head;
- README.md: exactly the same `##` headings, in the same order, none of them empty; its
  Commands name every command and its Settings every variable the service reads itself.

(The other half of the item, every blueprint route in the OpenAPI document, is
tests/unit/shared/test_openapi_document.py.)"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint

from shared.config import SERVICES
from shared.consumer import HandlerTable
from shared.service import ServiceRoot

REPO = Path(__file__).resolve().parents[3]
SERVICES_DIR = REPO / "services"

README_HEADINGS = [
    "What it owns",
    "Endpoints",
    "Events",
    "Who sees what",
    "Settings",
    "Commands",
    "Decisions",
    "Tests",
]

# what domain code may not import, directly or through a module of this project
FRAMEWORKS = ("flask", "werkzeug", "sqlalchemy", "psycopg", "psycopg2", "pika")


def service_dir(svc: str) -> Path:
    return SERVICES_DIR / svc


# ---- imports, read with ast -------------------------------------------------------------
def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_path(name: str) -> Path | None:
    """The file of a module of this project, or None when it is not one (or not a module)."""
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path) -> Iterator[tuple[str, int]]:
    """Every module name an import statement of the file may refer to (anywhere in the
    file, also inside functions), with its line: `from a.b import c` gives a.b and a.b.c."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def project_imports(path: Path) -> set[str]:
    """The modules of this project the file imports."""
    return {name for name, _ in imported_names(path) if module_path(name) is not None}


def framework_imports(start: Path) -> list[str]:
    """Framework imports reached from a file through the project's own modules, each as the
    chain of modules that leads to it."""
    found: list[str] = []
    seen: set[Path] = set()
    todo: list[tuple[Path, tuple[str, ...]]] = [(start, (module_name(start),))]
    while todo:
        path, chain = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name, line in imported_names(path):
            if name.split(".")[0] in FRAMEWORKS:
                found.append(" -> ".join(chain) + f" imports {name} (line {line})")
            target = module_path(name)
            if target is not None and target not in seen:
                todo.append((target, (*chain, module_name(target))))
    return sorted(set(found))


# ---- bootstrap --------------------------------------------------------------------------
@pytest.mark.parametrize("svc", SERVICES)
def test_bootstrap_has_a_service_root_named_after_the_service(svc: str) -> None:
    bootstrap = importlib.import_module(f"services.{svc}.bootstrap")
    root = getattr(bootstrap, "root", None)
    assert isinstance(root, ServiceRoot), f"services/{svc}/bootstrap.py: `root` is {root!r}"
    assert root.name == svc
    assert callable(getattr(bootstrap, "create_app", None)), f"services/{svc}/bootstrap.py: no create_app"
    # wired to the service's own parts
    api = importlib.import_module(f"services.{svc}.api")
    handlers = importlib.import_module(f"services.{svc}.handlers")
    assert root.blueprints is api.blueprints
    assert root.handlers is handlers.handler_table
    assert Path(root.migrations_dir).resolve() == (service_dir(svc) / "migrations").resolve()
    for command, fn in root.commands.items():
        assert re.fullmatch(r"[a-z][a-z-]*", command), command
        assert callable(fn), command


# ---- __main__ ---------------------------------------------------------------------------
def main_code(svc: str) -> tuple[str, str]:
    """(the code of services/<svc>/__main__.py without its docstring and with the service's
    name replaced by <svc>, the docstring)."""
    tree = ast.parse((service_dir(svc) / "__main__.py").read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree) or ""
    body = tree.body[1:] if docstring else tree.body
    code = ast.unparse(ast.Module(body=body, type_ignores=[]))
    return re.sub(rf"\b{svc}\b", "<svc>", code), docstring


TEMPLATE = """from services.<svc>.bootstrap import root
from shared.service import run_main
run_main(root)"""


@pytest.mark.parametrize("svc", SERVICES)
def test_main_is_the_common_template(svc: str) -> None:
    code, docstring = main_code(svc)
    assert code == TEMPLATE, f"services/{svc}/__main__.py differs from the template:\n{code}"
    # the docstring names exactly the commands `python -m services.<svc>` accepts
    root = importlib.import_module(f"services.{svc}.bootstrap").root
    said = re.search(rf"python -m services\.{svc} ([a-z|-]+)", docstring)
    assert said, f"services/{svc}/__main__.py: the docstring does not name the commands"
    assert set(said.group(1).split("|")) == {*ServiceRoot.STANDARD_COMMANDS, *root.commands}


def runs_as_program(path: Path) -> bool:
    """Whether the module has an `if __name__ == "__main__":` block."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"):
            return True
    return False


@pytest.mark.parametrize("svc", SERVICES)
def test_commands_come_only_through_the_root(svc: str) -> None:
    """One way to add a command (`commands=` on the root), not a module run on its own."""
    programs = sorted(str(p.relative_to(REPO)) for p in service_dir(svc).rglob("*.py")
                      if p.name != "__main__.py" and "migrations" not in p.parts and runs_as_program(p))
    assert not programs, f"run as programs beside python -m services.{svc}: {programs}"


# ---- api --------------------------------------------------------------------------------
@pytest.mark.parametrize("svc", SERVICES)
def test_api_package_exposes_blueprints(svc: str) -> None:
    assert (service_dir(svc) / "api" / "__init__.py").is_file(), f"services/{svc}/api is not a package"
    api = importlib.import_module(f"services.{svc}.api")
    assert callable(getattr(api, "blueprints", None))
    bps = list(api.blueprints())
    assert bps and all(isinstance(bp, Blueprint) for bp in bps)
    assert len({bp.name for bp in bps}) == len(bps), "blueprint names repeat"


@pytest.mark.parametrize("svc", SERVICES)
def test_every_api_module_is_reached_from_the_api_package(svc: str) -> None:
    """No dead view module: each module under api/ is imported by api/__init__.py or by a
    module it reaches."""
    api_dir = service_dir(svc) / "api"
    reached: set[Path] = set()
    todo = [api_dir / "__init__.py"]
    while todo:
        path = todo.pop()
        if path in reached:
            continue
        reached.add(path)
        for name in project_imports(path):
            target = module_path(name)
            if target is not None and target.is_relative_to(service_dir(svc)):
                todo.append(target)
    modules = set(api_dir.rglob("*.py"))
    unreached = sorted(str(p.relative_to(REPO)) for p in modules - reached)
    assert not unreached, f"not imported from services/{svc}/api: {unreached}"


# ---- domain -----------------------------------------------------------------------------
@pytest.mark.parametrize("svc", SERVICES)
def test_domain_package_is_free_of_framework_imports(svc: str) -> None:
    domain = service_dir(svc) / "domain"
    assert (domain / "__init__.py").is_file(), f"services/{svc}/domain is not a package"
    modules = sorted(domain.rglob("*.py"))
    assert len(modules) > 1, f"services/{svc}/domain has no module"
    found = [hit for path in modules for hit in framework_imports(path)]
    assert not found, "\n".join(found)


def test_the_framework_check_can_fail(tmp_path: Path) -> None:
    """The import reader sees imports inside functions and `from` imports."""
    sample = REPO / "services" / "customer" / "domain" / "normalize.py"
    assert not framework_imports(sample)
    tree = ast.parse("def f():\n    from sqlalchemy.engine import Connection\n")
    names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names == ["sqlalchemy.engine"]
    assert "shared.db" in project_imports(REPO / "shared" / "service.py")
    assert framework_imports(REPO / "shared" / "service.py")


# ---- handlers ---------------------------------------------------------------------------
@pytest.mark.parametrize("svc", SERVICES)
def test_handlers_expose_a_handler_table(svc: str) -> None:
    handlers = importlib.import_module(f"services.{svc}.handlers")
    assert callable(getattr(handlers, "handler_table", None))
    table = handlers.handler_table()
    assert isinstance(table, HandlerTable)
    assert table.patterns, f"services/{svc}/handlers.py binds no pattern"


# ---- migrations -------------------------------------------------------------------------
def revisions(svc: str) -> dict[str, tuple[str, ...]]:
    """revision -> its down revisions, read from the version files."""
    chain: dict[str, tuple[str, ...]] = {}
    for path in sorted((service_dir(svc) / "migrations" / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = value = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        assert isinstance(values.get("revision"), str), f"{path.name}: no revision"
        down = values.get("down_revision")
        downs = () if down is None else (down,) if isinstance(down, str) else tuple(down)
        assert values["revision"] not in chain, f"{path.name}: revision repeats"
        chain[values["revision"]] = downs
    return chain


@pytest.mark.parametrize("svc", SERVICES)
def test_migrations_have_exactly_one_head(svc: str) -> None:
    chain = revisions(svc)
    assert chain, f"services/{svc}/migrations/versions has no revision"
    for rev, downs in chain.items():
        unknown = [d for d in downs if d not in chain]
        assert not unknown, f"{svc} revision {rev} follows unknown {unknown}"
    bases = [rev for rev, downs in chain.items() if not downs]
    assert len(bases) == 1, f"{svc}: {len(bases)} base revisions {bases}"
    followed = {d for downs in chain.values() for d in downs}
    heads = sorted(set(chain) - followed)
    assert len(heads) == 1, f"{svc}: {len(heads)} alembic heads {heads}"


# ---- README -----------------------------------------------------------------------------
def readme_sections(svc: str) -> list[tuple[str, str]]:
    """(heading, text) of every `##` section of the README, code blocks skipped."""
    path = service_dir(svc) / "README.md"
    assert path.is_file(), f"services/{svc}/README.md is missing"
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines)) for heading, lines in sections]


def section(svc: str, heading: str) -> str:
    return dict(readme_sections(svc))[heading]


@pytest.mark.parametrize("svc", SERVICES)
def test_readme_has_the_common_headings(svc: str) -> None:
    sections = readme_sections(svc)
    assert [h for h, _ in sections] == README_HEADINGS
    empty = [h for h, text in sections if not text.strip()]
    assert not empty, f"services/{svc}/README.md: empty sections {empty}"


@pytest.mark.parametrize("svc", SERVICES)
def test_readme_commands_name_every_command(svc: str) -> None:
    root = importlib.import_module(f"services.{svc}.bootstrap").root
    text = section(svc, "Commands")
    missing = [c for c in (*ServiceRoot.STANDARD_COMMANDS, *root.commands)
               if not re.search(rf"\b{re.escape(c)}\b", text)]
    assert not missing, f"services/{svc}/README.md, Commands: {missing} not described"


ENV_NAME = re.compile(r"""["']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["']""")


def environment_variables(svc: str) -> set[str]:
    """Names of the environment variables the service's own code reads (string constants
    in the modules that read os.environ)."""
    names: set[str] = set()
    for path in service_dir(svc).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "getenv" in text:
            names.update(ENV_NAME.findall(text))
    return names


@pytest.mark.parametrize("svc", SERVICES)
def test_readme_settings_name_every_variable_the_service_reads(svc: str) -> None:
    text = section(svc, "Settings")
    missing = sorted(name for name in environment_variables(svc) if not re.search(rf"\b{name}\b", text))
    assert not missing, f"services/{svc}/README.md, Settings: {missing} not described"
    # and the connection budget every process of it has (shared/db.py)
    for common in ("CRM_DB_POOL_", "CRM_COPY_WAIT_S", "DATABASE_URL"):
        assert common in text, f"services/{svc}/README.md, Settings: {common} not described"


# ---- commands apart from views (issue 12 item 6) ------------------------------------------
# Where a service's command layer is when it is not a `commands` package: the modules named
# in its README (services/sales/README.md: ordering.py and the store modules).
COMMAND_MODULES = {"sales": ("ordering.py",)}

# Services whose views still write (named, so the check stays strict for the others; a
# service leaving this list must pass: strict xfail).
VIEWS_STILL_WRITE = {
    "sales": "sales' contracts, opportunities and quotes views still write SQL and call request_emitter "
             "(orders go through ordering.py)",
    "tracking": "tracking has no command layer: api/notifications.py marks notifications read itself",
}

_OUTBOX_CALLS = {"add", "add_many"}
_DML_METHODS = {"insert", "update", "delete"}
_DML_FUNCTIONS = {"insert", "update", "delete", "pg_insert"}
_DML_TEXT = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+(\s+\w+)?\s+SET|DELETE\s+FROM)\b", re.IGNORECASE)


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def write_calls(source: str) -> list[str]:
    """What in a view module's code writes: outbox.add / add_many, request_emitter or any
    other *emitter(...) / Emitter(...), SQL insert / update / delete (sa.insert(t),
    t.insert(), pg_insert(t), text with INSERT INTO / UPDATE .. SET / DELETE FROM), each with
    its line."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and node.attr in _OUTBOX_CALLS
                and _called_name(node.value) == "outbox"):  # called, or bound (functools.partial)
            found.append(f"line {node.lineno}: outbox.{node.attr}")
        elif isinstance(node, ast.Call):
            func, name = node.func, _called_name(node.func)
            if name.lower().endswith("emitter") or (isinstance(func, ast.Name) and name in _DML_FUNCTIONS):
                found.append(f"line {node.lineno}: {name}(...)")
            elif isinstance(func, ast.Attribute) and name in _DML_METHODS and (
                    _called_name(func.value) in ("sa", "sqlalchemy") or (not node.args and not node.keywords)):
                found.append(f"line {node.lineno}: .{name}(...)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _DML_TEXT.search(node.value):
            found.append(f"line {node.lineno}: SQL {_DML_TEXT.search(node.value).group(1)!r}")
    return sorted(found, key=lambda hit: int(hit.split(":")[0].removeprefix("line ")))


def test_the_view_write_check_can_fail() -> None:
    """The reader finds each kind of write and leaves reads, dict.update and renders alone."""
    writes = write_calls(
        "def v(conn, ctx, row):\n"
        "    ctx.outbox.add(conn, c, 'x', aggregate_type='t', aggregate_id='1', data={})\n"
        "    emit = functools.partial(service_context().outbox.add_many, conn, c)\n"
        "    emit = request_emitter(conn)\n"
        "    conn.execute(sa.insert(orders).values(id=1))\n"
        "    conn.execute(orders.update().where(orders.c.id == 1).values(x=1))\n"
        "    conn.execute(pg_insert(rates).values(x=1).on_conflict_do_nothing())\n"
        "    conn.execute(sa.text('DELETE FROM notes WHERE id = :i'), {'i': 1})\n"
        "    conn.execute(sa.text('update notifications n set read_at = now()'))\n")
    assert [w.split(":")[0] for w in writes] == [f"line {n}" for n in range(2, 10)], writes
    assert not write_calls(
        "def v(conn, row, changes):\n"
        "    row.update(changes)\n"
        "    conn.execute(sa.select(orders).where(orders.c.id == 1)).first()\n"
        "    conn.execute(sa.text('SELECT name FROM acl_customers WHERE customer_id = :c'))\n"
        "    return commands.issue_invoice(service_context(), event_context(), p, body)\n")


def command_layer(svc: str) -> list[Path]:
    """The service's command modules: its `commands` package, or the modules COMMAND_MODULES
    names for it."""
    package = service_dir(svc) / "commands"
    if (package / "__init__.py").is_file():
        return sorted(p for p in package.glob("*.py") if p.name != "__init__.py") or [package / "__init__.py"]
    return [service_dir(svc) / name for name in COMMAND_MODULES.get(svc, ()) if (service_dir(svc) / name).is_file()]


@pytest.mark.parametrize("svc", [
    pytest.param(svc, marks=pytest.mark.xfail(reason=VIEWS_STILL_WRITE[svc], strict=True))
    if svc in VIEWS_STILL_WRITE else svc
    for svc in SERVICES
])
def test_views_leave_writes_to_commands(svc: str) -> None:
    """Commands apart from views: the service has a command layer (a `commands` package or
    the modules named in COMMAND_MODULES), and no view module under api/ writes: no outbox
    call, no emitter, no SQL insert / update / delete (those live in the commands and the
    store modules they use)."""
    assert command_layer(svc), f"services/{svc}: no commands package and no command module named"
    offending = {
        str(path.relative_to(REPO)): hits
        for path in sorted((service_dir(svc) / "api").rglob("*.py"))
        if (hits := write_calls(path.read_text(encoding="utf-8")))
    }
    assert not offending, f"views that write in services/{svc}/api: {offending}"
