//! What the process-level tests share: a data directory, the `grants` binary, a running
//! server and a few HTTP calls.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};

pub const GRANTS: &str = env!("CARGO_BIN_EXE_grants");
pub const PASSWORD: &str = "көктем-ауыл-2026";

pub fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grants-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

pub fn grants(dir: &Path) -> Command {
    let mut command = Command::new(GRANTS);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GRANTS_DATA_DIR", dir)
        .env("GRANTS_LOG", "info");
    command
}

pub fn run_with_stdin(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning grants: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

pub fn create_admin(dir: &Path, email: &str, password: &str) -> Output {
    create_admin_with(dir, &[], email, password)
}

pub fn create_admin_with(dir: &Path, env: &[(&str, &str)], email: &str, password: &str) -> Output {
    let mut command = grants(dir);
    for (name, value) in env {
        command.env(name, value);
    }
    command.args([
        "admin",
        "create",
        "--email",
        email,
        "--name",
        "Admin",
        "--password-stdin",
    ]);
    run_with_stdin(command, &format!("{password}\n"))
}

/// A running `grants serve` and the address it listens on.
pub struct Served {
    pub child: Child,
    pub base: String,
    log: Arc<Mutex<String>>,
}

pub fn serve(dir: &Path) -> Served {
    serve_with(dir, &[])
}

pub fn serve_with(dir: &Path, env: &[(&str, &str)]) -> Served {
    let mut command = grants(dir);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .arg("serve")
        .env("GRANTS_BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning grants serve: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = mpsc::channel();
    let log = Arc::new(Mutex::new(String::new()));
    let collected = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut log) = collected.lock() {
                log.push_str(&line);
                log.push('\n');
            }
            let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if parsed["fields"]["message"] == json!("listening") {
                let _ = tx.send(
                    parsed["fields"]["address"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("the server did not report its address: {e}"));
    Served {
        child,
        base: format!("http://{address}"),
        log,
    }
}

impl Served {
    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM failed");
        self.child.wait().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Served {
    /// Kills the server at once (SIGKILL): no shutdown, no flushing, as in a crash.
    pub fn kill(mut self) {
        self.child.kill().unwrap_or_else(|e| panic!("{e}"));
        self.child.wait().unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub async fn login(base: &str, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

pub async fn get_me(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub async fn exchange(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
