//! Faults on demand: per request (`X-Sandbox-Fault`), queued through `POST /sandbox/faults`,
//! or at random (`--fault-rate`), all drawn from one seeded generator.

use serde_json::{json, Value};

use crate::config::Provider;
use crate::rng::Rng;

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `Retry-After`.
    RateLimit,
    /// 500 in the provider's error shape.
    Status500,
    /// 502 in the provider's error shape.
    Status502,
    /// 503 in the provider's error shape.
    Status503,
    /// The request is accepted and never answered.
    Hang,
    /// The request is carried out (a submit creates and bills its job), then the connection
    /// closes with no response.
    Drop,
    /// The request is carried out, then answered 200 with a body that is not JSON.
    Malformed,
    /// The request is carried out, then half the JSON body (of an event stream, its first
    /// event) is sent and the connection closes.
    Truncated,
    /// The job reports a status the provider's documents do not list while it runs.
    UnknownStatus,
    /// The job fails (and is refunded).
    Fail,
}

impl FaultKind {
    /// Every kind, in documentation order.
    pub const ALL: [FaultKind; 10] = [
        FaultKind::RateLimit,
        FaultKind::Status500,
        FaultKind::Status502,
        FaultKind::Status503,
        FaultKind::Hang,
        FaultKind::Drop,
        FaultKind::Malformed,
        FaultKind::Truncated,
        FaultKind::UnknownStatus,
        FaultKind::Fail,
    ];

    /// The kind's name in headers and control requests.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::RateLimit => "rate_limit",
            FaultKind::Status500 => "500",
            FaultKind::Status502 => "502",
            FaultKind::Status503 => "503",
            FaultKind::Hang => "hang",
            FaultKind::Drop => "drop",
            FaultKind::Malformed => "malformed",
            FaultKind::Truncated => "truncated",
            FaultKind::UnknownStatus => "unknown_status",
            FaultKind::Fail => "fail",
        }
    }

    /// Parses [`FaultKind::name`].
    pub fn parse(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The HTTP status of a fault answered before any work is done.
    pub fn early_status(self) -> Option<u16> {
        match self {
            FaultKind::RateLimit => Some(429),
            FaultKind::Status500 => Some(500),
            FaultKind::Status502 => Some(502),
            FaultKind::Status503 => Some(503),
            _ => None,
        }
    }
}

/// A fault chosen for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// `Retry-After` seconds for `rate_limit`.
    pub retry_after: u64,
}

/// `Retry-After` seconds of a `rate_limit` fault unless told otherwise.
pub const DEFAULT_RETRY_AFTER: u64 = 1;

/// Parses `X-Sandbox-Fault: <kind>[;retry-after=<secs>]`.
pub fn parse_header(value: &str) -> Result<Fault, String> {
    let mut parts = value.split(';').map(str::trim);
    let kind_name = parts.next().unwrap_or_default();
    let kind = FaultKind::parse(kind_name).ok_or_else(|| {
        let names: Vec<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown X-Sandbox-Fault kind {kind_name:?}; expected one of {}",
            names.join(", ")
        )
    })?;
    let mut retry_after = DEFAULT_RETRY_AFTER;
    for param in parts.filter(|p| !p.is_empty()) {
        match param.split_once('=') {
            Some((name, v)) if name.trim().eq_ignore_ascii_case("retry-after") => {
                retry_after = v.trim().parse().map_err(|_| {
                    format!("X-Sandbox-Fault: retry-after must be whole seconds, got {v:?}")
                })?;
            }
            _ => return Err(format!("X-Sandbox-Fault: unknown parameter {param:?}")),
        }
    }
    Ok(Fault { kind, retry_after })
}

/// Which requests of a provider a fault may hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Job-creating (or synchronous generating) requests.
    Submit,
    /// Job status requests.
    Poll,
}

/// A queued fault rule.
#[derive(Clone, Debug)]
struct FaultRule {
    id: u64,
    provider: Option<Provider>,
    endpoint: Option<Endpoint>,
    kind: FaultKind,
    remaining: Option<u64>,
    rate: Option<f64>,
    retry_after: u64,
    applied: u64,
}

impl FaultRule {
    fn matches(&self, provider: Provider, endpoint: Endpoint) -> bool {
        self.provider.is_none_or(|p| p == provider) && self.endpoint.is_none_or(|e| e == endpoint)
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "provider": self.provider.map_or("any", Provider::name),
            "endpoint": match self.endpoint {
                Some(Endpoint::Submit) => "submit",
                Some(Endpoint::Poll) => "poll",
                None => "any",
            },
            "fault": self.kind.name(),
            "count": self.remaining,
            "rate": self.rate,
            "retryAfter": self.retry_after,
            "applied": self.applied,
        })
    }
}

/// The queued rules, the global random rate and the generator both draw from.
#[derive(Debug)]
pub struct FaultBook {
    rules: Vec<FaultRule>,
    next_id: u64,
    rng: Rng,
    global_rate: f64,
}

/// Kinds `--fault-rate` picks from: the transient ones a client should retry.
const TRANSIENT: [FaultKind; 4] = [
    FaultKind::RateLimit,
    FaultKind::Status500,
    FaultKind::Status502,
    FaultKind::Status503,
];

impl FaultBook {
    /// No rules; random transient faults with probability `global_rate`.
    pub fn new(seed: u64, global_rate: f64) -> Self {
        FaultBook {
            rules: Vec::new(),
            next_id: 1,
            rng: Rng::new(seed ^ 0xFA17_FA17),
            global_rate,
        }
    }

    /// Adds a rule from `{"provider", "endpoint", "fault", "count"?, "rate"?, "retryAfter"?}`.
    pub fn add(&mut self, spec: &Value) -> Result<Value, String> {
        let obj = spec.as_object().ok_or("expected a JSON object")?;
        for key in obj.keys() {
            if ![
                "provider",
                "endpoint",
                "fault",
                "count",
                "rate",
                "retryAfter",
            ]
            .contains(&key.as_str())
            {
                return Err(format!("unknown field {key:?}"));
            }
        }
        let provider = match obj.get("provider").and_then(Value::as_str) {
            None | Some("any") => None,
            Some(name) => Some(Provider::parse(name).ok_or_else(|| {
                let names: Vec<&str> = Provider::ALL.iter().map(|p| p.name()).collect();
                format!("provider must be {}|any, got {name:?}", names.join("|"))
            })?),
        };
        let endpoint = match obj.get("endpoint").and_then(Value::as_str) {
            None | Some("any") => None,
            Some("submit") => Some(Endpoint::Submit),
            Some("poll") => Some(Endpoint::Poll),
            Some(other) => return Err(format!("endpoint must be submit|poll|any, got {other:?}")),
        };
        let kind_name = obj
            .get("fault")
            .and_then(Value::as_str)
            .ok_or("fault is required (a fault kind name)")?;
        let kind =
            FaultKind::parse(kind_name).ok_or_else(|| format!("unknown fault {kind_name:?}"))?;
        let count = match obj.get("count") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|c| *c > 0)
                    .ok_or("count must be a positive integer")?,
            ),
        };
        let rate = match obj.get("rate") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or("rate must be a number in 0..1")?,
            ),
        };
        let retry_after = match obj.get("retryAfter") {
            None | Some(Value::Null) => DEFAULT_RETRY_AFTER,
            Some(v) => v.as_u64().ok_or("retryAfter must be whole seconds")?,
        };
        let rule = FaultRule {
            id: self.next_id,
            provider,
            endpoint,
            kind,
            remaining: count.or(if rate.is_none() { Some(1) } else { None }),
            rate,
            retry_after,
            applied: 0,
        };
        self.next_id += 1;
        let out = rule.to_json();
        self.rules.push(rule);
        Ok(out)
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The rules still active.
    pub fn list(&self) -> Value {
        Value::Array(self.rules.iter().map(FaultRule::to_json).collect())
    }

    /// The fault (if any) for the next request to `provider`'s `endpoint`: the first
    /// matching rule that fires, else a random transient fault at the global rate.
    pub fn draw(&mut self, provider: Provider, endpoint: Endpoint) -> Option<Fault> {
        let mut fired = None;
        for (i, rule) in self.rules.iter_mut().enumerate() {
            if !rule.matches(provider, endpoint) {
                continue;
            }
            if rule.rate.is_some_and(|r| !self.rng.chance(r)) {
                continue;
            }
            rule.applied += 1;
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            fired = Some((
                i,
                Fault {
                    kind: rule.kind,
                    retry_after: rule.retry_after,
                },
            ));
            break;
        }
        if let Some((i, fault)) = fired {
            if self.rules[i].remaining == Some(0) {
                self.rules.remove(i);
            }
            return Some(fault);
        }
        if self.rng.chance(self.global_rate) {
            let kind = TRANSIENT[self.rng.below(TRANSIENT.len() as u64) as usize];
            return Some(Fault {
                kind,
                retry_after: DEFAULT_RETRY_AFTER,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_syntax() {
        assert_eq!(
            parse_header("rate_limit;retry-after=2"),
            Ok(Fault {
                kind: FaultKind::RateLimit,
                retry_after: 2
            })
        );
        assert_eq!(parse_header("hang").map(|f| f.kind), Ok(FaultKind::Hang));
        assert!(parse_header("boom").is_err());
        assert!(parse_header("500;colour=red").is_err());
    }

    #[test]
    fn counted_rules_run_out() {
        let mut book = FaultBook::new(1, 0.0);
        book.add(
            &json!({"provider": "apiframe", "endpoint": "submit", "fault": "500", "count": 2}),
        )
        .unwrap();
        assert!(book.draw(Provider::Apiframe, Endpoint::Poll).is_none());
        assert!(book.draw(Provider::OpenAi, Endpoint::Submit).is_none());
        assert!(book.draw(Provider::Apiframe, Endpoint::Submit).is_some());
        assert!(book.draw(Provider::Apiframe, Endpoint::Submit).is_some());
        assert!(book.draw(Provider::Apiframe, Endpoint::Submit).is_none());
    }

    #[test]
    fn rated_rules_fire_at_about_their_rate_reproducibly() {
        let run = || {
            let mut book = FaultBook::new(42, 0.0);
            book.add(&json!({"fault": "drop", "rate": 0.3})).unwrap();
            (0..1000)
                .map(|_| book.draw(Provider::Getimg, Endpoint::Submit).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|h| **h).count();
        assert!((240..360).contains(&hits), "{hits}");
    }

    #[test]
    fn rejects_bad_rules() {
        let mut book = FaultBook::new(1, 0.0);
        assert!(book.add(&json!({"fault": "nope"})).is_err());
        assert!(book.add(&json!({"fault": "500", "rate": 2})).is_err());
        assert!(book.add(&json!({"fault": "500", "provider": "x"})).is_err());
        assert!(book.add(&json!({"fault": "500", "extra": 1})).is_err());
    }
}
