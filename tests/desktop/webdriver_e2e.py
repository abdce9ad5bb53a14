#!/usr/bin/env python3
"""The real desktop app under Xvfb, driven through tauri-driver and WebKitWebDriver.

Environment: TWOFOLD_DRIVER_URL (tauri-driver), TWOFOLD_APP (the app binary), DISPLAY (to read
the clipboard with xclip), TWOFOLD_E2E_MODE (`passphrase`: no keychain, the vault behind a
passphrase; `keychain`: the vault key in the session's gnome-keyring). The app's own environment
(TWOFOLD_VAULT, TWOFOLD_NO_KEYCHAIN, the D-Bus session) is set on tauri-driver, which starts it.
Codes are checked against pyotp, an independent implementation. Prints one line per check and a
closing "N passed, M failed".
"""
import base64
import glob
import json
import os
import socket
import subprocess
import sys
import time
import traceback

import requests

import pyotp
import segno
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

DRIVER = os.environ["TWOFOLD_DRIVER_URL"]
APP = os.environ["TWOFOLD_APP"]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
IMAGE_SECRET = "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF"
SCREEN_SECRET = "ONSWG4TFORRXK4TFONSWG4TFORRXK4TF"
LINK_SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
SYNC_SECRET = "ONXW4Y3FMRZWKY3SMV2HG6LOMNSWI43Z"
KEYBOARD_SECRET = "NBSWY3DPO5XXE3DEEBQWG4DBNBSWY3DP"
WORK = os.environ.get("TWOFOLD_E2E_WORK", "/tmp")
SHOTS = os.environ.get("TWOFOLD_E2E_SHOTS")
MODE = os.environ.get("TWOFOLD_E2E_MODE", "passphrase")
PASSPHRASE = "correct horse" if MODE == "passphrase" else ""
SERVER_BIN = os.environ.get("TWOFOLD_SERVER_BIN")
API_KEY = "desktop-e2e-api-key"
results = []
# What the run learns as it goes: the recovery key shown at first run, the passphrase now.
STATE = {"passphrase": PASSPHRASE}
# The page re-renders while a wait looks: WebKitWebDriver may then report an element as stale
# even inside find_elements. A wait tries again instead of failing.
STALE = (StaleElementReferenceException,)


class PushServer:
    """A real twofold-server for the push checks (keychain mode: device keys live there)."""

    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self, clock_ahead=0):
        """`clock_ahead`: seconds the server's clock runs ahead (libfaketime preloaded)."""
        log = open(os.path.join(WORK, "push-server.log"), "a")
        env = dict(os.environ, TWOFOLD_BOOTSTRAP_API_KEY=API_KEY)
        if clock_ahead:
            env["LD_PRELOAD"] = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")[0]
            env["FAKETIME"] = f"+{clock_ahead}s"
            env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        self.proc = subprocess.Popen(
            [SERVER_BIN, "serve", "--listen", f"127.0.0.1:{self.port}",
             "--database-url", f"sqlite://{os.path.join(WORK, 'push-server.db')}",
             "--outbox", os.path.join(WORK, "push-outbox.jsonl"),
             "--server-key-file", os.path.join(WORK, "push-server.key"),
             "--sync", "open"],
            stdout=log, stderr=log, env=env)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("twofold-server did not start")

    def restart(self, clock_ahead=0):
        self.stop()
        self.start(clock_ahead)

    def api(self, method, path, body=None):
        r = requests.request(method, self.url + path, json=body or {}, timeout=10,
                             headers={"X-Authy-API-Key": API_KEY})
        return r.json()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SecondComputer:
    """Another computer for sync: its own home, D-Bus session and gnome-keyring (the app allows
    one instance per session), and its own tauri-driver starting the same app."""

    def __init__(self):
        self.home = os.path.join(WORK, "second-computer")
        data = os.path.join(self.home, ".local", "share")
        run = os.path.join(self.home, "run")
        os.makedirs(data, exist_ok=True)
        os.makedirs(run, mode=0o700, exist_ok=True)
        out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                             capture_output=True, text=True, check=True).stdout.split()
        self.bus, self.bus_pid = out[0], int(out[1])
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus, XDG_DATA_HOME=data,
                   XDG_RUNTIME_DIR=run, HOME=self.home,
                   TWOFOLD_VAULT=os.path.join(self.home, "vault.tfv"))
        env.pop("TWOFOLD_NO_KEYCHAIN", None)
        subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"], input=b"second-keyring",
                       env=env, stdout=subprocess.DEVNULL, check=True)
        port, native = free_port(), free_port()
        self.driver = subprocess.Popen(
            [os.environ["TWOFOLD_TAURI_DRIVER"], "--port", str(port), "--native-port", str(native),
             "--native-driver", "/usr/bin/WebKitWebDriver"],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        try:
            self.drv = session(f"http://127.0.0.1:{port}")
        except Exception:
            # No session: nothing else would stop this computer's driver and bus (its keyring
            # leaves with the bus).
            os.killpg(self.driver.pid, 15)
            os.kill(self.bus_pid, 15)
            raise

    def close(self):
        try:
            self.drv.quit()
        finally:
            os.killpg(self.driver.pid, 15)
            self.driver.wait(timeout=20)
            os.kill(self.bus_pid, 15)


def session(driver=DRIVER):
    opts = ArgOptions()
    opts.set_capability("browserName", "wry")
    opts.set_capability("tauri:options", {"application": APP})
    drv = webdriver.Remote(command_executor=driver, options=opts)
    # The app runs on this machine: hand file inputs the path, not a Selenium-grid upload.
    drv.file_detector = UselessFileDetector()
    return drv


def shot(drv, name):
    """A screenshot of the real window, kept as a review artefact (and for the README)."""
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        time.sleep(0.3)
        drv.save_screenshot(os.path.join(SHOTS, f"{MODE}-{name}.png"))


def check(name, fn):
    try:
        fn()
        results.append((name, None))
        print(f"ok   {name}", flush=True)
    except Exception:  # noqa: BLE001 - every failure is reported
        results.append((name, traceback.format_exc()))
        print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)


def wait(d, by, sel, timeout=15):
    return WebDriverWait(d, timeout, ignored_exceptions=STALE).until(EC.presence_of_element_located((by, sel)))


def codes(d):
    return {e.get_attribute("data-code") for e in d.find_elements(By.CSS_SELECTOR, "[data-code]")}


def confirm_the_recovery_key(drv, first_try=None):
    """The recovery key as the app shows it once, written down, and two groups typed back (a
    wrong `first_try` refused beside its group first). Returns the key."""
    key = wait(drv, By.CSS_SELECTOR, "[data-recovery-key]").get_attribute("data-recovery-key")
    groups = key.split("-")
    assert len(groups) == 9 and all(len(g) == 4 for g in groups), key
    shot(drv, "recovery-key")
    drv.find_element(By.XPATH, "//button[text()='I wrote it down']").click()
    inputs = WebDriverWait(drv, 10, ignored_exceptions=STALE).until(
        lambda x: x.find_elements(By.CSS_SELECTOR, "input[data-group]"))
    assert len(inputs) == 2, len(inputs)
    if first_try:
        for box in inputs:
            box.send_keys(first_try)
        drv.find_element(By.XPATH, "//button[text()='Confirm']").click()
        problem = wait(drv, By.CSS_SELECTOR, "[data-field^='group_']")
        assert "is not group" in problem.text, problem.text
        for box in inputs:
            box.clear()
    for box in inputs:
        # Typed as people do: lower case.
        box.send_keys(groups[int(box.get_attribute("data-group")) - 1].lower())
    drv.find_element(By.XPATH, "//button[text()='Confirm']").click()
    WebDriverWait(drv, 15, ignored_exceptions=STALE).until(
        lambda x: not x.find_elements(By.CSS_SELECTOR, "input[data-group]"))
    return key


def vault_id():
    with open(os.path.join(WORK, "vault.tfv"), "rb") as f:
        return f.read()[12:28].hex()


def wait_for_code(d, secret):
    """The shown code equals pyotp's for now (or the step just before/after, at a boundary)."""
    totp = pyotp.TOTP(secret)
    deadline = time.time() + 10
    while time.time() < deadline:
        now = time.time()
        want = {totp.at(now), totp.at(now - 1), totp.at(now + 1)}
        if codes(d) & want:
            return
        time.sleep(0.3)
    raise AssertionError(f"shown {codes(d)}, pyotp says {totp.now()}")


# A tray host on the session bus (what a desktop's panel is), started before the app makes its
# tray icon, so the icon registers and its menu can be read and clicked as a panel would.
SNI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sni_host.py")
tray_host = subprocess.Popen(["/usr/bin/python3", SNI, "watch"], stdout=subprocess.PIPE, text=True)
assert tray_host.stdout.readline().strip() == "watching", "the test tray host did not start"


def tray_items():
    out = subprocess.run(["/usr/bin/python3", SNI, "items"], capture_output=True, text=True, timeout=30)
    return out.stdout.splitlines() if out.returncode == 0 else []


d = session()
try:
    def first_run():
        wait(d, By.XPATH, "//h1[text()='Welcome to Twofold']")
        if PASSPHRASE:
            d.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
        d.find_element(By.XPATH, "//button[text()='Create vault']").click()
        # A new vault shows its recovery key at once and asks for two groups of it back.
        STATE["recovery_key"] = confirm_the_recovery_key(d, first_try="zzzz")
        wait(d, By.CSS_SELECTOR, "input[aria-label='Search accounts']")
        assert not d.find_elements(By.CSS_SELECTOR, "[data-warning='recovery-key']")

    def copy_puts_the_code_on_the_clipboard():
        row = d.find_element(By.CSS_SELECTOR, "button.row")
        row.click()
        wait(d, By.CSS_SELECTOR, "li .copied")
        shown = d.find_element(By.CSS_SELECTOR, "[data-code]").get_attribute("data-code")
        assert clipboard() == shown, (clipboard(), shown)

    def confirm_preview(issuer, name=None):
        """The preview names the account; nothing is saved until its Add button."""
        preview = wait(d, By.CSS_SELECTOR, "section.preview")
        if name:
            shot(d, name)
        names = [e.get_attribute("textContent").strip() for e in preview.find_elements(By.CSS_SELECTOR, ".issuer")]
        assert issuer in names, names
        preview.find_element(By.CSS_SELECTOR, "button.primary").click()
        wait(d, By.XPATH, f"//ul[@aria-label='Accounts']//span[contains(@class,'issuer') and text()='{issuer}']")

    def add_link(uri, issuer):
        box = d.find_element(By.CSS_SELECTOR, "input[aria-label='otpauth link to add']")
        box.send_keys(uri)
        d.find_element(By.CSS_SELECTOR, "form.link button[type='submit']").click()
        confirm_preview(issuer)

    def add_by_image_file():
        # A QR drawn by segno, not by our encoder, picked through the page's file input.
        path = os.path.join(WORK, "e2e-image-qr.png")
        segno.make(f"otpauth://totp/Dropbox:bob?secret={IMAGE_SECRET}&issuer=Dropbox", error="m").save(path, scale=6, border=4)
        d.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(path)
        confirm_preview("Dropbox")
        wait_for_code(d, IMAGE_SECRET)

    def add_by_pasted_uri():
        add_link(f"otpauth://totp/GitHub:octocat?secret={SECRET}&issuer=GitHub", "GitHub")
        add_link("otpauth://totp/Google:alice@gmail.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Google", "Google")

    def a_link_opened_elsewhere_reaches_the_running_app():
        # What the browser does with an otpauth:// link: start the app with it. The running
        # instance takes the link over (single instance) and previews it.
        uri = f"otpauth://totp/Figma:dana?secret={LINK_SECRET}&issuer=Figma"
        second = subprocess.run([APP, uri], capture_output=True, text=True, timeout=30)
        assert second.returncode == 0, (second.returncode, second.stderr[-2000:])
        confirm_preview("Figma")
        wait_for_code(d, LINK_SECRET)

    def import_an_encrypted_aegis_export():
        # An encrypted Aegis export built by an independent Python script (the formats crate's
        # fixture), picked through "Import file…" (a file dropped on the window takes the same
        # path through open_file): the password asked, a wrong one refused, the preview, the
        # codes, and the report naming the two entries Twofold cannot compute.
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "../../crates/twofold-formats/tests/fixtures/aegis/encrypted.json")
        d.find_element(By.CSS_SELECTOR, "input[aria-label='Export file of another authenticator']").send_keys(path)
        form = wait(d, By.CSS_SELECTOR, "form[aria-label='Password of the export']")
        box = form.find_element(By.CSS_SELECTOR, "input[type='password']")
        box.send_keys("not the password")
        form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
        wait(d, By.ID, "import-wrong", timeout=30)
        form = d.find_element(By.CSS_SELECTOR, "form[aria-label='Password of the export']")
        form.find_element(By.CSS_SELECTOR, "input[type='password']").send_keys("correct horse battery")
        form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
        preview = wait(d, By.CSS_SELECTOR, "section.preview", timeout=30)
        shot(d, "import-preview")
        names = [e.get_attribute("textContent").strip() for e in preview.find_elements(By.CSS_SELECTOR, ".issuer")]
        assert {"Bank", "Forge", "Steam", "Shop"} <= set(names), names
        preview.find_element(By.CSS_SELECTOR, "button.primary").click()
        report = wait(d, By.CSS_SELECTOR, "section[aria-label='Import report']")
        text = report.get_attribute("textContent")
        # Bank's seed is the Google account's added earlier: marked, and skipped.
        assert "Imported 4 accounts. 1 already in Twofold, skipped." in text, text
        assert "Old VPN (dave): type: motp codes are not supported" in text, text
        assert "Legacy (erin): algorithm: MD5 is not supported" in text, text
        shot(d, "import-report")
        # Shop's code (SHA512, 7 digits) is pyotp's.
        shop = pyotp.TOTP("MFRGGZDFMZTWQ2LK", digits=7, digest="sha512")
        deadline = time.time() + 10
        while not codes(d) & {shop.at(time.time()), shop.at(time.time() - 1)}:
            assert time.time() < deadline, (codes(d), shop.now())
            time.sleep(0.3)
        report.find_element(By.XPATH, ".//button[text()='OK']").click()

    def export_a_backup_and_google_codes():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        panel = wait(d, By.CSS_SELECTOR, "section[aria-label='Export accounts']")
        Select(panel.find_element(By.TAG_NAME, "select")).select_by_value("twofold")
        boxes = panel.find_elements(By.CSS_SELECTOR, "input[type='password']")
        boxes[0].send_keys("backup password")
        boxes[1].send_keys("backup password")
        panel.find_element(By.XPATH, ".//button[text()='Export']").click()
        done = wait(d, By.CSS_SELECTOR, "section[aria-label='Export accounts'] .done code")
        path = done.get_attribute("textContent").strip()
        assert oct(os.stat(path).st_mode & 0o777) == "0o600", oct(os.stat(path).st_mode)
        backup = json.load(open(path))
        assert backup["format"] == "twofold-backup" and "GitHub" not in open(path).read(), path
        os.remove(path)
        # Google Authenticator's codes, read off the screen by ZBar.
        Select(panel.find_element(By.TAG_NAME, "select")).select_by_value("google-qr")
        panel.find_element(By.XPATH, ".//label[contains(., 'I understand')]/input").click()
        panel.find_element(By.XPATH, ".//button[text()='Show the QR codes']").click()
        code = wait(d, By.CSS_SELECTOR, "[aria-label='Google Authenticator export codes'] .qr")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", code)
        shot(d, "export-google-qr")
        image = os.path.join(WORK, "e2e-google-export.png")
        d.save_screenshot(image)
        scanned = subprocess.run(["zbarimg", "--quiet", "--raw", image], capture_output=True, text=True, timeout=30)
        assert scanned.stdout.startswith("otpauth-migration://offline?data="), (scanned.stdout, scanned.stderr)
        dialog = d.find_element(By.CSS_SELECTOR, "[aria-label='Google Authenticator export codes']")
        while dialog.find_elements(By.XPATH, ".//button[text()='Next']"):
            dialog.find_element(By.XPATH, ".//button[text()='Next']").click()
        dialog.find_element(By.XPATH, ".//button[text()='Done']").click()
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()

    def the_vault_locks_with_the_screen():
        # What a screensaver says on the session bus when the screen locks.
        subprocess.run(["dbus-send", "--session", "--type=signal", "/org/freedesktop/ScreenSaver",
                        "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true"], check=True, timeout=10)
        wait(d, By.XPATH, "//h1[text()='Unlock']")
        if PASSPHRASE:
            d.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
        d.find_element(By.XPATH, "//button[text()='Unlock']").click()
        wait(d, By.XPATH, "//span[contains(@class,'issuer') and text()='GitHub']")

    def scan_the_screen():
        # A QR shown on the display beside the app's window, by another program.
        path = os.path.join(WORK, "e2e-screen-qr.png")
        segno.make(f"otpauth://totp/Slack:carol?secret={SCREEN_SECRET}&issuer=Slack", error="m").save(path, scale=5, border=4)
        viewer = subprocess.Popen(["display", "-geometry", "+700+150", "-title", "qr", path])
        try:
            time.sleep(2.5)
            d.find_element(By.CSS_SELECTOR, "button[aria-label='Scan screen for a QR code']").click()
            confirm_preview("Slack", "preview")
            wait_for_code(d, SCREEN_SECRET)
        finally:
            viewer.kill()

    def clipboard(selection="clipboard"):
        out = subprocess.run(["xclip", "-selection", selection, "-o"], capture_output=True, text=True, timeout=5)
        return out.stdout if out.returncode == 0 else ""

    def copied_code_is_cleared_after_the_chosen_delay():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        form = wait(d, By.CSS_SELECTOR, "form[aria-label='Settings']")
        shot(d, "settings")
        field = form.find_element(By.XPATH, ".//label[starts-with(normalize-space(.), 'Clear a copied code')]/input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("2")
        form.find_element(By.XPATH, ".//button[text()='Save']").click()
        WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "form[aria-label='Settings']"))
        # Keyboard only: from the search field, down to the first row, Enter copies.
        search = d.find_element(By.CSS_SELECTOR, "input[aria-label='Search accounts']")
        search.click()
        search.send_keys(Keys.ARROW_DOWN)
        d.switch_to.active_element.send_keys(Keys.ENTER)
        wait(d, By.CSS_SELECTOR, "li .copied")
        shown = d.find_element(By.CSS_SELECTOR, "[data-code]").get_attribute("data-code")
        assert clipboard() == shown, (clipboard(), shown)
        deadline = time.time() + 8
        while time.time() < deadline and clipboard() == shown:
            time.sleep(0.3)
        assert clipboard() != shown, "the code is still on the clipboard"

    def shown_code_matches_pyotp():
        wait_for_code(d, SECRET)

    def bad_link_shows_the_field():
        box = d.find_element(By.CSS_SELECTOR, "input[aria-label='otpauth link to add']")
        box.send_keys("otpauth://totp/x?secret=0000")
        d.find_element(By.CSS_SELECTOR, "form.link button[type='submit']").click()
        alert = wait(d, By.CSS_SELECTOR, "[role='alert']")
        assert "secret:" in alert.text, alert.text
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Dismiss the error']").click()
        box.clear()

    def manual_entry_with_field_errors():
        d.find_element(By.XPATH, "//button[text()='Enter a key by hand']").click()
        form = wait(d, By.CSS_SELECTOR, "form[aria-label='Add an account by hand']")
        form.find_element(By.XPATH, ".//label[starts-with(normalize-space(.), 'Issuer')]/input").send_keys("Bank")
        secret = form.find_element(By.XPATH, ".//label[starts-with(normalize-space(.), 'Secret key')]/input")
        secret.send_keys("0000")
        form.find_element(By.XPATH, ".//button[text()='Add account']").click()
        problem = wait(d, By.CSS_SELECTOR, "[data-field='secret']")
        assert "base32" in problem.get_attribute("textContent"), problem.get_attribute("textContent")
        secret.clear()
        secret.send_keys("KRSX G5CT MVRX EZLU KN2X AZLS KNSW G4TF OQ")
        form.find_element(By.XPATH, ".//button[text()='Add account']").click()
        wait(d, By.XPATH, "//span[contains(@class,'issuer') and text()='Bank']")

    def manage_an_account():
        shot(d, "codes")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Manage GitHub octocat']").click()
        editor = wait(d, By.CSS_SELECTOR, "section.editor")
        tags = editor.find_element(By.XPATH, ".//label[starts-with(normalize-space(.), 'Tags')]/input")
        tags.send_keys("work")
        editor.find_element(By.XPATH, ".//label[contains(normalize-space(.), 'Pin to the top')]/input").click()
        shot(d, "editor")
        editor.find_element(By.XPATH, ".//button[text()='Save']").click()
        WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "section.editor"))
        first = d.find_element(By.CSS_SELECTOR, "ul[aria-label='Accounts'] .issuer").get_attribute("textContent")
        assert first == "GitHub", f"the pinned account is not first: {first}"
        # Delete, then undo.
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Manage Google alice@gmail.com']").click()
        editor = wait(d, By.CSS_SELECTOR, "section.editor")
        editor.find_element(By.XPATH, ".//button[text()='Delete…']").click()
        editor.find_element(By.XPATH, ".//button[text()='Delete']").click()
        toast = wait(d, By.CSS_SELECTOR, ".toast")
        assert "Deleted Google" in toast.get_attribute("textContent")
        toast.find_element(By.TAG_NAME, "button").click()
        wait(d, By.XPATH, "//ul[@aria-label='Accounts']//span[contains(@class,'issuer') and text()='Google']")

    def settings_show_the_last_verified_backup():
        # The changes above were backed up once they settled: written, read back, verified.
        accounts = len(d.find_elements(By.CSS_SELECTOR, "ul[aria-label='Accounts'] [data-code]"))
        assert accounts >= 3, accounts
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        # The settings follow the backups as they are written: the last holds every account.
        state = WebDriverWait(d, 20, ignored_exceptions=STALE).until(
            lambda x: next((e for e in x.find_elements(By.CSS_SELECTOR, "[data-backup-state='verified']")
                            if f"{accounts} accounts" in e.text), None))
        assert "verified" in state.text, state.text
        shot(d, "settings-backups")
        files = [f for f in os.listdir(os.path.join(WORK, "backups")) if f.endswith(".twofold-backup")]
        assert files, os.listdir(WORK)
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        WebDriverWait(d, 5, ignored_exceptions=STALE).until(
            lambda x: not x.find_elements(By.CSS_SELECTOR, "[data-backup-state]"))

    def a_failing_backup_stays_on_screen_until_one_succeeds():
        # The backups folder turned into a file (a cloud drive gone wrong): the next change's
        # backup fails and says so above the codes until "Try again" succeeds.
        folder = os.path.join(WORK, "backups")
        os.rename(folder, folder + ".moved")
        with open(folder, "w") as f:
            f.write("not a folder")
        try:
            add_link("otpauth://totp/Backup:check?secret=GEZDGNBVGY3TQOJQ&issuer=Backup", "Backup")
            banner = wait(d, By.CSS_SELECTOR, "[data-warning='backup']", timeout=20)
            assert "Backups are failing" in banner.text and "is not a folder" in banner.text, banner.text
            shot(d, "backup-failing")
        finally:
            os.remove(folder)
            os.rename(folder + ".moved", folder)
        d.find_element(By.XPATH, "//div[@data-warning='backup']//button[text()='Try again']").click()
        WebDriverWait(d, 20, ignored_exceptions=STALE).until(
            lambda x: not x.find_elements(By.CSS_SELECTOR, "[data-warning='backup']"))

    def recover_with_the_key(drv, key, passphrase=None):
        wait(drv, By.XPATH, "//h1[text()='Recover my vault']")
        box = drv.find_element(By.ID, "recovery-key")
        # A typo is caught by the checksum before anything is tried.
        typo = ("B" if key[0] == "A" else "A") + key[1:]
        box.send_keys(typo)
        drv.find_element(By.XPATH, "//button[text()='Recover']").click()
        problem = wait(drv, By.CSS_SELECTOR, "[data-field='recovery_key']")
        assert "typo" in problem.text, problem.text
        shot(drv, "recover")
        box.clear()
        box.send_keys(key.lower().replace("-", " "))
        if passphrase:
            drv.find_element(By.ID, "recover-passphrase").send_keys(passphrase)
        drv.find_element(By.XPATH, "//button[text()='Recover']").click()
        wait(drv, By.XPATH, "//span[contains(@class,'issuer') and text()='GitHub']", timeout=30)
        wait_for_code(drv, SECRET)

    def a_keychain_reset_leads_to_recovery_and_back():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Lock the vault']").click()
        wait(d, By.XPATH, "//p[text()='The vault key is in your system keychain.']")
        entry = ["service", "twofold", "username", f"vault-{vault_id()}"]
        assert subprocess.run(["secret-tool", "lookup", *entry], capture_output=True).returncode == 0
        subprocess.run(["secret-tool", "clear", *entry], check=True, timeout=10)
        assert subprocess.run(["secret-tool", "lookup", *entry], capture_output=True).returncode != 0
        d.find_element(By.XPATH, "//button[text()='Unlock']").click()
        reason = wait(d, By.CSS_SELECTOR, "p.reason")
        assert "does not hold your vault's key" in reason.text, reason.text
        recover_with_the_key(d, STATE["recovery_key"])
        # The new key is in the keychain: the next unlock needs nothing typed.
        assert subprocess.run(["secret-tool", "lookup", *entry], capture_output=True).returncode == 0

    def a_forgotten_passphrase_is_recovered_with_the_recovery_key():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Lock the vault']").click()
        wait(d, By.XPATH, "//h1[text()='Unlock']")
        d.find_element(By.XPATH, "//button[contains(text(),'Forgot your passphrase')]").click()
        recover_with_the_key(d, STATE["recovery_key"], passphrase="new horse")
        STATE["passphrase"] = "new horse"

    def search_filters():
        search = d.find_element(By.CSS_SELECTOR, "input[aria-label='Search accounts']")
        search.send_keys("goo")
        WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "ul[aria-label='Accounts'] li")) == 1)
        names = [e.get_attribute("textContent").strip() for e in d.find_elements(By.CSS_SELECTOR, ".issuer")]
        assert names == ["Google"], names
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACKSPACE)
        WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, ".issuer")) >= 2)

    def lock_and_unlock_with_the_keychain():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Lock the vault']").click()
        wait(d, By.XPATH, "//p[text()='The vault key is in your system keychain.']")
        d.find_element(By.XPATH, "//button[text()='Unlock']").click()
        wait(d, By.XPATH, "//span[contains(@class,'issuer') and text()='GitHub']")

    def lock_and_unlock_with_the_passphrase():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Lock the vault']").click()
        wait(d, By.XPATH, "//h1[text()='Unlock']")
        shot(d, "unlock")
        d.find_element(By.ID, "passphrase").send_keys("wrong")
        d.find_element(By.XPATH, "//button[text()='Unlock']").click()
        alert = wait(d, By.CSS_SELECTOR, "[role='alert']")
        assert "wrong passphrase" in alert.text.lower(), alert.text
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Dismiss the error']").click()
        field = d.find_element(By.ID, "passphrase")
        field.clear()
        field.send_keys(STATE["passphrase"])
        d.find_element(By.XPATH, "//button[text()='Unlock']").click()
        wait(d, By.XPATH, "//span[contains(@class,'issuer') and text()='GitHub']")

    push = {}

    def notifications():
        """Summaries of the notifications dunst has shown (closing them moves them to history)."""
        subprocess.run(["dunstctl", "close-all"], timeout=5, check=False)
        out = subprocess.run(["dunstctl", "history"], capture_output=True, text=True, timeout=5)
        try:
            data = json.loads(out.stdout)["data"]
        except (ValueError, KeyError):
            return []
        return [n["summary"]["data"] for group in data for n in group if "summary" in n]

    def enroll_by_the_enrollment_qr():
        # A notification daemon on the test display, as a desktop session has one.
        push["dunst"] = subprocess.Popen(["dunst"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The website makes an enrollment QR; the user opens it like any QR image.
        push["server"] = server = PushServer()
        user = server.api("POST", "/protected/json/users/new",
                          {"user": {"email": "dana@example.com", "cellphone": "201-555-0177", "country_code": 1}})
        push["user"] = user["user"]["id"]
        e = server.api("POST", f"/protected/json/users/{push['user']}/devices/enrollments")["enrollment"]
        path = os.path.join(WORK, "e2e-enroll-qr.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(e["qr_code"].split(",", 1)[1]))
        d.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(path)
        offer = wait(d, By.CSS_SELECTOR, "[aria-label='Push approval enrollment']")
        assert server.url in offer.text, offer.text
        shot(d, "enroll")
        offer.find_element(By.XPATH, ".//button[text()='Enroll this computer']").click()
        done = wait(d, By.CSS_SELECTOR, ".enroll .done", timeout=20)
        assert "approves logins for Default" in done.text, done.text
        devices = server.api("GET", f"/protected/json/users/{push['user']}/devices")["devices"]
        assert len(devices) == 1 and devices[0]["platform"] == "linux", devices
        # The app's codes (what verify accepts) are in the vault now.
        wait(d, By.XPATH, "//ul[@aria-label='Accounts']//span[contains(@class,'issuer') and text()='Default']", timeout=10)

    def armed_approve(dialog):
        """The Approve button once armed (it is disabled for a moment after a request comes forward)."""
        button = dialog.find_element(By.XPATH, ".//button[text()='Approve']")
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda _: button.is_enabled())
        return button

    def approve_a_login_in_the_approval_dialog():
        server = push["server"]
        created = server.api("POST", f"/onetouch/json/users/{push['user']}/approval_requests",
                             {"message": "Login to Shop", "details": {"username": "dana"},
                              "requester": {"ip": "203.0.113.7", "location": "Oslo, NO"}})
        uuid = created["approval_request"]["uuid"]
        dialog = wait(d, By.CSS_SELECTOR, "[role='dialog'][aria-label='Approval request']", timeout=15)
        assert "Login to Shop" in dialog.text and "Oslo, NO" in dialog.text, dialog.text
        shot(d, "approval")
        # And an OS notification went out.
        deadline = time.time() + 10
        shown = notifications()
        while time.time() < deadline and "Default: approve this login?" not in shown:
            time.sleep(0.3)
            shown = notifications()
        assert "Default: approve this login?" in shown, shown
        # A stray Enter as the window comes forward approves nothing: focus is not on Approve.
        assert d.switch_to.active_element.text != "Approve", "focus is on Approve"
        armed_approve(dialog).click()
        WebDriverWait(d, 15, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[role='dialog']"))
        status = server.api("GET", f"/onetouch/json/approval_requests/{uuid}")["approval_request"]
        assert status["status"] == "approved", status

    def type_the_websites_number_to_approve():
        server = push["server"]
        created = server.api("POST", f"/onetouch/json/users/{push['user']}/approval_requests",
                             {"message": "Confirm sign-in", "number_match": True})
        uuid, number = created["approval_request"]["uuid"], created["approval_request"]["number"]
        dialog = wait(d, By.CSS_SELECTOR, "[role='dialog'][aria-label='Approval request']", timeout=15)
        field = dialog.find_element(By.CSS_SELECTOR, "input[aria-label='Number shown on the website']")
        field.send_keys(str(number))
        shot(d, "approval-number")
        armed_approve(dialog).click()
        WebDriverWait(d, 15, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[role='dialog']"))
        status = server.api("GET", f"/onetouch/json/approval_requests/{uuid}")["approval_request"]
        assert status["status"] == "approved", status

    def the_clock_warning_follows_the_push_server():
        # The enrolled push server's clock a minute ahead: the app says this computer's clock is
        # behind (measured at most hourly: the record is removed, as an hour passing would).
        server = push["server"]
        record = os.path.join(WORK, "vault.tfv.clock.json")
        server.restart(clock_ahead=60)
        try:
            if os.path.exists(record):
                os.remove(record)
            d.execute_script("window.dispatchEvent(new Event('focus'))")
            banner = wait(d, By.CSS_SELECTOR, "[data-warning='clock']", timeout=20)
            assert "1 min behind " + server.url in banner.text, banner.text
            shot(d, "clock-warning")
        finally:
            server.restart()
        os.remove(record)
        d.execute_script("window.dispatchEvent(new Event('focus'))")
        WebDriverWait(d, 20, ignored_exceptions=STALE).until(
            lambda x: not x.find_elements(By.CSS_SELECTOR, "[data-warning='clock']"))

    def remove_the_device_in_settings():
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        section = wait(d, By.CSS_SELECTOR, "section[aria-label='Login approval']")
        assert push["server"].url in section.text, section.text
        section.find_element(By.CSS_SELECTOR, "button[aria-label='Remove Default']").click()
        section.find_element(By.XPATH, ".//button[text()='Stop approving here']").click()
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(
            lambda drv: "No website sends login requests here" in drv.find_element(By.CSS_SELECTOR, "section[aria-label='Login approval']").text)
        devices = push["server"].api("GET", f"/protected/json/users/{push['user']}/devices")["devices"]
        assert devices == [], devices
        d.find_element(By.XPATH, "//form[@aria-label='Settings']//button[text()='Close']").click()

    def sync_with_a_second_computer_by_its_link():
        server = push["server"]
        # This computer starts a space on the server (Settings → Sync) and shows a link.
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        panel = wait(d, By.CSS_SELECTOR, "section[data-sync-panel='off']")
        panel.find_element(By.CSS_SELECTOR, "input[name='server']").send_keys(server.url)
        name = panel.find_element(By.CSS_SELECTOR, "input[name='name']")
        name.clear()
        name.send_keys("Home")
        panel.find_element(By.XPATH, ".//button[text()='Start syncing']").click()
        wait(d, By.CSS_SELECTOR, "section[data-sync-panel='synced']", timeout=30)
        d.find_element(By.XPATH, "//section[@data-sync-panel]//button[text()='Link another computer']").click()
        link = wait(d, By.CSS_SELECTOR, "[data-sync-link] input").get_attribute("value")
        assert link.startswith("twofold://sync?") and "#k=" in link, link
        shot(d, "sync-link")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        # Another computer: a new vault, then Settings → Sync with the link.
        push["second"] = second = SecondComputer()
        d2 = second.drv
        wait(d2, By.XPATH, "//h1[text()='Welcome to Twofold']", timeout=30)
        d2.find_element(By.XPATH, "//button[text()='Create vault']").click()
        confirm_the_recovery_key(d2)
        wait(d2, By.CSS_SELECTOR, "input[aria-label='Search accounts']")
        d2.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        panel = wait(d2, By.CSS_SELECTOR, "section[data-sync-panel='off']")
        panel.find_element(By.CSS_SELECTOR, "input[name='link']").send_keys(link)
        name = panel.find_element(By.CSS_SELECTOR, "input[name='name']")
        name.clear()
        name.send_keys("Work")
        panel.find_element(By.XPATH, ".//button[text()='Start syncing']").click()
        wait(d2, By.CSS_SELECTOR, "section[data-sync-panel='synced']", timeout=30)
        devices = [e.get_attribute("data-device") for e in d2.find_elements(By.CSS_SELECTOR, "[data-device]")]
        assert sorted(devices) == ["Home", "Work"], devices
        shot(d2, "sync-second")
        d2.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        # Everything the first computer holds, with the same codes.
        wait(d2, By.XPATH, "//span[contains(@class,'issuer') and text()='Google']", timeout=20)
        wait_for_code(d2, SECRET)
        # Added in one window, it appears in the other (the second waits in a long poll).
        started = time.time()
        add_link(f"otpauth://totp/Synced:live?secret={SYNC_SECRET}&issuer=Synced", "Synced")
        wait_for_code(d2, SYNC_SECRET)
        print(f"     (the account reached the other window in {time.time() - started:.2f} s)", flush=True)
        state = d2.find_element(By.CSS_SELECTOR, "header [data-sync-state]").get_attribute("data-sync-state")
        assert state == "synced", state

    def start_with_the_session():
        # The app runs with HOME set to the work directory: the autostart entry lands there.
        autostart = os.path.join(WORK, ".config", "autostart")

        def toggle():
            d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
            form = wait(d, By.CSS_SELECTOR, "form[aria-label='Settings']")
            form.find_element(By.XPATH, ".//label[contains(normalize-space(.), 'Start with my session')]/input").click()
            form.find_element(By.XPATH, ".//button[text()='Save']").click()
            WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "form[aria-label='Settings']"))

        toggle()
        entries = [f for f in os.listdir(autostart) if f.endswith(".desktop")] if os.path.isdir(autostart) else []
        assert len(entries) == 1, entries
        text = open(os.path.join(autostart, entries[0])).read()
        assert "--background" in text and os.path.basename(APP) in text, text
        toggle()
        assert not [f for f in os.listdir(autostart) if f.endswith(".desktop")]

    def this_wasnt_me():
        server = push["server"]
        uuid = server.api("POST", f"/onetouch/json/users/{push['user']}/approval_requests",
                          {"message": "Unexpected login"})["approval_request"]["uuid"]
        dialog = wait(d, By.CSS_SELECTOR, "[role='dialog'][aria-label='Approval request']", timeout=15)
        dialog.find_element(By.XPATH, ".//button[text()=\"This wasn't me\"]").click()
        WebDriverWait(d, 15, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[role='dialog']"))
        status = server.api("GET", f"/onetouch/json/approval_requests/{uuid}")["approval_request"]
        assert (status["status"], status["reason"]) == ("denied", "not_me"), status

    # ---- Keyboard only: every step through keys sent to whatever has focus (never a click,
    # never an element targeted), and focus visible wherever it lands. ----

    def keys(*sequence):
        ActionChains(d).send_keys(*sequence).perform()

    def chord(modifier, key):
        ActionChains(d).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def focused():
        return d.switch_to.active_element

    def focus_is_visible():
        style = d.execute_script(
            "const s = getComputedStyle(document.activeElement);"
            "return [s.outlineStyle, s.outlineWidth, document.activeElement.tagName];")
        assert style[0] != "none" and float(style[1].rstrip("px") or 0) > 0, f"focus is not visible: {style}"

    def focus_becomes(predicate, what, timeout=10, control=True):
        def ready(_):
            try:
                return predicate(focused())
            except STALE:
                return False
        try:
            WebDriverWait(d, timeout).until(ready)
        except Exception:
            el = focused()
            raise AssertionError(f"focus should be on {what}, is on <{el.tag_name}> {el.get_attribute('outerHTML')[:160]}")
        # A control shows its focus; a dialog that took focus as a whole is itself the sign.
        if control:
            focus_is_visible()
        return focused()

    def tab_to(predicate, what, back=False, limit=90):
        for _ in range(limit):
            keys(Keys.SHIFT + Keys.TAB if back else Keys.TAB)
            el = focused()
            try:
                if predicate(el):
                    focus_is_visible()
                    return el
            except STALE:
                pass
        raise AssertionError(f"{what} not reached with {'Shift+' if back else ''}Tab")

    def label_is(text):
        return lambda e: e.get_attribute("aria-label") == text

    def text_is(text):
        return lambda e: e.text.strip() == text

    def keyboard_only_journey():
        # Find from anywhere: Ctrl+F.
        chord(Keys.CONTROL, "f")
        focus_becomes(label_is("Search accounts"), "the search field")
        # Add by link: Tab to the link field, type it, Enter; the preview takes focus on Add;
        # Enter adds, and the new account's row has focus, saying its code and time left.
        tab_to(label_is("otpauth link to add"), "the link field")
        keys(f"otpauth://totp/Keyboard:kim?secret={KEYBOARD_SECRET}&issuer=Keyboard", Keys.ENTER)
        focus_becomes(text_is("Add"), "the preview's Add")
        keys(Keys.ENTER)
        row = focus_becomes(lambda e: (e.get_attribute("aria-label") or "").startswith("Keyboard, kim, "), "the new row")
        import re
        label = row.get_attribute("aria-label")
        assert re.fullmatch(r"Keyboard, kim, \d{3} \d{3}, \d{1,2} seconds? left", label), label
        # Find and copy: Ctrl+F, type, Enter copies the first match and moves to its row.
        chord(Keys.CONTROL, "f")
        focus_becomes(label_is("Search accounts"), "the search field")
        keys("keyb", Keys.ENTER)
        totp = pyotp.TOTP(KEYBOARD_SECRET)
        WebDriverWait(d, 5).until(lambda _: clipboard() in {totp.at(time.time()), totp.at(time.time() - 2)})
        focus_becomes(lambda e: (e.get_attribute("aria-label") or "").startswith("Keyboard, kim, "), "the found row")
        # Edit: Tab to its ⋯, Enter opens the editor with focus in its first field; the
        # account name changed and Enter saves; focus comes back to the ⋯.
        tab_to(label_is("Manage Keyboard kim"), "the row's ⋯")
        keys(Keys.ENTER)
        focus_becomes(lambda e: e.tag_name == "input" and e.get_attribute("value") == "Keyboard", "the editor's issuer field")
        keys(Keys.TAB)
        focus_becomes(lambda e: e.tag_name == "input" and e.get_attribute("value") == "kim", "the account field")
        chord(Keys.CONTROL, "a")
        keys("kim@work", Keys.ENTER)
        focus_becomes(label_is("Manage Keyboard kim@work"), "the ⋯ of the edited row")
        # Delete, confirmed (focus on "Keep it" first: Enter alone deletes nothing), then undo.
        keys(Keys.ENTER)
        focus_becomes(lambda e: e.tag_name == "input", "the editor")
        tab_to(text_is("Delete…"), "Delete…")
        keys(Keys.ENTER)
        focus_becomes(text_is("Keep it"), "Keep it")
        keys(Keys.TAB)
        focus_becomes(text_is("Delete"), "Delete")
        keys(Keys.ENTER)
        focus_becomes(text_is("Undo"), "Undo")
        assert not d.find_elements(By.XPATH, "//ul[@aria-label='Accounts']//span[@class and text()='kim@work']")
        keys(Keys.ENTER)
        focus_becomes(lambda e: (e.get_attribute("aria-label") or "").startswith("Keyboard, kim@work, "), "the restored row")
        # Settings: back up the page to Settings, Enter; focus in the form; a value typed and
        # saved with Enter; focus back on Settings; the file holds it.
        tab_to(label_is("Settings"), "Settings", back=True)
        keys(Keys.ENTER)
        focus_becomes(lambda e: e.tag_name == "select", "the settings' first control")
        tab_to(lambda e: e.tag_name == "input" and "idle minutes" in (e.find_element(By.XPATH, "..").text), "the auto-lock field")
        chord(Keys.CONTROL, "a")
        keys("7", Keys.ENTER)
        focus_becomes(label_is("Settings"), "Settings, after saving")
        with open(os.path.join(WORK, "settings.json")) as f:
            assert json.load(f)["auto_lock_minutes"] == 7
        # Escape closes the settings too.
        keys(Keys.ENTER)
        focus_becomes(lambda e: e.tag_name == "select", "the settings' first control")
        keys(Keys.ESCAPE)
        focus_becomes(label_is("Settings"), "Settings, after Escape")
        # Lock with Ctrl+L; the unlock screen has focus on Unlock (the key is in the keychain).
        chord(Keys.CONTROL, "l")
        focus_becomes(text_is("Unlock"), "Unlock")
        keys(Keys.ENTER)
        focus_becomes(label_is("Search accounts"), "the search field after unlocking")
        # A login request: the dialog takes focus, Tab stays inside it, Approve (once armed)
        # approves with Enter, and focus goes back where it was.
        server = push["server"]
        uuid = server.api("POST", f"/onetouch/json/users/{push['user']}/approval_requests",
                          {"message": "Keyboard login"})["approval_request"]["uuid"]
        focus_becomes(lambda e: e.get_attribute("role") == "dialog", "the approval dialog", timeout=15, control=False)
        time.sleep(1.5)
        for _ in range(6):
            keys(Keys.TAB)
            assert d.execute_script("return document.querySelector('[role=dialog]').contains(document.activeElement)"), "Tab left the dialog"
        tab_to(text_is("Approve"), "Approve", limit=6)
        keys(Keys.ENTER)
        WebDriverWait(d, 15, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[role='dialog']"))
        status = server.api("GET", f"/onetouch/json/approval_requests/{uuid}")["approval_request"]
        assert status["status"] == "approved", status
        focus_becomes(label_is("Search accounts"), "the search field, after the dialog")

    def atspi(screen):
        """The running app's accessibility tree read through AT-SPI, as a screen reader reads it."""
        out = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "atspi_tree.py"), screen],
                             capture_output=True, text=True, timeout=90)
        assert out.returncode == 0, f"AT-SPI, {screen}: {out.stdout}{out.stderr}"

    def the_screen_reader_tree():
        # The code list: a list of rows read "Issuer, name, code, seconds left", not at each tick.
        atspi("codes")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        wait(d, By.CSS_SELECTOR, "form[aria-label='Settings']")
        atspi("settings")
        d.find_element(By.XPATH, "//form[@aria-label='Settings']//button[text()='Close']").click()
        # The approval dialog: modal, named, its request as its description.
        server = push["server"]
        uuid = server.api("POST", f"/onetouch/json/users/{push['user']}/approval_requests",
                          {"message": "Screen reader login"})["approval_request"]["uuid"]
        dialog = wait(d, By.CSS_SELECTOR, "[role='dialog'][aria-label='Approval request']", timeout=15)
        atspi("dialog")
        dialog.find_element(By.XPATH, ".//button[text()='Deny']").click()
        WebDriverWait(d, 15, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[role='dialog']"))
        assert server.api("GET", f"/onetouch/json/approval_requests/{uuid}")["approval_request"]["status"] == "denied"

    def visible_windows():
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Twofold$"], capture_output=True, text=True, timeout=10)
        return out.stdout.split()

    def save_shortcut(text):
        """Types `text` as the global shortcut in the settings and saves; returns the form."""
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Settings']").click()
        form = wait(d, By.CSS_SELECTOR, "form[aria-label='Settings']")
        field = form.find_element(By.XPATH, ".//label[starts-with(normalize-space(.), 'Global shortcut')]/input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(text)
        form.find_element(By.XPATH, ".//button[text()='Save']").click()
        return form

    def the_global_shortcut_brings_up_the_search_and_a_copy_hides_it():
        # The user picks a shortcut in the settings (none by default).
        save_shortcut("Ctrl+Alt+K")
        WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "form[aria-label='Settings']"))
        assert visible_windows(), "the window should be on screen"
        # The key pressed on the X server (XTest), as a keyboard would: the search has focus;
        # typing finds, Enter copies, and the window hides.
        subprocess.run(["xdotool", "key", "ctrl+alt+k"], check=True, timeout=10)
        WebDriverWait(d, 10).until(lambda _: d.switch_to.active_element.get_attribute("aria-label") == "Search accounts")
        ActionChains(d).send_keys("Dropbox", Keys.ENTER).perform()
        totp = pyotp.TOTP(IMAGE_SECRET)
        WebDriverWait(d, 5).until(lambda _: clipboard() in {totp.at(time.time()), totp.at(time.time() - 2)})
        WebDriverWait(d, 10).until(lambda _: not visible_windows())
        # Again from the hidden window: it comes back with the search focused; Escape hides it.
        subprocess.run(["xdotool", "key", "ctrl+alt+k"], check=True, timeout=10)
        WebDriverWait(d, 10).until(lambda _: visible_windows())
        WebDriverWait(d, 10).until(lambda _: d.switch_to.active_element.get_attribute("aria-label") == "Search accounts")
        ActionChains(d).send_keys(Keys.ESCAPE).perform()
        WebDriverWait(d, 10).until(lambda _: not visible_windows())
        subprocess.run(["xdotool", "key", "ctrl+alt+k"], check=True, timeout=10)
        WebDriverWait(d, 10).until(lambda _: visible_windows())
        # A shortcut the system cannot take is refused in the settings, beside its field.
        form = save_shortcut("K")
        problem = wait(d, By.CSS_SELECTOR, "[data-field='global_shortcut']")
        assert "Ctrl, Alt, Shift or Super" in problem.text, problem.text
        form.find_element(By.XPATH, ".//button[text()='Close']").click()

    def the_tray_lists_pinned_accounts_and_copies_their_code():
        # Pin an account: the tray's menu lists it while the vault is open.
        # (The account the keyboard journey added: the only one with its name.)
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Manage Keyboard kim@work']").click()
        editor = wait(d, By.CSS_SELECTOR, "section.editor")
        box = editor.find_element(By.XPATH, ".//label[contains(normalize-space(.), 'Pin to the top')]/input")
        if not box.is_selected():
            box.click()
        editor.find_element(By.XPATH, ".//button[text()='Save']").click()
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "section.editor"))
        item = "Copy the code of Keyboard (kim@work)"
        WebDriverWait(d, 15).until(lambda _: item in tray_items())
        assert "Show Twofold" in tray_items() and "Quit" in tray_items(), tray_items()
        # Picked from the menu as a panel does: the code is on the clipboard.
        subprocess.run(["/usr/bin/python3", SNI, "click", item], check=True, timeout=30)
        totp = pyotp.TOTP(KEYBOARD_SECRET)
        WebDriverWait(d, 5).until(lambda _: clipboard() in {totp.at(time.time()), totp.at(time.time() - 2)})
        # Locked, the menu names no account.
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Lock the vault']").click()
        WebDriverWait(d, 15).until(lambda _: not any(i.startswith("Copy the code") for i in tray_items()))
        wait(d, By.XPATH, "//button[text()='Unlock']").click()
        wait(d, By.CSS_SELECTOR, "input[aria-label='Search accounts']")
        WebDriverWait(d, 15).until(lambda _: item in tray_items())

    check(f"[{MODE}] first run creates the vault", first_run)
    check(f"[{MODE}] add by image file, through the preview", add_by_image_file)
    check(f"[{MODE}] add by pasted otpauth link, through the preview", add_by_pasted_uri)
    check(f"[{MODE}] the displayed code equals pyotp's", shown_code_matches_pyotp)
    check(f"[{MODE}] copy puts the code on the clipboard", copy_puts_the_code_on_the_clipboard)
    check(f"[{MODE}] a copied code is cleared after the delay the user set", copied_code_is_cleared_after_the_chosen_delay)
    check(f"[{MODE}] a bad link shows the field at fault", bad_link_shows_the_field)
    check(f"[{MODE}] manual entry shows field problems, then adds", manual_entry_with_field_errors)
    check(f"[{MODE}] edit, pin, delete and undo", manage_an_account)
    check(f"[{MODE}] search filters", search_filters)
    check(f"[{MODE}] settings show the last backup, written and verified", settings_show_the_last_verified_backup)
    check(f"[{MODE}] a failing backup stays on screen until one succeeds", a_failing_backup_stays_on_screen_until_one_succeeds)
    check(f"[{MODE}] scan the screen while a QR is shown", scan_the_screen)
    check(f"[{MODE}] a link opened elsewhere reaches the running app", a_link_opened_elsewhere_reaches_the_running_app)
    check(f"[{MODE}] import an encrypted Aegis export: password, preview, codes, report", import_an_encrypted_aegis_export)
    check(f"[{MODE}] export a backup (0600, encrypted) and Google's QR codes (read by ZBar)", export_a_backup_and_google_codes)
    check(f"[{MODE}] the vault locks when the screen locks", the_vault_locks_with_the_screen)
    if MODE == "keychain" and SERVER_BIN:
        check(f"[{MODE}] push: enroll by opening the enrollment QR", enroll_by_the_enrollment_qr)
        check(f"[{MODE}] push: a login request brings the approval dialog and a notification; Approve approves it", approve_a_login_in_the_approval_dialog)
        check(f"[{MODE}] push: the website's number typed in the dialog approves", type_the_websites_number_to_approve)
        check(f"[{MODE}] push: \"This wasn't me\" denies and reports", this_wasnt_me)
        check(f"[{MODE}] keyboard only: add by link, find, copy, edit, delete, undo, settings, lock, unlock, approve", keyboard_only_journey)
        check(f"[{MODE}] AT-SPI: names and roles as a screen reader reads them (list, rows, settings, the modal dialog)", the_screen_reader_tree)
        check(f"[{MODE}] tray: the pinned accounts in its menu (read over D-Bus as a panel does); picking one copies its code", the_tray_lists_pinned_accounts_and_copies_their_code)
        check(f"[{MODE}] start with the session (autostart entry, in the background)", start_with_the_session)
        check(f"[{MODE}] clock: the push server's clock a minute ahead shows a warning, on time none", the_clock_warning_follows_the_push_server)
        check(f"[{MODE}] push: remove the device in the settings (revoked at the server)", remove_the_device_in_settings)
        check(f"[{MODE}] sync: a second app instance joins by the link; an account added in one window appears in the other", sync_with_a_second_computer_by_its_link)
    if MODE == "passphrase":
        check(f"[{MODE}] global shortcut (X11): the search comes up, Enter copies and the window hides", the_global_shortcut_brings_up_the_search_and_a_copy_hides_it)
        check(f"[{MODE}] lock, wrong passphrase refused, unlock", lock_and_unlock_with_the_passphrase)
        check(f"[{MODE}] a forgotten passphrase: recovered with the recovery key (a typo caught)", a_forgotten_passphrase_is_recovered_with_the_recovery_key)
    else:
        check(f"[{MODE}] lock, then unlock from the keychain", lock_and_unlock_with_the_keychain)
        check(f"[{MODE}] keychain reset: the recovery screen, the recovery key (a typo caught), the codes", a_keychain_reset_leads_to_recovery_and_back)
finally:
    if "second" in push:
        push["second"].close()
    d.quit()
    tray_host.kill()
    if "server" in push:
        push["server"].stop()
    if "dunst" in push:
        push["dunst"].kill()


def wait_until_the_app_has_exited(timeout=20):
    """A new launch while the old process is still shutting down would be handed to it by the
    single-instance plugin and exit, leaving the new WebDriver session without a window."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if subprocess.run(["pgrep", "-f", APP], capture_output=True).returncode != 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"{APP} still running {timeout} s after the session ended")


def restart_keeps_accounts():
    wait_until_the_app_has_exited()
    d2 = session()
    try:
        if PASSPHRASE:
            wait(d2, By.XPATH, "//h1[text()='Unlock']")
            d2.find_element(By.ID, "passphrase").send_keys(STATE["passphrase"])
            d2.find_element(By.XPATH, "//button[text()='Unlock']").click()
        # With the key in the keychain the vault opens by itself at start.
        wait(d2, By.XPATH, "//span[contains(@class,'issuer') and text()='Google']")
        wait_for_code(d2, SECRET)
    finally:
        d2.quit()


check(f"[{MODE}] after a restart the accounts are still there", restart_keeps_accounts)


def restore_a_backup_on_a_fresh_install():
    """Another computer: no vault, no backup record, the backups folder carried over (a cloud
    drive). "Restore from a backup" on the first screen, the recovery key, the same codes."""
    wait_until_the_app_has_exited()
    old = os.path.join(WORK, "old-computer")
    os.makedirs(old)
    for name in os.listdir(WORK):
        if name.startswith("vault.tfv") or name in ("settings.json", "sync.json"):
            os.rename(os.path.join(WORK, name), os.path.join(old, name))
    carried = os.path.join(WORK, "backups")
    newest = sorted(f for f in os.listdir(carried) if f.endswith(".twofold-backup"))[-1]
    d3 = session()
    try:
        wait(d3, By.XPATH, "//h1[text()='Welcome to Twofold']")
        d3.find_element(By.XPATH, "//button[text()='Restore from a backup']").click()
        wait(d3, By.CSS_SELECTOR, "input[aria-label='Backup file']").send_keys(os.path.join(carried, newest))
        box = wait(d3, By.ID, "restore-password")
        box.send_keys("not the key")
        if MODE == "passphrase":
            d3.find_element(By.ID, "restore-passphrase").send_keys("third horse")
        d3.find_element(By.XPATH, "//button[text()='Restore']").click()
        wait(d3, By.CSS_SELECTOR, "[data-field='password']", timeout=30)
        box.clear()
        box.send_keys(STATE["recovery_key"])
        shot(d3, "restore")
        d3.find_element(By.XPATH, "//button[text()='Restore']").click()
        # A new vault: it asks for its own recovery key; "Later" leaves a banner.
        wait(d3, By.CSS_SELECTOR, "[data-recovery-key]", timeout=30)
        d3.find_element(By.XPATH, "//button[text()='Later']").click()
        banner = wait(d3, By.CSS_SELECTOR, "[data-warning='recovery-key']")
        assert "no recovery key" in banner.text, banner.text
        shot(d3, "restored")
        wait(d3, By.XPATH, "//span[contains(@class,'issuer') and text()='Google']")
        wait_for_code(d3, SECRET)
        wait_for_code(d3, IMAGE_SECRET)
    finally:
        d3.quit()


check(f"[{MODE}] a fresh install restores the carried backup with the recovery key", restore_a_backup_on_a_fresh_install)

failed = sum(1 for _, e in results if e)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
