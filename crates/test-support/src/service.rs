//! A real HTTP service for promotion tests: the `release-test-service` binary of this crate
//! (`src/bin/service.rs`), and `fixtures/promote/deploy.sh`, which deploys it the way a
//! promotion's `deploy = ["./deploy.sh", "staging"]` would.
//!
//! [`binary`] finds the service from any test in the workspace: next to the running test
//! executable, in `target/<profile>/`, after a `cargo build` of it (cargo runs tests with the
//! build directory unlocked, so the nested build does not wait on the outer one).
//!
//! ```no_run
//! use release_test_support::service::{Deployments, Service};
//!
//! // One service, owned by the test: stopped when dropped.
//! let service = Service::start("1.0.0", "fail-after:2");
//! let url = service.url("/health");
//!
//! // Services deployed by deploy.sh, in their own sessions: stopped when `deployments` drops.
//! let deployments = Deployments::new(&["staging", "prod"]);
//! let mut deploy = std::process::Command::new(release_test_support::service::deploy_script());
//! deploy.arg("staging").envs(deployments.env()).env("RELEASE_VERSION", "1.0.0");
//! assert!(deploy.status().unwrap().success());
//! assert_eq!(deployments.deployed(), [("staging".to_string(), "1.0.0".to_string())]);
//! ```

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::fixtures_dir;

/// The service's binary name, as `[[bin]]` in this crate's Cargo.toml declares it.
pub const BINARY_NAME: &str = "release-test-service";

/// The variable that overrides where [`binary`] looks, and that `deploy.sh` runs.
pub const BINARY_VARIABLE: &str = "RELEASE_TEST_SERVICE";

/// A port that was free a moment ago on 127.0.0.1, for a service a test starts later.
///
/// Not a port-0 binding: the kernel hands those out from the ephemeral range, where any outgoing
/// connection of a parallel test may take the port before the service binds it (on a loaded
/// machine it did: "the service exited before listening"). These come from below Linux's
/// ephemeral range (32768-60999), each handed out once per process, from a start that differs
/// between processes.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(7919) % COUNT;
    for _ in 0..COUNT {
        let port = (FIRST + (start + NEXT.fetch_add(1, Ordering::Relaxed)) % COUNT) as u16;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 between {FIRST} and {}", FIRST + COUNT)
}

/// `fixtures/promote/deploy.sh`.
pub fn deploy_script() -> PathBuf {
    fixtures_dir().join("promote").join("deploy.sh")
}

/// The `release-test-service` binary, built if cargo is running the test.
///
/// `$RELEASE_TEST_SERVICE` wins when set. Otherwise the binary is looked for in the directory
/// of the running test executable's profile (`target/debug/` for `target/debug/deps/it-*`),
/// after running `cargo build -p release-test-support --bin release-test-service` there once
/// per process when `$CARGO` says cargo started the test, so an edited service is rebuilt.
/// Panics with the command to run when the binary cannot be found.
pub fn binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(locate).clone()
}

fn locate() -> PathBuf {
    if let Some(path) = std::env::var_os(BINARY_VARIABLE) {
        return PathBuf::from(path);
    }
    let executable = std::env::current_exe().expect("the path of the running test executable");
    let directory = executable.parent().expect("the test executable's directory");
    // Test executables live in target/<profile>/deps/, binaries in target/<profile>/.
    let profile_directory = if directory.ends_with("deps") { directory.parent().unwrap() } else { directory };
    let candidate = profile_directory.join(format!("{BINARY_NAME}{}", std::env::consts::EXE_SUFFIX));
    let hint = format!(
        "(hint: run `cargo build -p release-test-support --bin {BINARY_NAME}`, or set {BINARY_VARIABLE} to its path)"
    );
    if let Some(cargo) = std::env::var_os("CARGO") {
        build(Path::new(&cargo), profile_directory, &hint);
    }
    assert!(candidate.is_file(), "{BINARY_NAME} not found at {} {hint}", candidate.display());
    candidate
}

/// `cargo build` of the service into the profile directory the test runs from.
fn build(cargo: &Path, profile_directory: &Path, hint: &str) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut command = Command::new(cargo);
    command.args(["build", "--quiet", "--bin", BINARY_NAME, "--manifest-path"]).arg(&manifest);
    match profile_directory.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            command.arg("--release");
        }
        Some(profile) => {
            command.args(["--profile", profile]);
        }
    }
    if let Some(target_directory) = profile_directory.parent() {
        command.arg("--target-dir").arg(target_directory);
    }
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|error| panic!("running {command:?}: {error}"));
    assert!(
        output.status.success(),
        "building {BINARY_NAME} failed ({}) {hint}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether something accepts connections on 127.0.0.1:`port` within `timeout`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), Duration::from_millis(200)).is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One service started by the test itself, killed when dropped.
pub struct Service {
    child: Child,
    port: u16,
}

impl Service {
    /// Starts the service on a free port in `mode` (`healthy`, `unhealthy`, `hang`,
    /// `fail-after:N`) and waits until it accepts connections.
    pub fn start(version: &str, mode: &str) -> Service {
        let port = free_port();
        let child = Command::new(binary())
            .args(["--port", &port.to_string(), "--version", version, "--mode", mode])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("starting {}: {error}", binary().display()));
        let mut service = Service { child, port };
        if !wait_for_port(port, Duration::from_secs(10)) {
            let exited = service.child.try_wait().ok().flatten();
            panic!("{BINARY_NAME} did not listen on 127.0.0.1:{port} (exit: {exited:?})");
        }
        service
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment `deploy.sh` reads, for services it starts in their own sessions, and their
/// cleanup: dropping this stops every service whose pidfile is in the state directory, then
/// removes the directory. It owns the directory so that the order is always that one: a test that
/// dropped a directory it owned first left the services running, with no pidfile to find them by.
///
/// Each environment gets a free port (`SERVICE_PORT_<ENV>`). Tests add the optional variables
/// themselves: `SERVICE_MODE_<ENV>` or `SERVICE_MODE_<ENV>_<VERSION>` (a mode for every
/// version, or one version; in the version, every character other than a letter or a digit is
/// written `_`, byte by byte), and `SERVICE_DEPLOY_FAIL_<ENV>=1`. [`Deployments::variable`] spells the names.
pub struct Deployments {
    state_directory: PathBuf,
    ports: Vec<(String, u16)>,
    /// Removed after `drop` has stopped the services (fields drop after `Drop::drop`).
    _owned: tempfile::TempDir,
}

impl Deployments {
    /// Deployments whose state (pidfiles, `deploys.log`) is in a new temporary directory.
    pub fn new(environments: &[&str]) -> Deployments {
        let owned = tempfile::tempdir().expect("a temporary directory for the deployments' state");
        let ports = environments.iter().map(|environment| (environment.to_string(), free_port())).collect();
        Deployments { state_directory: owned.path().to_path_buf(), ports, _owned: owned }
    }

    /// Where `deploy.sh` keeps the state: `SERVICE_STATE_DIR`.
    pub fn state(&self) -> &Path {
        &self.state_directory
    }

    /// `RELEASE_TEST_SERVICE`, `SERVICE_STATE_DIR` and one `SERVICE_PORT_<ENV>` per environment.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut variables = vec![
            (BINARY_VARIABLE.to_string(), binary().display().to_string()),
            ("SERVICE_STATE_DIR".to_string(), self.state_directory.display().to_string()),
        ];
        for (environment, port) in &self.ports {
            variables.push((Deployments::variable("SERVICE_PORT", environment, None), port.to_string()));
        }
        variables
    }

    /// `SERVICE_MODE_STAGING_1_0_0` for `("SERVICE_MODE", "staging", Some("1.0.0"))`, the way
    /// `deploy.sh` spells it.
    pub fn variable(prefix: &str, environment: &str, version: Option<&str>) -> String {
        // Byte by byte, as `tr` in deploy.sh: a multi-byte character is several `_`.
        let word = |text: &str| -> String {
            text.bytes().map(|byte| if byte.is_ascii_alphanumeric() { char::from(byte) } else { '_' }).collect()
        };
        let mut name = format!("{prefix}_{}", word(environment).to_ascii_uppercase());
        if let Some(version) = version {
            name.push('_');
            name.push_str(&word(version));
        }
        name
    }

    pub fn port(&self, environment: &str) -> u16 {
        self.ports
            .iter()
            .find(|(name, _)| name == environment)
            .map(|(_, port)| *port)
            .unwrap_or_else(|| panic!("no port for environment {environment:?}"))
    }

    /// `http://127.0.0.1:<port of environment><path>`.
    pub fn url(&self, environment: &str, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port(environment))
    }

    /// `(environment, version)` per successful deploy, in order, from `deploys.log`.
    pub fn deployed(&self) -> Vec<(String, String)> {
        let log = self.state_directory.join("deploys.log");
        let text = match std::fs::read_to_string(&log) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(error) => panic!("reading {}: {error}", log.display()),
        };
        text.lines()
            .map(|line| {
                let (environment, version) = line.split_once(' ').unwrap_or((line, ""));
                (environment.to_string(), version.to_string())
            })
            .collect()
    }

    /// Stops the service deployed to `environment`, if one runs.
    pub fn stop(&self, environment: &str) {
        stop_pidfile(&self.state_directory.join(format!("{environment}.pid")));
    }
}

impl Drop for Deployments {
    fn drop(&mut self) {
        let Ok(entries) = std::fs::read_dir(&self.state_directory) else { return };
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|extension| extension == "pid") {
                stop_pidfile(&entry.path());
            }
        }
    }
}

/// Sends SIGTERM to the process whose pid the file holds (through `kill`: this crate has no
/// unsafe code), and waits up to 5 s for it to end.
pub fn stop_pidfile(pidfile: &Path) {
    let Ok(text) = std::fs::read_to_string(pidfile) else { return };
    let pid = text.trim();
    if pid.is_empty() || !pid.bytes().all(|byte| byte.is_ascii_digit()) {
        return;
    }
    let kill = |signal: &str| {
        Command::new("kill")
            .args([signal, pid])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !kill("-TERM") {
        return;
    }
    // A process that ended but was not reaped (its parent, deploy.sh, is gone, and not every
    // init reaps) still answers `kill -0`: on Linux, its state in /proc says so.
    let alive = || {
        kill("-0")
            && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_or(true, |stat| !stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_file(pidfile);
}
