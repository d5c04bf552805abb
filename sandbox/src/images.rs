//! Real images: deterministic patterns encoded as PNG, JPEG or WebP, plus the sniffing
//! of uploaded files and a bounded cache of rendered bytes.

use std::collections::{HashMap, VecDeque};
use std::io::Cursor;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageDecoder, ImageEncoder, ImageReader};

use crate::rng::{hash64, Rng};

/// An image file format the providers return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP (lossless).
    Webp,
}

impl Format {
    /// Parses the providers' `output_format` values.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "png" => Some(Format::Png),
            "jpeg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }

    /// The `output_format` spelling, also the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Webp => "webp",
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }
}

/// Recognises PNG, JPEG and WebP files by their magic bytes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else {
        None
    }
}

/// Width and height of an image file, read from its header only.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// Whether an image file has an alpha channel (read from its header only).
pub fn has_alpha(bytes: &[u8]) -> bool {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_decoder().ok())
        .is_some_and(|d| d.color_type().has_alpha())
}

/// Everything that decides an image's bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSpec {
    /// Seed of the pattern (a hash of prompt and index).
    pub seed: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// File format.
    pub format: Format,
    /// JPEG quality 1..=100 (ignored by PNG and lossless WebP).
    pub jpeg_quality: u8,
    /// A transparent background: everything but the disc has alpha 0 (PNG and WebP).
    pub transparent: bool,
}

impl ImageSpec {
    /// The spec of image number `index` generated for `prompt`.
    pub fn for_prompt(prompt: &str, index: u32, width: u32, height: u32, format: Format) -> Self {
        ImageSpec {
            seed: hash64(&[prompt.as_bytes(), &index.to_le_bytes()]),
            width,
            height,
            format,
            jpeg_quality: 85,
            transparent: false,
        }
    }
}

/// Renders and encodes an image: a diagonal gradient between two seeded colours, soft
/// seeded stripes and a disc, so each prompt gets its own recognisable picture.
pub fn render(spec: &ImageSpec) -> Result<Vec<u8>, String> {
    let (w, h) = (spec.width.max(1), spec.height.max(1));
    let mut rng = Rng::new(spec.seed);
    let mut colour = || -> [f32; 3] {
        [
            rng.below(256) as f32,
            rng.below(256) as f32,
            rng.below(256) as f32,
        ]
    };
    let (from, to, disc_colour) = (colour(), colour(), colour());
    let stripe_period = 24 + rng.below(96) as u32;
    let stripe_slope = 1 + rng.below(3) as u32;
    let (cx, cy) = (
        (w as f32) * (0.25 + 0.5 * rng.unit() as f32),
        (h as f32) * (0.25 + 0.5 * rng.unit() as f32),
    );
    let radius = (w.min(h) as f32) * (0.12 + 0.2 * rng.unit() as f32);
    let r2 = radius * radius;
    let span = (w + h) as f32;

    let alpha = spec.transparent && spec.format != Format::Jpeg;
    let channels = if alpha { 4 } else { 3 };
    let mut pixels = vec![0u8; w as usize * h as usize * channels];
    for (y, row) in pixels.chunks_exact_mut(w as usize * channels).enumerate() {
        let y = y as u32;
        let dy = y as f32 - cy;
        for (x, px) in row.chunks_exact_mut(channels).enumerate() {
            let x = x as u32;
            let t = (x + y) as f32 / span;
            let stripe = if ((x + y * stripe_slope) / stripe_period).is_multiple_of(2) {
                1.0
            } else {
                0.88
            };
            let dx = x as f32 - cx;
            let in_disc = dx * dx + dy * dy < r2;
            for c in 0..3 {
                let base = from[c] + (to[c] - from[c]) * t;
                let v = if in_disc {
                    disc_colour[c]
                } else {
                    base * stripe
                };
                px[c] = v.clamp(0.0, 255.0) as u8;
            }
            if alpha {
                px[3] = if in_disc { 255 } else { 0 };
            }
        }
    }
    encode(&pixels, w, h, spec.format, spec.jpeg_quality, alpha)
}

fn encode(
    pixels: &[u8],
    w: u32,
    h: u32,
    format: Format,
    jpeg_quality: u8,
    alpha: bool,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(pixels.len() / 8);
    let colour = if alpha {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    };
    let result = match format {
        Format::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
                .write_image(pixels, w, h, colour)
        }
        Format::Jpeg => JpegEncoder::new_with_quality(&mut out, jpeg_quality.clamp(1, 100))
            .write_image(pixels, w, h, ExtendedColorType::Rgb8),
        Format::Webp => WebPEncoder::new_lossless(&mut out).write_image(pixels, w, h, colour),
    };
    result.map_err(|e| format!("encoding {}x{} {}: {e}", w, h, format.name()))?;
    Ok(out)
}

/// Width and height near `megapixels` million pixels at `ratio_w:ratio_h`, both multiples of 16.
pub fn size_for_ratio(ratio_w: u32, ratio_h: u32, megapixels: f64) -> (u32, u32) {
    let area = megapixels * 1_048_576.0;
    let ratio = f64::from(ratio_w.max(1)) / f64::from(ratio_h.max(1));
    let w = (area * ratio).sqrt();
    let h = w / ratio;
    let round16 = |v: f64| ((v / 16.0).round() as u32).max(1) * 16;
    (round16(w), round16(h))
}

/// A cache of encoded images bounded by total bytes; the oldest entries leave first.
#[derive(Debug)]
pub struct ImageCache {
    entries: HashMap<String, Bytes>,
    order: VecDeque<String>,
    bytes: usize,
    capacity: usize,
}

impl ImageCache {
    /// An empty cache holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        ImageCache {
            entries: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            capacity,
        }
    }

    /// The cached bytes of `key`.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.entries.get(key).cloned()
    }

    /// Caches `data` under `key`, evicting the oldest entries to stay within capacity.
    pub fn insert(&mut self, key: String, data: Bytes) {
        if data.len() > self.capacity || self.entries.contains_key(&key) {
            return;
        }
        while self.bytes + data.len() > self.capacity {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(evicted) = self.entries.remove(&old) {
                self.bytes -= evicted.len();
            }
        }
        self.bytes += data.len();
        self.order.push_back(key.clone());
        self.entries.insert(key, data);
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &str) {
        if let Some(data) = self.entries.remove(key) {
            self.bytes -= data.len();
            self.order.retain(|k| k != key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_format_at_the_requested_size() {
        for format in [Format::Png, Format::Jpeg, Format::Webp] {
            let spec = ImageSpec::for_prompt("a cat", 0, 320, 160, format);
            let bytes = render(&spec).unwrap();
            assert_eq!(sniff(&bytes), Some(format));
            assert_eq!(dimensions(&bytes), Some((320, 160)));
        }
    }

    #[test]
    fn same_prompt_same_image_other_index_other_image() {
        let a = render(&ImageSpec::for_prompt("p", 0, 64, 64, Format::Png)).unwrap();
        let b = render(&ImageSpec::for_prompt("p", 0, 64, 64, Format::Png)).unwrap();
        let c = render(&ImageSpec::for_prompt("p", 1, 64, 64, Format::Png)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ratio_sizes() {
        assert_eq!(size_for_ratio(1, 1, 1.0), (1024, 1024));
        assert_eq!(size_for_ratio(1, 1, 4.0), (2048, 2048));
        let (w, h) = size_for_ratio(16, 9, 1.0);
        assert_eq!((w % 16, h % 16), (0, 0));
        assert!((w as f64 / h as f64 - 16.0 / 9.0).abs() < 0.03);
    }

    #[test]
    fn cache_stays_bounded() {
        let mut cache = ImageCache::new(10);
        cache.insert("a".into(), Bytes::from_static(b"123456"));
        cache.insert("b".into(), Bytes::from_static(b"123456"));
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        cache.remove("b");
        assert!(cache.get("b").is_none());
    }

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff(b"GIF89a......"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8L"), Some(Format::Webp));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
    }
}
