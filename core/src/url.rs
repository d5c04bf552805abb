//! A strict check of absolute http(s) URLs, and of the hosts they name.
//!
//! Reference URLs are fetched by a provider (or, for OpenAI edits, by the
//! server this library runs in), so a URL naming a private host is a
//! server-side request forgery waiting to happen. We accept only RFC 3986
//! URIs with an `http`/`https` scheme and a plain DNS name or IP host, and
//! report http, credentials and loopback/private/link-local hosts as insecure.

use std::borrow::Cow;

/// Why a URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not a well-formed absolute http(s) URL.
    Invalid(Cow<'static, str>),
    /// Well-formed, but unsafe to hand to a server.
    Insecure(Cow<'static, str>),
}

/// The parts of a checked URL that callers need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUrl<'a> {
    /// `http` or `https`, lower case.
    pub scheme: &'static str,
    /// The host as written (IPv6 literals keep their brackets).
    pub host: &'a str,
    /// The explicit port, if any.
    pub port: Option<u16>,
    /// Everything from the first `/` after the authority (may be empty).
    pub path_and_rest: &'a str,
    /// Whether the host is loopback (`localhost`, 127.0.0.0/8, `::1`).
    pub loopback: bool,
    /// Whether the host is private, link-local, reserved or an internal name.
    pub private: bool,
    /// Whether the URL carries `user:password@`.
    pub has_userinfo: bool,
}

/// Parse `s` as an absolute http(s) URL, without judging its safety.
pub fn parse(s: &str) -> Result<ParsedUrl<'_>, UrlProblem> {
    let invalid = |why: &'static str| Err(UrlProblem::Invalid(why.into()));
    // What `str::trim` would remove (Unicode white space), without copying.
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return invalid("it has leading or trailing whitespace");
    }
    let Some((scheme, rest)) = s
        .find(':')
        .and_then(|i| Some((s.get(..i)?, s.get(i + 1..)?.strip_prefix("//")?)))
    else {
        return invalid("it is not an absolute URL (expected https://host/...)");
    };
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return invalid("only http and https URLs are accepted");
    };
    // Bytes, not chars: every allowed character is ASCII, and any byte of a
    // non-ASCII character is refused (found as its whole character below).
    if let Some(at) = s
        .bytes()
        .position(|b| b >= 0x80 || !(is_uri_char(char::from(b)) || b == b'[' || b == b']'))
    {
        let bad = s
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .unwrap_or('?');
        return Err(UrlProblem::Invalid(if bad.is_ascii() {
            format!("the character '{bad}' must be percent-encoded").into()
        } else {
            "non-ASCII characters must be percent-encoded".into()
        }));
    }
    if !percent_escapes_ok(s) {
        return invalid("it has a malformed percent escape");
    }
    // Byte searches: the delimiters are ASCII (and char-set patterns are slow).
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let (authority, path_and_rest) = (
        rest.get(..end).unwrap_or(rest),
        rest.get(end..).unwrap_or(""),
    );
    if path_and_rest.bytes().any(|b| b == b'[' || b == b']') {
        return invalid("the characters '[' and ']' must be percent-encoded outside an IPv6 host");
    }
    let (userinfo, hostport) = match crate::text::rsplit_once_byte(authority, b'@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = split_host_port(hostport)?;
    let class = classify_host(host)?;
    Ok(ParsedUrl {
        scheme,
        host,
        port,
        path_and_rest,
        loopback: class == HostClass::Loopback,
        private: class == HostClass::Private,
        has_userinfo: userinfo.is_some(),
    })
}

/// Check that `s` is a well-formed URL that is safe to give a server.
///
/// With `allow_local`, plain http and loopback/private hosts pass (for local
/// development against the sandbox); credentials in the URL never do.
pub fn check(s: &str, allow_local: bool) -> Result<ParsedUrl<'_>, UrlProblem> {
    let url = parse(s)?;
    let insecure = |why: &'static str| Err(UrlProblem::Insecure(why.into()));
    if url.has_userinfo {
        return insecure("it must not carry a user name or password");
    }
    if allow_local {
        return Ok(url);
    }
    if url.loopback {
        return insecure("it names a loopback host");
    }
    if url.private {
        return insecure("it names a private, link-local or internal host");
    }
    if url.scheme != "https" {
        return insecure("it must use https");
    }
    Ok(url)
}

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn is_uri_char(c: char) -> bool {
    is_unreserved(c)
        || matches!(
            c,
            '%' | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | ':'
                | '@'
                | '/'
                | '?'
                | '#'
        )
}

fn percent_escapes_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    // A fragment may hold further `#`s (fetch accepts them and never sends
    // the fragment).
    true
}

fn split_host_port(hostport: &str) -> Result<(&str, Option<u16>), UrlProblem> {
    let invalid = |why: &'static str| Err(UrlProblem::Invalid(why.into()));
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let Some((v6, after)) = inner.split_once(']') else {
            return invalid("its IPv6 host is missing a closing bracket");
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return invalid("unexpected text after the IPv6 host"),
            },
        };
        // The brackets and the address between them, as written.
        (hostport.get(..v6.len() + 2).unwrap_or(hostport), port)
    } else {
        match crate::text::rsplit_once_byte(hostport, b':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            match crate::json::parse_digits(p).and_then(|n| u16::try_from(n).ok()) {
                Some(n) => Some(n),
                None => return invalid("its port is out of range"),
            }
        }
        Some(_) => return invalid("its port is not a number"),
    };
    if host.is_empty() {
        return invalid("it has no host");
    }
    if host.bytes().any(|b| b == b'[' || b == b']') && !host.starts_with('[') {
        return invalid("brackets are only allowed around an IPv6 host");
    }
    Ok((host, port))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HostClass {
    Public,
    Loopback,
    Private,
}

fn classify_host(host: &str) -> Result<HostClass, UrlProblem> {
    let invalid = |why: &'static str| Err(UrlProblem::Invalid(why.into()));
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match parse_ipv6(v6) {
            Some(ip) => Ok(classify_v6(ip)),
            None => invalid("its IPv6 host is malformed"),
        };
    }
    if host.contains('%') {
        return invalid("its host must not be percent-encoded");
    }
    if !host
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_')
    {
        return invalid("its host has characters a DNS name cannot have");
    }
    // Compared without regard to ASCII case (hosts are case-insensitive).
    let name = host.strip_suffix('.').unwrap_or(host);
    let b = name.as_bytes();
    let empty_label =
        b.first() == Some(&b'.') || b.last() == Some(&b'.') || b.windows(2).any(|w| w == b"..");
    if name.is_empty() || empty_label {
        return invalid("its host has an empty label");
    }
    let last = crate::text::after_last(name, b'.');
    // Browsers and fetch() read a host whose last label is numeric as IPv4
    // (`2130706433`, `0x7f.1`), so such hosts are judged as addresses.
    if last.bytes().all(|b| b.is_ascii_digit()) || starts_with_ignore_case(last, "0x") {
        return match whatwg_ipv4(&name.to_ascii_lowercase()) {
            Some(ip) => Ok(classify_v4(ip)),
            None => invalid("its host looks like an IP address but is not one"),
        };
    }
    if name.eq_ignore_ascii_case("localhost") || ends_with_ignore_case(name, ".localhost") {
        return Ok(HostClass::Loopback);
    }
    let internal = [".local", ".internal", ".lan", ".home.arpa", ".intranet"];
    if !b.contains(&b'.') || internal.iter().any(|s| ends_with_ignore_case(name, s)) {
        return Ok(HostClass::Private);
    }
    Ok(HostClass::Public)
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len()
        .checked_sub(suffix.len())
        .and_then(|start| s.as_bytes().get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
}

/// IPv4 the way the WHATWG URL standard reads it: 1 to 4 parts, each decimal,
/// octal (leading 0) or hex (0x), the last part filling the remaining bytes.
fn whatwg_ipv4(name: &str) -> Option<[u8; 4]> {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        let n = if let Some(h) = p.strip_prefix("0x") {
            if h.is_empty() {
                0
            } else {
                u64::from_str_radix(h, 16).ok()?
            }
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(p.get(1..)?, 8).ok()?
        } else {
            crate::json::parse_digits(p)?
        };
        nums.push(n);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|n| *n > 255) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if *last >= 1u64 << rest_bits {
        return None;
    }
    let mut v: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        v |= n << (24 - 8 * i as u32);
    }
    v |= last;
    Some((v as u32).to_be_bytes())
}

/// IPv4 ranges that are not globally reachable: every such entry of the IANA
/// IPv4 Special-Purpose Address Registry (the whole of 192.0.0.0/24, whose
/// two anycast entries no image host uses), multicast and the rest of the
/// top (240.0.0.0/4 holds the broadcast address). As (first address, prefix).
const V4_NOT_GLOBAL: [(u32, u8); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0a00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared (CGN)
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link local
    (0xac10_0000, 12), // 172.16.0.0/12 private
    (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xc000_0200, 24), // 192.0.2.0/24 documentation
    (0xc058_6300, 24), // 192.88.99.0/24 6to4 relay anycast (deprecated)
    (0xc0a8_0000, 16), // 192.168.0.0/16 private
    (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xc633_6400, 24), // 198.51.100.0/24 documentation
    (0xcb00_7100, 24), // 203.0.113.0/24 documentation
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved, and 255.255.255.255/32
];

/// IPv6 ranges that are not globally reachable (IANA IPv6 Special-Purpose
/// Address Registry, the whole of 2001::/23 but Teredo, which is judged by
/// the addresses it carries), plus deprecated site-local and multicast.
/// Anything outside 2000::/3 is refused as well (see [`v6_range`]).
const V6_NOT_GLOBAL: [(u128, u8); 13] = [
    (0, 128),                          // ::/128 unspecified
    (1, 128),                          // ::1/128 loopback
    (0x0100_0000_0000_0000 << 64, 64), // 100::/64 discard only
    (0x0100_0000_0000_0001 << 64, 64), // 100:0:0:1::/64 dummy prefix
    (0x0064_ff9b_0001 << 80, 48),      // 64:ff9b:1::/48 local-use translation
    (0x2001_0000 << 96, 23),           // 2001::/23 IETF protocol assignments
    (0x2001_0db8 << 96, 32),           // 2001:db8::/32 documentation
    (0x3fff << 112, 20),               // 3fff::/20 documentation
    (0x5f00 << 112, 16),               // 5f00::/16 segment routing SIDs
    (0xfc00 << 112, 7),                // fc00::/7 unique local
    (0xfe80 << 112, 10),               // fe80::/10 link local
    (0xfec0 << 112, 10),               // fec0::/10 site local (deprecated)
    (0xff00 << 112, 8),                // ff00::/8 multicast
];

fn v4_range(ip: [u8; 4]) -> Option<(u32, u8)> {
    let v = u32::from_be_bytes(ip);
    V4_NOT_GLOBAL
        .into_iter()
        .find(|&(base, len)| (v ^ base) >> (32 - u32::from(len)) == 0)
}

/// Where an IPv6 address falls outside the global internet: its range, or
/// `(0, 0)` for any address outside 2000::/3 (IPv6 global unicast).
fn v6_range(ip: u128) -> Option<(u128, u8)> {
    let listed = V6_NOT_GLOBAL
        .into_iter()
        .find(|&(base, len)| (ip ^ base).checked_shr(128 - u32::from(len)) == Some(0));
    listed.or(((ip >> 125) != 1).then_some((0, 0)))
}

/// The IPv4 addresses an IPv6 address carries, with the form's prefix:
/// mapped `::ffff:0:0/96`, SIIT `::ffff:0:0:0/96`, compatible `::/96`, NAT64
/// `64:ff9b::/96`, 6to4 `2002::/16`, and Teredo `2001::/32` (server, and the
/// client's inverted bits).
/// An IPv6 form's prefix, the IPv4 address it carries, and Teredo's second.
type Embedded = (&'static str, [u8; 4], Option<[u8; 4]>);

fn embedded_v4(ip: u128) -> Option<Embedded> {
    let low = (ip as u32).to_be_bytes();
    let form = match ip >> 32 {
        0xffff => "::ffff:0:0/96",
        0xffff_0000 => "::ffff:0:0:0/96",
        0 if ip > 1 => "::/96",
        0x0064_ff9b_0000_0000_0000_0000 => "64:ff9b::/96",
        _ if ip >> 112 == 0x2002 => {
            return Some(("2002::/16", ((ip >> 80) as u32).to_be_bytes(), None))
        }
        _ if ip >> 96 == 0x2001_0000 => {
            let server = ((ip >> 64) as u32).to_be_bytes();
            return Some(("2001::/32", server, Some((!(ip as u32)).to_be_bytes())));
        }
        _ => return None,
    };
    Some((form, low, None))
}

fn classify_v4(ip: [u8; 4]) -> HostClass {
    match v4_range(ip) {
        None => HostClass::Public,
        Some(_) if ip[0] == 127 => HostClass::Loopback,
        Some(_) => HostClass::Private,
    }
}

/// Strict dotted-decimal IPv4 (`1.2.3.4`, no leading zeros), as IPv6 embeds it.
fn dotted_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for slot in &mut out {
        let p = parts.next()?;
        let ok = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
        if !ok || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        *slot = u8::try_from(crate::json::parse_digits(p)?).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// IPv6 text (RFC 4291: hex groups, one `::`, an IPv4 tail) as its 8 groups.
fn parse_ipv6(s: &str) -> Option<[u16; 8]> {
    let groups = |part: &str, v4_tail: bool| -> Option<Vec<u16>> {
        let mut out = Vec::new();
        if part.is_empty() {
            return Some(out);
        }
        let pieces: Vec<&str> = part.split(':').collect();
        for (i, p) in pieces.iter().enumerate() {
            if v4_tail && i + 1 == pieces.len() && p.contains('.') {
                let [a, b, c, d] = dotted_ipv4(p)?;
                out.push(u16::from_be_bytes([a, b]));
                out.push(u16::from_be_bytes([c, d]));
            } else if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push(u16::from_str_radix(p, 16).ok()?);
            } else {
                return None;
            }
        }
        Some(out)
    };
    let mut ip = [0u16; 8];
    let gap = s.as_bytes().windows(2).position(|w| w == b"::");
    match gap.and_then(|i| Some((s.get(..i)?, s.get(i + 2..)?))) {
        Some((head, tail)) => {
            if tail.as_bytes().windows(2).any(|w| w == b"::") {
                return None;
            }
            let (h, t) = (groups(head, false)?, groups(tail, true)?);
            if h.len() + t.len() > 7 {
                return None;
            }
            ip[..h.len()].copy_from_slice(&h);
            ip[8 - t.len()..].copy_from_slice(&t);
        }
        None => {
            let g = groups(s, true)?;
            if g.len() != 8 {
                return None;
            }
            ip.copy_from_slice(&g);
        }
    }
    Some(ip)
}

fn classify_v6(ip: [u16; 8]) -> HostClass {
    let ip = ip.iter().fold(0u128, |v, g| (v << 16) | u128::from(*g));
    if ip == 1 {
        return HostClass::Loopback;
    }
    if let Some((_, first, second)) = embedded_v4(ip) {
        let worst = [Some(first), second]
            .into_iter()
            .flatten()
            .map(classify_v4)
            .find(|c| *c != HostClass::Public);
        return worst.unwrap_or(HostClass::Public);
    }
    if v6_range(ip).is_some() {
        HostClass::Private
    } else {
        HostClass::Public
    }
}

/// The range that makes an IP host literal non-public, as CIDR text (for
/// messages and tests): `169.254.0.0/16`, `fe80::/10`, `outside 2000::/3`,
/// or for an IPv4 address carried in IPv6, `64:ff9b::/96 of 127.0.0.0/8`.
/// `None` for public addresses and for DNS names, which cannot be judged
/// without resolving them.
pub fn special_range(host: &str) -> Option<String> {
    let v4 = |ip: [u8; 4]| {
        v4_range(ip).map(|(base, len)| format!("{}/{len}", std::net::Ipv4Addr::from(base)))
    };
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip = parse_ipv6(inner)?
            .iter()
            .fold(0u128, |v, g| (v << 16) | u128::from(*g));
        if ip != 1 {
            if let Some((form, first, second)) = embedded_v4(ip) {
                let inner = v4(first).or_else(|| second.and_then(v4))?;
                return Some(format!("{form} of {inner}"));
            }
        }
        return v6_range(ip).map(|(base, len)| match len {
            0 => "outside 2000::/3".to_string(),
            _ => format!("{}/{len}", std::net::Ipv6Addr::from(base)),
        });
    }
    v4(whatwg_ipv4(&host.to_ascii_lowercase())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(s: &str) -> &'static str {
        match check(s, false) {
            Ok(_) => "ok",
            Err(UrlProblem::Invalid(_)) => "invalid",
            Err(UrlProblem::Insecure(_)) => "insecure",
        }
    }

    #[test]
    fn accepts_ordinary_https_urls() {
        for s in [
            "https://example.com/a.png",
            "https://cdn.example.com:8443/x/y.jpg?sig=a%2Fb&x=1#frag",
            "HTTPS://Example.COM/",
            "https://[2606:4700::1111]/img.png",
            "https://8.8.8.8/a.png",
        ] {
            assert_eq!(verdict(s), "ok", "{s}");
        }
    }

    #[test]
    fn refuses_malformed_urls() {
        for s in [
            "",
            "example.com/a.png",
            "ftp://example.com/a.png",
            "https://",
            "https://exa mple.com/",
            "https://example.com/a b.png",
            "https://example.com/ä.png",
            "https://example.com/%zz",
            "https://example.com:99999/",
            "https://example.com:port/",
            "https://[::1/",
            "https://exa%6dple.com/",
            "https://a..b/",
            "https://.a.b/",
            "https://a.b../",
            " https://example.com/",
            "https://example.com/{x}",
            "https://example.com/]",
            "https://example.com/a?b=[1]",
            "https://1.2.3.999/",
        ] {
            assert_eq!(verdict(s), "invalid", "{s}");
        }
    }

    #[test]
    fn refuses_insecure_urls() {
        for s in [
            "http://example.com/a.png",
            "https://user:pw@example.com/a.png",
            "https://localhost/a.png",
            "https://api.localhost/a.png",
            "https://127.0.0.1/a.png",
            "https://2130706433/a.png",
            "https://0x7f.1/a.png",
            "https://017700000001/a.png",
            "https://10.1.2.3/",
            "https://172.20.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://metadata/",
            "https://metadata.google.internal/",
            "https://printer.local/",
            // Host names and hex addresses in any case.
            "https://LOCALHOST/a.png",
            "https://Api.LocalHost./a.png",
            "https://0X7F.1/a.png",
            "https://METADATA.Google.INTERNAL/",
            "https://Printer.Home.Arpa/",
        ] {
            assert_eq!(verdict(s), "insecure", "{s}");
        }
    }

    #[test]
    fn allow_local_admits_loopback_http_but_never_credentials() {
        assert!(check("http://127.0.0.1:8080/a.png", true).is_ok());
        assert!(check("http://localhost:3000/", true).is_ok());
        assert!(matches!(
            check("http://u:p@127.0.0.1/", true),
            Err(UrlProblem::Insecure(_))
        ));
    }

    #[test]
    fn ipv6_parsing_matches_the_standard_library() {
        for s in [
            "::",
            "::1",
            "1::",
            "fe80::1",
            "2606:4700::1111",
            "1:2:3:4:5:6:7:8",
            "::ffff:127.0.0.1",
            "64:ff9b::192.0.2.33",
            "1::2:3",
            "1:2:3:4:5:6:1.2.3.4",
            "::1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7::",
            ":::",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "12345::",
            "g::",
            "::1.2.3",
            "::1.2.3.256",
            "1:2:3:4:5:6:7",
            "::01.2.3.4",
            "1.2.3.4::",
            ":1::",
            "1::2:",
            "",
        ] {
            let ours = parse_ipv6(s);
            let std = s.parse::<std::net::Ipv6Addr>().ok().map(|ip| ip.segments());
            assert_eq!(ours, std, "{s}");
        }
    }

    #[test]
    fn parse_keeps_the_parts() {
        let u = parse("http://127.0.0.1:4010/v1/x?y").unwrap();
        assert_eq!(u.scheme, "http");
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, Some(4010));
        assert_eq!(u.path_and_rest, "/v1/x?y");
        assert!(u.loopback);
    }
}
