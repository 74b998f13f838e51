//! Test harness: drives `update` with keys against a demo platform, executing commands the
//! way the runtime does, and renders to ratatui's TestBackend.
#![allow(dead_code)]

pub mod cli;
pub mod tmux;

use crossterm::event::{KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::sync::Arc;
use wheelhouse::app::{self, Command, Event, State};
use wheelhouse::audit::AuditLog;
use wheelhouse::config::keymap::{Chord, Keymap};
use wheelhouse::domain::ServiceKey;
use wheelhouse::platform::demo::DemoPlatform;
use wheelhouse::platform::{PlatformEvent, PlatformRequest};
use wheelhouse::ui::theme::{ColorDepth, Theme};

/// Fixed wall clock for reproducible screens (2026-11-24 09:00 UTC).
pub const EPOCH: i64 = 1_795_510_800;

pub struct Harness {
    pub state: State,
    pub platform: DemoPlatform,
    pub theme: Theme,
    pub audit: AuditLog,
    pub dir: PathBuf,
    /// Apply requests that reached the platform.
    pub applies: usize,
    /// Log tails opened, and how many were stopped.
    pub log_tails: Vec<wheelhouse::domain::ServiceKey>,
    pub log_stops: usize,
    /// What was put on the clipboard (OSC 52), oldest first.
    /// Bells rung, with their notification text when one was sent.
    pub bells: Vec<Option<String>>,
    pub copied: Vec<String>,
    /// When set, a train record's answer waits here (a slow disk) until
    /// [`Harness::answer_records`].
    pub records_waiting: Option<Vec<Event>>,
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wheelhouse-test-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Harness {
    pub fn new(name: &str) -> Harness {
        Self::with(
            name,
            DemoPlatform::default_scenario(EPOCH).unwrap(),
            false,
            "default",
        )
    }

    pub fn read_only(name: &str) -> Harness {
        Self::with(
            name,
            DemoPlatform::default_scenario(EPOCH).unwrap(),
            true,
            "default",
        )
    }

    /// A cockpit as it starts, landing on the attention view when anything needs it (and
    /// notifying of new critical items).
    pub fn landing(name: &str) -> Harness {
        let mut h = Self::bare(
            name,
            DemoPlatform::default_scenario(EPOCH).unwrap(),
            false,
            "default",
        );
        h.state.notify = true;
        h.snapshot();
        h
    }

    pub fn with(name: &str, platform: DemoPlatform, read_only: bool, keymap: &str) -> Harness {
        let mut h = Self::bare(name, platform, read_only, keymap);
        // Flows start where they say; the start-up landing on the attention view has
        // tests of its own (Harness::landing).
        h.state.landed = true;
        h.event(Event::from(PlatformEvent::Connection(
            wheelhouse::platform::Connection::Live,
        )));
        h.snapshot();
        h
    }

    /// The state and the platform, before anything happened.
    fn bare(name: &str, platform: DemoPlatform, read_only: bool, keymap: &str) -> Harness {
        let dir = temp_dir(name);
        let state = State::new(
            platform.info(),
            read_only,
            Keymap::preset(keymap).unwrap(),
            wheelhouse::app::Identity::named("tester"),
            EPOCH,
        );
        Harness {
            state,
            audit: AuditLog::new(dir.join("audit.jsonl")),
            platform,
            theme: Theme::preset("dark", ColorDepth::TrueColor).unwrap(),
            dir,
            applies: 0,
            log_tails: Vec::new(),
            log_stops: 0,
            copied: Vec::new(),
            records_waiting: None,
            bells: Vec::new(),
        }
    }

    pub fn snapshot(&mut self) {
        let snap = Arc::new(self.platform.snapshot());
        self.event(Event::from(PlatformEvent::Snapshot(snap)));
    }

    /// Feeds one event and runs the commands it produces, as the runtime would.
    pub fn event(&mut self, event: Event) {
        let commands = app::update(&mut self.state, event);
        for c in commands {
            self.run(c);
        }
    }

    fn run(&mut self, command: Command) {
        match command {
            Command::Platform(PlatformRequest::Preview { id, request }) => {
                let result = self.platform.preview(&request);
                self.event(Event::from(PlatformEvent::Previewed { id, result }));
            }
            Command::Platform(PlatformRequest::Apply { id, request }) => {
                self.applies += 1;
                let result = self.platform.apply(&request);
                self.event(Event::from(PlatformEvent::Applied { id, result }));
                self.snapshot();
            }
            Command::Platform(PlatformRequest::Logs { id, target, .. }) => {
                let mut rng = wheelhouse::domain::rng::Rng::new(1);
                let snapshot = self.platform.snapshot();
                let lines = wheelhouse::platform::demo::logs::lines(
                    &snapshot,
                    &target,
                    self.platform.now_unix(),
                    wheelhouse::platform::demo::logs::HISTORY_LINES,
                    &mut rng,
                );
                self.log_tails.push(target);
                self.event(Event::from(PlatformEvent::Logs {
                    id,
                    lines,
                    note: None,
                }));
            }
            Command::Platform(PlatformRequest::StopLogs { .. }) => self.log_stops += 1,
            Command::Write {
                id,
                request,
                intent,
            } => match self.audit.append(&intent) {
                Ok(()) => self.run(Command::Platform(PlatformRequest::Apply { id, request })),
                Err(e) => self.event(Event::WriteRefused {
                    id,
                    reason: e.to_string(),
                }),
            },
            Command::Audit(record) => self.audit.append(&record).unwrap(),
            Command::TrainRecord { record, answer } => {
                let result = self.audit.append(&record).map_err(|e| e.to_string());
                match (answer, &mut self.records_waiting) {
                    (Some(env), Some(waiting)) => {
                        waiting.push(Event::TrainRecorded { env, result })
                    }
                    (Some(env), None) => self.event(Event::TrainRecorded { env, result }),
                    (None, _) => result.unwrap(),
                }
            }
            Command::SaveTrain(train) => {
                wheelhouse::train_store::write(&self.dir.join("trains"), &train).unwrap()
            }
            Command::ForgetTrain(key) => {
                wheelhouse::train_store::remove(&self.dir.join("trains"), &key).unwrap()
            }
            Command::Copy(text) => self.copied.push(text),
            Command::Bell { notification } => self.bells.push(notification),
        }
    }

    /// Presses keys written as in keymap files, separated by spaces: "down down enter".
    pub fn keys(&mut self, keys: &str) {
        for k in keys.split_whitespace() {
            let chord = Chord::parse(k).unwrap();
            let mut mods = KeyModifiers::NONE;
            if chord.ctrl {
                mods |= KeyModifiers::CONTROL;
            }
            if chord.alt {
                mods |= KeyModifiers::ALT;
            }
            self.event(Event::Key(KeyEvent::new(chord.code, mods)));
        }
    }

    /// Types text character by character.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.event(Event::Key(KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    /// Advances the simulation; traffic and the new snapshot go through `update`.
    pub fn advance(&mut self, seconds: u32) {
        for _ in 0..seconds {
            let frames = self.platform.advance(1.0);
            self.event(Event::from(PlatformEvent::Traffic(frames)));
            self.snapshot();
        }
    }

    /// Advances the simulation with the cockpit's clock following it (a tick a second):
    /// what runs on the clock (trains) sees the time pass.
    pub fn advance_clocked(&mut self, seconds: u32) {
        for _ in 0..seconds {
            let frames = self.platform.advance(1.0);
            self.event(Event::Tick(self.platform.now_unix()));
            self.event(Event::from(PlatformEvent::Traffic(frames)));
            self.snapshot();
        }
    }

    /// What the status line says now (empty when nothing).
    /// Delivers the train records' answers held back by `records_waiting`, and answers at
    /// once from then on.
    pub fn answer_records(&mut self) {
        for event in self.records_waiting.take().unwrap_or_default() {
            self.event(event);
        }
    }

    pub fn said(&self) -> String {
        self.state
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    pub fn select(&mut self, path: &[&str]) {
        wheelhouse::app::navigation::jump(
            &mut self.state,
            path.iter().map(|s| s.to_string()).collect(),
        );
    }

    pub fn render(&self, w: u16, h: u16) -> String {
        self.render_part(w, h, |_| None)
    }

    /// The screen at w×h, cut to the part `pick` gives (the whole screen when None).
    pub fn render_part(
        &self,
        w: u16,
        h: u16,
        pick: impl Fn(&wheelhouse::ui::Areas) -> Option<ratatui::layout::Rect>,
    ) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| wheelhouse::ui::draw(f, &self.state, &self.theme))
            .unwrap();
        let buf = terminal.backend().buffer().clone();
        let full = ratatui::layout::Rect::new(0, 0, w, h);
        let part = wheelhouse::ui::areas(full, self.state.view)
            .and_then(|a| pick(&a))
            .unwrap_or(full);
        let mut out = String::new();
        for y in part.top()..part.bottom() {
            let mut line = String::new();
            for x in part.left()..part.right() {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Every record of the audit log (intents and results).
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.audit.path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The result records: one per write that was sent.
    pub fn audit_results(&self) -> Vec<serde_json::Value> {
        self.audit_lines()
            .into_iter()
            .filter(|l| l["phase"] == "result")
            .collect()
    }

    /// The first service in line/env that has a canary.
    pub fn canary_service(&self, line: &str, env: &str) -> ServiceKey {
        let snap = self.platform.snapshot();
        let e = snap
            .line(line)
            .and_then(|l| l.environment(env))
            .unwrap_or_else(|| panic!("{line}/{env} missing"));
        let s = e
            .services
            .iter()
            .find(|s| s.canary.is_some())
            .unwrap_or_else(|| panic!("no canary in {line}/{env}"));
        ServiceKey::new(line, env, &s.name)
    }
}
