//! Password reset tokens: generated at random, stored hashed, valid once for 30 minutes.

use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// What the database keeps: never the token itself.
pub struct StoredToken {
    pub account: u64,
    pub hash: [u8; 32],
    pub expires: SystemTime,
    pub used: bool,
}

/// A new token for `account`: the secret for the email link and the record to store.
pub fn issue(account: u64, now: SystemTime) -> ([u8; 32], StoredToken) {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the OS random source is available");
    let stored = StoredToken {
        account,
        hash: Sha256::digest(secret).into(),
        expires: now + TOKEN_LIFETIME,
        used: false,
    };
    (secret, stored)
}

/// True when `secret` matches `stored`, which is unused and not expired.
pub fn check(secret: &[u8], stored: &StoredToken, now: SystemTime) -> bool {
    let hash = Sha256::digest(secret);
    let same: bool = hash.as_slice().ct_eq(&stored.hash).into();
    same && !stored.used && now < stored.expires
}
