//! Progress bars on stderr for long work (`files verify`, `maintenance archive`,
//! `recover` over deep history): drawn only when stderr is a terminal and the work is
//! big enough to take a while; cleared when done, so the output stays as it was.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar (or, without a known total, a counter) that appears once the work reaches
/// `threshold` items.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
    threshold: usize,
    terminal: bool,
}

impl Progress {
    pub fn new(label: &'static str, threshold: usize) -> Progress {
        Progress {
            bar: None,
            label,
            threshold,
            terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    /// `done` of `total` items (`None`: the total is not known).
    pub fn update(&mut self, done: usize, total: Option<usize>) {
        if !self.terminal || total.unwrap_or(done) < self.threshold {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = match total {
                Some(t) => {
                    ProgressBar::with_draw_target(Some(t as u64), ProgressDrawTarget::stderr())
                        .with_style(
                            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
                                .expect("a valid template")
                                .progress_chars("=> "),
                        )
                }
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template("{spinner} {msg}: {pos}")
                            .expect("a valid template"),
                    ),
            };
            bar.with_message(self.label)
        });
        bar.set_position(done as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
