"""The README's reliability table from the figures of the last `make faults`:
`python -m tests.faults.table` (reads var/faults/results.jsonl, the last line per case)."""

from __future__ import annotations

import json
import sys

from tests.faults.cases import RESULTS

SEES = {
    "kill -9 sales API worker": "the requests under way on that worker, if any: `503 service_unavailable`; the retry succeeds (gunicorn starts a new worker at once)",
    "kill -9 gateway": "connection refused/reset for about 2 s until the supervisor restarts it; the retry with the same key gets the first answer",
    "relay": "nothing refused; events wait in the outbox until the relay is back (restarted within about 2 s, publishing a few seconds later): orders stay pending meanwhile, timelines lag",
    "consumer": "nothing refused; that service's copies and the timeline lag until it is back; redelivered messages are applied once",
    "kill -9 import worker": "the import pauses; the restarted worker takes the job over within 30 s and carries on from its last batch",
    "PostgreSQL gone 8 s": "every request `503 service_unavailable` (the gateway's session check too); retries succeed once it is back",
    "broker gone 8 s (all)": "writes accepted (the outbox keeps the events); orders stay pending, copies and timelines wait; `/readyz` names the broker",
    "sales cut from broker 8 s": "sales writes accepted; its events wait (orders pending) until the link is back",
    "poison message": "nothing; the one event is retried three times, then dead-lettered (`python -m shared.dlq list`)",
    "slow inventory consumer": "nothing refused; the saga is slower (orders pending longer)",
    "branch link cut": "nothing at the branch (its users work on their own instance); head office's timeline and reports lack the branch's newest entries until the link is back, then catch up (longest pending: commit at the branch to stored at head office)",
    "PostgreSQL restarted": "as PostgreSQL gone (opt-in case)",
    "RabbitMQ restarted": "as broker gone (opt-in case)",
}
AFTER = "every acknowledged write once in its service and in tracking; every order settled; stock ledger = levels; copies equal their source"
AFTER_MORE = {
    "kill -9 import worker": "; every row of the import once",
    "poison message": "; that event alone in the DLQ, the rest flowed on",
}


def sees(case: str) -> str:
    if case in SEES:
        return SEES[case]
    if case.startswith("branch link cut"):
        return SEES["branch link cut"]
    return SEES["relay"] if case.endswith("relay") else SEES["consumer"]


def table(rows: list[dict]) -> str:
    lines = ["| fault | what a user sees during it | guaranteed after it | during: ok / refused | lost | doubled "
             "| drain | longest pending |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        flag = "" if not r["problems"] else " **(failed: see make faults)**"
        after = ("as above" if lines[2:] else AFTER) + AFTER_MORE.get(r["case"], "")
        lines.append(f"| {r['case']}{flag} | {sees(r['case'])} | {after} | {r['during_ok']} / {r['during_refused']} | "
                     f"{r['lost']} | {r['doubled']} | {r['drain_s']:.1f} s | {r['longest_pending_s']:.1f} s |")
    return "\n".join(lines)


def main() -> int:
    last: dict[str, dict] = {}
    for line in RESULTS.read_text().splitlines():
        row = json.loads(line)
        last[row["case"]] = row
    print(table(list(last.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
