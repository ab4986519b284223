//! Progress on stderr, only when stderr is a terminal (never in CI logs or pipes); warnings
//! always.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    enabled: bool,
    current: RefCell<Option<ProgressBar>>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress { enabled: !quiet && std::io::stderr().is_terminal(), current: RefCell::new(None) }
    }
}

impl release_engine::Progress for Progress {
    /// A spinner that draws only if the work lasts past its first tick.
    fn start(&self, label: &'static str) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
        bar.set_message(label);
        bar.enable_steady_tick(Duration::from_millis(150));
        if let Some(previous) = self.current.replace(Some(bar)) {
            previous.finish_and_clear();
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current.take() {
            bar.finish_and_clear();
        }
    }

    fn warn(&self, message: &str) {
        self.finish();
        eprintln!("warning: {}", release_changelog::neutralize_controls(message));
    }
}
