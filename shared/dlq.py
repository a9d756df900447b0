"""Dead-lettered messages: list, inspect and replay them.

    python -m shared.dlq list tracking.events          # one line per message
    python -m shared.dlq show tracking.events EVENT_ID  # the whole message
    python -m shared.dlq replay tracking.events [EVENT_ID ...] [--all]

Replay sends a message back to its consumer's queue (not to every consumer) with its
retry count reset, and removes it from the DLQ only after the broker confirmed it.
Messages that are not replayed stay in the DLQ."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

import pika

from shared.consumer import ATTEMPT_HEADER, ERROR_HEADER
from shared.topology import connect, dlq_name

MAX_SCAN = 10_000


@dataclass
class DeadLetter:
    tag: int
    event_id: str | None
    event_type: str | None
    attempts: int
    error: str
    failed_at: str
    body: bytes
    properties: pika.BasicProperties

    def line(self) -> str:
        return f"{self.event_id or '-'}\t{self.event_type or '-'}\tattempts={self.attempts}\t{self.failed_at}\t{self.error[:120]}"


def _parse(tag: int, props: pika.BasicProperties, body: bytes) -> DeadLetter:
    headers = props.headers or {}
    try:
        raw: dict[str, Any] = json.loads(body)
    except ValueError:
        raw = {}
    error = headers.get(ERROR_HEADER, "")
    if isinstance(error, bytes):
        error = error.decode("utf-8", "replace")
    return DeadLetter(tag, raw.get("event_id"), raw.get("event_type"), int(headers.get(ATTEMPT_HEADER, 0)),
                      str(error), str(headers.get("x-crm-failed-at", "")), body, props)


def fetch(channel, queue: str, limit: int = MAX_SCAN) -> list[DeadLetter]:
    """Take up to limit messages from the queue's DLQ without acking them."""
    out = []
    for _ in range(limit):
        method, props, body = channel.basic_get(dlq_name(queue), auto_ack=False)
        if method is None:
            break
        out.append(_parse(method.delivery_tag, props, body))
    return out


def replay(url: str, queue: str, event_ids: set[str] | None) -> int:
    """Replay the DLQ messages of queue (all when event_ids is None). Returns the count."""
    conn = connect(url)
    try:
        channel = conn.channel()
        channel.confirm_delivery()
        replayed = 0
        for letter in fetch(channel, queue):
            if event_ids is not None and letter.event_id not in event_ids:
                continue
            headers = {k: v for k, v in (letter.properties.headers or {}).items() if not k.startswith("x-crm-")}
            headers["x-crm-replayed"] = 1
            props = pika.BasicProperties(delivery_mode=2, content_type=letter.properties.content_type, headers=headers)
            channel.basic_publish("", queue, letter.body, props)
            channel.basic_ack(letter.tag)
            replayed += 1
        return replayed
    finally:
        conn.close()  # what was fetched and not acked goes back to the DLQ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "show", "replay"])
    parser.add_argument("queue", help="the consumer's queue, e.g. tracking.events")
    parser.add_argument("event_ids", nargs="*")
    parser.add_argument("--all", action="store_true", help="replay every message")
    parser.add_argument("--url", default=os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    args = parser.parse_args(argv)

    if args.command == "replay":
        if not args.event_ids and not args.all:
            parser.error("name event ids to replay, or --all")
        count = replay(args.url, args.queue, None if args.all else set(args.event_ids))
        print(f"replayed {count} message(s) to {args.queue}")
        return 0

    conn = connect(args.url)
    try:
        letters = fetch(conn.channel(), args.queue)
    finally:
        conn.close()
    if args.command == "list":
        print(f"{len(letters)} message(s) in {dlq_name(args.queue)}")
        for letter in letters:
            print(letter.line())
        return 0
    wanted = set(args.event_ids)
    found = [x for x in letters if not wanted or x.event_id in wanted]
    for letter in found:
        print(json.dumps({"headers": {k: (v.decode() if isinstance(v, bytes) else v)
                                      for k, v in (letter.properties.headers or {}).items()},
                          "body": json.loads(letter.body) if letter.event_id else letter.body.decode("utf-8", "replace")},
                         ensure_ascii=False, indent=2, default=str))
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
