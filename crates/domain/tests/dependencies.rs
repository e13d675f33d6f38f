//! The domain stays pure: it may not depend on any crate that does I/O, runs async code or
//! reads a clock or a random source.

const FORBIDDEN: &[&str] = &[
    "tokio",
    "sea-orm",
    "sqlx",
    "poem",
    "poem-openapi",
    "lettre",
    "jsonwebtoken",
    "reqwest",
    "hyper",
    "argon2",
    "getrandom",
    "rand",
    "async-trait",
    "futures",
];

fn dependencies(manifest: &str) -> Vec<&str> {
    let mut section = "";
    let mut names = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[dependencies]" && !line.is_empty() && !line.starts_with('#') {
            names.push(line.split(['=', '.', ' ']).next().unwrap_or_default());
        }
    }
    names
}

#[test]
fn the_domain_depends_on_no_io_crate() {
    let manifest = include_str!("../Cargo.toml");
    let deps = dependencies(manifest);
    assert!(
        deps.contains(&"chrono"),
        "the parser must see the real dependencies: {deps:?}"
    );
    let offending: Vec<&&str> = deps.iter().filter(|d| FORBIDDEN.contains(d)).collect();
    assert!(
        offending.is_empty(),
        "the domain crate must stay free of I/O: {offending:?}"
    );
}

#[test]
fn the_domain_gets_chrono_without_its_clock() {
    let workspace = include_str!("../../../Cargo.toml");
    let chrono = workspace
        .lines()
        .find(|l| l.starts_with("chrono"))
        .unwrap_or_default();
    assert!(chrono.contains("default-features = false"), "{chrono}");
    assert!(
        !chrono.contains("clock"),
        "chrono's clock is for the server only: {chrono}"
    );
}
