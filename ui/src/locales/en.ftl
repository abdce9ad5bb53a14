# Twofold's messages in English: the source every other language is checked against.
# Each language has the same message ids with the same $variables (a test checks it).

language-name = English
app-name = Twofold

## The shell

opening = Opening…
dismiss-error = Dismiss the error
settings = Settings
lock = Lock
lock-label = Lock the vault
try-again = Try again
clock-off = Your clock is off.
backups-failing = Backups are failing.
no-recovery-key-warning = Your vault has no recovery key yet. Without one, your accounts are lost if this computer's keychain is reset or you forget your passphrase.
make-recovery-key = Make my recovery key
sync-through = Syncing through { $server }
sync-state-synced = Synced
sync-state-syncing = Syncing…
sync-state-offline = Offline
sync-state-error = Sync error
sync-state-locked = Sync paused

## Errors, by the code Rust sends (its own words follow where they add something)

error-no_vault = There is no vault here yet.
error-locked = The vault is locked.
error-passphrase_required = This vault needs its passphrase.
error-wrong_passphrase = Wrong passphrase: nothing was opened.
error-no_keychain = The system keychain is not reachable.
error-invalid_uri = This link cannot be added.
error-invalid_fields = Some fields need attention.
error-duplicate = This account is already in the vault.
error-no_code = No QR code was found.
error-not_found = Not found.
error-clipboard = The clipboard could not be used.
error-push = The login approval server refused or could not be reached.
error-sync = Sync failed.
error-disk_full = The disk is full: nothing was changed. Free some space and try again.
error-damaged = The vault file is damaged or not a vault. It was not changed: restore a copy.
error-newer_version = This vault was written by a newer Twofold: update the app.
error-key_missing = This computer's keychain has no key for the vault.
error-no_recovery_key = The vault has no recovery key: it can only be restored from a backup.
error-already_exists = A vault exists here already.
error-io = A file could not be read or written.
error-invalid_file = This file cannot be imported.
error-internal = Something inside Twofold failed. Restarting it may help.

## The code list

search = Search
search-label = Search accounts
sort-label = Sort accounts
sort-name = By name
sort-recent = Recently used
sort-manual = My order
accounts = Accounts
# A row as a screen reader says it, its visible words in order (WCAG 2.5.3); $seconds is "none"
# for counter-based codes.
row-label = { $issuer }, { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , { $seconds } second left
       *[other] , { $seconds } seconds left
    }
row-label-unnamed = { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , { $seconds } second left
       *[other] , { $seconds } seconds left
    }
next = Next
next-code-of = Next code of { $issuer } { $name }
manage = Manage { $issuer } { $name }
copied = Copied
next-copied = Next code copied
upcoming = next { $code }
announce-copied = Code of { $who } copied.
announce-next-copied = Next code of { $who } copied.
announce-added = { $count ->
        [one] { $who } added.
       *[other] { $count } accounts added.
    }
no-accounts = No accounts yet: scan a QR code or paste a link below.
no-match = No account matches.
deleted = Deleted { $who }.
restored = { $who } is back.
undo = Undo

## Adding accounts

add-account = Add an account
scanning = Scanning…
scan-screen = Scan screen
scan-screen-label = Scan screen for a QR code
open-image = Open image…
open-image-label = Open image… of a QR code
paste = Paste
paste-label = Paste from the clipboard (an image or a link)
qr-image-file = QR code image file
import-file = Import file…
import-file-label = Import file… exported by another app
import-file-input = Export file of another authenticator
link-label = otpauth link to add
add = Add
add-hint = Or drop an image or an export (Aegis, 2FAS, Bitwarden, andOTP, Proton, a Twofold backup…) on the window, or press Ctrl+V with a QR image copied.
close-form = Close the form
enter-by-hand = Enter a key by hand

## One account's settings

field-issuer = Issuer
field-account = Account
field-tags = Tags
tags-placeholder = work, personal
automatic-colour = Automatic colour
icon-colour = Icon colour
field-icon = Icon
icon-auto = Matched to the issuer
icon-none = None (initials)
icon-pick = Another…
icon-name = Brand
icon-unknown = No icon is named “{ $name }”: pick one from the list.
pin = Pin to the top
move-up = Move up
move-down = Move down
close = Close
save = Save
cancel = Cancel
delete-confirm = Delete { $who }? You can undo it right after.
keep-it = Keep it
delete = Delete
delete-ellipsis = Delete…
qr-warning = The QR code holds the secret key: anyone who sees or photographs it can make these codes. Show it only to move the account to your phone.
show-qr = Show the QR code
qr-alt = QR code with the secret key of { $issuer } { $name }
hide-qr = Hide the QR code
show-as-qr = Show as QR code…

## Entering a key by hand

add-by-hand = Add an account by hand
field-secret = Secret key
field-kind = Type
kind-totp = Time-based
kind-hotp = Counter-based
kind-steam = Steam
field-algorithm = Algorithm
field-digits = Digits
field-counter = Counter
field-period = Period (s)
add-account-button = Add account

## What a scan, link or file would add

accounts-to-add = Accounts to add
enrollment = Push approval enrollment
enroll-title = Approve logins from this computer?
a-website = A website
enroll-text = { $app } at { $server } asks to send login requests here. Its codes are added too.
enrolling = Enrolling…
enroll = Enroll this computer
enrolled = This computer now approves logins for { $app } as “{ $name }”.
add-title = { $count ->
        [one] Add this account?
       *[other] Add { $count } accounts?
    }
add-one = Add { $issuer } { $name }
unnamed = (unnamed)
detail = { $digits } digits, { $algorithm }, { $how }
detail-counter = counter
detail-every = every { $period } s
detail-tags = tags: { $tags }
already-as = Already in the vault as { $who }
cannot-import = Cannot be imported
skipped = Skipped
add-count = { $count ->
        [one] Add
       *[other] Add { $count }
    }

## Importing another app's export

export-password = Password of the export
export-password-text = This { $format } file is encrypted. Type the password you chose in { $app } when you exported it.
field-password = Password
wrong-password = Wrong password: nothing was opened. Try again.
open = Open
import-report = Import report
imported = { $count ->
        [one] Imported { $count } account.
       *[other] Imported { $count } accounts.
    }
imported-duplicates = { $count } already in Twofold, skipped.
imported-unticked = { $count } left out by you.
imported-problems = { $count } could not be imported:
ok = OK

## Backups

backups = Backups
backup-failed = The last backup failed:
backup-last = { $count ->
        [one] Last backup: { $when }, { $count } account, verified.
       *[other] Last backup: { $when }, { $count } accounts, verified.
    }
backup-kept = { $count } kept.
backups-off = Automatic backups are off.
backup-none = No backup yet.
backup-needs-key = Backups need a recovery key or a backup passphrase to open without this computer.
backup-folder = Backup folder
backup-automatic = Back up automatically after each change and daily
backup-folder-label = Folder (a folder your cloud drive syncs is a good choice; empty: the default)
backup-now = Back up now
backup-save-folder = Save folder
backup-passphrase = Backup passphrase
backup-passphrase-set = Backups also open with your backup passphrase.
backup-passphrase-explain = A backup passphrase opens backups as the recovery key does (the vault itself keeps only its public half).
backup-passphrase-replace = Replace the backup passphrase
again = Again
remove = Remove
set = Set
has-recovery-key = Your vault has a recovery key.
has-no-recovery-key = Your vault has no recovery key.
make-new-recovery-key = Make a new recovery key

## The clock

clock = Clock
clock-unchecked = Not checked yet: enroll for login approval or name an NTP server to check it.
clock-wrong = Off:
clock-right = Right: within { $seconds } s of { $source }.
clock-ntp = Also ask this NTP server (empty: only the push server)
check-now = Check now

## Export

export-password-short = Choose a password of at least { $min } characters.
passwords-differ = The two passwords differ.
export-tick = Tick the box to confirm you understand the file is not encrypted.
export-accounts = Export accounts
export = Export
export-format = Format
export-twofold-hint = Everything, encrypted: restore it on any computer with Twofold, with this password and no keychain.
export-encrypted-hint = Encrypted with this password, which the other app will ask for.
repeat-password = Repeat the password
export-plain-codes = Not encrypted: anyone who sees these codes can copy every account and make its codes. Show them only to your own phone.
export-plain-file = Not encrypted: anyone who reads this file can copy every account and make its codes. Delete the file once the other app has imported it.
i-understand = I understand
exporting = Exporting…
show-qr-codes = Show the QR codes
exported = { $count ->
        [one] Exported { $count } account to
       *[other] Exported { $count } accounts to
    }
left-out = Left out:
google-codes = Google Authenticator export codes
google-codes-how = In Google Authenticator: “Transfer accounts” → “Import accounts”, then scan code { $page } of { $pages }.
qr-page = QR code { $page } of { $pages }
google-cannot-hold = Google Authenticator cannot hold:
previous = Previous
done = Done

## The keychain

vault-at-risk = Your vault is at risk
keychain-unreachable = The system keychain is not reachable ({ $reason }). Your codes work while Twofold stays open, but the vault will not open again until the keychain is back: protect it with a passphrase now.
keychain-restored = The vault's key had gone from the system keychain; Twofold put it back.
new-passphrase = New passphrase
passphrase-again = Passphrase again
passphrases-differ = The two passphrases differ.
protect-with-passphrase = Protect with this passphrase
dismiss-notice = Dismiss the notice

## Recovering the vault

recover-vault = Recover my vault
recover-reason = This computer's keychain does not hold your vault's key (a new computer, or a keychain that was reset). Your accounts are still in the vault file: open it with your recovery key, or restore a backup.
recover-how = How to recover
recover-with-key = With my recovery key
recover-from-backup = From a backup file
recover-with-key-form = Recover with the recovery key
recovery-key-field = Recovery key (nine groups of four; case and spaces do not matter)
recover-passphrase-had = New passphrase (the vault had one: choose it again or a new one)
recover-passphrase-optional = New passphrase (optional; without one the key goes to this computer's keychain)
recover = Recover
recover-backup-text = The backup becomes your vault. The vault that cannot be opened stays beside it, renamed, in case its key turns up.
back = Back

## The recovery key

recovery-key-new = A new recovery key
recovery-key-yours = Your recovery key
recovery-key-explain = It opens your vault and your backups if this computer's keychain is reset, you forget your passphrase, or you move to a new computer. It is shown only now: write it down or print it, and keep it apart from this computer.
recovery-key-replaces = Once you confirm it, your old recovery key stops working for this vault.
recovery-key-label = Recovery key: { $groups }
print = Print
later = Later
wrote-it-down = I wrote it down
recovery-key-confirm = To be sure it is written down, type these groups of your recovery key.
group = Group { $number }
show-key-again = Show the key again
confirm = Confirm
making-key = Making the key…

## Restoring a backup

pick-another-backup = Pick another backup file…
choose-backup = Choose a backup file…
backup-file = Backup file
restore-backup = Restore the backup
backup-written = A backup written { $when }. It opens with { $opens }.
opens-with-recovery-key = your recovery key
opens-with-backup-passphrase = your backup passphrase
opens-with-passphrase = the passphrase it was exported with
or = {" "}or{" "}
restore-password = Recovery key or backup passphrase
restore-passphrase-needed = New passphrase for the vault (needed: no keychain here)
restore-passphrase-optional = New passphrase for the vault (optional)
restore = Restore

## Settings

whole-number = a whole number, 0 or more
language = Language
language-system = The system's language
auto-lock = Lock after this many idle minutes (0: never)
clipboard-clear = Clear a copied code after this many seconds (0: never)
global-shortcut = Global shortcut: brings Twofold up with the search ready (empty: none)
global-shortcut-hint = Like Ctrl+Alt+K. Type to find, Enter copies and the window hides again. On Wayland, give your desktop a shortcut that runs “twofold-desktop --quick”.
close-to-tray = Closing the window keeps Twofold in the tray
start-at-login = Start with my session, in the background (for login approvals)
unlock-to-approve = Approve logins only while Twofold is unlocked
keys-hint = Keys: type to search · ↑ ↓ move · Enter copies · N copies the next code · Ctrl+L locks.

## Sync

sync = Sync
this-computer-default = This computer
sync-remove-confirm = Remove { $name }? It keeps what it has, but reads nothing written from now on.
sync-leave-confirm = Stop syncing this computer? Its accounts stay here.
sync-explain = Keep the same accounts on your computers through your own Twofold server. It stores them encrypted: it cannot read a single code.
sync-link-field = Link from your other computer (Settings → Sync → Link another computer), or an invitation
sync-server-field = Or start a new space on a server
sync-name-field = Call this computer
sync-start = Start syncing
sync-as = As { $name } through { $server }.
sync-not-syncing = Not syncing
sync-last = Last synced { $when }.
sync-pending = { $count ->
        [one] { $count } change not sent yet.
       *[other] { $count } changes not sent yet.
    }
sync-computers = Computers in this space
sync-this-computer = { $name } (this computer)
sync-seen = seen { $when }
sync-not-seen = not seen yet
remove-named = Remove { $name }
sync-link-how = On the other computer: Settings → Sync, paste this link (or scan the code). It works once, for { $minutes } minutes.
sync-link-qr = QR code of the link
sync-the-link = The link
sync-leave = Leave
sync-now = Sync now
sync-link-another = Link another computer

## Unlocking

restore-from-backup = Restore from a backup
restore-explain = Pick a Twofold backup file (.twofold-backup): its accounts become your new vault.
welcome = Welcome to Twofold
welcome-explain = Your codes are kept in an encrypted vault. Its key goes to your system keychain; add a passphrase if you also want to type one to unlock.
passphrase-optional = Passphrase (optional)
unlock = Unlock
passphrase = Passphrase
key-in-keychain = The vault key is in your system keychain.
create-vault = Create vault
forgot-passphrase = Forgot your passphrase? Recover my vault

## Login approval

left-hours = { $hours } h { $minutes } min left
left-minutes = { $minutes } min { $seconds } s left
left-seconds = { $seconds } s left
type-the-number = Type the two-digit number the website shows.
approved = Approved.
denied-wrong-number = Wrong number: the login was denied.
denied-reported = Denied and reported.
denied = Denied.
login-waits = A login waits for your approval: unlock Twofold to answer it.
show = Show
approval-request = Approval request
approval-from = From { $where }
approval-to = to { $device }
more-waiting = { $count } more waiting
type-number-label = Type the number shown on the website
number-on-website = Number shown on the website
approve-only-unlocked = You approve logins only while Twofold is unlocked (your setting).
not-me = This wasn't me
deny = Deny
unlock-to-approve-button = Unlock to approve
approve = Approve
login-approval = Login approval
no-push-devices = No website sends login requests here. To add one, open the enrollment QR code it shows, like any QR code.
stop-approving = Stop approving here
keep = Keep

## The tray and notifications (shown by Rust)

tray-tooltip-status = Twofold: { $status }
tray-waiting = { $count ->
        [one] { $count } login waiting for approval
       *[other] { $count } logins waiting for approval
    }
tray-backups-failing = backups are failing
tray-status-join = { $first }; { $second }
tray-backups-item = ⚠ Backups are failing: open Twofold
tray-copy = Copy the code of { $who }
tray-show = Show Twofold
tray-lock = Lock
tray-quit = Quit
notify-summary = { $app }: approve this login?

## What is wrong with a field (checked by Rust; shown beside the field)

problem-name-needed = Give the account an issuer or a name.
problem-too-long = At most { $max } characters.
problem-control-characters = No control characters (line breaks, tabs).
problem-tag-too-long = “{ $tag }”: a tag has at most { $max } characters.
problem-too-many-tags = At most { $max } tags.
problem-not-a-colour = “{ $value }” is not a colour like #3a7bd5.
problem-not-an-icon = “{ $value }” is not an icon name (lower-case letters and digits, at most { $max }).
problem-secret-needed = The secret is required.
problem-not-base32 = “{ $character }” at position { $position } is not a base32 character (A–Z, 2–7).
problem-digits-range = Digits must be from 4 to 10.
problem-period-zero = The period must be at least 1 second.
problem-not-an-algorithm = “{ $value }” is not SHA1, SHA256 or SHA512.
problem-not-a-number = “{ $value }” is not a whole number.
problem-not-a-kind = “{ $value }” is not TOTP, HOTP or Steam.
problem-server-needed = Enter a server name, like pool.ntp.org.
problem-not-in-server-name = “{ $character }” cannot be in a server name.
problem-auto-lock-max = At most { $max } minutes (0 turns it off).
problem-clipboard-max = At most { $max } seconds (0 turns it off).
problem-language-unknown = Not a language Twofold speaks: { $languages }.
problem-shortcut-invalid = Not a shortcut ({ $reason }): write it like Ctrl+Alt+K or Super+Shift+2.
problem-shortcut-modifier = Needs Ctrl, Alt, Shift or Super with the key.
problem-shortcut-wayland = This Wayland desktop does not let an app take a key for itself: add a shortcut in your desktop's keyboard settings that runs “{ $command }”.
problem-shortcut-refused = The system refused it; another program may hold it ({ $reason }).
problem-passphrase-needed = Enter a passphrase.
problem-folder-absolute = A full path, starting with /.
problem-folder-unusable = This folder cannot be used ({ $reason }).
problem-computer-name-length = 1 to 64 characters.
problem-server-not-url = Not a web address (https://…).
problem-server-scheme = It must be an http or https address.
problem-link-or-server = Give a link or a server, not both.
problem-link-needed = Paste the link another computer shows.
problem-sync-link-invalid = This is not a sync link Twofold can use ({ $reason }).
problem-recovery-group-wrong = This is not group { $group } of the key shown.
problem-no-keychain-passphrase = No system keychain is available ({ $reason }): choose a passphrase for the vault.
problem-recovery-key-length = A recovery key has { $expected } characters (9 groups of 4); this one has { $found }. Check for a missing or extra group.
problem-recovery-key-character = “{ $character }” in group { $group } is not in a recovery key (they use 0–9 and A–Z without I, L, O, U).
problem-recovery-key-checksum = This recovery key has a typo: its last group (a checksum) does not match the others. Compare each group with what you wrote down.
problem-recovery-key-wrong = This is not the vault's current recovery key; nothing was changed.
problem-backup-password-wrong = Neither the recovery key nor a passphrase of this backup: check what you typed.
