//! The interactive loop: one channel of events into `update`, commands out to the
//! platform and the audit log, frames drawn only when the state is dirty, at a capped rate.

use crate::app::{self, Command, Event, Level, State};
use crate::audit::AuditLog;
use crate::platform::{PlatformEvent, PlatformHandle, PlatformRequest};
use crate::terminal;
use crate::ui::{self, theme::Theme};
use std::time::Duration;
use tokio::sync::mpsc;

/// Shortest time between two frames (30 frames per second at most).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// How much nicer than the main thread the runtime's threads are in the cockpit.
pub const BACKGROUND_NICENESS: i32 = 5;

/// Lowers the calling thread's priority (Linux schedules threads one by one): the
/// platform's work waits while a key is answered, on a machine whose CPU is short.
pub fn background_priority() {
    // SAFETY: gettid and setpriority take no pointers; they change this thread only.
    let failed = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICENESS) != 0
    };
    if failed {
        tracing::debug!(
            "background threads keep their priority: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// A key answered later than this after it was read is logged with where the time went.
pub const SLOW_KEY: Duration = Duration::from_millis(50);

/// Forwards platform events into the app's event channel.
pub fn forward_platform(
    mut rx: mpsc::UnboundedReceiver<PlatformEvent>,
    tx: mpsc::UnboundedSender<Event>,
) {
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            if tx.send(Event::from(e)).is_err() {
                break;
            }
        }
    });
}

/// When the oldest key not yet answered was read from the terminal: the input thread sets
/// it, the loop takes it once a frame answering it is written (the key's latency).
type KeyClock = std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>;

/// Reads the terminal on its own thread (crossterm's read blocks).
fn spawn_input(tx: mpsc::UnboundedSender<Event>, clock: KeyClock) {
    std::thread::spawn(move || {
        loop {
            match crossterm::event::poll(Duration::from_millis(200)) {
                Ok(true) => {
                    let event = match crossterm::event::read() {
                        Ok(crossterm::event::Event::Key(k)) => Some(Event::Key(k)),
                        Ok(crossterm::event::Event::Resize(w, h)) => Some(Event::Resize(w, h)),
                        Ok(_) => None,
                        Err(e) => {
                            tracing::warn!("terminal input failed: {e}");
                            None
                        }
                    };
                    if matches!(event, Some(Event::Key(_)))
                        && let Ok(mut read) = clock.lock()
                    {
                        read.get_or_insert_with(std::time::Instant::now);
                    }
                    if let Some(ev) = event
                        && tx.send(ev).is_err()
                    {
                        return;
                    }
                }
                Ok(false) => {
                    if tx.is_closed() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!("terminal poll failed: {e}");
                    return;
                }
            }
        }
    });
}

fn spawn_ticks(tx: mpsc::UnboundedSender<Event>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            if tx
                .send(Event::Tick(chrono::Utc::now().timestamp()))
                .is_err()
            {
                break;
            }
        }
    });
}

/// How the cockpit ended: the user quit, or a signal asked it to (its number; the exit
/// status is then 128 + n, as shells expect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Quit,
    Signal(i32),
}

impl Ending {
    pub fn exit_code(self) -> i32 {
        match self {
            Ending::Quit => 0,
            Ending::Signal(n) => 128 + n,
        }
    }
}

/// Ctrl-Z: in raw mode the terminal sends it as a key instead of a signal.
fn is_suspend_key(event: &Event) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    matches!(event, Event::Key(k) if k.code == KeyCode::Char('z')
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && k.kind != KeyEventKind::Release)
}

/// Runs the TUI until the user quits or a signal arrives. The terminal is restored on
/// every exit path (the panic hook restores it on a panic); Ctrl-Z and SIGTSTP suspend
/// with the terminal restored, and the cockpit comes back repainted on `fg`.
pub async fn run(
    mut state: State,
    theme: Theme,
    platform: PlatformHandle,
    audit: AuditLog,
    trains: crate::train_store::Saver,
    tx: mpsc::UnboundedSender<Event>,
    mut rx: mpsc::UnboundedReceiver<Event>,
) -> anyhow::Result<Ending> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigquit = signal(SignalKind::quit())?;
    let mut sigtstp = signal(SignalKind::from_raw(libc::SIGTSTP))?;
    let mut sigcont = signal(SignalKind::from_raw(libc::SIGCONT))?;
    let mut terminal = terminal::init()?;
    if let Ok(size) = terminal.size() {
        state.size = (size.width, size.height);
    }
    let key_clock = KeyClock::default();
    spawn_input(tx.clone(), key_clock.clone());
    spawn_ticks(tx.clone());
    let mut last_draw = tokio::time::Instant::now() - FRAME_INTERVAL;
    // A key is answered on the next frame at once; the frame interval paces what the
    // platform sends (a picture every 100 ms must not take the CPU keys need).
    let mut keyed = false;
    // When the batch holding the key being answered was taken (for the slow-key log).
    let mut key_at: Option<std::time::Instant> = None;
    let result: anyhow::Result<Ending> = async {
        loop {
            // In the background (continued without `fg`) the shell owns the terminal: no
            // drawing, and no frame timer either (it would spin); SIGCONT on `fg` repaints.
            let foreground = terminal::is_foreground();
            if state.dirty && (keyed || last_draw.elapsed() >= FRAME_INTERVAL) && foreground {
                let drawing = std::time::Instant::now();
                let mut rendered = Duration::ZERO;
                terminal::draw(&mut terminal, |f| {
                    ui::draw(f, &state, &theme);
                    rendered = drawing.elapsed();
                })?;
                state.dirty = false;
                last_draw = tokio::time::Instant::now();
                if let Some(taken) = key_at.take() {
                    let read = key_clock.lock().ok().and_then(|mut r| r.take());
                    log_key(read.unwrap_or(taken), taken, drawing, rendered);
                }
            }
            keyed = false;
            key_at = None;
            let wake = last_draw + FRAME_INTERVAL;
            let event = tokio::select! {
                e = rx.recv() => e,
                _ = tokio::time::sleep_until(wake), if state.dirty && foreground => continue,
                _ = sigterm.recv() => { tracing::info!("SIGTERM: leaving"); return Ok(Ending::Signal(libc::SIGTERM)); }
                _ = sighup.recv() => { tracing::info!("SIGHUP (terminal gone): leaving"); return Ok(Ending::Signal(libc::SIGHUP)); }
                _ = sigint.recv() => { tracing::info!("SIGINT: leaving"); return Ok(Ending::Signal(libc::SIGINT)); }
                _ = sigquit.recv() => { tracing::info!("SIGQUIT: leaving"); return Ok(Ending::Signal(libc::SIGQUIT)); }
                _ = sigtstp.recv() => {
                    suspend(&mut terminal, &mut state);
                    continue;
                }
                _ = sigcont.recv() => {
                    // Continued after a stop we did not arrange (SIGSTOP from outside):
                    // take the terminal back once we are the foreground job again (`fg`
                    // sends SIGCONT); in the background the shell keeps it.
                    if terminal::is_foreground() {
                        tracing::info!("continued in the foreground: repainting");
                        if let Err(e) = terminal::resume(&mut terminal) {
                            tracing::warn!(error = %e, "terminal not taken back");
                        }
                        state.dirty = true;
                    }
                    continue;
                }
            };
            let Some(event) = event else { break };
            let batch_at = std::time::Instant::now();
            let mut batch = vec![event];
            while let Ok(e) = rx.try_recv() {
                batch.push(e);
                if batch.len() >= 256 {
                    break;
                }
            }
            for e in batch {
                if matches!(e, Event::Key(_)) {
                    keyed = true;
                    key_at.get_or_insert(batch_at);
                }
                if is_suspend_key(&e) {
                    suspend(&mut terminal, &mut state);
                    continue;
                }
                for cmd in app::update(&mut state, e) {
                    if let Command::Copy(text) = &cmd {
                        if let Err(e) = terminal::copy(text) {
                            tracing::warn!(error = %e, "the copy did not reach the terminal");
                        }
                        continue;
                    }
                    if let Command::Bell { notification } = &cmd {
                        if let Err(e) = terminal::bell(notification.as_deref()) {
                            tracing::warn!(error = %e, "the bell did not reach the terminal");
                        }
                        continue;
                    }
                    execute(cmd, &platform, &audit, &trains, &tx);
                }
            }
            if state.quit {
                break;
            }
        }
        Ok(Ending::Quit)
    }
    .await;
    terminal::restore();
    if !trains.flush(Duration::from_secs(5)) {
        tracing::warn!("a train's last state may not be saved (the saver did not answer)");
    }
    result
}

/// Logs how long a key took from being read to its frame being written (debug), and
/// where the time went when that is longer than [`SLOW_KEY`] (info): waiting for the
/// loop, updating (the key's batch: pictures, traffic, the key), rendering the frame and
/// writing it to the terminal.
fn log_key(
    read: std::time::Instant,
    taken: std::time::Instant,
    drawing: std::time::Instant,
    rendered: Duration,
) {
    let total = read.elapsed();
    let ms = |d: Duration| d.as_millis() as u64;
    tracing::debug!(total_ms = ms(total), "key answered");
    if total > SLOW_KEY {
        tracing::info!(
            total_ms = ms(total),
            wait_ms = ms(taken.saturating_duration_since(read)),
            update_ms = ms(drawing.duration_since(taken)),
            render_ms = ms(rendered),
            write_ms = ms(drawing.elapsed().saturating_sub(rendered)),
            "slow key answer"
        );
    }
}

/// A failure to take the terminal back (it hung up while we were stopped) is logged, not
/// fatal: the SIGHUP that follows ends the run with its own status.
fn suspend(terminal: &mut terminal::Terminal, state: &mut State) {
    tracing::info!("suspended (Ctrl-Z / SIGTSTP)");
    match terminal::suspend(terminal) {
        Ok(()) => tracing::info!("continued: repainting"),
        Err(e) => tracing::warn!(error = %e, "continued, terminal not taken back"),
    }
    if let Ok(size) = terminal.size() {
        state.size = (size.width, size.height);
    }
    state.dirty = true;
}

fn execute(
    cmd: Command,
    platform: &PlatformHandle,
    audit: &AuditLog,
    trains: &crate::train_store::Saver,
    tx: &mpsc::UnboundedSender<Event>,
) {
    match cmd {
        Command::SaveTrain(train) => trains.save(train),
        Command::ForgetTrain(key) => trains.forget(key),
        Command::TrainRecord { record, answer } => {
            let (audit, tx) = (audit.clone(), tx.clone());
            tokio::task::spawn_blocking(move || {
                let result = audit.append(&record).map_err(|e| e.to_string());
                match answer {
                    Some(env) => {
                        let _ = tx.send(Event::TrainRecorded { env, result });
                    }
                    None => {
                        if let Err(e) = result {
                            let _ = tx.send(Event::Problem(format!(
                                "the result of train {} is not in the audit log: {e}",
                                record.train
                            )));
                        }
                    }
                }
            });
        }
        // Writes go through Command::Write (intent first); an Apply any other way is a bug
        // and is refused, never sent.
        Command::Platform(PlatformRequest::Apply { id, .. }) => {
            tracing::error!(id, "an apply without its audit record was refused");
            let _ = tx.send(Event::WriteRefused {
                id,
                reason: "internal error: a write without its audit record was refused".into(),
            });
        }
        Command::Platform(req) => platform.send(req),
        Command::Write {
            id,
            request,
            intent,
        } => {
            // The intent is on disk before the write leaves: no record, no write.
            let (audit, tx, platform) = (audit.clone(), tx.clone(), platform.clone());
            tokio::task::spawn_blocking(move || match audit.append(&intent) {
                Ok(()) => platform.send(PlatformRequest::Apply { id, request }),
                Err(e) => {
                    tracing::error!(%e, "write refused: audit log not writable");
                    let _ = tx.send(Event::WriteRefused {
                        id,
                        reason: e.to_string(),
                    });
                }
            });
        }
        // Written by the loop (it owns the terminal).
        Command::Copy(_) | Command::Bell { .. } => {}
        Command::Audit(record) => {
            let audit = audit.clone();
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = audit.append(&record) {
                    let _ = tx.send(Event::Problem(format!(
                        "the result of write {} is not in the audit log: {e}",
                        record.write
                    )));
                }
            });
        }
    }
}

/// Waits for the platform's first snapshot and renders one 200×60 frame off-screen
/// (start-up measurement; the same path as the interactive start without a terminal).
pub async fn first_frame(
    mut state: State,
    theme: &Theme,
    mut rx: mpsc::UnboundedReceiver<Event>,
) -> anyhow::Result<String> {
    while state.snapshot.product_lines.is_empty() {
        let Some(event) = rx.recv().await else {
            anyhow::bail!("the platform stopped before its first snapshot");
        };
        app::update(&mut state, event);
    }
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60))?;
    terminal.draw(|f| ui::draw(f, &state, theme))?;
    let buf = terminal.backend().buffer();
    let first_line: String = (0..200).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    Ok(first_line.trim_end().to_string())
}

/// Logs a startup problem into the state (it shows in the events view and status line)
/// and into the log file.
pub fn report(state: &mut State, problems: &[String]) {
    for p in problems {
        tracing::warn!(problem = %p, "start-up problem");
        state.log(Level::Error, p.clone());
        state.say(Level::Error, p.clone());
    }
}
