"""The parts of the suite: the gateway and the five services, with their composition roots."""

from __future__ import annotations

import importlib

from shared.config import SERVICES

COMPONENTS = ("gateway", *SERVICES)


def root_of(name: str):
    module = "gateway.bootstrap" if name == "gateway" else f"services.{name}.bootstrap"
    return importlib.import_module(module).root


def available() -> list[str]:
    """Components whose code exists in this checkout."""
    out = []
    for name in COMPONENTS:
        try:
            root_of(name)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name.startswith("services.") or exc.name.startswith("gateway")):
                continue
            raise
        out.append(name)
    return out
