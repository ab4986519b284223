//! Durations written the way release.toml writes them (`500ms`, `2s`, `1h30m`); parsing them is
//! `release_config::promotion::parse_duration`.

use std::time::Duration;

/// The inverse of [`parse_duration`]: `5s`, `1h30m`; with a part of a second, milliseconds
/// (`1500ms`); with a fraction of a millisecond, as Rust writes it.
pub fn format_duration(duration: Duration) -> String {
    if duration.is_zero() {
        return "0s".into();
    }
    if duration.subsec_nanos() % 1_000_000 != 0 {
        return format!("{duration:?}");
    }
    if duration.subsec_millis() != 0 {
        return format!("{}ms", duration.as_millis());
    }
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 {
        text.push_str(&format!("{seconds}s"));
    }
    text
}
