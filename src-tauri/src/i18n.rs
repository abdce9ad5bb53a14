//! The tray's and notifications' words in the user's language, from the same Fluent catalogue
//! as the window (`ui/src/locales/*.ftl`): the language chosen in the settings, else the
//! system's, English behind any gap.

use std::sync::{OnceLock, RwLock};

use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use twofold_core::account::{Problem, Value};
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
    tr_in(current(), id, args)
}

/// The language in use.
fn current() -> &'static str {
    CURRENT.read().map(|l| *l).unwrap_or("en")
}

/// The message `id` in `lang` (English when that one lacks it; the id when none has it).
fn tr_in(lang: &str, id: &str, args: Option<&FluentArgs>) -> String {
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
pub fn tr1(id: &str, name: &str, value: impl Into<FluentValue<'static>>) -> String {
    trn(id, [(name, value.into())])
}

/// `tr` with its arguments by name.
pub fn trn<'a>(
    id: &str,
    values: impl IntoIterator<Item = (&'a str, FluentValue<'static>)>,
) -> String {
    tr(id, Some(&args_of(values)))
}

fn args_of<'a>(
    values: impl IntoIterator<Item = (&'a str, FluentValue<'static>)>,
) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    for (name, value) in values {
        args.set(name.to_owned(), value);
    }
    args
}

/// What is wrong with a field, as core names it, in the language in use (`problem-<code>`).
pub fn problem(p: &Problem) -> String {
    problem_in(current(), p)
}

fn problem_in(lang: &str, p: &Problem) -> String {
    let values = p.values().into_iter().map(|(name, value)| {
        let value = match value {
            Value::Number(n) => FluentValue::from(n),
            Value::Text(t) => FluentValue::from(t),
        };
        (name, value)
    });
    tr_in(
        lang,
        &format!("problem-{}", p.code()),
        Some(&args_of(values)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message id this crate's sources name: string literals that look like one
    /// (`"tray-copy"`, `"problem-passphrase-needed"`), wherever they are passed from.
    fn ids_in_sources() -> Vec<String> {
        let mut ids = Vec::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for literal in text.split('"').skip(1).step_by(2) {
                    let prefixed = ["app-", "tray-", "notify-", "problem-"]
                        .iter()
                        .any(|p| literal.starts_with(p));
                    if prefixed
                        && literal
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        ids.push(literal.to_owned());
                    }
                }
            }
        }
        ids.sort();
        ids.dedup();
        ids
    }

    /// The `$variables` of message `id` in a catalogue's text.
    fn variables(text: &str, id: &str) -> Vec<String> {
        let start = text
            .find(&format!("\n{id} ="))
            .unwrap_or_else(|| panic!("no {id}"));
        let body: String = text[start + 1..]
            .lines()
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with(' '))
            .map(|(_, l)| l)
            .collect();
        let mut vars: Vec<String> = body
            .split('$')
            .skip(1)
            .map(|v| {
                v.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect()
            })
            .collect();
        vars.sort();
        vars.dedup();
        vars
    }

    #[test]
    fn every_catalogue_parses_and_has_what_rust_shows() {
        let used = ids_in_sources();
        assert!(used.len() > 30, "the scan found only {used:?}");
        assert!(used.contains(&"tray-copy".to_owned()) && used.contains(&"app-name".to_owned()));
        for (lang, text) in SOURCES {
            let resource = FluentResource::try_new(text.to_owned());
            assert!(resource.is_ok(), "{lang}.ftl does not parse");
            let bundle = &bundles().iter().find(|(l, _)| *l == lang).unwrap().1;
            for id in &used {
                assert!(bundle.has_message(id), "{lang}.ftl lacks {id}");
            }
        }
    }

    #[test]
    fn every_field_problem_of_core_has_its_words_with_its_values() {
        for p in Problem::examples() {
            let id = format!("problem-{}", p.code());
            let mut named: Vec<String> = p.values().iter().map(|(n, _)| (*n).to_owned()).collect();
            named.sort();
            for (lang, text) in SOURCES {
                assert_eq!(variables(text, &id), named, "{lang}.ftl: {id}");
                assert_ne!(problem_in(lang, &p), id, "{lang}: {id}");
            }
        }
        let long = Problem::TooLong { max: 64 };
        assert_eq!(problem_in("en", &long), "At most 64 characters.");
        assert_eq!(problem_in("de", &long), "Höchstens 64 Zeichen.");
        let value = Problem::NotANumber {
            value: "zehn".into(),
        };
        assert_eq!(problem_in("de", &value), "„zehn“ ist keine ganze Zahl.");
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
