#!/usr/bin/python3
"""The running desktop app's accessibility tree as a screen reader reads it, through AT-SPI
(libatspi's GObject bindings, the library pyatspi wraps; Debian's python3-gi and
gir1.2-atspi-2.0). The WebDriver suite drives the app to a screen and runs this with the
screen's name; it checks names, roles and states there and exits non-zero with what is wrong.

    atspi_tree.py codes | settings | dialog
"""
import re
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

# Roles a user acts on: each needs a name, or a screen reader says only "button".
CONTROLS = {"push button", "toggle button", "check box", "radio button", "combo box", "entry",
            "password text", "spin button", "link", "menu item", "slider"}
# "Issuer, name, code[, N seconds left]": the name is left out when there is none, a code is
# digits in two groups or Steam's five characters.
ROW = re.compile(r"^[^,]+(, [^,]+)?, (\d{3,4} \d{3,4}|[0-9A-Z]{5})(, \d{1,2} seconds? left)?$")


def walk(acc, depth=0):
    """Every accessible under `acc`, depth first (the tree is re-read on each call)."""
    if acc is None or depth > 80:
        return
    yield acc
    try:
        n = acc.get_child_count()
    except Exception:  # noqa: BLE001 - a node that went away meanwhile
        return
    for i in range(n):
        try:
            child = acc.get_child_at_index(i)
        except Exception:  # noqa: BLE001
            continue
        yield from walk(child, depth + 1)


def role(acc):
    try:
        return acc.get_role_name()
    except Exception:  # noqa: BLE001
        return ""


def name(acc):
    try:
        return acc.get_name() or ""
    except Exception:  # noqa: BLE001
        return ""


def document():
    """The web document of the app's window that shows the main screen."""
    deadline = time.time() + 20
    while time.time() < deadline:
        desktop = Atspi.get_desktop(0)
        for i in range(desktop.get_child_count()):
            app = desktop.get_child_at_index(i)
            if app is None or name(app) != "twofold-desktop":
                continue
            for acc in walk(app):
                if role(acc) == "document web":
                    return acc
        time.sleep(0.5)
    raise SystemExit("no twofold-desktop document on the accessibility bus")


def unnamed_controls(doc):
    out = []
    for acc in walk(doc):
        if role(acc) in CONTROLS and not name(acc).strip():
            try:
                showing = acc.get_state_set().contains(Atspi.StateType.SHOWING)
            except Exception:  # noqa: BLE001
                showing = False
            if showing:
                out.append(role(acc))
    return out


def check_codes(doc, problems):
    lists = [a for a in walk(doc) if role(a) == "list" and name(a) == "Accounts"]
    if len(lists) != 1:
        problems.append(f"want one list named Accounts, found {len(lists)}")
        return
    items = [a for a in walk(lists[0]) if role(a) == "list item"]
    if not items:
        problems.append("the Accounts list has no list items")
    rows = []
    for item in items:
        buttons = [a for a in walk(item) if role(a) == "push button"]
        names = [name(b) for b in buttons]
        row = next((n for n in names if ROW.match(n)), None)
        if row is None:
            problems.append(f"a list item has no row button read as 'Issuer, name, code, seconds left': {names}")
            continue
        issuer = row.split(", ")[0]
        if not any(n.startswith(f"Manage {issuer}") for n in names):
            problems.append(f"the row {row!r} has no 'Manage {issuer} …' button: {names}")
        # The visible countdown is not read: no node of the item is just the seconds.
        bare = [name(a) for a in walk(item) if re.fullmatch(r"\d{1,2}", name(a).strip())]
        if bare:
            problems.append(f"the countdown is exposed in {row!r}: {bare}")
        rows.append((buttons[names.index(row)], row))
    # Not announced at each tick: a row's name stays as it was while nothing happens.
    time.sleep(2.5)
    for button, before in rows:
        after = name(button)
        code = lambda label: (re.search(r", (\d{3,4} \d{3,4}|[0-9A-Z]{5})(,|$)", label) or [None, None])[1]  # noqa: E731
        same_code = code(before) == code(after)
        if same_code and after != before:
            problems.append(f"a row's name changed with the clock: {before!r} → {after!r}")
    if not [a for a in walk(doc) if role(a) == "entry" and name(a) == "Search accounts"]:
        problems.append("no entry named 'Search accounts'")
    live = []
    for acc in walk(doc):
        try:
            attrs = acc.get_attributes() or {}
        except Exception:  # noqa: BLE001
            attrs = {}
        if attrs.get("live") == "polite":
            live.append(acc)
    if not live:
        problems.append("no polite live region (copies and deletes would not be said)")


def check_settings(doc, problems):
    forms = [a for a in walk(doc) if role(a) == "form" and name(a) == "Settings"]
    if not forms:
        problems.append("no form named Settings")
    if not [a for a in walk(doc) if role(a) == "combo box" and name(a).startswith("Language")]:
        problems.append("no combo box named Language")
    if not [a for a in walk(doc) if role(a) == "heading" and name(a) == "Settings"]:
        problems.append("no heading Settings")


def check_dialog(doc, problems):
    dialogs = [a for a in walk(doc) if role(a) == "dialog"]
    if len(dialogs) != 1:
        problems.append(f"want one dialog, found {len(dialogs)}")
        return
    dialog = dialogs[0]
    if name(dialog) != "Approval request":
        problems.append(f"the dialog is named {name(dialog)!r}")
    try:
        description = dialog.get_description() or ""
    except Exception:  # noqa: BLE001
        description = ""
    if not description.strip():
        problems.append("the dialog has no description (the request is not announced)")
    states = dialog.get_state_set()
    if not states.contains(Atspi.StateType.MODAL):
        problems.append("the dialog is not modal")
    labels = {name(a) for a in walk(dialog) if role(a) == "push button"}
    for want in ("Approve", "Deny", "This wasn't me"):
        if want not in labels:
            problems.append(f"the dialog has no button {want!r}: {sorted(labels)}")


def main():
    screen = sys.argv[1]
    doc = document()
    problems = []
    {"codes": check_codes, "settings": check_settings, "dialog": check_dialog}[screen](doc, problems)
    problems += [f"a {r} without a name" for r in unnamed_controls(doc)]
    if problems:
        print("\n".join(problems))
        # What the reader saw, to tell why.
        print("the tree (first 120 nodes):")
        for i, acc in enumerate(walk(doc)):
            if i >= 120:
                break
            print(f"  [{role(acc)}] {name(acc)[:70]!r}")
        sys.exit(1)
    print(f"AT-SPI: the {screen} screen reads right")


if __name__ == "__main__":
    main()
