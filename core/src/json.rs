//! A small JSON value, its text parser and writer, and a `json!` macro.
//!
//! The core carries its own JSON type instead of `serde_json` because every
//! byte ships to edge workers: in WebAssembly the host's native `JSON.parse`
//! and `JSON.stringify` do the text work and only this data model is linked.
//! Objects keep insertion order and look keys up linearly (they are small);
//! building one from many pairs ([`Map::from_pairs`]) stays O(n log n), so a
//! hostile body of thousands of keys costs no more than its length.

use std::fmt::{self, Write};

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Json {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number (JSON numbers are read as f64, as in JavaScript).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(Map),
}

/// A JSON object: keys in insertion order.
#[derive(Clone, Debug, Default)]
pub struct Map(Vec<(String, Json)>);

impl PartialEq for Map {
    /// Objects are equal when they have the same keys with equal values, in any order.
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Map {
    /// An empty object.
    pub fn new() -> Map {
        Map(Vec::new())
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Set `key` to `value`, replacing an existing value in place.
    pub fn insert(&mut self, key: impl Into<String>, value: Json) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// An object from pairs whose keys are known to differ (a JavaScript
    /// object's own keys): built as it is, in O(n).
    pub fn from_unique_pairs(pairs: Vec<(String, Json)>) -> Map {
        Map(pairs)
    }

    /// An object from `pairs` in order, as JavaScript builds one: a repeated
    /// key keeps its first position and takes its last value. O(n log n)
    /// whatever the keys (a sort, not a hash a caller could flood).
    pub fn from_pairs(pairs: Vec<(String, Json)>) -> Map {
        if pairs.len() <= 8 {
            let unique = pairs
                .iter()
                .enumerate()
                .all(|(i, (k, _))| pairs.iter().take(i).all(|(earlier, _)| earlier != k));
            if unique {
                return Map(pairs);
            }
            let mut m = Map(Vec::with_capacity(pairs.len()));
            for (k, v) in pairs {
                m.insert(k, v);
            }
            return m;
        }
        // Ordered by (key, position): each run of equal keys starts with the
        // first occurrence and ends with the last.
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        heap_sort(&mut order, |a, b| (&pairs[a].0, a) < (&pairs[b].0, b));
        // For each first occurrence, the index whose value wins.
        let mut winner: Vec<Option<usize>> = vec![None; pairs.len()];
        let mut run = 0;
        while run < order.len() {
            let mut end = run + 1;
            while end < order.len() && pairs[order[end]].0 == pairs[order[run]].0 {
                end += 1;
            }
            winner[order[run]] = Some(order[end - 1]);
            run = end;
        }
        let mut slots: Vec<Option<(String, Json)>> = pairs.into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(slots.len());
        for (first, last) in winner.into_iter().enumerate() {
            let Some(last) = last else { continue };
            let Some((key, value)) = slots[first].take() else {
                continue;
            };
            let value = match slots[last].take() {
                Some((_, later)) => later,
                None => value,
            };
            out.push((key, value));
        }
        Map(out)
    }

    /// Remove `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Json> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Key/value pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Json)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Every key and value, in order, both mutable (a renamed key may then
    /// repeat another; lookups find the first).
    pub fn entries_mut(&mut self) -> impl Iterator<Item = (&mut String, &mut Json)> {
        self.0.iter_mut().map(|(k, v)| (k, v))
    }

    /// Mutable values, in order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Json> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Map {
    type Item = (String, Json);
    type IntoIter = std::vec::IntoIter<(String, Json)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Sort `items` by `less`, in O(n log n) with no extra memory: a few lines
/// of code, where the standard library's sorts add kilobytes to the
/// WebAssembly module.
fn heap_sort(items: &mut [usize], less: impl Fn(usize, usize) -> bool) {
    let sift = |items: &mut [usize], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(items[child], items[child + 1]) {
            child += 1;
        }
        if !less(items[root], items[child]) {
            return;
        }
        items.swap(root, child);
        root = child;
    };
    for start in (0..items.len() / 2).rev() {
        sift(items, start, items.len());
    }
    for end in (1..items.len()).rev() {
        items.swap(0, end);
        sift(items, 0, end);
    }
}

/// Largest integer a JSON number (an f64) holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

impl Json {
    /// `obj[key]` for objects; `None` otherwise.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.get(key),
            _ => None,
        }
    }

    /// Set `obj[key]`; does nothing unless this is an object.
    pub fn set(&mut self, key: &str, value: Json) {
        if let Json::Object(m) = self {
            m.insert(key, value);
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as an unsigned integer, if it is a whole number in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= MAX_SAFE => Some(*n as u64),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Json>> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Json::Number(_))
    }

    /// A JSON type name for messages (`a string`, `an array`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// Parse JSON text (RFC 8259). Nesting deeper than 128 is refused.
    pub fn parse(text: &str) -> Result<Json, ParseError> {
        Json::parse_bounded(text, usize::MAX)
    }

    /// Parse JSON text in which no object or array holds more than
    /// `max_items` entries: a larger one fails as soon as it is seen, so a
    /// hostile text of thousands of keys costs no more than reaching the limit.
    pub fn parse_bounded(text: &str, max_items: usize) -> Result<Json, ParseError> {
        Json::parse_bounded_with(text, max_items, rust_number)
    }

    /// [`Json::parse_bounded`] with another reader of number text (see
    /// [`Json::parse_answer_with`]).
    pub fn parse_bounded_with(
        text: &str,
        max_items: usize,
        number: NumberReader,
    ) -> Result<Json, ParseError> {
        Parser::new(text, max_items, false, number).run()
    }

    /// The number reader [`Json::parse`] uses, for callers of the `_with` forms.
    pub fn rust_number(text: &str) -> Option<f64> {
        rust_number(text)
    }

    /// Parse the text a JavaScript host wrote of one of its values: JSON,
    /// plus the bare tokens `NaN`, `Infinity` and `-Infinity` for those
    /// numbers (so validation can say what is wrong with them), numbers read
    /// by `number` as in [`Json::parse_answer_with`].
    pub fn parse_host(text: &str, number: NumberReader) -> Result<Json, ParseError> {
        let mut p = Parser::new(text, usize::MAX, false, number);
        p.non_finite = true;
        p.run()
    }

    /// Parse a provider's answer: as [`Json::parse`], except that an integer
    /// beyond 2^53 in a field named like an id or a seed (`id`, `seed`,
    /// `…_id`, `…Id`, `…_seed`, `…Seed`) is kept as its decimal text, which
    /// an f64 (and so `JSON.parse`) would round.
    pub fn parse_answer(text: &str) -> Result<Json, ParseError> {
        Json::parse_answer_with(text, rust_number)
    }

    /// [`Json::parse_answer`] with another reader of number text (already
    /// checked against JSON's grammar): the WebAssembly layer passes the
    /// host's `parseFloat`, which reads every JSON number as `JSON.parse`
    /// does and keeps Rust's float parser out of the module.
    pub fn parse_answer_with(text: &str, number: NumberReader) -> Result<Json, ParseError> {
        Parser::new(text, usize::MAX, true, number).run()
    }
}

/// Turns JSON number text into an f64 (correctly rounded; ±Infinity beyond range).
pub type NumberReader = fn(&str) -> Option<f64>;

/// Rust's own correctly rounded reader.
fn rust_number(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// Whether a field holds an identifier whose digits matter.
fn names_an_id(key: &str) -> bool {
    key == "id"
        || key == "seed"
        || ["_id", "Id", "_seed", "Seed"]
            .iter()
            .any(|end| key.ends_with(end))
}

impl<'a> Parser<'a> {
    fn new(
        text: &'a str,
        max_items: usize,
        keep_big_ids: bool,
        read_number: NumberReader,
    ) -> Parser<'a> {
        Parser {
            s: text,
            b: text.as_bytes(),
            i: 0,
            depth: 0,
            max_items,
            keep_big_ids,
            non_finite: false,
            read_number,
        }
    }

    fn run(mut self) -> Result<Json, ParseError> {
        let p = &mut self;
        p.ws();
        let v = p.value()?;
        p.ws();
        if p.i != p.b.len() {
            return Err(p.err("trailing characters"));
        }
        Ok(v)
    }
}

/// A whole number written in decimal digits only (no sign, no spaces), if it
/// fits in a u64. One parser for ports, sizes and Retry-After.
pub fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// A number for messages, written without float-formatting code (which
/// would add kilobytes to the WebAssembly): whole numbers exactly, others
/// to three decimals.
pub fn number_text(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_string();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        return format!("{}", n as i64);
    }
    if n.abs() >= 1e15 {
        return "a very large number".to_string();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let thousandths = (n.abs() * 1000.0).round() as u64;
    let mut frac = format!("{:03}", thousandths % 1000);
    while frac.ends_with('0') && frac.len() > 1 {
        frac.pop();
    }
    format!("{sign}{}.{frac}", thousandths / 1000)
}

static NULL: Json = Json::Null;

impl std::ops::Index<&str> for Json {
    type Output = Json;
    /// `v["key"]`: the value, or `null` when absent or not an object.
    fn index(&self, key: &str) -> &Json {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Json {
    type Output = Json;
    /// `v[i]`: the item, or `null` when absent or not an array.
    fn index(&self, i: usize) -> &Json {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl PartialEq<&str> for Json {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<f64> for Json {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == Some(*other)
    }
}

impl PartialEq<i32> for Json {
    fn eq(&self, other: &i32) -> bool {
        self.as_f64() == Some(f64::from(*other))
    }
}

/// Where and why JSON text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset.
    pub offset: usize,
    /// What was wrong.
    pub reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

const MAX_DEPTH: usize = 128;

/// Why [`Json::parse_bounded`] stopped early.
pub const TOO_MANY_ITEMS: &str = "an object or array has too many entries";

struct Parser<'a> {
    /// The text, and the same as bytes.
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
    max_items: usize,
    keep_big_ids: bool,
    /// Whether `NaN`, `Infinity` and `-Infinity` are read (host texts only).
    non_finite: bool,
    read_number: NumberReader,
}

impl Parser<'_> {
    fn err(&self, reason: &'static str) -> ParseError {
        ParseError {
            offset: self.i,
            reason,
        }
    }

    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.b[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, ParseError> {
        match self.b.get(self.i) {
            None => Err(self.err("unexpected end")),
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') if self.eat(b"true") => Ok(Json::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Json::Bool(false)),
            Some(b'n') if self.eat(b"null") => Ok(Json::Null),
            Some(b'N') if self.non_finite && self.eat(b"NaN") => Ok(Json::Number(f64::NAN)),
            Some(b'I') if self.non_finite && self.eat(b"Infinity") => {
                Ok(Json::Number(f64::INFINITY))
            }
            Some(b'-') if self.non_finite && self.eat(b"-Infinity") => {
                Ok(Json::Number(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Json, ParseError>) -> Result<Json, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Result<Json, ParseError> {
        self.i += 1;
        // Requests and answers are small objects: one allocation, no regrowth.
        let mut pairs = Vec::with_capacity(8);
        self.ws();
        if self.eat(b"}") {
            return Ok(Json::Object(Map::new()));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a key"));
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(b":") {
                return Err(self.err("expected ':'"));
            }
            self.ws();
            let v = if self.keep_big_ids && names_an_id(&k) {
                self.id_value()?
            } else {
                self.value()?
            };
            if pairs.len() == self.max_items {
                return Err(self.err(TOO_MANY_ITEMS));
            }
            pairs.push((k, v));
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"}") {
                return Ok(Json::Object(Map::from_pairs(pairs)));
            }
            return Err(self.err("expected ',' or '}'"));
        }
    }

    fn array(&mut self) -> Result<Json, ParseError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b"]") {
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            if items.len() == self.max_items {
                return Err(self.err(TOO_MANY_ITEMS));
            }
            items.push(self.value()?);
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"]") {
                return Ok(Json::Array(items));
            }
            return Err(self.err("expected ',' or ']'"));
        }
    }

    /// Four hex digits at `at` (exactly four: no sign, no space).
    fn hex_at(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let mut n = 0;
        for &c in h {
            n = n * 16 + char::from(c).to_digit(16)?;
        }
        Some(n)
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let n = self
            .hex_at(self.i)
            .ok_or_else(|| self.err("bad \\u escape"))?;
        self.i += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // A run between ASCII delimiters of a &str is whole characters.
            out.push_str(
                self.s
                    .get(start..self.i)
                    .ok_or_else(|| self.err("bad UTF-8"))?,
            );
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = *self
                        .b
                        .get(self.i)
                        .ok_or_else(|| self.err("unexpected end"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            // JavaScript reads each escape as one UTF-16 code
                            // unit; a high surrogate pairs only with a low one
                            // right after it. An unpaired surrogate reaches
                            // Rust as U+FFFD (one each), the next escape
                            // being read on its own.
                            let unit = self.hex4()?;
                            let low_next = || {
                                (self.b.get(self.i..self.i + 2) == Some(b"\\u"))
                                    .then(|| self.hex_at(self.i + 2))
                                    .flatten()
                                    .filter(|lo| (0xDC00..0xE000).contains(lo))
                            };
                            let code = match unit {
                                0xD800..=0xDBFF => match low_next() {
                                    Some(lo) => {
                                        self.i += 6;
                                        0x10000 + ((unit - 0xD800) << 10) + (lo - 0xDC00)
                                    }
                                    None => 0xFFFD,
                                },
                                0xDC00..=0xDFFF => 0xFFFD,
                                _ => unit,
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    /// A value in an id or seed field: a whole number beyond 2^53 stays text.
    fn id_value(&mut self) -> Result<Json, ParseError> {
        let start = self.i;
        let v = self.value()?;
        if let Json::Number(n) = v {
            let text = &self.b[start..self.i];
            if n.abs() > MAX_SAFE && !text.iter().any(|c| matches!(c, b'.' | b'e' | b'E')) {
                let digits = self
                    .s
                    .get(start..self.i)
                    .ok_or_else(|| self.err("bad number"))?;
                return Ok(Json::String(digits.to_string()));
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Json, ParseError> {
        let start = self.i;
        self.eat(b"-");
        let digits = |p: &mut Self| {
            let s = p.i;
            while matches!(p.b.get(p.i), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i - s
        };
        let int_start = self.i;
        if digits(self) == 0 {
            return Err(self.err("expected digits"));
        }
        if self.b[int_start] == b'0' && self.i - int_start > 1 {
            return Err(self.err("leading zero"));
        }
        if self.eat(b".") && digits(self) == 0 {
            return Err(self.err("expected digits after '.'"));
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("expected exponent digits"));
            }
        }
        let text = self
            .s
            .get(start..self.i)
            .ok_or_else(|| self.err("bad number"))?;
        // Whole numbers below 2^53 are exact in an f64: no reader needed.
        let (negative, whole) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if whole.len() <= 15 {
            if let Some(n) = parse_digits(whole) {
                let n = n as f64;
                return Ok(Json::Number(if negative { -n } else { n }));
            }
        }
        (self.read_number)(text)
            .map(Json::Number)
            .ok_or_else(|| self.err("bad number"))
    }
}

/// `s` as a JSON string. It works on bytes (every character JSON escapes is
/// ASCII) and never slices by index: a slip would be a panic, whose message
/// machinery adds kilobytes to the module.
fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Writes a number that is not whole (or is beyond 2^53) as JSON text.
pub type NumberWriter = fn(f64, &mut String);

impl Json {
    /// Compact JSON text, as [`Display`](fmt::Display) writes it, with
    /// another writer for numbers that are not whole: the WebAssembly layer
    /// passes the host's, which keeps Rust's float formatting out of the module.
    pub fn write_with(&self, out: &mut String, number: NumberWriter) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) if !n.is_finite() => out.push_str("null"),
            Json::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE => {
                let _ = write!(out, "{}", *n as i64);
            }
            Json::Number(n) => number(*n, out),
            Json::String(s) => write_str(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_with(out, number);
                }
                out.push(']');
            }
            Json::Object(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write_with(out, number);
                }
                out.push('}');
            }
        }
    }
}

impl fmt::Display for Json {
    /// Compact JSON text. Non-finite numbers are written as `null`, as
    /// `JSON.stringify` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_with(&mut out, |n, out| {
            let _ = write!(out, "{n}");
        });
        f.write_str(&out)
    }
}

/// An empty item list for `json!` arrays to push into.
#[doc(hidden)]
pub fn array_builder() -> Vec<Json> {
    Vec::new()
}

/// Conversion to JSON by reference, as `json!` uses it.
pub trait ToJson {
    /// This value as JSON.
    fn to_json(&self) -> Json;
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Json {
        (**self).to_json()
    }
}

macro_rules! to_json_number {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Json {
                Json::Number(*self as f64)
            }
        }
    )*};
}
to_json_number!(u8, u16, u32, u64, usize, i32, i64, f64);

impl ToJson for bool {
    fn to_json(&self) -> Json {
        Json::Bool(*self)
    }
}

impl ToJson for str {
    fn to_json(&self) -> Json {
        Json::String(self.to_string())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Json {
        Json::String(self.clone())
    }
}

impl ToJson for Json {
    fn to_json(&self) -> Json {
        self.clone()
    }
}

impl ToJson for Map {
    fn to_json(&self) -> Json {
        Json::Object(self.clone())
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Json {
        self.as_ref().map_or(Json::Null, ToJson::to_json)
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Json {
        Json::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Json {
        self.as_slice().to_json()
    }
}

impl<T: ToJson, const N: usize> ToJson for [T; N] {
    fn to_json(&self) -> Json {
        self.as_slice().to_json()
    }
}

/// Build a [`Json`] value with JSON-like syntax; values are any expression
/// whose type implements [`ToJson`] (taken by reference).
///
/// ```
/// use gpt_image_core::json;
/// let n = 3;
/// let v = json!({ "a": [1, "two", null], "b": { "n": n * 2 }, "c": Some("x") });
/// assert_eq!(v.to_string(), r#"{"a":[1,"two",null],"b":{"n":6},"c":"x"}"#);
/// ```
#[macro_export]
macro_rules! json {
    (null) => { $crate::json::Json::Null };
    ([]) => { $crate::json::Json::Array(::std::vec::Vec::new()) };
    ([ $($tt:tt)+ ]) => {{
        let mut items = $crate::json::array_builder();
        $crate::json!(@array items $($tt)+);
        $crate::json::Json::Array(items)
    }};
    ({}) => { $crate::json::Json::Object($crate::json::Map::new()) };
    ({ $($tt:tt)+ }) => {{
        let mut map = $crate::json::Map::new();
        $crate::json!(@object map $($tt)+);
        $crate::json::Json::Object(map)
    }};
    ($other:expr) => { $crate::json::ToJson::to_json(&$other) };

    (@array $v:ident) => {};
    (@array $v:ident null $(, $($rest:tt)*)?) => {
        $v.push($crate::json::Json::Null);
        $($crate::json!(@array $v $($rest)*);)?
    };
    (@array $v:ident [ $($inner:tt)* ] $(, $($rest:tt)*)?) => {
        $v.push($crate::json!([ $($inner)* ]));
        $($crate::json!(@array $v $($rest)*);)?
    };
    (@array $v:ident { $($inner:tt)* } $(, $($rest:tt)*)?) => {
        $v.push($crate::json!({ $($inner)* }));
        $($crate::json!(@array $v $($rest)*);)?
    };
    (@array $v:ident $value:expr $(, $($rest:tt)*)?) => {
        $v.push($crate::json::ToJson::to_json(&$value));
        $($crate::json!(@array $v $($rest)*);)?
    };

    (@object $m:ident) => {};
    (@object $m:ident $key:literal : null $(, $($rest:tt)*)?) => {
        $m.insert($key, $crate::json::Json::Null);
        $($crate::json!(@object $m $($rest)*);)?
    };
    (@object $m:ident $key:literal : [ $($inner:tt)* ] $(, $($rest:tt)*)?) => {
        $m.insert($key, $crate::json!([ $($inner)* ]));
        $($crate::json!(@object $m $($rest)*);)?
    };
    (@object $m:ident $key:literal : { $($inner:tt)* } $(, $($rest:tt)*)?) => {
        $m.insert($key, $crate::json!({ $($inner)* }));
        $($crate::json!(@object $m $($rest)*);)?
    };
    (@object $m:ident $key:literal : $value:expr $(, $($rest:tt)*)?) => {
        $m.insert($key, $crate::json::ToJson::to_json(&$value));
        $($crate::json!(@object $m $($rest)*);)?
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text() {
        let text = r#"{"a":[1,-2.5,1e3,true,false,null],"s":"q\"\\\n\t\u0001é🙂","o":{}}"#;
        let v = Json::parse(text).unwrap();
        assert_eq!(
            v.get("a").unwrap().as_array().unwrap()[2].as_f64(),
            Some(1000.0)
        );
        assert_eq!(v.get("s").unwrap().as_str(), Some("q\"\\\n\t\u{1}é🙂"));
        let again = Json::parse(&v.to_string()).unwrap();
        assert_eq!(again, v);
        assert_eq!(
            Json::parse(r#""\ud83d\ude42""#).unwrap().as_str(),
            Some("🙂")
        );
    }

    #[test]
    fn objects_keep_first_position_and_last_value_like_javascript() {
        for n in [3usize, 50] {
            let mut pairs: Vec<(String, Json)> =
                (0..n).map(|i| (format!("k{i}"), json!(i as u64))).collect();
            pairs.push(("k1".into(), json!("again")));
            pairs.push(("k0".into(), json!("last")));
            let m = Map::from_pairs(pairs);
            assert_eq!(m.len(), n, "{n}");
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            assert_eq!((keys[0], keys[1], keys[2]), ("k0", "k1", "k2"));
            assert_eq!(m.get("k0"), Some(&json!("last")));
            assert_eq!(m.get("k1"), Some(&json!("again")));
            assert_eq!(m.get("k2"), Some(&json!(2u64)));
        }
        let v = Json::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn many_keys_parse_in_linear_time() {
        // 20,000 distinct keys: a quadratic build makes 200 million key
        // comparisons (seconds, even optimised); a linear one, a few ms.
        let body: String = {
            let keys: Vec<String> = (0..20_000).map(|i| format!("\"key{i:05}\":1")).collect();
            format!("{{{}}}", keys.join(","))
        };
        let start = std::time::Instant::now();
        let v = Json::parse(&body).unwrap();
        let took = start.elapsed();
        assert_eq!(v.as_object().unwrap().len(), 20_000);
        assert!(took.as_millis() < 400, "{took:?}");
    }

    #[test]
    fn refuses_bad_text() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "\"abc",
            "tru",
            "[1] x",
            "{\"a\":1,}",
            "\"\\x\"",
            "\"a\nb\"",
            "1e",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(Json::parse(&deep).unwrap_err().reason, "nested too deeply");
    }

    #[test]
    fn macro_builds_values() {
        let name = String::from("x");
        let list = vec!["a", "b"];
        let v = json!({ "n": 1, "name": name, "list": list, "none": Option::<u8>::None, "nested": [{ "k": [] }, null] });
        assert_eq!(
            v.to_string(),
            r#"{"n":1,"name":"x","list":["a","b"],"none":null,"nested":[{"k":[]},null]}"#
        );
        let mut m = Map::new();
        m.insert("a", json!(1));
        m.insert("a", json!(2));
        assert_eq!(Json::Object(m).to_string(), r#"{"a":2}"#);
        assert_eq!(json!({ "a": 1, "b": 2 }), json!({ "b": 2, "a": 1 }));
        assert_ne!(json!({ "a": 1, "b": 2 }), json!({ "a": 1 }));
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(json!(3.0).to_string(), "3");
        assert_eq!(json!(0.36).to_string(), "0.36");
        assert_eq!(json!(f64::NAN).to_string(), "null");
        assert_eq!(json!(-0.5).as_u64(), None);
        assert_eq!(json!(7).as_u64(), Some(7));
    }

    #[test]
    fn host_texts_may_name_non_finite_numbers_answers_may_not() {
        let v = Json::parse_host(r#"[NaN,Infinity,-Infinity,-1,-0]"#, rust_number).unwrap();
        let Json::Array(items) = v else { panic!() };
        assert!(items[0].as_f64().unwrap().is_nan());
        assert_eq!(items[1].as_f64(), Some(f64::INFINITY));
        assert_eq!(items[2].as_f64(), Some(f64::NEG_INFINITY));
        assert_eq!(items[3].as_f64(), Some(-1.0));
        assert!(items[4].as_f64().unwrap().is_sign_negative());
        for text in ["NaN", "Infinity", "-Infinity", "[NaN]"] {
            assert!(Json::parse(text).is_err(), "{text}");
            assert!(Json::parse_answer(text).is_err(), "{text}");
        }
        assert!(Json::parse_host("-Inf", rust_number).is_err());
    }
}
