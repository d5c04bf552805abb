//! `multipart/form-data` bodies, for providers that take images uploaded (OpenAI's edits).

use crate::Json;

/// One uploaded file.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The form field name (`image[]`).
    pub field: String,
    /// The file name sent to the server.
    pub filename: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FilePart({} {} bytes)", self.filename, self.bytes.len())
    }
}

/// Largest reference image OpenAI accepts (50 MB).
pub const MAX_IMAGE_BYTES: usize = 50 * 1024 * 1024;

/// The image type of `bytes` from its magic number, if PNG, JPEG or WebP.
pub use crate::image::sniff as sniff_image;

/// A file name for the reference at `url`: its last path segment, made safe.
pub fn filename_for(url: &str, index: usize, content_type: &str) -> String {
    let ext = crate::text::after_last(content_type, b'/');
    let last = crate::text::after_last(crate::text::before_any(url, b"?#"), b'/');
    let stem: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    let stem = stem.split('.').next().unwrap_or("").to_string();
    if stem.is_empty() {
        format!("reference-{index}.{ext}")
    } else {
        format!("{stem}.{ext}")
    }
}

/// Request parameters as multipart text fields: strings as they are,
/// numbers as JSON writes them.
pub fn text_fields(params: Vec<(&'static str, Json)>) -> Vec<(String, String)> {
    params
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Json::String(s) => s,
                other => crate::json::number_text(other.as_f64().unwrap_or(0.0)),
            };
            (k.to_string(), text)
        })
        .collect()
}

/// The `Content-Type` header for a body with this boundary.
pub fn content_type(boundary: &str) -> String {
    format!("multipart/form-data; boundary={boundary}")
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Encode text fields and files as `multipart/form-data` with `boundary`
/// (which must not occur in the content: use a random one).
pub fn encode(fields: &[(String, String)], files: &[FilePart], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                quote(name)
            )
            .as_bytes(),
        );
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for f in files {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                quote(&f.field),
                quote(&f.filename),
                f.content_type
            )
            .as_bytes(),
        );
        out.extend_from_slice(&f.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// Give a request its multipart body: the text `fields`, then the `files`,
/// between boundaries made unique by `id`.
pub fn encode_into(
    request: &mut crate::http::HttpRequest,
    fields: &[(String, String)],
    files: &[FilePart],
    id: &str,
) {
    let boundary = format!("gpt-image-edge-{id}");
    request.body = crate::http::Body::Bytes(encode(fields, files, &boundary));
    request
        .headers
        .push(("Content-Type".to_string(), content_type(&boundary)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_three_formats() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8L"), Some("image/webp"));
        assert_eq!(sniff_image(b"<html>"), None);
    }

    #[test]
    fn encodes_fields_and_files() {
        let body = encode(
            &[("prompt".into(), "a \"cat\"".into())],
            &[FilePart {
                field: "image[]".into(),
                filename: "a.png".into(),
                content_type: "image/png".into(),
                bytes: vec![1, 2, 3],
            }],
            "BOUNDARY",
        );
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(
            "--BOUNDARY\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na \"cat\"\r\n"
        ));
        assert!(text.contains("name=\"image[]\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\u{1}\u{2}\u{3}\r\n"));
        assert!(text.ends_with("--BOUNDARY--\r\n"));
    }

    #[test]
    fn quoted_names_cannot_break_the_header() {
        assert_eq!(quote("a\"b\r\nc.png"), "a%22b  c.png");
        assert_eq!(quote("plain-é.png"), "plain-é.png");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            filename_for("https://x/p/cat.photo.jpg?sig=1", 0, "image/jpeg"),
            "cat.jpeg"
        );
        assert_eq!(
            filename_for("https://x/", 2, "image/png"),
            "reference-2.png"
        );
        assert_eq!(
            filename_for("https://x/%22evil%22", 1, "image/webp"),
            "22evil22.webp"
        );
    }
}
