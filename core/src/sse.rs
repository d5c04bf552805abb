//! Server-sent events (`text/event-stream`), read from chunks as they arrive:
//! OpenAI streams partial images this way. Chunks may split a line, a UTF-8
//! character or an event anywhere; the parser holds what it has not finished.

/// One event: its `event:` name (empty when none was given) and its `data:`
/// lines joined with `\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field.
    pub name: String,
    /// The `data:` field(s).
    pub data: String,
}

/// The largest event the parser holds (a partial image is base64 of at most a
/// few megabytes; a final 4K image about 30 MB).
pub const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

/// Why a stream could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SseError {
    /// An event grew past [`MAX_EVENT_BYTES`].
    TooLarge,
}

/// An incremental parser: [`Parser::push`] bytes, get the events they
/// complete. An event not closed by a blank line when the stream ends is
/// dropped, as the specification says.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of the line not yet ended.
    line: Vec<u8>,
    name: String,
    data: String,
    has_data: bool,
    held: usize,
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Read `chunk`; the events it completes, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Event>, SseError> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            self.line.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(event) = self.field(&line) {
                out.push(event);
            }
        }
        self.line.extend_from_slice(rest);
        self.held = self.data.len() + self.line.len();
        if self.held > MAX_EVENT_BYTES {
            return Err(SseError::TooLarge);
        }
        Ok(out)
    }

    fn field(&mut self, line: &[u8]) -> Option<Event> {
        if line.is_empty() {
            if !self.has_data {
                self.name.clear();
                return None;
            }
            self.has_data = false;
            return Some(Event {
                name: std::mem::take(&mut self.name),
                data: std::mem::take(&mut self.data),
            });
        }
        if line.first() == Some(&b':') {
            return None; // a comment (heartbeat)
        }
        let text = String::from_utf8_lossy(line);
        let (key, value) = match text.split_once(':') {
            Some((k, v)) => (k, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_ref(), ""),
        };
        match key {
            "event" => self.name = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
        None
    }
}

/// One event as it goes on the wire: `event: {name}`, then `data` one line per
/// `data:` field (a reader joins them back with `\n`), then a blank line.
/// `name` is one of the writer's own constants: it must hold no line break.
pub fn event_text(name: &str, data: &str) -> String {
    let mut out = String::with_capacity(name.len() + data.len() + 16);
    out.push_str("event: ");
    out.push_str(name);
    out.push('\n');
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A comment line: readers ignore it; proxies see bytes moving.
pub const HEARTBEAT: &str = ": keep-alive\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: image_generation.partial_image\ndata: {\"a\":1}\n\n: keep-alive\n\nevent: image_generation.completed\r\ndata: {\"b\":\r\ndata: 2}\r\n\r\ndata: no-name\n\nevent: dangling\ndata: x";

    #[test]
    fn reads_events_however_the_chunks_fall() {
        let expected = vec![
            Event {
                name: "image_generation.partial_image".into(),
                data: "{\"a\":1}".into(),
            },
            Event {
                name: "image_generation.completed".into(),
                data: "{\"b\":\n2}".into(),
            },
            Event {
                name: String::new(),
                data: "no-name".into(),
            },
        ];
        let bytes = STREAM.as_bytes();
        for size in 1..bytes.len() {
            let mut p = Parser::new();
            let mut got = Vec::new();
            for chunk in bytes.chunks(size) {
                got.extend(p.push(chunk).unwrap());
            }
            assert_eq!(got, expected, "chunks of {size}");
        }
    }

    #[test]
    fn split_characters_survive_and_huge_events_are_refused() {
        let text = "data: caf\u{e9} \u{1f642}\n\n".as_bytes();
        let mut p = Parser::new();
        let mut got = Vec::new();
        for b in text {
            got.extend(p.push(&[*b]).unwrap());
        }
        assert_eq!(got[0].data, "caf\u{e9} \u{1f642}");
        let mut p = Parser::new();
        let line = vec![b'x'; 1024 * 1024];
        assert_eq!(p.push(b"data: ").map(|v| v.len()), Ok(0));
        let mut result = Ok(Vec::new());
        for _ in 0..65 {
            result = p.push(&line);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseError::TooLarge));
    }

    #[test]
    fn written_events_read_back_as_written() {
        let mut p = Parser::new();
        let mut text = event_text("progress", "{\"status\":\"running\"}");
        text.push_str(HEARTBEAT);
        text.push_str(&event_text("completed", "two\nlines\r\nhere"));
        let events = p.push(text.as_bytes()).unwrap();
        assert_eq!(
            events,
            vec![
                Event {
                    name: "progress".into(),
                    data: "{\"status\":\"running\"}".into()
                },
                Event {
                    name: "completed".into(),
                    data: "two\nlines\nhere".into()
                },
            ]
        );
    }
}
