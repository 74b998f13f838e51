//! Call records through a real Apache Kafka broker (scripts/kafka-up): `wheelhouse
//! simulate` produces, `wheelhouse traffic` consumes and aggregates, and the aggregates
//! must equal the generated ground truth. scripts/test.sh starts the broker, sets
//! WHEELHOUSE_E2E_KAFKA and runs these with --ignored; without it they fail, never skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

const NEEDS: &str = "requires the local Kafka broker: scripts/test.sh starts it (scripts/kafka-up)";

fn brokers() -> String {
    std::env::var("WHEELHOUSE_E2E_KAFKA")
        .unwrap_or_else(|_| panic!("WHEELHOUSE_E2E_KAFKA is not set: {NEEDS}"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn topic(name: &str, partitions: u32) -> String {
    let t = format!("e2e-{name}-{}", std::process::id());
    let out = Command::new(repo().join("scripts/kafka-create-topics"))
        .arg(format!("{t}:{partitions}"))
        .output()
        .expect("create topic");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

/// The binary with its files in `dir` and no kubeconfig unless a test sets one.
fn wheelhouse(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wheelhouse"));
    c.env("WHEELHOUSE_DATA_DIR", dir)
        .env("HOME", dir)
        .env_remove("KUBECONFIG");
    c
}

fn wh(dir: &std::path::Path, args: &[&str]) -> Output {
    wheelhouse(dir).args(args).output().expect("run wheelhouse")
}

fn json_of(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn simulate(dir: &std::path::Path, topic: &str, extra: &[&str]) -> Value {
    let b = brokers();
    let mut args = vec![
        "--demo",
        "--kafka-brokers",
        &b,
        "--kafka-topic",
        topic,
        "simulate",
        "loan-core/gray",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    json_of(&wh(dir, &args))
}

fn traffic(dir: &std::path::Path, topic: &str, idle: &str) -> Value {
    let b = brokers();
    let group = format!("{topic}-reader");
    json_of(&wh(
        dir,
        &[
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            topic,
            "--kafka-group",
            &group,
            "traffic",
            "loan-core/gray",
            "--idle-exit",
            idle,
            "-o",
            "json",
        ],
    ))
}

/// Every service's aggregate equals what the generator produced.
fn assert_agrees(truth: &Value, seen: &Value) {
    let services = seen["services"].as_array().expect("services");
    for (name, t) in truth["services"].as_object().expect("truth") {
        let s = services
            .iter()
            .find(|s| s["service"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} missing: {seen}"));
        let requests = t["requests"].as_f64().unwrap();
        assert_eq!(
            s["requests"].as_f64(),
            Some(requests),
            "{name} requests ({} received, {} late)",
            seen["received"],
            seen["late"]
        );
        let err = t["errors"].as_f64().unwrap() / requests;
        let canary = t["canary"].as_f64().unwrap() / requests;
        assert!(
            (s["error_ratio"].as_f64().unwrap() - err).abs() < 1e-9,
            "{name} error ratio"
        );
        assert!(
            (s["canary_share"].as_f64().unwrap() - canary).abs() < 1e-9,
            "{name} canary share"
        );
    }
}

#[test]
#[ignore = "requires the local Kafka broker (scripts/kafka-up); run by scripts/test.sh"]
fn simulated_traffic_comes_back_as_the_ground_truth() {
    let dir = support::temp_dir("kafka-truth");
    let t = topic("truth", 4);
    let truth = simulate(
        &dir,
        &t,
        &[
            "--profile",
            "failing-canary",
            "--rate",
            "300",
            "--seconds",
            "10",
            "--fast",
            "--seed",
            "5",
        ],
    );
    assert!(truth["records"].as_u64().unwrap() > 20_000, "{truth}");
    let seen = traffic(&dir, &t, "3");
    assert_eq!(seen["received"], truth["records"]);
    assert_eq!(seen["late"], 0);
    assert_agrees(&truth, &seen);
    let scoring = seen["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "scoring")
        .unwrap();
    let share = scoring["canary_share"].as_f64().unwrap();
    assert!(
        (0.08..0.20).contains(&share),
        "the real canary share follows the 10 % weight: {share}"
    );
}

#[test]
#[ignore = "requires the local Kafka broker (scripts/kafka-up); run by scripts/test.sh"]
fn malformed_records_are_counted_not_fatal() {
    let dir = support::temp_dir("kafka-bad");
    let t = topic("bad", 2);
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .expect("producer");
    let big = "x".repeat(20_000);
    for bad in [
        "{not json",
        "",
        r#"{"ts_ms":1}"#,
        r#"{"ts_ms":"soon","line":"a"}"#,
        big.as_str(),
    ] {
        producer
            .send(BaseRecord::<str, str>::to(&t).payload(bad))
            .expect("queue");
    }
    producer.flush(Duration::from_secs(10)).expect("flush");
    let truth = simulate(&dir, &t, &["--rate", "50", "--seconds", "3", "--fast"]);
    let seen = traffic(&dir, &t, "3");
    assert_eq!(seen["rejected"], 5, "{seen}");
    assert_eq!(seen["rejects"]["not JSON"], 2, "{seen}");
    assert_eq!(seen["rejects"]["missing field"], 1, "{seen}");
    assert_eq!(seen["rejects"]["wrong type"], 1, "{seen}");
    assert_eq!(seen["rejects"]["oversized"], 1, "{seen}");
    assert_agrees(&truth, &seen);
}

#[test]
#[ignore = "requires the local Kafka broker (scripts/kafka-up); run by scripts/test.sh"]
fn a_broker_restart_while_consuming_resumes_and_shows_the_gap() {
    let dir = support::temp_dir("kafka-restart");
    let t = topic("restart", 2);
    let b = brokers();
    let group = format!("{t}-reader");
    // The reader starts first and stays until the stream has been quiet for 20 s (the
    // restart plus the producer's reconnect can take over 8 s on a loaded machine).
    let reader = wheelhouse(&dir)
        .args([
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            &t,
            "--kafka-group",
            &group,
            "traffic",
            "loan-core/gray",
            "--idle-exit",
            "20",
            "-o",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("reader");
    let b2 = b.clone();
    let t2 = t.clone();
    let d2 = dir.clone();
    let writer = std::thread::spawn(move || {
        let args = [
            "--demo",
            "--kafka-brokers",
            &b2,
            "--kafka-topic",
            &t2,
            "simulate",
            "loan-core/gray",
            "--rate",
            "100",
            "--seconds",
            "14",
            "-o",
            "json",
        ];
        json_of(&wh(&d2, &args))
    });
    std::thread::sleep(Duration::from_secs(4));
    let restart = Command::new(repo().join("scripts/kafka-broker"))
        .arg("restart")
        .output()
        .expect("restart");
    assert!(
        restart.status.success(),
        "{}",
        String::from_utf8_lossy(&restart.stderr)
    );
    let truth = writer.join().expect("writer");
    let out = reader.wait_with_output().expect("reader output");
    let seen = json_of(&out);
    assert_eq!(
        seen["received"], truth["records"],
        "nothing lost across the restart: {seen}"
    );
    assert!(
        seen["longest_gap_s"].as_u64().unwrap() >= 1,
        "the gap is shown: {seen}"
    );
    assert_agrees(&truth, &seen);
}

#[test]
#[ignore = "requires the local Kafka broker (scripts/kafka-up); run by scripts/test.sh"]
fn the_cockpit_shows_rate_lag_and_rejects_of_the_stream() {
    let dir = support::temp_dir("kafka-tui");
    let t = topic("tui", 2);
    let b = brokers();
    let tmux = support::tmux::Tmux::new("kafka-tui");
    tmux.start(200, 50);
    let cmd = format!(
        "WHEELHOUSE_DATA_DIR={d} HOME={d} {bin} --demo --kafka-brokers {b} --kafka-topic {t} --kafka-group {t}-cockpit; echo EXITED:$?",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_wheelhouse")
    );
    tmux.send(&[&cmd, "Enter"]);
    tmux.wait_for("kafka 0/s");
    let b2 = b.clone();
    let t2 = t.clone();
    let d2 = dir.clone();
    let writer = std::thread::spawn(move || {
        json_of(&wh(
            &d2,
            &[
                "--demo",
                "--kafka-brokers",
                &b2,
                "--kafka-topic",
                &t2,
                "simulate",
                "loan-core/gray",
                "--rate",
                "50",
                "--seconds",
                "8",
                "-o",
                "json",
            ],
        ))
    });
    // The receive rate climbs above zero once the simulation's records arrive.
    let start = std::time::Instant::now();
    loop {
        let screen = tmux.screen();
        let rate: u64 = screen
            .split("kafka ")
            .nth(1)
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if rate > 0 {
            assert!(screen.contains(" lag "), "the lag is shown: {screen}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no receive rate: {screen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &b)
        .create()
        .expect("producer");
    producer
        .send(BaseRecord::<str, str>::to(&t).payload("{broken"))
        .expect("queue");
    producer.flush(Duration::from_secs(10)).expect("flush");
    tmux.wait_for_within("rejected 1", Duration::from_secs(20));
    writer.join().expect("writer");
    // The broker going away is a critical item on the attention view; records flowing
    // again clear it.
    broker("stop");
    tmux.send(&["9"]);
    let down = tmux.wait_for_within("call-record stream:", Duration::from_secs(40));
    assert!(
        down.lines()
            .any(|l| l.contains("●") && l.contains("call-record stream:")),
        "a critical item: {down}"
    );
    broker("start");
    let again = wh(
        &dir,
        &[
            "--demo",
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            &t,
            "simulate",
            "loan-core/gray",
            "--rate",
            "50",
            "--seconds",
            "3",
            "-o",
            "json",
        ],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // (the footer may still tell the last error; the list no longer has it)
    tmux.wait_until("the stream's item gone", Duration::from_secs(40), |s| {
        !s.lines()
            .any(|l| l.contains("●") && l.contains("call-record stream:"))
    });
    tmux.send(&["q"]);
    tmux.wait_for("EXITED:0");
}

/// Stops or starts the test broker (scripts/kafka-broker).
fn broker(what: &str) {
    let out = Command::new(repo().join("scripts/kafka-broker"))
        .arg(what)
        .output()
        .expect("kafka-broker");
    assert!(
        out.status.success(),
        "kafka-broker {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "requires the local Kafka broker and control plane (scripts/kafka-up, scripts/kube-up); run by scripts/test.sh"]
fn simulated_traffic_follows_a_canary_shift_on_the_cluster() {
    let kubeconfig = std::env::var("WHEELHOUSE_E2E_KUBECONFIG")
        .unwrap_or_else(|_| panic!("WHEELHOUSE_E2E_KUBECONFIG is not set: {NEEDS}"));
    let dir = support::temp_dir("kafka-kube");
    let t = topic("kube", 2);
    let b = brokers();
    let kube = |args: &[&str]| {
        wheelhouse(&dir)
            .args(args)
            .env("KUBECONFIG", &kubeconfig)
            .output()
            .expect("run wheelhouse")
    };
    let target = "trade/dev/gateway";
    let out = kube(&["shift", target, "--start", "5.2.0", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (b2, t2, k2, d2) = (b.clone(), t.clone(), kubeconfig.clone(), dir.clone());
    let writer = std::thread::spawn(move || {
        let out = wheelhouse(&d2)
            .args([
                "--kafka-brokers",
                &b2,
                "--kafka-topic",
                &t2,
                "simulate",
                "trade/dev",
                "--rate",
                "100",
                "--seconds",
                "12",
                "-o",
                "json",
            ])
            .env("KUBECONFIG", &k2)
            .output()
            .expect("simulate");
        json_of(&out)
    });
    // Half-way through, the canary gets half of the traffic.
    std::thread::sleep(Duration::from_secs(6));
    let out = kube(&["shift", target, "--weight", "50", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let truth = writer.join().expect("writer");
    let gateway = &truth["services"]["gateway"];
    let share = gateway["canary"].as_f64().unwrap() / gateway["requests"].as_f64().unwrap();
    assert!(
        (0.1..0.4).contains(&share),
        "the simulation followed the shift part-way through: {share} {truth}"
    );
    let group = format!("{t}-reader");
    let seen = json_of(&wh(
        &dir,
        &[
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            &t,
            "--kafka-group",
            &group,
            "traffic",
            "trade/dev",
            "--idle-exit",
            "3",
            "-o",
            "json",
        ],
    ));
    let s = seen["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "gateway")
        .expect("gateway");
    assert!(
        (s["canary_share"].as_f64().unwrap() - share).abs() < 1e-9,
        "{seen}"
    );
    let out = kube(&["shift", target, "--abort", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "requires the local Kafka broker (scripts/kafka-up); run by scripts/test.sh"]
fn two_aggregation_workers_publish_totals_equal_to_the_ground_truth() {
    let dir = support::temp_dir("kafka-workers");
    let raw = topic("raw", 4);
    let aggregates = format!("{raw}-agg");
    let out = Command::new(repo().join("scripts/kafka-create-topics"))
        .arg(format!("{aggregates}:2:compact"))
        .output()
        .expect("create topic");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = brokers();
    let group = format!("{raw}-workers");
    let worker = || {
        wheelhouse(&dir)
            .args([
                "--kafka-brokers",
                &b,
                "--kafka-topic",
                &raw,
                "--kafka-group",
                &group,
                "aggregate",
                "--to-topic",
                &aggregates,
                "--idle-exit",
                "8",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("worker")
    };
    let (w1, w2) = (worker(), worker());
    // Both join the group and share the four partitions before the records come.
    std::thread::sleep(Duration::from_secs(5));
    let truth = simulate(
        &dir,
        &raw,
        &[
            "--profile",
            "flash-sale",
            "--rate",
            "200",
            "--seconds",
            "9",
            "--fast",
            "--seed",
            "11",
        ],
    );
    let reports: Vec<Value> = [w1, w2]
        .into_iter()
        .map(|w| json_of(&w.wait_with_output().expect("worker output")))
        .collect();
    let consumed: u64 = reports.iter().map(|r| r["records"].as_u64().unwrap()).sum();
    assert_eq!(consumed, truth["records"].as_u64().unwrap(), "{reports:?}");
    assert!(
        reports.iter().all(|r| r["records"].as_u64().unwrap() > 0),
        "both workers had partitions: {reports:?}"
    );
    let group = format!("{aggregates}-reader");
    let seen = json_of(&wh(
        &dir,
        &[
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            &aggregates,
            "--kafka-group",
            &group,
            "--kafka-aggregates",
            "traffic",
            "loan-core/gray",
            "--idle-exit",
            "3",
            "-o",
            "json",
        ],
    ));
    assert_eq!(seen["rejected"], 0, "{seen}");
    assert_agrees(&truth, &seen);
}

/// The per-lane figures of each hop (service) read back from the broker, against the
/// generator's ground truth.
fn lanes_agree(truth: &Value, seen: &Value) -> usize {
    let services = seen["services"].as_array().expect("services");
    let mut checked = 0;
    for (name, t) in truth["services"].as_object().expect("truth") {
        let s = services
            .iter()
            .find(|s| s["service"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} missing: {seen}"));
        let want = t["lanes"].as_object().cloned().unwrap_or_default();
        let got = s["lanes"].as_object().cloned().unwrap_or_default();
        assert_eq!(want.len(), got.len(), "{name}: lanes {want:?} vs {got:?}");
        for (lane, n) in &want {
            assert_eq!(
                got.get(lane).and_then(Value::as_f64),
                n.as_f64(),
                "{name} in {lane}"
            );
            checked += 1;
        }
    }
    checked
}

/// Two lanes of trade/test on the control plane (checkout-v2: order and payment;
/// pricing-v2: payment and pricing): simulated traffic follows them hop by hop and the
/// per-lane figures read back from the broker equal the ground truth; promoting
/// pricing-v2 on the cluster makes its versions the baselines, and the next simulated
/// traffic has no pricing-v2 in it and runs those versions.
#[test]
#[ignore = "requires the local Kafka broker and control plane (scripts/kafka-up, scripts/kube-up); run by scripts/test.sh"]
fn simulated_traffic_follows_lanes_and_a_promotion_on_the_cluster() {
    let kubeconfig = std::env::var("WHEELHOUSE_E2E_KUBECONFIG")
        .unwrap_or_else(|_| panic!("WHEELHOUSE_E2E_KUBECONFIG is not set: {NEEDS}"));
    let dir = support::temp_dir("kafka-lanes");
    let b = brokers();
    let run = |args: &[&str]| {
        let out = wheelhouse(&dir)
            .args(args)
            .env("KUBECONFIG", &kubeconfig)
            .output()
            .expect("run wheelhouse");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let round = |name: &str| {
        let t = topic(name, 2);
        let truth = json_of(&run(&[
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            &t,
            "simulate",
            "trade/test",
            "--rate",
            "200",
            "--seconds",
            "6",
            "--fast",
            "-o",
            "json",
        ]));
        let group = format!("{t}-reader");
        let seen = json_of(&run(&[
            "--kafka-brokers",
            &b,
            "--kafka-topic",
            &t,
            "--kafka-group",
            &group,
            "traffic",
            "trade/test",
            "--idle-exit",
            "3",
            "-o",
            "json",
        ]));
        (truth, seen)
    };
    let (truth, seen) = round("lanes");
    assert_agrees(&truth, &seen);
    assert!(
        lanes_agree(&truth, &seen) >= 4,
        "both lanes at their services: {truth}"
    );
    let lanes = &truth["services"]["payment"]["lanes"];
    assert!(
        lanes["checkout-v2"].as_u64().unwrap_or(0) > 0
            && lanes["pricing-v2"].as_u64().unwrap_or(0) > 0,
        "{truth}"
    );
    // Promote pricing-v2: payment 2.1.1 and pricing 1.9.1 become the baselines.
    run(&["lane", "promote", "trade/test/pricing-v2", "--yes"]);
    let (truth, seen) = round("promoted");
    assert_agrees(&truth, &seen);
    lanes_agree(&truth, &seen);
    assert!(truth["services"]["pricing"]["lanes"].is_null(), "{truth}");
    assert!(
        truth["services"]["payment"]["lanes"]
            .get("pricing-v2")
            .is_none(),
        "{truth}"
    );
    assert!(
        truth["services"]["payment"]["lanes"]["checkout-v2"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    let status = json_of(&run(&["status", "trade/test", "-o", "json"]));
    let services = &status["product_lines"][0]["environments"][0]["services"];
    let version = |n: &str| {
        services
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .map(|s| s["version"].clone())
    };
    assert_eq!(version("payment"), Some(serde_json::json!("2.1.1")));
    assert_eq!(version("pricing"), Some(serde_json::json!("1.9.1")));
}
