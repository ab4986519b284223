//! `[promotion]` and `[environments.NAME]`: where releases go after they are cut.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PromotionWire {
    /// `"cut"`: tags and forge releases are made by `release cut`; `"prod"`: after the last
    /// environment (the one nothing promotes from) is verified.
    pub tag_on: Option<TagOn>,
    /// The ref holding the promotion history (default `refs/heads/release-ledger`).
    pub ledger: Option<String>,
    /// When two runs promote to one environment at once, the loser `"queue"`s (waits in order)
    /// or `"reject"`s (stops with a message). Default `"reject"`.
    pub concurrency: Option<Concurrency>,
    /// How long a promotion may hold an environment before another run may take it over as
    /// interrupted (default `"30m"`).
    pub lock_timeout: Option<String>,
    /// Freeze windows: no promotion (rollback is allowed) between `from` and `until` (RFC 3339: `2025-12-20T00:00:00Z`, or with an offset such as `+01:00`).
    #[serde(default)]
    pub freeze: Vec<FreezeWire>,
    /// Mirror each promotion as a GitHub Deployment with statuses (in_progress, success, failure,
    /// inactive). Default: on when a GitHub token and a GitHub repository are present; `false`
    /// turns it off.
    pub github_deployments: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TagOn {
    Cut,
    Prod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Concurrency {
    Queue,
    Reject,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FreezeWire {
    pub from: String,
    pub until: String,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EnvironmentWire {
    /// The deploy command, as an argv list (never a shell string). It gets the release in
    /// RELEASE_VERSION, RELEASE_TAG, RELEASE_ENV, RELEASE_COMMIT and RELEASE_VERSION_<NAME>.
    pub deploy: Vec<String>,
    /// The rollback command (default: `deploy`, with the older release).
    pub rollback: Option<Vec<String>>,
    /// The environment's address, shown in the status and usable as `{url}` in checks.
    pub url: Option<String>,
    /// How a deployment is verified.
    pub verify: Option<VerifyWire>,
    /// The environment a release must be verified in first.
    pub from: Option<String>,
    /// How long a release must have been verified in `from` before it may enter (e.g. `"30m"`).
    pub soak: Option<String>,
    pub approval: Option<ApprovalWire>,
    /// On a failed verification: `"rollback"` to the last verified release, or `"hold"`.
    pub on_verify_failure: Option<OnVerifyFailure>,
    /// After verification passes, a window (`for`) during which `release watch` checks the
    /// release again and rolls back (or holds) once failed checks exceed `failure-limit`.
    pub monitor: Option<MonitorWire>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OnVerifyFailure {
    Rollback,
    Hold,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VerifyWire {
    /// The URL to check; `{url}` and `{version}` are filled in. One of `http`, `command` and `prometheus`.
    pub http: Option<String>,
    /// A command to run as a check, as an argv list (never a shell string); it passes on exit
    /// 0 and gets the release in the same RELEASE_* variables as the deploy command.
    pub command: Option<Vec<String>>,
    pub status: Option<u16>,
    /// Text the body must contain; `{version}` is filled in.
    pub body_contains: Option<String>,
    /// A Prometheus server's address: the check runs `query` there (instant query).
    pub prometheus: Option<String>,
    /// The PromQL query of a `prometheus` check; `{version}` is filled in. It must return one
    /// value (aggregate with `sum(...)`).
    pub query: Option<String>,
    /// A `prometheus` check passes when the value is at least this.
    pub min: Option<f64>,
    /// A `prometheus` check passes when the value is at most this.
    pub max: Option<f64>,
    pub interval: Option<String>,
    pub count: Option<u32>,
    pub failure_limit: Option<u32>,
    pub error_limit: Option<u32>,
    pub consecutive_successes: Option<u32>,
    pub timeout: Option<String>,
}

/// `[environments.NAME.monitor]`: the monitoring window after a verified deployment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MonitorWire {
    /// How long the release is watched after verification passes (e.g. `"30m"`); the next
    /// environment's `soak` counts from its end.
    #[serde(rename = "for")]
    pub window: String,
    /// The window fails (rollback or hold, as `on-verify-failure` says) once failed checks
    /// exceed this (default 1).
    pub failure_limit: Option<u32>,
    /// The URL to check (default: the `verify` check). One of `http`, `command` and `prometheus`.
    pub http: Option<String>,
    /// A command to run as the check (default: the `verify` check).
    pub command: Option<Vec<String>>,
    pub status: Option<u16>,
    pub body_contains: Option<String>,
    /// A Prometheus server to query as the check (see `verify.prometheus`).
    pub prometheus: Option<String>,
    pub query: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The time one check may take (default: the `verify` timeout, or `"5s"`).
    pub timeout: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApprovalWire {
    pub required: Option<u32>,
    #[serde(default)]
    pub approvers: Vec<String>,
    /// Whether the person who cut the release may approve it (default false).
    pub allow_self: Option<bool>,
    /// How long an approval stays valid (e.g. `"72h"`).
    pub expires: Option<String>,
    /// `"release"` (`release approve`) or `"github-environment"` (a protected GitHub Environment's reviewers).
    pub source: Option<ApprovalSource>,
    /// With `source = "github-environment"`: the GitHub Environment whose reviewers approve
    /// (default: this environment's name).
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalSource {
    Release,
    GithubEnvironment,
}

/// The resolved promotion settings.
#[derive(Debug, Clone)]
pub struct Promotion {
    pub tag_on: TagOn,
    pub ledger: String,
    pub concurrency: Concurrency,
    pub lock_timeout: Duration,
    pub freeze: Vec<Freeze>,
    /// `None`: mirror to GitHub Deployments when a token is present.
    pub github_deployments: Option<bool>,
}

impl Default for Promotion {
    fn default() -> Self {
        Promotion {
            tag_on: TagOn::Cut,
            ledger: "refs/heads/release-ledger".into(),
            concurrency: Concurrency::Reject,
            lock_timeout: Duration::from_secs(30 * 60),
            freeze: Vec::new(),
            github_deployments: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Freeze {
    /// Unix seconds.
    pub from: i64,
    pub until: i64,
    /// `until` as release.toml writes it, for messages.
    pub until_text: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub deploy: Vec<String>,
    pub rollback: Option<Vec<String>>,
    pub url: Option<String>,
    pub verify: Option<Verify>,
    pub from: Option<String>,
    pub soak: Duration,
    pub approval: Option<Approval>,
    pub on_verify_failure: OnVerifyFailure,
    pub monitor: Option<Monitor>,
}

/// What one check does: an HTTP request, a command, or a Prometheus query.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// `GET` the URL (`{url}` and `{version}` still to be filled in); healthy at `status`, with
    /// `body_contains` in the body when set.
    Http { url: String, status: u16, body_contains: Option<String> },
    /// Run the argv from the repository root with the RELEASE_* variables; healthy on exit 0.
    Command { argv: Vec<String> },
    /// Ask the Prometheus server at `server` for `query` (`{version}` still to be filled in);
    /// healthy when its one value is within `min` and `max` (each bound optional, one given).
    Prometheus { server: String, query: String, min: Option<f64>, max: Option<f64> },
}

#[derive(Debug, Clone)]
pub struct Verify {
    pub probe: Probe,
    pub interval: Duration,
    pub count: u32,
    pub failure_limit: u32,
    pub error_limit: u32,
    pub consecutive_successes: u32,
    pub timeout: Duration,
}

/// The monitoring window: one check per `release watch` while it lasts.
#[derive(Debug, Clone)]
pub struct Monitor {
    /// How long after verification the window lasts.
    pub window: Duration,
    /// The window fails once failed checks exceed this.
    pub failure_limit: u32,
    pub probe: Probe,
    /// The time one check may take.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub required: u32,
    pub approvers: Vec<String>,
    pub allow_self: bool,
    pub expires: Option<Duration>,
    pub source: ApprovalSource,
    /// The GitHub Environment whose reviewers count, with `source = "github-environment"`.
    pub github_environment: Option<String>,
}

/// A duration that [`parse_duration`] does not read; the message says how to write one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {text:?} (hint: write a whole number and a unit, ms, s, m or h, such as 500ms, 2s, 5m or 72h, or a sum such as 1h30m)"
)]
pub struct DurationError {
    /// The text as written.
    pub text: String,
}

/// A time that [`parse_time`] does not read; the message says how to write one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a time like 2025-12-20T00:00:00Z (hint: a date, `T`, a time, then `Z` for UTC or an offset such as +01:00)"
)]
pub struct TimeError {
    /// The text as written.
    pub text: String,
}

impl release_exit::Classify for DurationError {
    fn exit_class(&self) -> release_exit::ExitClass {
        release_exit::ExitClass::InvalidInput
    }
}

impl release_exit::Classify for TimeError {
    fn exit_class(&self) -> release_exit::ExitClass {
        release_exit::ExitClass::InvalidInput
    }
}

/// Durations: `500ms`, `2s`, `5m`, `72h`, or a sum such as `1h30m`. Parses a whole number followed by a unit (`ms`, `s`, `m`, `h`), or several in a row, which
/// add up (`1h30m`). No spaces, no fractions, no unit-less numbers: `0` is written `0s`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let invalid = || DurationError { text: text.to_string() };
    if text.is_empty() {
        return Err(invalid());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let letters = rest[digits..].bytes().take_while(u8::is_ascii_alphabetic).count();
        if digits == 0 || letters == 0 {
            return Err(invalid());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        let seconds_per_unit = match &rest[digits..digits + letters] {
            "ms" => None,
            "s" => Some(1),
            "m" => Some(60),
            "h" => Some(3600),
            _ => return Err(invalid()),
        };
        let part = match seconds_per_unit {
            None => Duration::from_millis(number),
            Some(factor) => Duration::from_secs(number.checked_mul(factor).ok_or_else(invalid)?),
        };
        total = total.checked_add(part).ok_or_else(invalid)?;
        rest = &rest[digits + letters..];
    }
    Ok(total)
}

/// The inverse of [`parse_duration`], for messages and tables: `5s`, `1h30m`; with a part of a second, milliseconds
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

/// An RFC 3339 time, `2025-12-20T00:00:00Z` or with an offset (`2025-12-20T00:00:00+01:00`), to
/// unix seconds. Named time zones are not read: write the offset that applies.
pub fn parse_time(text: &str) -> Result<i64, TimeError> {
    let error = || TimeError { text: text.to_string() };
    let text = text.trim();
    let (local, offset) = match text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        Some(local) => (local, 0),
        None => {
            let split = text.len().checked_sub(6).filter(|&at| text.is_char_boundary(at)).ok_or_else(error)?;
            let (local, offset) = text.split_at(split);
            let sign = match offset.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(error()),
            };
            let (hours, minutes) = offset[1..].split_once(':').ok_or_else(error)?;
            let (hours, minutes): (i64, i64) =
                (hours.parse().map_err(|_| error())?, minutes.parse().map_err(|_| error())?);
            if hours > 23 || minutes > 59 {
                return Err(error());
            }
            (local, sign * (hours * 3600 + minutes * 60))
        }
    };
    let (date, time) = local.split_once(['T', 't']).ok_or_else(error)?;
    let number = |part: &str| -> Result<i64, TimeError> {
        if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(error());
        }
        part.parse().map_err(|_| error())
    };
    let date: Vec<i64> = date.split('-').map(number).collect::<Result<_, _>>()?;
    let time: Vec<i64> = time.split(':').map(number).collect::<Result<_, _>>()?;
    let ([year, month, day], [hour, minute, second]) = (date.as_slice(), time.as_slice()) else { return Err(error()) };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(month) || !(1..=days_in_month).contains(day) || *hour > 23 || *minute > 59 || *second > 60 {
        return Err(error());
    }
    // Days from civil (Howard Hinnant).
    let (year, month) = if *month <= 2 { (year - 1, month + 9) } else { (*year, month - 3) };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Ok(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Unix seconds to `2025-12-20T00:00:00Z`, in UTC: what [`parse_time`] reads, for messages.
pub fn format_utc(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Civil from days (Howard Hinnant), the inverse of the computation in `parse_time`.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

pub(crate) type EnvironmentsWire = BTreeMap<String, EnvironmentWire>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_duration_writes_the_largest_units() {
        let check = |duration: Duration, expected: &str| {
            assert_eq!(format_duration(duration), expected);
            assert_eq!(parse_duration(expected).ok(), Some(duration), "round trip");
        };
        check(Duration::from_millis(200), "200ms");
        check(Duration::from_millis(1500), "1500ms");
        check(Duration::from_secs(5), "5s");
        check(Duration::from_secs(90), "1m30s");
        check(Duration::from_secs(72 * 3600), "72h");
        check(Duration::ZERO, "0s");
        assert_eq!(format_duration(Duration::from_micros(1500)), "1.5ms", "a fraction of a millisecond");
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("72h"), Ok(Duration::from_secs(72 * 3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        for text in ["", "5", "s", "1.5s", "2 s", "2S", "3d", "-1s", "soon", "99999999999999999999h"] {
            let error = parse_duration(text).expect_err(text).to_string();
            assert!(error.starts_with(&format!("invalid duration {text:?} (hint: ")), "{text:?}: {error}");
        }
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("2025-01-01T00:00:00Z"), Ok(1_735_689_600));
        assert_eq!(parse_time("2025-01-01T01:00:00+01:00"), Ok(1_735_689_600));
        assert_eq!(parse_time("2024-12-31T19:30:00-04:30"), Ok(1_735_689_600));
        assert_eq!(parse_time("2024-02-29T00:00:00Z"), Ok(1_709_164_800));
        for text in [
            "2025-01-01 00:00",
            "2025-01-01T00:00:00",
            "2025-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:00:00+1:00",
            "2025-01-01T00:00:00+25:00",
            "2025-01-01T00:00:00 CET",
            "2025-01-+1T00:00:00Z",
            "",
        ] {
            let error = parse_time(text).expect_err(text).to_string();
            assert!(error.contains("is not a time like 2025-12-20T00:00:00Z (hint: "), "{text:?}: {error}");
        }
        for text in ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2025-12-20T07:08:09Z", "2999-01-01T00:00:00Z"] {
            assert_eq!(format_utc(parse_time(text).unwrap()), text);
        }
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
        // Typed errors that keep the text as written (untrimmed), for callers that place it.
        assert_eq!(parse_duration("3d"), Err(DurationError { text: "3d".into() }));
        assert_eq!(parse_time(" soon "), Err(TimeError { text: " soon ".into() }));
    }
}
