use std::time::Duration;

use release_config::promotion::parse_duration;
use release_verify::format_duration;

#[test]
fn format_duration_writes_the_largest_units() {
    let check = |duration: Duration, expected: &str| {
        assert_eq!(format_duration(duration), expected);
        assert_eq!(parse_duration(expected), Ok(duration), "round trip");
    };
    check(Duration::from_millis(200), "200ms");
    check(Duration::from_millis(1500), "1500ms");
    check(Duration::from_secs(5), "5s");
    check(Duration::from_secs(90), "1m30s");
    check(Duration::from_secs(72 * 3600), "72h");
    check(Duration::ZERO, "0s");
}
