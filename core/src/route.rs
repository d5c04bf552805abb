//! The decisions of the key-holding route handler, pure, in the order a
//! request meets them:
//!
//! 1. which route it takes and whose origin may call ([`route`], [`origin_allowed`]);
//! 2. who is calling: the principal the owner's `authorize` names ([`principal`]),
//!    and the inputs of everything derived for that principal alone
//!    ([`idempotency_material`], [`principal_material`]);
//! 3. what may be sent: the allow-list, the owner's defaults and the budget,
//!    applied to the request as it will go out ([`Policy::prepare`]), and the
//!    owner's `limit` hook ([`limit_outcome`]);
//! 4. what a status token holds ([`token_payload`], [`token_handle`]);
//! 5. what a browser may be told ([`public_job`], [`public_error`], [`refusal`]).
//!
//! The I/O (reading requests, WebCrypto, calling hooks) lives in the binding.

use crate::error::{Error, ErrorCode};
use crate::handle::{Handle, HANDLE_VERSION};
use crate::issue::{Issue, IssueCode};
use crate::job::{Job, JobStatus};
use crate::json;
use crate::json::{Json, Map};
use crate::price::{self, Cost, PriceOptions};
use crate::provider::{Field, Provider};
use crate::request::{validate, ValidateOptions};

// ---------------------------------------------------------------------------
// 1. Routes and origins.

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST {base}/generate`
    Generate,
    /// `GET {base}/jobs/{token}`
    Job(String),
    /// `POST {base}/webhook`
    Webhook,
    /// `POST {base}/v1/images/generations` (OpenAI's Images API, `openaiCompatible`).
    OpenAiGenerations,
    /// `POST {base}/v1/images/edits` (likewise).
    OpenAiEdits,
    /// `GET {base}/v1/models` (likewise).
    OpenAiModels,
    /// `GET {base}/usage`: the caller's spend today against its budget (`jobs`).
    Usage,
    /// `GET {base}/images/{job}/{index}`: a durable job's image, kept in R2 (`jobs`).
    StoredImage(String, u32),
    /// `OPTIONS` on a known route (CORS preflight).
    Preflight,
    /// A known path with the wrong method; the allowed one.
    WrongMethod(&'static str),
    /// Anything else.
    NotFound,
}

/// `basePath` without a trailing slash, starting with one (`/api/images`).
pub fn normalize_base_path(base: &str) -> String {
    let trimmed = base.trim().trim_end_matches('/');
    if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// The route of `method` on `path` (the URL's path, no query) under `base`.
pub fn route(method: &str, path: &str, base: &str) -> Route {
    let Some(rest) = path.strip_prefix(base).and_then(|r| r.strip_prefix('/')) else {
        return Route::NotFound;
    };
    let (target, wanted) = match rest {
        "generate" => (Route::Generate, "POST"),
        "webhook" => (Route::Webhook, "POST"),
        "v1/images/generations" => (Route::OpenAiGenerations, "POST"),
        "v1/images/edits" => (Route::OpenAiEdits, "POST"),
        "v1/models" => (Route::OpenAiModels, "GET"),
        "usage" => (Route::Usage, "GET"),
        _ => match (rest.strip_prefix("jobs/"), rest.strip_prefix("images/")) {
            (Some(token), _) if !token.is_empty() && !token.contains('/') => {
                (Route::Job(token.to_string()), "GET")
            }
            (_, Some(image)) => match stored_image(image) {
                Some((job, index)) => (Route::StoredImage(job, index), "GET"),
                None => return Route::NotFound,
            },
            _ => return Route::NotFound,
        },
    };
    match method {
        m if m == wanted => target,
        "OPTIONS" => Route::Preflight,
        _ => Route::WrongMethod(wanted),
    }
}

/// `{job}/{index}` of a stored image's path: a durable job id and an index below 100.
fn stored_image(rest: &str) -> Option<(String, u32)> {
    let (job, index) = rest.split_once('/')?;
    let digits = !index.is_empty() && index.len() <= 2 && index.bytes().all(|b| b.is_ascii_digit());
    if !is_durable_job_id(job) || !digits {
        return None;
    }
    Some((job.to_string(), index.parse().ok()?))
}

/// Whether `id` can be a durable job's id (a Workflow instance id: 1 to 64
/// of `A-Z a-z 0-9 _ -`, not starting with `-`).
pub fn is_durable_job_id(id: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    (1..=64).contains(&id.len()) && !id.starts_with('-') && id.bytes().all(ok)
}

/// A status token's payload for a durable job (`jobs`): its id, its principal's tag, when it expires.
pub fn durable_token_payload(job_id: &str, principal_tag: &str, expires_at: f64) -> Json {
    json!({ "u": principal_tag, "d": job_id, "x": expires_at })
}

/// The durable job a token names, if it is this principal's and live.
pub fn durable_token_job(payload: &Json, principal_tag: &str, now: f64) -> Option<String> {
    let id = payload.get("d")?.as_str()?;
    let expires = payload.get("x")?.as_f64()?;
    let mine = payload.get("u")?.as_str()? == principal_tag;
    (mine && now <= expires && is_durable_job_id(id)).then(|| id.to_string())
}

/// What a request says about the page that sent it, if any.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caller<'a> {
    /// `Sec-Fetch-Site`: set by browsers, never by a page's script.
    pub sec_fetch_site: Option<&'a str>,
    /// `Origin`.
    pub origin: Option<&'a str>,
    /// `Host` (or, without it, the authority of the request's URL).
    pub host: Option<&'a str>,
}

/// Who may call, decided from a request's browser context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Site {
    /// A page of this site (or a tool that is no browser): served, no CORS headers.
    Same,
    /// A page of a listed origin: served, with CORS headers for this origin.
    Listed(String),
    /// Refused (403), and why.
    Refused(&'static str),
}

/// `scheme://host[:port]` without the scheme, lower-case: what the `Origin`
/// and the `Host` a browser asked for have in common behind a proxy that
/// ends TLS, or an adapter that guesses the scheme.
fn authority(origin: &str) -> String {
    let rest = crate::text::find(origin, "://")
        .and_then(|i| origin.get(i + 3..))
        .unwrap_or(origin);
    rest.trim_end_matches('/').to_ascii_lowercase()
}

/// Decide who may call. In order:
/// 1. an `Origin` in `allowed` (`"*"` lists every origin) is served with CORS;
/// 2. `Sec-Fetch-Site` (browsers set it; scripts cannot): `same-origin` and
///    `none` are served, `same-site` and `cross-site` refused;
/// 3. without it: no `Origin` is a server or a tool (served); otherwise the
///    `Origin` must be one of `public_origins` when the owner set them, or
///    else name the `Host` the request was sent to (the scheme is not
///    compared: proxies that end TLS and adapters that guess it change it).
pub fn site(caller: &Caller, public_origins: &[String], allowed: &[String]) -> Site {
    if let Some(o) = caller.origin {
        if o != "null" && allowed.iter().any(|a| a == "*" || a == o) {
            return Site::Listed(o.to_string());
        }
    }
    match caller
        .sec_fetch_site
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("same-origin") | Some("none") => return Site::Same,
        Some("same-site") => {
            return Site::Refused("a page of another origin of this site may not use this service")
        }
        Some("cross-site") => {
            return Site::Refused("a page of another site may not use this service")
        }
        _ => {}
    }
    let Some(origin) = caller.origin else {
        return Site::Same;
    };
    let same = if public_origins.is_empty() {
        caller
            .host
            .is_some_and(|h| !h.is_empty() && authority(origin) == authority(h))
    } else {
        public_origins
            .iter()
            .any(|p| p.trim_end_matches('/').eq_ignore_ascii_case(origin))
    };
    if same {
        Site::Same
    } else {
        Site::Refused("this origin may not use this service")
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, any case, any
/// parameters): what `POST {base}/generate` takes. A form or a text body is
/// what a page can send to another site without asking first.
pub fn is_json_content_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        crate::text::before_any(t, b";")
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

// ---------------------------------------------------------------------------
// 2. Who is calling.

/// The one principal of a route created with `public: true`.
pub const PUBLIC_PRINCIPAL: &str = "public";

/// The principal in what the owner's `authorize` hook returned: a non-empty
/// string. Anything else (false, null, true, a number, "") refuses the call.
pub fn principal(returned: &Json) -> Option<&str> {
    returned.as_str().filter(|p| !p.is_empty())
}

/// Length-prefixed parts, so no two different lists give the same text.
fn material(domain: &str, parts: &[&str]) -> String {
    let mut out = String::from(domain);
    for p in parts {
        out.push('\n');
        out.push_str(&p.len().to_string());
        out.push(':');
        out.push_str(p);
    }
    out
}

/// What the provider idempotency key is derived from (HMAC-SHA256 keyed with
/// the route's secret): the principal and the caller's key, so two principals
/// using the same `Idempotency-Key` never share a job.
pub fn idempotency_material(principal: &str, caller_key: &str) -> String {
    material("gpt-image-edge/idempotency/v2", &[principal, caller_key])
}

/// What a status token's principal tag is derived from (HMAC-SHA256 keyed
/// with the route's secret): a token names its principal without holding
/// the name.
pub fn principal_material(principal: &str) -> String {
    material("gpt-image-edge/principal/v1", &[principal])
}

/// The `user` OpenAI is sent for its abuse monitoring when the request names
/// none: the principal's tag (a keyed digest, not the name itself), so abuse
/// is traced to one of the owner's users without telling OpenAI who.
pub fn end_user_tag(principal_tag: &str) -> String {
    format!("gie-{principal_tag}")
}

/// The provider idempotency key, from the hex HMAC of [`idempotency_material`].
pub fn provider_idempotency_key(hmac_hex: &str) -> String {
    format!("route-{}", hmac_hex.get(..40).unwrap_or(hmac_hex))
}

// ---------------------------------------------------------------------------
// 3. What may be sent.

/// What browsers may ask for through the route.
#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    /// Fields a browser may set (the prompt always).
    pub fields: Vec<Field>,
    /// Whether reference images (and a mask) may be sent.
    pub references: bool,
    /// Most images per request.
    pub max_count: u32,
    /// Allowed values of enumerated fields, where narrower than the provider's.
    pub values: Vec<(Field, Vec<String>)>,
    /// Longest prompt, where shorter than the provider's limit.
    pub max_prompt_length: Option<usize>,
}

impl Default for Allow {
    /// Every setting but `references`, `mask` and `webhookUrl` (a browser
    /// must not point the server at URLs) and `user` (the route names the
    /// user: see [`end_user_tag`]), at most 4 images.
    fn default() -> Allow {
        Allow {
            fields: Field::ALL
                .into_iter()
                .filter(|f| {
                    !matches!(
                        f,
                        Field::References | Field::Mask | Field::WebhookUrl | Field::User
                    )
                })
                .collect(),
            references: false,
            max_count: 4,
            values: Vec::new(),
            max_prompt_length: None,
        }
    }
}

fn bad_option(why: String) -> Error {
    Error::new(ErrorCode::InvalidRequest, format!("option `allow`: {why}"))
}

impl Allow {
    /// Read `{ fields?, references?, maxCount?, values?, maxPromptLength? }`.
    /// `values` may narrow only fields with a closed set of values for this
    /// provider, to values it accepts.
    pub fn from_json(v: &Json, provider: Provider) -> Result<Allow, Error> {
        let mut allow = Allow::default();
        if v.is_null() {
            return Ok(allow);
        }
        let Some(o) = v.as_object() else {
            return Err(bad_option("expected an object".to_string()));
        };
        for (k, val) in o.iter() {
            match k.as_str() {
                "fields" => {
                    let names = val
                        .as_array()
                        .ok_or_else(|| bad_option("`fields` must be an array".to_string()))?;
                    let mut fields = vec![Field::Prompt];
                    for n in names {
                        let f = n.as_str().and_then(Field::from_name).ok_or_else(|| {
                            bad_option(format!(
                                "{} is not a request field",
                                n.as_str().unwrap_or("?")
                            ))
                        })?;
                        if f == Field::WebhookUrl {
                            return Err(bad_option(
                                "browsers may never set `webhookUrl`".to_string(),
                            ));
                        }
                        fields.push(f);
                    }
                    allow.fields = fields;
                }
                "references" => {
                    allow.references = val
                        .as_bool()
                        .ok_or_else(|| bad_option("`references` must be a boolean".to_string()))?
                }
                "maxCount" => {
                    allow.max_count =
                        val.as_u64()
                            .filter(|n| (1..=10).contains(n))
                            .ok_or_else(|| {
                                bad_option(
                                    "`maxCount` must be a whole number from 1 to 10".to_string(),
                                )
                            })? as u32
                }
                "maxPromptLength" => {
                    allow.max_prompt_length =
                        Some(val.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                            bad_option(
                                "`maxPromptLength` must be a positive whole number".to_string(),
                            )
                        })? as usize)
                }
                "values" => {
                    let map = val
                        .as_object()
                        .ok_or_else(|| bad_option("`values` must be an object".to_string()))?;
                    for (name, list) in map.iter() {
                        let f = Field::from_name(name)
                            .ok_or_else(|| bad_option(format!("{name} is not a request field")))?;
                        let Some(accepted) = provider.closed_values(f) else {
                            return Err(bad_option(format!(
                                "values.{name}: {} takes no closed set of values for `{name}` (use `fields` to refuse it, or `maxCount` / `maxPromptLength`)",
                                provider.display_name()
                            )));
                        };
                        let items: Option<Vec<String>> = list
                            .as_array()
                            .filter(|a| !a.is_empty())
                            .map(|a| {
                                a.iter()
                                    .map(|x| x.as_str().map(str::to_string))
                                    .collect::<Option<Vec<_>>>()
                            })
                            .unwrap_or(None);
                        let items = items.ok_or_else(|| {
                            bad_option(format!(
                                "values.{name} must be a non-empty array of strings"
                            ))
                        })?;
                        if let Some(odd) = items.iter().find(|i| !accepted.contains(&i.as_str())) {
                            return Err(bad_option(format!(
                                "values.{name}: {} accepts {}, not `{odd}`",
                                provider.display_name(),
                                crate::text::list(&accepted)
                            )));
                        }
                        allow.values.push((f, items));
                    }
                }
                other => return Err(bad_option(format!("unknown setting `{other}`"))),
            }
        }
        if allow.references {
            for f in [Field::References, Field::Mask] {
                if !allow.fields.contains(&f) {
                    allow.fields.push(f);
                }
            }
        }
        Ok(allow)
    }

    /// What in `req` (already valid for the provider) browsers may not ask for.
    pub fn check(&self, req: &Json) -> Vec<Issue> {
        let mut issues = Vec::new();
        let Some(map) = req.as_object() else {
            return issues;
        };
        for (name, value) in map.iter() {
            if value.is_null() {
                continue;
            }
            let Some(field) = Field::from_name(name) else {
                continue;
            };
            let permitted =
                self.fields.contains(&field) && (field != Field::References || self.references);
            if !permitted {
                issues.push(Issue::new(
                    name.clone(),
                    IssueCode::NotAllowed,
                    format!("this service does not accept `{name}`"),
                ));
                continue;
            }
            if let Some((_, allowed)) = self.values.iter().find(|(f, _)| *f == field) {
                if let Some(s) = value.as_str() {
                    if !allowed.iter().any(|a| a == s) {
                        issues.push(Issue::new(
                            name.clone(),
                            IssueCode::NotAllowed,
                            format!(
                                "this service accepts only {} for `{name}`",
                                crate::text::list(allowed)
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(n) = map.get("count").and_then(Json::as_u64) {
            if n > u64::from(self.max_count) {
                issues.push(Issue::new(
                    "count",
                    IssueCode::OutOfRange,
                    format!(
                        "this service makes at most {} images per request",
                        self.max_count
                    ),
                ));
            }
        }
        if let (Some(max), Some(p)) = (
            self.max_prompt_length,
            map.get("prompt").and_then(Json::as_str),
        ) {
            if p.trim().encode_utf16().count() > max {
                issues.push(Issue::new(
                    "prompt",
                    IssueCode::TooLong,
                    format!("this service accepts prompts of at most {max} characters"),
                ));
            }
        }
        issues
    }
}

/// A refusal: the status, its body, and `Retry-After` seconds for 429.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// `{ error: { code, message, issues? } }`, plus `estimate` for 402.
    pub body: Json,
    /// Seconds for `Retry-After`.
    pub retry_after_secs: Option<u64>,
}

impl Refusal {
    /// A refusal with no issues.
    pub fn new(status: u16, code: &str, message: &str) -> Refusal {
        Refusal::with_issues(status, code, message, &[])
    }

    /// A refusal listing the issues that caused it.
    pub fn with_issues(status: u16, code: &str, message: &str, issues: &[Issue]) -> Refusal {
        Refusal {
            status,
            body: refusal(code, message, issues),
            retry_after_secs: None,
        }
    }

    fn over_budget(estimate: &Cost) -> Refusal {
        let mut r = Refusal::new(
            402,
            "BUDGET_EXCEEDED",
            "the request costs more than this service allows",
        );
        r.body.set("estimate", public_cost(estimate));
        r
    }
}

/// Most issues one refusal lists (a hostile body can hold thousands).
pub const MAX_ISSUES: usize = 50;

/// Most entries of any object or list in a request body: a request has 16
/// fields and at most 16 references, so a body past this is refused as soon
/// as the parser reaches it.
pub const MAX_BODY_ENTRIES: usize = 64;

/// What the route owner decided once, at setup: what browsers may ask for,
/// what fills the fields they leave out, and what a request may cost.
#[derive(Clone, Debug)]
pub struct Policy {
    provider: Provider,
    allow: Allow,
    defaults: Map,
    max_cost_usd: Option<f64>,
    price: PriceOptions,
    /// How requests are validated (always strict): local URLs, the provider's API.
    validation: ValidateOptions,
}

/// A request body as read: JSON, or why not.
#[derive(Clone, Debug, PartialEq)]
pub enum BodyRead {
    /// The JSON value.
    Json(Json),
    /// Not JSON at all.
    NotJson,
    /// An object or list with more than [`MAX_BODY_ENTRIES`] entries (reading stopped there).
    TooManyEntries,
}

/// A request ready to submit: exactly what will be sent, and its price.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// The caller's fields with the owner's defaults filled in.
    pub request: Json,
    /// Its estimate.
    pub estimate: Cost,
}

impl Policy {
    /// Check the owner's options. `defaults` must be valid settings for the
    /// provider, inside the allow-list; every field `allow.values` narrows
    /// must have a known value when left out (a default, or the provider's
    /// documented one). Requests are validated as `validation` says, strictly.
    pub fn new(
        provider: Provider,
        allow: &Json,
        defaults: &Json,
        max_cost_usd: Option<f64>,
        price: PriceOptions,
        validation: ValidateOptions,
    ) -> Result<Policy, Error> {
        let validation = ValidateOptions {
            strict: true,
            ..validation
        };
        let allow = Allow::from_json(allow, provider)?;
        let bad = |why: String| {
            Error::new(
                ErrorCode::InvalidRequest,
                format!("option `defaults`: {why}"),
            )
        };
        let defaults = match defaults {
            Json::Null => Map::new(),
            Json::Object(m) => m.clone(),
            _ => return Err(bad("expected an object of request fields".into())),
        };
        if defaults.contains_key("prompt") {
            return Err(bad("the prompt is the caller's".into()));
        }
        let mut probe = defaults.clone();
        probe.insert("prompt", json!("x"));
        let v = validate(provider, &Json::Object(probe), validation);
        if let Some(i) = v.errors.first() {
            return Err(bad(format!("{}: {}", i.path, i.message)));
        }
        for (field, allowed) in &allow.values {
            let name = field.name();
            match defaults.get(name).and_then(Json::as_str) {
                Some(d) if !allowed.iter().any(|a| a == d) => {
                    return Err(bad(format!(
                        "{name} is `{d}`, outside allow.values.{name}"
                    )))
                }
                Some(_) => {}
                None if provider.documented_default(*field).is_none() => {
                    return Err(Error::new(
                        ErrorCode::InvalidRequest,
                        format!(
                            "option `allow`: values.{name} narrows a field whose default {} does not document: set `defaults.{name}` too",
                            provider.display_name()
                        ),
                    ))
                }
                None => {}
            }
        }
        if let Some(max) = max_cost_usd {
            if !(max.is_finite() && max >= 0.0) {
                return Err(Error::new(
                    ErrorCode::InvalidRequest,
                    "option `maxCostUsd` must be a non-negative number",
                ));
            }
        }
        Ok(Policy {
            provider,
            allow,
            defaults,
            max_cost_usd,
            price,
            validation,
        })
    }

    /// The route's budget per request, in US dollars.
    pub fn max_cost_usd(&self) -> Option<f64> {
        self.max_cost_usd
    }

    /// Decide on a caller's body: read by [`read_body`] (as the route reads
    /// it), then [`Policy::decide`].
    pub fn prepare(&self, body: impl AsRef<[u8]>) -> Result<Prepared, Refusal> {
        self.decide(read_body(body.as_ref(), Json::rust_number))
    }

    /// Decide on a caller's body, read: validated strictly, allowed,
    /// completed with the defaults, checked again as it will be sent, and
    /// priced against the budget. Every check sees the request that would
    /// really go out.
    pub fn decide(&self, body: BodyRead) -> Result<Prepared, Refusal> {
        self.decide_for(body, 0)
    }

    /// [`Policy::decide`] for a request that streams `partial_images`
    /// partial images before each image (priced too: each adds output tokens).
    pub fn decide_for(&self, body: BodyRead, partial_images: u8) -> Result<Prepared, Refusal> {
        let caller = match body {
            BodyRead::Json(v) => v,
            BodyRead::TooManyEntries => {
                return Err(Refusal::new(
                    400,
                    "INVALID_REQUEST",
                    &format!(
                    "the request has an object or a list of more than {MAX_BODY_ENTRIES} entries"
                ),
                ))
            }
            BodyRead::NotJson => {
                return Err(Refusal::new(
                    400,
                    "INVALID_REQUEST",
                    "the body must be a JSON request",
                ))
            }
        };
        let caller = &caller;
        let Some(fields) = caller.as_object() else {
            return Err(Refusal::new(
                400,
                "INVALID_REQUEST",
                "the body must be a JSON object",
            ));
        };
        let opts = self.validation;
        let invalid = |issues: &[Issue]| {
            Refusal::with_issues(
                400,
                "INVALID_REQUEST",
                "the request is not valid",
                &issues[..issues.len().min(MAX_ISSUES)],
            )
        };
        let forbidden = |issues: &[Issue]| {
            Refusal::with_issues(
                403,
                "FORBIDDEN",
                "this service does not allow that request",
                &issues[..issues.len().min(MAX_ISSUES)],
            )
        };
        let v = validate(self.provider, caller, opts);
        if !v.ok() {
            return Err(invalid(&v.errors));
        }
        let mut refused = self.allow.check(caller);
        // The caller's fields, then the owner's defaults for what is left out.
        let mut resolved = fields.clone();
        for (k, d) in self.defaults.iter() {
            if resolved.get(k).is_none_or(Json::is_null) {
                resolved.insert(k.clone(), d.clone());
            }
        }
        for (field, allowed) in &self.allow.values {
            let name = field.name();
            if resolved.get(name).is_some_and(|v| !v.is_null()) {
                continue;
            }
            if let Some(d) = self.provider.documented_default(*field) {
                if !allowed.iter().any(|a| a == d) {
                    refused.push(Issue::new(
                        name,
                        IssueCode::NotAllowed,
                        format!(
                            "this service requires `{name}` ({}): left out, it would be `{d}`",
                            crate::text::list(allowed)
                        ),
                    ));
                }
            }
        }
        if !refused.is_empty() {
            return Err(forbidden(&refused));
        }
        let resolved = Json::Object(resolved);
        let v = validate(self.provider, &resolved, opts);
        let Some(typed) = v.request.filter(|_| v.errors.is_empty()) else {
            return Err(invalid(&v.errors));
        };
        let price = PriceOptions {
            partial_images,
            ..self.price
        };
        let estimate = price::estimate(self.provider, &typed, &price);
        if let Some(max) = self.max_cost_usd {
            if estimate.usd.is_none_or(|usd| usd > max) {
                return Err(Refusal::over_budget(&estimate));
            }
        }
        Ok(Prepared {
            request: resolved,
            estimate,
        })
    }
}

/// A request body as the route reads it: UTF-8 (bad bytes read as U+FFFD,
/// as a browser's `TextDecoder` does), then JSON nested at most 128 deep with
/// at most [`MAX_BODY_ENTRIES`] entries in any object or list (a larger one
/// fails as soon as it is seen). `number` reads number text (the WebAssembly
/// build passes the host's `parseFloat`).
pub fn read_body(bytes: &[u8], number: json::NumberReader) -> BodyRead {
    let text = String::from_utf8_lossy(bytes);
    match Json::parse_bounded_with(&text, MAX_BODY_ENTRIES, number) {
        Ok(v) => BodyRead::Json(v),
        Err(e) if e.reason == json::TOO_MANY_ITEMS => BodyRead::TooManyEntries,
        Err(_) => BodyRead::NotJson,
    }
}

/// What the owner's `limit({ principal, estimate, request })` hook decided:
/// `true` goes on; `{ retryAfterMs }` is 429 with `Retry-After`;
/// `{ reason: "budget" }` is 402. Anything else fails closed (500): nothing
/// is sent when the owner's limit cannot be read.
pub fn limit_outcome(decision: &Json) -> Result<(), Refusal> {
    if decision.as_bool() == Some(true) {
        return Ok(());
    }
    if let Some(ms) = decision.get("retryAfterMs").and_then(Json::as_f64) {
        if ms.is_finite() && ms >= 0.0 {
            let mut r = Refusal::new(429, "RATE_LIMITED", "too many requests; try again later");
            r.retry_after_secs = Some(((ms / 1000.0).ceil() as u64).clamp(1, 86_400));
            return Err(r);
        }
    }
    if decision.get("reason").and_then(Json::as_str) == Some("budget") {
        return Err(Refusal::new(
            402,
            "BUDGET_EXCEEDED",
            "the spending limit for this account is reached",
        ));
    }
    Err(Refusal::new(
        500,
        "INTERNAL",
        "the request could not be handled",
    ))
}

/// The `{ provider, jobId, event }` given to `onWebhook` for a verified body:
/// the job it is about and the provider's event exactly as sent, nothing
/// added. `None` when the body names no job.
pub fn webhook_event(provider: Provider, event: &Json) -> Option<Json> {
    let job_id = provider.wire().webhook_job_id(event)?;
    Some(json!({ "provider": provider.id(), "jobId": job_id, "event": event.clone() }))
}

/// How far from now a signed webhook timestamp may be: older events (or
/// ones dated later than this ahead) are refused as replays.
pub const WEBHOOK_TOLERANCE_MS: f64 = 300_000.0;

/// How long a delivery is remembered, so that the same one posted again is
/// acknowledged without telling the owner twice: past the tolerance when the
/// provider signs a time, a day when it signs none.
pub fn webhook_memory_ms(signed_time: bool) -> f64 {
    if signed_time {
        2.0 * WEBHOOK_TOLERANCE_MS
    } else {
        86_400_000.0
    }
}

/// Milliseconds since 1970 of an ISO 8601 time (see [`crate::time::parse_ms`]).
pub use crate::time::parse_ms as parse_timestamp_ms;

/// When a verified webhook event says it was sent: its `timestamp` (ISO
/// 8601, or seconds since 1970 as a number), if it has one.
pub fn webhook_sent_at_ms(event: &Json) -> Option<f64> {
    match event.get("timestamp")? {
        Json::String(t) => parse_timestamp_ms(t),
        Json::Number(n) if n.is_finite() && *n > 0.0 => Some(n * 1000.0),
        _ => None,
    }
}

/// Whether a verified event's signed time is within the tolerance of `now`.
pub fn webhook_fresh(sent_at_ms: f64, now_ms: f64) -> bool {
    (now_ms - sent_at_ms).abs() <= WEBHOOK_TOLERANCE_MS
}

// ---------------------------------------------------------------------------
// 4. Status tokens.

/// What a status token holds (sealed, so the browser can read none of it):
/// the job, and the tag of the principal it belongs to.
pub fn token_payload(handle: &Handle, principal_tag: &str, expires_at: f64) -> Json {
    json!({
        "u": principal_tag,
        "p": handle.provider.id(),
        "j": handle.job_id,
        "k": handle.idempotency_key,
        "t": handle.submitted_at,
        "x": expires_at,
        "q": handle.quality,
        "c": handle.count,
        "f": handle.output_format,
    })
}

/// The handle a token names, if it belongs to this principal, is for this
/// provider and has not expired. Another principal's token is `None`,
/// exactly like a forged one.
pub fn token_handle(
    payload: &Json,
    provider: Provider,
    principal_tag: &str,
    now: f64,
) -> Option<Handle> {
    let p = Provider::from_id(payload.get("p")?.as_str()?)?;
    let expires = payload.get("x")?.as_f64()?;
    if payload.get("u")?.as_str()? != principal_tag || p != provider || now > expires {
        return None;
    }
    let text = |k: &str| payload.get(k).and_then(Json::as_str).map(str::to_string);
    let handle = json!({
        "v": HANDLE_VERSION,
        "provider": p.id(),
        "jobId": text("j")?,
        "idempotencyKey": text("k")?,
        "submittedAt": payload.get("t")?.as_f64()?,
        "deadline": expires,
        "quality": text("q"),
        "count": payload.get("c").and_then(Json::as_u64).unwrap_or(1),
        "outputFormat": text("f"),
    });
    Handle::from_json(&handle).ok()
}

// ---------------------------------------------------------------------------
// 5. What a browser may be told.

/// An estimate as a browser may see it.
pub fn public_cost(c: &Cost) -> Json {
    json!({ "credits": c.credits, "usd": c.usd, "exact": c.exact, "images": c.images })
}

/// Whether `s` is base64 text and nothing else (what image data is).
fn is_base64_text(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// Whether `s` reads as an ISO 8601 time (`2026-12-02T10:00:00Z`, offsets
/// and fractions allowed): the only shape an expiry may have on its way out.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    s.len() <= 40
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && b[11..]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'+' | b'-' | b'Z' | b'z'))
}

/// Whether `s` is an OpenAI size as an event reports it (`1024x1024`, `auto`).
fn is_size(s: &str) -> bool {
    s == "auto"
        || s.split_once('x').is_some_and(|(w, h)| {
            (1..=5).contains(&w.len())
                && (1..=5).contains(&h.len())
                && (w.bytes().chain(h.bytes())).all(|b| b.is_ascii_digit())
        })
}

/// An image as a browser may see it, or `None` when nothing of it may pass:
/// a URL only when it is a valid public https URL (or loopback, for local
/// development) that carries no trace of the key, data only when it is
/// base64; the type from the known list; an expiry only as a timestamp.
fn public_image(i: &crate::job::Image, allow_local_urls: bool) -> Option<Json> {
    let url = i.url.as_deref().filter(|u| {
        !crate::text::contains(u, crate::redact::MARK)
            && (crate::url::check(u, false).is_ok()
                || (allow_local_urls && crate::url::parse(u).is_ok_and(|p| p.loopback)))
    });
    let b64 = i.b64.as_deref().filter(|b| is_base64_text(b));
    if url.is_none() && b64.is_none() {
        return None;
    }
    let mime = i
        .mime_type
        .as_deref()
        .filter(|m| crate::image::IMAGE_MIME_TYPES.contains(m));
    let mut o = json!({ "mimeType": mime, "width": i.width, "height": i.height });
    if let Some(u) = url {
        o.set("url", json!(u));
    }
    if let Some(b) = b64 {
        o.set("b64", json!(b));
    }
    if let Some(e) = i.expires_at.as_deref().filter(|e| is_timestamp(e)) {
        o.set("expiresAt", json!(e));
    }
    Some(o)
}

/// A job as a browser may see it: status, progress, images, error, cost.
/// Nothing the provider wrote passes as text: a failure is told with a code
/// and a message of this package (the provider's words go to the owner's
/// `onError`, see [`job_report`]); images pass only as [`public_image`] allows.
pub fn public_job(job: &Job, allow_local_urls: bool) -> Json {
    let images: Vec<Json> = job
        .images
        .iter()
        .filter_map(|i| public_image(i, allow_local_urls))
        .collect();
    let mut status = job.status;
    if status == JobStatus::Succeeded && images.is_empty() {
        // Every image was withheld: nothing the caller can use was made.
        status = JobStatus::Failed;
    }
    let error = match status {
        JobStatus::Failed => {
            Some(json!({ "code": "JOB_FAILED", "message": "the image could not be made" }))
        }
        JobStatus::Cancelled => {
            Some(json!({ "code": "JOB_CANCELLED", "message": "the job was cancelled" }))
        }
        _ => None,
    };
    json!({
        "status": status.as_str(),
        "progress": job.progress,
        "images": images,
        "error": error,
        "cost": job.cost.as_ref().map(|c| json!({ "credits": c.credits, "usd": c.usd, "exact": c.exact })),
    })
}

/// A partial image as a browser may see it (`{ index, b64, mimeType, size }`),
/// or `None` when its data is not base64.
pub fn public_partial(index: u32, b64: &str, mime_type: &str, size: Option<&str>) -> Option<Json> {
    if !is_base64_text(b64) {
        return None;
    }
    let mime = Some(mime_type).filter(|m| crate::image::IMAGE_MIME_TYPES.contains(m));
    Some(json!({
        "index": index,
        "b64": b64,
        "mimeType": mime,
        "size": size.filter(|s| is_size(s)),
    }))
}

/// A refusal body: `{ error: { code, message, issues? } }`.
pub fn refusal(code: &str, message: &str, issues: &[Issue]) -> Json {
    let mut e = json!({ "code": code, "message": message });
    if !issues.is_empty() {
        e.set(
            "issues",
            Json::Array(issues.iter().map(Issue::to_json).collect()),
        );
    }
    json!({ "error": e })
}

/// What a browser gets for an error of the client. Refusals about the
/// request are passed on; what concerns the account (its key, credits, the
/// provider's own wording) is not.
pub fn public_error(e: &Error) -> Refusal {
    let (status, code, message): (u16, &str, &str) = match e.code {
        ErrorCode::InvalidRequest if !e.issues.is_empty() => {
            (400, "INVALID_REQUEST", e.message.as_str())
        }
        ErrorCode::InvalidRequest => (
            502,
            "PROVIDER_ERROR",
            "the image service refused the request",
        ),
        ErrorCode::BudgetExceeded => (
            402,
            "BUDGET_EXCEEDED",
            "the request costs more than this service allows",
        ),
        ErrorCode::RateLimited => (429, "RATE_LIMITED", "too many requests; try again later"),
        ErrorCode::NotFound => (404, "NOT_FOUND", "no such job"),
        ErrorCode::DeadlineExceeded | ErrorCode::Timeout => {
            (504, "TIMEOUT", "the image service did not answer in time")
        }
        ErrorCode::OutcomeUnknown => (
            502,
            "OUTCOME_UNKNOWN",
            "the image service may have accepted the request; do not send it again",
        ),
        ErrorCode::JobFailed => (422, "JOB_FAILED", "the image could not be made"),
        _ => (502, "PROVIDER_ERROR", "the image service is unavailable"),
    };
    let mut r = Refusal::with_issues(
        status,
        code,
        message,
        &e.issues[..e.issues.len().min(MAX_ISSUES)],
    );
    if status == 429 {
        r.retry_after_secs = e.retry_after_ms.map(|ms| ms.div_ceil(1000).max(1));
    }
    r
}

// ---------------------------------------------------------------------------
// 6. What the owner is told (the `onError` hook).

/// A report for the owner's `onError`: where it happened (`generate`,
/// `job`, `webhook`...), whom it concerned, the status and code the caller
/// got, and what went wrong in full, as the server may know it (the
/// provider's words included, with the key hidden).
pub fn report(route: &str, principal: Option<&str>, status: u16, code: &str, error: Json) -> Json {
    json!({ "route": route, "principal": principal, "status": status, "code": code, "error": error })
}

/// The report of a client error, as the caller saw it ([`public_error`]).
pub fn error_report(route: &str, principal: Option<&str>, e: &Error) -> Json {
    let r = public_error(e);
    let code = r.body["error"]["code"]
        .as_str()
        .unwrap_or("INTERNAL")
        .to_string();
    report(route, principal, r.status, &code, e.to_json())
}

/// The report of a job that ended without images, with the provider's own
/// reason (the caller got only `JOB_FAILED` or `JOB_CANCELLED`); `None`
/// for a job that has not ended badly.
pub fn job_report(
    route: &str,
    principal: Option<&str>,
    job: &Job,
    allow_local_urls: bool,
) -> Option<Json> {
    let public = public_job(job, allow_local_urls);
    let code = public["error"]["code"].as_str()?.to_string();
    let mut error = json!({
        "code": code,
        "message": job.error.as_ref().map_or("the job failed", |e| e.message.as_str()),
        "provider": job.provider.id(),
        "jobId": job.id,
    });
    if let Some(e) = &job.error {
        error.set("providerCode", json!(e.code));
    }
    if job.status == JobStatus::Succeeded {
        error.set("message", json!("every image of the answer was withheld (not a public https URL, or not base64, or it carried the key)"));
    }
    Some(report(route, principal, 200, &code, error))
}

// ---------------------------------------------------------------------------
// 7. The event stream (`Accept: text/event-stream` on generate).

/// The events of a generation's stream, in the order they can come.
pub mod event {
    /// The request was accepted: `{ estimate, token }` (token null for
    /// synchronous providers, whose answer ends the stream).
    pub const ACCEPTED: &str = "accepted";
    /// A change of status or progress: `{ status, progress }`.
    pub const PROGRESS: &str = "progress";
    /// A partial image (OpenAI): `{ index, b64, mimeType, size }`.
    pub const PARTIAL_IMAGE: &str = "partial_image";
    /// The last event of a success: the job as the poll endpoint shows it.
    pub const COMPLETED: &str = "completed";
    /// The last event of a failure: `{ status, error: { code, message } }`.
    pub const ERROR: &str = "error";
    /// Every event, in the order they can come.
    pub const ALL: [&str; 5] = [ACCEPTED, PROGRESS, PARTIAL_IMAGE, COMPLETED, ERROR];
}

/// Default largest silence on a stream before a comment line goes out (15 s:
/// proxies cut connections silent for about 100 s).
pub const DEFAULT_HEARTBEAT_MS: f64 = 15_000.0;

/// Whether an `Accept` header asks for server-sent events: a media range
/// `text/event-stream` (any case, any parameters) not weighted `q=0`.
pub fn wants_event_stream(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim();
            media.eq_ignore_ascii_case("text/event-stream")
                && !parts.any(|param| {
                    let (k, v) = param.split_once('=').unwrap_or((param, ""));
                    let v = v.trim();
                    k.trim().eq_ignore_ascii_case("q")
                        && !v.is_empty()
                        && v.bytes().all(|b| b == b'0' || b == b'.')
                })
        })
    })
}

/// The `accepted` event's data.
pub fn accepted_event(estimate: &Cost, token: Option<&str>) -> Json {
    json!({ "estimate": public_cost(estimate), "token": token })
}

/// The `progress` event's data.
pub fn progress_event(job: &Job) -> Json {
    json!({ "status": job.status.as_str(), "progress": job.progress })
}

/// The `error` event's data: the public error (as a refusal's body) and the
/// HTTP status the same error would have had without a stream.
pub fn error_event(e: &Error) -> Json {
    let r = public_error(e);
    let mut body = r.body;
    body.set("status", json!(r.status));
    if let Some(s) = r.retry_after_secs {
        body.set("retryAfterSecs", json!(s));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobStatus;
    use crate::providers::{APIFRAME, GPTIMAGE2AI, OPENAI};

    #[test]
    fn routes() {
        let b = "/api/images";
        assert_eq!(route("POST", "/api/images/generate", b), Route::Generate);
        assert_eq!(
            route("GET", "/api/images/jobs/abc_DEF-1", b),
            Route::Job("abc_DEF-1".into())
        );
        assert_eq!(route("POST", "/api/images/webhook", b), Route::Webhook);
        assert_eq!(
            route("OPTIONS", "/api/images/generate", b),
            Route::Preflight
        );
        assert_eq!(
            route("GET", "/api/images/generate", b),
            Route::WrongMethod("POST")
        );
        assert_eq!(
            route("POST", "/api/images/jobs/x", b),
            Route::WrongMethod("GET")
        );
        for p in [
            "/api/images",
            "/api/images/",
            "/api/images/jobs/",
            "/api/images/jobs/a/b",
            "/api/imagesx/generate",
            "/other",
        ] {
            assert_eq!(route("GET", p, b), Route::NotFound, "{p}");
        }
        assert_eq!(normalize_base_path("api/images/"), "/api/images");
    }

    #[test]
    fn stored_images_and_durable_tokens() {
        let b = "/api/images";
        assert_eq!(
            route("GET", "/api/images/images/route-ab12/0", b),
            Route::StoredImage("route-ab12".into(), 0)
        );
        assert_eq!(route("GET", "/api/images/usage", b), Route::Usage);
        assert_eq!(
            route("GET", "/api/images/images/j_1/12", b),
            Route::StoredImage("j_1".into(), 12)
        );
        for p in [
            "/api/images/images/j/123",
            "/api/images/images/j/",
            "/api/images/images/-j/0",
            "/api/images/images/j.x/0",
            "/api/images/images/../0",
            "/api/images/images/j/0/1",
            "/api/images/images/j/+1",
        ] {
            assert_eq!(route("GET", p, b), Route::NotFound, "{p}");
        }
        assert!(!is_durable_job_id(&"a".repeat(65)));
        let payload = durable_token_payload("route-1", "tag", 1000.0);
        assert_eq!(
            durable_token_job(&payload, "tag", 999.0).as_deref(),
            Some("route-1")
        );
        assert_eq!(durable_token_job(&payload, "other", 999.0), None);
        assert_eq!(durable_token_job(&payload, "tag", 1001.0), None);
        // A handle's token names no durable job, and the other way round.
        assert_eq!(
            durable_token_job(&json!({"u": "tag", "x": 1e13}), "tag", 0.0),
            None
        );
        assert_eq!(token_handle(&payload, OPENAI, "tag", 0.0), None);
    }

    #[test]
    fn who_may_call() {
        fn at<'a>(fetch: Option<&'a str>, origin: Option<&'a str>, host: &'a str) -> Caller<'a> {
            Caller {
                sec_fetch_site: fetch,
                origin,
                host: Some(host),
            }
        }
        let own = "https://app.example.com";
        let none: &[String] = &[];
        // A browser's own word: same-origin is served wherever the URL says it is.
        assert_eq!(
            site(
                &at(Some("same-origin"), Some(own), "localhost:3000"),
                none,
                none
            ),
            Site::Same
        );
        for cross in ["cross-site", "same-site", "Cross-Site"] {
            assert!(
                matches!(
                    site(
                        &at(Some(cross), Some("https://evil.example"), "app.example.com"),
                        none,
                        none
                    ),
                    Site::Refused(_)
                ),
                "{cross}"
            );
        }
        // Without it: no Origin is no browser; the Origin must name the Host,
        // whatever the scheme a proxy or an adapter put in the URL.
        assert_eq!(
            site(&at(None, None, "app.example.com"), none, none),
            Site::Same
        );
        assert_eq!(
            site(&at(None, Some(own), "app.example.com"), none, none),
            Site::Same
        );
        assert_eq!(
            site(
                &at(None, Some("http://localhost:3000"), "localhost:3000"),
                none,
                none
            ),
            Site::Same
        );
        assert!(matches!(
            site(
                &at(None, Some("https://evil.example.com"), "app.example.com"),
                none,
                none
            ),
            Site::Refused(_)
        ));
        assert!(matches!(
            site(&at(None, Some("null"), "app.example.com"), none, none),
            Site::Refused(_)
        ));
        // A public origin set by the owner is the only one then.
        let public = vec![own.to_string()];
        assert_eq!(
            site(&at(None, Some(own), "10.0.0.7:8080"), &public, none),
            Site::Same
        );
        assert!(matches!(
            site(
                &at(None, Some("https://10.0.0.7:8080"), "10.0.0.7:8080"),
                &public,
                none
            ),
            Site::Refused(_)
        ));
        // Listed origins are served with CORS, even cross-site.
        let listed = vec!["https://partner.example.com".to_string()];
        assert_eq!(
            site(
                &at(
                    Some("cross-site"),
                    Some("https://partner.example.com"),
                    "app.example.com"
                ),
                none,
                &listed
            ),
            Site::Listed("https://partner.example.com".into())
        );
        let any = vec!["*".to_string()];
        assert!(matches!(
            site(
                &at(None, Some("https://x.example"), "app.example.com"),
                none,
                &any
            ),
            Site::Listed(_)
        ));
        assert!(matches!(
            site(&at(None, Some("null"), "app.example.com"), none, &any),
            Site::Refused(_)
        ));
    }

    #[test]
    fn only_json_is_a_generate_body() {
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " application/json ;x=1",
        ] {
            assert!(is_json_content_type(Some(yes)), "{yes}");
        }
        for no in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            assert!(!is_json_content_type(Some(no)), "{no}");
        }
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn webhook_times() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_timestamp_ms("2026-12-02T10:00:00.250Z"),
            Some(1_796_205_600_250.0)
        );
        assert_eq!(
            parse_timestamp_ms("2026-12-02T11:00:00+01:00"),
            Some(1_796_205_600_000.0)
        );
        for bad in [
            "",
            "2026-12-02",
            "2026-13-02T10:00:00Z",
            "2026-12-02T10:00:00",
            "yesterday",
        ] {
            assert_eq!(parse_timestamp_ms(bad), None, "{bad}");
        }
        let now = 1_796_205_600_000.0;
        assert!(webhook_fresh(now - 299_000.0, now));
        assert!(!webhook_fresh(now - 301_000.0, now));
        assert!(!webhook_fresh(now + 301_000.0, now));
        assert_eq!(
            webhook_sent_at_ms(&json!({ "timestamp": 1_796_205_600u64 })),
            Some(now)
        );
        assert_eq!(webhook_sent_at_ms(&json!({ "event": "completed" })), None);
    }

    #[test]
    fn the_default_allow_list_keeps_urls_away_from_browsers() {
        let a = Allow::default();
        assert!(a
            .check(&json!({ "prompt": "x", "quality": "high", "count": 4 }))
            .is_empty());
        let issues = a.check(&json!({ "prompt": "x", "references": ["https://x.example.com/a.png"], "webhookUrl": "https://h.example.com", "count": 5 }));
        let got: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.path.as_ref(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("references", "not_allowed"),
                ("webhookUrl", "not_allowed"),
                ("count", "out_of_range")
            ]
        );
    }

    #[test]
    fn allow_lists_narrow_fields_and_values() {
        let af = APIFRAME;
        let a = Allow::from_json(&json!({ "fields": ["quality", "count"], "maxCount": 2, "values": { "quality": ["low", "medium"] }, "maxPromptLength": 10 }), af).unwrap();
        assert!(a
            .check(&json!({ "prompt": "a cat", "quality": "low", "count": 2 }))
            .is_empty());
        let issues = a.check(&json!({ "prompt": "a very long prompt", "quality": "high", "count": 3, "aspectRatio": "1:1" }));
        let got: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.path.as_ref(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("quality", "not_allowed"),
                ("aspectRatio", "not_allowed"),
                ("count", "out_of_range"),
                ("prompt", "too_long")
            ]
        );
        assert!(Allow::from_json(&json!({ "fields": ["webhookUrl"] }), af).is_err());
        assert!(Allow::from_json(&json!({ "fields": ["nope"] }), af).is_err());
        assert!(Allow::from_json(&json!({ "maxCount": 11 }), af).is_err());
        assert!(Allow::from_json(&json!({ "surprise": 1 }), af).is_err());
        assert!(Allow::from_json(&json!({ "references": true }), af)
            .unwrap()
            .check(&json!({ "prompt": "x", "references": [] }))
            .is_empty());
    }

    #[test]
    fn tokens_name_the_job_until_they_expire() {
        let h = Handle {
            provider: APIFRAME,
            job_id: Some("b2c3".into()),
            idempotency_key: "k".into(),
            submitted_at: 1000.0,
            deadline: 2000.0,
            quality: Some("low".into()),
            count: 1,
            output_format: None,
            estimate: None,
            result: None,
            request: None,
        };
        let payload = token_payload(&h, "alice-tag", 5000.0);
        let back = token_handle(&payload, APIFRAME, "alice-tag", 4000.0).unwrap();
        assert_eq!(
            (back.job_id.as_deref(), back.quality.as_deref()),
            (Some("b2c3"), Some("low"))
        );
        assert!(
            token_handle(&payload, APIFRAME, "alice-tag", 6000.0).is_none(),
            "expired"
        );
        assert!(
            token_handle(&payload, OPENAI, "alice-tag", 4000.0).is_none(),
            "another provider"
        );
        assert!(
            token_handle(&payload, APIFRAME, "bob-tag", 4000.0).is_none(),
            "another principal"
        );
        assert!(token_handle(&json!({ "p": "apiframe" }), APIFRAME, "alice-tag", 0.0).is_none());
    }

    #[test]
    fn browsers_see_a_filtered_job_and_safe_errors() {
        let mut job = Job::new(
            APIFRAME,
            Some("raw-id".into()),
            JobStatus::Succeeded,
            "COMPLETED",
        );
        job.images.push(crate::job::Image {
            url: Some("https://cdn.example.com/a.png".into()),
            seed: Some("7".into()),
            ..Default::default()
        });
        let v = public_job(&job, false);
        assert_eq!(v["status"], "succeeded");
        // The provider's words never pass; neither do URLs that are not public https.
        let mut failed = Job::new(APIFRAME, None, JobStatus::Failed, "FAILED");
        failed.error = Some(crate::job::JobError {
            code: "x".into(),
            message: "visit evil.example to claim your prize".into(),
        });
        let shown = public_job(&failed, false).to_string();
        assert!(
            shown.contains("JOB_FAILED") && !shown.contains("evil"),
            "{shown}"
        );
        for bad in [
            "javascript:alert(1)",
            "http://cdn.example/a.png",
            "https://127.0.0.1/a.png",
            "https://cdn.example/a.png?k=[REDACTED]",
        ] {
            let mut j = Job::new(APIFRAME, None, JobStatus::Succeeded, "COMPLETED");
            j.images.push(crate::job::Image {
                url: Some(bad.into()),
                expires_at: Some("<script>".into()),
                ..Default::default()
            });
            let shown = public_job(&j, false);
            assert_eq!(shown["status"], "failed", "{bad}");
            assert!(!shown.to_string().contains(bad), "{bad}");
        }
        // A route talking to a local stand-in passes its loopback URLs, and no other http.
        let mut local = Job::new(APIFRAME, None, JobStatus::Succeeded, "COMPLETED");
        for u in [
            "http://127.0.0.1:4010/sandbox/images/a.png",
            "http://cdn.evil.example/b.png",
        ] {
            local.images.push(crate::job::Image {
                url: Some(u.into()),
                ..Default::default()
            });
        }
        let shown = public_job(&local, true).to_string();
        assert!(
            shown.contains("127.0.0.1:4010") && !shown.contains("evil"),
            "{shown}"
        );
        assert!(public_partial(0, "iVBORw0K", "image/png", Some("1024x1024")).is_some());
        assert!(public_partial(0, "[REDACTED]", "image/png", None).is_none());
        assert_eq!(
            public_partial(0, "iVBO", "image/png", Some("<b>")).unwrap()["size"],
            Json::Null
        );
        assert!(!v.to_string().contains("raw-id") && !v.to_string().contains("COMPLETED"));
        let r = public_error(&Error::new(
            ErrorCode::Unauthorized,
            "Apiframe answered 401: Invalid API key afk_x",
        ));
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (502, Some("PROVIDER_ERROR"))
        );
        assert!(!r.body.to_string().contains("afk_x"));
        let mut limited = Error::new(ErrorCode::RateLimited, "x");
        limited.retry_after_ms = Some(2500);
        let r = public_error(&limited);
        assert_eq!((r.status, r.retry_after_secs), (429, Some(3)));
        assert_eq!(
            public_error(&Error::new(ErrorCode::BudgetExceeded, "x")).status,
            402
        );
        assert_eq!(
            public_error(&Error::invalid_request(
                OPENAI,
                vec![Issue::new("prompt", IssueCode::Empty, "blank")]
            ))
            .status,
            400
        );
    }

    fn body(v: Json) -> String {
        v.to_string()
    }

    fn policy(provider: Provider, allow: Json, defaults: Json, max: Option<f64>) -> Policy {
        Policy::new(
            provider,
            &allow,
            &defaults,
            max,
            PriceOptions::default(),
            ValidateOptions::default(),
        )
        .unwrap()
    }

    fn refused(r: Result<Prepared, Refusal>) -> (u16, String, Vec<String>) {
        let r = r.unwrap_err();
        let e = &r.body["error"];
        let issues = e
            .get("issues")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .map(|i| {
                        format!(
                            "{}:{}",
                            i["path"].as_str().unwrap(),
                            i["code"].as_str().unwrap()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        (r.status, e["code"].as_str().unwrap().to_string(), issues)
    }

    #[test]
    fn only_a_non_empty_string_names_a_principal() {
        assert_eq!(principal(&json!("user-42")), Some("user-42"));
        for no in [
            json!(""),
            json!(true),
            json!(false),
            json!(null),
            json!(7u64),
            json!({ "id": "x" }),
        ] {
            assert_eq!(principal(&no), None, "{no}");
        }
    }

    #[test]
    fn derivations_are_scoped_to_the_principal_and_unambiguous() {
        let a = idempotency_material("alice", "shared-key-123");
        let b = idempotency_material("bob", "shared-key-123");
        assert_ne!(a, b);
        // Moving a boundary never gives the same text.
        assert_ne!(
            idempotency_material("ab", "c"),
            idempotency_material("a", "bc")
        );
        assert_ne!(
            idempotency_material("a\n1:b", ""),
            idempotency_material("a", "b")
        );
        assert_ne!(principal_material("alice"), principal_material("bob"));
        assert_ne!(
            principal_material("alice"),
            idempotency_material("alice", "")
        );
        assert_eq!(
            provider_idempotency_key(&"ab".repeat(32)),
            format!("route-{}", "ab".repeat(20))
        );
    }

    #[test]
    fn the_allow_list_applies_to_the_request_as_sent() {
        // No quality sent: Apiframe would use `auto` (23 credits): refused.
        let p = policy(
            APIFRAME,
            json!({ "values": { "quality": ["low", "medium"] } }),
            json!(null),
            None,
        );
        let (status, code, issues) = refused(p.prepare(body(json!({ "prompt": "x" }))));
        assert_eq!(
            (status, code.as_str(), issues),
            (403, "FORBIDDEN", vec!["quality:not_allowed".to_string()])
        );
        // The owner's default fills it, and the price is of what is sent.
        let p = policy(
            APIFRAME,
            json!({ "values": { "quality": ["low", "medium"] } }),
            json!({ "quality": "low" }),
            Some(0.05),
        );
        let ok = p.prepare(body(json!({ "prompt": "x" }))).unwrap();
        assert_eq!(ok.request["quality"], "low");
        assert_eq!(
            (ok.estimate.credits, ok.estimate.usd),
            (Some(4), Some(0.04))
        );
        // A caller's own value still wins, and is still checked.
        let (status, _, issues) =
            refused(p.prepare(body(json!({ "prompt": "x", "quality": "high" }))));
        assert_eq!(
            (status, issues),
            (403, vec!["quality:not_allowed".to_string()])
        );
        let medium = p.prepare(body(
            json!({ "prompt": "x", "quality": "medium", "count": 2 }),
        ));
        let (status, code, _) = refused(medium);
        assert_eq!((status, code.as_str()), (402, "BUDGET_EXCEEDED"));
    }

    #[test]
    fn the_budget_prices_the_default_the_provider_would_use() {
        // No allow-list on quality, no default: Apiframe's `auto` is priced.
        let p = policy(APIFRAME, json!(null), json!(null), Some(0.1));
        let r = p.prepare(body(json!({ "prompt": "x" }))).unwrap_err();
        assert_eq!(r.status, 402);
        assert_eq!(r.body["estimate"]["credits"].as_u64(), Some(23));
    }

    #[test]
    fn the_owner_options_are_checked_at_setup() {
        let af = APIFRAME;
        let err = |allow: Json, defaults: Json| {
            Policy::new(
                af,
                &allow,
                &defaults,
                None,
                PriceOptions::default(),
                ValidateOptions::default(),
            )
            .unwrap_err()
            .message
            .clone()
        };
        assert!(
            err(json!({ "values": { "prompt": ["a"] } }), json!(null)).contains("no closed set")
        );
        assert!(err(json!({ "values": { "count": ["1"] } }), json!(null)).contains("no closed set"));
        assert!(
            err(json!({ "values": { "quality": ["ultra"] } }), json!(null)).contains("not `ultra`")
        );
        assert!(err(json!({ "values": { "quality": [] } }), json!(null)).contains("non-empty"));
        // Apiframe documents no default aspect ratio: the owner must choose one.
        assert!(
            err(json!({ "values": { "aspectRatio": ["1:1"] } }), json!(null))
                .contains("defaults.aspectRatio")
        );
        assert!(Policy::new(
            af,
            &json!({ "values": { "aspectRatio": ["1:1"] } }),
            &json!({ "aspectRatio": "1:1" }),
            None,
            PriceOptions::default(),
            ValidateOptions::default()
        )
        .is_ok());
        assert!(err(
            json!({ "values": { "quality": ["low"] } }),
            json!({ "quality": "high" })
        )
        .contains("outside"));
        assert!(err(json!(null), json!({ "quality": "ultra" })).contains("quality"));
        assert!(err(json!(null), json!({ "prompt": "x" })).contains("caller"));
        assert!(err(json!(null), json!([1])).contains("object"));
        // GPTImage2.ai has no quality at all.
        let g = Policy::new(
            GPTIMAGE2AI,
            &json!({ "values": { "quality": ["low"] } }),
            &json!(null),
            None,
            PriceOptions::default(),
            ValidateOptions::default(),
        );
        assert!(g.unwrap_err().message.contains("no closed set"));
    }

    #[test]
    fn bodies_are_refused_with_bounded_issue_lists() {
        let p = policy(APIFRAME, json!(null), json!(null), None);
        let (status, code, _) = refused(p.prepare("nope"));
        assert_eq!((status, code.as_str()), (400, "INVALID_REQUEST"));
        // Bad UTF-8 reads as U+FFFD, as TextDecoder reads it: a prompt, not a refusal.
        let ok = p.prepare(b"{\"prompt\":\"a \xff lighthouse\"}").unwrap();
        assert_eq!(ok.request["prompt"].as_str(), Some("a \u{fffd} lighthouse"));
        // Nested deeper than 128: not JSON to the route.
        let deep = format!(
            "{{\"prompt\":\"x\",\"extra\":{}1{}}}",
            "[".repeat(129),
            "]".repeat(129)
        );
        assert_eq!(refused(p.prepare(deep)).0, 400);
        let (status, _, _) = refused(p.prepare(body(json!([1, 2]))));
        assert_eq!(status, 400);
        // Thousands of keys, or of list items: refused once the parser passes 64.
        let many: Vec<(String, Json)> = (0..4800).map(|i| (format!("k{i}"), json!(1u64))).collect();
        let r = p
            .prepare(body(Json::Object(Map::from_pairs(many))))
            .unwrap_err();
        assert_eq!(r.status, 400);
        assert!(r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than 64"));
        let refs = format!(
            r#"{{"prompt":"x","references":[{}]}}"#,
            vec![r#""https://a.example/x.png""#; 5000].join(",")
        );
        assert_eq!(p.prepare(&refs).unwrap_err().status, 400);
        // Within the bound, unknown fields are listed (20, then one line counting the rest).
        let some: Vec<(String, Json)> = (0..60).map(|i| (format!("k{i}"), json!(1u64))).collect();
        let (status, _, issues) = refused(p.prepare(body(Json::Object(Map::from_pairs(some)))));
        assert_eq!((status, issues.len()), (400, 22), "{issues:?}");
    }

    #[test]
    fn limit_hook_outcomes() {
        assert_eq!(limit_outcome(&json!(true)), Ok(()));
        let r = limit_outcome(&json!({ "retryAfterMs": 1500u64 })).unwrap_err();
        assert_eq!((r.status, r.retry_after_secs), (429, Some(2)));
        assert_eq!(
            limit_outcome(&json!({ "retryAfterMs": 0u64 }))
                .unwrap_err()
                .retry_after_secs,
            Some(1)
        );
        assert_eq!(
            limit_outcome(&json!({ "reason": "budget" }))
                .unwrap_err()
                .status,
            402
        );
        for odd in [
            json!(false),
            json!(null),
            json!("yes"),
            json!({}),
            json!({ "retryAfterMs": -1.0 }),
            json!({ "reason": "other" }),
        ] {
            assert_eq!(limit_outcome(&odd).unwrap_err().status, 500, "{odd}");
        }
    }

    #[test]
    fn webhook_events_say_which_job_and_nothing_more() {
        let sent = json!({ "event": "completed", "jobId": "b2c3", "status": "COMPLETED" });
        let e = webhook_event(APIFRAME, &sent).unwrap();
        assert_eq!(
            e,
            json!({ "provider": "apiframe", "jobId": "b2c3", "event": sent })
        );
        assert!(webhook_event(APIFRAME, &json!({ "event": "completed" })).is_none());
    }

    #[test]
    fn event_stream_is_asked_for_by_accept() {
        for yes in [
            "text/event-stream",
            "Text/Event-Stream",
            "application/json, text/event-stream;q=0.5",
            "text/event-stream; charset=utf-8",
            "text/event-stream;q=1",
        ] {
            assert!(wants_event_stream(Some(yes)), "{yes}");
        }
        for no in [
            "",
            "*/*",
            "application/json",
            "text/event-streams",
            "text/event-stream;q=0",
            "text/event-stream; q=0.000",
            "text/html, text/event-stream ;q=0.0",
        ] {
            assert!(!wants_event_stream(Some(no)), "{no}");
        }
        assert!(!wants_event_stream(None));
    }

    #[test]
    fn stream_errors_carry_the_public_error_and_its_status() {
        let e = Error::new(ErrorCode::JobFailed, "afk_secret... failed");
        let ev = error_event(&e);
        assert_eq!(ev.get("status").and_then(Json::as_u64), Some(422));
        let err = ev.get("error").unwrap();
        assert_eq!(err.get("code").and_then(Json::as_str), Some("JOB_FAILED"));
        assert_eq!(
            err.get("message").and_then(Json::as_str),
            Some("the image could not be made")
        );
        let mut limited = Error::new(ErrorCode::RateLimited, "slow down");
        limited.retry_after_ms = Some(2500);
        assert_eq!(
            error_event(&limited)
                .get("retryAfterSecs")
                .and_then(Json::as_u64),
            Some(3)
        );
    }
}
