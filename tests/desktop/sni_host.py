#!/usr/bin/python3
"""A minimal system tray host for the tests: what a desktop's panel does with tray icons, over
D-Bus (Debian's python3-gi). `watch` serves org.kde.StatusNotifierWatcher so the app's tray icon
(libayatana-appindicator) registers; `items` prints the labels of every registered icon's menu
(com.canonical.dbusmenu); `click LABEL` sends the menu item with that label the "clicked" event
a panel sends when the user picks it.

    sni_host.py watch | items | click LABEL
"""
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

WATCHER = "org.kde.StatusNotifierWatcher"
XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""


def watch():
    bus = Gio.bus_get_sync(Gio.BusType.SESSION)
    items = []
    node = Gio.DBusNodeInfo.new_for_xml(XML)

    def call(conn, sender, path, iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            service = params.unpack()[0]
            # An object path means "at this path on the caller's connection".
            item = f"{sender}{service}" if service.startswith("/") else f"{service}/StatusNotifierItem"
            if item not in items:
                items.append(item)
                conn.emit_signal(None, "/StatusNotifierWatcher", WATCHER, "StatusNotifierItemRegistered", GLib.Variant("(s)", (item,)))
        invocation.return_value(None)

    def get(conn, sender, path, iface, prop):
        return {
            "RegisteredStatusNotifierItems": GLib.Variant("as", items),
            "IsStatusNotifierHostRegistered": GLib.Variant("b", True),
            "ProtocolVersion": GLib.Variant("i", 0),
        }[prop]

    bus.register_object("/StatusNotifierWatcher", node.interfaces[0], call, get, None)
    Gio.bus_own_name_on_connection(bus, WATCHER, Gio.BusNameOwnerFlags.NONE, None, None)
    print("watching", flush=True)
    GLib.MainLoop().run()


def menus():
    """(bus, menu path, layout) of every registered tray icon."""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION)
    props = Gio.DBusProxy.new_sync(bus, Gio.DBusProxyFlags.NONE, None, WATCHER, "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties", None)
    items = props.call_sync("Get", GLib.Variant("(ss)", (WATCHER, "RegisteredStatusNotifierItems")), Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
    out = []
    for item in items:
        name, _, path = item.partition("/")
        path = "/" + path
        item_props = Gio.DBusProxy.new_sync(bus, Gio.DBusProxyFlags.NONE, None, name, path, "org.freedesktop.DBus.Properties", None)
        menu = item_props.call_sync("Get", GLib.Variant("(ss)", ("org.kde.StatusNotifierItem", "Menu")), Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        dbusmenu = Gio.DBusProxy.new_sync(bus, Gio.DBusProxyFlags.NONE, None, name, menu, "com.canonical.dbusmenu", None)
        layout = dbusmenu.call_sync("GetLayout", GLib.Variant("(iias)", (0, -1, ["label"])), Gio.DBusCallFlags.NONE, 5000, None).unpack()[1]
        out.append((dbusmenu, layout))
    return out


def labels(layout):
    """(id, label) of every item under `layout`, depth first."""
    ident, props, children = layout
    found = []
    if "label" in props:
        found.append((ident, props["label"].replace("_", "")))
    for child in children:
        found += labels(child)
    return found


def main():
    what = sys.argv[1]
    if what == "watch":
        watch()
        return
    everything = [(menu, ident, label) for menu, layout in menus() for ident, label in labels(layout)]
    if what == "items":
        for _, _, label in everything:
            print(label)
        return
    wanted = sys.argv[2]
    for menu, ident, label in everything:
        if label == wanted:
            menu.call_sync("Event", GLib.Variant("(isvu)", (ident, "clicked", GLib.Variant("s", ""), 0)), Gio.DBusCallFlags.NONE, 5000, None)
            print(f"clicked {label}")
            return
    print(f"no menu item {wanted!r} among {[l for _, _, l in everything]}")
    sys.exit(1)


if __name__ == "__main__":
    main()
