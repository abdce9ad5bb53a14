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
    let tag = name.replace('_', "-");
    let tag = if tag.is_empty() || !tag.chars().next().is_some_and(|c| c.is_alphabetic()) {
        format!("key-{tag}")
    } else {
        tag
    };
    let tag: String = tag
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
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

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
