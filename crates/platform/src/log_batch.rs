//! The lines of one log tail go to the app in batches (one event per 100 ms, not per
//! line); a note (a stream ended, a permission missing) goes at once with the lines
//! before it. Shared by the platforms that tail logs (Kubernetes, Docker).

use crate::PlatformEvent;
use crate::domain::logs::LogLine;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long lines wait to be sent together.
pub const BATCH: Duration = Duration::from_millis(100);

/// What a tail's readers send to its batcher.
#[derive(Debug)]
pub enum Out {
    Line(LogLine),
    /// A line, then a note said at once.
    Note(LogLine, String),
}

/// Forwards the lines of tail `id` from `rx` to `events` in batches until either side
/// is gone.
pub async fn run(
    id: u64,
    mut rx: mpsc::UnboundedReceiver<Out>,
    events: mpsc::UnboundedSender<PlatformEvent>,
) {
    let mut tick = tokio::time::interval(BATCH);
    let mut lines = Vec::new();
    loop {
        let (note, due) = tokio::select! {
            item = rx.recv() => match item {
                Some(Out::Line(line)) => {
                    lines.push(line);
                    (None, false)
                }
                Some(Out::Note(line, note)) => {
                    lines.push(line);
                    (Some(note), true)
                }
                None => return,
            },
            _ = tick.tick() => (None, !lines.is_empty()),
        };
        if due {
            let lines = std::mem::take(&mut lines);
            if events
                .send(PlatformEvent::Logs { id, lines, note })
                .is_err()
            {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> LogLine {
        LogLine {
            source: "web-1".into(),
            text: text.into(),
        }
    }

    #[tokio::test]
    async fn a_note_goes_at_once_with_the_lines_before_it_and_lines_follow_in_batches() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events, mut got) = mpsc::unbounded_channel();
        let batcher = tokio::spawn(run(7, rx, events));
        tx.send(Out::Line(line("a"))).unwrap();
        tx.send(Out::Line(line("b"))).unwrap();
        tx.send(Out::Note(line("— stopped —"), "web-1 stopped".into()))
            .unwrap();
        tx.send(Out::Line(line("c"))).unwrap();
        let mut seen = Vec::new();
        while seen
            .iter()
            .map(|(l, _): &(Vec<String>, _)| l.len())
            .sum::<usize>()
            < 4
        {
            match got.recv().await {
                Some(PlatformEvent::Logs { id, lines, note }) => {
                    assert_eq!(id, 7);
                    seen.push((lines.into_iter().map(|l| l.text).collect(), note));
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            seen[0],
            (
                vec!["a".to_string(), "b".into(), "— stopped —".into()],
                Some("web-1 stopped".to_string())
            )
        );
        assert_eq!(seen[1], (vec!["c".to_string()], None));
        drop(tx);
        batcher.await.unwrap();
    }
}
