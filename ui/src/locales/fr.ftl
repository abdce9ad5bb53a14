# Les messages de Twofold en français. Mêmes identifiants et mêmes $variables que en.ftl (un test le vérifie).

language-name = Français
app-name = Twofold

## The shell

opening = Ouverture…
dismiss-error = Fermer le message d’erreur
settings = Réglages
lock = Verrouiller
lock-label = Verrouiller le coffre
try-again = Réessayer
clock-off = Votre horloge n’est pas à l’heure.
backups-failing = Les sauvegardes échouent.
no-recovery-key-warning = Votre coffre n’a pas encore de clé de récupération. Sans elle, vos comptes sont perdus si le trousseau de cet ordinateur est réinitialisé ou si vous oubliez votre phrase secrète.
make-recovery-key = Créer ma clé de récupération
sync-through = Synchronisé via { $server }
sync-state-synced = Synchronisé
sync-state-syncing = Synchronisation…
sync-state-offline = Hors ligne
sync-state-error = Erreur de synchronisation
sync-state-locked = Synchronisation en pause

## Errors, by the code Rust sends (its own words follow where they add something)

error-no_vault = Il n’y a pas encore de coffre ici.
error-locked = Le coffre est verrouillé.
error-passphrase_required = Ce coffre demande sa phrase secrète.
error-wrong_passphrase = Phrase secrète incorrecte : rien n’a été ouvert.
error-no_keychain = Le trousseau du système est inaccessible.
error-invalid_uri = Ce lien ne peut pas être ajouté.
error-invalid_fields = Certains champs sont à corriger.
error-duplicate = Ce compte est déjà dans le coffre.
error-no_code = Aucun code QR n’a été trouvé.
error-not_found = Introuvable.
error-clipboard = Le presse-papiers n’a pas pu être utilisé.
error-push = Le serveur d’approbation des connexions a refusé ou est injoignable.
error-sync = La synchronisation a échoué.
error-disk_full = Le disque est plein : rien n’a été modifié. Libérez de la place et réessayez.
error-damaged = Le fichier du coffre est endommagé ou n’est pas un coffre. Il n’a pas été modifié : restaurez une copie.
error-newer_version = Ce coffre a été écrit par une version plus récente de Twofold : mettez l’application à jour.
error-key_missing = Le trousseau de cet ordinateur n’a pas de clé pour ce coffre.
error-no_recovery_key = Le coffre n’a pas de clé de récupération : il ne peut être restauré qu’à partir d’une sauvegarde.
error-already_exists = Un coffre existe déjà ici.
error-io = Un fichier n’a pas pu être lu ou écrit.
error-invalid_file = Ce fichier ne peut pas être importé.
error-internal = Quelque chose a échoué dans Twofold. Le redémarrer peut aider.

## The code list

search = Rechercher
search-label = Rechercher des comptes
sort-label = Trier les comptes
sort-name = Par nom
sort-recent = Utilisés récemment
sort-manual = Mon ordre
accounts = Comptes
row-label = { $issuer }, { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , { $seconds } seconde restante
       *[other] , { $seconds } secondes restantes
    }
row-label-unnamed = { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , { $seconds } seconde restante
       *[other] , { $seconds } secondes restantes
    }
next = Suivant
next-code-of = Code suivant de { $issuer } { $name }
manage = Gérer { $issuer } { $name }
copied = Copié
next-copied = Code suivant copié
upcoming = suivant { $code }
announce-copied = Code de { $who } copié.
announce-next-copied = Code suivant de { $who } copié.
announce-added = { $count ->
        [one] { $who } ajouté.
       *[other] { $count } comptes ajoutés.
    }
no-accounts = Pas encore de compte : scannez un code QR ou collez un lien ci-dessous.
no-match = Aucun compte ne correspond.
deleted = { $who } supprimé.
restored = { $who } est revenu.
undo = Annuler

## Adding accounts

add-account = Ajouter un compte
scanning = Analyse…
scan-screen = Scanner l’écran
scan-screen-label = Scanner l’écran à la recherche d’un code QR
open-image = Ouvrir une image…
open-image-label = Ouvrir une image… d’un code QR
paste = Coller
paste-label = Coller depuis le presse-papiers (une image ou un lien)
qr-image-file = Fichier image d’un code QR
import-file = Importer un fichier…
import-file-label = Importer un fichier… exporté par une autre application
import-file-input = Fichier d’export d’un autre authentificateur
link-label = Lien otpauth à ajouter
add = Ajouter
add-hint = Ou déposez une image ou un export (Aegis, 2FAS, Bitwarden, andOTP, Proton, une sauvegarde Twofold…) sur la fenêtre, ou appuyez sur Ctrl+V avec une image QR copiée.
close-form = Fermer le formulaire
enter-by-hand = Saisir une clé à la main

## One account's settings

field-issuer = Émetteur
field-account = Compte
field-tags = Étiquettes
tags-placeholder = travail, perso
automatic-colour = Couleur automatique
icon-colour = Couleur de l’icône
field-icon = Icône
icon-auto = Selon l’émetteur
icon-none = Aucune (initiales)
icon-pick = Une autre…
icon-name = Marque
icon-unknown = Aucune icône ne s’appelle « { $name } » : choisissez-en une dans la liste.
pin = Épingler en haut
move-up = Monter
move-down = Descendre
close = Fermer
save = Enregistrer
cancel = Annuler
delete-confirm = Supprimer { $who } ? Vous pourrez l’annuler juste après.
keep-it = Le garder
delete = Supprimer
delete-ellipsis = Supprimer…
qr-warning = Le code QR contient la clé secrète : quiconque le voit ou le photographie peut produire ces codes. Ne l’affichez que pour transférer le compte sur votre téléphone.
show-qr = Afficher le code QR
qr-alt = Code QR avec la clé secrète de { $issuer } { $name }
hide-qr = Masquer le code QR
show-as-qr = Afficher en code QR…

## Entering a key by hand

add-by-hand = Ajouter un compte à la main
field-secret = Clé secrète
field-kind = Type
kind-totp = Basé sur le temps
kind-hotp = Basé sur un compteur
kind-steam = Steam
field-algorithm = Algorithme
field-digits = Chiffres
field-counter = Compteur
field-period = Période (s)
add-account-button = Ajouter le compte

## What a scan, link or file would add

accounts-to-add = Comptes à ajouter
enrollment = Inscription à l’approbation des connexions
enroll-title = Approuver les connexions depuis cet ordinateur ?
a-website = Un site web
enroll-text = { $app } sur { $server } demande à envoyer des demandes de connexion ici. Ses codes sont ajoutés aussi.
enrolling = Inscription…
enroll = Inscrire cet ordinateur
enrolled = Cet ordinateur approuve désormais les connexions à { $app } sous le nom « { $name } ».
add-title = { $count ->
        [one] Ajouter ce compte ?
       *[other] Ajouter { $count } comptes ?
    }
add-one = Ajouter { $issuer } { $name }
unnamed = (sans nom)
detail = { $digits } chiffres, { $algorithm }, { $how }
detail-counter = compteur
detail-every = toutes les { $period } s
detail-tags = étiquettes : { $tags }
already-as = Déjà dans le coffre sous { $who }
cannot-import = Import impossible
skipped = Ignoré
add-count = { $count ->
        [one] Ajouter
       *[other] Ajouter { $count }
    }

## Importing another app's export

export-password = Mot de passe de l’export
export-password-text = Ce fichier { $format } est chiffré. Saisissez le mot de passe choisi dans { $app } lors de l’export.
field-password = Mot de passe
wrong-password = Mot de passe incorrect : rien n’a été ouvert. Réessayez.
open = Ouvrir
import-report = Rapport d’import
imported = { $count ->
        [one] { $count } compte importé.
       *[other] { $count } comptes importés.
    }
imported-duplicates = { $count } déjà dans Twofold, ignorés.
imported-unticked = { $count } laissés de côté par vous.
imported-problems = { $count } n’ont pas pu être importés :
ok = OK

## Backups

backups = Sauvegardes
backup-failed = La dernière sauvegarde a échoué :
backup-last = { $count ->
        [one] Dernière sauvegarde : { $when }, { $count } compte, vérifiée.
       *[other] Dernière sauvegarde : { $when }, { $count } comptes, vérifiée.
    }
backup-kept = { $count } conservées.
backups-off = Les sauvegardes automatiques sont désactivées.
backup-none = Pas encore de sauvegarde.
backup-needs-key = Les sauvegardes ont besoin d’une clé de récupération ou d’une phrase secrète de sauvegarde pour s’ouvrir sans cet ordinateur.
backup-folder = Dossier de sauvegarde
backup-automatic = Sauvegarder automatiquement après chaque modification et chaque jour
backup-folder-label = Dossier (un dossier synchronisé par votre stockage en ligne est un bon choix ; vide : celui par défaut)
backup-now = Sauvegarder maintenant
backup-save-folder = Enregistrer le dossier
backup-passphrase = Phrase secrète de sauvegarde
backup-passphrase-set = Les sauvegardes s’ouvrent aussi avec votre phrase secrète de sauvegarde.
backup-passphrase-explain = Une phrase secrète de sauvegarde ouvre les sauvegardes comme la clé de récupération (le coffre n’en garde que la moitié publique).
backup-passphrase-replace = Remplacer la phrase secrète de sauvegarde
again = Encore une fois
remove = Retirer
set = Définir
has-recovery-key = Votre coffre a une clé de récupération.
has-no-recovery-key = Votre coffre n’a pas de clé de récupération.
make-new-recovery-key = Créer une nouvelle clé de récupération

## The clock

clock = Horloge
clock-unchecked = Pas encore vérifiée : inscrivez-vous à l’approbation des connexions ou indiquez un serveur NTP pour la vérifier.
clock-wrong = Décalée :
clock-right = À l’heure : à { $seconds } s près de { $source }.
clock-ntp = Interroger aussi ce serveur NTP (vide : seulement le serveur push)
check-now = Vérifier maintenant

## Export

export-password-short = Choisissez un mot de passe d’au moins { $min } caractères.
passwords-differ = Les deux mots de passe diffèrent.
export-tick = Cochez la case pour confirmer que vous comprenez que le fichier n’est pas chiffré.
export-accounts = Exporter les comptes
export = Exporter
export-format = Format
export-twofold-hint = Tout, chiffré : restaurable sur n’importe quel ordinateur avec Twofold, avec ce mot de passe et sans trousseau.
export-encrypted-hint = Chiffré avec ce mot de passe, que l’autre application demandera.
repeat-password = Répéter le mot de passe
export-plain-codes = Non chiffré : quiconque voit ces codes peut copier chaque compte et produire ses codes. Ne les montrez qu’à votre propre téléphone.
export-plain-file = Non chiffré : quiconque lit ce fichier peut copier chaque compte et produire ses codes. Supprimez le fichier une fois importé par l’autre application.
i-understand = Je comprends
exporting = Export…
show-qr-codes = Afficher les codes QR
exported = { $count ->
        [one] { $count } compte exporté vers
       *[other] { $count } comptes exportés vers
    }
left-out = Laissés de côté :
google-codes = Codes d’export pour Google Authenticator
google-codes-how = Dans Google Authenticator : « Transférer des comptes » → « Importer des comptes », puis scannez le code { $page } sur { $pages }.
qr-page = Code QR { $page } sur { $pages }
google-cannot-hold = Google Authenticator ne peut pas contenir :
previous = Précédent
done = Terminé

## The keychain

vault-at-risk = Votre coffre est en danger
keychain-unreachable = Le trousseau du système est inaccessible ({ $reason }). Vos codes fonctionnent tant que Twofold reste ouvert, mais le coffre ne s’ouvrira plus avant le retour du trousseau : protégez-le maintenant par une phrase secrète.
keychain-restored = La clé du coffre avait disparu du trousseau du système ; Twofold l’a remise.
new-passphrase = Nouvelle phrase secrète
passphrase-again = Phrase secrète, encore une fois
passphrases-differ = Les deux phrases secrètes diffèrent.
protect-with-passphrase = Protéger par cette phrase secrète
dismiss-notice = Fermer l’avis

## Recovering the vault

recover-vault = Récupérer mon coffre
recover-reason = Le trousseau de cet ordinateur ne contient pas la clé de votre coffre (un nouvel ordinateur, ou un trousseau réinitialisé). Vos comptes sont toujours dans le fichier du coffre : ouvrez-le avec votre clé de récupération, ou restaurez une sauvegarde.
recover-how = Comment récupérer
recover-with-key = Avec ma clé de récupération
recover-from-backup = À partir d’un fichier de sauvegarde
recover-with-key-form = Récupérer avec la clé de récupération
recovery-key-field = Clé de récupération (neuf groupes de quatre ; majuscules et espaces sans importance)
recover-passphrase-had = Nouvelle phrase secrète (le coffre en avait une : choisissez-la à nouveau ou une nouvelle)
recover-passphrase-optional = Nouvelle phrase secrète (facultative ; sans elle, la clé va dans le trousseau de cet ordinateur)
recover = Récupérer
recover-backup-text = La sauvegarde devient votre coffre. Le coffre qui ne s’ouvre pas reste à côté, renommé, au cas où sa clé réapparaîtrait.
back = Retour

## The recovery key

recovery-key-new = Une nouvelle clé de récupération
recovery-key-yours = Votre clé de récupération
recovery-key-explain = Elle ouvre votre coffre et vos sauvegardes si le trousseau de cet ordinateur est réinitialisé, si vous oubliez votre phrase secrète ou si vous changez d’ordinateur. Elle n’est affichée que maintenant : notez-la ou imprimez-la, et gardez-la loin de cet ordinateur.
recovery-key-replaces = Dès que vous la confirmez, votre ancienne clé de récupération ne fonctionne plus pour ce coffre.
recovery-key-label = Clé de récupération : { $groups }
print = Imprimer
later = Plus tard
wrote-it-down = Je l’ai notée
recovery-key-confirm = Pour être sûr qu’elle est notée, saisissez ces groupes de votre clé de récupération.
group = Groupe { $number }
show-key-again = Réafficher la clé
confirm = Confirmer
making-key = Création de la clé…

## Restoring a backup

pick-another-backup = Choisir un autre fichier de sauvegarde…
choose-backup = Choisir un fichier de sauvegarde…
backup-file = Fichier de sauvegarde
restore-backup = Restaurer la sauvegarde
backup-written = Une sauvegarde écrite le { $when }. Elle s’ouvre avec { $opens }.
opens-with-recovery-key = votre clé de récupération
opens-with-backup-passphrase = votre phrase secrète de sauvegarde
opens-with-passphrase = la phrase secrète utilisée pour l’export
or = {" "}ou{" "}
restore-password = Clé de récupération ou phrase secrète de sauvegarde
restore-passphrase-needed = Nouvelle phrase secrète pour le coffre (nécessaire : pas de trousseau ici)
restore-passphrase-optional = Nouvelle phrase secrète pour le coffre (facultative)
restore = Restaurer

## Settings

whole-number = un nombre entier, 0 ou plus
language = Langue
language-system = Langue du système
auto-lock = Verrouiller après ce nombre de minutes d’inactivité (0 : jamais)
clipboard-clear = Effacer un code copié après ce nombre de secondes (0 : jamais)
global-shortcut = Raccourci global : fait apparaître Twofold, la recherche prête (vide : aucun)
global-shortcut-hint = Par exemple Ctrl+Alt+K. Tapez pour chercher, Entrée copie et la fenêtre disparaît. Sous Wayland, donnez à votre bureau un raccourci qui lance « twofold-desktop --quick ».
close-to-tray = Fermer la fenêtre garde Twofold dans la zone de notification
start-at-login = Démarrer avec ma session, en arrière-plan (pour les approbations de connexion)
unlock-to-approve = N’approuver les connexions que lorsque Twofold est déverrouillé
keys-hint = Touches : tapez pour chercher · ↑ ↓ se déplacer · Entrée copie · N copie le code suivant · Ctrl+L verrouille.

## Sync

sync = Synchronisation
this-computer-default = Cet ordinateur
sync-remove-confirm = Retirer { $name } ? Il garde ce qu’il a, mais ne lit plus rien de ce qui sera écrit désormais.
sync-leave-confirm = Arrêter de synchroniser cet ordinateur ? Ses comptes restent ici.
sync-explain = Gardez les mêmes comptes sur vos ordinateurs grâce à votre propre serveur Twofold. Il les stocke chiffrés : il ne peut lire aucun code.
sync-link-field = Lien de votre autre ordinateur (Réglages → Synchronisation → Lier un autre ordinateur), ou une invitation
sync-server-field = Ou commencer un nouvel espace sur un serveur
sync-name-field = Nom de cet ordinateur
sync-start = Commencer la synchronisation
sync-as = En tant que { $name } via { $server }.
sync-not-syncing = Pas de synchronisation
sync-last = Dernière synchronisation : { $when }.
sync-pending = { $count ->
        [one] { $count } modification pas encore envoyée.
       *[other] { $count } modifications pas encore envoyées.
    }
sync-computers = Ordinateurs de cet espace
sync-this-computer = { $name } (cet ordinateur)
sync-seen = vu le { $when }
sync-not-seen = pas encore vu
remove-named = Retirer { $name }
sync-link-how = Sur l’autre ordinateur : Réglages → Synchronisation, collez ce lien (ou scannez le code). Il fonctionne une fois, pendant { $minutes } minutes.
sync-link-qr = Code QR du lien
sync-the-link = Le lien
sync-leave = Quitter
sync-now = Synchroniser maintenant
sync-link-another = Lier un autre ordinateur

## Unlocking

restore-from-backup = Restaurer une sauvegarde
restore-explain = Choisissez un fichier de sauvegarde Twofold (.twofold-backup) : ses comptes deviennent votre nouveau coffre.
welcome = Bienvenue dans Twofold
welcome-explain = Vos codes sont conservés dans un coffre chiffré. Sa clé va dans le trousseau de votre système ; ajoutez une phrase secrète si vous voulez aussi en saisir une pour déverrouiller.
passphrase-optional = Phrase secrète (facultative)
unlock = Déverrouiller
passphrase = Phrase secrète
key-in-keychain = La clé du coffre est dans le trousseau de votre système.
create-vault = Créer le coffre
forgot-passphrase = Phrase secrète oubliée ? Récupérer mon coffre

## Login approval

left-hours = encore { $hours } h { $minutes } min
left-minutes = encore { $minutes } min { $seconds } s
left-seconds = encore { $seconds } s
type-the-number = Saisissez le nombre à deux chiffres affiché par le site.
approved = Approuvée.
denied-wrong-number = Mauvais nombre : la connexion a été refusée.
denied-reported = Refusée et signalée.
denied = Refusée.
login-waits = Une connexion attend votre approbation : déverrouillez Twofold pour y répondre.
show = Afficher
approval-request = Demande d’approbation
approval-from = Depuis { $where }
approval-to = pour { $device }
more-waiting = { $count } autres en attente
type-number-label = Saisissez le nombre affiché sur le site
number-on-website = Nombre affiché sur le site
approve-only-unlocked = Vous n’approuvez les connexions que lorsque Twofold est déverrouillé (votre réglage).
not-me = Ce n’était pas moi
deny = Refuser
unlock-to-approve-button = Déverrouiller pour approuver
approve = Approuver
login-approval = Approbation des connexions
no-push-devices = Aucun site n’envoie de demandes de connexion ici. Pour en ajouter un, ouvrez le code QR d’inscription qu’il affiche, comme n’importe quel code QR.
stop-approving = Ne plus approuver ici
keep = Garder

## The tray and notifications (shown by Rust)

tray-tooltip-status = Twofold : { $status }
tray-waiting = { $count ->
        [one] { $count } connexion attend une approbation
       *[other] { $count } connexions attendent une approbation
    }
tray-backups-failing = les sauvegardes échouent
tray-status-join = { $first } ; { $second }
tray-backups-item = ⚠ Les sauvegardes échouent : ouvrir Twofold
tray-copy = Copier le code de { $who }
tray-show = Afficher Twofold
tray-lock = Verrouiller
tray-quit = Quitter
notify-summary = { $app } : approuver cette connexion ?

## What is wrong with a field (checked by Rust; shown beside the field)

problem-name-needed = Donnez au compte un émetteur ou un nom.
problem-too-long = { $max } caractères au plus.
problem-control-characters = Pas de caractères de contrôle (sauts de ligne, tabulations).
problem-tag-too-long = « { $tag } » : une étiquette a { $max } caractères au plus.
problem-too-many-tags = { $max } étiquettes au plus.
problem-not-a-colour = « { $value } » n’est pas une couleur comme #3a7bd5.
problem-not-an-icon = « { $value } » n’est pas un nom d’icône (lettres minuscules et chiffres, { $max } au plus).
problem-secret-needed = Le secret est requis.
problem-not-base32 = « { $character } » en position { $position } n’est pas un caractère base32 (A–Z, 2–7).
problem-digits-range = Le nombre de chiffres doit être de 4 à 10.
problem-period-zero = La période doit être d’au moins 1 seconde.
problem-not-an-algorithm = « { $value } » n’est ni SHA1, ni SHA256, ni SHA512.
problem-not-a-number = « { $value } » n’est pas un nombre entier.
problem-not-a-kind = « { $value } » n’est ni TOTP, ni HOTP, ni Steam.
problem-server-needed = Saisissez un nom de serveur, comme pool.ntp.org.
problem-not-in-server-name = « { $character } » ne peut pas figurer dans un nom de serveur.
problem-auto-lock-max = { $max } minutes au plus (0 le désactive).
problem-clipboard-max = { $max } secondes au plus (0 le désactive).
problem-language-unknown = Twofold ne parle pas cette langue : { $languages }.
problem-shortcut-invalid = Ce n’est pas un raccourci ({ $reason }) : écrivez-le comme Ctrl+Alt+K ou Super+Shift+2.
problem-shortcut-modifier = Il faut Ctrl, Alt, Shift ou Super avec la touche.
problem-shortcut-wayland = Ce bureau Wayland ne laisse pas une application prendre une touche pour elle : ajoutez dans les réglages clavier de votre bureau un raccourci qui lance « { $command } ».
problem-shortcut-refused = Le système l’a refusé ; un autre programme le tient peut-être ({ $reason }).
problem-passphrase-needed = Saisissez une phrase secrète.
problem-folder-absolute = Un chemin complet, commençant par /.
problem-folder-unusable = Ce dossier ne peut pas être utilisé ({ $reason }).
problem-computer-name-length = De 1 à 64 caractères.
problem-server-not-url = Ce n’est pas une adresse web (https://…).
problem-server-scheme = Il faut une adresse http ou https.
problem-link-or-server = Donnez un lien ou un serveur, pas les deux.
problem-link-needed = Collez le lien qu’affiche un autre ordinateur.
problem-sync-link-invalid = Ce n’est pas un lien de synchronisation utilisable par Twofold ({ $reason }).
problem-recovery-group-wrong = Ce n’est pas le groupe { $group } de la clé affichée.
problem-no-keychain-passphrase = Aucun trousseau système n’est disponible ({ $reason }) : choisissez une phrase secrète pour le coffre.
problem-recovery-key-length = Une clé de récupération a { $expected } caractères (9 groupes de 4) ; celle-ci en a { $found }. Vérifiez qu’il ne manque pas de groupe et qu’il n’y en a pas en trop.
problem-recovery-key-character = « { $character } » dans le groupe { $group } ne figure dans aucune clé de récupération (elles utilisent 0–9 et A–Z sans I, L, O, U).
problem-recovery-key-checksum = Cette clé de récupération contient une faute de frappe : son dernier groupe (une somme de contrôle) ne correspond pas aux autres. Comparez chaque groupe avec ce que vous avez noté.
problem-recovery-key-wrong = Ce n’est pas la clé de récupération actuelle de ce coffre ; rien n’a été modifié.
problem-backup-password-wrong = Ni la clé de récupération ni une phrase secrète de cette sauvegarde : vérifiez ce que vous avez saisi.
