//! A check that asks Prometheus: one instant query (`GET /api/v1/query`), healthy when its one
//! value is within the bounds, as Argo Rollouts' Prometheus analysis judges a metric.
//!
//! A value out of bounds is a failure (counted against `failure-limit`). No value at all (an
//! empty result: no traffic yet, or a label that matches nothing), `NaN` (a ratio over no
//! requests) and a server that does not answer are errors (counted against `error-limit`): they
//! say nothing about the release. A query that returns several series cannot be judged, and no
//! amount of waiting changes that: it fails the analysis at once.

use std::time::Duration;

use serde_json::Value;

use crate::{Analysis, Measurement, format_duration};

/// One Prometheus check, with its analysis settings (see [`crate::HttpCheck`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusCheck {
    /// The server's address, e.g. `http://prometheus:9090`.
    pub server: String,
    /// The PromQL query, already rendered (`{version}` filled in).
    pub query: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub analysis: Analysis,
    /// The time one query may take.
    pub timeout: Duration,
}

impl PrometheusCheck {
    /// The check `[environments.NAME.verify]` describes when it is a `prometheus` one, with
    /// `render` applied to the query; `None` for another kind.
    pub fn from_config(
        verify: &release_config::promotion::Verify,
        render: impl Fn(&str) -> String,
    ) -> Option<PrometheusCheck> {
        let release_config::promotion::Probe::Prometheus { server, query, min, max } = &verify.probe else {
            return None;
        };
        Some(PrometheusCheck {
            server: server.trim_end_matches('/').to_string(),
            query: render(query),
            min: *min,
            max: *max,
            analysis: Analysis::of(verify),
            timeout: verify.timeout,
        })
    }

    /// `query = 0.02 (max 0.01)`: the value and the bounds, as a summary reads it.
    fn judged(&self, value: f64) -> Measurement {
        let bounds = match (self.min, self.max) {
            (Some(min), Some(max)) => format!("min {min}, max {max}"),
            (Some(min), None) => format!("min {min}"),
            (None, Some(max)) => format!("max {max}"),
            (None, None) => "no bounds".into(),
        };
        let low = self.min.is_some_and(|min| value < min);
        let high = self.max.is_some_and(|max| value > max);
        if low || high {
            Measurement::Failure { status: 200, reason: format!("the query gave {value} ({bounds})") }
        } else {
            Measurement::Success { status: 200 }
        }
    }
}

/// One query, and whether its error is one that no amount of waiting can fix.
pub(crate) fn measure(agent: &ureq::Agent, check: &PrometheusCheck) -> (Measurement, bool) {
    let url = format!("{}/api/v1/query", check.server);
    let error = |reason: String, hopeless: bool| (Measurement::Error { reason }, hopeless);
    let mut response = match agent.get(&url).query("query", &check.query).call() {
        Ok(response) => response,
        Err(ureq::Error::Timeout(_)) => {
            return error(format!("did not answer within {}", format_duration(check.timeout)), false);
        }
        Err(other) => return error(format!("could not be asked: {other}"), false),
    };
    let status = response.status().as_u16();
    let body: Value = match response.body_mut().read_json() {
        Ok(body) => body,
        Err(_) => return error(format!("answered {status} without Prometheus's JSON"), status == 404),
    };
    if body["status"] != "success" {
        // A query Prometheus cannot parse or run: a fix in release.toml, not a wait.
        let why = body["error"].as_str().unwrap_or("no error given");
        return error(format!("refused the query ({status}): {why}"), status == 400 || status == 422);
    }
    match value(&body["data"]) {
        Ok(Some(value)) if value.is_nan() => error("the query gave NaN (no data to divide?)".into(), false),
        Ok(Some(value)) => (check.judged(value), false),
        Ok(None) => error("the query returned no data".into(), false),
        Err(why) => error(why, true),
    }
}

/// The one value of a query's `data`: a scalar, or a vector of one sample.
fn value(data: &Value) -> Result<Option<f64>, String> {
    let sample = match data["resultType"].as_str() {
        Some("scalar") => &data["result"],
        Some("vector") => match data["result"].as_array().map(Vec::as_slice) {
            Some([]) => return Ok(None),
            Some([one]) => &one["value"],
            Some(many) => {
                return Err(format!(
                    "the query returned {} series, and a check needs one value (hint: aggregate it, e.g. sum(...))",
                    many.len()
                ));
            }
            None => return Err("the query's result is not a list".into()),
        },
        Some(other) => {
            return Err(format!(
                "the query returned a {other}, and a check needs one value (hint: an instant vector or scalar)"
            ));
        }
        None => return Err("the answer has no resultType".into()),
    };
    // [ <unix time>, "<value>" ]; Prometheus writes the value as text (`NaN`, `+Inf` too).
    let text = sample[1].as_str().ok_or("a sample without a value")?;
    text.parse::<f64>().map(Some).map_err(|_| format!("the value `{text}` is not a number"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::value;

    #[test]
    fn the_one_value_of_a_query() {
        assert_eq!(value(&json!({"resultType": "scalar", "result": [1.5, "0.25"]})), Ok(Some(0.25)));
        assert_eq!(
            value(&json!({"resultType": "vector", "result": [{"metric": {}, "value": [1, "3"]}]})),
            Ok(Some(3.0))
        );
        assert_eq!(value(&json!({"resultType": "vector", "result": []})), Ok(None));
        assert!(value(&json!({"resultType": "vector", "result": [{"value": [1, "NaN"]}]})).unwrap().unwrap().is_nan());
        let two = json!({"resultType": "vector", "result": [{"value": [1, "1"]}, {"value": [1, "2"]}]});
        assert_eq!(
            value(&two),
            Err("the query returned 2 series, and a check needs one value (hint: aggregate it, e.g. sum(...))".into())
        );
        assert!(
            value(&json!({"resultType": "matrix", "result": []}))
                .unwrap_err()
                .starts_with("the query returned a matrix")
        );
    }
}
