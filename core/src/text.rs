//! Searches of text by byte. Every delimiter the core looks for is ASCII, and
//! byte searches keep the general char-pattern searchers out of the
//! WebAssembly module (and never slice inside a character).

/// The text before and after the last `delimiter` (ASCII), as `str::rsplit_once`.
pub fn rsplit_once_byte(s: &str, delimiter: u8) -> Option<(&str, &str)> {
    let i = s.bytes().rposition(|b| b == delimiter)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The text after the last `delimiter` (ASCII), or all of it: `s.rsplit(d).next()`.
pub fn after_last(s: &str, delimiter: u8) -> &str {
    rsplit_once_byte(s, delimiter).map_or(s, |(_, after)| after)
}

/// The text before the first of `delimiters` (ASCII), or all of it:
/// `s.split(delimiters).next()`.
pub fn before_any<'a>(s: &'a str, delimiters: &[u8]) -> &'a str {
    s.bytes()
        .position(|b| delimiters.contains(&b))
        .and_then(|i| s.get(..i))
        .unwrap_or(s)
}

/// `values` joined by ", " (written out: no generic join machinery).
pub fn list<S: AsRef<str>>(values: &[S]) -> String {
    let mut out = String::new();
    push_list(&mut out, values);
    out
}

/// [`list`], written at the end of `out`.
pub fn push_list<S: AsRef<str>>(out: &mut String, values: &[S]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(v.as_ref());
    }
}

/// Where `needle` first occurs in `hay`, by byte: `hay.find(needle)` without
/// the general string searcher.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

/// Whether `needle` occurs in `hay` ([`find`]).
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// The number of characters (Unicode scalar values): `s.chars().count()`.
pub fn char_count(s: &str) -> usize {
    // Each character has exactly one byte that is not a continuation byte.
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_agrees_with_the_standard_library() {
        for (hay, needle) in [
            ("a://b", "://"),
            ("é[REDACTED]", "[REDACTED]"),
            ("abc", ""),
            ("ab", "abc"),
            ("aaab", "aab"),
        ] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} {needle}");
        }
    }

    #[test]
    fn agree_with_the_standard_library() {
        for s in [
            "",
            "a",
            "a.b.c",
            ".",
            "..",
            "x.",
            ".x",
            "é.ü",
            "日本.語",
            "no-dot",
            "a\u{10348}.b",
        ] {
            assert_eq!(rsplit_once_byte(s, b'.'), s.rsplit_once('.'), "{s:?}");
            assert_eq!(after_last(s, b'.'), s.rsplit('.').next().unwrap(), "{s:?}");
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
            let parts: Vec<&str> = s.split('.').collect();
            assert_eq!(list(&parts), parts.join(", "), "{s:?}");
            assert_eq!(
                before_any(s, b".#"),
                s.split(['.', '#']).next().unwrap(),
                "{s:?}"
            );
        }
    }
}
