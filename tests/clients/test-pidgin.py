#!/usr/bin/env python3
"""The plugin inside Pidgin (Debian's pidgin), on a private Xvfb display.

Pidgin starts with a temporary config directory holding a prpl-twdm account
pointed at the sandbox X API. xdotool does what a user does with the mouse
and keyboard (close the first sign-on notice, arrange the windows, type a
reply, send files through Conversation > Send File and GTK's file chooser);
Pidgin's own text log of the conversation shows what it displayed;
ImageMagick's import takes a screenshot of the conversation window.

TWDM_SCREENSHOT_DIR, when set, receives a copy of the screenshot (this is
how docs/pidgin-conversation.png was made).

SPDX-License-Identifier: GPL-2.0-or-later
"""

import glob
import json
import os
import secrets
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True
import clientlib as lib  # noqa: E402

NOTICE_WINDOW = "Twitter DM"
# The customer shows by display name once the plugin knows it (a buddy
# with an alias), by handle before.
CUSTOMER_NAMES = ("María González", "maria_gonzalez")
# The conversation window's title, as a regex for xdotool (the accents may
# reach it as one byte or two).
CONVERSATION_WINDOW = "(Mar.{1,2}a Gonz.{1,2}lez|maria_gonzalez)"
SCREEN = (1024, 640)


def write_pidgin_config(config_dir, sandbox, files_dir):
    """accounts.xml with the account enabled for Pidgin; prefs.xml with
    plain-text IM logs (the test reads them), no sounds, a fixed size, and
    files_dir as the folder Send File's chooser opens in."""
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
  <settings ui='gtk-gaim'>
   <setting name='auto-login' type='bool'>1</setting>
  </settings>
 </account>
</account>
""")
    os.chmod(os.path.join(config_dir, "accounts.xml"), 0o600)
    with open(os.path.join(config_dir, "prefs.xml"), "w", encoding="utf-8") as prefs:
        prefs.write(f"""<?xml version='1.0' encoding='UTF-8' ?>
<pref version='1' name='/'>
 <pref name='purple'>
  <pref name='logging'>
   <pref name='format' type='string' value='txt'/>
   <pref name='log_ims' type='bool' value='1'/>
   <pref name='log_chats' type='bool' value='0'/>
   <pref name='log_system' type='bool' value='0'/>
  </pref>
  <pref name='away'>
   <pref name='idle_reporting' type='string' value='none'/>
  </pref>
 </pref>
 <pref name='pidgin'>
  <pref name='sound'>
   <pref name='method' type='string' value='none'/>
  </pref>
  <pref name='blist'>
   <pref name='width' type='int' value='220'/>
   <pref name='height' type='int' value='460'/>
  </pref>
  <pref name='filelocations'>
   <pref name='last_open_folder' type='path' value='{escape(files_dir)}'/>
  </pref>
  <pref name='conversations'>
   <pref name='im'>
    <pref name='width' type='int' value='560'/>
    <pref name='height' type='int' value='340'/>
   </pref>
  </pref>
 </pref>
</pref>
""")


class Display:
    """Xvfb on a display it picks itself, with an X authority cookie."""

    def __init__(self, workdir):
        self.authority = os.path.join(workdir, "Xauthority")
        cookie = secrets.token_hex(16)
        # The server loads every cookie in the file, whatever its display.
        with open(self.authority, "wb"):
            pass
        subprocess.run(["xauth", "-q", "-f", self.authority, "add", ":999", ".", cookie],
                       check=True)
        read_end, write_end = os.pipe()
        self.log_path = os.path.join(workdir, "xvfb.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                 f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp", "-auth", self.authority],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=[write_end],
                start_new_session=True)
        os.close(write_end)
        lib.at_exit(lambda: lib.stop_process(self.process))
        number = b""
        with os.fdopen(read_end, "rb") as reader:
            number = reader.readline().strip()
        if not number:
            raise AssertionError("Xvfb did not start:\n" + lib.tail(self.log_path))
        self.name = ":" + number.decode()
        subprocess.run(["xauth", "-q", "-f", self.authority, "add", self.name, ".", cookie],
                       check=True)

    def environment(self, env):
        """env with DISPLAY and XAUTHORITY for this display."""
        env = dict(env)
        env["DISPLAY"] = self.name
        env["XAUTHORITY"] = self.authority
        return env


class Pidgin:
    """Pidgin with a private config dir on a Display."""

    def __init__(self, workdir, sandbox, display):
        self.config_dir = os.path.join(workdir, "pidgin")
        home = os.path.join(workdir, "home")
        os.makedirs(home, mode=0o700)
        write_pidgin_config(self.config_dir, sandbox, workdir)
        # No D-Bus session: -m skips the single-instance check over it.
        self.env = display.environment(lib.client_environment(home))
        self.env["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
        self.log_path = os.path.join(workdir, "pidgin.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(["pidgin", "-m", "-c", self.config_dir],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            env=self.env, start_new_session=True)
        lib.at_exit(lambda: lib.stop_process(self.process))

    def xdotool(self, *args, check=True):
        """Runs xdotool on the display; returns its stdout."""
        result = subprocess.run(["xdotool", *args], capture_output=True, text=True,
                                env=self.env, timeout=lib.TIMEOUT, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"xdotool {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def find_window(self, title):
        """The id of Pidgin's visible window whose whole title matches the
        regular expression title, or None."""
        self.check_running()
        found = self.xdotool("search", "--onlyvisible", "--name", f"^{title}$",
                             check=False).split()
        return found[0] if found else None

    def wait_window(self, title):
        """Waits for a window whose title matches; returns its id."""
        return lib.wait_until(lambda: self.find_window(title), f"Pidgin's window {title!r}")

    def geometry(self, window):
        """(x, y, width, height) of a window."""
        values = {}
        for line in self.xdotool("getwindowgeometry", "--shell", window).splitlines():
            name, _, value = line.partition("=")
            values[name] = int(value)
        return values["X"], values["Y"], values["WIDTH"], values["HEIGHT"]

    def click(self, window, x, y):
        """Moves the pointer into the window (which gives it the keyboard
        without a window manager) and clicks there."""
        self.xdotool("mousemove", "--window", window, str(x), str(y), "click", "1")

    def check_running(self):
        """Fails at once when Pidgin has died."""
        if self.process.poll() is not None:
            raise AssertionError(f"Pidgin exited with {self.process.returncode}")

    def conversation_log(self, account, peer):
        """Pidgin's plain-text log of the IM conversation with peer."""
        texts = []
        pattern = os.path.join(self.config_dir, "logs", "twdm", account, peer, "*.txt")
        for path in sorted(glob.glob(pattern)):
            with open(path, encoding="utf-8", errors="replace") as log:
                texts.append(log.read())
        return "".join(texts)


class Scenario:
    """State shared by the steps, which run in order."""

    def __init__(self):
        self.workdir = lib.make_temp_dir("pidgin")
        self.sandbox = lib.Sandbox(self.workdir, "--rate-window", "3", "--dm-read-limit", "30")
        self.maria_id = self.sandbox.add_user("maria_gonzalez", "María González")
        self.display = Display(self.workdir)
        self.pidgin = None
        self.conversation = None
        self.photo_id = None
        self.texts = ["Hi! My order #A-48213 never arrived. It was due last Friday.",
                      'The tracking page says "delivered" <but> nobody rang & no parcel.']

    def diagnostics(self):
        """Log tails for a failed step."""
        return (lib.tail(self.pidgin.log_path if self.pidgin else "", 40) + "\n"
                + lib.tail(self.display.log_path, 10) + "\n"
                + lib.tail(self.sandbox.log_path, 20))

    def sign_on(self):
        """Pidgin signs the account on; its first sign-on notice is closed
        the way a user would."""
        self.pidgin = Pidgin(self.workdir, self.sandbox, self.display)
        self.pidgin.wait_window("Buddy List")
        lib.wait_until(lambda: any(r["path"] == "/2/dm_events" and r["status"] == 200
                                   for r in self.sandbox.requests()), "the first DM poll")
        notice = self.pidgin.wait_window(NOTICE_WINDOW)
        _, _, width, height = self.pidgin.geometry(notice)
        # Escape closes a GTK dialog; the pointer gives it the keyboard.
        self.pidgin.click(notice, width // 2, height // 4)
        self.pidgin.xdotool("key", "--clearmodifiers", "Escape")
        lib.wait_until(lambda: self.pidgin.find_window(NOTICE_WINDOW) is None,
                       "the notice to close")
        lib.assert_plugin_loaded(self.pidgin.process.pid)

    def customer_messages(self):
        """The customer's messages open a conversation window and show in it."""
        for text in self.texts:
            self.sandbox.write_dm(self.maria_id, self.sandbox.account_id, text)
        self.conversation = self.pidgin.wait_window(CONVERSATION_WINDOW)
        # Beside the buddy list, in front, as a user would arrange it.
        self.pidgin.xdotool("windowmove", self.conversation, "230", "0",
                            "windowraise", self.conversation)
        for text in self.texts:
            lib.wait_until(lambda text=text: any(
                f"{name}: {text}" in self.pidgin.conversation_log(self.sandbox.account,
                                                                  "maria_gonzalez")
                for name in CUSTOMER_NAMES), f"{text!r} in Pidgin's conversation log")

    def photo(self):
        """A customer's photo shows as its line with the link, and the image
        itself follows inline, fetched once from X's DM media download."""
        self.photo_id = self.sandbox.write_dm(
            self.maria_id, self.sandbox.account_id, "This is what arrived instead",
            media={"type": "photo", "width": 1200, "height": 900,
                   "alt_text": "An empty box"})
        line = f"[photo 1200x900] https://ton.twitter.com/1.1/ton/data/dm/{self.photo_id}/"
        lib.wait_until(lambda: line in self.pidgin.conversation_log(self.sandbox.account,
                                                                   "maria_gonzalez"),
                       "the photo's line in Pidgin's conversation log")
        download = f"/2/dm_conversations/media/{self.photo_id}/"
        lib.wait_until(lambda: any(r["path"].startswith(download) and r["status"] == 200
                                   for r in self.sandbox.requests()), "the photo's download")
        polls = sum(r["path"] == "/2/dm_events" for r in self.sandbox.requests())
        lib.wait_until(lambda: sum(r["path"] == "/2/dm_events"
                                   for r in self.sandbox.requests()) >= polls + 3,
                       "three more DM polls")
        fetched = [r for r in self.sandbox.requests() if r["path"].startswith(download)]
        assert len(fetched) == 1, f"fetched {len(fetched)} times"

    def reply(self):
        """A reply typed into the conversation window reaches X."""
        text = 'So sorry, María! A new parcel <express> & "tracked" leaves today.'
        _, _, width, height = self.pidgin.geometry(self.conversation)
        # The message entry is the bottom of the window.
        self.pidgin.click(self.conversation, width // 2, height - 20)
        self.pidgin.xdotool("type", "--delay", "10", text)
        self.pidgin.xdotool("key", "--clearmodifiers", "Return")
        self.sandbox.wait_for_sent(text, f"/2/dm_conversations/with/{self.maria_id}/messages")
        lib.wait_until(lambda: f"Acme Support: {text}"
                       in self.pidgin.conversation_log(self.sandbox.account, "maria_gonzalez"),
                       "the reply in Pidgin's conversation log")

    def send_file(self, name, head, size):
        """Conversation > Send File... in the window, the path typed into
        GTK's file chooser: the file goes to X as a DM attachment. Returns
        the upload requests made for it and the DM POST that carries it."""
        path = os.path.join(self.workdir, name)
        with open(path, "wb") as output:
            output.write(head)
            output.truncate(size)
        before = len(self.sandbox.requests())
        _, _, width, height = self.pidgin.geometry(self.conversation)
        self.pidgin.click(self.conversation, width // 2, height - 20)
        # The Conversation menu's mnemonic, then Send File's.
        self.pidgin.xdotool("key", "--clearmodifiers", "alt+c")
        self.pidgin.xdotool("key", "--clearmodifiers", "n")
        chooser = self.pidgin.wait_window("Open File...")
        _, _, width, height = self.pidgin.geometry(chooser)
        self.pidgin.click(chooser, width // 2, height // 2)
        # Ctrl+L gives the chooser's location entry; the chooser opens in
        # the folder of the file (see prefs.xml), so its name will do.
        self.pidgin.xdotool("key", "--clearmodifiers", "ctrl+l")
        self.pidgin.xdotool("type", "--delay", "50", name)
        self.pidgin.xdotool("key", "--clearmodifiers", "Return")
        lib.wait_until(lambda: self.pidgin.find_window("Open File...") is None,
                       "the file chooser to close")

        def posted():
            return [r for r in self.sandbox.requests()[before:]
                    if r["method"] == "POST" and r["path"].endswith(
                        f"/with/{self.maria_id}/messages") and r["status"] == 201]
        lib.wait_until(posted, f"the DM carrying {name}", timeout=lib.TIMEOUT * 2)
        requests = self.sandbox.requests()[before:]
        dm = posted()[0]
        uploads = [r for r in requests[:requests.index(dm)]
                   if r["path"].startswith("/2/media/upload")]
        attachments = json.loads(dm["body"]).get("attachments", [])
        assert len(attachments) == 1 and attachments[0].get("media_id"), dm["body"]
        assert len(posted()) == 1, f"{len(posted())} DMs for one file"
        return uploads

    def send_photo(self):
        """A 2 MB photo through Pidgin's Send File: one upload, then one
        DM with its media id."""
        uploads = self.send_file("receipt.png", b"\x89PNG\r\n\x1a\n", 2 * 1024 * 1024)
        steps = [(r["method"], r["path"], r["status"]) for r in uploads]
        assert steps == [("POST", "/2/media/upload", 200)], steps

    def send_video(self):
        """A 10 MB video through Pidgin's Send File: X's chunked upload
        (initialize, ten 1 MiB appends, finalize, processing status),
        then one DM with its media id."""
        uploads = self.send_file("unboxing.mp4", b"\x00\x00\x00\x18ftypmp42",
                                 10 * 1024 * 1024)
        paths = [r["path"] for r in uploads if r["status"] == 200]
        assert paths[0] == "/2/media/upload/initialize", paths
        appends = [p for p in paths if p.endswith("/append")]
        assert len(appends) == 10, f"{len(appends)} appends"
        assert sum(p.endswith("/finalize") for p in paths) == 1, paths
        body = json.loads(uploads[0]["body"])
        assert body.get("total_bytes") == 10 * 1024 * 1024, body
        assert body.get("media_category") == "dm_video", body

    def screenshot(self):
        """A screenshot of the conversation window."""
        x, y, width, height = self.pidgin.geometry(self.conversation)
        path = os.path.join(self.workdir, "pidgin-conversation.png")
        subprocess.run(["import", "-window", "root", "-crop", f"{width}x{height}+{x}+{y}",
                        "+repage", "-strip", path], env=self.pidgin.env, check=True,
                       timeout=lib.TIMEOUT)
        size = subprocess.run(["identify", "-format", "%w %h", path], capture_output=True,
                              text=True, check=True, env=self.pidgin.env).stdout.split()
        assert [int(value) for value in size] == [width, height], f"{size} != {width}x{height}"
        # The sandbox's photo is a 48x48 square of one colour, from its
        # media key as GLib's g_str_hash() (djb2) makes it.
        key_hash = 5381
        for char in f"3_{int(self.photo_id) + 1}".encode():
            key_hash = (key_hash * 33 + char) & 0xFFFFFFFF
        colour = "".join(f"{0x40 + ((key_hash >> shift) & 0x7F):02X}" for shift in (0, 8, 16))
        histogram = subprocess.run(["convert", path, "-format", "%c", "histogram:info:-"],
                                   capture_output=True, text=True, check=True,
                                   env=self.pidgin.env).stdout
        pixels = sum(int(row.split(":")[0]) for row in histogram.splitlines()
                     if f"#{colour}" in row.upper())
        assert pixels >= 48 * 48, f"the photo (#{colour}) is not in the window: {pixels} pixels"
        target = os.environ.get("TWDM_SCREENSHOT_DIR")
        if target:
            shutil.copy(path, os.path.join(target, "pidgin-conversation.png"))
            lib.diag(f"screenshot copied to {target}")


def main():
    lib.require_environment("TW_TEST_SANDBOX_EXE", "TW_TEST_PLUGIN_DIR")
    lib.require_unsanitized_plugin("Pidgin")
    lib.require_programs({"Xvfb": "xvfb", "xauth": "xauth", "pidgin": "pidgin",
                          "xdotool": "xdotool", "import": "imagemagick"})
    scenario = Scenario()
    lib.run_tests([
        ("pidgin: the account signs on", scenario.sign_on),
        ("pidgin: customers' messages show in a conversation window",
         scenario.customer_messages),
        ("pidgin: a customer's photo shows inline, fetched once", scenario.photo),
        ("pidgin: a reply typed in the window reaches X", scenario.reply),
        ("pidgin: a screenshot of the conversation window", scenario.screenshot),
        ("pidgin: a 2 MB photo through Send File reaches X", scenario.send_photo),
        ("pidgin: a 10 MB video through Send File reaches X", scenario.send_video),
    ], scenario.diagnostics)


if __name__ == "__main__":
    main()
