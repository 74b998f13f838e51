//! The keystroke budget (issue "On call", point 5): ten tasks an on-call engineer does,
//! performed from launch on the demo in a real terminal (tmux), counting the keys each
//! takes. Typed names and numbers and the production confirmation are not counted; every
//! task must take at most six keys. The README's table is checked against what was
//! counted here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::time::Duration;
use support::tmux::Tmux;

/// The keys of one task: counted keys and typed text, as the README shows them.
struct Task<'a> {
    t: &'a Tmux,
    shown: Vec<String>,
    count: usize,
}

impl<'a> Task<'a> {
    fn new(t: &'a Tmux) -> Task<'a> {
        Task {
            t,
            shown: Vec::new(),
            count: 0,
        }
    }

    /// One key, counted (tmux's name, shown as a user reads it).
    fn key(&mut self, tmux_name: &str, shown: &str) -> &mut Self {
        self.t.send(&[tmux_name]);
        self.shown.push(format!("`{shown}`"));
        self.count += 1;
        self
    }

    /// Text typed (a name, a number, a confirmation), not counted.
    fn typed(&mut self, text: &str) -> &mut Self {
        self.t.send(&["-l", text]);
        self.shown.push(format!("*{text}*"));
        self
    }

    fn wait(&mut self, text: &str) -> &mut Self {
        self.t.wait_for_within(text, Duration::from_secs(40));
        self
    }

    fn row(&self, task: &str) -> String {
        assert!(self.count <= 6, "{task}: {} keys", self.count);
        format!("| {task} | {} | {} |", self.shown.join(" "), self.count)
    }
}

fn prod_version(service: &str) -> String {
    let dir = support::temp_dir("keys-status");
    let out = support::cli::demo(&dir, &["status", "trade/prod", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["product_lines"][0]["environments"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == service)
        .unwrap()["version"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The ten tasks at 80×24 and at 200×60 (in parallel): each size must take the keys
/// the README's table gives.
#[test]
fn ten_on_call_tasks_take_at_most_six_keys_each() {
    let small = std::thread::spawn(|| budget(80, 24));
    let large = budget(200, 60);
    let small = small
        .join()
        .unwrap_or_else(|_| panic!("at 80×24: see above"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (size, table) in [("200×60", large), ("80×24", small)] {
        assert!(
            readme.contains(&table),
            "the README's keystroke table differs from what was counted at {size}:\n{table}"
        );
    }
}

/// Performs the ten tasks in a terminal of w×h; the table rows, as the README has them.
fn budget(w: u16, h: u16) -> String {
    let dir = support::temp_dir(&format!("keystrokes-{w}x{h}"));
    let t = Tmux::new(&format!("keys-{w}x{h}"));
    t.start(w, h);
    t.run_demo(&dir);
    t.wait_for("demo: scenario default");
    let mut rows = Vec::new();

    let order = prod_version("order");
    let mut k = Task::new(&t);
    k.key(":", ":").typed("trade/prod/order");
    k.wait("go to  trade/prod/order").key("Enter", "enter");
    k.wait(&format!("order {order}"));
    rows.push(k.row("which version of a service runs in prod"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("trade").wait("go to  trade ");
    k.key("Enter", "enter").key("1", "1").wait("trade (");
    rows.push(k.row("which environments lag behind prod (↓ in the drift matrix)"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("loan-core/gray/scoring");
    k.wait("go to  loan-core/gray/scoring")
        .key("Enter", "enter");
    k.key("2", "2").wait("verdict   worse than stable: errors");
    rows.push(k.row("is the canary healthier than stable"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("weight trade/gray/quote 25");
    k.key("Enter", "enter").wait("type its name").typed("gray");
    k.key("Enter", "enter");
    k.wait("trade/gray/quote: canary weight 25% applied");
    rows.push(k.row("shift the canary to 25 %"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("add-tag-route trade/gray/quote vip");
    k.key("Enter", "enter").wait("type its name").typed("gray");
    k.key("Enter", "enter");
    k.wait("trade/gray/quote: add tag route vip applied");
    rows.push(k.row("route tag T to the canary"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("promote trade/gray/quote");
    k.key("Enter", "enter").wait("type its name").typed("gray");
    k.key("Enter", "enter");
    k.wait("trade/gray/quote: promote canary applied");
    rows.push(k.row("promote"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("abort loan-core/gray/scoring");
    k.key("Enter", "enter").wait("type its name").typed("gray");
    k.key("Enter", "enter");
    k.wait("loan-core/gray/scoring: abort canary applied");
    rows.push(k.row("abort"));

    let mut k = Task::new(&t);
    // Once the load makes the recommendation differ (the tree marks it ▲; a narrow tree
    // cuts the version and replicas, not the mark).
    let row = format!("order {}", &order[..3]);
    t.wait_until(&format!("{row}… ▲"), Duration::from_secs(40), |s| {
        s.lines().any(|l| l.contains(&row) && l.contains('▲'))
    });
    k.key(":", ":").typed("scale-recommended trade/prod/order");
    k.key("Enter", "enter").wait("type its name").typed("prod");
    k.key("Enter", "enter");
    k.wait("trade/prod/order: scale to ");
    k.wait(" applied");
    rows.push(k.row("scale to the recommendation"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("rollback trade/prod/payment");
    k.key("Enter", "enter").wait("type its name").typed("prod");
    k.key("Enter", "enter");
    k.wait("trade/prod/payment: rollback applied");
    rows.push(k.row("roll back"));

    let mut k = Task::new(&t);
    k.key(":", ":").typed("trade/prod/order");
    k.wait("go to  trade/prod/order").key("Enter", "enter");
    // ] picks the environment to compare with (and opens the config view).
    for _ in 0..4 {
        k.key("]", "]").wait("order config: ");
        std::thread::sleep(Duration::from_millis(200));
        if t.screen().contains("order config: test → prod") {
            break;
        }
    }
    k.wait("order config: test → prod");
    rows.push(k.row("config diff test vs prod"));

    t.send(&["q"]);
    t.wait_for("EXITED:0");
    rows.join("\n")
}
