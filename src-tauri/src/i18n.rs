//! The tray's and notifications' words in the user's language, from the same Fluent catalogue
//! as the window (`ui/src/locales/*.ftl`): the language chosen in the settings, else the
//! system's, English behind any gap.

use std::sync::{OnceLock, RwLock};

use fluent_bundle::{FluentArgs, FluentResource, concurrent::FluentBundle};
use unic_langid::LanguageIdentifier;

/// The shipped languages (a test checks they are the catalogue's files).
pub const LANGUAGES: &[&str] = &["en", "de", "es", "fr"];

const SOURCES: [(&str, &str); 4] = [
    ("en", include_str!("../../ui/src/locales/en.ftl")),
    ("de", include_str!("../../ui/src/locales/de.ftl")),
    ("es", include_str!("../../ui/src/locales/es.ftl")),
    ("fr", include_str!("../../ui/src/locales/fr.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [(&'static str, Bundle)] {
    static BUNDLES: OnceLock<Vec<(&'static str, Bundle)>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(lang, text)| {
                let id: LanguageIdentifier = lang.parse().unwrap_or_default();
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // No bidi isolation marks: a tray label is plain text.
                bundle.set_use_isolating(false);
                // A message that does not parse is left out (English stands in); the UI's test
                // rejects such a catalogue before it ships.
                let resource =
                    FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, _)| r);
                let _ = bundle.add_resource(resource);
                (*lang, bundle)
            })
            .collect()
    })
}

static CURRENT: RwLock<&'static str> = RwLock::new("en");

/// The shipped language for `choice` (a language code), or for the system's when none.
pub fn resolve(choice: Option<&str>) -> &'static str {
    let wanted: Vec<String> = match choice {
        Some(c) => vec![c.to_owned()],
        None => sys_locale::get_locales().collect(),
    };
    wanted
        .iter()
        .filter_map(|tag| tag.split(['-', '_', '.', '@']).next())
        .find_map(|lang| {
            LANGUAGES
                .iter()
                .find(|l| l.eq_ignore_ascii_case(lang))
                .copied()
        })
        .unwrap_or("en")
}

/// Uses `choice`, or the system's language when none; returns the one in use.
pub fn set_language(choice: Option<&str>) -> &'static str {
    let lang = resolve(choice);
    if let Ok(mut current) = CURRENT.write() {
        *current = lang;
    }
    lang
}

/// The message `id` in the language in use (English when that one lacks it; the id itself
/// when no catalogue has it).
pub fn tr(id: &str, args: Option<&FluentArgs>) -> String {
    let lang = CURRENT.read().map(|l| *l).unwrap_or("en");
    let all = bundles();
    let chosen = all.iter().find(|(l, _)| *l == lang);
    let english = all.iter().find(|(l, _)| *l == "en");
    for (_, bundle) in chosen.into_iter().chain(english) {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned();
        }
    }
    id.to_owned()
}

/// `tr` with one argument.
pub fn tr1(id: &str, name: &str, value: impl Into<fluent_bundle::FluentValue<'static>>) -> String {
    let mut args = FluentArgs::new();
    args.set(name.to_owned(), value.into());
    tr(id, Some(&args))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages Rust shows: every language has each of them.
    const USED: &[&str] = &[
        "app-name",
        "tray-tooltip-status",
        "tray-waiting",
        "tray-backups-failing",
        "tray-status-join",
        "tray-backups-item",
        "tray-show",
        "tray-copy",
        "tray-lock",
        "tray-quit",
        "notify-summary",
    ];

    #[test]
    fn every_catalogue_parses_and_has_what_rust_shows() {
        for (lang, text) in SOURCES {
            let resource = FluentResource::try_new(text.to_owned());
            assert!(resource.is_ok(), "{lang}.ftl does not parse");
            let bundle = &bundles().iter().find(|(l, _)| *l == lang).unwrap().1;
            for id in USED {
                assert!(bundle.has_message(id), "{lang}.ftl lacks {id}");
            }
        }
    }

    #[test]
    fn the_languages_are_the_catalogue_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/locales");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".ftl")
                    .map(str::to_owned)
            })
            .collect();
        files.sort();
        let mut known: Vec<&str> = LANGUAGES.to_vec();
        known.sort();
        assert_eq!(files, known);
    }

    #[test]
    fn a_choice_or_the_system_picks_a_shipped_language() {
        assert_eq!(resolve(Some("de")), "de");
        assert_eq!(resolve(Some("fr-CA")), "fr");
        assert_eq!(resolve(Some("pt")), "en");
    }

    #[test]
    fn plurals_and_fallback_follow_the_language() {
        let all = bundles();
        let format = |lang: &str, id: &str, count: i64| {
            let bundle = &all.iter().find(|(l, _)| *l == lang).unwrap().1;
            let mut args = FluentArgs::new();
            args.set("count", count);
            let pattern = bundle.get_message(id).unwrap().value().unwrap();
            bundle
                .format_pattern(pattern, Some(&args), &mut Vec::new())
                .into_owned()
        };
        assert_eq!(
            format("en", "tray-waiting", 1),
            "1 login waiting for approval"
        );
        assert_eq!(
            format("en", "tray-waiting", 3),
            "3 logins waiting for approval"
        );
        assert_ne!(
            format("de", "tray-waiting", 3),
            format("en", "tray-waiting", 3)
        );
        assert_eq!(tr("no-such-message", None), "no-such-message");
    }
}
