//! `fixtures/promote/deploy.sh`, run the way a promotion runs `deploy = ["./deploy.sh", "staging"]`,
//! with the deployed service checked by `verify`.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Command, Output};

use release_test_support::service::{Deployments, deploy_script};
use release_verify::Measurement;

use crate::{check, run};

/// Runs deploy.sh in `dir`: never the crate folder, where a version run as code once left the
/// files `quoted`, `single` and ` *` (committed by mistake).
fn deploy(deployments: &Deployments, dir: &Path, environment: &str, version: &str, extra: &[(&str, &str)]) -> Output {
    Command::new(deploy_script())
        .current_dir(dir)
        .arg(environment)
        .envs(deployments.env())
        .env("RELEASE_ENV", environment)
        .env("RELEASE_VERSION", version)
        .envs(extra.iter().copied())
        .output()
        .expect("running deploy.sh")
}

fn deployed(deployments: &Deployments, dir: &Path, environment: &str, version: &str) {
    let output = deploy(deployments, dir, environment, version, &[]);
    assert!(output.status.success(), "deploy.sh {environment} {version:?}: {}", describe(&output));
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The version the environment's service reports, as JSON reads it.
fn serving(deployments: &Deployments, environment: &str) -> String {
    let mut response = ureq::get(&deployments.url(environment, "/health")).call().expect("GET /health");
    let body: serde_json::Value = serde_json::from_reader(response.body_mut().as_reader()).expect("a JSON body");
    body["version"].as_str().expect("a version").to_string()
}

#[test]
fn a_second_deploy_replaces_the_running_version() {
    let deployments = Deployments::new(&["staging"]);

    deployed(&deployments, deployments.state(), "staging", "1.0.0");
    assert_eq!(serving(&deployments, "staging"), "1.0.0");
    deployed(&deployments, deployments.state(), "staging", "1.1.0");
    assert_eq!(serving(&deployments, "staging"), "1.1.0");

    let mut check = check(&deployments.url("staging", "/health"));
    check.body_contains = Some("\"version\":\"1.1.0\"".into());
    check.analysis.consecutive_successes = 2;
    let (verdict, _) = run(&check);
    assert!(verdict.passed, "{verdict:?}");
    let expected = [("staging".to_string(), "1.0.0".to_string()), ("staging".to_string(), "1.1.0".to_string())];
    assert_eq!(deployments.deployed(), expected);
}

/// A version is data: deploy.sh must pass it on as one argument and log it as it came, never
/// let a shell read it as code.
#[test]
fn a_hostile_version_arrives_verbatim_and_runs_nothing() {
    let deployments = Deployments::new(&["staging"]);
    // The trap is the working directory too: a word of the version run as a command (`touch
    // "quoted"`) would land there.
    let trap_dir = deployments.state().join("trap");
    std::fs::create_dir(&trap_dir).unwrap();
    let trap = trap_dir.display();
    let version = format!(
        "1.0.0; touch {trap}/pwned-$$ $(touch {trap}/pwned-subst) `touch {trap}/pwned-tick` \"quoted\" 'single' \\ *"
    );

    deployed(&deployments, &trap_dir, "staging", &version);

    let created: Vec<_> = std::fs::read_dir(&trap_dir).unwrap().collect();
    assert!(created.is_empty(), "the version ran as a command: {created:?}");
    assert_eq!(deployments.deployed(), [("staging".to_string(), version.clone())]);
    assert_eq!(serving(&deployments, "staging"), version);
}

#[test]
fn a_deploy_asked_to_fail_fails_and_leaves_the_running_version() {
    let deployments = Deployments::new(&["staging"]);
    deployed(&deployments, deployments.state(), "staging", "1.0.0");

    let output = deploy(&deployments, deployments.state(), "staging", "1.1.0", &[("SERVICE_DEPLOY_FAIL_STAGING", "1")]);

    assert!(!output.status.success(), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SERVICE_DEPLOY_FAIL_STAGING"), "{}", describe(&output));
    assert_eq!(serving(&deployments, "staging"), "1.0.0");
    assert_eq!(deployments.deployed(), [("staging".to_string(), "1.0.0".to_string())]);
}

#[test]
fn a_deploy_fails_when_the_service_does_not_come_up() {
    let deployments = Deployments::new(&["staging"]);
    // Someone else holds the port: the service cannot listen on it.
    let _occupied = TcpListener::bind((Ipv4Addr::LOCALHOST, deployments.port("staging"))).unwrap();

    let output = deploy(&deployments, deployments.state(), "staging", "1.0.0", &[]);

    assert!(!output.status.success(), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("exited before listening"), "{}", describe(&output));
    assert!(deployments.deployed().is_empty());
}

#[test]
fn a_version_can_be_deployed_unhealthy_and_verification_says_so() {
    let deployments = Deployments::new(&["staging", "prod"]);
    let mode = Deployments::variable("SERVICE_MODE", "staging", Some("2.0.0-rc.1"));
    assert_eq!(mode, "SERVICE_MODE_STAGING_2_0_0_rc_1");

    let output = deploy(&deployments, deployments.state(), "staging", "2.0.0-rc.1", &[(mode.as_str(), "unhealthy")]);
    assert!(output.status.success(), "{}", describe(&output));
    deployed(&deployments, deployments.state(), "prod", "2.0.0-rc.1");

    let mut check = check(&deployments.url("staging", "/health"));
    check.analysis.failure_limit = 1;
    let (verdict, _) = run(&check);
    assert!(!verdict.passed);
    assert_eq!(
        verdict.measurements[0],
        Measurement::Failure { status: 500, reason: "status 500 (expected 200)".into() }
    );
    let (verdict, _) = run(&crate::check(&deployments.url("prod", "/health")));
    assert!(verdict.passed, "the mode was for staging only: {verdict:?}");
}
