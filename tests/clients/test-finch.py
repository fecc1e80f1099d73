#!/usr/bin/env python3
"""The plugin inside Finch (Debian's finch), in a detached tmux session.

Finch starts with a temporary config directory holding a prpl-twdm account
pointed at the sandbox X API and a plugins/ link to the built plugin. The
test reads the screen with capture-pane and types with send-keys, on a
private tmux socket so that it never touches anyone else's sessions.

SPDX-License-Identifier: GPL-2.0-or-later
"""

import os
import shlex
import subprocess
import sys
import time
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True
import clientlib as lib  # noqa: E402

# The customer shows by display name once the plugin knows it (a buddy
# with an alias), by handle before.
CUSTOMER_NAMES = ("Alice Customer", "alice_c")
CONVERSATION_TITLES = [f"{name} (acme_support -- Twitter DM)" for name in CUSTOMER_NAMES]
# The plugin's one-time notice at the first sign-on opens a dialog.
NOTICE_TITLE = "Message from the X account"


def write_finch_config(config_dir, sandbox):
    """accounts.xml with the account, prefs.xml without logs and sounds."""
    os.makedirs(os.path.join(config_dir, "plugins"), mode=0o700)
    lib.link_plugin(os.path.join(config_dir, "plugins"))
    with open(os.path.join(config_dir, "accounts.xml"), "w", encoding="utf-8") as accounts:
        accounts.write(f"""<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'>
 <account>
  <protocol>prpl-twdm</protocol>
  <name>{escape(sandbox.account)}</name>
  <password>{escape(sandbox.refresh_token)}</password>
  <settings>
   <setting name='api-base' type='string'>{escape(sandbox.base_url)}</setting>
   <setting name='client-id' type='string'>{escape(sandbox.client_id)}</setting>
   <setting name='first-contact' type='string'>allow</setting>
  </settings>
  <settings ui='gnt-purple'>
   <setting name='auto-login' type='bool'>1</setting>
  </settings>
 </account>
</account>
""")
    os.chmod(os.path.join(config_dir, "accounts.xml"), 0o600)
    with open(os.path.join(config_dir, "prefs.xml"), "w", encoding="utf-8") as prefs:
        prefs.write("""<?xml version='1.0' encoding='UTF-8' ?>
<pref version='1' name='/'>
 <pref name='purple'>
  <pref name='logging'>
   <pref name='log_ims' type='bool' value='0'/>
   <pref name='log_chats' type='bool' value='0'/>
   <pref name='log_system' type='bool' value='0'/>
  </pref>
  <pref name='away'>
   <pref name='idle_reporting' type='string' value='none'/>
  </pref>
 </pref>
 <pref name='finch'>
  <pref name='sound'>
   <pref name='method' type='string' value='nosound'/>
  </pref>
 </pref>
</pref>
""")


class Finch:
    """Finch in a detached 160x50 tmux session on a private socket."""

    def __init__(self, workdir, sandbox):
        self.workdir = workdir
        self.socket_name = f"twdm-test-{os.getpid()}"
        self.config_dir = os.path.join(workdir, "finch")
        home = os.path.join(workdir, "home")
        os.makedirs(home, mode=0o700)
        write_finch_config(self.config_dir, sandbox)
        self.log_path = os.path.join(workdir, "finch.log")
        self.env = lib.client_environment(home)
        self.env["TERM"] = "xterm-256color"
        command = (f"exec finch -c {shlex.quote(self.config_dir)} "
                   f"2>>{shlex.quote(self.log_path)}")
        lib.at_exit(self.stop)
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "finch", "-x", "160", "-y", "50",
                  command)

    def tmux(self, *args):
        """Runs a tmux command on our private server; returns its stdout."""
        return subprocess.run(["tmux", "-L", self.socket_name, *args], check=True,
                              capture_output=True, text=True, env=self.env,
                              timeout=lib.TIMEOUT).stdout

    def assert_plugin_loaded(self):
        """Finch, the pane's process, has loaded the plugin under test."""
        pid = int(self.tmux("display-message", "-p", "-t", "finch", "#{pane_pid}"))
        lib.assert_plugin_loaded(pid)

    def screen(self):
        """The visible screen as text."""
        return self.tmux("capture-pane", "-p", "-t", "finch")

    def wait_screen(self, predicate, what, timeout=lib.TIMEOUT):
        """Waits until predicate(screen) holds; returns the screen."""
        last = [""]

        def check():
            last[0] = self.screen()
            return last[0] if predicate(last[0]) else None

        try:
            return lib.wait_until(check, what, timeout, interval=0.2)
        except AssertionError as error:
            raise AssertionError(f"{error}; the screen:\n{last[0]}") from None

    def type_line(self, text):
        """Types text literally, then Enter."""
        self.tmux("send-keys", "-t", "finch", "-l", text)
        self.tmux("send-keys", "-t", "finch", "Enter")

    def press(self, key):
        """Presses one key (tmux key name, e.g. Enter or M-n)."""
        self.tmux("send-keys", "-t", "finch", key)

    def focus_window(self, title):
        """Cycles the focus (Alt-n) until the window with this title is in
        front: its whole title shows in its frame."""
        framed = f"┤{title}├"
        for _ in range(6):
            try:
                self.wait_screen(lambda screen: framed in screen, f"{title!r} in front",
                                 timeout=2)
                return
            except AssertionError:
                self.press("M-n")
        self.wait_screen(lambda screen: framed in screen, f"{title!r} in front", timeout=2)

    def stop(self):
        """Ends our tmux server, and Finch with it (idempotent)."""
        subprocess.run(["tmux", "-L", self.socket_name, "kill-server"], env=self.env,
                       capture_output=True, check=False)


class Scenario:
    """State shared by the steps, which run in order."""

    def __init__(self):
        self.workdir = lib.make_temp_dir("finch")
        self.sandbox = lib.Sandbox(self.workdir, "--rate-window", "3", "--dm-read-limit", "30")
        self.alice_id = self.sandbox.add_user("Alice_C", "Alice Customer")
        self.finch = None

    def diagnostics(self):
        """The screen and log tails for a failed step."""
        screen = self.finch.screen() if self.finch else ""
        return (f"--- screen:\n{screen}\n" + lib.tail(self.finch.log_path if self.finch else "")
                + "\n" + lib.tail(self.sandbox.log_path, 20))

    def sign_on(self):
        """Finch signs the account on and the plugin starts polling."""
        self.finch = Finch(self.workdir, self.sandbox)
        lib.wait_until(lambda: any(r["path"] == "/2/dm_events" and r["status"] == 200
                                   for r in self.sandbox.requests()),
                       "the first DM poll")
        self.finch.assert_plugin_loaded()
        # Close the first sign-on notice, so the conversation window that
        # opens next has the focus.
        self.finch.wait_screen(lambda screen: NOTICE_TITLE in screen, "the first sign-on notice")
        for _ in range(5):
            self.finch.press("Enter")
            try:
                self.finch.wait_screen(lambda screen: NOTICE_TITLE not in screen,
                                       "the notice to close", timeout=3)
                return
            except AssertionError:
                self.finch.press("M-n")  # focus the next window
        raise AssertionError("the notice dialog did not close")

    def customer_message(self):
        """The customer's message appears in a conversation window."""
        # Short enough for one line of the window after name and time.
        text = 'Is <b>order</b> #12 & "X" late?'
        self.sandbox.write_dm(self.alice_id, self.sandbox.account_id, text)
        # A new conversation window opens behind the focused one; its title
        # shows in the task bar at the bottom first.
        screen = self.finch.wait_screen(
            lambda screen: any(title in screen for title in CONVERSATION_TITLES),
            "alice_c's conversation window")
        self.finch.focus_window(next(title for title in CONVERSATION_TITLES if title in screen))
        self.finch.wait_screen(lambda screen: any(f"{name}: {text}" in screen
                                                  for name in CUSTOMER_NAMES),
                               "the message in alice_c's conversation window")

    def reply(self):
        """A reply typed into the window reaches the sandbox."""
        text = 'It ships today <b> & "tracked"'
        self.finch.type_line(text)
        self.sandbox.wait_for_sent(text, f"/2/dm_conversations/with/{self.alice_id}/messages")
        # Finch names the sender by the display name X gave at sign-on.
        self.finch.wait_screen(lambda screen: f"Acme Support: {text}" in screen,
                               "the reply in the conversation window")

    def photo_only(self):
        """A DM that is only a photo shows once as the line naming it, not
        as a bare t.co link."""
        self.sandbox.write_dm(self.alice_id, self.sandbox.account_id, "",
                              media={"type": "photo", "width": 1200, "height": 900})
        # Finch wraps the long line at the space before the link.
        self.finch.wait_screen(lambda screen: any(f"{name}: [photo 1200x900]" in screen
                                                  for name in CUSTOMER_NAMES)
                               and "https://ton.twitter.com/1.1/ton/data/dm/" in screen,
                               "the photo's line")
        # A few more polls: still once.
        time.sleep(1.5)
        screen = self.finch.screen()
        assert screen.count("[photo 1200x900]") == 1, screen
        assert "t.co" not in screen, screen


def main():
    lib.require_environment("TW_TEST_SANDBOX_EXE", "TW_TEST_PLUGIN_DIR")
    lib.require_unsanitized_plugin("Finch")
    lib.require_programs({"finch": "finch", "tmux": "tmux"})
    scenario = Scenario()
    lib.run_tests([
        ("finch: the account signs on", scenario.sign_on),
        ("finch: a customer's message appears in a conversation window",
         scenario.customer_message),
        ("finch: a reply typed in the window reaches X", scenario.reply),
        ("finch: a photo-only DM is one line with its link", scenario.photo_only),
    ], scenario.diagnostics)


if __name__ == "__main__":
    main()
