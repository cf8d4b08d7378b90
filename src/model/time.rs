//! Serde for timestamps: RFC 3339 text in files and JSON, plain integers in binary
//! encodings (the store's parse cache), where parsing text would dominate decoding.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn to_parts(t: &Timestamp) -> (i64, i32) {
    (t.as_second(), t.subsec_nanosecond())
}

fn from_parts<E: serde::de::Error>((s, n): (i64, i32)) -> Result<Timestamp, E> {
    Timestamp::new(s, n).map_err(E::custom)
}

/// `#[serde(with = "time::ts")]` for `Timestamp` fields.
pub mod ts {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            t.serialize(s)
        } else {
            to_parts(t).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        if d.is_human_readable() {
            Timestamp::deserialize(d)
        } else {
            from_parts(<(i64, i32)>::deserialize(d)?)
        }
    }
}

/// `#[serde(default, with = "time::opt_ts")]` for `Option<Timestamp>` fields.
pub mod opt_ts {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            t.serialize(s)
        } else {
            t.as_ref().map(to_parts).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        if d.is_human_readable() {
            Option::<Timestamp>::deserialize(d)
        } else {
            Option::<(i64, i32)>::deserialize(d)?
                .map(from_parts)
                .transpose()
        }
    }
}
