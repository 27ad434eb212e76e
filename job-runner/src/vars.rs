//! Run variables and Chainlink's `$(...)` interpolation.
//!
//! An attribute that is exactly one `$(path)` takes the variable's value as it is; inside a
//! longer string each `$(path)` is replaced by the value's JSON text (so a string arrives quoted
//! in a JSON template such as a bridge's `requestData`). Paths are dotted: `decode_log.requestId`,
//! `jobRun.logData`, `jobSpec.externalJobID`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Error;

/// The values a run has so far: `jobSpec`, `jobRun`, and each finished task's output.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, Value>,
}

impl Vars {
    /// Sets a top-level variable (a task's output, `jobRun`, `jobSpec`).
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_owned(), value);
    }

    /// The value at a dotted path.
    ///
    /// # Errors
    /// [`Error::MissingVariable`] when any step is missing.
    pub fn get(&self, path: &str) -> Result<&Value, Error> {
        let mut parts = path.split('.');
        let head = parts.next().unwrap_or_default();
        let mut value = self.values.get(head).ok_or_else(|| Error::MissingVariable(path.into()))?;
        for part in parts {
            value = value.get(part).ok_or_else(|| Error::MissingVariable(path.into()))?;
        }
        Ok(value)
    }

    /// Interpolates an attribute (see the module docs).
    ///
    /// # Errors
    /// [`Error::MissingVariable`] for an unknown reference.
    pub fn interpolate(&self, attr: &str) -> Result<Value, Error> {
        let trimmed = attr.trim();
        if let Some(path) = trimmed.strip_prefix("$(").and_then(|r| r.strip_suffix(')'))
            && !path.contains("$(")
            && !path.contains(')')
        {
            return self.get(path).cloned();
        }
        let mut out = String::with_capacity(attr.len());
        let mut rest = attr;
        while let Some(start) = rest.find("$(") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find(')').ok_or_else(|| Error::MissingVariable(after.into()))?;
            out.push_str(&self.get(&after[..end])?.to_string());
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let mut vars = Vars::default();
        vars.set("jobSpec", json!({ "externalJobID": "0eec7e1d" }));
        vars.set("decode", json!({ "id": "0xab", "n": 7 }));
        vars
    }

    #[test]
    fn a_lone_reference_keeps_its_value() {
        assert_eq!(vars().interpolate("$(decode.n)").unwrap(), json!(7));
        assert_eq!(vars().interpolate(" $(decode) ").unwrap(), json!({ "id": "0xab", "n": 7 }));
    }

    #[test]
    fn references_in_text_become_json() {
        let got =
            vars().interpolate(r#"{"id": $(jobSpec.externalJobID), "n": $(decode.n)}"#).unwrap();
        assert_eq!(got, json!(r#"{"id": "0eec7e1d", "n": 7}"#));
    }

    #[test]
    fn error_when_a_reference_is_unknown() {
        assert!(
            matches!(vars().interpolate("$(nope.x)"), Err(Error::MissingVariable(p)) if p == "nope.x")
        );
        assert!(matches!(
            vars().interpolate("a $(decode.missing) b"),
            Err(Error::MissingVariable(_))
        ));
    }
}
