#!/usr/bin/env python3
"""An X DM auto-responder with office hours and a small keyword FAQ.

It runs the headless runner (tools/twdm-runner) and speaks its JSON lines
(tools/RUNNER.md). A customer's DM that asks about a known topic gets the
FAQ answer. Outside office hours each customer is told once a day when
someone will answer. Anything else gets no answer from the bot: a person
takes over in Pidgin, Finch or bitlbee.

    examples/faq-bot.py --timezone Europe/Berlin --hours 09:00-17:00 \\
        --days Mon-Fri -- --config bot.json

Arguments after "--" go to the runner. TWDM_RUNNER names the runner
(default: build/tools/twdm-runner in this repository); TWDM_BOT_NOW, an
ISO 8601 time, fixes the bot's clock (for tests).

SPDX-License-Identifier: GPL-2.0-or-later
"""

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import zoneinfo

FAQ = [
    (r"\brefund|money back|charged twice", "refund",
     "Refunds go back to the original payment method within 5 business days "
     "of approval. Reply with your order number and we will start one."),
    (r"\bshipping|deliver|tracking|parcel", "shipping",
     "Orders ship within 1 business day; delivery takes 2-4 business days "
     "in the EU and 5-10 elsewhere. Your tracking link is in the "
     "confirmation e-mail."),
    (r"\b(opening )?hours\b|\bwhen are you open", "hours",
     "A person answers here {hours}."),
]
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def parse_days(text):
    """'Mon-Fri' or 'Mon,Wed,Sat' -> set of weekday numbers (Monday = 0)."""
    days = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        start = DAY_NAMES.index(first.capitalize())
        end = DAY_NAMES.index((last or first).capitalize())
        days.update(range(start, end + 1))
    return days


class FaqBot:
    """Decides what to answer; knows nothing of the runner."""

    def __init__(self, timezone, opens, closes, days):
        self.zone = zoneinfo.ZoneInfo(timezone)
        self.opens, self.closes, self.days = opens, closes, days
        self.told_closed = set()  # (customer, local date)

    def is_open(self, now):
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, now):
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + datetime.timedelta(days=offset)
            start = datetime.datetime.combine(day, self.opens, self.zone)
            if day.weekday() in self.days and start > local:
                return start
        raise ValueError("no office hours configured")

    def hours_text(self):
        days = ", ".join(DAY_NAMES[day] for day in sorted(self.days))
        return (f"{days}, {self.opens:%H:%M}-{self.closes:%H:%M} "
                f"({self.zone.key} time)")

    def closed_text(self, now):
        local, start = now.astimezone(self.zone), self.next_opening(now)
        days_ahead = (start.date() - local.date()).days
        when = {0: "today", 1: "tomorrow"}.get(days_ahead, f"on {start:%A}")
        return (f"Thanks for your message! We're closed right now; a person "
                f"will answer {when} from {start:%H:%M} ({self.zone.key} time).")

    def answer(self, customer, text, now):
        """The replies to one incoming DM, in order (maybe none)."""
        replies = [reply.format(hours=self.hours_text()) for pattern, _, reply in FAQ
                   if re.search(pattern, text, re.IGNORECASE)][:1]
        today = now.astimezone(self.zone).date()
        if not self.is_open(now) and (customer, today) not in self.told_closed:
            self.told_closed.add((customer, today))
            replies.append(self.closed_text(now))
        return replies


def now():
    fixed = os.environ.get("TWDM_BOT_NOW")
    if fixed:
        return datetime.datetime.fromisoformat(fixed)
    return datetime.datetime.now(datetime.timezone.utc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timezone", default="UTC")
    parser.add_argument("--hours", default="09:00-17:00", help="HH:MM-HH:MM")
    parser.add_argument("--days", default="Mon-Fri", help="e.g. Mon-Fri or Mon,Wed")
    parser.add_argument("runner_args", nargs="*", help="after --: runner arguments")
    args = parser.parse_args()
    opens, closes = (datetime.time.fromisoformat(t) for t in args.hours.split("-"))
    bot = FaqBot(args.timezone, opens, closes, parse_days(args.days))
    here = os.path.dirname(os.path.abspath(__file__))
    runner_path = os.environ.get("TWDM_RUNNER",
                                 os.path.join(here, "..", "build", "tools", "twdm-runner"))
    runner = subprocess.Popen([runner_path, *args.runner_args], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, bufsize=1)
    # The runner quits cleanly on SIGTERM; its end of output ends the bot.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: runner.send_signal(signal.SIGTERM))
    for line in runner.stdout:
        event = json.loads(line)
        if event["event"] == "error":
            print(f"faq-bot: runner: {event.get('error')}", file=sys.stderr)
        flags = event.get("flags", [])
        if (event["event"] != "message" or event.get("type") != "im" or "recv" not in flags
                or "delayed" in flags):
            continue
        for reply in bot.answer(event["conversation"], event["plain"], now()):
            print(f"faq-bot: answering {event['conversation']}", file=sys.stderr, flush=True)
            try:
                runner.stdin.write(json.dumps({"cmd": "send", "account": event["account"],
                                               "to": event["conversation"], "text": reply}) + "\n")
            except BrokenPipeError:
                break  # the runner is quitting; its exit status follows
    sys.exit(runner.wait())


if __name__ == "__main__":
    main()
