//! Trains on disk: `<data dir>/trains/<line>~<env>.json`, the state of every train not
//! finished, rewritten (whole, then renamed over the old file) on each move. A cockpit or
//! `wheelhouse promote --resume` started later picks a train up from there; a finished
//! train's file goes.

use crate::domain::EnvKey;
use crate::domain::train::Train;
use std::path::{Path, PathBuf};

/// The file of the environment's train.
pub fn path(dir: &Path, key: &EnvKey) -> PathBuf {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    dir.join(format!("{}~{}.json", clean(&key.line), clean(&key.env)))
}

/// Writes the train's state (a temporary file renamed over the old one, synced).
pub fn write(dir: &Path, train: &Train) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let dest = path(dir, &train.env_key());
    let tmp = dest.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(train).map_err(std::io::Error::other)?;
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&text)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &dest)
}

/// Removes the environment's train file (none is fine).
pub fn remove(dir: &Path, key: &EnvKey) -> std::io::Result<()> {
    match std::fs::remove_file(path(dir, key)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Reads the environment's train, if one is saved.
pub fn read(dir: &Path, key: &EnvKey) -> Result<Option<Train>, String> {
    let p = path(dir, key);
    match std::fs::read(&p) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: not a train: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

/// Every saved train, and what could not be read (a file that is not a train is named,
/// and left where it is).
pub fn load_all(dir: &Path) -> (Vec<Train>, Vec<String>) {
    let (mut trains, mut problems) = (Vec::new(), Vec::new());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (trains, problems);
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for p in files {
        match std::fs::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Train>(&b).map_err(|e| e.to_string()))
        {
            Ok(t) => trains.push(t),
            Err(e) => problems.push(format!("train file {}: {e}", p.display())),
        }
    }
    (trains, problems)
}

enum Job {
    Save(Box<Train>),
    Forget(EnvKey),
    /// Answered once every job before it is done.
    Flush(std::sync::mpsc::Sender<()>),
}

/// Saves trains in the order asked, off the cockpit's loop (a slow disk never holds a
/// frame); a failure is reported through `problem`.
#[derive(Clone)]
pub struct Saver {
    tx: std::sync::mpsc::Sender<Job>,
}

impl Saver {
    pub fn start(dir: PathBuf, problem: impl Fn(String) + Send + 'static) -> Saver {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::spawn(move || {
            for job in rx {
                let result = match &job {
                    Job::Save(t) => write(&dir, t),
                    Job::Forget(k) => remove(&dir, k),
                    Job::Flush(done) => {
                        let _ = done.send(());
                        Ok(())
                    }
                };
                if let Err(e) = result {
                    problem(format!(
                        "the train's state is not saved in {}: {e}",
                        dir.display()
                    ));
                }
            }
        });
        Saver { tx }
    }

    pub fn save(&self, train: Box<Train>) {
        let _ = self.tx.send(Job::Save(train));
    }

    pub fn forget(&self, key: EnvKey) {
        let _ = self.tx.send(Job::Forget(key));
    }

    /// Waits (up to `limit`) until everything asked before is on disk: the cockpit does
    /// not exit with a train's last move unsaved.
    pub fn flush(&self, limit: std::time::Duration) -> bool {
        let (done, wait) = std::sync::mpsc::channel();
        self.tx.send(Job::Flush(done)).is_ok() && wait.recv_timeout(limit).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::train::gate::Gate;
    use crate::domain::train::{Kind, Train};

    fn train(env: &str) -> Train {
        let key = EnvKey {
            line: "trade".into(),
            env: env.into(),
        };
        Train::new(
            Kind::EnvDelete,
            &key,
            "demo: x",
            Vec::new(),
            Gate::default(),
            Vec::new(),
        )
    }

    #[test]
    fn saved_in_order_flushed_before_exit_and_read_back() {
        let dir = std::env::temp_dir().join(format!("wh-trains-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let problems = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = problems.clone();
        let saver = Saver::start(dir.clone(), move |p| seen.lock().unwrap().push(p));
        saver.save(Box::new(train("qa1")));
        saver.save(Box::new(train("qa2")));
        saver.forget(train("qa2").env_key());
        assert!(saver.flush(std::time::Duration::from_secs(5)));
        let (trains, bad) = load_all(&dir);
        assert_eq!(trains.len(), 1, "qa2 was forgotten after it was saved");
        assert_eq!(trains[0].env, "qa1");
        assert!(bad.is_empty());
        assert!(problems.lock().unwrap().is_empty());
        std::fs::write(dir.join("broken.json"), "{").unwrap();
        let (_, bad) = load_all(&dir);
        assert!(bad[0].contains("broken.json"), "{bad:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
