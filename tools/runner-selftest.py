#!/usr/bin/env python3
"""Self-test of twdm-runner's protocol-independent parts.

Drives the runner with libpurple's own IRC plugin against a tiny fake IRC
server on 127.0.0.1, so it needs neither the twdm plugin nor the network.
Usage: runner-selftest.py /path/to/twdm-runner

SPDX-License-Identifier: GPL-2.0-or-later
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

RUNNER = sys.argv[1]
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Under meson's valgrind setup, valgrind runs this script; the runner needs
# it too, with the project's suppressions.
if os.environ.get("TW_TEST_UNDER_VALGRIND"):
    WRAPPER = ["valgrind", "--error-exitcode=1", "--leak-check=full",
               "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--num-callers=30",
               "--suppressions=" + os.path.join(SOURCE_ROOT, "tests",
                                                "valgrind.supp"),
               "--suppressions=/usr/share/glib-2.0/valgrind/glib.supp"]
    SLOWDOWN = 10
else:
    WRAPPER = []
    SLOWDOWN = 1
SECRET = "s3cret-password-never-printed"
failures = []


def check(condition, what):
    print(("ok" if condition else "FAILED") + ": " + what)
    if not condition:
        failures.append(what)


class FakeIrcServer:
    """Accepts clients, welcomes them and plays a short script."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.sock.accept()
            threading.Thread(target=self.serve, args=(client,),
                             daemon=True).start()

    def serve(self, client):
        nick = None

        def send(line):
            client.sendall((line + "\r\n").encode())

        for raw in client.makefile("rb"):
            line = raw.decode(errors="replace").rstrip("\r\n")
            with self.lock:
                self.received.append(line)
            words = line.split(" ")
            if words[0] == "NICK":
                nick = words[1]
                send(f":srv 001 {nick} :Welcome")
                send(f":srv 376 {nick} :End of MOTD")
                send(f":carol!c@h PRIVMSG {nick} :hello <b>world</b> & co")
                send(f":{nick}!u@h JOIN :#room")
                send(f":srv 353 {nick} = #room :{nick} dave")
                send(f":srv 366 {nick} #room :End")
                send(f":eve!e@h JOIN :#room")
                send(f":eve!e@h PART #room")
                send(f":frank!f@h PRIVMSG {nick} "
                     ":\x01DCC SEND file.txt 2130706433 9 10\x01")
            elif words[0] == "WHOIS":
                send(f":srv 311 {nick} {words[-1]} user host * :Real Name")
                send(f":srv 318 {nick} {words[-1]} :End of WHOIS")
            elif words[0] == "QUIT":
                break
        client.close()

    def saw(self, text):
        with self.lock:
            return any(text in line for line in self.received)


class Runner:
    """One runner process; events are collected by a reader thread."""

    def __init__(self, *args):
        self.process = subprocess.Popen(
            [*WRAPPER, RUNNER, *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        self.events = []
        self.raw = []
        self.cond = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            with self.cond:
                self.raw.append(line)
                self.events.append(json.loads(line))
                self.cond.notify_all()

    def wait_for(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout * SLOWDOWN
        with self.cond:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def send(self, command):
        self.process.stdin.write(json.dumps(command) + "\n")

    def finish(self, timeout=30):
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        status = self.process.wait(timeout * SLOWDOWN)
        self.stderr = self.process.stderr.read()
        if status != 0:
            sys.stdout.write(self.stderr[-3000:])
        return status


def event(name, **members):
    return lambda e: e["event"] == name and all(
        e.get(k) == v for k, v in members.items())


def test_session(server, user_dir):
    runner = Runner("--protocol", "prpl-irc", "--account", "bob@127.0.0.1",
                    "--password", SECRET, "--option", f"port={server.port}",
                    "--user-dir", user_dir, "--auto-reply", "auto <ok>",
                    "--auto-reply-gap", "0")
    check(runner.wait_for(event("signed-on", account="bob@127.0.0.1")),
          "account signs on")
    received = runner.wait_for(event("message", conversation="carol"))
    check(received is not None and received["type"] == "im"
          and received["who"] == "carol"
          and received["text"] == "hello &lt;b&gt;world&lt;/b&gt; &amp; co"
          and received["plain"] == "hello <b>world</b> & co"
          and received["flags"] == ["recv"]
          and isinstance(received["time"], int),
          "incoming IM: html text, plain text, flags, time")
    auto = runner.wait_for(lambda e: e["event"] == "message"
                           and "auto-resp" in e["flags"])
    check(auto is not None and auto["who"] == "bob@127.0.0.1"
          and auto["plain"] == "auto <ok>" and "send" in auto["flags"],
          "auto-reply is sent and echoed")

    check(runner.wait_for(event("chat-joined", conversation="#room")),
          "chat-joined")
    check(runner.wait_for(event("chat-buddy", who="dave", action="join")),
          "chat-buddy join")
    check(runner.wait_for(event("chat-buddy", who="eve", action="leave")),
          "chat-buddy leave")
    system = runner.wait_for(lambda e: e["event"] == "message"
                             and e["conversation"] == "#room"
                             and "system" in e["flags"])
    check(system is not None and system["type"] == "chat",
          "system lines reach write_conv")

    request = runner.wait_for(event("request-action"))
    check(request is not None and request["actions"] == ["Accept", "Cancel"]
          and request["who"] == "frank", "request-action with labels")
    request_id = request["id"] if request is not None else 1
    runner.send({"cmd": "answer", "id": request_id, "action": 7})
    check(runner.wait_for(lambda e: e["event"] == "command-error"
                          and "action" in e["error"]),
          "out-of-range action is a command error")
    runner.send({"cmd": "answer", "id": request_id, "action": 1})
    check(runner.wait_for(event("request-closed", id=request_id)),
          "answered request closes")

    runner.send({"cmd": "send", "to": "carol", "text": "x < y & z"})
    echo = runner.wait_for(lambda e: e["event"] == "message"
                           and e["flags"] == ["send"])
    check(echo is not None and echo["who"] == "bob@127.0.0.1"
          and echo["plain"] == "x < y & z", "send echoes like a UI")
    runner.send({"cmd": "chat-send", "conversation": "#room",
                 "text": "hello room"})
    check(runner.wait_for(lambda e: e["event"] == "message"
                          and e["type"] == "chat"
                          and e["plain"] == "hello room"), "chat-send")
    runner.send({"cmd": "get-info", "who": "carol"})
    info = runner.wait_for(event("userinfo", who="carol"))
    check(info is not None and info["info"].get("Real name") == "Real Name",
          "get-info gives userinfo")
    runner.send({"cmd": "actions"})
    actions = runner.wait_for(event("actions"))
    check(actions is not None and "View MOTD" in actions["actions"],
          "actions lists account actions")
    runner.send({"cmd": "action", "name": "View MOTD"})
    check(runner.wait_for(lambda e: e["event"] == "notify"
                          and e["type"] == "error"),
          "action runs; notify_message is reported")

    for bad, what in [("not json", "not JSON"),
                      ('{"cmd": "fly"}', "unknown command"),
                      ('{"cmd": "send", "to": "x"}', "non-empty string"),
                      ('{"cmd": "send", "account": "zed", "to": "x", '
                       '"text": "y"}', "unknown account")]:
        runner.process.stdin.write(bad + "\n")
        check(runner.wait_for(lambda e: e["event"] == "command-error"
                              and what in e["error"]),
              f"bad command reported: {what}")

    def count(name):
        return lambda e: [x["event"] for x in runner.events].count(name)

    runner.send({"cmd": "disconnect"})
    check(runner.wait_for(lambda e: count("signed-off")(e) == 1),
          "disconnect signs off")
    runner.send({"cmd": "disconnect"})
    check(runner.wait_for(lambda e: e["event"] == "command-error"
                          and "not connected" in e["error"]),
          "disconnect when offline is a command error")
    runner.send({"cmd": "connect"})
    check(runner.wait_for(lambda e: count("signed-on")(e) == 2),
          "connect signs on again")
    runner.send({"cmd": "quit"})
    status = runner.finish()
    check(status == 0 and runner.events[-1] == {"event": "exit",
                                                  "status": 0},
          "quit: status 0, exit event last")
    check(server.saw("PRIVMSG carol :x < y & z"), "server got the IM")
    check(server.saw("PRIVMSG #room :hello room"), "server got the chat line")
    # valgrind's own "==pid== Command:" line repeats the arguments.
    stderr = [line for line in runner.stderr.splitlines()
              if not line.startswith("==")]
    check(not any(SECRET in line for line in runner.raw + stderr),
          "password never printed")


def test_restart(server, user_dir):
    runner = Runner("--protocol", "prpl-irc", "--account", "bob@127.0.0.1",
                    "--option", f"port={server.port}", "--user-dir",
                    user_dir, "--duration", "30")
    check(runner.wait_for(event("signed-on")), "restart signs on")
    runner.process.send_signal(signal.SIGTERM)
    status = runner.finish()
    check(status == 0 and runner.events[-1]["event"] == "exit",
          "SIGTERM quits cleanly")
    with open(os.path.join(user_dir, "accounts.xml")) as accounts:
        xml = accounts.read()
    check(xml.count("<account>") == 1 and SECRET in xml,
          "restart reuses the account and keeps its password")


def test_reconnect():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    runner = Runner("--protocol", "prpl-irc", "--account", "bob@127.0.0.1",
                    "--option", f"port={port}", "--reconnect-delay", "0.2",
                    "--duration", "3")
    runner.process.stdin.close()
    runner.wait_for(lambda e: [x["event"] for x in runner.events].count(
        "reconnect-scheduled") >= 2, timeout=10)
    error = runner.wait_for(event("connection-error"))
    check(error is not None and error["reason"] == "network-error"
          and error["reason_code"] == 0 and error["fatal"] is False,
          "refused connection is a non-fatal network error")
    delays = [e["seconds"] for e in runner.events
              if e["event"] == "reconnect-scheduled"]
    check(delays[:2] == [0.2, 0.4], "reconnect delay doubles")
    check(runner.finish() == 0, "--duration keeps running after stdin EOF")


def test_many_accounts(server):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as config:
        json.dump({"accounts": [
            {"username": f"u{i}@127.0.0.1", "protocol": "prpl-irc",
             "options": {"port": server.port, "ssl": False}}
            for i in range(100)]}, config)
        config.flush()
        runner = Runner("--config", config.name)
        runner.wait_for(lambda e: [x["event"] for x in runner.events].count(
            "signed-on") == 100, timeout=60)
        runner.send({"cmd": "quit"})
        runner.finish()
    count = [e["event"] for e in runner.events].count("signed-on")
    check(count == 100, f"100 accounts sign on (got {count})")


def test_usage():
    for args, status, what in [
            (["--format", "xml"], 1, "bad --format"),
            (["--protocol", "prpl-irc", "--account", "a@127.0.0.1",
              "--option", "port=abc"], 1, "int option needs an int"),
            (["--password", "x"], 1, "--password needs --account"),
            (["--config", "/nonexistent.json"], 1, "missing config file")]:
        result = subprocess.run([*WRAPPER, RUNNER, *args],
                                stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=30 * SLOWDOWN)
        check(result.returncode == status, f"{what}: exit {status}")


def main():
    probe = subprocess.run([RUNNER, "--protocol", "prpl-irc", "--account",
                            "probe@127.0.0.1", "--duration", "0"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
    if '"id":"prpl-irc"' not in probe.stdout:
        print("skip: libpurple's IRC plugin is not installed")
        return 77
    server = FakeIrcServer()
    with tempfile.TemporaryDirectory() as user_dir:
        test_session(server, user_dir)
        test_restart(server, user_dir)
    test_reconnect()
    test_many_accounts(server)
    test_usage()
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
