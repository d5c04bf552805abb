//! Every address that is not globally reachable is refused: the IANA IPv4
//! and IPv6 special-purpose registries, multicast, what lies outside IPv6
//! global unicast, and IPv4 addresses carried inside IPv6 forms (mapped,
//! compatible, SIIT, NAT64, 6to4, Teredo). Each row names its range.

use gpt_image_core::url::{check, special_range, UrlProblem};

/// (host as written in a URL, the range it must be refused as)
const REFUSED: &[(&str, &str)] = &[
    // IPv4 special-purpose registry (RFC 6890 and successors)
    ("0.0.0.0", "0.0.0.0/8"),
    ("0.1.2.3", "0.0.0.0/8"),
    ("10.0.0.1", "10.0.0.0/8"),
    ("10.255.255.255", "10.0.0.0/8"),
    ("100.64.0.1", "100.64.0.0/10"),
    ("100.127.255.254", "100.64.0.0/10"),
    ("127.0.0.1", "127.0.0.0/8"),
    ("127.255.0.9", "127.0.0.0/8"),
    ("169.254.169.254", "169.254.0.0/16"),
    ("172.16.0.1", "172.16.0.0/12"),
    ("172.31.255.255", "172.16.0.0/12"),
    ("192.0.0.1", "192.0.0.0/24"),
    ("192.0.0.8", "192.0.0.0/24"),
    ("192.0.0.170", "192.0.0.0/24"),
    ("192.0.2.10", "192.0.2.0/24"),
    ("192.88.99.1", "192.88.99.0/24"),
    ("192.168.1.1", "192.168.0.0/16"),
    ("198.18.0.1", "198.18.0.0/15"),
    ("198.19.255.255", "198.18.0.0/15"),
    ("198.51.100.7", "198.51.100.0/24"),
    ("203.0.113.9", "203.0.113.0/24"),
    ("224.0.0.1", "224.0.0.0/4"),
    ("239.255.255.250", "224.0.0.0/4"),
    ("240.0.0.1", "240.0.0.0/4"),
    ("255.255.255.255", "240.0.0.0/4"),
    // IPv4 as browsers read hosts (WHATWG): one to four parts, octal, hex
    ("2130706433", "127.0.0.0/8"),
    ("0x7f.1", "127.0.0.0/8"),
    ("017700000001", "127.0.0.0/8"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.0.0/16"),
    ("192.168.257", "192.168.0.0/16"),
    // IPv6 special-purpose registry
    ("[::]", "::/128"),
    ("[::1]", "::1/128"),
    ("[0:0:0:0:0:0:0:1]", "::1/128"),
    ("[100::1]", "100::/64"),
    ("[100:0:0:1::5]", "100:0:0:1::/64"),
    ("[64:ff9b:1::a00:1]", "64:ff9b:1::/48"),
    ("[64:ff9b:1::808:808]", "64:ff9b:1::/48"),
    ("[2001:2::1]", "2001::/23"),
    ("[2001:10::1]", "2001::/23"),
    ("[2001:db8::1]", "2001:db8::/32"),
    ("[3fff::1]", "3fff::/20"),
    ("[5f00::1]", "5f00::/16"),
    ("[fc00::1]", "fc00::/7"),
    ("[fd12:3456::1]", "fc00::/7"),
    ("[fe80::1]", "fe80::/10"),
    ("[febf::1]", "fe80::/10"),
    ("[fec0::1]", "fec0::/10"),
    ("[ff02::1]", "ff00::/8"),
    ("[ff0e::101]", "ff00::/8"),
    // outside 2000::/3, the only block of IPv6 global unicast
    ("[4000::1]", "outside 2000::/3"),
    ("[1234::1]", "outside 2000::/3"),
    ("[e000::1]", "outside 2000::/3"),
    // IPv4 carried in IPv6: refused by what it carries
    ("[::ffff:127.0.0.1]", "::ffff:0:0/96 of 127.0.0.0/8"),
    ("[::ffff:7f00:1]", "::ffff:0:0/96 of 127.0.0.0/8"),
    ("[::ffff:a9fe:a9fe]", "::ffff:0:0/96 of 169.254.0.0/16"),
    ("[::ffff:0:7f00:1]", "::ffff:0:0:0/96 of 127.0.0.0/8"),
    ("[::ffff:0:10.0.0.1]", "::ffff:0:0:0/96 of 10.0.0.0/8"),
    ("[::127.0.0.1]", "::/96 of 127.0.0.0/8"),
    ("[::a00:1]", "::/96 of 10.0.0.0/8"),
    ("[::0.0.0.2]", "::/96 of 0.0.0.0/8"),
    ("[64:ff9b::a9fe:a9fe]", "64:ff9b::/96 of 169.254.0.0/16"),
    ("[64:ff9b::127.0.0.1]", "64:ff9b::/96 of 127.0.0.0/8"),
    ("[64:ff9b::c0a8:101]", "64:ff9b::/96 of 192.168.0.0/16"),
    ("[2002:7f00:1::]", "2002::/16 of 127.0.0.0/8"),
    ("[2002:a9fe:a9fe::1]", "2002::/16 of 169.254.0.0/16"),
    ("[2002:c0a8:101:1::1]", "2002::/16 of 192.168.0.0/16"),
    // Teredo: server 2001:0:<server>, client <not server> in the last 32 bits
    (
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        "2001::/32 of 127.0.0.0/8",
    ),
    (
        "[2001:0:7f00:1:8000:63bf:f7f7:f7f6]",
        "2001::/32 of 127.0.0.0/8",
    ),
    (
        "[2001:0:4136:e378:8000:63bf:5601:bffe]",
        "2001::/32 of 169.254.0.0/16",
    ),
];

/// Public addresses, including IPv4 in IPv6 forms carrying public ones.
const ACCEPTED: &[&str] = &[
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.1",
    "172.15.255.255",
    "172.32.0.1",
    "192.0.1.1",
    "192.31.196.1",
    "192.52.193.1",
    "192.175.48.1",
    "198.17.255.255",
    "198.20.0.1",
    "223.255.255.255",
    "[2606:4700::1111]",
    "[2001:4860:4860::8888]",
    "[2620:4f:8000::1]",
    "[3000::1]",
    "[::ffff:8.8.8.8]",
    "[::ffff:0:808:808]",
    "[64:ff9b::8.8.8.8]",
    "[64:ff9b::101:101]",
    "[2002:808:808::1]",
    "[2001:0:4136:e378:8000:63bf:f7f7:f7f7]",
];

#[test]
fn every_special_purpose_address_is_refused_with_its_range() {
    let mut wrong = Vec::new();
    for (host, range) in REFUSED {
        let url = format!("https://{host}/img.png");
        let refused = matches!(check(&url, false), Err(UrlProblem::Insecure(_)));
        let named = special_range(host);
        if !refused || named.as_deref() != Some(*range) {
            wrong.push(format!(
                "{host}: refused {refused}, range {named:?}, want {range}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    println!(
        "{} non-public addresses refused, each in its range",
        REFUSED.len()
    );
    assert!(REFUSED.len() >= 60);
}

#[test]
fn public_addresses_pass() {
    for host in ACCEPTED {
        let url = format!("https://{host}/img.png");
        assert!(
            check(&url, false).is_ok(),
            "{host}: {:?}",
            check(&url, false)
        );
        assert_eq!(special_range(host), None, "{host}");
    }
}

#[test]
fn names_are_not_addresses() {
    // A DNS name cannot be judged without resolving it (see the README).
    assert_eq!(special_range("cdn.example.com"), None);
    assert!(check("https://cdn.example.com/a.png", false).is_ok());
}

#[test]
fn a_fragment_may_hold_a_hash() {
    // Regression: `#a#b` was refused as "a malformed percent escape"; fetch
    // accepts it and never sends the fragment.
    assert!(check("https://x.example/p#a#b", false).is_ok());
    assert!(check("https://x.example/p?q=1#a#b#", false).is_ok());
    assert!(matches!(
        check("https://x.example/p%zz#a", false),
        Err(UrlProblem::Invalid(_))
    ));
}
