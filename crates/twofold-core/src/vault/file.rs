//! The vault on disk: reading it whole, atomic replacement that keeps the previous generation
//! as `.bak` (temporary file, fsync, link, rename, directory fsync), disk-full errors told apart,
//! and the advisory lock file the CLI and the desktop app share.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::VaultError;

/// Path of the previous generation kept beside a vault.
pub fn backup_path(path: &Path) -> PathBuf {
    sibling(path, ".bak")
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, VaultError> {
    match fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(VaultError::NotFound {
            path: path.to_owned(),
        }),
        Err(source) => Err(VaultError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes `bytes` to a temporary file, fsyncs it, keeps the current file as the `.bak`
/// generation (a hard link, or a copy where links are not supported), renames the temporary
/// file over the vault and fsyncs the directory. At every instant the vault path holds either
/// the old or the new complete file.
pub(super) fn atomic_replace(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = sibling(path, ".tmp");
    let result = replace_through(path, &tmp, bytes);
    if result.is_err() {
        // A half-written temporary file would only take the space a retry needs.
        let _ = fs::remove_file(&tmp);
        let _ = fs::remove_file(sibling(path, ".bak.tmp"));
    }
    result
}

/// Writes `bytes` to `path` atomically, without keeping a previous generation: a temporary
/// file (mode 0600) written and fsynced, renamed over `path`, the directory fsynced. At every
/// instant `path` is absent, the old file or the new one, whole (backups and their records).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = sibling(path, ".tmp");
    let result = (|| {
        {
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp).map_err(io_error(&tmp))?;
            file.write_all(bytes).map_err(io_error(&tmp))?;
            file.sync_all().map_err(io_error(&tmp))?;
        }
        fs::rename(&tmp, path).map_err(io_error(path))?;
        sync_dir(path).map_err(io_error(path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to a new file at `path` (never over an existing one: `AlreadyExists`),
/// readable and writable by the user only, flushed to the disk; a file that could not be
/// written whole is removed. For exports, whose plain formats hold every secret.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if written.is_err() {
        drop(file);
        let _ = fs::remove_file(path);
    }
    written
}

/// An I/O error on `path`: [`VaultError::DiskFull`] when the disk or quota is full.
pub(super) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> VaultError {
    let path = path.to_owned();
    move |source| match source.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => VaultError::DiskFull { path },
        _ => VaultError::Io { path, source },
    }
}

pub(super) fn replace_through(path: &Path, tmp: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let io_err = io_error;
    {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(tmp).map_err(io_err(tmp))?;
        file.write_all(bytes).map_err(io_err(tmp))?;
        file.sync_all().map_err(io_err(tmp))?;
    }
    if path.exists() {
        let bak = backup_path(path);
        let bak_tmp = sibling(path, ".bak.tmp");
        let _ = fs::remove_file(&bak_tmp);
        if fs::hard_link(path, &bak_tmp).is_err() {
            fs::copy(path, &bak_tmp).map_err(io_err(&bak_tmp))?;
            File::open(&bak_tmp)
                .and_then(|f| f.sync_all())
                .map_err(io_err(&bak_tmp))?;
        }
        fs::rename(&bak_tmp, &bak).map_err(io_err(&bak))?;
    }
    fs::rename(tmp, path).map_err(io_err(path))?;
    sync_dir(path).map_err(io_err(path))?;
    Ok(())
}

pub(super) fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// The data-directory folder of Twofold (the desktop app's identifier): the CLI and the desktop
/// app share the vault in it.
pub const APP_ID: &str = "dev.twofold.app";

/// Where the CLI and the desktop app keep the vault unless told otherwise:
/// `<data dir>/dev.twofold.app/vault.tfv` (`~/.local/share/…` on Linux). Its directory is made
/// private to the user: created with mode 0700, or narrowed to 0700 when it exists (the folder
/// is Twofold's own; earlier versions of the desktop app created it 0755).
pub fn default_location() -> Result<PathBuf, VaultError> {
    let dir = dirs::data_dir()
        .ok_or(VaultError::NoDataDirectory)?
        .join(APP_ID);
    create_private_dir(&dir).map_err(io_error(&dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io = |source| VaultError::Io {
            path: dir.clone(),
            source,
        };
        let mode = fs::metadata(&dir).map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode & 0o700)).map_err(io)?;
        }
    }
    Ok(dir.join("vault.tfv"))
}

/// Creates `dir` and its missing parents, each private to the user (mode 0700 on Unix);
/// directories that exist are left as they are.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// An advisory lock on `<vault>.lock`, held for the duration of a read or a read-modify-write.
pub(super) struct FileLock {
    _file: File,
}

impl FileLock {
    pub(super) fn open(path: &Path) -> Result<File, VaultError> {
        let lock_path = sibling(path, ".lock");
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(io_error(dir))?;
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| VaultError::Io {
                path: lock_path,
                source,
            })
    }

    pub(super) fn exclusive(path: &Path) -> Result<Self, VaultError> {
        let file = Self::open(path)?;
        file.lock().map_err(|source| VaultError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self { _file: file })
    }

    pub(super) fn shared(path: &Path) -> Result<Self, VaultError> {
        let file = Self::open(path)?;
        file.lock_shared().map_err(|source| VaultError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self { _file: file })
    }
}
