//! Images: what each one is (tags, size, age, the base image it is built on) and which
//! environments run it. A Docker engine lists its images; on other platforms the list is
//! the images the services reference.

use super::Snapshot;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageInfo {
    /// `repo:tag` references (the first one names the image).
    pub tags: Vec<String>,
    /// The engine's ID, when known.
    pub id: String,
    pub size_bytes: Option<u64>,
    /// Unix seconds, when known.
    pub created: Option<i64>,
    /// The base image (lineage), when labelled.
    pub base: String,
    /// The service and version the image is for, when labelled.
    pub service: String,
    pub version: String,
    /// `line/env` of every environment running it.
    pub used_by: Vec<String>,
}

impl ImageInfo {
    pub fn name(&self) -> &str {
        self.tags.first().map_or(self.id.as_str(), String::as_str)
    }
}

/// The images the services of a snapshot run (for platforms without an image list).
pub fn from_snapshot(snapshot: &Snapshot) -> Vec<ImageInfo> {
    let mut out: Vec<ImageInfo> = Vec::new();
    for line in &snapshot.product_lines {
        for env in &line.environments {
            for s in &env.services {
                let mut images = vec![(s.image.clone(), s.version.clone())];
                if let Some(c) = &s.canary {
                    images.push((c.image.clone(), c.version.clone()));
                }
                for (image, version) in images {
                    let place = format!("{}/{}", line.name, env.name);
                    match out.iter_mut().find(|i| i.tags.first() == Some(&image)) {
                        Some(i) => {
                            if !i.used_by.contains(&place) {
                                i.used_by.push(place);
                            }
                        }
                        None => out.push(ImageInfo {
                            tags: vec![image],
                            id: String::new(),
                            size_bytes: None,
                            created: None,
                            base: s.base_image.clone(),
                            service: s.name.clone(),
                            version,
                            used_by: vec![place],
                        }),
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.name().cmp(b.name()));
    out
}
