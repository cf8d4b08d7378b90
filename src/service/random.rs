//! The random part of new ids: the operating system's randomness, or — when `ORC_SEED`
//! is set — a reproducible sequence, so docs and tests show the same ids on every run.
//!
//! Not for anything secret: ids only need to be unlikely to collide between clones.

use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The seeded sequence of this process: seed, the number of commits it starts from,
/// draws so far.
struct Seeded {
    seed: String,
    base: String,
    draws: u64,
}

static SEEDED: Mutex<Option<Seeded>> = Mutex::new(None);

/// Starts the sequence for one mutation from the number of commits HEAD reaches. With
/// `ORC_SEED` unset this does nothing. Because every committed mutation adds a commit,
/// two processes with the same seed draw different ids, and the same steps give the same
/// ids again — even when a commit's content changes (the depth, not the hash, counts).
pub(super) fn begin(depth: impl FnOnce() -> Option<usize>) {
    let Some(seed) = std::env::var("ORC_SEED").ok().filter(|s| !s.is_empty()) else {
        return;
    };
    let depth = depth();
    let mut seeded = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
    *seeded = Some(Seeded {
        seed,
        base: depth.map_or_else(|| "unknown".to_owned(), |d| d.to_string()),
        draws: 0,
    });
}

/// Thirty-two random bits for a new id.
pub(super) fn u32() -> Result<u32> {
    let mut seeded = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seeded.as_mut() {
        s.draws += 1;
        let digest = Sha256::new()
            .chain_update(s.seed.as_bytes())
            .chain_update([0])
            .chain_update(s.base.as_bytes())
            .chain_update(s.draws.to_le_bytes())
            .finalize();
        return Ok(u32::from_le_bytes([
            digest[0], digest[1], digest[2], digest[3],
        ]));
    }
    getrandom::u32().map_err(|e| Error::invalid(format!("no randomness: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_draws_repeat_for_the_same_head_and_differ_between_heads() {
        let draw = |seed: &str, head: &str| {
            *SEEDED.lock().unwrap() = Some(Seeded {
                seed: seed.into(),
                base: head.into(),
                draws: 0,
            });
            let v = [u32().unwrap(), u32().unwrap()];
            *SEEDED.lock().unwrap() = None;
            v
        };
        let a = draw("1", "abc");
        assert_ne!(a[0], a[1]);
        assert_eq!(a, draw("1", "abc"));
        assert_ne!(a, draw("1", "abd"));
        assert_ne!(a, draw("2", "abc"));
    }
}
