#!/usr/bin/env python3
"""examples/faq-bot.py: its office-hours rules with an injected clock, and
the bot itself driving the headless runner against the sandbox X API.

SPDX-License-Identifier: GPL-2.0-or-later
"""

import datetime
import importlib.util
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
import clientlib as lib  # noqa: E402

BOT_PATH = os.path.join(lib.source_root(), "examples", "faq-bot.py")
ZONE = "Europe/Berlin"
# 2025-01-08 is a Wednesday; 2025-01-11 a Saturday.
WEDNESDAY_MORNING = "2025-01-08T10:30:00+01:00"
SATURDAY_NOON = "2025-01-11T12:00:00+01:00"


def load_bot_module():
    """examples/faq-bot.py as a module (its name has a dash)."""
    spec = importlib.util.spec_from_file_location("faq_bot", BOT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


faq_bot = load_bot_module()


def berlin(text):
    """A Berlin wall-clock time as an aware datetime."""
    return datetime.datetime.fromisoformat(text).replace(
        tzinfo=faq_bot.zoneinfo.ZoneInfo(ZONE))


def new_bot():
    return faq_bot.FaqBot(ZONE, datetime.time(9), datetime.time(17), faq_bot.parse_days("Mon-Fri"))


def faq_answer(topic):
    """The FAQ text for a topic, as the bot words it."""
    for _, name, reply in faq_bot.FAQ:
        if name == topic:
            return reply.format(hours=new_bot().hours_text())
    raise KeyError(topic)


# Rules, with an injected clock ---------------------------------------------

def test_office_hours():
    """Open Monday to Friday 09:00-17:00 in Berlin, whatever the caller's zone."""
    bot = new_bot()
    assert not bot.is_open(berlin("2025-01-08T08:59:59"))
    assert bot.is_open(berlin("2025-01-08T09:00:00"))
    assert bot.is_open(berlin("2025-01-08T16:59:59"))
    assert not bot.is_open(berlin("2025-01-08T17:00:00"))
    assert not bot.is_open(berlin("2025-01-11T12:00:00"))  # Saturday
    # 08:30 UTC is 09:30 in Berlin in winter.
    assert bot.is_open(datetime.datetime.fromisoformat("2025-01-08T08:30:00+00:00"))
    assert faq_bot.parse_days("Mon,Wed-Thu") == {0, 2, 3}


def test_next_opening():
    """The closed notice names the next opening: today, tomorrow or a weekday."""
    bot = new_bot()
    assert bot.next_opening(berlin("2025-01-08T07:00")) == berlin("2025-01-08T09:00")
    assert bot.next_opening(berlin("2025-01-08T18:00")) == berlin("2025-01-09T09:00")
    assert bot.next_opening(berlin("2025-01-10T17:30")) == berlin("2025-01-13T09:00")
    assert "answer today from 09:00 (Europe/Berlin time)" in bot.closed_text(
        berlin("2025-01-08T07:00"))
    assert "answer tomorrow from 09:00" in bot.closed_text(berlin("2025-01-08T18:00"))
    assert "answer on Monday from 09:00" in bot.closed_text(berlin("2025-01-11T12:00"))


def test_closed_notice_once_per_customer_per_day():
    """Outside hours: one notice per customer and day; FAQ answers still come."""
    bot = new_bot()
    saturday, later = berlin("2025-01-11T12:00"), berlin("2025-01-11T20:00")
    first = bot.answer("bob", "hello?", saturday)
    assert first == [bot.closed_text(saturday)], first
    assert bot.answer("bob", "anyone?", later) == []
    assert bot.answer("carol", "I want a refund", later) == [faq_answer("refund"),
                                                             bot.closed_text(later)]
    sunday = berlin("2025-01-12T10:00")
    assert bot.answer("bob", "still there?", sunday) == [bot.closed_text(sunday)]
    # In office hours: FAQ or silence, no notice.
    monday = berlin("2025-01-13T10:00")
    assert bot.answer("bob", "What are your opening hours?", monday) == [faq_answer("hours")]
    assert bot.answer("bob", "Can I pay with cash?", monday) == []


# The bot driving the runner ---------------------------------------------------

class BotRun:
    """faq-bot.py with its runner, signed on to the sandbox."""

    def __init__(self, scenario, now):
        self.scenario = scenario
        sandbox = scenario.sandbox
        config_path = os.path.join(scenario.workdir, f"bot-{len(scenario.runs)}.json")
        # Each run gets a fresh token: the last run's one has rotated.
        token = sandbox.new_refresh_token(sandbox.account_id)
        with open(os.open(config_path, os.O_WRONLY | os.O_CREAT, 0o600), "w",
                  encoding="utf-8") as config:
            json.dump({"accounts": [{"username": sandbox.account, "password": token,
                                     "options": {"api-base": sandbox.base_url,
                                                 "client-id": sandbox.client_id,
                                                 "first-contact": "allow"}}]}, config)
        env = dict(os.environ, TWDM_RUNNER=os.environ["TW_TEST_RUNNER"], TWDM_BOT_NOW=now)
        self.log_path = os.path.join(scenario.workdir, f"bot-{len(scenario.runs)}.log")
        self.polls_before = scenario.count_polls()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, BOT_PATH, "--timezone", ZONE, "--hours", "09:00-17:00",
                 "--days", "Mon-Fri", "--", "--config", config_path],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        lib.at_exit(lambda: lib.stop_process(self.process))
        scenario.runs.append(self)
        lib.wait_until(self.polling, "the bot's runner polling the sandbox")

    def polling(self):
        """Whether the runner has polled; fails at once if the bot ended."""
        if self.process.poll() is not None:
            raise AssertionError(f"the bot exited with {self.process.returncode}:\n"
                                 + lib.tail(self.log_path))
        return self.scenario.count_polls() > self.polls_before

    def stop(self):
        """SIGTERM: the runner quits cleanly, then the bot with its status."""
        status = lib.stop_process(self.process, timeout=lib.TIMEOUT)
        assert status == 0, f"the bot exited with {status}:\n" + lib.tail(self.log_path)


class Scenario:
    """The sandbox and its customers, shared by the runner steps."""

    def __init__(self):
        self.workdir = lib.make_temp_dir("faq-bot")
        self.sandbox = lib.Sandbox(self.workdir, "--rate-window", "3", "--dm-read-limit", "30",
                                   "--dm-send-limit", "30")
        self.runs = []

    def diagnostics(self):
        return "\n".join(lib.tail(run.log_path, 30) for run in self.runs[-1:])

    def count_polls(self):
        return sum(1 for r in self.sandbox.requests()
                   if r["method"] == "GET" and r["path"] == "/2/dm_events" and r["status"] == 200)

    def sent_to(self, user_id):
        return self.sandbox.sent_texts(f"/2/dm_conversations/with/{user_id}/messages")

    def customer(self, handle, name):
        return self.sandbox.add_user(handle, name)

    def office_hours(self):
        """In office hours: a known question gets its answer, another one
        none (a person takes over)."""
        alice = self.customer("alice_c", "Alice Customer")
        dave = self.customer("dave_d", "Dave Doe")
        run = BotRun(self, WEDNESDAY_MORNING)
        self.sandbox.write_dm(alice, self.sandbox.account_id, "how long does shipping take?")
        self.sandbox.write_dm(dave, self.sandbox.account_id, "Can I change the colour of my order?")
        self.sandbox.wait_for_sent(faq_answer("shipping"),
                                   f"/2/dm_conversations/with/{alice}/messages")
        # Silence is only proven after the bot has seen the question:
        # wait for many more polls, then look.
        polls = self.count_polls()
        lib.wait_until(lambda: self.count_polls() >= polls + 10, "ten more polls")
        assert self.sent_to(dave) == [], self.sent_to(dave)
        assert self.sent_to(alice) == [faq_answer("shipping")], self.sent_to(alice)
        run.stop()

    def outside_hours(self):
        """On Saturday each customer is told once when we open; FAQ answers
        still come."""
        bob = self.customer("bob_b", "Bob Buyer")
        carol = self.customer("carol_c", "Carol Client")
        run = BotRun(self, SATURDAY_NOON)
        closed = new_bot().closed_text(datetime.datetime.fromisoformat(SATURDAY_NOON))
        assert "on Monday from 09:00" in closed, closed
        self.sandbox.write_dm(bob, self.sandbox.account_id, "hello? anyone there?")
        self.sandbox.wait_for_sent(closed, f"/2/dm_conversations/with/{bob}/messages")
        self.sandbox.write_dm(bob, self.sandbox.account_id, "helloooo")
        self.sandbox.write_dm(carol, self.sandbox.account_id, "I'd like a refund please")
        lib.wait_until(lambda: len(self.sent_to(carol)) == 2, "two answers to Carol")
        assert self.sent_to(carol) == [faq_answer("refund"), closed], self.sent_to(carol)
        polls = self.count_polls()
        lib.wait_until(lambda: self.count_polls() >= polls + 10, "ten more polls")
        assert self.sent_to(bob) == [closed], self.sent_to(bob)
        run.stop()


def main():
    scenario = None

    def office_hours():
        nonlocal scenario
        lib.require_environment("TW_TEST_SANDBOX_EXE", "TW_TEST_RUNNER")
        scenario = Scenario()
        scenario.office_hours()

    def outside_hours():
        if scenario is None:
            raise AssertionError("the sandbox did not start")
        scenario.outside_hours()

    lib.run_tests([
        ("faq-bot: office hours, Monday to Friday in the bot's time zone", test_office_hours),
        ("faq-bot: the closed notice names the next opening", test_next_opening),
        ("faq-bot: one closed notice per customer and day", test_closed_notice_once_per_customer_per_day),
        ("faq-bot: in office hours it answers the FAQ and stays silent otherwise", office_hours),
        ("faq-bot: outside office hours it tells each customer once", outside_hours),
    ], lambda: scenario.diagnostics() if scenario else "")


if __name__ == "__main__":
    main()
