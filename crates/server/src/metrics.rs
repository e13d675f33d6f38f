//! Request metrics in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counts of requests by method, route and status, with a latency histogram per route, and
/// the mail worker's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(&'static str, &'static str, u16), Series>>,
    mail_sent: AtomicU64,
    mail_failed_attempts: AtomicU64,
    mail_given_up: AtomicU64,
}

/// What the mail worker reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    /// The mail server accepted a mail.
    Sent,
    /// An attempt failed and the mail will be tried again.
    Retrying,
    /// An attempt failed and the mail was given up.
    GivenUp,
}

/// How many outbox rows are in each status, read when the metrics are scraped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxDepth {
    /// Waiting to be sent.
    pub pending: u64,
    /// Given up.
    pub failed: u64,
}

impl Metrics {
    /// Records one request. `route` is the operation's id or a fixed label, never a raw
    /// path, so the number of series stays bounded.
    pub fn record(
        &self,
        method: &'static str,
        route: &'static str,
        status: u16,
        elapsed: Duration,
    ) {
        let secs = elapsed.as_secs_f64();
        let mut series = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = series.entry((method, route, status)).or_default();
        entry.count += 1;
        entry.sum_secs += secs;
        for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
            if secs <= bound {
                *bucket += 1;
            }
        }
    }

    /// Counts `count` mails the mail server accepted.
    pub fn record_sent(&self, count: u64) {
        self.mail_sent.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts one outcome of the mail worker.
    pub fn record_mail(&self, outcome: MailOutcome) {
        let counter = match outcome {
            MailOutcome::Sent => &self.mail_sent,
            MailOutcome::Retrying => &self.mail_failed_attempts,
            MailOutcome::GivenUp => {
                self.mail_failed_attempts.fetch_add(1, Ordering::Relaxed);
                &self.mail_given_up
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics as Prometheus text, with the outbox's depth when it could be read.
    #[must_use]
    pub fn render_with(&self, outbox: Option<OutboxDepth>) -> String {
        let mut out = self.render();
        let counters = [
            (
                "grants_mail_sent_total",
                "Mails the mail server accepted.",
                &self.mail_sent,
            ),
            (
                "grants_mail_send_failures_total",
                "Mail attempts that failed.",
                &self.mail_failed_attempts,
            ),
            (
                "grants_mail_given_up_total",
                "Mails marked failed after their last attempt.",
                &self.mail_given_up,
            ),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        if let Some(depth) = outbox {
            out.push_str("# HELP grants_outbox_rows Outbox rows waiting to be sent or given up.\n");
            out.push_str("# TYPE grants_outbox_rows gauge\n");
            let _ = writeln!(
                out,
                "grants_outbox_rows{{status=\"pending\"}} {}",
                depth.pending
            );
            let _ = writeln!(
                out,
                "grants_outbox_rows{{status=\"failed\"}} {}",
                depth.failed
            );
        }
        out
    }

    /// The request metrics as Prometheus text.
    #[must_use]
    pub fn render(&self) -> String {
        let series = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut out = String::new();
        out.push_str(
            "# HELP grants_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE grants_http_requests_total counter\n");
        for ((method, route, status), s) in &series {
            let _ = writeln!(
                out,
                "grants_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in &series {
            let merged = by_route.entry((method, route)).or_default();
            merged.count += s.count;
            merged.sum_secs += s.sum_secs;
            for (total, add) in merged.buckets.iter_mut().zip(s.buckets) {
                *total += add;
            }
        }
        out.push_str("# HELP grants_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE grants_http_request_duration_seconds histogram\n");
        for ((method, route), s) in &by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, count) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "grants_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "grants_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "grants_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_secs
            );
            let _ = writeln!(
                out,
                "grants_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_and_bucketed() {
        let metrics = Metrics::default();
        metrics.record("GET", "get_me", 200, Duration::from_millis(3));
        metrics.record("GET", "get_me", 200, Duration::from_millis(30));
        metrics.record("GET", "get_me", 401, Duration::from_millis(1));
        let text = metrics.render();
        assert!(text.contains(
            "grants_http_requests_total{method=\"GET\",route=\"get_me\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "grants_http_requests_total{method=\"GET\",route=\"get_me\",status=\"401\"} 1"
        ));
        assert!(text.contains("grants_http_request_duration_seconds_bucket{method=\"GET\",route=\"get_me\",le=\"0.005\"} 2"));
        assert!(text.contains(
            "grants_http_request_duration_seconds_count{method=\"GET\",route=\"get_me\"} 3"
        ));
    }

    #[test]
    fn mail_outcomes_and_the_outbox_depth_are_reported() {
        let metrics = Metrics::default();
        metrics.record_mail(MailOutcome::Sent);
        metrics.record_mail(MailOutcome::Sent);
        metrics.record_mail(MailOutcome::Retrying);
        metrics.record_mail(MailOutcome::GivenUp);
        let text = metrics.render_with(Some(OutboxDepth {
            pending: 7,
            failed: 1,
        }));
        for line in [
            "grants_mail_sent_total 2",
            "grants_mail_send_failures_total 2",
            "grants_mail_given_up_total 1",
            "grants_outbox_rows{status=\"pending\"} 7",
            "grants_outbox_rows{status=\"failed\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in {text}");
        }
        assert!(!metrics.render_with(None).contains("grants_outbox_rows"));
    }
}
