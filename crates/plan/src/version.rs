//! Version arithmetic: bumps, the 0.x rules, pre-release numbering.

use release_config::{Bump, Versioning};
use semver::{Prerelease, Version};

/// Applies a bump the way npm's `semver.inc` does: a pre-release of the target graduates. A
/// number already at `u64::MAX` stays there (no version follows it; never a panic or a wrap).
pub fn bump_version(current: &Version, bump: Bump) -> Version {
    let pre = !current.pre.is_empty();
    let (major, minor, patch) = (current.major, current.minor, current.patch);
    match bump {
        Bump::None => current.clone(),
        Bump::Patch if pre => Version::new(major, minor, patch),
        Bump::Patch => Version::new(major, minor, patch.saturating_add(1)),
        Bump::Minor if pre && patch == 0 => Version::new(major, minor, 0),
        Bump::Minor => Version::new(major, minor.saturating_add(1), 0),
        Bump::Major if pre && minor == 0 && patch == 0 => Version::new(major, 0, 0),
        Bump::Major => Version::new(major.saturating_add(1), 0, 0),
    }
}

/// On 0.x a breaking change and a feature bump less, as configured.
pub fn zero_major(versioning: &Versioning, current: &Version, bump: Bump) -> Bump {
    if current.major != 0 {
        return bump;
    }
    match bump {
        Bump::Major => versioning.zero_major_breaking,
        Bump::Minor => versioning.zero_major_feature,
        other => other,
    }
}

/// Which position changed from one version to another.
pub fn classify(from: &Version, to: &Version) -> Bump {
    if to <= from {
        Bump::None
    } else if to.major != from.major {
        Bump::Major
    } else if to.minor != from.minor {
        Bump::Minor
    } else {
        Bump::Patch
    }
}

/// `1.3.0` with label `rc` -> `1.3.0-rc.N`, one past the highest `rc` already tagged for 1.3.0.
pub fn next_pre_release(stable: &Version, label: &str, tagged: &[Version]) -> Version {
    let highest = tagged
        .iter()
        .filter(|version| (version.major, version.minor, version.patch) == (stable.major, stable.minor, stable.patch))
        .filter_map(|version| {
            let (tag_label, number) = version.pre.as_str().rsplit_once('.')?;
            (tag_label == label).then(|| number.parse::<u64>().ok()).flatten()
        })
        .max()
        .unwrap_or(0);
    let mut next = stable.clone();
    next.pre = Prerelease::new(&format!("{label}.{}", highest.saturating_add(1))).expect("label checked by the caller");
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn bumps() {
        let check = |from: &str, bump: Bump, expected: &str| {
            assert_eq!(bump_version(&v(from), bump), v(expected), "{from} {bump:?}")
        };
        check("1.2.3", Bump::Patch, "1.2.4");
        check("1.2.3", Bump::Minor, "1.3.0");
        check("1.2.3", Bump::Major, "2.0.0");
        check("1.3.0-rc.1", Bump::Minor, "1.3.0");
        check("1.3.0-rc.1", Bump::Major, "2.0.0");
        check("2.0.0-beta.2", Bump::Major, "2.0.0");
        check("1.2.4-rc.1", Bump::Patch, "1.2.4");
        check("1.2.4-rc.1", Bump::Minor, "1.3.0");
    }

    #[test]
    fn zero_major_follows_the_configuration() {
        let mut versioning = Versioning::default();
        assert_eq!(zero_major(&versioning, &v("0.4.0"), Bump::Major), Bump::Minor);
        assert_eq!(zero_major(&versioning, &v("0.4.0"), Bump::Minor), Bump::Patch);
        assert_eq!(zero_major(&versioning, &v("0.4.0"), Bump::Patch), Bump::Patch);
        assert_eq!(zero_major(&versioning, &v("1.4.0"), Bump::Minor), Bump::Minor);
        versioning.zero_major_breaking = Bump::Major;
        versioning.zero_major_feature = Bump::Minor;
        assert_eq!(zero_major(&versioning, &v("0.4.0"), Bump::Major), Bump::Major);
        assert_eq!(zero_major(&versioning, &v("0.4.0"), Bump::Minor), Bump::Minor);
    }

    #[test]
    fn pre_releases_count_up_per_label_and_version() {
        let tagged = [v("1.3.0-rc.1"), v("1.3.0-rc.2"), v("1.3.0-beta.7"), v("1.2.0-rc.9"), v("1.2.0")];
        assert_eq!(next_pre_release(&v("1.3.0"), "rc", &tagged), v("1.3.0-rc.3"));
        assert_eq!(next_pre_release(&v("1.3.0"), "beta", &tagged), v("1.3.0-beta.8"));
        assert_eq!(next_pre_release(&v("1.3.0"), "alpha", &tagged), v("1.3.0-alpha.1"));
        assert_eq!(next_pre_release(&v("2.0.0"), "rc", &tagged), v("2.0.0-rc.1"));
    }

    #[test]
    fn classify_names_the_position_that_moved() {
        assert_eq!(classify(&v("1.2.3"), &v("2.0.0")), Bump::Major);
        assert_eq!(classify(&v("1.2.3"), &v("1.4.0")), Bump::Minor);
        assert_eq!(classify(&v("1.2.3"), &v("1.2.9")), Bump::Patch);
        assert_eq!(classify(&v("1.2.3"), &v("1.2.3")), Bump::None);
    }
}
