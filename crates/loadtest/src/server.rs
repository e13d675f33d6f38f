//! The `grants` server as a child process: started on a free port, watched through `/proc`,
//! stopped with SIGTERM.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::process::{Child, Command};

/// A running server.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pid: u32,
    base_url: String,
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn random_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Server {
    /// Starts `binary serve` on `database_url`, with mail written to files in `run_dir`, no
    /// login rate limits (every virtual user comes from one address) and warnings-only
    /// logs in `run_dir/server.log`; waits until `/ready` answers 200.
    ///
    /// # Errors
    /// When the process cannot start or is not ready within a minute.
    pub async fn start(binary: &Path, run_dir: &Path, database_url: &str) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log = std::fs::File::create(run_dir.join("server.log")).context("server log")?;
        let child = Command::new(binary)
            .arg("serve")
            .env("GRANTS_BIND", format!("127.0.0.1:{port}"))
            .env("GRANTS_DATA_DIR", run_dir)
            .env("GRANTS_DATABASE_URL", database_url)
            .env("GRANTS_JWT_SECRET", random_secret())
            .env("GRANTS_AUTH_RATE_PER_ADDRESS", "0")
            .env("GRANTS_AUTH_RATE_PER_ACCOUNT", "0")
            .env("GRANTS_MAIL_TRANSPORT", "file")
            .env("GRANTS_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let server = Self {
            child,
            pid,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("{}/ready", self.base_url);
        while Instant::now() < deadline {
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server was not ready within a minute; see server.log")
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A `kB` line of `/proc/<pid>/status`, in KiB.
    fn status_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The most memory the process has held (`VmHWM`), in KiB.
    #[must_use]
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.status_kib("VmHWM:")
    }

    /// The memory the process holds now (`VmRSS`), in KiB.
    #[must_use]
    pub fn rss_kib(&self) -> Option<u64> {
        self.status_kib("VmRSS:")
    }

    /// CPU time the process has used so far (user and system), in seconds.
    #[must_use]
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // The kernel reports in USER_HZ, which is 100 on Linux.
        Some(ticks as f64 / 100.0)
    }

    /// Asks the server to shut down (SIGTERM) and waits; kills it after ten seconds.
    pub async fn stop(&mut self) {
        let asked = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if asked
            && tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
        {
            return;
        }
        if let Err(e) = self.child.kill().await {
            eprintln!("could not stop the server: {e}");
        }
    }
}
