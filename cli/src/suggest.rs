//! "Did you mean": the names closest to one that matched nothing, across the two ways an
//! endpoint is named (its path under `/openapi/v2/` and its operation name) and RunningHub's
//! own spellings (`refrence`).

/// `name` in one form for comparing: lower case, with `/`, `_`, `.` and spaces as `-`.
pub(crate) fn key(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            '/' | '_' | '.' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// How alike two keys are, from 0 (nothing alike) to 1 (the same).
fn likeness(query: &str, candidate: &str) -> f64 {
    let edits = strsim::normalized_damerau_levenshtein(query, candidate);
    // A query that is a whole part of the name (`v3-turbo`) is as good as a near miss.
    if query.len() >= 4 && candidate.contains(query) {
        return edits.max(0.8);
    }
    // Two slips in a short name (`acmee` for `acme`) are still a near miss.
    if query.len() >= 4 && strsim::damerau_levenshtein(query, candidate) <= 2 {
        return edits.max(0.7);
    }
    edits
}

/// The `names` closest to `query` (at most `limit`, best first), leaving out those too far
/// to be what was meant.
pub(crate) fn closest<'a>(
    query: &str,
    names: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let query = key(query);
    let mut scored: Vec<(f64, &str)> = names
        .into_iter()
        .map(|name| (likeness(&query, &key(name)), name))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(limit).map(|(_, n)| n).collect()
}

/// ` (did you mean a, b or c?)`, or nothing when there is no candidate.
pub(crate) fn did_you_mean(candidates: &[&str]) -> String {
    match candidates {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|c| format!("`{c}`")).collect();
            format!("; did you mean {} or `{last}`?", init.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &[
        "acme/reference-to-video-v3",
        "acme/text-to-video-v3-turbo",
        "beta/v3.0-pro/image-to-video",
        "gamma-s/refrence-to-video",
    ];

    #[test]
    fn both_forms_of_a_name_have_one_key() {
        assert_eq!(
            key("acme/text-to-video-v3-turbo"),
            key("acme_text_to_video_v3_turbo")
        );
        assert_eq!(key("Beta/V3.0-Pro"), "beta-v3-0-pro");
    }

    #[test]
    fn near_misses_and_parts_are_suggested_and_strangers_are_not() {
        // RunningHub spells it `refrence`; users type `reference`.
        assert_eq!(
            closest("gamma-s/reference-to-video", NAMES.iter().copied(), 3),
            ["gamma-s/refrence-to-video"]
        );
        assert_eq!(
            closest("acme_text_to_video_v3_turb", NAMES.iter().copied(), 3),
            ["acme/text-to-video-v3-turbo"]
        );
        assert_eq!(
            closest("v3-turbo", NAMES.iter().copied(), 3),
            ["acme/text-to-video-v3-turbo"]
        );
        assert!(closest("zeta-image-to-text", NAMES.iter().copied(), 3).is_empty());
        assert_eq!(closest("acmee", ["acme", "beta", "gamma"], 3), ["acme"]);
    }

    #[test]
    fn suggestions_read_as_a_sentence() {
        assert_eq!(did_you_mean(&[]), "");
        assert_eq!(did_you_mean(&["a"]), "; did you mean `a`?");
        assert_eq!(
            did_you_mean(&["a", "b", "c"]),
            "; did you mean `a`, `b` or `c`?"
        );
    }
}
