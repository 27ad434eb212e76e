//! `jsonparse`: a value at a comma-separated path of a JSON document.

use serde_json::Value;

/// The value at `path` (`"data,sequence"`) in `data` (a JSON value, or text holding one).
pub(super) fn parse(path: &str, data: &Value) -> Result<Value, String> {
    let document = super::abi::json_value(data, "data")?;
    let mut value = &document;
    for key in path.split(',').filter(|k| !k.is_empty()) {
        value = match value {
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(key),
            _ => None,
        }
        .ok_or_else(|| format!("no value at {path}"))?;
    }
    Ok(value.clone())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn follows_a_path_through_objects_and_arrays() {
        let data = json!({ "data": { "files": [ { "cid": "bafy" } ], "n": "5" } });
        assert_eq!(parse("data,n", &data).unwrap(), json!("5"));
        assert_eq!(parse("data,files,0,cid", &data).unwrap(), json!("bafy"));
        assert_eq!(parse("data,n", &json!(data.to_string())).unwrap(), json!("5"));
    }

    #[test]
    fn error_when_the_path_is_missing() {
        assert!(
            parse("data,missing", &json!({ "data": {} })).unwrap_err().contains("data,missing")
        );
        assert!(parse("a", &json!("not json")).is_err());
    }
}
