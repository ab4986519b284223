//! Progress on stderr, only when stderr is a terminal (never in CI logs or pipes).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    enabled: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress { enabled: !quiet && std::io::stderr().is_terminal() }
    }

    pub fn hidden() -> Progress {
        Progress { enabled: false }
    }

    /// A spinner that draws only if the work lasts past its first tick.
    pub fn spinner(&self, message: &'static str) -> Spinner {
        if !self.enabled {
            return Spinner(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(150));
        Spinner(Some(bar))
    }
}

pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
