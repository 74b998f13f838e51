//! A service's log tail: lines from its containers or pods, kept in a bounded buffer
//! (oldest dropped first) and searchable.

use serde::Serialize;
use std::collections::VecDeque;

/// One line of output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// The container or pod it came from.
    pub source: String,
    pub text: String,
}

/// The newest `capacity` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBuffer {
    capacity: usize,
    lines: VecDeque<LogLine>,
    /// Lines dropped to stay within capacity.
    pub dropped: u64,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> Self {
        LogBuffer {
            capacity: capacity.max(1),
            lines: VecDeque::new(),
            dropped: 0,
        }
    }

    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Indexes of the lines containing `query` (case-insensitive), oldest first.
    pub fn matches(&self, query: &str) -> Vec<usize> {
        if query.is_empty() {
            return Vec::new();
        }
        let q = query.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.text.to_lowercase().contains(&q) || l.source.to_lowercase().contains(&q)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: usize) -> LogLine {
        LogLine {
            source: "web-1".into(),
            text: format!("request {i} served"),
        }
    }

    #[test]
    fn keeps_the_newest_lines_and_counts_the_dropped() {
        let mut b = LogBuffer::new(3);
        for i in 0..5 {
            b.push(line(i));
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.dropped, 2);
        assert_eq!(b.get(0).map(|l| l.text.as_str()), Some("request 2 served"));
    }

    #[test]
    fn search_is_case_insensitive_and_covers_the_source() {
        let mut b = LogBuffer::new(10);
        for i in 0..4 {
            b.push(line(i));
        }
        b.push(LogLine {
            source: "web-2".into(),
            text: "ERROR Timeout".into(),
        });
        assert_eq!(b.matches("error"), vec![4]);
        assert_eq!(b.matches("REQUEST 3"), vec![3]);
        assert_eq!(b.matches("web-2"), vec![4]);
        assert!(b.matches("").is_empty());
    }
}
