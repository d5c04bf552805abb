//! Images given as bytes: `data:` URLs (how bytes travel through JSON), base64,
//! and the little of an image's header that validation needs (its format, its
//! size, whether a PNG can hold transparency).

/// Largest mask OpenAI accepts: "less than 4MB" (its API reference).
pub const MASK_MAX_BYTES: usize = 4 * 1024 * 1024 - 1;

/// Longest data URL OpenAI's JSON edits take as an `image_url` (its OpenAPI
/// document's `maxLength`); larger images go as multipart uploads.
pub const JSON_IMAGE_URL_MAX: usize = 20_971_520;

/// Image formats every provider accepts.
pub const IMAGE_MIME_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// A `data:<mime>;base64,<data>` URL, split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataUrl<'a> {
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub mime: &'a str,
    /// The base64 text.
    pub base64: &'a str,
}

impl<'a> DataUrl<'a> {
    /// `Some` when `s` is a `data:` URL at all: then `Ok` when it is a base64
    /// image this library accepts, `Err` saying why not.
    pub fn parse(s: &'a str) -> Option<Result<DataUrl<'a>, String>> {
        let rest = s.strip_prefix("data:")?;
        let Some((meta, data)) = rest.split_once(',') else {
            return Some(Err("a data URL needs a `,` before its data".into()));
        };
        let Some(mime) = meta.strip_suffix(";base64") else {
            return Some(Err(
                "a data URL image must be base64 (`data:image/png;base64,...`)".into(),
            ));
        };
        let mime = if mime == "image/jpg" {
            "image/jpeg"
        } else {
            mime
        };
        let Some(mime) = IMAGE_MIME_TYPES.iter().find(|m| **m == mime) else {
            return Some(Err(format!(
                "a data URL image must be PNG, JPEG or WebP, not `{}`",
                meta.strip_suffix(";base64").unwrap_or(meta)
            )));
        };
        if data.is_empty() || !is_base64(data) {
            return Some(Err("the data URL's data is not base64".into()));
        }
        Some(Ok(DataUrl { mime, base64: data }))
    }

    /// How many bytes the data decodes to.
    pub fn decoded_len(&self) -> usize {
        let pad = self.base64.bytes().rev().take_while(|b| *b == b'=').count();
        (self.base64.len() / 4) * 3 - pad.min(2) + partial_len(self.base64.len() % 4)
    }

    /// The bytes.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        decode_base64(self.base64)
    }

    /// The first bytes (enough for a header), decoding only what they need.
    pub fn head(&self, n: usize) -> Option<Vec<u8>> {
        let chars = (n.div_ceil(3) * 4).min(self.base64.len() / 4 * 4);
        let mut head = decode_base64(self.base64.get(..chars)?)?;
        head.truncate(n);
        Some(head)
    }
}

fn partial_len(rem: usize) -> usize {
    match rem {
        2 => 1,
        3 => 2,
        _ => 0,
    }
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2 && body.len() % 4 != 1 && body.bytes().all(|b| b64_value(b).is_some())
}

/// Standard base64 (padding optional) to bytes; `None` when malformed.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in body.bytes() {
        acc = (acc << 6) | u32::from(b64_value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Bytes to standard base64 with padding.
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `data:` URL prefix the package writes for image bytes given without
/// their type (a `Uint8Array`, an `ArrayBuffer`, a Blob with no image type):
/// [`label_untyped_images`] names the type from the bytes.
pub const UNTYPED_DATA_URL: &str = "data:application/octet-stream;base64,";

/// A request's `references` and `mask` given as untyped bytes, labelled with
/// the image type their first bytes show ([`sniff`]: the one sniffer). Bytes
/// that are no PNG, JPEG or WebP keep their untyped label, which validation
/// refuses, saying so. Everything else is left as it is.
pub fn label_untyped_images(request: &mut crate::Json) {
    let Some(fields) = (match request {
        crate::Json::Object(m) => Some(m),
        _ => None,
    }) else {
        return;
    };
    for (key, value) in fields.entries_mut() {
        match (key.as_str(), value) {
            ("mask", v) => label_one(v),
            ("references", crate::Json::Array(items)) => items.iter_mut().for_each(label_one),
            _ => {}
        }
    }
}

fn label_one(value: &mut crate::Json) {
    let crate::Json::String(s) = value else {
        return;
    };
    let Some(base64) = s.strip_prefix(UNTYPED_DATA_URL) else {
        return;
    };
    let head = DataUrl { mime: "", base64 }.head(16);
    if let Some(mime) = head.as_deref().and_then(sniff) {
        *s = format!("data:{mime};base64,{base64}");
    }
}

/// The MIME type of image bytes, from their signature.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// What a PNG's first chunk says: width, height, and whether its colour type
/// carries alpha (a `tRNS` chunk, which can too, comes later: see [`png_has_alpha`]).
pub fn png_header(bytes: &[u8]) -> Option<(u32, u32, bool)> {
    if sniff(bytes) != Some("image/png") || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |i: usize| Some(u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    let color_type = *bytes.get(25)?;
    Some((be(16)?, be(20)?, matches!(color_type, 4 | 6)))
}

/// Width and height from an image's first bytes (PNG, JPEG or WebP), when
/// they say. A JPEG's size is in its frame header, after any metadata: give
/// enough bytes to reach it.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    match sniff(bytes)? {
        "image/png" => png_header(bytes).map(|(w, h, _)| (w, h)),
        "image/jpeg" => jpeg_dimensions(bytes),
        _ => webp_dimensions(bytes),
    }
}

fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        // Markers may be padded with 0xFF bytes.
        while *bytes.get(i)? == 0xFF && *bytes.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
        // Start of frame (baseline, progressive, lossless...), not DHT/JPG/DAC.
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([*bytes.get(i + 5)?, *bytes.get(i + 6)?]);
            let w = u16::from_be_bytes([*bytes.get(i + 7)?, *bytes.get(i + 8)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
}

fn webp_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let le24 = |i: usize| {
        Some(
            u32::from(*bytes.get(i)?)
                | u32::from(*bytes.get(i + 1)?) << 8
                | u32::from(*bytes.get(i + 2)?) << 16,
        )
    };
    match bytes.get(12..16)? {
        b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
        b"VP8L" => {
            let b = bytes.get(21..25)?;
            let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            Some(((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1))
        }
        b"VP8 " => {
            let b = bytes.get(26..30)?;
            Some((
                u32::from(u16::from_le_bytes([b[0], b[1]]) & 0x3FFF),
                u32::from(u16::from_le_bytes([b[2], b[3]]) & 0x3FFF),
            ))
        }
        _ => None,
    }
}

/// Whether a whole PNG can hold transparent pixels: an alpha colour type, or
/// a `tRNS` chunk before its image data.
pub fn png_has_alpha(bytes: &[u8]) -> bool {
    let Some((_, _, alpha)) = png_header(bytes) else {
        return false;
    };
    if alpha {
        return true;
    }
    let mut i = 8;
    while let Some(len) = bytes.get(i..i + 4) {
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        match bytes.get(i + 4..i + 8) {
            Some(b"tRNS") => return true,
            Some(b"IDAT") | None => return false,
            _ => {}
        }
        i = i.saturating_add(12).saturating_add(len);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..40usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let text = encode_base64(&bytes);
            assert_eq!(decode_base64(&text).unwrap(), bytes, "{n}");
            let url = format!("data:image/png;base64,{text}");
            if n > 0 {
                let d = DataUrl::parse(&url).unwrap().unwrap();
                assert_eq!(d.decoded_len(), n, "{n}");
                assert_eq!(d.head(5).unwrap(), bytes[..n.min(5)].to_vec());
            }
        }
        assert_eq!(encode_base64(b"Man"), "TWFu");
        assert_eq!(encode_base64(b"Ma"), "TWE=");
        assert!(decode_base64("TWF").is_some() && decode_base64("T").is_none());
    }

    #[test]
    fn data_urls_are_images_in_base64() {
        assert!(DataUrl::parse("https://x.example/a.png").is_none());
        assert_eq!(
            DataUrl::parse("data:image/jpg;base64,TWFu")
                .unwrap()
                .unwrap()
                .mime,
            "image/jpeg"
        );
        for bad in [
            "data:image/png,TWFu",
            "data:image/gif;base64,TWFu",
            "data:image/png;base64,",
            "data:image/png;base64,TW$u",
            "data:image/png;base64",
        ] {
            assert!(DataUrl::parse(bad).unwrap().is_err(), "{bad}");
        }
    }

    #[test]
    fn png_headers_tell_size_and_alpha() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(png_header(&png), Some((640, 480, true)));
        assert!(png_has_alpha(&png));
        png[25] = 2; // RGB, no alpha: needs a tRNS chunk
        assert!(!png_has_alpha(&png));
        png.extend_from_slice(b"\0\0\0\x06tRNS\0\0\0\0\0\0\0\0\0\0");
        assert!(png_has_alpha(&png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        // Untyped bytes are labelled by what they are; anything else is left alone.
        let png = format!(
            "{UNTYPED_DATA_URL}{}",
            encode_base64(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
        );
        let text = format!("{UNTYPED_DATA_URL}{}", encode_base64(b"hello"));
        let mut request = crate::json!({
            "prompt": "x",
            "references": [png.clone(), text.clone(), "https://example.com/a.png", 7],
            "mask": png.clone(),
        });
        label_untyped_images(&mut request);
        let labelled = png.replace("application/octet-stream", "image/png");
        assert_eq!(request["references"][0].as_str(), Some(labelled.as_str()));
        assert_eq!(request["references"][1].as_str(), Some(text.as_str()));
        assert_eq!(
            request["references"][2].as_str(),
            Some("https://example.com/a.png")
        );
        assert_eq!(request["mask"].as_str(), Some(labelled.as_str()));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(png_header(b"GIF89a"), None);
    }
}
