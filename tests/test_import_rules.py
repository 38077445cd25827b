"""The layering of api/, read from every module's imports (ast), so that a forbidden import fails here:

- the lower modules (database, errors, inputs, config, and the other single-file modules below the
  domains) import no domain;
- the reference-data cache (api/reference_data.py) imports no router and none of the domains that work
  tickets: it sits below them;
- tickets imports none of the domains above it (photos, notifications, spot checks, patrols, exports,
  bulletins, indicators, citizens' reports): they hear of it through api/tickets/events.py. A ticket's
  photos are its own rows (api/tickets/models.py); the photo domain keeps and analyses their bytes;
- photos imports none of the domains that take photos through it (spot checks, patrols, citizens' reports)
  or read what it finds (notifications, exports, bulletins, indicators): a kind of photo another domain
  owns is admitted by the check that domain registers (api/photos/service.py: admit_extra_photos);
- no domain imports the application (api.main, api.server) or the command line (api.cli).
"""

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "api"
DOMAINS = sorted(p.name for p in API.iterdir() if (p / "__init__.py").exists())
LOWER = ("api.database", "api.errors", "api.inputs", "api.config", "api.geo", "api.jsonbody", "api.tabular",
         "api.driverstatements")
ABOVE_TICKETS = ("photos", "notifications", "spotchecks", "patrols", "exports", "bulletins", "indicators", "citizens")
ABOVE_PHOTOS = tuple(d for d in ABOVE_TICKETS if d != "photos")
TOP = ("api.main", "api.server", "api.cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(API.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str) -> set[str]:
    """Every module `source` imports, anywhere in it (functions included): `from a import b` counts as
    a and as a.b, since b may be a module."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package upwards
                package = module.split(".")[:-node.level]
                base = ".".join([*package, base] if base else package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


IMPORTS = {_module_name(path): imports_of(path.read_text(), _module_name(path)) for path in API.rglob("*.py")}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _offences(modules, forbidden) -> list[str]:
    return sorted(f"{module} imports {name}" for module in modules for name in IMPORTS[module] if forbidden(name))


def test_the_rules_see_every_module_and_their_imports():
    assert "api.tickets.service" in IMPORTS and "api.main" in IMPORTS
    assert "api.tickets.models" in IMPORTS["api.tickets.service"]
    assert imports_of("def f():\n    from api.photos import service\n", "api.x") >= {"api.photos.service"}


def test_lower_modules_import_no_domain():
    domains = [f"api.{d}" for d in DOMAINS]
    assert _offences([m for m in LOWER if m in IMPORTS], lambda n: any(_within(n, d) for d in domains)) == []


def test_the_reference_data_cache_imports_no_router_and_no_ticket_working_domain():
    working = [f"api.{d}" for d in ("tickets", *ABOVE_TICKETS)]
    assert _offences(["api.reference_data"], lambda n: n.endswith(".router")
                     or any(_within(n, d) for d in working)) == []


def _modules_of(domain: str) -> list[str]:
    return [m for m in IMPORTS if _within(m, f"api.{domain}")]


@pytest.mark.parametrize("domain", ABOVE_TICKETS)
def test_tickets_imports_no_domain_above_it(domain):
    assert _offences(_modules_of("tickets"), lambda n: _within(n, f"api.{domain}")) == []


@pytest.mark.parametrize("domain", ABOVE_PHOTOS)
def test_photos_imports_no_domain_above_it(domain):
    assert _offences(_modules_of("photos"), lambda n: _within(n, f"api.{domain}")) == []


def test_no_domain_imports_the_application_or_the_command_line():
    domain_modules = [m for m in IMPORTS if any(_within(m, f"api.{d}") for d in DOMAINS)]
    assert _offences(domain_modules, lambda n: any(_within(n, top) for top in TOP)) == []
