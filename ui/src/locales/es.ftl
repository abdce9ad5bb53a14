# Los mensajes de Twofold en español. Mismos identificadores y $variables que en.ftl (una prueba lo comprueba).

language-name = Español
app-name = Twofold

## The shell

opening = Abriendo…
dismiss-error = Cerrar el mensaje de error
settings = Ajustes
lock = Bloquear
lock-label = Bloquear la bóveda
try-again = Reintentar
clock-off = Su reloj no está en hora.
backups-failing = Las copias de seguridad fallan.
no-recovery-key-warning = Su bóveda aún no tiene clave de recuperación. Sin ella, sus cuentas se pierden si se restablece el llavero de este ordenador o si olvida su frase de contraseña.
make-recovery-key = Crear mi clave de recuperación
sync-through = Sincronizando a través de { $server }
sync-state-synced = Sincronizado
sync-state-syncing = Sincronizando…
sync-state-offline = Sin conexión
sync-state-error = Error de sincronización
sync-state-locked = Sincronización en pausa

## Errors, by the code Rust sends (its own words follow where they add something)

error-no_vault = Aquí aún no hay ninguna bóveda.
error-locked = La bóveda está bloqueada.
error-passphrase_required = Esta bóveda necesita su frase de contraseña.
error-wrong_passphrase = Frase de contraseña incorrecta: no se abrió nada.
error-no_keychain = El llavero del sistema no está accesible.
error-invalid_uri = Este enlace no se puede añadir.
error-invalid_fields = Algunos campos necesitan corrección.
error-duplicate = Esta cuenta ya está en la bóveda.
error-no_code = No se encontró ningún código QR.
error-not_found = No encontrado.
error-clipboard = No se pudo usar el portapapeles.
error-push = El servidor de aprobación de inicios de sesión rechazó la solicitud o no está accesible.
error-sync = La sincronización falló.
error-disk_full = El disco está lleno: no se cambió nada. Libere espacio y vuelva a intentarlo.
error-damaged = El archivo de la bóveda está dañado o no es una bóveda. No se modificó: restaure una copia.
error-newer_version = Esta bóveda la escribió una versión más reciente de Twofold: actualice la aplicación.
error-key_missing = El llavero de este ordenador no tiene ninguna clave para la bóveda.
error-no_recovery_key = La bóveda no tiene clave de recuperación: solo se puede restaurar desde una copia de seguridad.
error-already_exists = Aquí ya existe una bóveda.
error-io = No se pudo leer o escribir un archivo.
error-invalid_file = Este archivo no se puede importar.
error-internal = Algo falló dentro de Twofold. Reiniciarlo puede ayudar.

## The code list

search = Buscar
search-label = Buscar cuentas
sort-label = Ordenar cuentas
sort-name = Por nombre
sort-recent = Usadas recientemente
sort-manual = Mi orden
accounts = Cuentas
row-label = { $issuer }, { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , queda { $seconds } segundo
       *[other] , quedan { $seconds } segundos
    }
row-label-unnamed = { $name }, { $code }{ $seconds ->
        [none] {""}
        [one] , queda { $seconds } segundo
       *[other] , quedan { $seconds } segundos
    }
next = Siguiente
next-code-of = Código siguiente de { $issuer } { $name }
manage = Gestionar { $issuer } { $name }
copied = Copiado
next-copied = Código siguiente copiado
upcoming = siguiente { $code }
announce-copied = Código de { $who } copiado.
announce-next-copied = Código siguiente de { $who } copiado.
announce-added = { $count ->
        [one] { $who } añadida.
       *[other] { $count } cuentas añadidas.
    }
no-accounts = Aún no hay cuentas: escanee un código QR o pegue un enlace abajo.
no-match = Ninguna cuenta coincide.
deleted = { $who } eliminada.
restored = { $who } ha vuelto.
undo = Deshacer

## Adding accounts

add-account = Añadir una cuenta
scanning = Escaneando…
scan-screen = Escanear pantalla
scan-screen-label = Escanear pantalla en busca de un código QR
open-image = Abrir imagen…
open-image-label = Abrir imagen… de un código QR
paste = Pegar
paste-label = Pegar desde el portapapeles (una imagen o un enlace)
qr-image-file = Archivo de imagen de un código QR
import-file = Importar archivo…
import-file-label = Importar archivo… exportado por otra aplicación
import-file-input = Archivo exportado por otro autenticador
link-label = Enlace otpauth para añadir
add = Añadir
add-hint = O suelte una imagen o una exportación (Aegis, 2FAS, Bitwarden, andOTP, Proton, una copia de Twofold…) en la ventana, o pulse Ctrl+V con una imagen QR copiada.
close-form = Cerrar el formulario
enter-by-hand = Introducir una clave a mano

## One account's settings

field-issuer = Emisor
field-account = Cuenta
field-tags = Etiquetas
tags-placeholder = trabajo, personal
automatic-colour = Color automático
icon-colour = Color del icono
field-icon = Icono
icon-auto = Según el emisor
icon-none = Ninguno (iniciales)
icon-pick = Otro…
icon-name = Marca
icon-unknown = Ningún icono se llama «{ $name }»: elija uno de la lista.
pin = Fijar arriba
move-up = Subir
move-down = Bajar
close = Cerrar
save = Guardar
cancel = Cancelar
delete-confirm = ¿Eliminar { $who }? Puede deshacerlo justo después.
keep-it = Conservarla
delete = Eliminar
delete-ellipsis = Eliminar…
qr-warning = El código QR contiene la clave secreta: cualquiera que lo vea o lo fotografíe puede generar estos códigos. Muéstrelo solo para pasar la cuenta a su teléfono.
show-qr = Mostrar el código QR
qr-alt = Código QR con la clave secreta de { $issuer } { $name }
hide-qr = Ocultar el código QR
show-as-qr = Mostrar como código QR…

## Entering a key by hand

add-by-hand = Añadir una cuenta a mano
field-secret = Clave secreta
field-kind = Tipo
kind-totp = Basado en tiempo
kind-hotp = Basado en contador
kind-steam = Steam
field-algorithm = Algoritmo
field-digits = Dígitos
field-counter = Contador
field-period = Periodo (s)
add-account-button = Añadir cuenta

## What a scan, link or file would add

accounts-to-add = Cuentas para añadir
enrollment = Registro para aprobar inicios de sesión
enroll-title = ¿Aprobar inicios de sesión desde este ordenador?
a-website = Un sitio web
enroll-text = { $app } en { $server } pide enviar solicitudes de inicio de sesión aquí. También se añaden sus códigos.
enrolling = Registrando…
enroll = Registrar este ordenador
enrolled = Este ordenador ya aprueba los inicios de sesión de { $app } como «{ $name }».
add-title = { $count ->
        [one] ¿Añadir esta cuenta?
       *[other] ¿Añadir { $count } cuentas?
    }
add-one = Añadir { $issuer } { $name }
unnamed = (sin nombre)
detail = { $digits } dígitos, { $algorithm }, { $how }
detail-counter = contador
detail-every = cada { $period } s
detail-tags = etiquetas: { $tags }
already-as = Ya está en la bóveda como { $who }
cannot-import = No se puede importar
skipped = Omitida
add-count = { $count ->
        [one] Añadir
       *[other] Añadir { $count }
    }

## Importing another app's export

export-password = Contraseña de la exportación
export-password-text = Este archivo de { $format } está cifrado. Escriba la contraseña que eligió en { $app } al exportarlo.
field-password = Contraseña
wrong-password = Contraseña incorrecta: no se abrió nada. Vuelva a intentarlo.
open = Abrir
import-report = Informe de importación
imported = { $count ->
        [one] { $count } cuenta importada.
       *[other] { $count } cuentas importadas.
    }
imported-duplicates = { $count } ya estaban en Twofold, omitidas.
imported-unticked = { $count } dejadas fuera por usted.
imported-problems = { $count } no se pudieron importar:
ok = Aceptar

## Backups

backups = Copias de seguridad
backup-failed = La última copia de seguridad falló:
backup-last = { $count ->
        [one] Última copia: { $when }, { $count } cuenta, verificada.
       *[other] Última copia: { $when }, { $count } cuentas, verificada.
    }
backup-kept = { $count } guardadas.
backups-off = Las copias automáticas están desactivadas.
backup-none = Aún no hay ninguna copia.
backup-needs-key = Las copias necesitan una clave de recuperación o una frase de contraseña de copia para abrirse sin este ordenador.
backup-folder = Carpeta de copias
backup-automatic = Hacer copia automáticamente tras cada cambio y a diario
backup-folder-label = Carpeta (una carpeta que sincronice su nube es una buena elección; vacía: la predeterminada)
backup-now = Hacer copia ahora
backup-save-folder = Guardar carpeta
backup-passphrase = Frase de contraseña de copia
backup-passphrase-set = Las copias también se abren con su frase de contraseña de copia.
backup-passphrase-explain = Una frase de contraseña de copia abre las copias igual que la clave de recuperación (la bóveda solo guarda su mitad pública).
backup-passphrase-replace = Sustituir la frase de contraseña de copia
again = Otra vez
remove = Quitar
set = Establecer
has-recovery-key = Su bóveda tiene una clave de recuperación.
has-no-recovery-key = Su bóveda no tiene clave de recuperación.
make-new-recovery-key = Crear una clave de recuperación nueva

## The clock

clock = Reloj
clock-unchecked = Aún no comprobado: regístrese para aprobar inicios de sesión o indique un servidor NTP para comprobarlo.
clock-wrong = Desajustado:
clock-right = En hora: a menos de { $seconds } s de { $source }.
clock-ntp = Preguntar también a este servidor NTP (vacío: solo al servidor push)
check-now = Comprobar ahora

## Export

export-password-short = Elija una contraseña de al menos { $min } caracteres.
passwords-differ = Las dos contraseñas no coinciden.
export-tick = Marque la casilla para confirmar que entiende que el archivo no está cifrado.
export-accounts = Exportar cuentas
export = Exportar
export-format = Formato
export-twofold-hint = Todo, cifrado: restáurelo en cualquier ordenador con Twofold, con esta contraseña y sin llavero.
export-encrypted-hint = Cifrado con esta contraseña, que la otra aplicación le pedirá.
repeat-password = Repita la contraseña
export-plain-codes = Sin cifrar: cualquiera que vea estos códigos puede copiar todas las cuentas y generar sus códigos. Muéstrelos solo a su propio teléfono.
export-plain-file = Sin cifrar: cualquiera que lea este archivo puede copiar todas las cuentas y generar sus códigos. Elimine el archivo cuando la otra aplicación lo haya importado.
i-understand = Lo entiendo
exporting = Exportando…
show-qr-codes = Mostrar los códigos QR
exported = { $count ->
        [one] { $count } cuenta exportada a
       *[other] { $count } cuentas exportadas a
    }
left-out = Dejadas fuera:
google-codes = Códigos de exportación para Google Authenticator
google-codes-how = En Google Authenticator: «Transferir cuentas» → «Importar cuentas», y escanee el código { $page } de { $pages }.
qr-page = Código QR { $page } de { $pages }
google-cannot-hold = Google Authenticator no puede guardar:
previous = Anterior
done = Hecho

## The keychain

vault-at-risk = Su bóveda está en peligro
keychain-unreachable = El llavero del sistema no está accesible ({ $reason }). Sus códigos funcionan mientras Twofold siga abierto, pero la bóveda no volverá a abrirse hasta que vuelva el llavero: protéjala ahora con una frase de contraseña.
keychain-restored = La clave de la bóveda había desaparecido del llavero del sistema; Twofold la volvió a poner.
new-passphrase = Nueva frase de contraseña
passphrase-again = Frase de contraseña otra vez
passphrases-differ = Las dos frases de contraseña no coinciden.
protect-with-passphrase = Proteger con esta frase de contraseña
dismiss-notice = Cerrar el aviso

## Recovering the vault

recover-vault = Recuperar mi bóveda
recover-reason = El llavero de este ordenador no contiene la clave de su bóveda (un ordenador nuevo, o un llavero restablecido). Sus cuentas siguen en el archivo de la bóveda: ábralo con su clave de recuperación o restaure una copia.
recover-how = Cómo recuperar
recover-with-key = Con mi clave de recuperación
recover-from-backup = Desde un archivo de copia
recover-with-key-form = Recuperar con la clave de recuperación
recovery-key-field = Clave de recuperación (nueve grupos de cuatro; mayúsculas y espacios dan igual)
recover-passphrase-had = Nueva frase de contraseña (la bóveda tenía una: elíjala de nuevo o una nueva)
recover-passphrase-optional = Nueva frase de contraseña (opcional; sin ella la clave va al llavero de este ordenador)
recover = Recuperar
recover-backup-text = La copia se convierte en su bóveda. La bóveda que no se puede abrir queda al lado, renombrada, por si aparece su clave.
back = Volver

## The recovery key

recovery-key-new = Una nueva clave de recuperación
recovery-key-yours = Su clave de recuperación
recovery-key-explain = Abre su bóveda y sus copias si se restablece el llavero de este ordenador, olvida su frase de contraseña o cambia de ordenador. Solo se muestra ahora: anótela o imprímala, y guárdela lejos de este ordenador.
recovery-key-replaces = En cuanto la confirme, su antigua clave de recuperación deja de servir para esta bóveda.
recovery-key-label = Clave de recuperación: { $groups }
print = Imprimir
later = Más tarde
wrote-it-down = Ya la anoté
recovery-key-confirm = Para asegurarnos de que está anotada, escriba estos grupos de su clave de recuperación.
group = Grupo { $number }
show-key-again = Mostrar la clave otra vez
confirm = Confirmar
making-key = Creando la clave…

## Restoring a backup

pick-another-backup = Elegir otro archivo de copia…
choose-backup = Elegir un archivo de copia…
backup-file = Archivo de copia
restore-backup = Restaurar la copia
backup-written = Una copia escrita el { $when }. Se abre con { $opens }.
opens-with-recovery-key = su clave de recuperación
opens-with-backup-passphrase = su frase de contraseña de copia
opens-with-passphrase = la frase de contraseña con la que se exportó
or = {" "}o{" "}
restore-password = Clave de recuperación o frase de contraseña de copia
restore-passphrase-needed = Nueva frase de contraseña para la bóveda (necesaria: aquí no hay llavero)
restore-passphrase-optional = Nueva frase de contraseña para la bóveda (opcional)
restore = Restaurar

## Settings

whole-number = un número entero, 0 o más
language = Idioma
language-system = Idioma del sistema
auto-lock = Bloquear tras estos minutos sin actividad (0: nunca)
clipboard-clear = Borrar un código copiado tras estos segundos (0: nunca)
global-shortcut = Atajo global: trae Twofold con la búsqueda lista (vacío: ninguno)
global-shortcut-hint = Por ejemplo Ctrl+Alt+K. Escriba para buscar, Intro copia y la ventana se oculta de nuevo. En Wayland, cree en su escritorio un atajo que ejecute «twofold-desktop --quick».
close-to-tray = Cerrar la ventana deja Twofold en la bandeja
start-at-login = Iniciar con mi sesión, en segundo plano (para aprobar inicios de sesión)
unlock-to-approve = Aprobar inicios de sesión solo mientras Twofold esté desbloqueado
keys-hint = Teclas: escriba para buscar · ↑ ↓ moverse · Intro copia · N copia el código siguiente · Ctrl+L bloquea.

## Sync

sync = Sincronización
this-computer-default = Este ordenador
sync-remove-confirm = ¿Quitar { $name }? Conserva lo que tiene, pero no leerá nada de lo que se escriba a partir de ahora.
sync-leave-confirm = ¿Dejar de sincronizar este ordenador? Sus cuentas se quedan aquí.
sync-explain = Mantenga las mismas cuentas en sus ordenadores a través de su propio servidor Twofold. Las guarda cifradas: no puede leer ni un solo código.
sync-link-field = Enlace de su otro ordenador (Ajustes → Sincronización → Vincular otro ordenador), o una invitación
sync-server-field = O empezar un espacio nuevo en un servidor
sync-name-field = Nombre de este ordenador
sync-start = Empezar a sincronizar
sync-as = Como { $name } a través de { $server }.
sync-not-syncing = Sin sincronizar
sync-last = Última sincronización: { $when }.
sync-pending = { $count ->
        [one] { $count } cambio aún sin enviar.
       *[other] { $count } cambios aún sin enviar.
    }
sync-computers = Ordenadores de este espacio
sync-this-computer = { $name } (este ordenador)
sync-seen = visto el { $when }
sync-not-seen = aún no visto
remove-named = Quitar { $name }
sync-link-how = En el otro ordenador: Ajustes → Sincronización, pegue este enlace (o escanee el código). Funciona una vez, durante { $minutes } minutos.
sync-link-qr = Código QR del enlace
sync-the-link = El enlace
sync-leave = Salir
sync-now = Sincronizar ahora
sync-link-another = Vincular otro ordenador

## Unlocking

restore-from-backup = Restaurar desde una copia
restore-explain = Elija un archivo de copia de Twofold (.twofold-backup): sus cuentas pasan a ser su nueva bóveda.
welcome = Bienvenido a Twofold
welcome-explain = Sus códigos se guardan en una bóveda cifrada. Su clave va al llavero del sistema; añada una frase de contraseña si también quiere escribir una para desbloquear.
passphrase-optional = Frase de contraseña (opcional)
unlock = Desbloquear
passphrase = Frase de contraseña
key-in-keychain = La clave de la bóveda está en el llavero de su sistema.
create-vault = Crear la bóveda
forgot-passphrase = ¿Olvidó su frase de contraseña? Recuperar mi bóveda

## Login approval

left-hours = quedan { $hours } h { $minutes } min
left-minutes = quedan { $minutes } min { $seconds } s
left-seconds = quedan { $seconds } s
type-the-number = Escriba el número de dos cifras que muestra el sitio web.
approved = Aprobado.
denied-wrong-number = Número incorrecto: se denegó el inicio de sesión.
denied-reported = Denegado y notificado.
denied = Denegado.
login-waits = Un inicio de sesión espera su aprobación: desbloquee Twofold para responder.
show = Mostrar
approval-request = Solicitud de aprobación
approval-from = Desde { $where }
approval-to = para { $device }
more-waiting = { $count } más en espera
type-number-label = Escriba el número que muestra el sitio web
number-on-website = Número que muestra el sitio web
approve-only-unlocked = Solo aprueba inicios de sesión mientras Twofold esté desbloqueado (su ajuste).
not-me = No he sido yo
deny = Denegar
unlock-to-approve-button = Desbloquear para aprobar
approve = Aprobar
login-approval = Aprobación de inicios de sesión
no-push-devices = Ningún sitio web envía aquí solicitudes de inicio de sesión. Para añadir uno, abra el código QR de registro que muestra, como cualquier código QR.
stop-approving = Dejar de aprobar aquí
keep = Conservar

## The tray and notifications (shown by Rust)

tray-tooltip-status = Twofold: { $status }
tray-waiting = { $count ->
        [one] { $count } inicio de sesión espera aprobación
       *[other] { $count } inicios de sesión esperan aprobación
    }
tray-backups-failing = las copias de seguridad fallan
tray-status-join = { $first }; { $second }
tray-backups-item = ⚠ Las copias de seguridad fallan: abrir Twofold
tray-copy = Copiar el código de { $who }
tray-show = Mostrar Twofold
tray-lock = Bloquear
tray-quit = Salir
notify-summary = { $app }: ¿aprobar este inicio de sesión?

## What is wrong with a field (checked by Rust; shown beside the field)

problem-name-needed = Dé a la cuenta un emisor o un nombre.
problem-too-long = Como máximo { $max } caracteres.
problem-control-characters = Sin caracteres de control (saltos de línea, tabuladores).
problem-tag-too-long = «{ $tag }»: una etiqueta tiene como máximo { $max } caracteres.
problem-too-many-tags = Como máximo { $max } etiquetas.
problem-not-a-colour = «{ $value }» no es un color como #3a7bd5.
problem-not-an-icon = «{ $value }» no es un nombre de icono (minúsculas y dígitos, como máximo { $max }).
problem-secret-needed = El secreto es obligatorio.
problem-not-base32 = «{ $character }» en la posición { $position } no es un carácter base32 (A–Z, 2–7).
problem-digits-range = Los dígitos deben ser de 4 a 10.
problem-period-zero = El periodo debe ser de al menos 1 segundo.
problem-not-an-algorithm = «{ $value }» no es SHA1, SHA256 ni SHA512.
problem-not-a-number = «{ $value }» no es un número entero.
problem-not-a-kind = «{ $value }» no es TOTP, HOTP ni Steam.
problem-server-needed = Escriba un nombre de servidor, como pool.ntp.org.
problem-not-in-server-name = «{ $character }» no puede estar en un nombre de servidor.
problem-auto-lock-max = Como máximo { $max } minutos (0 lo desactiva).
problem-clipboard-max = Como máximo { $max } segundos (0 lo desactiva).
problem-language-unknown = No es un idioma que Twofold hable: { $languages }.
problem-shortcut-invalid = No es un atajo ({ $reason }): escríbalo como Ctrl+Alt+K o Super+Shift+2.
problem-shortcut-modifier = Necesita Ctrl, Alt, Shift o Super con la tecla.
problem-shortcut-wayland = Este escritorio Wayland no deja que una aplicación tome una tecla para sí: añada en los ajustes de teclado de su escritorio un atajo que ejecute «{ $command }».
problem-shortcut-refused = El sistema lo rechazó; puede que otro programa lo tenga ({ $reason }).
problem-passphrase-needed = Escriba una frase de contraseña.
problem-folder-absolute = Una ruta completa, que empiece por /.
problem-folder-unusable = Esta carpeta no se puede usar ({ $reason }).
problem-computer-name-length = De 1 a 64 caracteres.
problem-server-not-url = No es una dirección web (https://…).
problem-server-scheme = Debe ser una dirección http o https.
problem-link-or-server = Indique un enlace o un servidor, no ambos.
problem-link-needed = Pegue el enlace que muestra otro ordenador.
problem-sync-link-invalid = No es un enlace de sincronización que Twofold pueda usar ({ $reason }).
problem-recovery-group-wrong = Este no es el grupo { $group } de la clave mostrada.
problem-no-keychain-passphrase = No hay ningún llavero del sistema disponible ({ $reason }): elija una frase de contraseña para la bóveda.
problem-recovery-key-length = Una clave de recuperación tiene { $expected } caracteres (9 grupos de 4); esta tiene { $found }. Compruebe si falta o sobra un grupo.
problem-recovery-key-character = «{ $character }» en el grupo { $group } no está en ninguna clave de recuperación (usan 0–9 y A–Z sin I, L, O, U).
problem-recovery-key-checksum = Esta clave de recuperación tiene una errata: su último grupo (una suma de comprobación) no coincide con los demás. Compare cada grupo con lo que anotó.
problem-recovery-key-wrong = Esta no es la clave de recuperación actual de la bóveda; no se cambió nada.
problem-backup-password-wrong = Ni la clave de recuperación ni una frase de contraseña de esta copia: compruebe lo que escribió.
