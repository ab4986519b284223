//! Decides whether a deployment is healthy: the promotion stage runs an [`HttpCheck`] after each
//! deploy and records "deployed" only when the [`Verdict`] passes.
//!
//! The semantics are Argo Rollouts' analysis: at most `count` measurements, `interval` apart;
//! the check passes as soon as `consecutive_successes` measurements in a row succeed, and fails
//! as soon as failures (a response with the wrong status or without the expected text) exceed
//! `failure_limit`, or errors (no response at all: refused, reset, timed out) exceed
//! `error_limit`, or when the measurements run out. Errors are counted apart from failures
//! because "the service said no" and "the service is not there yet" call for different limits.
//!
//! This crate never prints, never retries a measurement behind the caller's back, and never
//! sleeps on its own: the caller passes the sleep, so tests decide how time passes. It speaks
//! plain HTTP and HTTPS (rustls with the ring provider and the webpki roots; no OpenSSL).
//!
//! ```no_run
//! use std::time::Duration;
//! use release_verify::{Analysis, HttpCheck, verify};
//!
//! let check = HttpCheck {
//!     url: "https://staging.example.com/health".into(),
//!     status: 200,
//!     body_contains: Some("\"version\":\"1.5.0\"".into()),
//!     analysis: Analysis {
//!         interval: Duration::from_secs(10),
//!         count: 30,
//!         failure_limit: 2,
//!         error_limit: 5,
//!         consecutive_successes: 3,
//!     },
//!     timeout: Duration::from_secs(5),
//! };
//! let verdict = verify(&check, &mut std::thread::sleep);
//! println!("{}: {}", if verdict.passed { "healthy" } else { "unhealthy" }, verdict.summary);
//! ```

use std::io::Read;
use std::time::Duration;

use release_config::promotion::format_duration;

mod command;
mod prometheus;

pub use command::{CommandCheck, OUTPUT_LINE_LIMIT, OUTPUT_LINES};
pub use prometheus::PrometheusCheck;

/// How much of a response body is read to look for [`HttpCheck::body_contains`].
pub const BODY_LIMIT: usize = 64 * 1024;

/// One HTTP health check, with its analysis settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    /// The URL to `GET`, already rendered (`{url}` and `{version}` substituted by the caller).
    pub url: String,
    /// The status a healthy service answers with.
    pub status: u16,
    /// Text the body (its first [`BODY_LIMIT`] bytes) must contain.
    pub body_contains: Option<String>,
    /// How the measurements are judged.
    pub analysis: Analysis,
    /// The time one request may take, from connecting to the end of the body.
    pub timeout: Duration,
}

impl HttpCheck {
    /// The check `[environments.NAME.verify]` describes, with `render` applied to the URL and
    /// the expected text (the caller fills in `{url}` and `{version}`); `None` for a `command`
    /// check. The one place the settings pass from the configuration to the check.
    pub fn from_config(
        verify: &release_config::promotion::Verify,
        render: impl Fn(&str) -> String,
    ) -> Option<HttpCheck> {
        let release_config::promotion::Probe::Http { url, status, body_contains } = &verify.probe else {
            return None;
        };
        Some(HttpCheck {
            url: render(url),
            status: *status,
            body_contains: body_contains.as_deref().map(&render),
            analysis: Analysis::of(verify),
            timeout: verify.timeout,
        })
    }
}

/// How a series of measurements is judged, whatever measures them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Analysis {
    /// The time between the end of one measurement and the start of the next.
    pub interval: Duration,
    /// The maximum number of measurements.
    pub count: u32,
    /// The analysis fails when failures (an answer, but not the expected one) exceed this.
    pub failure_limit: u32,
    /// The analysis fails when errors (no answer) exceed this; counted apart from failures.
    pub error_limit: u32,
    /// The analysis passes as soon as this many measurements in a row succeed (at least one).
    pub consecutive_successes: u32,
}

impl Analysis {
    /// The analysis `[environments.NAME.verify]` (or a monitor's check) asks for.
    pub fn of(verify: &release_config::promotion::Verify) -> Analysis {
        Analysis {
            interval: verify.interval,
            count: verify.count,
            failure_limit: verify.failure_limit,
            error_limit: verify.error_limit,
            consecutive_successes: verify.consecutive_successes,
        }
    }
}

/// The outcome of one request.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Measurement {
    /// The expected status, and the expected text if one was asked for.
    Success { status: u16 },
    /// A response, but not the expected one.
    Failure { status: u16, reason: String },
    /// No response: the connection was refused or reset, or the service did not answer in time.
    Error { reason: String },
}

/// The result of an analysis.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub passed: bool,
    /// Every measurement taken, in order.
    pub measurements: Vec<Measurement>,
    /// One line for a human, e.g. `3 consecutive successes after 4 checks`.
    pub summary: String,
}

impl Verdict {
    pub fn successes(&self) -> usize {
        self.measurements.iter().filter(|measurement| matches!(measurement, Measurement::Success { .. })).count()
    }

    pub fn failures(&self) -> usize {
        self.measurements.iter().filter(|measurement| matches!(measurement, Measurement::Failure { .. })).count()
    }

    pub fn errors(&self) -> usize {
        self.measurements.iter().filter(|measurement| matches!(measurement, Measurement::Error { .. })).count()
    }
}

/// Runs the analysis: measures, and stops as soon as the verdict is decided.
///
/// `sleep` is called with [`HttpCheck::interval`] between two measurements, never before the
/// first nor after the last; real callers pass `std::thread::sleep`. A URL that cannot be
/// requested at all (no scheme, no host) fails the analysis at once: waiting will not fix it.
/// A `consecutive_successes` of 0 counts as 1; a `count` of 0 fails without measuring.
pub fn verify(check: &HttpCheck, sleep: &mut dyn FnMut(Duration)) -> Verdict {
    let agent = agent(check);
    analyze(&check.analysis, &redact(&check.url), &mut || measure(&agent, check), sleep)
}

/// [`verify`] for a [`CommandCheck`]: each measurement runs the command once.
pub fn verify_command(check: &CommandCheck, sleep: &mut dyn FnMut(Duration)) -> Verdict {
    let program = format!("`{}`", check.argv.first().map(String::as_str).unwrap_or_default());
    analyze(&check.analysis, &program, &mut || command::measure(check), sleep)
}

/// [`verify`] for a [`PrometheusCheck`]: each measurement is one instant query.
pub fn verify_prometheus(check: &PrometheusCheck, sleep: &mut dyn FnMut(Duration)) -> Verdict {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(check.timeout))
        .user_agent(concat!("release-verify/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let target = format!("Prometheus at {}", redact(&check.server));
    analyze(&check.analysis, &target, &mut || prometheus::measure(&agent, check), sleep)
}

/// The analysis loop: `measure` answers with a measurement and whether its error is hopeless;
/// `target` names what is measured in the summary.
fn analyze(
    settings: &Analysis,
    target: &str,
    measure: &mut dyn FnMut() -> (Measurement, bool),
    sleep: &mut dyn FnMut(Duration),
) -> Verdict {
    let required = settings.consecutive_successes.max(1);
    let mut measurements = Vec::new();
    let (mut failures, mut errors, mut in_a_row) = (0u32, 0u32, 0u32);
    let verdict =
        |passed: bool, measurements: Vec<Measurement>, summary: String| Verdict { passed, measurements, summary };

    if settings.count == 0 {
        return verdict(false, measurements, "no checks to run (count is 0)".into());
    }
    for index in 0..settings.count {
        if index > 0 {
            sleep(settings.interval);
        }
        let (measurement, hopeless) = measure();
        measurements.push(measurement.clone());
        match measurement {
            Measurement::Success { .. } => {
                in_a_row += 1;
                if in_a_row >= required {
                    let summary = if required == 1 {
                        format!("1 success after {}", plural(index + 1, "check"))
                    } else {
                        format!("{required} consecutive successes after {} checks", index + 1)
                    };
                    return verdict(true, measurements, summary);
                }
            }
            Measurement::Failure { reason, .. } => {
                in_a_row = 0;
                failures += 1;
                if failures > settings.failure_limit {
                    let summary =
                        format!("{} > limit {}: {reason}", plural(failures, "failure"), settings.failure_limit);
                    return verdict(false, measurements, summary);
                }
            }
            Measurement::Error { reason } => {
                in_a_row = 0;
                errors += 1;
                if hopeless {
                    return verdict(false, measurements, format!("{target} {reason}"));
                }
                if errors > settings.error_limit {
                    let summary =
                        format!("{target} {reason} ({} > limit {})", plural(errors, "error"), settings.error_limit);
                    return verdict(false, measurements, summary);
                }
            }
        }
    }
    verdict(false, measurements.clone(), exhausted(settings, required, &measurements))
}

/// The summary of an analysis that ran out of measurements.
fn exhausted(settings: &Analysis, required: u32, measurements: &[Measurement]) -> String {
    let last_problem = measurements.iter().rev().find_map(|measurement| match measurement {
        Measurement::Success { .. } => None,
        Measurement::Failure { reason, .. } | Measurement::Error { reason } => Some(reason.clone()),
    });
    let mut summary = if required == 1 {
        format!("ran {} without a success", plural(settings.count, "check"))
    } else {
        format!("ran {} without {required} consecutive successes", plural(settings.count, "check"))
    };
    if let Some(reason) = last_problem {
        summary.push_str(&format!(" (last problem: {reason})"));
    }
    summary
}

/// One agent per analysis. Nothing is pooled, so every measurement opens its own connection, as
/// a new client would; statuses are data, not errors; redirects are not followed, so the status
/// is the one the URL itself answers with.
fn agent(check: &HttpCheck) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections(0)
        .max_idle_connections_per_host(0)
        .timeout_global(Some(check.timeout))
        .user_agent(concat!("release-verify/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// One measurement, and whether its error is one that no amount of waiting can fix.
fn measure(agent: &ureq::Agent, check: &HttpCheck) -> (Measurement, bool) {
    let mut response = match agent.get(&check.url).call() {
        Ok(response) => response,
        Err(error) => {
            let (reason, hopeless) = describe(error, check);
            return (Measurement::Error { reason }, hopeless);
        }
    };
    let status = response.status().as_u16();
    if status != check.status {
        let reason = format!("status {status} (expected {})", check.status);
        return (Measurement::Failure { status, reason }, false);
    }
    if let Some(needle) = &check.body_contains {
        let mut body = Vec::new();
        let read = response.body_mut().as_reader().take(BODY_LIMIT as u64).read_to_end(&mut body);
        if let Err(error) = read {
            let (reason, hopeless) = describe(ureq::Error::from(error), check);
            return (Measurement::Error { reason }, hopeless);
        }
        if !contains(&body, needle.as_bytes()) {
            let within = if body.len() >= BODY_LIMIT { " in its first 64 KiB" } else { "" };
            let reason = format!("status {status} but the body does not contain {needle:?}{within}");
            return (Measurement::Failure { status, reason }, false);
        }
    }
    (Measurement::Success { status }, false)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle)
}

/// A reason that reads after the URL: "http://host/health did not answer within 5s".
fn describe(error: ureq::Error, check: &HttpCheck) -> (String, bool) {
    use std::io::ErrorKind;
    let timeout = check.timeout;
    let https = check.url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    let reason = match error {
        ureq::Error::Timeout(_) => format!("did not answer within {}", format_duration(timeout)),
        ureq::Error::Io(error) => match error.kind() {
            ErrorKind::ConnectionRefused => "refused the connection".into(),
            ErrorKind::ConnectionReset => "reset the connection".into(),
            ErrorKind::ConnectionAborted => "aborted the connection".into(),
            ErrorKind::UnexpectedEof => "closed the connection without a complete answer".into(),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                format!("did not answer within {}", format_duration(timeout))
            }
            // rustls reports what it cannot read as invalid data.
            ErrorKind::InvalidData if https => format!("failed the TLS handshake: {error}"),
            _ => format!("could not be reached: {error}"),
        },
        ureq::Error::HostNotFound => "could not be resolved (host not found)".into(),
        ureq::Error::ConnectionFailed => "could not be connected to".into(),
        ureq::Error::Rustls(error) => format!("failed the TLS handshake: {error}"),
        ureq::Error::Tls(error) => format!("failed the TLS handshake: {error}"),
        ureq::Error::Protocol(error) => format!("answered with invalid HTTP: {error}"),
        ureq::Error::LargeResponseHeader(size, limit) => {
            format!("answered with a header of {size} bytes (limit {limit})")
        }
        error @ (ureq::Error::BadUri(_) | ureq::Error::Http(_)) => {
            let reason =
                format!("is not a URL that can be requested: {error} (hint: write it as http://host[:port]/path)");
            return (reason, true);
        }
        error => format!("could not be reached: {error}"),
    };
    (reason, false)
}

/// The URL without credentials, for messages.
fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|index| index + 3) else { return url.to_string() };
    let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |index| start + index);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..start], &url[start + at + 1..]),
        None => url.to_string(),
    }
}

fn plural(count: u32, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_credentials_only() {
        let check = |url: &str, expected: &str| assert_eq!(redact(url), expected, "{url}");
        check("http://127.0.0.1:8080/health", "http://127.0.0.1:8080/health");
        check("https://user:secret@example.com/health", "https://***@example.com/health");
        check("https://example.com/health?next=a@b", "https://example.com/health?next=a@b");
        check("not a url", "not a url");
    }

    #[test]
    fn contains_finds_bytes_anywhere() {
        assert!(contains(b"{\"status\":\"ok\"}", b"\"ok\""));
        assert!(contains(b"anything", b""));
        assert!(!contains(b"ok", b"okay"));
    }

    #[test]
    fn a_check_from_the_configuration_keeps_every_setting_and_renders_url_and_text() {
        let verify = release_config::promotion::Verify {
            probe: release_config::promotion::Probe::Http {
                url: "{url}/health".into(),
                status: 204,
                body_contains: Some("{version}".into()),
            },
            interval: Duration::from_millis(250),
            count: 7,
            failure_limit: 1,
            error_limit: 3,
            consecutive_successes: 2,
            timeout: Duration::from_secs(4),
        };
        let check =
            HttpCheck::from_config(&verify, |text| text.replace("{url}", "http://x").replace("{version}", "1.2.3"))
                .unwrap();
        assert_eq!(
            check,
            HttpCheck {
                url: "http://x/health".into(),
                status: 204,
                body_contains: Some("1.2.3".into()),
                analysis: Analysis {
                    interval: Duration::from_millis(250),
                    count: 7,
                    failure_limit: 1,
                    error_limit: 3,
                    consecutive_successes: 2,
                },
                timeout: Duration::from_secs(4),
            }
        );
    }
}
