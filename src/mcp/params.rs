//! Parameter types shared by the tools.

use serde::{Deserialize, Deserializer, de::Error as _};

/// An integer a client sent as a number or as a numeric string (`3` or `"3"`: simple
/// clients type every argument as a string). The schema still says `integer`.
pub fn opt_int<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    let raw = Option::<Raw>::deserialize(d)?;
    let n = match raw {
        None => return Ok(None),
        Some(Raw::Number(n)) => n,
        Some(Raw::Text(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| D::Error::custom(format!("{s:?} is not a whole number; pass e.g. 20")))?,
    };
    T::try_from(n)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{n} is too large")))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "super::opt_int")]
        limit: Option<usize>,
    }

    fn limit(json: &str) -> Result<Option<usize>, String> {
        serde_json::from_str::<P>(json)
            .map(|p| p.limit)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_numeric_strings() {
        assert_eq!(limit(r#"{"limit": 3}"#), Ok(Some(3)));
        assert_eq!(limit(r#"{"limit": "3"}"#), Ok(Some(3)));
        assert_eq!(limit(r#"{"limit": null}"#), Ok(None));
        assert_eq!(limit("{}"), Ok(None));
        assert!(
            limit(r#"{"limit": "three"}"#)
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(limit(r#"{"limit": -1}"#).is_err());
    }
}
