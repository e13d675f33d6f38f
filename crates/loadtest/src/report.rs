//! The run's report: a Markdown table per phase and the targets the service is held to.

use std::fmt::Write as _;
use std::time::Duration;

use persistence::seed::Counts;

use crate::scenario::Op;
use crate::stats::{OpStats, Samples, percentile_ms};
use crate::{Backend, Scale};

/// Reading one application with a token, at the run's concurrency: p99 under this.
const READ_P99_MS: f64 = 10.0;
/// Ranking a call of about 1,000 applications: p99 under this.
const RANKING_P99_MS: f64 = 100.0;
/// Ranking a call of about 1,000 applications alone: median under this.
const RANKING_P50_MS: f64 = 20.0;
/// Every request of the mixed workload together: p99.9 under this.
const MIXED_P999_MS: f64 = 100.0;
/// Peak server memory under this many MiB.
const RSS_MIB: f64 = 256.0;

/// One measured phase.
#[derive(Debug)]
pub struct Phase {
    /// Its length.
    pub seconds: f64,
    /// What happened.
    pub samples: Samples,
}

/// What one run measured.
#[derive(Debug)]
pub struct Report {
    /// The server's database.
    pub database: Backend,
    /// The dataset.
    pub scale: Scale,
    /// Virtual users.
    pub users: usize,
    /// How long seeding took.
    pub seed: Duration,
    /// Rows seeded.
    pub counts: Counts,
    /// The mixed workload.
    pub mixed: Phase,
    /// Reads only.
    pub reads: Phase,
    /// Rankings one at a time.
    pub rankings: Samples,
    /// The server's resident memory once the virtual users had logged in.
    pub rss_after_login_kib: Option<u64>,
    /// Its resident memory at the end of the run.
    pub rss_at_end_kib: Option<u64>,
    /// Its peak resident memory.
    pub peak_rss_kib: Option<u64>,
    /// CPU seconds the server used during the mixed phase and its warm-up.
    pub server_cpu_seconds: Option<f64>,
}

fn sorted(stats: &OpStats) -> Vec<u32> {
    let mut sorted = stats.latencies_us.clone();
    sorted.sort_unstable();
    sorted
}

fn percentile(samples: &Samples, op: Op, percent: f64) -> Option<f64> {
    let sorted = sorted(samples.ops.get(&op)?);
    (!sorted.is_empty()).then(|| percentile_ms(&sorted, percent))
}

fn p99(samples: &Samples, op: Op) -> Option<f64> {
    percentile(samples, op, 99.0)
}

/// The `percent` percentile of every request in `samples`, whatever its operation.
fn overall(samples: &Samples, percent: f64) -> Option<f64> {
    let mut all: Vec<u32> = samples
        .ops
        .values()
        .flat_map(|s| s.latencies_us.iter().copied())
        .collect();
    all.sort_unstable();
    (!all.is_empty()).then(|| percentile_ms(&all, percent))
}

/// A table of `samples` per operation, with throughput over `seconds`.
fn table(out: &mut String, samples: &Samples, seconds: f64) {
    let _ = writeln!(
        out,
        "| who | operation | requests | per second | p50 ms | p95 ms | p99 ms | max ms | errors |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut total = 0usize;
    for op in Op::ALL {
        let Some(stats) = samples.ops.get(&op) else {
            continue;
        };
        let sorted = sorted(stats);
        total += sorted.len();
        let (who, what) = op.label();
        let _ = writeln!(
            out,
            "| {who} | `{what}` | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            sorted.len(),
            sorted.len() as f64 / seconds,
            percentile_ms(&sorted, 50.0),
            percentile_ms(&sorted, 95.0),
            percentile_ms(&sorted, 99.0),
            percentile_ms(&sorted, 100.0),
            stats.errors
        );
    }
    let errors: u64 = samples.ops.values().map(|s| s.errors).sum();
    let _ = writeln!(
        out,
        "| all | | {total} | {:.0} | | | | | {errors} |\n",
        total as f64 / seconds
    );
}

impl Report {
    /// Failed requests in every phase.
    #[must_use]
    pub fn errors(&self) -> u64 {
        [&self.mixed.samples, &self.reads.samples, &self.rankings]
            .iter()
            .flat_map(|s| s.ops.values())
            .map(|s| s.errors)
            .sum()
    }

    /// The report as Markdown.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let c = &self.counts;
        let _ = writeln!(
            out,
            "## Load test: {:?}, {:?} dataset, {} virtual users\n",
            self.database, self.scale, self.users
        );
        let _ = writeln!(
            out,
            "Seeded in {:.1} s: {} accounts, {} organisations, {} calls, {} applications \
             ({} budget lines), {} review assignments ({} reviews submitted), {} audit events.\n",
            self.seed.as_secs_f64(),
            c.users,
            c.organizations,
            c.calls,
            c.applications,
            c.budget_lines,
            c.assignments,
            c.submitted_reviews,
            c.events
        );
        let _ = writeln!(
            out,
            "### Mixed workload, {:.0} s\n\nEach virtual user acts as the public 10 % of the \
             time, an applicant 45 %, a reviewer 30 % and an officer 15 %.\n",
            self.mixed.seconds
        );
        table(&mut out, &self.mixed.samples, self.mixed.seconds);
        let _ = writeln!(
            out,
            "### Reads only, {:.0} s\n\nEvery virtual user reads one of its applications, \
             again and again.\n",
            self.reads.seconds
        );
        table(&mut out, &self.reads.samples, self.reads.seconds);
        let _ = writeln!(
            out,
            "### Rankings, one at a time\n\nOne officer asks for the ranking of each closed \
             call in turn, with nothing else running.\n"
        );
        let ranking_seconds = self
            .rankings
            .ops
            .values()
            .flat_map(|s| &s.latencies_us)
            .map(|&us| f64::from(us) / 1e6)
            .sum::<f64>()
            .max(f64::EPSILON);
        table(&mut out, &self.rankings, ranking_seconds);
        let mib = |kib: Option<u64>| kib.map(|k| k as f64 / 1024.0);
        let shown = |m: Option<f64>| m.map_or("unknown".to_owned(), |m| format!("{m:.0} MiB"));
        let rss_mib = mib(self.peak_rss_kib);
        let _ = writeln!(
            out,
            "Server: {} of CPU during the mixed phase and its warm-up; resident memory {} \
             after the logins, {} at the end, {} at its peak.\n",
            self.server_cpu_seconds
                .map_or("unknown".to_owned(), |s| format!("{s:.1} s")),
            shown(mib(self.rss_after_login_kib)),
            shown(mib(self.rss_at_end_kib)),
            shown(rss_mib),
        );
        let _ = writeln!(out, "| target | measured | met |");
        let _ = writeln!(out, "|---|---|---|");
        let verdict = |met: Option<bool>| match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "not measured",
        };
        let ms = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.1} ms"));
        let read = p99(&self.reads.samples, Op::ReadApplication);
        let _ = writeln!(
            out,
            "| read an application at {} connections, p99 < {READ_P99_MS} ms | {} | {} |",
            self.users,
            ms(read),
            verdict(read.map(|v| v < READ_P99_MS))
        );
        let ranking = p99(&self.rankings, Op::Ranking);
        let _ = writeln!(
            out,
            "| ranking of a {}-application call, p99 < {RANKING_P99_MS} ms | {} | {} |",
            c.applications / c.calls.max(1),
            ms(ranking),
            verdict(ranking.map(|v| v < RANKING_P99_MS))
        );
        let ranking_median = percentile(&self.rankings, Op::Ranking, 50.0);
        let _ = writeln!(
            out,
            "| ranking of a {}-application call alone, median < {RANKING_P50_MS} ms | {} | {} |",
            c.applications / c.calls.max(1),
            ms(ranking_median),
            verdict(ranking_median.map(|v| v < RANKING_P50_MS))
        );
        let mixed = overall(&self.mixed.samples, 99.9);
        let _ = writeln!(
            out,
            "| every request of the mixed workload, p99.9 < {MIXED_P999_MS} ms | {} | {} |",
            ms(mixed),
            verdict(mixed.map(|v| v < MIXED_P999_MS))
        );
        let _ = writeln!(
            out,
            "| no errors | {} | {} |",
            self.errors(),
            verdict(Some(self.errors() == 0))
        );
        let _ = writeln!(
            out,
            "| server RSS < {RSS_MIB} MiB | {} | {} |",
            shown(rss_mib),
            verdict(rss_mib.map(|m| m < RSS_MIB))
        );
        for samples in [&self.mixed.samples, &self.reads.samples, &self.rankings] {
            for (op, stats) in &samples.ops {
                for example in &stats.examples {
                    let _ = writeln!(out, "\nfailed `{}`: {example}", op.label().1);
                }
            }
        }
        out
    }
}
