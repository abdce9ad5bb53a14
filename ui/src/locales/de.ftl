# Die Meldungen von Twofold auf Deutsch. Dieselben IDs und $Variablen wie en.ftl (ein Test prüft das).

language-name = Deutsch
app-name = Twofold

## The shell

opening = Wird geöffnet…
dismiss-error = Fehlermeldung schließen
settings = Einstellungen
lock = Sperren
lock-label = Tresor sperren
try-again = Erneut versuchen
clock-off = Ihre Uhr geht falsch.
backups-failing = Sicherungen schlagen fehl.
no-recovery-key-warning = Ihr Tresor hat noch keinen Wiederherstellungsschlüssel. Ohne ihn sind Ihre Konten verloren, wenn der Schlüsselbund dieses Computers zurückgesetzt wird oder Sie Ihre Passphrase vergessen.
make-recovery-key = Wiederherstellungsschlüssel erstellen
sync-through = Synchronisiert über { $server }
sync-state-synced = Synchronisiert
sync-state-syncing = Wird synchronisiert…
sync-state-offline = Offline
sync-state-error = Synchronisierungsfehler
sync-state-locked = Synchronisierung pausiert

## Errors, by the code Rust sends (its own words follow where they add something)

error-no_vault = Hier gibt es noch keinen Tresor.
error-locked = Der Tresor ist gesperrt.
error-passphrase_required = Dieser Tresor braucht seine Passphrase.
error-wrong_passphrase = Falsche Passphrase: Es wurde nichts geöffnet.
error-no_keychain = Der Schlüsselbund des Systems ist nicht erreichbar.
error-invalid_uri = Dieser Link kann nicht hinzugefügt werden.
error-invalid_fields = Einige Felder müssen korrigiert werden.
error-duplicate = Dieses Konto ist schon im Tresor.
error-no_code = Es wurde kein QR-Code gefunden.
error-not_found = Nicht gefunden.
error-clipboard = Die Zwischenablage konnte nicht verwendet werden.
error-push = Der Server für Anmeldefreigaben hat abgelehnt oder ist nicht erreichbar.
error-sync = Die Synchronisierung ist fehlgeschlagen.
error-disk_full = Der Datenträger ist voll: Es wurde nichts geändert. Geben Sie Speicherplatz frei und versuchen Sie es erneut.
error-damaged = Die Tresordatei ist beschädigt oder kein Tresor. Sie wurde nicht verändert: Stellen Sie eine Kopie wieder her.
error-newer_version = Dieser Tresor stammt von einer neueren Twofold-Version: Aktualisieren Sie die App.
error-key_missing = Der Schlüsselbund dieses Computers hat keinen Schlüssel für den Tresor.
error-no_recovery_key = Der Tresor hat keinen Wiederherstellungsschlüssel: Er lässt sich nur aus einer Sicherung wiederherstellen.
error-already_exists = Hier gibt es schon einen Tresor.
error-io = Eine Datei konnte nicht gelesen oder geschrieben werden.
error-invalid_file = Diese Datei kann nicht importiert werden.
error-internal = In Twofold ist etwas fehlgeschlagen. Ein Neustart kann helfen.

## The code list

search = Suchen
search-label = Konten durchsuchen
sort-label = Konten sortieren
sort-name = Nach Name
sort-recent = Zuletzt verwendet
sort-manual = Meine Reihenfolge
accounts = Konten
row-label = { $issuer }, { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , noch { $seconds } Sekunde
       *[other] , noch { $seconds } Sekunden
    }
row-label-unnamed = { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , noch { $seconds } Sekunde
       *[other] , noch { $seconds } Sekunden
    }
next = Nächster
next-code-of = Nächster Code von { $issuer } { $name }
manage = { $issuer } { $name } verwalten
copied = Kopiert
next-copied = Nächster Code kopiert
upcoming = nächster { $code }
announce-copied = Code von { $who } kopiert.
announce-next-copied = Nächster Code von { $who } kopiert.
announce-added = { $count ->
        [one] { $who } hinzugefügt.
       *[other] { $count } Konten hinzugefügt.
    }
no-accounts = Noch keine Konten: Scannen Sie einen QR-Code oder fügen Sie unten einen Link ein.
no-match = Kein Konto passt.
deleted = { $who } gelöscht.
restored = { $who } ist wieder da.
undo = Rückgängig

## Adding accounts

add-account = Konto hinzufügen
scanning = Wird gescannt…
scan-screen = Bildschirm scannen
scan-screen-label = Bildschirm scannen nach einem QR-Code
open-image = Bild öffnen…
open-image-label = Bild öffnen… mit einem QR-Code
paste = Einfügen
paste-label = Einfügen aus der Zwischenablage (ein Bild oder ein Link)
qr-image-file = Bilddatei mit QR-Code
import-file = Datei importieren…
import-file-label = Datei importieren… aus einer anderen App exportiert
import-file-input = Exportdatei eines anderen Authenticators
link-label = otpauth-Link zum Hinzufügen
add = Hinzufügen
add-hint = Oder ziehen Sie ein Bild oder einen Export (Aegis, 2FAS, Bitwarden, andOTP, Proton, eine Twofold-Sicherung…) auf das Fenster, oder drücken Sie Strg+V mit einem kopierten QR-Bild.
close-form = Formular schließen
enter-by-hand = Schlüssel von Hand eingeben

## One account's settings

field-issuer = Anbieter
field-account = Konto
field-tags = Schlagwörter
tags-placeholder = Arbeit, privat
automatic-colour = Automatische Farbe
icon-colour = Symbolfarbe
field-icon = Symbol
icon-auto = Passend zum Anbieter
icon-none = Keins (Initialen)
icon-pick = Ein anderes…
icon-name = Marke
icon-unknown = Kein Symbol heißt „{ $name }“: Wählen Sie eins aus der Liste.
pin = Oben anheften
move-up = Nach oben
move-down = Nach unten
close = Schließen
save = Speichern
cancel = Abbrechen
delete-confirm = { $who } löschen? Sie können es gleich danach rückgängig machen.
keep-it = Behalten
delete = Löschen
delete-ellipsis = Löschen…
qr-warning = Der QR-Code enthält den geheimen Schlüssel: Wer ihn sieht oder fotografiert, kann diese Codes erzeugen. Zeigen Sie ihn nur, um das Konto auf Ihr Telefon zu übertragen.
show-qr = QR-Code zeigen
qr-alt = QR-Code mit dem geheimen Schlüssel von { $issuer } { $name }
hide-qr = QR-Code verbergen
show-as-qr = Als QR-Code zeigen…

## Entering a key by hand

add-by-hand = Konto von Hand hinzufügen
field-secret = Geheimer Schlüssel
field-kind = Art
kind-totp = Zeitbasiert
kind-hotp = Zählerbasiert
kind-steam = Steam
field-algorithm = Algorithmus
field-digits = Ziffern
field-counter = Zähler
field-period = Intervall (s)
add-account-button = Konto hinzufügen

## What a scan, link or file would add

accounts-to-add = Hinzuzufügende Konten
enrollment = Registrierung für Anmeldefreigaben
enroll-title = Anmeldungen auf diesem Computer freigeben?
a-website = Eine Website
enroll-text = { $app } unter { $server } möchte Anmeldeanfragen hierher senden. Ihre Codes werden ebenfalls hinzugefügt.
enrolling = Wird registriert…
enroll = Diesen Computer registrieren
enrolled = Dieser Computer gibt jetzt Anmeldungen für { $app } als „{ $name }“ frei.
add-title = { $count ->
        [one] Dieses Konto hinzufügen?
       *[other] { $count } Konten hinzufügen?
    }
add-one = { $issuer } { $name } hinzufügen
unnamed = (ohne Namen)
detail = { $digits } Ziffern, { $algorithm }, { $how }
detail-counter = Zähler
detail-every = alle { $period } s
detail-tags = Schlagwörter: { $tags }
already-as = Schon im Tresor als { $who }
cannot-import = Kann nicht importiert werden
skipped = Übersprungen
add-count = { $count ->
        [one] Hinzufügen
       *[other] { $count } hinzufügen
    }

## Importing another app's export

export-password = Passwort des Exports
export-password-text = Diese { $format }-Datei ist verschlüsselt. Geben Sie das Passwort ein, das Sie beim Export in { $app } gewählt haben.
field-password = Passwort
wrong-password = Falsches Passwort: Es wurde nichts geöffnet. Versuchen Sie es erneut.
open = Öffnen
import-report = Importbericht
imported = { $count ->
        [one] { $count } Konto importiert.
       *[other] { $count } Konten importiert.
    }
imported-duplicates = { $count } schon in Twofold, übersprungen.
imported-unticked = { $count } von Ihnen ausgelassen.
imported-problems = { $count } konnten nicht importiert werden:
ok = OK

## Backups

backups = Sicherungen
backup-failed = Die letzte Sicherung ist fehlgeschlagen:
backup-last = { $count ->
        [one] Letzte Sicherung: { $when }, { $count } Konto, geprüft.
       *[other] Letzte Sicherung: { $when }, { $count } Konten, geprüft.
    }
backup-kept = { $count } aufbewahrt.
backups-off = Automatische Sicherungen sind aus.
backup-none = Noch keine Sicherung.
backup-needs-key = Sicherungen brauchen einen Wiederherstellungsschlüssel oder eine Sicherungs-Passphrase, um sich ohne diesen Computer öffnen zu lassen.
backup-folder = Sicherungsordner
backup-automatic = Nach jeder Änderung und täglich automatisch sichern
backup-folder-label = Ordner (ein Ordner, den Ihr Cloud-Speicher synchronisiert, ist eine gute Wahl; leer: der Standard)
backup-now = Jetzt sichern
backup-save-folder = Ordner speichern
backup-passphrase = Sicherungs-Passphrase
backup-passphrase-set = Sicherungen lassen sich auch mit Ihrer Sicherungs-Passphrase öffnen.
backup-passphrase-explain = Eine Sicherungs-Passphrase öffnet Sicherungen wie der Wiederherstellungsschlüssel (der Tresor selbst behält nur deren öffentliche Hälfte).
backup-passphrase-replace = Sicherungs-Passphrase ersetzen
again = Wiederholen
remove = Entfernen
set = Festlegen
has-recovery-key = Ihr Tresor hat einen Wiederherstellungsschlüssel.
has-no-recovery-key = Ihr Tresor hat keinen Wiederherstellungsschlüssel.
make-new-recovery-key = Neuen Wiederherstellungsschlüssel erstellen

## The clock

clock = Uhr
clock-unchecked = Noch nicht geprüft: Registrieren Sie sich für Anmeldefreigaben oder nennen Sie einen NTP-Server, um sie zu prüfen.
clock-wrong = Falsch:
clock-right = Richtig: höchstens { $seconds } s Abweichung von { $source }.
clock-ntp = Auch diesen NTP-Server fragen (leer: nur den Push-Server)
check-now = Jetzt prüfen

## Export

export-password-short = Wählen Sie ein Passwort mit mindestens { $min } Zeichen.
passwords-differ = Die beiden Passwörter unterscheiden sich.
export-tick = Setzen Sie das Häkchen, um zu bestätigen, dass Sie wissen, dass die Datei nicht verschlüsselt ist.
export-accounts = Konten exportieren
export = Exportieren
export-format = Format
export-twofold-hint = Alles, verschlüsselt: auf jedem Computer mit Twofold wiederherstellbar, mit diesem Passwort und ohne Schlüsselbund.
export-encrypted-hint = Mit diesem Passwort verschlüsselt, nach dem die andere App fragen wird.
repeat-password = Passwort wiederholen
export-plain-codes = Nicht verschlüsselt: Wer diese Codes sieht, kann jedes Konto kopieren und seine Codes erzeugen. Zeigen Sie sie nur Ihrem eigenen Telefon.
export-plain-file = Nicht verschlüsselt: Wer diese Datei liest, kann jedes Konto kopieren und seine Codes erzeugen. Löschen Sie die Datei, sobald die andere App sie importiert hat.
i-understand = Ich habe verstanden
exporting = Wird exportiert…
show-qr-codes = QR-Codes zeigen
exported = { $count ->
        [one] { $count } Konto exportiert nach
       *[other] { $count } Konten exportiert nach
    }
left-out = Ausgelassen:
google-codes = Exportcodes für Google Authenticator
google-codes-how = In Google Authenticator: „Konten übertragen“ → „Konten importieren“, dann Code { $page } von { $pages } scannen.
qr-page = QR-Code { $page } von { $pages }
google-cannot-hold = Google Authenticator kann nicht aufnehmen:
previous = Zurück
done = Fertig

## The keychain

vault-at-risk = Ihr Tresor ist in Gefahr
keychain-unreachable = Der Schlüsselbund des Systems ist nicht erreichbar ({ $reason }). Ihre Codes funktionieren, solange Twofold geöffnet bleibt, aber der Tresor lässt sich erst wieder öffnen, wenn der Schlüsselbund zurück ist: Schützen Sie ihn jetzt mit einer Passphrase.
keychain-restored = Der Schlüssel des Tresors fehlte im Schlüsselbund des Systems; Twofold hat ihn zurückgelegt.
new-passphrase = Neue Passphrase
passphrase-again = Passphrase wiederholen
passphrases-differ = Die beiden Passphrasen unterscheiden sich.
protect-with-passphrase = Mit dieser Passphrase schützen
dismiss-notice = Hinweis schließen

## Recovering the vault

recover-vault = Meinen Tresor wiederherstellen
recover-reason = Der Schlüsselbund dieses Computers enthält den Schlüssel Ihres Tresors nicht (ein neuer Computer oder ein zurückgesetzter Schlüsselbund). Ihre Konten sind noch in der Tresordatei: Öffnen Sie sie mit Ihrem Wiederherstellungsschlüssel oder stellen Sie eine Sicherung wieder her.
recover-how = Wie wiederherstellen
recover-with-key = Mit meinem Wiederherstellungsschlüssel
recover-from-backup = Aus einer Sicherungsdatei
recover-with-key-form = Mit dem Wiederherstellungsschlüssel wiederherstellen
recovery-key-field = Wiederherstellungsschlüssel (neun Gruppen zu vier Zeichen; Groß- und Kleinschreibung und Leerzeichen egal)
recover-passphrase-had = Neue Passphrase (der Tresor hatte eine: Wählen Sie sie erneut oder eine neue)
recover-passphrase-optional = Neue Passphrase (optional; ohne sie kommt der Schlüssel in den Schlüsselbund dieses Computers)
recover = Wiederherstellen
recover-backup-text = Die Sicherung wird zu Ihrem Tresor. Der Tresor, der sich nicht öffnen lässt, bleibt umbenannt daneben liegen, falls sein Schlüssel wieder auftaucht.
back = Zurück

## The recovery key

recovery-key-new = Ein neuer Wiederherstellungsschlüssel
recovery-key-yours = Ihr Wiederherstellungsschlüssel
recovery-key-explain = Er öffnet Ihren Tresor und Ihre Sicherungen, wenn der Schlüsselbund dieses Computers zurückgesetzt wird, Sie Ihre Passphrase vergessen oder zu einem neuen Computer wechseln. Er wird nur jetzt gezeigt: Schreiben Sie ihn auf oder drucken Sie ihn, und bewahren Sie ihn getrennt von diesem Computer auf.
recovery-key-replaces = Sobald Sie ihn bestätigen, funktioniert Ihr alter Wiederherstellungsschlüssel für diesen Tresor nicht mehr.
recovery-key-label = Wiederherstellungsschlüssel: { $groups }
print = Drucken
later = Später
wrote-it-down = Ich habe ihn aufgeschrieben
recovery-key-confirm = Damit sicher ist, dass er aufgeschrieben ist, geben Sie diese Gruppen Ihres Wiederherstellungsschlüssels ein.
group = Gruppe { $number }
show-key-again = Schlüssel erneut zeigen
confirm = Bestätigen
making-key = Schlüssel wird erstellt…

## Restoring a backup

pick-another-backup = Andere Sicherungsdatei wählen…
choose-backup = Sicherungsdatei wählen…
backup-file = Sicherungsdatei
restore-backup = Sicherung wiederherstellen
backup-written = Eine Sicherung vom { $when }. Sie öffnet sich mit { $opens }.
opens-with-recovery-key = Ihrem Wiederherstellungsschlüssel
opens-with-backup-passphrase = Ihrer Sicherungs-Passphrase
opens-with-passphrase = der Passphrase, mit der sie exportiert wurde
or = {" "}oder{" "}
restore-password = Wiederherstellungsschlüssel oder Sicherungs-Passphrase
restore-passphrase-needed = Neue Passphrase für den Tresor (nötig: hier gibt es keinen Schlüsselbund)
restore-passphrase-optional = Neue Passphrase für den Tresor (optional)
restore = Wiederherstellen

## Settings

whole-number = eine ganze Zahl, 0 oder mehr
language = Sprache
language-system = Sprache des Systems
auto-lock = Nach so vielen Minuten ohne Eingabe sperren (0: nie)
clipboard-clear = Einen kopierten Code nach so vielen Sekunden löschen (0: nie)
global-shortcut = Globales Tastenkürzel: holt Twofold mit bereiter Suche nach vorn (leer: keins)
global-shortcut-hint = Etwa Strg+Alt+K. Tippen zum Suchen, Eingabe kopiert und das Fenster verschwindet wieder. Unter Wayland legen Sie in Ihrer Arbeitsumgebung ein Tastenkürzel an, das „twofold-desktop --quick“ ausführt.
close-to-tray = Beim Schließen des Fensters bleibt Twofold im Infobereich
start-at-login = Mit meiner Sitzung im Hintergrund starten (für Anmeldefreigaben)
unlock-to-approve = Anmeldungen nur freigeben, während Twofold entsperrt ist
keys-hint = Tasten: tippen zum Suchen · ↑ ↓ bewegen · Eingabe kopiert · N kopiert den nächsten Code · Strg+L sperrt.

## Sync

sync = Synchronisierung
this-computer-default = Dieser Computer
sync-remove-confirm = { $name } entfernen? Er behält, was er hat, liest aber ab jetzt nichts Neues mehr.
sync-leave-confirm = Diesen Computer nicht mehr synchronisieren? Seine Konten bleiben hier.
sync-explain = Halten Sie dieselben Konten auf Ihren Computern, über Ihren eigenen Twofold-Server. Er speichert sie verschlüsselt: Er kann keinen einzigen Code lesen.
sync-link-field = Link von Ihrem anderen Computer (Einstellungen → Synchronisierung → Weiteren Computer verknüpfen) oder eine Einladung
sync-server-field = Oder einen neuen Bereich auf einem Server beginnen
sync-name-field = Name dieses Computers
sync-start = Synchronisierung starten
sync-as = Als { $name } über { $server }.
sync-not-syncing = Keine Synchronisierung
sync-last = Zuletzt synchronisiert: { $when }.
sync-pending = { $count ->
        [one] { $count } Änderung noch nicht gesendet.
       *[other] { $count } Änderungen noch nicht gesendet.
    }
sync-computers = Computer in diesem Bereich
sync-this-computer = { $name } (dieser Computer)
sync-seen = gesehen { $when }
sync-not-seen = noch nicht gesehen
remove-named = { $name } entfernen
sync-link-how = Auf dem anderen Computer: Einstellungen → Synchronisierung, diesen Link einfügen (oder den Code scannen). Er funktioniert einmal, { $minutes } Minuten lang.
sync-link-qr = QR-Code des Links
sync-the-link = Der Link
sync-leave = Verlassen
sync-now = Jetzt synchronisieren
sync-link-another = Weiteren Computer verknüpfen

## Unlocking

restore-from-backup = Aus einer Sicherung wiederherstellen
restore-explain = Wählen Sie eine Twofold-Sicherungsdatei (.twofold-backup): Ihre Konten werden Ihr neuer Tresor.
welcome = Willkommen bei Twofold
welcome-explain = Ihre Codes liegen in einem verschlüsselten Tresor. Sein Schlüssel kommt in den Schlüsselbund Ihres Systems; fügen Sie eine Passphrase hinzu, wenn Sie zum Entsperren zusätzlich eine eingeben möchten.
passphrase-optional = Passphrase (optional)
unlock = Entsperren
passphrase = Passphrase
key-in-keychain = Der Tresorschlüssel liegt im Schlüsselbund Ihres Systems.
create-vault = Tresor erstellen
forgot-passphrase = Passphrase vergessen? Meinen Tresor wiederherstellen

## Login approval

left-hours = noch { $hours } h { $minutes } min
left-minutes = noch { $minutes } min { $seconds } s
left-seconds = noch { $seconds } s
type-the-number = Geben Sie die zweistellige Zahl ein, die die Website zeigt.
approved = Freigegeben.
denied-wrong-number = Falsche Zahl: Die Anmeldung wurde abgelehnt.
denied-reported = Abgelehnt und gemeldet.
denied = Abgelehnt.
login-waits = Eine Anmeldung wartet auf Ihre Freigabe: Entsperren Sie Twofold, um sie zu beantworten.
show = Zeigen
approval-request = Freigabeanfrage
approval-from = Von { $where }
approval-to = an { $device }
more-waiting = { $count } weitere warten
type-number-label = Geben Sie die Zahl ein, die die Website zeigt
number-on-website = Zahl auf der Website
approve-only-unlocked = Sie geben Anmeldungen nur frei, während Twofold entsperrt ist (Ihre Einstellung).
not-me = Das war ich nicht
deny = Ablehnen
unlock-to-approve-button = Zum Freigeben entsperren
approve = Freigeben
login-approval = Anmeldefreigabe
no-push-devices = Keine Website sendet Anmeldeanfragen hierher. Um eine hinzuzufügen, öffnen Sie den Registrierungs-QR-Code, den sie zeigt, wie jeden QR-Code.
stop-approving = Hier nicht mehr freigeben
keep = Behalten

## The tray and notifications (shown by Rust)

tray-tooltip-status = Twofold: { $status }
tray-waiting = { $count ->
        [one] { $count } Anmeldung wartet auf Freigabe
       *[other] { $count } Anmeldungen warten auf Freigabe
    }
tray-backups-failing = Sicherungen schlagen fehl
tray-status-join = { $first }; { $second }
tray-backups-item = ⚠ Sicherungen schlagen fehl: Twofold öffnen
tray-copy = Code von { $who } kopieren
tray-show = Twofold zeigen
tray-lock = Sperren
tray-quit = Beenden
notify-summary = { $app }: Diese Anmeldung freigeben?

## What is wrong with a field (checked by Rust; shown beside the field)

problem-name-needed = Geben Sie dem Konto einen Anbieter oder einen Namen.
problem-too-long = Höchstens { $max } Zeichen.
problem-control-characters = Keine Steuerzeichen (Zeilenumbrüche, Tabulatoren).
problem-tag-too-long = „{ $tag }“: Ein Schlagwort hat höchstens { $max } Zeichen.
problem-too-many-tags = Höchstens { $max } Schlagwörter.
problem-not-a-colour = „{ $value }“ ist keine Farbe wie #3a7bd5.
problem-not-an-icon = „{ $value }“ ist kein Symbolname (Kleinbuchstaben und Ziffern, höchstens { $max }).
problem-secret-needed = Der geheime Schlüssel fehlt.
problem-not-base32 = „{ $character }“ an Stelle { $position } ist kein Base32-Zeichen (A–Z, 2–7).
problem-digits-range = Die Stellenzahl muss zwischen 4 und 10 liegen.
problem-period-zero = Der Zeitraum muss mindestens 1 Sekunde betragen.
problem-not-an-algorithm = „{ $value }“ ist weder SHA1 noch SHA256 noch SHA512.
problem-not-a-number = „{ $value }“ ist keine ganze Zahl.
problem-not-a-kind = „{ $value }“ ist weder TOTP noch HOTP noch Steam.
problem-server-needed = Geben Sie einen Servernamen ein, etwa pool.ntp.org.
problem-not-in-server-name = „{ $character }“ kann in keinem Servernamen stehen.
problem-auto-lock-max = Höchstens { $max } Minuten (0 schaltet es aus).
problem-clipboard-max = Höchstens { $max } Sekunden (0 schaltet es aus).
problem-language-unknown = Keine Sprache, die Twofold spricht: { $languages }.
problem-shortcut-invalid = Kein Tastenkürzel ({ $reason }): Schreiben Sie es wie Ctrl+Alt+K oder Super+Shift+2.
problem-shortcut-modifier = Braucht Ctrl, Alt, Shift oder Super zur Taste.
problem-shortcut-wayland = Dieser Wayland-Desktop lässt keine App eine Taste für sich belegen: Legen Sie in den Tastatureinstellungen Ihres Desktops ein Tastenkürzel an, das „{ $command }“ ausführt.
problem-shortcut-refused = Das System hat es abgelehnt; vielleicht belegt es ein anderes Programm ({ $reason }).
problem-passphrase-needed = Geben Sie eine Passphrase ein.
problem-folder-absolute = Ein vollständiger Pfad, beginnend mit /.
problem-folder-unusable = Dieser Ordner kann nicht verwendet werden ({ $reason }).
problem-computer-name-length = 1 bis 64 Zeichen.
problem-server-not-url = Keine Webadresse (https://…).
problem-server-scheme = Es muss eine http- oder https-Adresse sein.
problem-link-or-server = Geben Sie einen Link oder einen Server an, nicht beides.
problem-link-needed = Fügen Sie den Link ein, den ein anderer Computer zeigt.
problem-sync-link-invalid = Das ist kein Sync-Link, den Twofold verwenden kann ({ $reason }).
problem-recovery-group-wrong = Das ist nicht Gruppe { $group } des gezeigten Schlüssels.
problem-no-keychain-passphrase = Kein Schlüsselbund des Systems erreichbar ({ $reason }): Wählen Sie eine Passphrase für den Tresor.
problem-recovery-key-length = Ein Wiederherstellungsschlüssel hat { $expected } Zeichen (9 Gruppen zu 4); dieser hat { $found }. Prüfen Sie, ob eine Gruppe fehlt oder zu viel ist.
problem-recovery-key-character = „{ $character }“ in Gruppe { $group } kommt in keinem Wiederherstellungsschlüssel vor (sie verwenden 0–9 und A–Z ohne I, L, O, U).
problem-recovery-key-checksum = Dieser Wiederherstellungsschlüssel hat einen Tippfehler: Seine letzte Gruppe (eine Prüfsumme) passt nicht zu den anderen. Vergleichen Sie jede Gruppe mit Ihrer Notiz.
problem-recovery-key-wrong = Das ist nicht der aktuelle Wiederherstellungsschlüssel dieses Tresors; nichts wurde geändert.
problem-backup-password-wrong = Weder der Wiederherstellungsschlüssel noch eine Passphrase dieser Sicherung: Prüfen Sie Ihre Eingabe.
