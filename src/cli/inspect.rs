//! Read-only subcommands beyond status: `logs` (the last lines of a service's logs) and
//! `images` (the image list), as text or JSON.

use super::Output;
use super::output::exit;
use crate::domain::ServiceKey;
use crate::domain::image::ImageInfo;
use crate::platform::session::Session;

/// `logs LINE/ENV/SERVICE`: exit 0 with the lines, 4 when the service is unknown.
pub async fn logs<P: Session>(
    platform: &mut P,
    target: &str,
    lines: usize,
    wait: f64,
    previous: bool,
    output: Output,
) -> (i32, String) {
    let key = match ServiceKey::parse(target) {
        Some(k) => k,
        None => return (exit::INVALID, format!("{target:?} is not LINE/ENV/SERVICE")),
    };
    let snapshot = platform.snapshot();
    if snapshot.service(&key).is_none() {
        return (exit::NOT_FOUND, format!("service {key} not found"));
    }
    if let Some(Err(e)) = snapshot
        .environment(&key.env_key())
        .map(|e| e.location.logs())
    {
        return (exit::INVALID, format!("{key}: {e}"));
    }
    let (out, note) = platform.logs(&key, lines, wait, previous).await;
    let text = match output {
        Output::Json => {
            serde_json::json!({ "service": key.to_string(), "lines": out, "note": note })
                .to_string()
        }
        Output::Text => {
            let mut text: String = out
                .iter()
                .map(|l| format!("{} {}\n", l.source, l.text))
                .collect();
            if let Some(n) = note {
                text.push_str(&format!("({n})\n"));
            }
            text
        }
    };
    (exit::OK, text)
}

fn size(bytes: Option<u64>) -> String {
    bytes.map_or("-".into(), |b| format!("{:.1} MB", b as f64 / 1e6))
}

pub async fn images<P: Session>(platform: &mut P, output: Output) -> String {
    let images: Vec<ImageInfo> = platform.images().await;
    match output {
        Output::Json => serde_json::to_string_pretty(&images).unwrap_or_default(),
        Output::Text => images
            .iter()
            .map(|i| {
                format!(
                    "{:<40} {:>9}  base {:<24} {}\n",
                    i.name(),
                    size(i.size_bytes),
                    if i.base.is_empty() { "?" } else { &i.base },
                    if i.used_by.is_empty() {
                        "unused".to_string()
                    } else {
                        i.used_by.join(", ")
                    }
                )
            })
            .collect(),
    }
}
