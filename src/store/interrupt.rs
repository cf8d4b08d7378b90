//! Deferred termination signals: SIGINT, SIGTERM (and SIGHUP, SIGQUIT) that arrive while
//! orc holds git's index lock or moves HEAD take effect when that is done, never halfway.
//!
//! Outside a [`Critical`] section a signal ends orc at once, as if orc had no handler.
//! Inside one it is recorded; the section either finishes (the commit is made) or, when
//! the signal came before the commit point, undoes what it started; then the process ends
//! by that same signal, so the caller sees the usual status (130 for SIGINT, 143 for
//! SIGTERM in a shell).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::signal;

/// The signals orc defers: those a terminal or a harness uses to ask a process to stop.
#[cfg(unix)]
const SIGNALS: &[i32] = &[
    signal::SIGINT,
    signal::SIGTERM,
    signal::SIGHUP,
    signal::SIGQUIT,
];
#[cfg(not(unix))]
const SIGNALS: &[i32] = &[signal::SIGINT, signal::SIGTERM];

struct State {
    /// How many critical sections are open (a server may run several threads).
    depth: AtomicUsize,
    /// True outside critical sections: a signal then acts as if orc had no handler.
    act_now: &'static AtomicBool,
    /// The last deferred signal, 0 when none.
    received: &'static AtomicUsize,
    /// The handlers are in place.
    registered: bool,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        static ACT_NOW: AtomicBool = AtomicBool::new(true);
        static RECEIVED: AtomicUsize = AtomicUsize::new(0);
        // Recording goes first: the default action ends the process. A signal the
        // process was started with ignored (`nohup`, a background job) stays ignored.
        let registered = SIGNALS.iter().filter(|&&sig| !ignored(sig)).all(|&sig| {
            signal_hook::flag::register_usize(sig, &RECEIVED, sig as usize).is_ok()
                && signal_hook::flag::register_conditional_default(sig, &ACT_NOW).is_ok()
        });
        State {
            depth: AtomicUsize::new(0),
            act_now: &ACT_NOW,
            received: &RECEIVED,
            registered,
        }
    })
}

/// Whether `sig` is ignored (its disposition is `SIG_IGN`).
#[cfg(unix)]
fn ignored(sig: i32) -> bool {
    // SAFETY: sigaction with a null new action only reads the current one into `old`,
    // a plain C struct for which all-zero bytes are a valid value.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(not(unix))]
fn ignored(_sig: i32) -> bool {
    false
}

/// While alive, termination signals are recorded instead of acted on. Dropping the last
/// one acts on a recorded signal: the process ends by it.
pub(super) struct Critical {
    _private: (),
}

impl Critical {
    pub(super) fn enter() -> Critical {
        let st = state();
        st.depth.fetch_add(1, Ordering::SeqCst);
        st.act_now.store(false, Ordering::SeqCst);
        Critical { _private: () }
    }

    /// The signal that arrived since the section began (or earlier in a section still
    /// open), if any: the caller should give up before its commit point.
    pub(super) fn interrupted(&self) -> Option<i32> {
        let st = state();
        match st.received.load(Ordering::SeqCst) {
            0 => None,
            sig => Some(sig as i32),
        }
    }
}

impl Drop for Critical {
    fn drop(&mut self) {
        let st = state();
        if st.depth.fetch_sub(1, Ordering::SeqCst) == 1 {
            st.act_now.store(true, Ordering::SeqCst);
            let sig = st.received.load(Ordering::SeqCst);
            if sig != 0 && st.registered {
                // Ends the process the way the signal would have.
                let _ = signal_hook::low_level::emulate_default_handler(sig as i32);
            }
        }
    }
}
