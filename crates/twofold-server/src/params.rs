//! Request parameters the way Authy's clients send them: the query string, a form-urlencoded body
//! and a JSON body merged into one tree on every method (GET included), with Rails-style bracket
//! keys (`user[email]`, `details[Account Number]`, `logos[0][res]`, `logos[][res]`).

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Deepest bracket nesting accepted (`a[b][c]…`).
pub const MAX_DEPTH: usize = 8;
/// Most parameters accepted in one request.
pub const MAX_PARAMS: usize = 1000;
/// Most elements in one array.
pub const MAX_ARRAY: usize = 100;

/// The merged parameters of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    root: Map<String, Value>,
}

impl Params {
    /// Merges, in increasing precedence, the query string, a form body and a JSON body.
    pub fn parse(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Self, ApiError> {
        let mut params = Self::default();
        if let Some(q) = query {
            params.merge_form(q.as_bytes())?;
        }
        let body_trimmed = trim_ascii(body);
        if body_trimmed.is_empty() {
            return Ok(params);
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let looks_json = body_trimmed.first() == Some(&b'{');
        if ct.contains("json") || (looks_json && !ct.contains("x-www-form-urlencoded")) {
            let value: Value = serde_json::from_slice(body_trimmed).map_err(|e| {
                ApiError::InvalidRequest(format!("the JSON body is not valid: {e}"))
            })?;
            let Value::Object(map) = value else {
                return Err(ApiError::InvalidRequest(
                    "the JSON body must be an object".into(),
                ));
            };
            check_depth(&Value::Object(map.clone()), 0)?;
            for (k, v) in map {
                params.root.insert(k, v);
            }
        } else {
            params.merge_form(body_trimmed)?;
        }
        Ok(params)
    }

    /// Builds parameters from a JSON object (tests, internal calls).
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(root) => Self { root },
            _ => Self::default(),
        }
    }

    fn merge_form(&mut self, bytes: &[u8]) -> Result<(), ApiError> {
        if std::str::from_utf8(bytes).is_err() {
            return Err(ApiError::InvalidEncoding);
        }
        let mut count = 0usize;
        for (key, value) in url::form_urlencoded::parse(bytes) {
            count += 1;
            if count > MAX_PARAMS {
                return Err(ApiError::InvalidRequest(format!(
                    "more than {MAX_PARAMS} parameters"
                )));
            }
            if key.contains('\u{FFFD}') || value.contains('\u{FFFD}') {
                return Err(ApiError::InvalidEncoding);
            }
            let path = split_key(&key)?;
            insert(&mut self.root, &path, Value::String(value.into_owned()))?;
        }
        Ok(())
    }

    /// The raw value at `path` (`["user", "email"]`).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut cur = self.root.get(*first)?;
        for key in rest {
            cur = cur.as_object()?.get(*key)?;
        }
        Some(cur)
    }

    /// A scalar as text (numbers and booleans as written); `None` for missing, null or empty.
    pub fn str(&self, path: &[&str]) -> Option<String> {
        let s = match self.get(path)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!s.is_empty()).then_some(s)
    }

    /// A boolean: `true`/`True`/`1`/`yes` and their opposites; `None` when missing or unclear.
    pub fn bool(&self, path: &[&str]) -> Option<bool> {
        match self.get(path)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_i64() != Some(0)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" | "" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer given as a number or decimal text. `Err` names the field when present but not
    /// an integer; `Ok(None)` when absent, null or empty.
    pub fn int(&self, path: &[&str]) -> Result<Option<i64>, ApiError> {
        let name = path.join(".");
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                n.as_i64()
                    .map(Some)
                    .ok_or_else(|| ApiError::InvalidParameter {
                        name,
                        problem: "must be a whole number".into(),
                    })
            }
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => {
                s.trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| ApiError::InvalidParameter {
                        name,
                        problem: "must be a whole number".into(),
                    })
            }
            Some(_) => Err(ApiError::InvalidParameter {
                name,
                problem: "must be a whole number".into(),
            }),
        }
    }

    /// A map of string values (`details[key]=value`); nested values become JSON text. Empty when
    /// absent.
    pub fn string_map(&self, key: &str) -> Result<Vec<(String, String)>, ApiError> {
        match self.root.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()),
            Some(_) => Err(ApiError::InvalidParameter {
                name: key.into(),
                problem: "must be a hash".into(),
            }),
        }
    }

    /// The raw tree.
    pub fn as_json(&self) -> Value {
        Value::Object(self.root.clone())
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

fn check_depth(v: &Value, depth: usize) -> Result<(), ApiError> {
    if depth > MAX_DEPTH {
        return Err(ApiError::InvalidRequest(format!(
            "parameters nested deeper than {MAX_DEPTH}"
        )));
    }
    match v {
        Value::Object(m) => m.values().try_for_each(|x| check_depth(x, depth + 1)),
        Value::Array(a) => a.iter().try_for_each(|x| check_depth(x, depth + 1)),
        _ => Ok(()),
    }
}

/// `a[b][]` → `["a", "b", ""]`. Text after a closing bracket that does not open a new one is
/// kept in the segment, as Rack does.
fn split_key(key: &str) -> Result<Vec<String>, ApiError> {
    let (head, mut rest) = match key.find('[') {
        Some(i) if i > 0 => (&key[..i], &key[i..]),
        _ => return Ok(vec![key.to_owned()]),
    };
    let mut path = vec![head.to_owned()];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(end) = stripped.find(']') else {
            // An unclosed bracket: the rest is part of the last name.
            let last = path.pop().unwrap_or_default();
            path.push(format!("{last}{rest}"));
            break;
        };
        path.push(stripped[..end].to_owned());
        rest = &stripped[end + 1..];
        if path.len() > MAX_DEPTH + 1 {
            return Err(ApiError::InvalidRequest(format!(
                "parameter `{key}` is nested deeper than {MAX_DEPTH}"
            )));
        }
    }
    Ok(path)
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) -> Result<(), ApiError> {
    let conflict = || {
        ApiError::InvalidRequest(format!(
            "parameter `{}` conflicts with another",
            path.join("][")
        ))
    };
    let (first, rest) = path.split_first().ok_or_else(conflict)?;
    if rest.is_empty() {
        map.insert(first.clone(), value);
        return Ok(());
    }
    let next_is_array = rest[0].is_empty() || rest[0].parse::<usize>().is_ok();
    let slot = map.entry(first.clone()).or_insert_with(|| {
        if next_is_array {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        }
    });
    insert_into(slot, rest, value).map_err(|_| conflict())
}

fn insert_into(slot: &mut Value, path: &[String], value: Value) -> Result<(), ()> {
    let (seg, rest) = path.split_first().ok_or(())?;
    // A scalar where a container is needed (`a=1&a[b]=2`): the container wins.
    if !slot.is_array() && !slot.is_object() {
        *slot = if seg.is_empty() || seg.parse::<usize>().is_ok() {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
    }
    match slot {
        Value::Array(items) => {
            let index = if seg.is_empty() {
                // `[]`: append, unless the last element is a hash still missing this key
                // (`logos[][res]=a&logos[][url]=b` builds one element).
                match (rest.first(), items.last()) {
                    (Some(k), Some(Value::Object(last)))
                        if !k.is_empty() && !last.contains_key(k) =>
                    {
                        items.len() - 1
                    }
                    _ => items.len(),
                }
            } else {
                seg.parse::<usize>().map_err(|_| ())?
            };
            if index >= super::params::MAX_ARRAY {
                return Err(());
            }
            while items.len() <= index {
                items.push(Value::Null);
            }
            if rest.is_empty() {
                items[index] = value;
                return Ok(());
            }
            if items[index].is_null() {
                items[index] = if rest[0].is_empty() || rest[0].parse::<usize>().is_ok() {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Map::new())
                };
            }
            insert_into(&mut items[index], rest, value)
        }
        Value::Object(m) => {
            if rest.is_empty() {
                m.insert(seg.clone(), value);
                return Ok(());
            }
            let next_is_array = rest[0].is_empty() || rest[0].parse::<usize>().is_ok();
            let child = m.entry(seg.clone()).or_insert_with(|| {
                if next_is_array {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Map::new())
                }
            });
            insert_into(child, rest, value)
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(query: &str, want: Value) {
        let p = Params::parse(Some(query), None, b"").unwrap();
        assert_eq!(p.as_json(), want, "{query}");
    }

    #[test]
    fn flat() {
        check(
            "a=1&b=two+words&c=%20x",
            json!({"a":"1","b":"two words","c":" x"}),
        );
    }
    #[test]
    fn nested_hash() {
        check(
            "user%5Bemail%5D=a%40b.co&user[cellphone]=555",
            json!({"user":{"email":"a@b.co","cellphone":"555"}}),
        );
    }
    #[test]
    fn key_with_space() {
        check(
            "details%5BAccount%20Number%5D=981266321",
            json!({"details":{"Account Number":"981266321"}}),
        );
    }
    #[test]
    fn lowercase_percent_brackets() {
        check("details%5bk%5d=v", json!({"details":{"k":"v"}}));
    }
    #[test]
    fn indexed_array_of_hashes() {
        check(
            "logos%5B0%5D%5Bres%5D=default&logos%5B0%5D%5Burl%5D=u0&logos%5B1%5D%5Bres%5D=low&logos%5B1%5D%5Burl%5D=u1",
            json!({"logos":[{"res":"default","url":"u0"},{"res":"low","url":"u1"}]}),
        );
    }
    #[test]
    fn unindexed_array_of_hashes() {
        check(
            "logos[][res]=default&logos[][url]=u0&logos[][res]=low&logos[][url]=u1",
            json!({"logos":[{"res":"default","url":"u0"},{"res":"low","url":"u1"}]}),
        );
    }
    #[test]
    fn plain_array() {
        check("a[]=1&a[]=2", json!({"a":["1","2"]}));
    }
    #[test]
    fn body_json_overrides_query() {
        let p = Params::parse(
            Some("a=1&b=2"),
            Some("application/json"),
            br#"{"a":3,"c":{"d":null}}"#,
        )
        .unwrap();
        assert_eq!(p.as_json(), json!({"a":3,"b":"2","c":{"d":null}}));
    }
    #[test]
    fn form_body_on_get() {
        let p = Params::parse(
            Some("api_key=K"),
            Some("application/x-www-form-urlencoded"),
            b"phone_number=111-111-1111&country_code=1",
        )
        .unwrap();
        assert_eq!(p.str(&["phone_number"]).as_deref(), Some("111-111-1111"));
        assert_eq!(p.int(&["country_code"]).unwrap(), Some(1));
    }
    #[test]
    fn booleans_are_lenient() {
        let p = Params::parse(Some("a=True&b=true&c=false&d=1&e=maybe"), None, b"").unwrap();
        assert_eq!(
            [
                p.bool(&["a"]),
                p.bool(&["b"]),
                p.bool(&["c"]),
                p.bool(&["d"]),
                p.bool(&["e"])
            ],
            [Some(true), Some(true), Some(false), Some(true), None]
        );
    }
    #[test]
    fn bad_json_is_an_invalid_request() {
        assert!(matches!(
            Params::parse(None, Some("application/json"), b"{nope"),
            Err(ApiError::InvalidRequest(_))
        ));
    }
    #[test]
    fn too_deep_is_refused() {
        let key = format!("a{}", "[x]".repeat(20));
        assert!(Params::parse(Some(&format!("{key}=1")), None, b"").is_err());
    }
    #[test]
    fn huge_index_is_refused() {
        assert!(Params::parse(Some("a[99999999]=1"), None, b"").is_err());
    }
    #[test]
    fn invalid_utf8_is_named() {
        assert!(matches!(
            Params::parse(Some("a=%FF"), None, b""),
            Err(ApiError::InvalidEncoding)
        ));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn key() -> impl Strategy<Value = String> {
        "[a-z\\[\\]%0-9 ]{0,24}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_query_never_panics(q in "[ -~]{0,200}") {
            let _ = Params::parse(Some(&q), None, b"");
        }

        #[test]
        fn any_bytes_as_a_form_body_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Params::parse(None, Some("application/x-www-form-urlencoded"), &body);
        }

        #[test]
        fn any_bytes_as_a_json_body_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Params::parse(None, Some("application/json"), &body);
        }

        #[test]
        fn bracket_soup_never_panics(pairs in proptest::collection::vec((key(), "[a-z]{0,5}"), 0..30)) {
            let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = Params::parse(Some(&q.join("&")), None, b"");
        }

        #[test]
        fn nested_hashes_round_trip(entries in proptest::collection::btree_map("[a-z]{1,6}", "[a-zA-Z0-9 ]{0,8}", 0..8)) {
            let q: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("details%5B{k}%5D={}", v.replace(' ', "+")))
                .collect();
            let p = Params::parse(Some(&q.join("&")), None, b"").unwrap();
            for (k, v) in &entries {
                prop_assert_eq!(p.get(&["details", k.as_str()]), Some(&Value::String(v.clone())));
            }
        }

        #[test]
        fn deep_json_is_refused_not_overflowed(depth in 10usize..5000) {
            let body = format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            prop_assert!(Params::parse(None, Some("application/json"), body.as_bytes()).is_err());
        }
    }

    #[test]
    fn huge_flat_input_is_refused() {
        let q: Vec<String> = (0..MAX_PARAMS + 1).map(|i| format!("k{i}=v")).collect();
        assert!(Params::parse(Some(&q.join("&")), None, b"").is_err());
    }
}
