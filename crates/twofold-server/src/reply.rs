//! Response bodies: compact JSON (Python's client tests for the bytes `"token":"is valid"`), and
//! the XML variant of the same data for `/{protected,onetouch}/xml/…` paths, as Rails'
//! `Hash#to_xml` wrote it.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

/// A compact JSON response.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A 200 JSON response.
pub fn ok(value: Value) -> Response {
    json(StatusCode::OK, &value)
}

/// The XML form of a JSON value: `<hash>` for success, `<errors>` for failures; keys dasherized,
/// integers typed, nulls `nil="true"`, arrays `type="array"`.
pub fn to_xml(value: &Value, root: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    element(&mut out, root, value);
    out.push('\n');
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    let tag = tag_name(name);
    match value {
        Value::Null => out.push_str(&format!("<{tag} nil=\"true\"/>")),
        Value::Bool(b) => out.push_str(&format!("<{tag} type=\"boolean\">{b}</{tag}>")),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            out.push_str(&format!("<{tag} type=\"integer\">{n}</{tag}>"))
        }
        Value::Number(n) => out.push_str(&format!("<{tag} type=\"float\">{n}</{tag}>")),
        Value::String(s) => out.push_str(&format!("<{tag}>{}</{tag}>", escape(s))),
        Value::Array(items) => {
            out.push_str(&format!("<{tag} type=\"array\">"));
            let child = singular(name);
            for item in items {
                element(out, &child, item);
            }
            out.push_str(&format!("</{tag}>"));
        }
        Value::Object(map) => {
            out.push_str(&format!("<{tag}>"));
            for (k, v) in map {
                element(out, k, v);
            }
            out.push_str(&format!("</{tag}>"));
        }
    }
}

fn singular(name: &str) -> String {
    name.strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
        .to_owned()
}

/// An XML element name for a key, as Rails dasherizes it: `_` becomes `-`, anything else that
/// is not an ASCII letter, digit or `-` becomes `-` too (keys come from requests: a website's
/// `details` or `hidden_details`), and a name that does not start with a letter gets `key-`.
fn tag_name(name: &str) -> String {
    let tag: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
        tag
    } else {
        format!("key-{tag}")
    }
}

/// Text as XML character data: markup characters escaped, and characters XML 1.0 cannot carry at
/// all (control characters other than tab and line breaks, U+FFFE, U+FFFF) replaced by U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Any JSON value: keys and strings from all of Unicode, control characters included.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever a request put into a value (finding 9), the XML is well-formed: a strict
        /// parser reads it back.
        #[test]
        fn xml_is_always_well_formed(value in any_json(), root in "[a-z_]{1,8}") {
            let xml = super::to_xml(&value, &root);
            if let Err(e) = roxmltree::Document::parse(&xml) {
                prop_assert!(false, "{e}: {xml:?}");
            }
        }
    }

    #[test]
    fn control_characters_and_foreign_keys_stay_well_formed() {
        let xml = super::to_xml(&json!({"naïve²": "a\u{1}b\tc", "1st": "<&>"}), "hash");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hash><key-1st>&lt;&amp;&gt;</key-1st><na-ve->a\u{FFFD}b\tc</na-ve-></hash>\n"
        );
        roxmltree::Document::parse(&xml).unwrap();
    }

    #[test]
    fn xml_shapes() {
        let xml = super::to_xml(
            &json!({"error_code":"60020","success":false,"device":{"id":null,"n":3}}),
            "errors",
        );
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors><device><id nil=\"true\"/><n type=\"integer\">3</n></device><error-code>60020</error-code><success type=\"boolean\">false</success></errors>\n"
        );
    }
}
