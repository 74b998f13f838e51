//! Where wheelhouse keeps its files. Found through `directories`; WHEELHOUSE_CONFIG_DIR and
//! WHEELHOUSE_DATA_DIR override them (tests, drills, read-only home directories).

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// theme.toml, keymap.toml, catalog.toml.
    pub config_dir: PathBuf,
    /// audit.jsonl, wheelhouse.log.
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> Paths {
        let dirs = directories::ProjectDirs::from("dev", "wheelhouse", "wheelhouse");
        let fallback = std::env::temp_dir().join("wheelhouse");
        let config_dir = std::env::var_os("WHEELHOUSE_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .unwrap_or_else(|| fallback.clone());
        let data_dir = std::env::var_os("WHEELHOUSE_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .unwrap_or(fallback);
        Paths {
            config_dir,
            data_dir,
        }
    }

    pub fn audit_log(&self) -> PathBuf {
        self.data_dir.join("audit.jsonl")
    }

    /// Trains not finished (see the binary's `train_store`).
    pub fn trains_dir(&self) -> PathBuf {
        self.data_dir.join("trains")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("wheelhouse.log")
    }
}
