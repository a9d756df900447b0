"""Dead-lettered messages: list, inspect and replay them.

    python -m shared.dlq list tracking.events          # one line per message
    python -m shared.dlq show tracking.events EVENT_ID  # the whole message
    python -m shared.dlq replay tracking.events [EVENT_ID ...] [--all]

Replay sends a message back to its consumer's queue (not to every consumer) with its
retry count reset, and removes it from the DLQ only after the broker confirmed it.
Messages that are not replayed stay in the DLQ.

Run it as the consumer's own broker user (the default: the URL shared.config builds for
the service the queue is named after, or RABBITMQ_URL): only that user may read the DLQ,
and the replay goes through the dead-letter exchange (`<queue>.replay`) with that user's
user_id, keeping the original publisher in the origin header, so a replayed event is
judged by its first producer (shared.provenance) and a replayed forgery is refused again."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

import pika

from shared.config import settings_for, url_user
from shared.consumer import ATTEMPT_HEADER, ERROR_HEADER
from shared.provenance import ORIGIN_HEADER, replay_routing_key
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
    exchange: str = ""  # the dead-letter exchange it came through

    def line(self) -> str:
        return f"{self.event_id or '-'}\t{self.event_type or '-'}\tattempts={self.attempts}\t{self.failed_at}\t{self.error[:120]}"


def _parse(tag: int, props: pika.BasicProperties, body: bytes, exchange: str = "") -> DeadLetter:
    headers = props.headers or {}
    try:
        raw: dict[str, Any] = json.loads(body)
    except ValueError:
        raw = {}
    error = headers.get(ERROR_HEADER, "")
    if isinstance(error, bytes):
        error = error.decode("utf-8", "replace")
    return DeadLetter(tag, raw.get("event_id"), raw.get("event_type"), int(headers.get(ATTEMPT_HEADER, 0)),
                      str(error), str(headers.get("x-crm-failed-at", "")), body, props, exchange)


def fetch(channel, queue: str, limit: int = MAX_SCAN) -> list[DeadLetter]:
    """Take up to limit messages from the queue's DLQ without acking them."""
    out = []
    for _ in range(limit):
        method, props, body = channel.basic_get(dlq_name(queue), auto_ack=False)
        if method is None:
            break
        out.append(_parse(method.delivery_tag, props, body, method.exchange or ""))
    return out


def replay(url: str, queue: str, event_ids: set[str] | None, *, dead_letter_exchange: str | None = None) -> int:
    """Replay the DLQ messages of queue (all when event_ids is None). Returns the count.

    Each goes back through the dead-letter exchange it came from (or dead_letter_exchange)
    with the routing key `<queue>.replay`, which only the consumer's queue is bound to."""
    conn = connect(url)
    user = url_user(url)
    try:
        channel = conn.channel()
        channel.confirm_delivery()
        replayed = 0
        for letter in fetch(channel, queue):
            if event_ids is not None and letter.event_id not in event_ids:
                continue
            old = letter.properties.headers or {}
            headers = {k: v for k, v in old.items() if not k.startswith("x-crm-") and k != "x-death"}
            # the consumer records who first published what it dead-letters ("" when nobody
            # said); a message that reached the DLQ otherwise is judged by its own user_id
            headers[ORIGIN_HEADER] = old.get(ORIGIN_HEADER, letter.properties.user_id or "")
            headers["x-crm-replayed"] = 1
            props = pika.BasicProperties(delivery_mode=2, content_type=letter.properties.content_type,
                                         headers=headers, user_id=user)
            exchange = dead_letter_exchange or letter.exchange or settings_for(_service_of(queue)).dead_letter_exchange
            channel.basic_publish(exchange, replay_routing_key(queue), letter.body, props, mandatory=True)
            channel.basic_ack(letter.tag)
            replayed += 1
        return replayed
    finally:
        conn.close()  # what was fetched and not acked goes back to the DLQ


def _service_of(queue: str) -> str:
    return queue.split(".", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "show", "replay"])
    parser.add_argument("queue", help="the consumer's queue, e.g. tracking.events")
    parser.add_argument("event_ids", nargs="*")
    parser.add_argument("--all", action="store_true", help="replay every message")
    parser.add_argument("--url", default=None,
                        help="AMQP URL (default: the consumer's own, as shared.config builds it)")
    args = parser.parse_args(argv)
    args.url = args.url or settings_for(_service_of(args.queue)).rabbitmq_url

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
