//! Targets for an outside load generator (`scripts/bench-reads` drives wrk): the seeded
//! server stays up while files list, one request per line, `<bearer token> <path>` for
//! each read to measure, with a token that may make it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use persistence::seed::Manifest;
use serde_json::Value;

use crate::scenario::log_in_all;

/// Logged-in applicants, reviewers and officers whose reads are listed.
const READERS: usize = 64;
/// Assignments per reviewer whose applications are listed.
const ASSIGNMENTS_PER_REVIEWER: usize = 10;

/// Logs readers in and writes `applicant.txt`, `reviewer.txt`, `officer.txt` (one
/// application each), `my-page.txt` (an applicant's first page of 20 of their
/// applications) and `call-page.txt` (an officer's page of 20 of a call's applications,
/// pages 1 to 10, each after the cursor of the page before) into `dir`.
///
/// # Errors
/// When a login or a lookup fails, or a file cannot be written.
pub async fn write(base: &str, manifest: &Manifest, dir: &Path) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let api = format!("{base}/api/v1");
    let mut files: BTreeMap<&str, String> = BTreeMap::new();

    let applicants: Vec<_> = manifest.applicants.iter().take(READERS).collect();
    let emails = applicants.iter().map(|a| a.email.clone()).collect();
    let tokens = log_in_all(&client, &api, emails).await?;
    let lines = files.entry("applicant").or_default();
    for (applicant, token) in applicants.iter().zip(&tokens) {
        for id in &applicant.applications {
            writeln!(lines, "{token} /api/v1/applications/{id}")?;
        }
    }
    let lines = files.entry("my-page").or_default();
    for token in &tokens {
        writeln!(lines, "{token} /api/v1/applications?limit=20")?;
    }

    let reviewers: Vec<_> = manifest.reviewers.iter().take(READERS).collect();
    let emails = reviewers.iter().map(|r| r.email.clone()).collect();
    let tokens = log_in_all(&client, &api, emails).await?;
    let lines = files.entry("reviewer").or_default();
    for (reviewer, token) in reviewers.iter().zip(&tokens) {
        for assignment in reviewer.assignments.iter().take(ASSIGNMENTS_PER_REVIEWER) {
            let found: Value = client
                .get(format!("{api}/assignments/{assignment}"))
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let id = found["application_id"]
                .as_str()
                .context("an assignment without its application")?;
            writeln!(lines, "{token} /api/v1/applications/{id}")?;
        }
    }

    let officers = log_in_all(&client, &api, manifest.officers.clone()).await?;
    let officer = officers.first().context("no officer was seeded")?;
    let lines = files.entry("officer").or_default();
    for id in &manifest.reviewed_applications {
        writeln!(lines, "{officer} /api/v1/applications/{id}")?;
    }
    let lines = files.entry("call-page").or_default();
    for call in &manifest.closed_calls {
        // Pages 1 to 10 as a client reaches them, each after the cursor of the one before.
        let first = format!("/api/v1/applications?call_id={call}&limit=20");
        let mut path = first.clone();
        for _ in 1..=10 {
            writeln!(lines, "{officer} {path}")?;
            let page: Value = client
                .get(format!("{base}{path}"))
                .bearer_auth(officer)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let next = page["next_cursor"]
                .as_str()
                .context("a call with fewer than ten pages")?;
            path = format!("{first}&after={next}");
        }
    }
    for (name, lines) in files {
        let path = dir.join(format!("{name}.txt"));
        std::fs::write(&path, lines).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
