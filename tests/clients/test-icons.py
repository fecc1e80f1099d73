#!/usr/bin/env python3
"""The protocol icons: named by list_icon() ("twdm"), the sizes Pidgin asks
for, and installed where Pidgin looks for them.

SPDX-License-Identifier: GPL-2.0-or-later
"""

import json
import os
import re
import struct
import sys
import xml.etree.ElementTree as ElementTree

sys.dont_write_bytecode = True
import clientlib as lib  # noqa: E402

ICONS = os.path.join(lib.source_root(), "data", "icons")
HEADER = os.path.join(lib.source_root(), "include", "purple-twdm.h")


def icon_name():
    """TW_PROTOCOL_ICON from the public header: what list_icon returns."""
    with open(HEADER, encoding="utf-8") as header:
        return re.search(r'#define TW_PROTOCOL_ICON "([^"]+)"', header.read()).group(1)


def png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    with open(path, "rb") as png:
        head = png.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path}: not a PNG"
    return struct.unpack(">II", head[16:24])


def test_png_sizes():
    """16, 22 and 48 px PNGs, square, named after list_icon."""
    for size in (16, 22, 48):
        path = os.path.join(ICONS, str(size), icon_name() + ".png")
        assert png_size(path) == (size, size), f"{path}: {png_size(path)}"
        assert os.path.getsize(path) < 16384, f"{path} is large"


def test_svg():
    """A scalable SVG with a square view box."""
    path = os.path.join(ICONS, "scalable", icon_name() + ".svg")
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
    x, y, width, height = (float(value) for value in root.get("viewBox").split())
    assert (x, y) == (0, 0) and width == height, root.get("viewBox")


def test_install_layout():
    """meson installs them into <datadir>/pixmaps/pidgin/protocols/<size>/."""
    build_root = os.path.dirname(os.environ["G_TEST_BUILDDIR"])
    with open(os.path.join(build_root, "meson-info", "intro-buildoptions.json"),
              encoding="utf-8") as options:
        if any(option["name"] == "user-install" and option["value"]
               for option in json.load(options)):
            raise lib.Skip("-Duser-install=true installs no icons: Pidgin reads them only "
                           "from its own data dir")
    with open(os.path.join(build_root, "meson-info", "intro-installed.json"),
              encoding="utf-8") as installed:
        targets = json.load(installed)
    expected = {os.path.join(ICONS, size, icon_name() + suffix): f"/{size}/{icon_name()}{suffix}"
                for size, suffix in (("16", ".png"), ("22", ".png"), ("48", ".png"),
                                     ("scalable", ".svg"))}
    for source, tail in expected.items():
        matches = [target for path, target in targets.items()
                   if os.path.realpath(path) == os.path.realpath(source)]
        assert matches, f"{source} is not installed"
        assert matches[0].endswith("/pixmaps/pidgin/protocols" + tail), matches[0]


def main():
    lib.require_environment("G_TEST_BUILDDIR")
    lib.run_tests([
        ("icons: 16, 22 and 48 px PNGs named by list_icon", test_png_sizes),
        ("icons: a scalable SVG", test_svg),
        ("icons: installed where Pidgin looks for protocol icons", test_install_layout),
    ])


if __name__ == "__main__":
    main()
