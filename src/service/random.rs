//! The random part of new ids: the operating system's randomness, or — with a seed
//! (`ORC_SEED`, [`Context::seed`](super::Context)) — a reproducible sequence, so docs
//! and tests show the same ids on every run.
//!
//! Not for anything secret: ids only need to be unlikely to collide between clones.

use std::cell::RefCell;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The seeded sequence of this process: seed, the number of commits it starts from,
/// draws so far.
struct Seeded {
    seed: String,
    base: String,
    draws: u64,
}

thread_local! {
    /// Per thread: a mutation draws its ids on the thread it runs on, and servers in one
    /// process (tests) each keep their own sequence.
    static SEEDED: RefCell<Option<Seeded>> = const { RefCell::new(None) };
}

/// Starts the sequence for one mutation from the number of commits HEAD reaches. Without
/// a seed the ids are random. Because every committed mutation adds a commit, two
/// processes with the same seed draw different ids, and the same steps give the same ids
/// again — even when a commit's content changes (the depth, not the hash, counts).
pub(super) fn begin(seed: Option<&str>, depth: impl FnOnce() -> Option<usize>) {
    let seeded = seed.map(|seed| Seeded {
        seed: seed.to_owned(),
        base: depth().map_or_else(|| "unknown".to_owned(), |d| d.to_string()),
        draws: 0,
    });
    SEEDED.with_borrow_mut(|s| *s = seeded);
}

/// Thirty-two random bits for a new id.
pub(super) fn u32() -> Result<u32> {
    let drawn = SEEDED.with_borrow_mut(|seeded| {
        seeded.as_mut().map(|s| {
            s.draws += 1;
            let digest = Sha256::new()
                .chain_update(s.seed.as_bytes())
                .chain_update([0])
                .chain_update(s.base.as_bytes())
                .chain_update(s.draws.to_le_bytes())
                .finalize();
            u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
        })
    });
    match drawn {
        Some(n) => Ok(n),
        None => getrandom::u32().map_err(|e| Error::invalid(format!("no randomness: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_draws_repeat_for_the_same_head_and_differ_between_heads() {
        let draw = |seed: &str, depth: usize| {
            begin(Some(seed), || Some(depth));
            let v = [u32().unwrap(), u32().unwrap()];
            begin(None, || None);
            v
        };
        let a = draw("1", 7);
        assert_ne!(a[0], a[1]);
        assert_eq!(a, draw("1", 7));
        assert_ne!(a, draw("1", 8));
        assert_ne!(a, draw("2", 7));
    }
}
