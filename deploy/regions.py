"""Branch offices and head office (issue 18): each branch's events reach head office
through a RabbitMQ dynamic shovel (the shovel plugin; no forwarding code of ours).

Branch side (`CRM_HEAD_OFFICE_AMQP_URL` set, e.g. `amqp://hq.example:5672/crm-hq`): a
durable quorum queue `CRM_LINK_QUEUE` (default `crm.to-head-office`) in the branch's vhost,
bound to all of `crm.events` (`#`), so the branch queues its events while the link or head
office is down; a shovel `to-head-office` from that queue to head office's regions exchange
(`crm.regions`), `ack-mode: on-confirm` (a message leaves the branch queue only once head
office's broker confirmed it: nothing lost; a redelivery after a cut is a duplicate that
tracking's inbox makes a no-op), publishing as the link's own broker user
`<prefix>link-<region>` and stamping that user as `user_id` (head office believes the event
for that region only: shared.provenance).

Head-office side (`CRM_REGION_LINKS=cn-south=crm-link-cn-south,...`): the regions exchange,
each link's user allowed to write to that exchange and nothing else, and tracking's queue
bound to it (shared.topology). Head office is prepared first: its inbox queue must exist
before a shovel starts (what reaches an exchange with no binding is dropped); the branch
side checks that the exchange exists and stops otherwise.

The link user may: on the branch vhost read its queue (nothing else); on head office's vhost
write the regions exchange (nothing else); configure nothing. Its password (in clear in the
shovel's URIs, which only the broker's administrators can read) is
CRM_LINK_PASSWORD_<REGION>. Everything is imported as definitions (idempotent).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.parse
from dataclasses import dataclass

from deploy import broker_users
from shared.config import Settings, link_password, link_user, rabbitmq_vhost
from shared.topology import connect

SHOVEL_NAME = "to-head-office"


def link_queue() -> str:
    return os.environ.get("CRM_LINK_QUEUE") or "crm.to-head-office"


def _with_credentials(url: str, user: str, password: str) -> str:
    """url with user:password in place of any credentials it had."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme or "amqp", netloc, parts.path, parts.query, ""))


def _vhost_of(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/")) or "/"


def _user_doc(user: str, password: str) -> dict:
    return {"name": user, "password_hash": broker_users.password_hash(password),
            "hashing_algorithm": broker_users.HASHING, "tags": []}


@dataclass(frozen=True)
class BranchLink:
    """One branch's link to head office, as the branch prepares it."""

    region: str
    user: str
    password: str
    branch_url: str  # the branch's own broker and vhost (no credentials needed)
    head_office_url: str  # head office's broker and vhost
    exchange: str = "crm.events"
    regions_exchange: str = "crm.regions"
    queue: str = "crm.to-head-office"
    reconnect_delay_s: int = 5
    prefetch: int = 1000

    @property
    def branch_vhost(self) -> str:
        return _vhost_of(self.branch_url)

    def shovel(self) -> dict:
        """The dynamic shovel's definition (https://www.rabbitmq.com/shovel-dynamic.html)."""
        return {
            "src-protocol": "amqp091",
            "src-uri": _with_credentials(self.branch_url, self.user, self.password),
            "src-queue": self.queue,
            "src-prefetch-count": self.prefetch,
            "src-delete-after": "never",
            "dest-protocol": "amqp091",
            "dest-uri": _with_credentials(self.head_office_url, self.user, self.password),
            "dest-exchange": self.regions_exchange,
            "dest-add-forward-headers": False,
            # the broker checks user_id against the publishing user: the link's own
            "dest-publish-properties": {"user_id": self.user, "delivery_mode": 2},
            "ack-mode": "on-confirm",
            "reconnect-delay": self.reconnect_delay_s,
        }

    def definitions(self, *, with_shovel: bool = True) -> dict:
        """The branch side: queue, binding, link user with its permissions, the shovel."""
        vhost, quorum = self.branch_vhost, {"x-queue-type": "quorum"}
        doc = {
            "vhosts": [{"name": vhost}],
            "exchanges": [{"name": self.exchange, "vhost": vhost, "type": "topic", "durable": True,
                           "auto_delete": False, "internal": False, "arguments": {}}],
            "queues": [{"name": self.queue, "vhost": vhost, "durable": True, "auto_delete": False,
                        "arguments": quorum}],
            "bindings": [{"source": self.exchange, "vhost": vhost, "destination": self.queue,
                          "destination_type": "queue", "routing_key": "#", "arguments": {}}],
            "users": [_user_doc(self.user, self.password)],
            "permissions": [{"user": self.user, "vhost": vhost, "configure": "^$", "write": "^$",
                             "read": f"^{re.escape(self.queue)}$"}],
        }
        if with_shovel:
            doc["parameters"] = [{"vhost": vhost, "component": "shovel", "name": SHOVEL_NAME,
                                  "value": self.shovel()}]
        return doc


def head_office_definitions(vhost: str, links: tuple[tuple[str, str], ...], regions_exchange: str) -> dict:
    """Head office's side: the regions exchange and each link user, allowed to write to it only."""
    users, permissions = [], []
    for region, user in links:
        password = link_password(region)
        if not password:
            raise SystemExit(f"CRM_LINK_PASSWORD_{region.upper().replace('-', '_')} is not set: the "
                             f"password of {user}, the link that brings region {region} to head office")
        users.append(_user_doc(user, password))
        permissions.append({"user": user, "vhost": vhost, "configure": "^$",
                            "write": f"^{re.escape(regions_exchange)}$", "read": "^$"})
    return {
        "vhosts": [{"name": vhost}],
        "exchanges": [{"name": regions_exchange, "vhost": vhost, "type": "topic", "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}],
        "users": users,
        "permissions": permissions,
    }


def branch_link_from_env(settings: Settings) -> BranchLink | None:
    """The link this instance (a branch) has to head office, or None (not a branch)."""
    head_office = os.environ.get("CRM_HEAD_OFFICE_AMQP_URL")
    if not head_office:
        return None
    region = settings.region
    password = link_password(region)
    if not password:
        raise SystemExit(f"CRM_LINK_PASSWORD_{region.upper().replace('-', '_')} is not set: the password "
                         f"of this branch's link to head office")
    host = os.environ.get("CRM_RABBITMQ_HOST") or "127.0.0.1"
    port = os.environ.get("CRM_RABBITMQ_PORT") or "5672"
    branch = f"amqp://{host}:{port}/{urllib.parse.quote(rabbitmq_vhost(), safe='')}"
    return BranchLink(region, link_user(region), password, branch, head_office,
                      exchange=settings.exchange,
                      regions_exchange=os.environ.get("CRM_HEAD_OFFICE_EXCHANGE") or settings.regions_exchange,
                      queue=link_queue(), reconnect_delay_s=int(os.environ.get("CRM_LINK_RECONNECT_S") or 5))


def head_office_ready(link: BranchLink) -> str | None:
    """None when head office's regions exchange exists (checked as the link user), else why not."""
    url = _with_credentials(link.head_office_url, link.user, link.password)
    try:
        conn = connect(url, heartbeat=0)
    except Exception as exc:  # noqa: BLE001 - reported to the operator
        return f"cannot log in to head office's broker as {link.user}: {exc!r}"
    try:
        conn.channel().exchange_declare(link.regions_exchange, exchange_type="topic", passive=True)
    except Exception:  # noqa: BLE001
        return f"head office has no exchange {link.regions_exchange!r} yet: prepare head office first"
    finally:
        if conn.is_open:
            conn.close()
    return None


def prepare_links(settings: Settings, admin=None) -> list[str]:
    """Head office's and/or the branch's side of the links, as the environment says; what was done."""
    link = branch_link_from_env(settings)
    if not settings.region_links and link is None:
        return []
    admin = admin or broker_users.admin_from_env()
    done = []
    if settings.region_links:
        admin.apply(head_office_definitions(rabbitmq_vhost(), settings.region_links, settings.regions_exchange))
        done.append(f"head office: exchange {settings.regions_exchange} for region(s) "
                    f"{', '.join(r for r, _ in settings.region_links)}")
    if link is not None:
        admin.apply(link.definitions(with_shovel=False))  # the user first: it checks head office
        why = head_office_ready(link)
        if why:
            raise SystemExit(f"the link of region {link.region} to head office: {why}")
        admin.apply(link.definitions())
        done.append(f"branch {link.region}: queue {link.queue} and shovel {SHOVEL_NAME} to "
                    f"{link.head_office_url.rsplit('@', 1)[-1]}")
    return done


def shovel_status(command: str = "rabbitmqctl") -> list[dict]:
    """The broker's shovels and their state (rabbitmqctl shovel_status)."""
    out = subprocess.run([command, "-q", "shovel_status", "--formatter", "json"], capture_output=True,
                         timeout=60, check=True).stdout
    return json.loads(out or b"[]")
