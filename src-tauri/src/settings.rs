//! The user's preferences (auto-lock, clipboard clearing, sort order), kept in `settings.json`
//! beside the vault. A missing or unreadable file means the defaults; it is only written when
//! the user saves.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{FieldProblem, IpcError};
use crate::i18n::tr1;

/// How the code list is ordered (pinned accounts always come first).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// By issuer, then account name.
    #[default]
    Name,
    /// Most recently copied first.
    Recent,
    /// The order the user arranged.
    Manual,
}

/// Preferences.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    /// Lock after this many minutes without input; 0 never.
    pub auto_lock_minutes: u32,
    /// Clear a copied code from the clipboard after this many seconds; 0 never.
    pub clipboard_clear_seconds: u32,
    pub sort: SortOrder,
    /// Closing the window hides it to the tray instead of quitting.
    pub close_to_tray: bool,
    /// Start with the session, in the background (so login approvals arrive).
    pub start_at_login: bool,
    /// A login can be approved only while the vault is unlocked (denying always works).
    pub unlock_to_approve: bool,
    /// The language of the window and the tray (`de`, …); none: the system's.
    pub language: Option<String>,
    /// The key that brings the window up with the search focused ("Ctrl+Alt+K"); none: no
    /// shortcut (the default: a key taken for the whole desktop is the user's choice).
    pub global_shortcut: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auto_lock_minutes: 5,
            clipboard_clear_seconds: 30,
            sort: SortOrder::Name,
            close_to_tray: true,
            start_at_login: false,
            unlock_to_approve: false,
            language: None,
            global_shortcut: None,
        }
    }
}

/// Longest auto-lock delay offered: a day.
pub const MAX_AUTO_LOCK_MINUTES: u32 = 24 * 60;
/// Longest clipboard delay offered: an hour.
pub const MAX_CLIPBOARD_SECONDS: u32 = 3600;

impl Settings {
    /// Every out-of-range field, each with its reason.
    pub fn check(&self) -> Result<(), IpcError> {
        let mut problems = Vec::new();
        if self.auto_lock_minutes > MAX_AUTO_LOCK_MINUTES {
            problems.push(FieldProblem {
                field: "auto_lock_minutes".into(),
                message: tr1("problem-auto-lock-max", "max", MAX_AUTO_LOCK_MINUTES),
            });
        }
        if self.clipboard_clear_seconds > MAX_CLIPBOARD_SECONDS {
            problems.push(FieldProblem {
                field: "clipboard_clear_seconds".into(),
                message: tr1("problem-clipboard-max", "max", MAX_CLIPBOARD_SECONDS),
            });
        }
        if let Some(lang) = &self.language
            && !crate::i18n::LANGUAGES.contains(&lang.as_str())
        {
            problems.push(FieldProblem {
                field: "language".into(),
                message: tr1(
                    "problem-language-unknown",
                    "languages",
                    crate::i18n::LANGUAGES.join(", "),
                ),
            });
        }
        if let Some(shortcut) = self
            .global_shortcut
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            && let Err(why) = crate::quick::parse(shortcut)
        {
            problems.push(FieldProblem {
                field: "global_shortcut".into(),
                message: why,
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(IpcError::problems(problems))
        }
    }

    /// The settings in `path`, or the defaults when it is missing or cannot be read (the file
    /// is left as it is).
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Self>(&bytes).ok())
            .filter(|s| s.check().is_ok())
            .unwrap_or_default()
    }

    /// Writes the settings (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = temp_path(path);
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Where the settings of the vault at `vault` live.
pub fn path_beside(vault: &Path) -> PathBuf {
    vault.with_file_name("settings.json")
}
