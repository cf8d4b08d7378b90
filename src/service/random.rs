//! The random part of new ids: the operating system's randomness, or — with a seed
//! (`ORC_SEED`, [`Context::seed`](super::Context)) — a reproducible sequence, so docs
//! and tests show the same ids on every run.
//!
//! Not for anything secret: ids only need to be unlikely to collide between clones.

use std::cell::RefCell;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The seeded sequence of this process: seed, where HEAD stands when it starts, draws so
/// far.
struct Seeded {
    seed: String,
    base: String,
    draws: u64,
}

/// Where HEAD stands when a mutation starts: what a seeded sequence starts from.
pub(super) struct Head {
    /// How many commits HEAD reaches.
    pub depth: usize,
    /// The branch HEAD points at (`main`); `None` when detached.
    pub branch: Option<String>,
}

thread_local! {
    /// Per thread: a mutation draws its ids on the thread it runs on, and servers in one
    /// process (tests) each keep their own sequence.
    static SEEDED: RefCell<Option<Seeded>> = const { RefCell::new(None) };
}

/// Starts the sequence for one mutation from the number of commits HEAD reaches and the
/// branch it is on. Without a seed the ids are random. Because every committed mutation
/// adds a commit, two processes with the same seed draw different ids, and the same steps
/// give the same ids again — even when a commit's content changes (the depth, not the
/// hash, counts). Two branches at the same depth draw different ids, so their tasks do
/// not collide when the branches merge; two clones on the same branch need two seeds.
pub(super) fn begin(seed: Option<&str>, head: impl FnOnce() -> Option<Head>) {
    let seeded = seed.map(|seed| Seeded {
        seed: seed.to_owned(),
        base: match head() {
            None => "unknown".to_owned(),
            Some(Head {
                depth,
                branch: None,
            }) => depth.to_string(),
            Some(Head {
                depth,
                branch: Some(branch),
            }) => format!("{depth} {branch}"),
        },
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

    fn draw(seed: &str, depth: usize, branch: Option<&str>) -> [u32; 2] {
        begin(Some(seed), || {
            Some(Head {
                depth,
                branch: branch.map(str::to_owned),
            })
        });
        let v = [u32().unwrap(), u32().unwrap()];
        begin(None, || None);
        v
    }

    #[test]
    fn seeded_draws_repeat_for_the_same_head_and_differ_between_heads() {
        let a = draw("1", 7, Some("main"));
        assert_ne!(a[0], a[1]);
        assert_eq!(a, draw("1", 7, Some("main")));
        assert_ne!(a, draw("1", 8, Some("main")));
        assert_ne!(a, draw("2", 7, Some("main")));
    }

    #[test]
    fn seeded_draws_differ_between_branches_at_the_same_depth() {
        let main = draw("1", 7, Some("main"));
        let feature = draw("1", 7, Some("feature"));
        let detached = draw("1", 7, None);
        assert_ne!(main, feature);
        assert_ne!(main, detached);
        assert_ne!(feature, detached);
    }

    #[test]
    fn without_a_seed_draws_are_random() {
        begin(None, || unreachable!("HEAD is not read without a seed"));
        assert_ne!(
            [u32().unwrap(), u32().unwrap()],
            [u32().unwrap(), u32().unwrap()]
        );
    }
}
