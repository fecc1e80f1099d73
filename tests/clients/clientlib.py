"""Helpers shared by the client tests (bitlbee, Finch, Pidgin, the bot).

TAP output, the sandbox X API program and its /_sandbox/ control API,
waiting for conditions, free loopback ports, and the environment a
libpurple program needs to load the plugin from the build tree (also when
the plugin was built with AddressSanitizer).

Only the Python standard library is used. The tests find the programs
under test through the environment that tests/meson.build sets:
TW_TEST_SANDBOX_EXE, TW_TEST_RUNNER and TW_TEST_PLUGIN_DIR. With
TW_TEST_INSTALLED=1 they test the installed plugin instead (the Debian
package, in TW_TEST_SYSTEM_PLUGIN_DIR): nothing is linked into the
programs' plugin directories, so each must find it where libpurple looks.

SPDX-License-Identifier: GPL-2.0-or-later
"""

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

# Generous, so a loaded CI machine passes; every wait ends as soon as its
# condition holds.
TIMEOUT = 30.0


class Skip(Exception):
    """Raised by a test that cannot run here; the message says why."""


def diag(text):
    """Prints text as TAP diagnostics (lines starting with '# ')."""
    for line in str(text).splitlines() or [""]:
        print("# " + line, flush=True)


def skip_all(reason):
    """Skips the whole test program with a TAP plan of zero tests."""
    print(f"1..0 # SKIP {reason}", flush=True)
    sys.exit(0)


def require_programs(programs):
    """Skips everything unless each program is on PATH.

    programs maps a program name to the Debian package that ships it.
    """
    for program, package in programs.items():
        if shutil.which(program) is None:
            skip_all(f"{program} is not installed (Debian package {package}; "
                     "tools/install-deps installs it)")


def require_environment(*names):
    """Skips everything unless tests/meson.build set these variables."""
    for name in names:
        if not os.environ.get(name):
            skip_all(f"{name} is not set: run this test with meson test")


def run_tests(tests, diagnostics=None):
    """Runs (name, function) pairs in order and prints TAP.

    A function passes by returning, skips by raising Skip, and fails by
    raising anything else; then diagnostics() (when given) returns text
    that helps to see why, such as the tail of a program's log. The exit
    status is 0: TAP carries the result.
    """
    print(f"1..{len(tests)}", flush=True)
    for number, (name, function) in enumerate(tests, start=1):
        started = time.monotonic()
        try:
            function()
        except Skip as skip:
            print(f"ok {number} - {name} # SKIP {skip}", flush=True)
            continue
        except BaseException as error:  # pylint: disable=broad-except
            diag(traceback.format_exc())
            if diagnostics is not None:
                try:
                    diag(diagnostics())
                except Exception:  # pylint: disable=broad-except
                    diag(traceback.format_exc())
            print(f"not ok {number} - {name}", flush=True)
            if isinstance(error, KeyboardInterrupt):
                raise
            continue
        diag(f"{name}: {time.monotonic() - started:.1f} s")
        print(f"ok {number} - {name}", flush=True)
    sys.exit(0)


def wait_until(condition, what, timeout=TIMEOUT, interval=0.05):
    """Calls condition until it returns something true and returns that.

    Raises AssertionError naming what was awaited after timeout seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port():
    """Returns a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path, lines=60):
    """The last lines of a log file, for diagnostics."""
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return f"--- last lines of {path}:\n" + "".join(log.readlines()[-lines:])
    except OSError as error:
        return f"--- {path}: {error}"


def make_temp_dir(label):
    """Creates a private temporary directory that is removed at exit."""
    path = tempfile.mkdtemp(prefix=f"twdm-{label}-")
    os.chmod(path, 0o700)
    _cleanups.append(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


_cleanups = []


def at_exit(function):
    """Runs function when the test program ends, last registered first."""
    _cleanups.append(function)


def _run_cleanups():
    while _cleanups:
        try:
            _cleanups.pop()()
        except Exception:  # pylint: disable=broad-except
            diag(traceback.format_exc())


def _on_signal(signum, frame):
    _run_cleanups()
    sys.exit(128 + signum)


# meson test sends SIGTERM on timeout: stop the programs we started.
signal.signal(signal.SIGTERM, _on_signal)
atexit.register(_run_cleanups)


def stop_process(process, timeout=10.0, group=False):
    """Ends a child we started: SIGTERM, then SIGKILL after timeout."""
    if process.poll() is not None:
        return process.returncode
    try:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        return process.wait()
    except ProcessLookupError:
        return process.wait()


def installed_mode():
    """Whether the tests run against the installed plugin (TW_TEST_INSTALLED=1)."""
    return os.environ.get("TW_TEST_INSTALLED") == "1"


def plugin_path():
    """The plugin under test: built by this build tree, or the installed one."""
    if installed_mode():
        path = os.path.join(os.environ["TW_TEST_SYSTEM_PLUGIN_DIR"], "libtwdm.so")
        if not os.path.exists(path):
            raise AssertionError(f"the plugin is not installed: {path}")
        return path
    path = os.path.join(os.environ["TW_TEST_PLUGIN_DIR"], "libtwdm.so")
    if not os.path.exists(path):
        raise AssertionError(f"the plugin was not built: {path}")
    return path


def link_plugin(directory):
    """Links the built plugin into a program's plugin directory. Against the
    installed plugin it links nothing: the program must find that one in
    libpurple's own plugin directory, as it would for a user."""
    if not installed_mode():
        os.symlink(plugin_path(), os.path.join(directory, "libtwdm.so"))


def _process_tree(pid):
    """pid and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                # The command may hold spaces and parentheses: split after it.
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def assert_plugin_loaded(pid):
    """The program (pid or one of its children) has mapped plugin_path(),
    and no other copy of the plugin."""
    expected = os.path.realpath(plugin_path())
    mapped = set()
    for process in _process_tree(pid):
        try:
            with open(f"/proc/{process}/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    fields = line.split(None, 5)
                    if len(fields) == 6 and fields[5].strip().endswith("/libtwdm.so"):
                        mapped.add(fields[5].strip())
        except OSError:
            continue
    if mapped != {expected}:
        raise AssertionError(f"expected only {expected} to be loaded, found {sorted(mapped)}")


def source_root():
    """The repository's top directory (tests/clients/ is two levels down)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sanitizer_runtime(library):
    """The sanitizer runtimes a library links, as ldd finds them.

    A plugin built with -Db_sanitize=address,undefined can only be loaded
    into a program that has the ASan runtime first in its library list.
    """
    try:
        output = subprocess.run(["ldd", library], check=True, capture_output=True,
                                text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    runtimes = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>" and (
                parts[0].startswith("libasan.") or parts[0].startswith("libubsan.")):
            runtimes.append(parts[2])
    # ASan must come first.
    runtimes.sort(key=lambda path: "libasan." not in path)
    return runtimes


def require_unsanitized_plugin(program):
    """Skips everything when the plugin needs a sanitizer runtime that
    program cannot run with.

    Finch and Pidgin hang at start-up, in glibc's bindtextdomain(), when
    libasan is preloaded (checked on Debian 12 with GCC 12's libasan):
    their tests run in the plain build, bitlbee's in both.
    """
    if sanitizer_runtime(plugin_path()):
        skip_all(f"the plugin is built with AddressSanitizer, and {program} hangs at "
                 "start-up with libasan preloaded; this test runs in the plain build")


def client_environment(home):
    """The environment for a libpurple program that loads the plugin.

    HOME is private (GTK, GStreamer and friends write there); a sanitized
    plugin gets its runtimes preloaded. Leak checking is off for these
    programs: their own start-up leaks are not ours, and the plugin's
    leaks are checked in the runner-based tests.
    """
    env = dict(os.environ)
    # The tests' fatal-criticals is for our code; GTK and friends emit
    # criticals of their own.
    env.pop("G_DEBUG", None)
    env["HOME"] = home
    env["LC_ALL"] = "C.UTF-8"
    env["LANG"] = "C.UTF-8"
    env.pop("LANGUAGE", None)
    env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
    env["XDG_CACHE_HOME"] = os.path.join(home, ".cache")
    env["XDG_DATA_HOME"] = os.path.join(home, ".local", "share")
    env["XDG_RUNTIME_DIR"] = home
    # The XMPP plugin starts GStreamer; keep it from scanning the system.
    env["GST_PLUGIN_SYSTEM_PATH_1_0"] = os.path.join(home, "gst-none")
    env["GST_REGISTRY_1_0"] = os.path.join(home, "gst-registry.bin")
    env["NO_AT_BRIDGE"] = "1"
    runtimes = sanitizer_runtime(plugin_path())
    if runtimes:
        env["LD_PRELOAD"] = " ".join(runtimes + [env.get("LD_PRELOAD", "")]).strip()
        env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0:exitcode=86"
    return env


class Sandbox:
    """The sandbox X API program (build/tools/twdm-sandbox) and its control API."""

    def __init__(self, workdir, *options):
        exe = os.environ["TW_TEST_SANDBOX_EXE"]
        self.log_path = os.path.join(workdir, "sandbox.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([exe, "--port", "0", *options],
                                            stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=log)
        at_exit(self.stop)
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.stop()
            raise AssertionError("the sandbox did not start:\n" + self.log())
        info = json.loads(line)
        self.base_url = info["base_url"]
        self.account = info["account"]
        self.account_id = info["account_id"]
        self.refresh_token = info["refresh_token"]
        self.client_id = info["client_id"]
        # Never through a proxy from the environment: this is loopback.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def log(self):
        """What the sandbox wrote to stderr so far."""
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self):
        """Stops the sandbox (idempotent)."""
        stop_process(self.process)

    def control(self, method, path, body=None):
        """One /_sandbox/ request; returns the decoded JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + "/_sandbox/" + path, data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        with self._opener.open(request, timeout=TIMEOUT) as answer:
            return json.loads(answer.read() or b"null")

    def add_user(self, username, name):
        """Creates an X user; returns its id."""
        return self.control("POST", "users", {"username": username, "name": name})["id"]

    def new_refresh_token(self, user_id):
        """Issues a fresh refresh token for a user."""
        return self.control("POST", "tokens", {"user_id": user_id})["refresh_token"]

    def write_dm(self, sender_id, recipient_id, text, **extra):
        """Creates a 1:1 DM as if sender_id wrote it; returns its event id."""
        body = {"sender_id": sender_id, "recipient_id": recipient_id, "text": text}
        body.update(extra)
        return self.control("POST", "messages", body)["id"]

    def create_group(self, creator_id, participant_ids, text):
        """Creates a group conversation with a first message; returns its id."""
        return self.control("POST", "groups", {"creator_id": creator_id,
                                               "participant_ids": participant_ids,
                                               "text": text})["id"]

    def requests(self):
        """Every API request recorded so far, oldest first."""
        return self.control("GET", "requests")

    def sent_texts(self, path_fragment=""):
        """Texts of successful DM POSTs whose path contains path_fragment."""
        texts = []
        for request in self.requests():
            if (request["method"] == "POST" and "/messages" in request["path"]
                    and path_fragment in request["path"] and request["status"] == 201):
                texts.append(json.loads(request["body"]).get("text"))
        return texts

    def wait_for_sent(self, text, path_fragment="", timeout=TIMEOUT):
        """Waits until a POST with exactly this text was answered 201."""
        return wait_until(lambda: text in self.sent_texts(path_fragment),
                          f"a DM POST with the text {text!r}", timeout)
