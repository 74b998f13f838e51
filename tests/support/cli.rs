//! The real binary run from a test, in a private config and data dir, with the
//! environment a platform needs (KUBECONFIG, DOCKER_HOST…).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The real binary on the demo platform with `data` as its data dir (config under it).
pub fn demo(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .arg("--demo")
        .args(args)
        .env("WHEELHOUSE_DATA_DIR", data)
        .env("WHEELHOUSE_CONFIG_DIR", data.join("config"))
        .env_remove("KUBECONFIG")
        .output()
        .expect("run wheelhouse")
}

/// [`demo`]'s exit code, stdout and stderr (as text).
pub fn demo_run(data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = demo(data, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The operator name the tests act as (`--as`), recorded beside the OS user.
pub const OPERATOR: &str = "e2e-tester";

/// How the tests' writes are signed in release history: the operator, then the OS user.
pub fn who() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    format!(
        "{OPERATOR} ({})",
        String::from_utf8_lossy(&out.stdout).trim()
    )
}

pub struct Cli {
    pub dir: PathBuf,
    /// Arguments put before every command's own (e.g. `--docker`).
    pub leading: Vec<String>,
    pub env: Vec<(String, OsString)>,
}

impl Cli {
    pub fn new(name: &str) -> Cli {
        Cli {
            dir: super::temp_dir(name),
            leading: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn wh(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wheelhouse"));
        cmd.args(["--as", OPERATOR])
            .args(&self.leading)
            .args(args)
            .env("WHEELHOUSE_DATA_DIR", &self.dir)
            .env("WHEELHOUSE_CONFIG_DIR", self.dir.join("cfg"))
            .env("HOME", &self.dir)
            .env("USER", "e2e-tester");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().expect("run wheelhouse")
    }

    /// Runs and expects `code`; returns stdout then stderr.
    pub fn ok(&self, args: &[&str], code: i32) -> String {
        let out = self.wh(args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(code),
            "wheelhouse {args:?}\nstdout: {stdout}\nstderr: {stderr}"
        );
        stdout + &stderr
    }
}
