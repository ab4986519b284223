//! Progress on stderr, only when stderr is a terminal (never in CI logs or pipes); warnings
//! always.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counted work shorter than this draws nothing.
const SHOW_AFTER: Duration = Duration::from_millis(500);

/// `⠋ reading history: 12,345 commits (31,000/s, 0s)`.
fn counting_style(unit: &str) -> ProgressStyle {
    let template = format!("{{spinner}} {{msg}}: {{human_pos}} {unit} ({{per_sec:0}}, {{elapsed}})");
    ProgressStyle::with_template(&template).expect("valid template")
}

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

    /// A bar with the count and the rate, drawn once the work has lasted half a second (a
    /// warm plan is done before that, and flashes nothing).
    fn count(&self, label: &'static str, unit: &'static str) -> release_engine::Counter {
        if !self.enabled {
            return release_engine::Counter::default();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(counting_style(unit));
        bar.set_message(label);
        if let Some(previous) = self.current.replace(Some(bar.clone())) {
            previous.finish_and_clear();
        }
        let started = Instant::now();
        let shown = AtomicBool::new(false);
        release_engine::Counter::new(move |done| {
            bar.inc(done);
            if !shown.load(Ordering::Relaxed)
                && started.elapsed() >= SHOW_AFTER
                && shown.compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(150));
            }
        })
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

#[cfg(test)]
mod tests {
    use release_engine::Progress as _;

    #[test]
    fn the_counting_bar_is_silent_when_progress_is_off() {
        // What `Progress::new` makes when stderr is a pipe, as in CI logs, or with `--quiet`.
        let progress = super::Progress::new(true);
        assert!(!progress.enabled);
        let counter = progress.count("reading history", "commits");
        counter.add(1);
        assert!(progress.current.borrow().is_none());
        progress.finish();
        // The template parses (it is built from the unit at run time).
        super::counting_style("commits");
    }
}
