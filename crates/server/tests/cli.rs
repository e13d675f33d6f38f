//! The `grants` binary as an operator uses it: migrate, create the first admin, serve,
//! stop on SIGTERM, and keep tokens valid across a restart on the embedded default.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const GRANTS: &str = env!("CARGO_BIN_EXE_grants");
const PASSWORD: &str = "көктем-ауыл-2026";

fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grants-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn grants(dir: &Path) -> Command {
    let mut command = Command::new(GRANTS);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GRANTS_DATA_DIR", dir)
        .env("GRANTS_LOG", "info");
    command
}

fn run_with_stdin(mut command: Command, input: &str) -> Output {
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

fn create_admin(dir: &Path, email: &str, password: &str) -> Output {
    let mut command = grants(dir);
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
struct Served {
    child: Child,
    base: String,
}

fn serve(dir: &Path) -> Served {
    let mut child = grants(dir)
        .arg("serve")
        .env("GRANTS_BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning grants serve: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
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
    }
}

impl Served {
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM failed");
        self.child.wait().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn login(base: &str, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn get_me(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn openapi_prints_the_committed_document() {
    let output = Command::new(GRANTS)
        .arg("openapi")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.status.success());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "openapi/openapi.yaml is stale: run `cargo run -q -p grants-server -- openapi > openapi/openapi.yaml`"
    );
    assert!(
        output.stderr.is_empty(),
        "stderr must stay clean: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn migrate_creates_the_embedded_database() {
    let dir = data_dir();
    let output = grants(&dir)
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.join("grants.sqlite").exists());
    // Running it again is harmless.
    let again = grants(&dir)
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn admin_create_refuses_duplicates_and_weak_passwords() {
    let dir = data_dir();
    let created = create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let id = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "printed {id:?}");

    let again = create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let weak = create_admin(&dir, "other@grants.kz", "password123");
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(stderr.contains("password"), "{stderr}");
    assert!(
        !stderr.contains("password123"),
        "the password must not be echoed: {stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unusable_settings_stop_the_server_with_a_message() {
    let dir = data_dir();
    let output = grants(&dir)
        .arg("serve")
        .env("GRANTS_MAIL_TRANSPORT", "pigeon")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("GRANTS_MAIL_TRANSPORT"));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn serve_stops_on_sigterm_and_tokens_survive_a_restart() {
    let dir = data_dir();
    let created = create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let first = serve(&dir);
    let login = login(&first.base, "admin@grants.kz").await;
    assert_eq!(login.status().as_u16(), 200);
    let tokens: Value = login.json().await.unwrap_or_default();
    let token = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(get_me(&first.base, &token).await, 200);
    let ready = reqwest::get(format!("{}/ready", first.base))
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(ready.ok(), Some(200));
    let status = first.terminate();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(dir.join("jwt_secret")).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }

    let second = serve(&dir);
    assert_eq!(
        get_me(&second.base, &token).await,
        200,
        "a token from before the restart still works"
    );
    assert!(second.terminate().success());
    std::fs::remove_dir_all(dir).ok();
}
