#!/usr/bin/env python3
"""The plugin inside bitlbee (Debian's bitlbee-libpurple), driven over IRC.

Starts the sandbox X API and a forking bitlbee on free loopback ports with
a temporary configuration whose PluginDir holds the built plugin; a small
IRC client registers, adds a twdm account through the root channel and
then plays the account owner, while the sandbox's control API plays the
customers.

SPDX-License-Identifier: GPL-2.0-or-later
"""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
import clientlib as lib  # noqa: E402

NICK = "agent"
IRC_PASSWORD = "bee-keeper-7"
ROOT = "&bitlbee"
# The plugin's one-time notice and bitlbee's own messages come from root.
LOGGED_IN = "twdm - Logging in: Logged in"


class IrcLine:
    """One parsed IRC line: prefix nick, command and parameters."""

    def __init__(self, raw):
        self.raw = raw
        self.nick = ""
        rest = raw
        if rest.startswith(":"):
            prefix, _, rest = rest[1:].partition(" ")
            self.nick = prefix.split("!", 1)[0]
        trailing = None
        if " :" in rest:
            rest, _, trailing = rest.partition(" :")
        words = rest.split()
        self.command = words[0] if words else ""
        self.params = words[1:] + ([trailing] if trailing is not None else [])

    def is_privmsg(self, sender=None, target=None):
        """A PRIVMSG, from sender and to target when they are given."""
        return (self.command == "PRIVMSG" and len(self.params) == 2
                and (sender is None or self.nick.lower() == sender.lower())
                and (target is None or self.params[0].lower() == target.lower()))

    @property
    def text(self):
        """The last parameter (a message's text)."""
        return self.params[-1] if self.params else ""


class Irc:
    """A minimal IRC client: a reader thread collects every line."""

    def __init__(self, port, nick):
        self.nick = nick
        self.lines = []
        self.closed = False
        self._condition = threading.Condition()
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=lib.TIMEOUT)
        self._socket.settimeout(None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :Support agent")
        self.wait_for(lambda line: line.command == "JOIN" and line.nick == nick
                      and line.params[0] == ROOT, f"{nick} joining {ROOT}")

    def _read(self):
        buffer = b""
        while True:
            try:
                data = self._socket.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buffer += data
            while b"\r\n" in buffer:
                raw, buffer = buffer.split(b"\r\n", 1)
                line = IrcLine(raw.decode("utf-8", "replace"))
                if line.command == "PING":
                    self.send("PONG :" + line.text)
                with self._condition:
                    self.lines.append(line)
                    self._condition.notify_all()
        with self._condition:
            self.closed = True
            self._condition.notify_all()

    def send(self, line):
        """Sends one line (without CR LF)."""
        self._socket.sendall((line + "\r\n").encode("utf-8"))

    def say(self, target, text):
        """PRIVMSG target :text"""
        self.send(f"PRIVMSG {target} :{text}")

    def mark(self):
        """A position in the received lines, for wait_for(since=...)."""
        with self._condition:
            return len(self.lines)

    def wait_for(self, predicate, what, since=0, timeout=lib.TIMEOUT):
        """The first line at or after since that matches predicate."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                for line in self.lines[since:]:
                    if predicate(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    state = "the connection closed" if self.closed else f"{timeout:.0f} s"
                    raise AssertionError(f"no IRC line for {what} ({state}); last lines:\n"
                                         + "\n".join(l.raw for l in self.lines[-25:]))
                self._condition.wait(left)

    def matching(self, predicate, since=0):
        """Every line at or after since that matches predicate."""
        with self._condition:
            return [line for line in self.lines[since:] if predicate(line)]

    def root_command(self, command, expect, timeout=lib.TIMEOUT):
        """Types a command in the root channel and waits for root's answer
        containing expect; returns that line."""
        since = self.mark()
        self.say(ROOT, command)
        return self.wait_for(lambda line: line.is_privmsg("root", ROOT) and expect in line.text,
                             f"root answering {command.split()[0]!r} with {expect!r}",
                             since, timeout)

    def quit(self):
        """QUIT and close."""
        try:
            self.send("QUIT :done")
        except OSError:
            pass
        with self._condition:
            self._condition.wait_for(lambda: self.closed, 5)
        self._socket.close()


class Bitlbee:
    """A forking bitlbee with a private configuration and plugin dir."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.config_dir = os.path.join(workdir, "config")
        self.plugin_dir = os.path.join(workdir, "plugins")
        self.home = os.path.join(workdir, "home")
        self.log_path = os.path.join(workdir, "bitlbee.log")
        for path in (self.config_dir, os.path.join(self.plugin_dir, "purple"), self.home):
            os.makedirs(path, mode=0o700, exist_ok=True)
        # bitlbee looks for libpurple plugins in <PluginDir>/purple.
        lib.link_plugin(os.path.join(self.plugin_dir, "purple"))
        self.config_path = os.path.join(workdir, "bitlbee.conf")
        with open(self.config_path, "w", encoding="utf-8") as config:
            config.write(f"""[settings]
RunMode = ForkDaemon
AuthMode = Open
ConfigDir = {self.config_dir}
PluginDir = {self.plugin_dir}
MotdFile = /dev/null

[defaults]
display_timestamps = false
private = true
handle_unknown = add_private
self_messages = true
strip_html = true
typing_notice = false
""")
        self.process = None
        self.port = None
        lib.at_exit(self.stop)

    def start(self):
        """Starts bitlbee on a free port and waits until it accepts."""
        for _ in range(5):
            self.port = lib.free_port()
            env = lib.client_environment(self.home)
            # Sends the plugin's purple_debug lines to the log.
            env["BITLBEE_DEBUG"] = "1"
            with open(self.log_path, "ab") as log:
                log.write(f"=== bitlbee on port {self.port}\n".encode())
                log.flush()
                self.process = subprocess.Popen(
                    ["bitlbee", "-F", "-n", "-v", "-i", "127.0.0.1", "-p", str(self.port),
                     "-c", self.config_path, "-d", self.config_dir],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                    start_new_session=True)
            if self._wait_listening():
                return
            self.stop()
        raise AssertionError("bitlbee did not start:\n" + lib.tail(self.log_path))

    def _wait_listening(self):
        deadline = time.monotonic() + lib.TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        """Stops bitlbee and the children it forked (its process group)."""
        if self.process is not None:
            lib.stop_process(self.process, group=True)
            self.process = None

    def connect(self):
        """A new IRC connection as NICK."""
        return Irc(self.port, NICK)


class Scenario:
    """State shared by the steps, which run in order."""

    def __init__(self):
        self.workdir = lib.make_temp_dir("bitlbee")
        # A 3 s rate window with 30 reads lets the plugin poll about every
        # 100 ms instead of once a minute.
        self.sandbox = lib.Sandbox(self.workdir, "--rate-window", "3",
                                   "--dm-read-limit", "30", "--dm-send-limit", "30")
        self.alice_id = self.sandbox.add_user("Alice_C", "Alice Customer")
        self.bob_id = self.sandbox.add_user("BobBuyer", "Bob Buyer")
        self.bitlbee = Bitlbee(self.workdir)
        self.bitlbee.start()
        self.irc = None
        self.shown = []  # texts bitlbee showed before the restart

    def diagnostics(self):
        """Log tails for a failed step."""
        return lib.tail(self.bitlbee.log_path, 80) + "\n" + lib.tail(self.sandbox.log_path, 20)

    def privmsg_from(self, sender, text, since=0, target=NICK):
        """Waits for PRIVMSG sender -> target with exactly text."""
        return self.irc.wait_for(lambda line: line.is_privmsg(sender, target) and line.text == text,
                                 f"PRIVMSG {sender} -> {target} {text!r}", since)

    def add_account(self, handle, password):
        """Adds a twdm account pointed at the sandbox; returns its tag."""
        quoted = '""' if password == "" else password
        added = self.irc.root_command(f"account add twdm {handle} {quoted}",
                                      "Account successfully added with tag ")
        tag = added.text.rsplit(" ", 1)[1]
        self.irc.root_command(f"account {tag} set api-base {self.sandbox.base_url}", "api-base = ")
        self.irc.root_command(f"account {tag} set client-id {self.sandbox.client_id}",
                              "client-id = ")
        # A low limit, so that the second person one text goes to is held.
        self.irc.root_command(f"account {tag} set blast-limit 1", "blast-limit = ")
        return tag

    # Steps ----------------------------------------------------------------

    def sign_on(self):
        """register, account add/set/on through the root channel."""
        self.irc = self.bitlbee.connect()
        self.irc.root_command(f"register {IRC_PASSWORD}", "Account successfully created")
        assert self.add_account(self.sandbox.account, self.sandbox.refresh_token) == "twdm"
        since = self.irc.mark()
        self.irc.say(ROOT, "account twdm on")
        self.irc.wait_for(lambda line: line.is_privmsg("root", ROOT) and LOGGED_IN in line.text,
                          "the account signing on", since)
        self.irc.root_command("save", "Configuration saved")
        lib.assert_plugin_loaded(self.bitlbee.process.pid)

    def customer_message(self):
        """A customer's DM is a private message from the customer's nick,
        with the exact text."""
        text = 'Is <b>this</b> & "that" in stock? I don\'t see it: 5 > 3'
        since = self.irc.mark()
        self.sandbox.write_dm(self.alice_id, self.sandbox.account_id, text)
        self.privmsg_from("alice_c", text, since)
        self.shown.append(text)

    def photo_only(self):
        """A DM that is only a photo arrives once as the line naming it,
        with its link and alt text, not as a bare t.co link."""
        since = self.irc.mark()
        event_id = self.sandbox.write_dm(self.alice_id, self.sandbox.account_id, "",
                                         media={"type": "photo", "width": 1200, "height": 900,
                                                "alt_text": "A cracked screen"})
        expected = (f"[photo 1200x900] https://ton.twitter.com/1.1/ton/data/dm/{event_id}/"
                    f"{int(event_id) + 1}/photo.jpg (A cracked screen)")
        self.privmsg_from("alice_c", expected, since)
        polls = self.count_polls()
        lib.wait_until(lambda: self.count_polls() >= polls + 5, "five more DM polls")
        shown = self.irc.matching(lambda line: line.is_privmsg("alice_c") and "photo" in line.text,
                                  since)
        assert len(shown) == 1, f"shown {len(shown)} times: {[l.raw for l in shown]}"
        assert not self.irc.matching(lambda line: line.is_privmsg("alice_c")
                                     and "t.co" in line.text, since), "a t.co link was shown"
        # IRC shows no images: the photo itself is not fetched.
        downloads = [r for r in self.sandbox.requests()
                     if r["path"].startswith("/2/dm_conversations/media/")]
        assert not downloads, f"fetched in bitlbee: {downloads}"
        self.shown.append(expected)

    def reply(self):
        """A line typed on IRC reaches the sandbox as the right POST."""
        text = 'Yes, <b> & "quotes" stay as typed; it\'s on its way'
        self.irc.say("alice_c", text)
        self.sandbox.wait_for_sent(text, f"/2/dm_conversations/with/{self.alice_id}/messages")
        self.shown.append(text)

    def other_device(self):
        """A DM the owner sent from another device is shown as their own."""
        text = "Sent from my phone: we ship on Monday"
        since = self.irc.mark()
        self.sandbox.write_dm(self.sandbox.account_id, self.alice_id, text)
        self.privmsg_from(NICK, text, since, target="alice_c")
        self.shown.append(text)
        # The reply typed on IRC is not echoed back as if typed elsewhere.
        echoes = self.irc.matching(lambda line: line.is_privmsg(NICK, "alice_c")
                                   and line.text.startswith("Yes, <b>"))
        assert not echoes, f"the IRC reply came back: {[l.raw for l in echoes]}"

    def first_contact(self):
        """A first DM to someone who never wrote is asked about from root:
        "no" sends nothing, "yes" sends it."""
        self.irc.root_command("add twdm bobbuyer", "Adding `bobbuyer' to contact list")
        declined = "Hello Bob, have you seen our new offers?"
        self.irc.say("bobbuyer", declined)
        self.answer_question("Send a first DM to @bobbuyer?", "no")
        agreed = "Hello Bob, your parcel is ready to collect"
        self.irc.say("bobbuyer", agreed)
        self.answer_question("Send a first DM to @bobbuyer?", "yes")
        self.sandbox.wait_for_sent(agreed, f"/2/dm_conversations/with/{self.bob_id}/messages")
        assert not self.posts_with(declined), f"sent although declined: {declined!r}"

    def blast_hold(self):
        """With blast-limit 1 the same text (but for case and spaces) to a
        second person is held until root's question is answered yes."""
        text = "hello BOB,  your parcel is READY to collect"
        self.irc.say("alice_c", text)
        self.answer_question("1 message is held", "yes", before_answer=lambda: self.assert_held(text))
        self.sandbox.wait_for_sent(text, f"/2/dm_conversations/with/{self.alice_id}/messages")

    def assert_held(self, text):
        """Nothing with text was posted yet."""
        assert not self.posts_with(text), f"sent before the question was answered: {text!r}"

    def answer_question(self, question, answer, before_answer=None):
        """Waits for root to ask a libpurple request_action whose text has
        question, then answers it with bitlbee's yes or no command."""
        since = self.irc.mark()
        self.irc.wait_for(lambda line: line.is_privmsg("root", ROOT) and question in line.text,
                          f"root asking {question!r}", since)
        if before_answer is not None:
            before_answer()
        verdict = "Accepted: " if answer == "yes" else "Rejected: "
        self.irc.root_command(answer, verdict)

    def posts_with(self, text):
        """The DM POSTs the sandbox was sent with exactly this text, answered
        or not."""
        return [request for request in self.sandbox.requests()
                if request["method"] == "POST" and "/messages" in request["path"]
                and json.loads(request["body"] or "{}").get("text") == text]

    def group_chat(self):
        """A group DM becomes an IRC channel; a line typed there reaches the
        group."""
        since = self.irc.mark()
        group_id = self.sandbox.create_group(self.bob_id, [self.sandbox.account_id, self.alice_id],
                                             "Hello all, question about the group order")
        try:
            join = self.irc.wait_for(lambda line: line.command == "JOIN" and line.nick == NICK
                                     and line.params[0] != ROOT, "joining a channel for the group",
                                     since, timeout=15)
        except AssertionError:
            if not self.plugin_has_chats():
                raise lib.Skip("prpl-twdm has no chat support yet (issue 5: group DMs as "
                               "chats); bitlbee says joining chat rooms is not supported")
            raise
        channel = join.params[0]
        self.irc.wait_for(lambda line: line.is_privmsg("bobbuyer", channel)
                          and line.text == "Hello all, question about the group order",
                          f"Bob's first line in {channel}", since)
        text = "Hi both, I am looking into the group order"
        self.irc.say(channel, text)
        self.sandbox.wait_for_sent(text, f"/2/dm_conversations/{group_id}/messages")

    def plugin_has_chats(self):
        """Asks bitlbee: joining a room fails at once without chat_info."""
        self.irc.root_command("chat add twdm probe-room #twdm-probe", "Chatroom successfully added")
        since = self.irc.mark()
        self.irc.send("JOIN #twdm-probe")
        unsupported = "Joining chatrooms not supported by this protocol"
        try:
            self.irc.wait_for(lambda line: unsupported in line.text, "bitlbee's answer to a join",
                              since, timeout=5)
        except AssertionError:
            return True
        return False

    def restart(self):
        """Restarting bitlbee with the saved account replays nothing, and a
        DM written while bitlbee was down arrives once."""
        self.irc.root_command("save", "Configuration saved")
        self.irc.quit()
        self.bitlbee.stop()
        self.assert_no_sanitizer_reports()
        down_text = "Written while you were offline & the gateway was down"
        self.sandbox.write_dm(self.alice_id, self.sandbox.account_id, down_text)

        self.bitlbee.start()
        self.irc = self.bitlbee.connect()
        since = self.irc.mark()
        self.irc.say(ROOT, f"identify {IRC_PASSWORD}")
        self.irc.wait_for(lambda line: line.is_privmsg("root", ROOT) and LOGGED_IN in line.text,
                          "the saved account signing on again", since)
        self.privmsg_from("alice_c", down_text, since)
        # Let it poll a good number of times more before counting.
        polls = self.count_polls()
        lib.wait_until(lambda: self.count_polls() >= polls + 10, "ten more DM polls")
        delivered = self.irc.matching(lambda line: line.is_privmsg() and line.text == down_text,
                                      since)
        assert len(delivered) == 1, f"shown {len(delivered)} times: {down_text!r}"
        replayed = self.irc.matching(lambda line: line.is_privmsg() and line.text in self.shown,
                                     since)
        assert not replayed, f"replayed after the restart: {[l.raw for l in replayed]}"

    def count_polls(self):
        """GET /2/dm_events requests the sandbox answered so far."""
        return sum(1 for request in self.sandbox.requests()
                   if request["method"] == "GET" and request["path"] == "/2/dm_events")

    def oauth_prompt(self):
        """With no refresh token the plugin asks with the authorize URL in
        the text and accepts the pasted redirect URL."""
        settings = self.help_purple_twdm()
        if "authorize-url" not in settings or "redirect-uri" not in settings:
            raise lib.Skip("prpl-twdm has no OAuth 2.0 authorization prompt yet (issue 4): "
                           "bitlbee lists no authorize-url/redirect-uri setting")
        user_id = self.sandbox.add_user("Acme_Sales", "Acme Sales")
        # The sandbox's authorize page approves at once, as this user.
        self.sandbox.control("POST", "authorize", {"user_id": user_id})
        tag = self.add_account("acme_sales", "")
        callback_port = lib.free_port()
        self.irc.root_command(f"account {tag} set authorize-url "
                              f"{self.sandbox.base_url}/i/oauth2/authorize", "authorize-url = ")
        self.irc.root_command(f"account {tag} set redirect-uri "
                              f"http://127.0.0.1:{callback_port}/callback", "redirect-uri = ")
        since = self.irc.mark()
        self.irc.say(ROOT, f"account {tag} on")
        # bitlbee shows request_input as messages from purple_request_<n>.
        prompt = self.irc.wait_for(
            lambda line: line.is_privmsg(target=NICK) and line.nick.startswith("purple_request")
            and "/i/oauth2/authorize?" in line.text, "a prompt with the authorize URL", since)
        url = re.search(r"https?://\S+/i/oauth2/authorize\?\S+", prompt.text).group(0)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert query.get("code_challenge_method") == ["S256"], url
        assert query.get("client_id") == [self.sandbox.client_id], url
        self.irc.say(prompt.nick, self.approve(url))
        self.irc.wait_for(lambda line: line.is_privmsg("root", ROOT)
                          and f"{tag} - Logging in: Logged in" in line.text,
                          "the new account signing on", since)
        exchanges = [request for request in self.sandbox.requests()
                     if request["path"] == "/2/oauth2/token"
                     and "grant_type=authorization_code" in (request["body"] or "")]
        assert exchanges and exchanges[-1]["status"] == 200, f"code exchanges: {exchanges}"
        # It signs on as the user who approved: /2/users/me answered for them.
        me = [request for request in self.sandbox.requests()
              if request["path"] == "/2/users/me" and request["user_id"] == user_id]
        assert me, "no /2/users/me for the approving user"
        self.irc.root_command(f"account {tag} off", f"{tag} - Signing off")
        self.irc.root_command(f"account {tag} del", "Account deleted")

    def sign_off(self):
        """QUIT and stop bitlbee: nothing in its log from a sanitizer (with
        an ASan build of the plugin the whole run was checked)."""
        self.irc.quit()
        self.bitlbee.stop()
        self.assert_no_sanitizer_reports()

    def assert_no_sanitizer_reports(self):
        """bitlbee's log so far has no AddressSanitizer or UBSan report."""
        with open(self.bitlbee.log_path, encoding="utf-8", errors="replace") as log:
            text = log.read()
        for marker in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
            assert marker not in text, f"{marker!r} in bitlbee's log:\n" + lib.tail(
                self.bitlbee.log_path, 80)

    def approve(self, url):
        """Opens the sandbox's authorize page as a browser would and returns
        the redirect URL it answers with (not following it)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
        try:
            with opener.open(url, timeout=lib.TIMEOUT) as answer:
                raise AssertionError(f"the authorize page did not redirect: {answer.status}")
        except urllib.error.HTTPError as error:
            assert error.code in (301, 302, 303, 307), f"authorize page: {error.code}"
            return error.headers["Location"]

    def help_purple_twdm(self):
        """The text of `help purple twdm`: the protocol's settings."""
        since = self.irc.mark()
        self.irc.say(ROOT, "help purple twdm")
        # Commands are answered in order: this answer ends the help.
        end = self.irc.root_command("set private", "private = ")
        return "\n".join(line.text for line in self.irc.matching(
            lambda line: line.is_privmsg("root", ROOT) and line is not end, since))


def main():
    lib.require_environment("TW_TEST_SANDBOX_EXE", "TW_TEST_PLUGIN_DIR")
    lib.require_programs({"bitlbee": "bitlbee-libpurple"})
    scenario = Scenario()
    lib.run_tests([
        ("bitlbee: sign on through the root channel", scenario.sign_on),
        ("bitlbee: a customer's DM arrives as a private message, text exact",
         scenario.customer_message),
        ("bitlbee: a photo-only DM is one line with its link", scenario.photo_only),
        ("bitlbee: a reply typed on IRC reaches X", scenario.reply),
        ("bitlbee: a DM sent from another device is shown", scenario.other_device),
        ("bitlbee: a first DM to someone who never wrote waits for root's yes",
         scenario.first_contact),
        ("bitlbee: the same text to too many people is held until root's yes",
         scenario.blast_hold),
        ("bitlbee: a group DM is an IRC channel, and lines typed there reach it",
         scenario.group_chat),
        ("bitlbee: a restart replays nothing and loses nothing", scenario.restart),
        ("bitlbee: the OAuth 2.0 prompt shows the URL and takes the redirect",
         scenario.oauth_prompt),
        ("bitlbee: signs off cleanly", scenario.sign_off),
    ], scenario.diagnostics)


if __name__ == "__main__":
    main()
