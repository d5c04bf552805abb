//! The provider-neutral image request and its validation.
//!
//! Input is any JSON value (it comes from JavaScript, so anything is
//! possible); validation reports every problem at once and, when there are no
//! errors, yields a typed [`ImageRequest`] whose values are known to be allowed.

use crate::assumptions as assumed;
use crate::image::DataUrl;
use crate::issue::{Issue, IssueCode};
use crate::json;
use crate::json::{number_text, Json, Map};
use crate::provider::{Field, Limits, Model, ModelChoice, Provider, SizeRules, Surface};
use crate::text::{list, push_list};
use crate::url::{self, UrlProblem};
use std::borrow::Cow;

/// An OpenAI `size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Let the model choose.
    Auto,
    /// Width and height in pixels.
    Exact(u32, u32),
}

impl Size {
    /// `"auto"` or `"WxH"`.
    pub fn to_wire(self) -> String {
        match self {
            Size::Auto => "auto".to_string(),
            Size::Exact(w, h) => format!("{w}x{h}"),
        }
    }
}

/// The size asked for (and priced by): `size`, or one derived from
/// `aspectRatio`/`resolution` by the model's size rules, or `auto` when none
/// is given (or the model has no size rules).
pub fn effective_size(req: &ImageRequest) -> Size {
    if let Some(size) = req.size {
        return size;
    }
    let Some(rules) = req.limits.size else {
        return Size::Auto;
    };
    if req.aspect_ratio.is_none() && req.resolution.is_none() {
        return Size::Auto;
    }
    let ratio = req.aspect_ratio.unwrap_or("1:1");
    let scale = if req.resolution == Some("2K") { 2 } else { 1 };
    rules
        .ratio_sizes_1k
        .iter()
        .find(|(r, _, _)| *r == ratio)
        .map_or(Size::Auto, |(_, w, h)| Size::Exact(w * scale, h * scale))
}

/// A validated request: every value is one the chosen provider accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageRequest {
    /// The prompt, trimmed.
    pub prompt: String,
    /// The model id sent to the provider.
    pub model: String,
    /// The model whose rules and tariff the request was judged by (for an
    /// unlisted id of the provider's family, the newest listed model).
    pub rules: &'static Model,
    /// The fields, values and limits it was judged by: the model's, or those
    /// of the provider's API it goes to, where the provider has several.
    pub limits: &'static Limits,
    /// That API, where the provider has several.
    pub surface: Option<&'static Surface>,
    /// Reference images (https or `data:` URLs); non-empty means edit or compose.
    pub references: Vec<String>,
    /// OpenAI: a PNG whose transparent pixels mark where to edit the first reference.
    pub mask: Option<String>,
    /// OpenAI edits: `high` or `low`.
    pub input_fidelity: Option<&'static str>,
    /// OpenAI: the end user's id, for its abuse monitoring.
    pub user: Option<String>,
    /// Aspect ratio such as `3:2`.
    pub aspect_ratio: Option<&'static str>,
    /// OpenAI size.
    pub size: Option<Size>,
    /// `1K` or `2K`.
    pub resolution: Option<&'static str>,
    /// `low`, `medium`, `high` or `auto`.
    pub quality: Option<&'static str>,
    /// `png`, `jpeg` or `webp`.
    pub output_format: Option<&'static str>,
    /// 0..100, jpeg/webp only.
    pub output_compression: Option<u8>,
    /// `auto`, `opaque`, or (OpenAI, png or webp) `transparent`.
    pub background: Option<&'static str>,
    /// `auto` or `low`.
    pub moderation: Option<&'static str>,
    /// Number of images (absent means 1).
    pub count: Option<u32>,
    /// GPTImage2.ai style preset slug.
    pub style: Option<String>,
    /// GPTImage2.ai lighting hint.
    pub lighting: Option<String>,
    /// GPTImage2.ai camera hint.
    pub camera: Option<String>,
    /// GPTImage2.ai avoid list.
    pub negative: Option<String>,
    /// Apiframe webhook receiver.
    pub webhook_url: Option<String>,
}

impl ImageRequest {
    /// The number of images asked for.
    pub fn images(&self) -> u32 {
        self.count.unwrap_or(1)
    }
}

/// How strictly to validate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Treat fields the provider lacks as errors instead of warnings.
    pub strict: bool,
    /// Accept http and loopback/private hosts in URLs (local development).
    pub allow_local_urls: bool,
    /// The API the request goes to, where the provider has several (`None`:
    /// its default one).
    pub surface: Option<&'static Surface>,
}

/// The outcome of validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// Problems that stop the request.
    pub errors: Vec<Issue>,
    /// Problems worth telling (fields that will not be sent).
    pub warnings: Vec<Issue>,
    /// The typed request, present exactly when there are no errors.
    pub request: Option<ImageRequest>,
}

impl Validation {
    /// Whether the request can be sent.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `{ ok, errors, warnings }`
    pub fn to_json(&self) -> Json {
        json!({
            "ok": self.ok(),
            "errors": crate::json::Json::Array(self.errors.iter().map(Issue::to_json).collect()),
            "warnings": crate::json::Json::Array(self.warnings.iter().map(Issue::to_json).collect()),
        })
    }
}

/// Validate `input` for `provider`, reporting every problem at once.
pub fn validate(provider: Provider, input: &Json, opts: ValidateOptions) -> Validation {
    let surface = opts.surface.or_else(|| provider.surface(None));
    let mut v = Validator {
        provider,
        rules: provider.default_model(),
        surface,
        edit: false,
        opts,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let request = match input {
        Json::Object(map) => v.request(map),
        other => {
            v.error(
                "",
                IssueCode::InvalidType,
                format!("the request must be an object, got {}", other.kind()),
            );
            None
        }
    };
    let request = if v.errors.is_empty() { request } else { None };
    Validation {
        errors: v.errors,
        warnings: v.warnings,
        request,
    }
}

struct Validator {
    provider: Provider,
    /// The model whose rules apply (the one the request names, once read).
    rules: &'static Model,
    /// The provider's API the request goes to, where it has several: its
    /// limits replace the model's.
    surface: Option<&'static Surface>,
    /// Whether the request is an edit (it gives references).
    edit: bool,
    opts: ValidateOptions,
    errors: Vec<Issue>,
    warnings: Vec<Issue>,
}

/// `8294400` as `8,294,400`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Unknown fields reported one by one; past this, one issue counts the rest.
pub const MAX_UNKNOWN_FIELDS: usize = 20;

/// The length JavaScript reports (`string.length`), which is what providers count.
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Whether `s` is longer than `max` in UTF-16 units. A string counts no more
/// units than bytes, so most strings are settled by their byte length.
fn js_longer_than(s: &str, max: usize) -> bool {
    s.len() > max && js_len(s) > max
}

/// A neutral field name for a common name from a provider's own API.
fn suggestion(name: &str) -> Option<&'static str> {
    let known = match name {
        "aspect_ratio" | "ratio" | "aspect" => "aspectRatio",
        "output_format" | "format" => "outputFormat",
        "output_compression" | "compression" => "outputCompression",
        "n" | "number_of_images" | "num_images" | "numberOfImages" | "images_count" => "count",
        "images" | "image" | "image_urls" | "imageUrls" | "input_images" | "inputImages"
        | "reference_images" | "referenceImages" | "refs" => "references",
        "webhook_url" | "webhook" | "callbackUrl" | "callback_url" => "webhookUrl",
        "negative_prompt" | "negativePrompt" => "negative",
        _ => "",
    };
    if !known.is_empty() {
        return Some(known);
    }
    // snake_case spelling of a neutral field, or a case slip.
    let camel: String = {
        let mut out = String::new();
        let mut upper = false;
        for c in name.chars() {
            if c == '_' || c == '-' {
                upper = true;
            } else if upper {
                out.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    };
    Field::ALL
        .into_iter()
        .map(Field::name)
        .find(|f| f.eq_ignore_ascii_case(&camel))
}

/// Where an issue is: a field, or one of the references (whose path is only
/// written out when there is an issue to report).
#[derive(Clone, Copy)]
enum At {
    Field(&'static str),
    Reference(usize),
}

impl At {
    fn path(self) -> Cow<'static, str> {
        match self {
            At::Field(name) => Cow::Borrowed(name),
            At::Reference(i) => Cow::Owned(format!("references[{i}]")),
        }
    }
}

impl Validator {
    fn error(&mut self, path: &'static str, code: IssueCode, message: String) {
        self.error_at(At::Field(path), code, message);
    }

    fn error_at(&mut self, at: At, code: IssueCode, message: String) {
        self.push_error(Issue::new(at.path(), code, message));
    }

    fn push_error(&mut self, issue: Issue) {
        if self.errors.capacity() == 0 {
            self.errors.reserve(8); // one allocation for the usual handful
        }
        self.errors.push(issue);
    }

    fn request(&mut self, map: &Map) -> Option<ImageRequest> {
        // Each field's value as written (null included), found in one pass.
        let mut written: [Option<&Json>; Field::ALL.len()] = [None; Field::ALL.len()];
        let mut unknown = 0;
        for (key, value) in map.iter() {
            if let Some(field) = Field::from_name(key) {
                written[field as usize] = Some(value);
            } else {
                unknown += 1;
                if unknown > MAX_UNKNOWN_FIELDS {
                    continue;
                }
                let message = match (key.as_str(), suggestion(key)) {
                    ("mode", _) => {
                        "the mode follows from `references` (non-empty means edit); remove this field"
                            .to_string()
                    }
                    (_, Some(s)) => format!("not a field of the request; did you mean `{s}`?"),
                    (_, None) => "not a field of the request".to_string(),
                };
                self.push_error(Issue::new(key.clone(), IssueCode::UnknownField, message));
            }
        }
        if unknown > MAX_UNKNOWN_FIELDS {
            // A body of thousands of keys is an attack or a mistake: one
            // line says how many more, instead of one issue each.
            self.error(
                "",
                IssueCode::UnknownField,
                format!(
                    "{} more fields that are not fields of the request",
                    unknown - MAX_UNKNOWN_FIELDS
                ),
            );
        }
        // Present fields, null meaning absent; unsupported ones are reported
        // here and left out of the typed request.
        // A field given: written and not null (null means absent).
        let given_value = |f: Field| written[f as usize].filter(|v| !v.is_null());
        // The model first: its rules judge every other field.
        let model = self.model(given_value(Field::Model));
        self.edit = given_value(Field::References)
            .and_then(Json::as_array)
            .is_some_and(|a| !a.is_empty());
        let mut present = |field: Field| -> Option<&Json> {
            let value = given_value(field)?;
            if self.supports(field) {
                return Some(value);
            }
            let name = self.where_words();
            let f = field.name();
            let on_edits = if self.edit && self.generation_supports(field) {
                " on edits"
            } else {
                ""
            };
            // Leaving out images would make another picture than asked: always refused.
            if self.opts.strict || matches!(field, Field::References | Field::Mask) {
                self.error(
                    f,
                    IssueCode::Unsupported,
                    format!("{name} has no `{f}` setting{on_edits}; remove it"),
                );
            } else if !on_edits.is_empty() {
                self.warnings.push(Issue::new(
                    f,
                    IssueCode::Unsupported,
                    format!("{name} has no `{f}` setting on edits; it will not be sent"),
                ));
            } else {
                self.warnings.push(Issue::new(
                    f,
                    IssueCode::Unsupported,
                    format!("{name} has no `{f}` setting; it will not be sent"),
                ));
            }
            None
        };
        let prompt_v = given_value(Field::Prompt);
        let references_v = present(Field::References);
        let mask_v = present(Field::Mask);
        let fidelity_v = present(Field::InputFidelity);
        let user_v = present(Field::User);
        let aspect_v = present(Field::AspectRatio);
        let size_v = present(Field::Size);
        let resolution_v = present(Field::Resolution);
        let quality_v = present(Field::Quality);
        let format_v = present(Field::OutputFormat);
        let compression_v = present(Field::OutputCompression);
        let background_v = present(Field::Background);
        let moderation_v = present(Field::Moderation);
        let count_v = present(Field::Count);
        let style_v = present(Field::Style);
        let lighting_v = present(Field::Lighting);
        let camera_v = present(Field::Camera);
        let negative_v = present(Field::Negative);
        let webhook_v = present(Field::WebhookUrl);

        let limits = self.limits();
        let prompt = self.prompt(prompt_v, limits.prompt_max);
        let references = references_v
            .map(|v| self.references(v, limits.references_max))
            .unwrap_or_default();
        let mask = mask_v.and_then(|v| self.image(At::Field("mask"), v, limits.mask_max_bytes));
        let input_fidelity =
            fidelity_v.and_then(|v| self.one_of("inputFidelity", v, limits.input_fidelities));
        let user = user_v.and_then(|v| self.user(v));
        let aspect_ratio =
            aspect_v.and_then(|v| self.one_of("aspectRatio", v, limits.aspect_ratios));
        let size = size_v.and_then(|v| limits.size.and_then(|rules| self.size(v, rules)));
        let resolution =
            resolution_v.and_then(|v| self.one_of("resolution", v, limits.resolutions));
        let quality = quality_v.and_then(|v| self.one_of("quality", v, limits.qualities));
        let output_format =
            format_v.and_then(|v| self.one_of("outputFormat", v, limits.output_formats));
        let output_compression = compression_v
            .and_then(|v| self.integer("outputCompression", v, 0, 100))
            .map(|n| n as u8);
        let background = background_v.and_then(|v| self.background(v, limits.backgrounds));
        let moderation =
            moderation_v.and_then(|v| self.one_of("moderation", v, limits.moderations));
        let count = count_v.and_then(|v| self.integer("count", v, limits.count.0, limits.count.1));
        let style = style_v.and_then(|v| self.style(v));
        let lighting = lighting_v.and_then(|v| self.hint("lighting", v));
        let camera = camera_v.and_then(|v| self.hint("camera", v));
        let negative = negative_v.and_then(|v| self.hint("negative", v));
        let webhook_url = webhook_v.and_then(|v| self.url(At::Field("webhookUrl"), v));

        // Conflicts are judged on the request as written: these settings
        // contradict each other whichever provider receives them.
        let given = |f: Field| given_value(f).is_some();
        if given(Field::Size) && (given(Field::AspectRatio) || given(Field::Resolution)) {
            self.error(
                "size",
                IssueCode::Conflict,
                "give either `size` or `aspectRatio`/`resolution`, not both".to_string(),
            );
        }
        let references_given = given_value(Field::References)
            .and_then(Json::as_array)
            .is_some_and(|a| !a.is_empty());
        for f in [Field::Mask, Field::InputFidelity] {
            if given(f) && self.supports(f) && !references_given {
                self.error(
                    f.name(),
                    IssueCode::Conflict,
                    format!("`{}` applies to edits: give `references` too", f.name()),
                );
            }
        }
        let written_str = |f: Field| written[f as usize].and_then(Json::as_str);
        if written_str(Field::Background) == Some("transparent") && self.supports(Field::Background)
        {
            let format = written_str(Field::OutputFormat);
            if format == Some("jpeg") {
                self.error(
                    "background",
                    IssueCode::Conflict,
                    "a transparent background needs `outputFormat` png or webp, not jpeg"
                        .to_string(),
                );
            }
        }
        if let (Some(first), Some(m)) = (references.first(), mask.as_deref()) {
            self.mask_matches(first, m);
        }
        if given(Field::OutputCompression) {
            let format = written_str(Field::OutputFormat);
            if !matches!(format, Some("jpeg" | "webp")) {
                let got = match format {
                    Some(f) => format!("`outputFormat` is {f}"),
                    None => "no jpeg or webp `outputFormat` is given".to_string(),
                };
                self.error(
                    "outputCompression",
                    IssueCode::Conflict,
                    format!("`outputCompression` applies only to jpeg or webp, but {got}"),
                );
            }
        }

        let req = ImageRequest {
            prompt: prompt?,
            model,
            rules: self.rules,
            limits: self.limits(),
            surface: self.surface,
            references,
            mask,
            input_fidelity,
            user,
            aspect_ratio,
            size,
            resolution,
            quality,
            output_format,
            output_compression,
            background,
            moderation,
            count: count.map(|n| n as u32),
            style,
            lighting,
            camera,
            negative,
            webhook_url,
        };
        // What only this provider's API forbids.
        let mut issues = Vec::new();
        if let Some(check) = self.provider.spec().check {
            check(self.provider, &req, self.surface, &mut issues);
        }
        for issue in issues {
            self.push_error(issue);
        }
        Some(req)
    }

    /// The fields, values and limits that judge the request: those of the
    /// provider's API where it has several, else the model's.
    fn limits(&self) -> &'static Limits {
        self.surface.map_or(self.rules.limits, |s| s.limits)
    }

    /// Whether a generation takes `field`.
    fn generation_supports(&self, field: Field) -> bool {
        self.limits().fields.contains(&field)
    }

    /// Whether the request takes `field` (an edit: where edits take fewer fields, those).
    fn supports(&self, field: Field) -> bool {
        match self.limits().edit_fields {
            Some(fields) if self.edit => fields.contains(&field),
            _ => self.generation_supports(field),
        }
    }

    /// The provider, and its API where it has several, for messages.
    fn where_words(&self) -> String {
        match self.surface {
            Some(s) => format!("{} ({})", self.provider.display_name(), s.about),
            None => self.provider.display_name().to_string(),
        }
    }

    /// The model the request names (its provider's default when none): the id
    /// to send, with its rules now the validator's. An id of the provider's
    /// family that this package does not list is judged by the newest listed
    /// model's rules, with a warning (an error when strict).
    fn model(&mut self, v: Option<&Json>) -> String {
        let p = self.provider;
        let default = p.default_model();
        let Some(v) = v else {
            return default.wire_id.to_string();
        };
        let Some(id) = self.string(At::Field("model"), v) else {
            return default.wire_id.to_string();
        };
        let offered = || {
            let ids: Vec<&str> = p.spec().models.iter().map(|m| m.id).collect();
            list(&ids)
        };
        match p.model(id) {
            ModelChoice::Listed(m) => {
                self.rules = m;
                m.wire_id.to_string()
            }
            ModelChoice::Unlisted(m) => {
                self.rules = m;
                let prefix = p.spec().model_family.map_or("", |f| f.wire_prefix);
                let message = format!(
                    "\"{id}\" is not a {} model this package knows ({}); it is judged by {}'s rules and priced at its published token rates, as an estimate",
                    p.display_name(),
                    offered(),
                    m.id
                );
                let issue = Issue::new("model", IssueCode::UnlistedModel, message);
                if self.opts.strict {
                    self.push_error(issue);
                } else {
                    self.warnings.push(issue);
                }
                format!("{prefix}{id}")
            }
            ModelChoice::Unknown => {
                let message = format!(
                    "\"{id}\" is not a model {} sells; use one of {}",
                    p.display_name(),
                    offered()
                );
                self.error("model", IssueCode::NotAllowed, message);
                default.wire_id.to_string()
            }
        }
    }

    fn string<'a>(&mut self, path: At, v: &'a Json) -> Option<&'a str> {
        match v {
            Json::String(s) => Some(s),
            other => {
                self.error_at(
                    path,
                    IssueCode::InvalidType,
                    format!("`{}` must be a string, got {}", path.path(), other.kind()),
                );
                None
            }
        }
    }

    fn prompt(&mut self, v: Option<&Json>, max: usize) -> Option<String> {
        let Some(v) = v else {
            self.error(
                "prompt",
                IssueCode::Required,
                "a prompt is required".to_string(),
            );
            return None;
        };
        let s = self.string(At::Field("prompt"), v)?.trim();
        if s.is_empty() {
            self.error(
                "prompt",
                IssueCode::Empty,
                "the prompt is blank".to_string(),
            );
            return None;
        }
        if js_longer_than(s, max) {
            let len = js_len(s);
            self.error(
                "prompt",
                IssueCode::TooLong,
                format!(
                    "the prompt has {len} characters; {} accepts at most {max}",
                    self.provider.display_name()
                ),
            );
            return None;
        }
        Some(s.to_string())
    }

    fn one_of(
        &mut self,
        path: &'static str,
        v: &Json,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        let s = self.string(At::Field(path), v)?;
        if let Some(found) = allowed.iter().find(|a| **a == s) {
            return Some(found);
        }
        let mut message = format!(
            "\"{s}\" is not allowed for {}; use one of ",
            self.provider.display_name()
        );
        push_list(&mut message, allowed);
        self.error(path, IssueCode::NotAllowed, message);
        None
    }

    fn background(&mut self, v: &Json, allowed: &[&'static str]) -> Option<&'static str> {
        if v.as_str() == Some("transparent") && !allowed.contains(&"transparent") {
            self.error(
                "background",
                IssueCode::NotAllowed,
                format!(
                    "{} has no transparent backgrounds for GPT Image 2; use one of {}",
                    self.provider.display_name(),
                    list(allowed)
                ),
            );
            return None;
        }
        self.one_of("background", v, allowed)
    }

    fn integer(&mut self, path: &'static str, v: &Json, min: u32, max: u32) -> Option<u64> {
        let Json::Number(n) = v else {
            self.error(
                path,
                IssueCode::InvalidType,
                format!("`{path}` must be a number, got {}", v.kind()),
            );
            return None;
        };
        let f = *n;
        if f.fract() != 0.0 || !f.is_finite() {
            self.error(
                path,
                IssueCode::NotInteger,
                format!("`{path}` must be a whole number, got {}", number_text(*n)),
            );
            return None;
        }
        if f < f64::from(min) || f > f64::from(max) {
            self.error(
                path,
                IssueCode::OutOfRange,
                format!(
                    "`{path}` must be between {min} and {max} for {}, got {}",
                    self.provider.display_name(),
                    number_text(*n)
                ),
            );
            return None;
        }
        Some(f as u64)
    }

    fn size(&mut self, v: &Json, rules: &SizeRules) -> Option<Size> {
        let s = self.string(At::Field("size"), v)?;
        if s == "auto" {
            return Some(Size::Auto);
        }
        let parsed = s.split_once('x').and_then(|(w, h)| {
            let digits = |t: &str| {
                !t.is_empty()
                    && !t.starts_with('0')
                    && t.len() <= 6
                    && t.bytes().all(|b| b.is_ascii_digit())
            };
            if digits(w) && digits(h) {
                let n = |t: &str| crate::json::parse_digits(t).and_then(|n| u32::try_from(n).ok());
                Some((n(w)?, n(h)?))
            } else {
                None
            }
        });
        let Some((w, h)) = parsed else {
            self.error(
                "size",
                IssueCode::NotAllowed,
                format!(
                    "\"{s}\" is not a size; use \"auto\" or \"WIDTHxHEIGHT\" such as \"1024x1024\""
                ),
            );
            return None;
        };
        if !rules.only.is_empty() {
            if rules.only.contains(&(w, h)) {
                return Some(Size::Exact(w, h));
            }
            let mut sizes = vec!["\"auto\"".to_string()];
            sizes.extend(rules.only.iter().map(|(w, h)| format!("\"{w}x{h}\"")));
            self.error(
                "size",
                IssueCode::NotAllowed,
                format!(
                    "\"{s}\" is not a size {} takes; use one of {}",
                    self.where_words(),
                    sizes.join(", ")
                ),
            );
            return None;
        }
        let before = self.errors.len();
        let mut bad = |message: String| self.error("size", IssueCode::OutOfRange, message);
        let m = rules.multiple_of;
        if w % m != 0 || h % m != 0 {
            bad(format!("both edges must be multiples of {m}, got {w}x{h}"));
        }
        if w.max(h) > rules.max_edge {
            bad(format!(
                "the longest edge may be at most {}, got {}",
                rules.max_edge,
                w.max(h)
            ));
        }
        let (long, short) = (u64::from(w.max(h)), u64::from(w.min(h)));
        let r = rules.max_ratio;
        if long > u64::from(r) * short {
            bad(format!(
                "the ratio of the edges must be within 1:{r} and {r}:1, got {w}x{h}"
            ));
        }
        let pixels = u64::from(w) * u64::from(h);
        if !(rules.min_pixels..=rules.max_pixels).contains(&pixels) {
            bad(format!(
                "the image must have between {} and {} pixels, got {pixels}",
                thousands(rules.min_pixels),
                thousands(rules.max_pixels)
            ));
        }
        (self.errors.len() == before).then_some(Size::Exact(w, h))
    }

    fn references(&mut self, v: &Json, max: usize) -> Vec<String> {
        let Json::Array(items) = v else {
            self.error(
                "references",
                IssueCode::InvalidType,
                format!("`references` must be an array of URLs, got {}", v.kind()),
            );
            return Vec::new();
        };
        if items.len() > max {
            self.error(
                "references",
                IssueCode::TooMany,
                format!(
                    "{} accepts at most {max} reference images, got {}",
                    self.provider.display_name(),
                    items.len()
                ),
            );
        }
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                self.image(At::Reference(i), item, crate::multipart::MAX_IMAGE_BYTES)
            })
            .collect::<Vec<_>>()
    }

    /// An image: an https URL, or a `data:` URL of at most `max_bytes`.
    fn image(&mut self, path: At, v: &Json, max_bytes: usize) -> Option<String> {
        let s = self.string(path, v)?;
        match DataUrl::parse(s) {
            None => self.url(path, v),
            Some(Err(why)) => {
                self.error_at(path, IssueCode::InvalidUrl, why);
                None
            }
            Some(Ok(d)) if d.decoded_len() > max_bytes => {
                self.error_at(
                    path,
                    IssueCode::TooLong,
                    format!(
                        "the image has {} bytes; at most {max_bytes} are accepted",
                        d.decoded_len()
                    ),
                );
                None
            }
            Some(Ok(_)) => Some(s.to_string()),
        }
    }

    /// A mask given as bytes must be a PNG that can hold transparency, and
    /// (when the first reference is a PNG given as bytes too) the same size.
    fn mask_matches(&mut self, first: &str, mask: &str) {
        let Some(Ok(m)) = DataUrl::parse(mask) else {
            return; // a URL: the provider checks it
        };
        let bytes = m.bytes().unwrap_or_default();
        let Some((w, h, _)) = crate::image::png_header(&bytes) else {
            self.error(
                "mask",
                IssueCode::NotAllowed,
                "the mask must be a PNG".into(),
            );
            return;
        };
        if !crate::image::png_has_alpha(&bytes) {
            self.error(
                "mask",
                IssueCode::NotAllowed,
                "the mask must have an alpha channel: its fully transparent pixels mark where to edit".into(),
            );
        }
        let first_size = DataUrl::parse(first)
            .and_then(Result::ok)
            .and_then(|d| d.head(33))
            .and_then(|head| crate::image::png_header(&head));
        if let Some((fw, fh, _)) = first_size {
            if (fw, fh) != (w, h) {
                self.error(
                    "mask",
                    IssueCode::Conflict,
                    format!("the mask is {w}x{h}, the first reference {fw}x{fh}: they must match"),
                );
            }
        }
    }

    fn user(&mut self, v: &Json) -> Option<String> {
        let s = self.string(At::Field("user"), v)?.trim();
        if s.is_empty() {
            self.error("user", IssueCode::Empty, "the user id is blank".into());
            return None;
        }
        if js_longer_than(s, assumed::USER_MAX) {
            self.error(
                "user",
                IssueCode::TooLong,
                format!(
                    "the user id may have at most {} characters",
                    assumed::USER_MAX
                ),
            );
            return None;
        }
        Some(s.to_string())
    }

    fn url(&mut self, path: At, v: &Json) -> Option<String> {
        let s = self.string(path, v)?;
        if js_longer_than(s, assumed::URL_MAX) {
            self.error_at(
                path,
                IssueCode::TooLong,
                format!("the URL is longer than {} characters", assumed::URL_MAX),
            );
            return None;
        }
        match url::check(s, self.opts.allow_local_urls) {
            Ok(_) => Some(s.to_string()),
            Err(UrlProblem::Invalid(why)) => {
                self.error_at(
                    path,
                    IssueCode::InvalidUrl,
                    format!("not a valid URL: {why}"),
                );
                None
            }
            Err(UrlProblem::Insecure(why)) => {
                self.error_at(path, IssueCode::InsecureUrl, format!("unsafe URL: {why}"));
                None
            }
        }
    }

    fn text(&mut self, path: &'static str, v: &Json, max: usize) -> Option<String> {
        let s = self.string(At::Field(path), v)?.trim();
        if s.is_empty() {
            self.error(path, IssueCode::Empty, format!("`{path}` is blank"));
            return None;
        }
        if js_longer_than(s, max) {
            self.error(
                path,
                IssueCode::TooLong,
                format!("`{path}` may have at most {max} characters"),
            );
            return None;
        }
        Some(s.to_string())
    }

    fn hint(&mut self, path: &'static str, v: &Json) -> Option<String> {
        self.text(path, v, assumed::HINT_MAX)
    }

    fn style(&mut self, v: &Json) -> Option<String> {
        let s = self.text("style", v, assumed::STYLE_MAX)?;
        let slug = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug {
            self.error(
                "style",
                IssueCode::NotAllowed,
                format!(
                    "\"{s}\" is not a style preset slug (lower-case letters, digits and hyphens, such as \"studio-product\")"
                ),
            );
            return None;
        }
        Some(s)
    }
}
