//! Progress on stderr: drawn when stderr is a terminal; in a CI log or a pipe only when asked
//! (`--progress`), as a line a second; never with `--quiet`. Warnings always.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counted work shorter than this draws nothing.
const SHOW_AFTER: Duration = Duration::from_millis(500);

/// `⠋ reading history: 12,345 commits (31,000/s, 0s)`.
fn counting_style(unit: &str) -> ProgressStyle {
    let template = format!("{{spinner}} {{msg}}: {{human_pos}} {unit} ({{per_sec:0}}, {{elapsed}})");
    ProgressStyle::with_template(&template).expect("valid template")
}

pub struct Progress {
    /// Drawn on a terminal.
    enabled: bool,
    /// Written as lines (`--progress` off a terminal).
    lines: bool,
    current: RefCell<Option<ProgressBar>>,
    /// The counted work being written as lines: label, unit, count, start, and whether a line
    /// was written (then the last count is written at the end too).
    counting: RefCell<Option<std::sync::Arc<Lines>>>,
}

/// Counted work written as lines.
struct Lines {
    label: &'static str,
    unit: &'static str,
    started: Instant,
    state: std::sync::Mutex<(u64, Option<Instant>)>,
}

/// Lines are written this far apart, at most.
const LINE_EVERY: Duration = Duration::from_secs(1);

impl Progress {
    /// `asked`: `--progress`, for a CI log (stderr not a terminal).
    pub fn new(quiet: bool, asked: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        Progress {
            enabled: !quiet && terminal,
            lines: !quiet && !terminal && asked,
            current: RefCell::new(None),
            counting: RefCell::new(None),
        }
    }

    fn count_lines(&self, label: &'static str, unit: &'static str) -> release_engine::Counter {
        let lines = std::sync::Arc::new(Lines {
            label,
            unit,
            started: Instant::now(),
            state: std::sync::Mutex::new((0, None)),
        });
        self.counting.replace(Some(lines.clone()));
        release_engine::Counter::new(move |done| {
            let Ok(mut state) = lines.state.lock() else { return };
            state.0 += done;
            let elapsed = lines.started.elapsed();
            let due = state.1.map_or(elapsed >= SHOW_AFTER, |last| last.elapsed() >= LINE_EVERY);
            if due {
                state.1 = Some(Instant::now());
                eprintln!("{}", line(lines.label, state.0, lines.unit, elapsed));
            }
        })
    }
}

/// `reading history: 12,345 commits (23,000/s, 1.5s)`.
fn line(label: &str, count: u64, unit: &str, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { (count as f64 / seconds) as u64 } else { 0 };
    format!("{label}: {} {unit} ({}/s, {seconds:.1}s)", HumanCount(count), HumanCount(rate))
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
        if self.lines {
            return self.count_lines(label, unit);
        }
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
        // The total, when the work was long enough to have said anything.
        if let Some(lines) = self.counting.take()
            && let Ok(state) = lines.state.lock()
            && state.1.is_some()
        {
            eprintln!("{}", line(lines.label, state.0, lines.unit, lines.started.elapsed()));
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
        let progress = super::Progress::new(true, true);
        assert!(!progress.enabled && !progress.lines);
        let counter = progress.count("reading history", "commits");
        counter.add(1);
        assert!(progress.current.borrow().is_none());
        progress.finish();
        // The template parses (it is built from the unit at run time).
        super::counting_style("commits");
    }

    /// Off a terminal (as here: the test's stderr is captured), progress is written as lines
    /// only when asked.
    #[test]
    fn off_a_terminal_progress_is_lines_when_asked_and_nothing_otherwise() {
        assert!(super::Progress::new(false, true).lines);
        assert!(!super::Progress::new(false, false).lines && !super::Progress::new(false, false).enabled);
        let line = super::line("reading history", 1_234_567, "commits", std::time::Duration::from_millis(1500));
        assert_eq!(line, "reading history: 1,234,567 commits (823,044/s, 1.5s)");
        let line = super::line("reading history", 999, "commits", std::time::Duration::ZERO);
        assert_eq!(line, "reading history: 999 commits (0/s, 0.0s)");
    }
}
