"""`make run-regions`: head office and one branch on this machine (issue 18).

    python -m deploy.regions_run prepare            # both instances, head office first
    python -m deploy.regions_run procfile FILE      # one Procfile with both instances' processes

Each instance is the whole suite (gateway and the five services) with its own REGION, its
own databases (CRM_DB_PREFIX: `crm_hq_customer`, `crm_cn_south_customer`, ...), its own
broker users (CRM_BROKER_USER_PREFIX) and its own vhost (`crm-hq`, `crm-cn-south`) on the
local PostgreSQL and RabbitMQ. The branch's ports are head office's plus an offset
(CRM_PORT_OFFSET=100: gateway 8180, services 8201..8205) and its metrics ports plus
1000 (10200..10252), clear of head office's 9200..9252 and of the ports
of `SALES_REPLICAS` (+100 per replica). The shovel between the vhosts is made by
deploy.prepare on the branch (deploy/regions.py); head office is prepared first, so its
inbox queue exists before the shovel starts.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROCFILE = Path(__file__).parent / "Procfile"
HEAD_OFFICE = "hq"
BRANCH = "cn-south"


@dataclass(frozen=True)
class Instance:
    region: str
    gateway_port: int
    port_offset: int = 0
    metrics_offset: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    # settings taken from another variable of the secrets file (the branch's own JWT keys and
    # internal secret: a token or identity header of one instance is worthless at the other)
    secrets_from: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.region.replace("-", "_")

    def env(self) -> dict[str, str]:
        return {
            "REGION": self.region,
            "CRM_DB_PREFIX": f"crm_{self.slug}_",
            "CRM_BROKER_USER_PREFIX": f"crm-{self.region}-",
            "CRM_RABBITMQ_VHOST": f"crm-{self.region}",
            "GATEWAY_PORT": str(self.gateway_port),
            "CRM_PORT_OFFSET": str(self.port_offset),
            "CRM_RUN_DIR": f"var/run/{self.region}",
            **self.extra,
        }


def instances() -> list[Instance]:
    rabbit = f"{os.environ.get('CRM_RABBITMQ_HOST') or '127.0.0.1'}:{os.environ.get('CRM_RABBITMQ_PORT') or '5672'}"
    return [
        Instance(HEAD_OFFICE, 8080, extra={"CRM_REGION_LINKS": f"{BRANCH}=crm-link-{BRANCH}"}),
        Instance(BRANCH, 8180, 100, 1000, extra={"CRM_HEAD_OFFICE_AMQP_URL": f"amqp://{rabbit}/crm-{HEAD_OFFICE}"},
                 secrets_from={"CRM_JWT_KEYS": "CRM_CN_SOUTH_JWT_KEYS",
                               "CRM_INTERNAL_SECRET": "CRM_CN_SOUTH_INTERNAL_SECRET"}),
    ]


def shift(command: str, port_offset: int, metrics_offset: int) -> str:
    """A Procfile command with its service port and metrics port moved by the offsets."""
    command = re.sub(r"\bCRM_METRICS_PORT=(\d+)", lambda m: f"CRM_METRICS_PORT={int(m[1]) + metrics_offset}", command)
    return re.sub(r"(--bind 127\.0\.0\.1:)(\d+)\b", lambda m: f"{m[1]}{int(m[2]) + port_offset}", command)


def procfile(text: str, wanted: list[Instance]) -> str:
    """Every process of `text` once per instance, named `<region>_<process>`, with the
    instance's settings exported before its command (exported, not `VAR=value cmd`: the
    gateway's line expands ${GATEWAY_PORT} itself)."""
    lines = []
    for inst in wanted:
        pairs = [f"{k}={shlex.quote(v)}" for k, v in inst.env().items()]
        pairs += [f'{k}="${source}"' for k, source in inst.secrets_from.items()]
        settings = "export " + " ".join(pairs) + ";"
        for line in text.splitlines():
            name, sep, command = line.partition(":")
            if not sep or not name.strip() or name.lstrip().startswith("#"):
                continue
            lines.append(f"{inst.slug}_{name.strip()}: {settings} "
                         f"{shift(command.strip(), inst.port_offset, inst.metrics_offset)}")
    return "\n".join(lines) + "\n"


def prepare() -> int:
    """deploy.prepare for head office, then for the branch (its shovel needs head office's exchange)."""
    for inst in instances():
        print(f"== preparing {inst.region} (vhost crm-{inst.region}, databases crm_{inst.slug}_*)", flush=True)
        missing = [source for source in inst.secrets_from.values() if not os.environ.get(source)]
        if missing:
            print(f"{', '.join(missing)} not set: run `python -m deploy.secrets` (make secrets does)", file=sys.stderr)
            return 2
        secrets = {k: os.environ[source] for k, source in inst.secrets_from.items()}
        done = subprocess.run([sys.executable, "-m", "deploy.prepare"], env={**os.environ, **inst.env(), **secrets})
        if done.returncode != 0:
            return done.returncode
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        return prepare()
    if argv[:1] == ["procfile"] and len(argv) == 2:
        out = Path(argv[1])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(procfile(PROCFILE.read_text(encoding="utf-8"), instances()), encoding="utf-8")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
