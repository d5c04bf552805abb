//! Reference images: bytes the provider cannot take uploaded through the
//! caller's `uploadReference` (providers that take URLs only), and, for
//! multipart uploads (OpenAI's edits), each image decoded from its `data:`
//! URL or downloaded, following redirects resolved as RFC 3986 says.

use super::errors::aborted_error;
use super::Client;
use crate::error::{Error, ErrorCode};
use crate::image::DataUrl;
use crate::io::{Io, TransportError};
use crate::issue::{Issue, IssueCode};
use crate::json::Json;
use crate::multipart::{self, FilePart};
use crate::url;

/// Most redirects followed when downloading a reference image.
const MAX_REDIRECTS: usize = 3;

/// An image's bytes, to upload, and the URL they were downloaded from (none
/// for a `data:` URL's).
pub(super) struct ImageBytes {
    url: Option<String>,
    mime: &'static str,
    bytes: Vec<u8>,
}

impl ImageBytes {
    /// The image as a file part of a multipart upload: the reference at
    /// `index` as a `field` part, or (`index` none) the mask, which must be a
    /// PNG of at most `mask_max` bytes.
    pub(super) fn part(
        self,
        p: crate::provider::Provider,
        field: &str,
        index: Option<usize>,
        mask_max: usize,
    ) -> Result<FilePart, Error> {
        let (field, stem, i) = match index {
            Some(i) => (field, "reference", i),
            None => ("mask", "mask", 0),
        };
        if index.is_none() && (self.mime != "image/png" || self.bytes.len() > mask_max) {
            return Err(Error::invalid_request(
                p,
                vec![Issue::new(
                    "mask",
                    IssueCode::NotAllowed,
                    format!("the mask must be a PNG of at most {mask_max} bytes"),
                )],
            ));
        }
        // A downloaded image keeps its URL's file name; decoded bytes get one.
        let filename = match &self.url {
            Some(url) => multipart::filename_for(url, i, self.mime),
            None => {
                let ext = crate::text::after_last(self.mime, b'/');
                format!("{stem}-{i}.{ext}")
            }
        };
        Ok(FilePart {
            field: field.to_string(),
            filename,
            content_type: self.mime.to_string(),
            bytes: self.bytes,
        })
    }
}

impl Client {
    /// An image to upload: a `data:` URL decoded, or an https URL
    /// downloaded. `path` names it in errors (`references[0]`, `mask`).
    pub(super) async fn image_bytes<I: Io>(
        &self,
        io: &I,
        source: &str,
        path: &str,
        deadline: f64,
    ) -> Result<ImageBytes, Error> {
        let Some(data) = DataUrl::parse(source) else {
            return self.download_reference(io, source, path, deadline).await;
        };
        let bytes = data.and_then(|d| d.bytes().ok_or_else(String::new)).ok();
        let mime = bytes.as_deref().and_then(multipart::sniff_image);
        let (Some(bytes), Some(mime)) = (bytes, mime) else {
            return Err(Error::invalid_request(
                self.provider(),
                vec![Issue::new(
                    path.to_string(),
                    IssueCode::InvalidUrl,
                    "the data URL does not hold a PNG, JPEG or WebP image",
                )],
            ));
        };
        Ok(ImageBytes {
            url: None,
            mime,
            bytes,
        })
    }

    /// For providers that take images by URL only: every `data:` URL among
    /// the references handed to the caller's `uploadReference`, and replaced
    /// by the https URL it returns. Without an uploader they are refused.
    pub(super) async fn upload_byte_references<I: Io>(
        &self,
        io: &I,
        request: &Json,
    ) -> Result<Json, Error> {
        let p = self.provider();
        let refs = request.get("references").and_then(Json::as_array);
        let has_bytes = refs.is_some_and(|r| {
            r.iter()
                .any(|u| u.as_str().is_some_and(|u| DataUrl::parse(u).is_some()))
        });
        if p.takes_reference_bytes() || !has_bytes {
            return Ok(request.clone());
        }
        let mut out = request.clone();
        let mut urls = Vec::new();
        for (i, item) in refs.into_iter().flatten().enumerate() {
            let path = format!("references[{i}]");
            let Some(Ok(data)) = item.as_str().and_then(DataUrl::parse) else {
                urls.push(item.clone());
                continue;
            };
            let refuse = |why: String| {
                Error::invalid_request(
                    p,
                    vec![Issue::new(path.clone(), IssueCode::InvalidUrl, why)],
                )
            };
            let bytes = data
                .bytes()
                .ok_or_else(|| refuse("the data URL is not base64".into()))?;
            let uploaded = io
                .upload_reference(bytes, data.mime)
                .await
                .map_err(|e| match e {
                    TransportError::Aborted => aborted_error(p),
                    TransportError::Timeout => refuse("uploadReference timed out".into()),
                    TransportError::Network { message, .. } => {
                        refuse(format!("uploadReference failed: {message}"))
                    }
                    TransportError::TooLarge => refuse("uploadReference answered too much".into()),
                })?;
            let Some(url) = uploaded else {
                return Err(refuse(format!(
                    "{} takes reference images by URL only: pass the client option `uploadReference(bytes, mimeType)`, which stores the bytes (in R2 or S3, say) and returns an https URL",
                    p.display_name()
                )));
            };
            if let Err(url::UrlProblem::Invalid(why) | url::UrlProblem::Insecure(why)) =
                url::check(&url, self.cfg.target.is_local())
            {
                return Err(refuse(format!(
                    "uploadReference returned an unusable URL: {why}"
                )));
            }
            urls.push(Json::String(url));
        }
        out.set("references", Json::Array(urls));
        Ok(out)
    }

    /// Download an image, following up to `MAX_REDIRECTS` redirects, each
    /// URL checked before it is fetched.
    async fn download_reference<I: Io>(
        &self,
        io: &I,
        first: &str,
        path: &str,
        deadline: f64,
    ) -> Result<ImageBytes, Error> {
        let p = self.provider();
        let path = path.to_string();
        let refuse = |why: String| {
            Error::invalid_request(
                p,
                vec![Issue::new(path.clone(), IssueCode::InvalidUrl, why)],
            )
        };
        let local = self.cfg.target.is_local();
        let mut current = first.to_string();
        for _ in 0..=MAX_REDIRECTS {
            if let Err(url::UrlProblem::Invalid(why) | url::UrlProblem::Insecure(why)) =
                url::check(&current, local)
            {
                return Err(refuse(format!(
                    "the image could not be fetched safely: {why}"
                )));
            }
            let timeout = (self.cfg.timeout_ms as f64)
                .min(deadline - io.now_ms())
                .max(1.0) as u64;
            let limit = self.cfg.max_reference_bytes.min(multipart::MAX_IMAGE_BYTES);
            let too_large = || refuse(format!("the image is over {limit} bytes"));
            let resp = io
                .fetch_bytes(&current, timeout, limit)
                .await
                .map_err(|e| match e {
                    TransportError::Aborted => aborted_error(p),
                    TransportError::Timeout => Error::new(
                        ErrorCode::Timeout,
                        format!("downloading {path} took over {timeout} ms"),
                    )
                    .with_provider(p),
                    TransportError::Network { message, .. } => Error::new(
                        ErrorCode::Network,
                        format!("downloading {path} failed: {message}"),
                    )
                    .with_provider(p),
                    TransportError::TooLarge => too_large(),
                })?;
            if (300..400).contains(&resp.status) {
                match resp
                    .location
                    .as_deref()
                    .and_then(|l| resolve_location(&current, l))
                {
                    Some(next) => {
                        current = next;
                        continue;
                    }
                    None => {
                        return Err(refuse(format!(
                            "the image URL redirected ({}) nowhere usable",
                            resp.status
                        )))
                    }
                }
            }
            if !(200..300).contains(&resp.status) {
                return Err(refuse(format!("the image URL answered {}", resp.status)));
            }
            if resp.body.len() > limit {
                return Err(too_large());
            }
            let Some(mime) = multipart::sniff_image(&resp.body) else {
                return Err(refuse(
                    "the URL did not return a PNG, JPEG or WebP image".to_string(),
                ));
            };
            return Ok(ImageBytes {
                url: Some(current),
                mime,
                bytes: resp.body,
            });
        }
        Err(refuse(
            "the image URL redirected too many times".to_string(),
        ))
    }
}

/// Resolve a redirect's `Location` against the URL that sent it, as RFC 3986
/// section 5.2 says (a scheme in any case, `?q`, `#f`, dot segments). The
/// result is checked like any URL before it is fetched.
fn resolve_location(base: &str, location: &str) -> Option<String> {
    let r = UriParts::of(location.trim());
    let b = UriParts::of(base);
    let (scheme, authority, path, query) = if r.scheme.is_some() {
        (r.scheme, r.authority, remove_dot_segments(r.path), r.query)
    } else if r.authority.is_some() {
        (b.scheme, r.authority, remove_dot_segments(r.path), r.query)
    } else if r.path.is_empty() {
        (
            b.scheme,
            b.authority,
            b.path.to_string(),
            r.query.or(b.query),
        )
    } else if r.path.starts_with('/') {
        (b.scheme, b.authority, remove_dot_segments(r.path), r.query)
    } else {
        let merged = match (b.authority, b.path.bytes().rposition(|c| c == b'/')) {
            (Some(_), None) if b.path.is_empty() => format!("/{}", r.path),
            (_, Some(i)) => format!("{}{}", b.path.get(..=i)?, r.path),
            (_, None) => r.path.to_string(),
        };
        (b.scheme, b.authority, remove_dot_segments(&merged), r.query)
    };
    let mut out = format!("{}:", scheme?);
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    out.push_str(&path);
    for (mark, part) in [('?', query), ('#', r.fragment)] {
        if let Some(part) = part {
            out.push(mark);
            out.push_str(part);
        }
    }
    Some(out)
}

/// A URI reference's five parts (RFC 3986 appendix B).
struct UriParts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

impl<'a> UriParts<'a> {
    fn of(s: &'a str) -> UriParts<'a> {
        let (s, fragment) = s.split_once('#').map_or((s, None), |(a, f)| (a, Some(f)));
        let (s, query) = s.split_once('?').map_or((s, None), |(a, q)| (a, Some(q)));
        let (scheme, s) = match s.split_once(':') {
            Some((sc, rest))
                if sc.starts_with(|c: char| c.is_ascii_alphabetic())
                    && sc
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
            {
                (Some(sc), rest)
            }
            _ => (None, s),
        };
        let (authority, path) = match s.strip_prefix("//") {
            Some(rest) => match rest.find('/') {
                Some(end) => (rest.get(..end), rest.get(end..).unwrap_or("")),
                None => (Some(rest), ""),
            },
            None => (None, s),
        };
        UriParts {
            scheme,
            authority,
            path,
            query,
            fragment,
        }
    }
}

/// RFC 3986 section 5.2.4. (No slicing by index: a slip would be a panic,
/// and its message machinery would add kilobytes to the module.)
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut out = String::new();
    let pop = |out: &mut String| out.truncate(out.bytes().rposition(|c| c == b'/').unwrap_or(0));
    while !input.is_empty() {
        let after = |prefix: &str| input.strip_prefix(prefix).filter(|r| r.starts_with('/'));
        if let Some(rest) = input.strip_prefix("../").or(input.strip_prefix("./")) {
            input = rest;
        } else if let Some(rest) = after("/.") {
            input = rest;
        } else if input == "/." {
            input = "/";
        } else if let Some(rest) = after("/..") {
            input = rest;
            pop(&mut out);
        } else if input == "/.." {
            input = "/";
            pop(&mut out);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            // The first segment, with its leading `/` if any (a header may
            // carry non-ASCII text: step over a whole character).
            let first = input.chars().next().map_or(1, char::len_utf8);
            let end = input
                .get(first..)
                .and_then(|r| r.find('/'))
                .map_or(input.len(), |i| i + first);
            let (segment, rest) = input.split_at_checked(end).unwrap_or((input, ""));
            out.push_str(segment);
            input = rest;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_against_the_sender() {
        let base = "https://cdn.example.com/a/b/img.png?x=1";
        assert_eq!(
            resolve_location(base, "https://other.example.com/i.png").as_deref(),
            Some("https://other.example.com/i.png")
        );
        assert_eq!(
            resolve_location(base, "/root.png").as_deref(),
            Some("https://cdn.example.com/root.png")
        );
        assert_eq!(
            resolve_location(base, "//x.example.com/y.png").as_deref(),
            Some("https://x.example.com/y.png")
        );
        assert_eq!(
            resolve_location(base, "c.png").as_deref(),
            Some("https://cdn.example.com/a/b/c.png")
        );
        assert_eq!(
            resolve_location("http://127.0.0.1:8080/img.png", "/next.png").as_deref(),
            Some("http://127.0.0.1:8080/next.png")
        );
    }

    #[test]
    fn redirects_resolve_as_rfc_3986_says() {
        // Regressions: `?q` became `dir/?q`; `HTTPS://` was taken for a path.
        // The normal and abnormal examples of RFC 3986 section 5.4 (those an
        // http(s) base can give), with the base's query kept where it says.
        let base = "http://a/b/c/d;p?q";
        for (location, want) in [
            ("g:h", "g:h"),
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            ("g?y#s", "http://a/b/c/g?y#s"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("g;x?y#s", "http://a/b/c/g;x?y#s"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g?y/../x", "http://a/b/c/g?y/../x"),
            ("g#s/./x", "http://a/b/c/g#s/./x"),
            ("g#s/../x", "http://a/b/c/g#s/../x"),
            ("http:g", "http:g"),
            ("HTTPS://Other.example/x", "HTTPS://Other.example/x"),
            ("Https://o.example/a/../b", "Https://o.example/b"),
            ("é/../x", "http://a/b/c/x"),
            ("/é", "http://a/é"),
        ] {
            assert_eq!(
                resolve_location(base, location).as_deref(),
                Some(want),
                "{location:?}"
            );
        }
        assert_eq!(
            resolve_location("https://h.example:8443/d/x.png?a=1", "?b=2").as_deref(),
            Some("https://h.example:8443/d/x.png?b=2")
        );
    }
}
