use release_manifests::edit_pyproject;

use crate::golden::check;
use crate::{version, versions};

#[test]
fn pep621_pins_in_every_list() {
    let versions = versions(&[
        ("ui", "1.3.0"),
        ("my-ui", "1.3.0"),
        ("core", "2.0.0"),
        ("shared", "1.3.0"),
        ("ui-next", "1.3.0"),
        ("widgets", "1.5.0"),
    ]);
    check("pyproject_pep621", &[5, 6, 7, 12, 16, 19], |text| {
        edit_pyproject("pyproject.toml", text, Some(&version("1.3.0")), &versions)
    });
}

#[test]
fn dynamic_version_is_left_to_the_build_backend() {
    let versions = versions(&[("ui", "1.3.0")]);
    check("pyproject_dynamic_crlf", &[7], |text| {
        edit_pyproject("lib/pyproject.toml", text, Some(&version("1.3.0")), &versions)
    });
}

#[test]
fn poetry_exact_versions() {
    let versions = versions(&[
        ("ui", "1.3.0"),
        ("core", "2.0.0"),
        ("shared", "1.3.0"),
        ("widgets-pkg", "1.5.0"),
        ("UI_Testing", "1.3.0"),
    ]);
    check("pyproject_poetry", &[3, 8, 9, 16, 19], |text| {
        edit_pyproject("svc/pyproject.toml", text, Some(&version("1.3.0")), &versions)
    });
}

#[test]
fn pep508_requirements() {
    // (requirement in [project].dependencies, expected after moving `a-b` to 2.0.0)
    let cases = [
        ("a-b==1.0.0", "a-b==2.0.0"),
        ("A_B==1.0", "A_B==2.0.0"),
        ("a.b[x,y]==1.0.0", "a.b[x,y]==2.0.0"),
        ("a-b (== 1.0.0)", "a-b (== 2.0.0)"),
        ("a-b==1.0.0;python_version<'3.12'", "a-b==2.0.0;python_version<'3.12'"),
        ("  a-b  ==  1.0.0  ", "  a-b  ==  2.0.0  "),
        ("a-b==1.0.0rc1", "a-b==2.0.0"),
        // Not a single `==` pin of one version: left alone.
        ("a-b===1.0.0", "a-b===1.0.0"),
        ("a-b==1.*", "a-b==1.*"),
        ("a-b>=1.0", "a-b>=1.0"),
        ("a-b~=1.0", "a-b~=1.0"),
        ("a-b==1.0,!=1.0.1", "a-b==1.0,!=1.0.1"),
        ("a-b @ https://example.com/a_b-1.0.0.whl", "a-b @ https://example.com/a_b-1.0.0.whl"),
        ("a-bc==1.0.0", "a-bc==1.0.0"),
        ("a-b; extra == '1.0'", "a-b; extra == '1.0'"),
    ];
    let versions = versions(&[("a-b", "2.0.0")]);
    for (requirement, expected) in cases {
        let text = format!("[project]\nname = \"x\"\ndependencies = [\"{requirement}\"]\n");
        let edited = edit_pyproject("pyproject.toml", &text, None, &versions).unwrap();
        assert_eq!(edited, format!("[project]\nname = \"x\"\ndependencies = [\"{expected}\"]\n"), "{requirement}");
    }
}

#[test]
fn poetry_constraints() {
    // (constraint of `a` under [tool.poetry.dependencies], expected after moving `a` to 2.0.0)
    let cases = [
        ("1.0.0", "2.0.0"),
        ("==1.0.0", "==2.0.0"),
        ("== 1.0", "== 2.0.0"),
        ("^1.0", "^1.0"),
        ("~1.0", "~1.0"),
        (">=1.0,<2.0", ">=1.0,<2.0"),
        ("1.*", "1.*"),
        ("*", "*"),
    ];
    let versions = versions(&[("a", "2.0.0")]);
    for (constraint, expected) in cases {
        let text = format!("[tool.poetry.dependencies]\na = \"{constraint}\"\n");
        let edited = edit_pyproject("pyproject.toml", &text, None, &versions).unwrap();
        assert_eq!(edited, format!("[tool.poetry.dependencies]\na = \"{expected}\"\n"), "{constraint}");
    }
}
