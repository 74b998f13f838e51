//! Fuzzy matching for the command palette: the query's characters in order, scored for
//! word starts and runs.

/// Score of `query` against `text` (higher is better), or None when it does not match.
pub fn score(query: &str, text: &str) -> Option<i64> {
    let q: Vec<char> = query
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if q.is_empty() {
        return Some(0);
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let mut qi = 0;
    let mut score = 0i64;
    let mut prev_match: Option<usize> = None;
    for (i, &c) in t.iter().enumerate() {
        if qi < q.len() && c == q[qi] {
            score += 1;
            let word_start = i == 0 || matches!(t[i - 1], ' ' | '/' | '-' | '_' | '.' | '@');
            if word_start {
                score += 8;
            }
            if prev_match == Some(i.wrapping_sub(1)) {
                score += 5;
            }
            prev_match = Some(i);
            qi += 1;
        }
    }
    if qi < q.len() {
        return None;
    }
    Some(score * 4 - t.len() as i64)
}

/// Indices of `items` that match, best first (stable for equal scores).
pub fn rank<'a>(query: &str, items: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    let mut scored: Vec<(i64, usize)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| score(query, s).map(|sc| (sc, i)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsequence_matches_and_ranks_word_starts() {
        assert!(score("lcg", "loan-core/gray").is_some());
        assert!(score("xyz", "loan-core/gray").is_none());
        let items = ["scale service", "canary shift", "show capacity"];
        let ranked = rank("cs", items.iter().copied());
        assert_eq!(items[ranked[0]], "canary shift");
    }

    #[test]
    fn empty_query_matches_everything() {
        assert_eq!(rank("", ["a", "b"].iter().copied()), vec![0, 1]);
    }
}
