//! Keeping the key out of everything an upstream answer carries.
//!
//! An upstream was sent the key, so it can write it back anywhere in an
//! answer: whole or cut, JSON-escaped, base64-, base64url-, hex- or
//! percent-encoded, spread over several fields or split by spaces. A
//! [`KeyGuard`] knows the key's encoded forms and hides every run of
//! [`KEY_FRAGMENT_LEN`] characters of any of them:
//!
//! - in each text as it is ([`KeyGuard::scrub`]);
//! - in the same text with its escapes decoded (`%73`, `\u0073`, `\x73`,
//!   `&#115;`) and every character that no form uses taken out, so a key cut
//!   into pieces and joined by spaces or punctuation is still one run (the
//!   whole text is then replaced);
//! - across the strings of a JSON answer read in order ([`KeyGuard::scrub_value`]),
//!   so pieces spread over several fields are found (each field holding a
//!   piece is replaced).
//!
//! It runs after every decoding: on an answer once it is parsed, on each
//! event of a stream once its data is parsed. Strings longer than
//! [`DECODED_SCAN_MAX`] (image data) are searched for the forms as they are.

use crate::json::Json;

/// The shortest run of the key (or of one of its encoded forms) that counts
/// as a leak: any 16 characters (a shorter key counts whole).
pub const KEY_FRAGMENT_LEN: usize = 16;

/// What a hidden run is replaced with.
pub const MARK: &str = "[REDACTED]";

/// Strings up to this length are also searched decoded and stripped, and
/// across fields; longer ones (base64 image data) for the forms as written.
pub const DECODED_SCAN_MAX: usize = 64 * 1024;

/// Encoded forms shorter than this are not searched for (they would match
/// ordinary text); the key itself always is.
const MIN_FORM_LEN: usize = 8;

/// The key and its encoded forms, indexed for a search in one pass.
pub struct KeyGuard {
    /// The key, then its hex, base64 and base64url forms.
    forms: Vec<Vec<u8>>,
    /// Every 16-byte window of the forms at least that long, by its rolling
    /// hash: `(hash, form, start)` in an open-addressed table (hash 0 = empty).
    table: Vec<(u64, u32, u32)>,
    /// Forms shorter than 16 bytes (a short key), searched whole.
    short: Vec<usize>,
    /// Bytes some form holds: the rest is taken out before the decoded search.
    alphabet: [bool; 256],
}

impl std::fmt::Debug for KeyGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyGuard([REDACTED])")
    }
}

/// The rolling hash's base (any odd 64-bit constant mixes well enough;
/// every hit is checked byte by byte).
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

fn window_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(b) + 1)
    }) | 1
}

/// Slot of a hash in a table of `mask + 1` entries.
fn slot(h: u64, mask: usize) -> usize {
    (h.wrapping_mul(0xff51_afd7_ed55_8ccd) >> 40) as usize & mask
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 of whole 3-byte groups only: the characters a longer text that
/// holds these bytes at a group boundary is sure to contain.
fn base64_groups(bytes: &[u8], alphabet: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3 * 4);
    for g in bytes.chunks_exact(3) {
        let n = u32::from(g[0]) << 16 | u32::from(g[1]) << 8 | u32::from(g[2]);
        for shift in [18, 12, 6, 0] {
            out.push(alphabet[(n >> shift & 63) as usize]);
        }
    }
    out
}

fn hex(bytes: &[u8], upper: bool) -> Vec<u8> {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    bytes
        .iter()
        .flat_map(|b| [digits[usize::from(b >> 4)], digits[usize::from(b & 15)]])
        .collect()
}

fn hex_value(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `text` with its escapes decoded: `%XX`, `\uXXXX`, `\xXX` and `&#N;` /
/// `&#xH;` (a decoded character that is not one byte is kept as its UTF-8
/// bytes); with each output byte, the range of `text` it came from.
fn decode_escapes(text: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut out = Vec::with_capacity(text.len());
    let mut from = Vec::with_capacity(text.len());
    let mut i = 0;
    let hex_at = |at: usize, n: usize| -> Option<u32> {
        let digits = text.get(at..at + n)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some(acc * 16 + hex_value(d)?))
    };
    let push_char =
        |out: &mut Vec<u8>, from: &mut Vec<(usize, usize)>, c: u32, range: (usize, usize)| {
            if let Some(ch) = char::from_u32(c) {
                let mut buf = [0u8; 4];
                for &b in ch.encode_utf8(&mut buf).as_bytes() {
                    out.push(b);
                    from.push(range);
                }
            }
        };
    while i < text.len() {
        let b = text[i];
        let decoded = if b == b'%' {
            hex_at(i + 1, 2).map(|v| (v, 3))
        } else if b == b'\\' && matches!(text.get(i + 1), Some(b'u' | b'U')) {
            hex_at(i + 2, 4).map(|v| (v, 6))
        } else if b == b'\\' && matches!(text.get(i + 1), Some(b'x' | b'X')) {
            hex_at(i + 2, 2).map(|v| (v, 4))
        } else if b == b'&' && text.get(i + 1) == Some(&b'#') {
            let (start, radix) = match text.get(i + 2) {
                Some(b'x' | b'X') => (i + 3, 16),
                _ => (i + 2, 10),
            };
            (start..text.len().min(start + 8))
                .find(|&j| text[j] == b';')
                .filter(|&end| end > start)
                .and_then(|end| {
                    let v = text[start..end].iter().try_fold(0u32, |acc, &d| {
                        let digit = if radix == 16 {
                            hex_value(d)?
                        } else {
                            (d as char).to_digit(10)?
                        };
                        acc.checked_mul(radix)?.checked_add(digit)
                    })?;
                    Some((v, end + 1 - i))
                })
        } else {
            None
        };
        match decoded {
            // `%XX` and `\xXX` name a byte; the others a character.
            Some((v, len)) if b == b'%' || (text[i + 1] | 0x20) == b'x' => {
                out.push(v as u8);
                from.push((i, i + len));
                i += len;
            }
            Some((v, len)) => {
                push_char(&mut out, &mut from, v, (i, i + len));
                i += len;
            }
            None => {
                out.push(b);
                from.push((i, i + 1));
                i += 1;
            }
        }
    }
    (out, from)
}

impl KeyGuard {
    /// The guard of `key`.
    pub fn new(key: &str) -> KeyGuard {
        KeyGuard::of(&[key])
    }

    /// The guard of several secrets (the key, and the values of a caller's
    /// own headers): each is hidden as the key is.
    pub fn of(secrets: &[&str]) -> KeyGuard {
        let mut kept: Vec<Vec<u8>> = Vec::new();
        for secret in secrets {
            let raw = secret.as_bytes().to_vec();
            if raw.is_empty() {
                continue;
            }
            let mut forms = vec![hex(&raw, false), hex(&raw, true)];
            for start in 0..3.min(raw.len()) {
                let tail = &raw[start..];
                let whole = &tail[..tail.len() / 3 * 3];
                forms.push(base64_groups(whole, B64));
                forms.push(base64_groups(whole, B64URL));
            }
            if !kept.contains(&raw) {
                kept.push(raw);
            }
            for f in forms {
                if f.len() >= MIN_FORM_LEN && !kept.contains(&f) {
                    kept.push(f);
                }
            }
        }
        let mut alphabet = [false; 256];
        let mut windows = Vec::new();
        let mut short = Vec::new();
        for (fi, f) in kept.iter().enumerate() {
            for &b in f {
                alphabet[usize::from(b)] = true;
            }
            if f.len() < KEY_FRAGMENT_LEN {
                short.push(fi);
                continue;
            }
            for start in 0..=f.len() - KEY_FRAGMENT_LEN {
                let h = window_hash(&f[start..start + KEY_FRAGMENT_LEN]);
                windows.push((h, fi as u32, start as u32));
            }
        }
        let size = (windows.len() * 4).next_power_of_two().max(64);
        let mut table = vec![(0u64, 0u32, 0u32); size];
        for w in windows {
            let mut s = slot(w.0, size - 1);
            while table[s].0 != 0 {
                s = (s + 1) & (size - 1);
            }
            table[s] = w;
        }
        KeyGuard {
            forms: kept,
            table,
            short,
            alphabet,
        }
    }

    /// Whether the 16 bytes of `hay` at `at`, whose hash is `h`, are a window of a form.
    fn is_window(&self, hay: &[u8], at: usize, h: u64) -> bool {
        let w = &hay[at..at + KEY_FRAGMENT_LEN];
        let mask = self.table.len() - 1;
        let mut s = slot(h, mask);
        loop {
            let (hash, form, start) = self.table[s];
            if hash == 0 {
                return false;
            }
            let start = start as usize;
            if hash == h && self.forms[form as usize][start..start + KEY_FRAGMENT_LEN] == *w {
                return true;
            }
            s = (s + 1) & mask;
        }
    }

    /// The byte ranges of `hay` that are runs of a form, merged, in order.
    fn runs(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        // Hidden bytes, marked once the first run is found.
        let mut hidden: Option<Vec<bool>> = None;
        let mut mark = |start: usize, end: usize| {
            hidden.get_or_insert_with(|| vec![false; hay.len()])[start..end].fill(true);
        };
        let w = KEY_FRAGMENT_LEN;
        if hay.len() >= w && self.table.iter().any(|e| e.0 != 0) {
            // Rabin-Karp: the hash of each window from the previous one.
            let mut top = 1u64; // BASE^(w-1)
            for _ in 1..w {
                top = top.wrapping_mul(BASE);
            }
            let mut h = hay[..w].iter().fold(0u64, |h, &b| {
                h.wrapping_mul(BASE).wrapping_add(u64::from(b) + 1)
            });
            for at in 0..=hay.len() - w {
                if at > 0 {
                    h = h
                        .wrapping_sub(top.wrapping_mul(u64::from(hay[at - 1]) + 1))
                        .wrapping_mul(BASE)
                        .wrapping_add(u64::from(hay[at + w - 1]) + 1);
                }
                if self.is_window(hay, at, h | 1) {
                    mark(at, at + w);
                }
            }
        }
        for &fi in &self.short {
            let form = &self.forms[fi];
            let mut at = 0;
            while at + form.len() <= hay.len() {
                if hay[at..].starts_with(form) {
                    mark(at, at + form.len());
                    at += form.len();
                } else {
                    at += 1;
                }
            }
        }
        let mut out = Vec::new();
        if let Some(hidden) = hidden {
            let mut at = 0;
            while at < hidden.len() {
                if hidden[at] {
                    let start = at;
                    while at < hidden.len() && hidden[at] {
                        at += 1;
                    }
                    out.push((start, at));
                } else {
                    at += 1;
                }
            }
        }
        out
    }

    /// `text` decoded and stripped to the bytes the forms use; with each
    /// byte, the range of `text` it came from.
    fn flattened(&self, text: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
        let (mut bytes, mut from) = decode_escapes(text);
        // Twice: a text may be escaped twice (`%2573`).
        let (again, inner) = decode_escapes(&bytes);
        if again.len() != bytes.len() {
            from = inner
                .iter()
                .map(|&(s, e)| (from[s].0, from[e - 1].1))
                .collect();
            bytes = again;
        }
        let mut kept = Vec::with_capacity(bytes.len());
        let mut kept_from = Vec::with_capacity(bytes.len());
        for (b, f) in bytes.into_iter().zip(from) {
            if self.alphabet[usize::from(b)] {
                kept.push(b);
                kept_from.push(f);
            }
        }
        (kept, kept_from)
    }

    /// The ranges of `text` whose decoded, stripped form holds a run.
    fn hidden_runs(&self, text: &str) -> Vec<(usize, usize)> {
        let (flat, from) = self.flattened(text.as_bytes());
        // In order: each flattened byte comes from later in the text than the one before.
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in self
            .runs(&flat)
            .into_iter()
            .map(|(s, e)| (from[s].0, from[e - 1].1))
        {
            match merged.last_mut() {
                Some(last) if last.1 >= s => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// `text` with each run replaced by [`MARK`] (whole characters only).
    fn replace_runs(text: &str, runs: &[(usize, usize)]) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for &(mut start, mut end) in runs {
            while start > copied && !text.is_char_boundary(start) {
                start -= 1;
            }
            while end < text.len() && !text.is_char_boundary(end) {
                end += 1;
            }
            let start = start.max(copied);
            out.push_str(text.get(copied..start).unwrap_or_default());
            if !out.ends_with(MARK) {
                out.push_str(MARK);
            }
            copied = end.max(copied);
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        out
    }

    /// `text` with every run of the key or one of its forms hidden, or
    /// `None` when it holds none. Runs found only once the text is decoded
    /// or stripped of separators hide the stretch of text they came from.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let runs = self.runs(text.as_bytes());
        let replaced = (!runs.is_empty()).then(|| Self::replace_runs(text, &runs));
        let now = replaced.as_deref().unwrap_or(text);
        if now.len() <= DECODED_SCAN_MAX {
            let hidden = self.hidden_runs(now);
            if !hidden.is_empty() {
                return Some(Self::replace_runs(now, &hidden));
            }
        }
        replaced
    }

    /// Whether `text` holds a run of the key in any form (decoded or not).
    pub fn taints(&self, text: &str) -> bool {
        self.scrub(text).is_some()
    }

    /// Hide the key in every string and object key of `v` (see the module
    /// doc); whether anything was hidden.
    pub fn scrub_value(&self, v: &mut Json) -> bool {
        let mut strings: Vec<(&mut String, bool)> = Vec::new();
        collect_strings(v, &mut strings);
        let mut changed = false;
        for (s, _) in strings.iter_mut() {
            let clean = if s.len() > DECODED_SCAN_MAX {
                let runs = self.runs(s.as_bytes());
                (!runs.is_empty()).then(|| Self::replace_runs(s, &runs))
            } else {
                self.scrub(s)
            };
            if let Some(clean) = clean {
                **s = clean;
                changed = true;
            }
        }
        // Pieces spread over several fields: the values read in order as one text.
        let mut joined = Vec::new();
        let mut owner = Vec::new();
        for (i, (s, is_key)) in strings.iter().enumerate() {
            if *is_key || s.len() > DECODED_SCAN_MAX {
                continue;
            }
            let (flat, _) = self.flattened(s.as_bytes());
            owner.extend(std::iter::repeat_n(i, flat.len()));
            joined.extend(flat);
        }
        for (start, end) in self.runs(&joined) {
            for &i in &owner[start..end] {
                let s = &mut strings[i].0;
                if s.as_str() != MARK {
                    **s = MARK.to_string();
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Every string of `v` in document order, each with whether it is an
/// object key (keys are scrubbed too, but not read as part of the text
/// that runs across fields: they are the answer's structure).
fn collect_strings<'a>(v: &'a mut Json, out: &mut Vec<(&'a mut String, bool)>) {
    match v {
        Json::String(s) => out.push((s, false)),
        Json::Array(items) => items.iter_mut().for_each(|i| collect_strings(i, out)),
        Json::Object(map) => {
            for (k, val) in map.entries_mut() {
                out.push((k, true));
                collect_strings(val, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    /// An OpenAI project key's shape and length (164 characters).
    fn project_key() -> String {
        let body: String = (0..156)
            .map(|i| b"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-"[(i * 7 + 3) % 38] as char)
            .collect();
        format!("sk-proj-{body}")
    }

    /// The longest run of `key` in `text`.
    fn longest_run(text: &str, key: &str) -> usize {
        let mut best = 0;
        for i in 0..key.len() {
            for j in (i + best + 1)..=key.len() {
                if text.contains(&key[i..j]) {
                    best = j - i;
                } else {
                    break;
                }
            }
        }
        best
    }

    fn percent_all(s: &str) -> String {
        s.bytes().map(|b| format!("%{b:02x}")).collect()
    }

    fn b64(s: &str) -> String {
        crate::image::encode_base64(s.as_bytes())
    }

    #[test]
    fn every_occurrence_is_replaced() {
        let g = KeyGuard::new("KEY");
        assert_eq!(
            g.scrub("a KEY b KEYKEY").as_deref(),
            Some("a [REDACTED] b [REDACTED]")
        );
        assert_eq!(g.scrub("é KEY é").as_deref(), Some("é [REDACTED] é"));
        assert_eq!(g.scrub("nothing"), None);
        assert_eq!(g.scrub("KE"), None);
        assert_eq!(KeyGuard::new("").scrub("x"), None);
    }

    #[test]
    fn no_piece_of_a_long_key_survives_in_any_form() {
        let key = project_key();
        let g = KeyGuard::new(&key);
        for cut in [0, 1, 15, 16, 17, 24, 100, 150, 163] {
            let (head, tail) = key.split_at(cut);
            for text in [
                format!("Incorrect API key provided: {key}."),
                format!("key {head}"),
                format!("{tail}... was refused"),
                format!("x{head}y{tail}z"),
            ] {
                let clean = g.scrub(&text).unwrap_or(text.clone());
                assert!(longest_run(&clean, &key) < KEY_FRAGMENT_LEN, "{clean}");
            }
        }
        // Shorter runs are ordinary text.
        let short = &key[40..40 + KEY_FRAGMENT_LEN - 1];
        assert_eq!(g.scrub(&format!("a {short} b")), None);
        // A key shorter than the fragment length counts whole.
        assert_eq!(
            KeyGuard::new("afk_sandbox")
                .scrub("a afk_sandbox b")
                .as_deref(),
            Some("a [REDACTED] b")
        );
    }

    #[test]
    fn encoded_forms_are_found() {
        let key = project_key();
        let g = KeyGuard::new(&key);
        let upper_hex: String = key.bytes().map(|b| format!("{b:02X}")).collect();
        let lower_hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        let b64url = b64(&key).replace('+', "-").replace('/', "_");
        let cases = [
            format!("token={}", b64(&key)),
            format!("token={}", b64(&format!("x{key}"))),
            format!("token={}", b64(&format!("xy{key}"))),
            format!("token={b64url}"),
            format!("hex {lower_hex} and {upper_hex}"),
            format!("https://cdn.example/a.png?k={}", percent_all(&key)),
            format!(
                "https://cdn.example/a.png?k={}",
                percent_all(&key).to_uppercase()
            ),
            format!("double {}", percent_all(&key).replace('%', "%25")),
            format!(
                "escaped {}",
                key.bytes()
                    .map(|b| format!("\\u{:04x}", b))
                    .collect::<String>()
            ),
            format!(
                "entities {}",
                key.bytes().map(|b| format!("&#{b};")).collect::<String>()
            ),
            // Cut into 15-character pieces, joined by spaces or punctuation.
            key.as_bytes()
                .chunks(15)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" | "),
            // Base64 wrapped at 16 characters, as MIME does at 76.
            b64(&key)
                .as_bytes()
                .chunks(16)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\n"),
        ];
        for text in cases {
            let clean = g.scrub(&text);
            assert!(clean.is_some(), "not found: {text}");
            let clean = clean.unwrap();
            assert!(longest_run(&clean, &key) < KEY_FRAGMENT_LEN, "{clean}");
            assert!(!clean.contains(&b64(&key)[..20]), "{clean}");
        }
    }

    #[test]
    fn only_the_stretch_that_holds_the_key_is_hidden() {
        let key = project_key();
        let g = KeyGuard::new(&key);
        let pieces: Vec<&str> = key
            .as_bytes()
            .chunks(15)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let text = format!(
            "Your account is suspended. parts: {} ref={}",
            pieces.join(" "),
            key.bytes().map(|b| format!("%{b:02x}")).collect::<String>()
        );
        let clean = g.scrub(&text).unwrap();
        assert!(
            clean.starts_with("Your account is suspended. parts:"),
            "{clean}"
        );
        assert!(clean.contains("ref="), "{clean}");
        assert!(
            !clean.contains(pieces[1]) && !clean.contains("%73%6b"),
            "{clean}"
        );
    }

    #[test]
    fn pieces_across_fields_are_found() {
        let key = project_key();
        let g = KeyGuard::new(&key);
        let pieces: Vec<&str> = key
            .as_bytes()
            .chunks(15)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let mut v = json!({
            "status": "FAILED",
            "error": { "message": pieces[0], "code": pieces[1], "param": pieces[2] },
            "details": pieces[3..].iter().map(|p| json!(p)).collect::<Vec<_>>(),
        });
        assert!(g.scrub_value(&mut v));
        let text = v.to_string();
        assert!(longest_run(&text, &key) < KEY_FRAGMENT_LEN, "{text}");
        assert!(!text.contains(pieces[1]), "{text}");
        assert_eq!(v["status"], "FAILED", "untouched fields stay");
        // Object keys too.
        let mut v = json!({ "x": 1 });
        v.set(&key, json!(key));
        assert!(g.scrub_value(&mut v));
        assert!(longest_run(&v.to_string(), &key) < KEY_FRAGMENT_LEN);
        // An answer without the key is left alone.
        let mut clean = json!({ "status": "COMPLETED", "result": ["https://cdn.example/a.png"] });
        let before = clean.clone();
        assert!(!g.scrub_value(&mut clean));
        assert_eq!(clean, before);
    }

    #[test]
    fn image_data_is_searched_for_the_forms() {
        let key = project_key();
        let g = KeyGuard::new(&key);
        let mut bytes = vec![7u8; 300_000];
        bytes[90_000..90_000 + key.len()].copy_from_slice(key.as_bytes());
        let mut v = json!({ "b64_json": crate::image::encode_base64(&bytes) });
        assert!(g.scrub_value(&mut v));
        let clean = v["b64_json"].as_str().unwrap();
        assert!(clean.contains(MARK));
        let mut plain = json!({ "b64_json": crate::image::encode_base64(&[9u8; 300_000]) });
        assert!(!g.scrub_value(&mut plain));
    }

    #[test]
    fn a_megabyte_is_read_quickly_enough() {
        let key = project_key();
        let g = KeyGuard::new(&key);
        let text = "A".repeat(1 << 20) + &key;
        let out = g.scrub(&text).unwrap();
        assert!(out.ends_with(MARK) && out.len() == (1 << 20) + MARK.len());
    }
}
