//! Finding things in the parsed TOML document: the source offset of a path (to name the
//! line of a value the checks reject) and the path at an offset (to name the setting a
//! deserialization error is about).

use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step down the document: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the document's root, e.g. `line[0].service[2].capacity`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Path(Vec<Seg>);

impl Path {
    pub(super) fn root() -> Self {
        Path::default()
    }

    pub(super) fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        Path(segs)
    }

    pub(super) fn index(&self, i: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(i));
        Path(segs)
    }

    pub(super) fn segs(&self) -> &[Seg] {
        &self.0
    }

    /// The keys after the last array index (`calls.ledger` in `line[0].service[2].calls
    /// .ledger`): how a setting is named inside its `[[table]]`. Empty for a table itself.
    pub(super) fn setting(&self) -> String {
        let start = self
            .0
            .iter()
            .rposition(|s| matches!(s, Seg::Index(_)))
            .map_or(0, |i| i + 1);
        self.keys(&self.0[start..])
    }

    /// The keys of the path, indices left out (`line.service` for `line[0].service[2]`).
    pub(super) fn dotted(&self) -> String {
        self.keys(&self.0)
    }

    fn keys(&self, segs: &[Seg]) -> String {
        let keys: Vec<&str> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect();
        keys.join(".")
    }

    /// Whether the path ends in an entry of an array (a `[[table]]`).
    pub(super) fn is_array_entry(&self) -> bool {
        matches!(self.0.last(), Some(Seg::Index(_)))
    }

    pub(super) fn parent(&self) -> Path {
        let mut segs = self.0.clone();
        segs.pop();
        Path(segs)
    }
}

/// Source offsets of paths in a parsed document.
pub(super) struct Locator<'d, 'i> {
    root: &'d DeTable<'i>,
    source: &'d str,
}

impl<'d, 'i> Locator<'d, 'i> {
    pub(super) fn new(root: &'d DeTable<'i>, source: &'d str) -> Self {
        Locator { root, source }
    }

    /// The 1-based line of an offset (for "first given at line …").
    pub(super) fn line_of(&self, offset: usize) -> usize {
        super::line_and_column(self.source, offset).0
    }

    /// The start of the deepest value found along `path` (a missing setting, given a
    /// default, is located at its table).
    pub(super) fn offset(&self, path: &Path) -> usize {
        along(self.root, path)
            .iter()
            .rev()
            .map(|v| v.span())
            .find(|span| !span.is_empty())
            .map_or(0, |span| span.start)
    }
}

/// The values found going down `path`, up to the first step that is not there.
fn along<'d, 'i>(root: &'d DeTable<'i>, path: &Path) -> Vec<&'d Spanned<DeValue<'i>>> {
    let mut found: Vec<&'d Spanned<DeValue<'i>>> = Vec::new();
    for seg in path.segs() {
        let here = found.last().map(|v| v.get_ref());
        let next = match (seg, here) {
            (Seg::Key(k), None) => root.get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
            (Seg::Index(i), Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        match next {
            Some(v) => found.push(v),
            None => break,
        }
    }
    found
}

/// The `name` a table at `path` gives itself, if any.
pub(super) fn name_at<'d>(root: &'d DeTable<'_>, path: &Path) -> Option<&'d str> {
    let found = along(root, path);
    if found.len() != path.segs().len() {
        return None;
    }
    let table = found.last()?.get_ref().as_table()?;
    table.get("name")?.get_ref().as_str()
}

/// The deepest path whose key or value span holds `offset`.
pub(super) fn path_at(root: &DeTable<'_>, offset: usize) -> Path {
    let mut segs = Vec::new();
    find_in_table(root, offset, &mut segs);
    Path(segs)
}

fn holds(span: &Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || (span.is_empty() && span.start == offset)
}

fn find_in_table(table: &DeTable<'_>, offset: usize, segs: &mut Vec<Seg>) -> bool {
    for (key, value) in table.iter() {
        segs.push(Seg::Key(key.get_ref().to_string()));
        if holds(&key.span(), offset) || find_in_value(value, offset, segs) {
            return true;
        }
        segs.pop();
    }
    false
}

/// Children first (a table's span may be its header only), then the value itself.
fn find_in_value(value: &Spanned<DeValue<'_>>, offset: usize, segs: &mut Vec<Seg>) -> bool {
    let deeper = match value.get_ref() {
        DeValue::Table(t) => find_in_table(t, offset, segs),
        DeValue::Array(a) => a.iter().enumerate().any(|(i, v)| {
            segs.push(Seg::Index(i));
            let hit = find_in_value(v, offset, segs);
            if !hit {
                segs.pop();
            }
            hit
        }),
        _ => false,
    };
    deeper || holds(&value.span(), offset)
}
