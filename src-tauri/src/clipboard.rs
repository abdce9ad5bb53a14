//! The clipboard for codes: written from Rust (the page never needs clipboard rights), marked for
//! clipboard managers to keep out of their history (KDE's password-manager hint on Linux,
//! history and cloud exclusion on Windows), and cleared later only if it still holds our code.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ErrorCode, IpcError};

/// One clipboard connection for the app's lifetime: on X11 and Wayland the app serves what it
/// copied for as long as the connection lives.
#[derive(Default)]
pub struct SecretClipboard {
    inner: Mutex<Option<arboard::Clipboard>>,
    /// Bumped by every copy, so a delayed clear never removes a later copy.
    generation: AtomicU64,
}

impl std::fmt::Debug for SecretClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretClipboard").finish_non_exhaustive()
    }
}

fn unavailable(e: arboard::Error) -> IpcError {
    IpcError::new(ErrorCode::Clipboard, format!("clipboard: {e}"))
}

impl SecretClipboard {
    /// Puts `text` on the clipboard as a secret; returns this copy's generation.
    pub fn put_secret(&self, text: &str) -> Result<u64, IpcError> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| IpcError::new(ErrorCode::Clipboard, "clipboard: busy"))?;
        if guard.is_none() {
            *guard = Some(arboard::Clipboard::new().map_err(unavailable)?);
        }
        let clipboard = guard
            .as_mut()
            .ok_or_else(|| IpcError::new(ErrorCode::Clipboard, "clipboard: not available"))?;
        let set = clipboard.set();
        #[cfg(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd"
        ))]
        let set = {
            use arboard::SetExtLinux;
            set.exclude_from_history()
        };
        #[cfg(windows)]
        let set = {
            use arboard::SetExtWindows;
            set.exclude_from_history().exclude_from_cloud()
        };
        set.text(text.to_owned()).map_err(unavailable)?;
        Ok(self.generation.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Clears the clipboard if nothing was copied since `generation` and it still holds `text`
    /// (the user may have copied something else in another app meanwhile).
    pub fn clear_if(&self, generation: u64, text: &str) {
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        let Ok(mut guard) = self.inner.lock() else {
            return;
        };
        if let Some(clipboard) = guard.as_mut()
            && clipboard.get_text().is_ok_and(|t| t == text)
        {
            let _ = clipboard.clear();
        }
    }
}
