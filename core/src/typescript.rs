//! The TypeScript names the package's types take from the Rust: provider
//! ids, the models each provider sells, request fields and their values,
//! error and issue codes, route event names. `make pkg` writes them into
//! `generated.d.ts` (`cargo run -p gpt-image-core --example typescript`);
//! the hand-written declarations import them, so they cannot drift.

use crate::error::ErrorCode;
use crate::issue::IssueCode;
use crate::provider::{Field, Limits, Provider, Webhooks};

/// Reads one closed-set field's values out of a model's limits.
type Pick = fn(&Limits) -> &'static [&'static str];

fn union(values: &[&str]) -> String {
    if values.is_empty() {
        return "never".to_string();
    }
    let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    quoted.join(" | ")
}

/// Every value of one closed-set field across every model of every provider,
/// in first-seen order.
fn values_of(pick: Pick) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for p in Provider::all() {
        let models = p.spec().models.iter().map(|m| m.limits);
        let surfaces = p.setup().surfaces.iter().map(|s| s.limits);
        for limits in models.chain(surfaces) {
            for v in pick(limits) {
                if !out.contains(v) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// What each provider's client options need beyond the common ones: its
/// id, its key (optional where a header can carry the credential instead),
/// a base URL where it has no shared one, and its settings.
fn provider_options() -> String {
    let mut out = String::from("export interface ProviderOptions {\n");
    for p in Provider::all() {
        let setup = p.setup();
        out.push_str(&format!(
            "  {}: {{\n    provider: \"{}\";\n",
            p.id(),
            p.id()
        ));
        match setup.auth_alternatives.first() {
            Some(h) => out.push_str(&format!(
                "    /** Keep it on the server. Optional when `headers` carries `{h}` instead. */\n    apiKey?: string;\n"
            )),
            None => out.push_str("    /** Keep it on the server: in a browser the constructor throws BROWSER_KEY. */\n    apiKey: string;\n"),
        }
        if setup.base_url_required {
            out.push_str(&format!(
                "    /** Required: {} has no shared API root ({}). */\n    baseUrl: string;\n",
                p.display_name(),
                p.default_base_url()
            ));
        }
        for s in setup.settings {
            let (optional, default) = match s.default {
                Some(d) => ("?", format!(" Default \"{d}\".")),
                None => ("", " Required.".to_string()),
            };
            out.push_str(&format!(
                "    /** {}{}.{default} */\n    {}{optional}: string;\n",
                s.about[..1].to_uppercase(),
                &s.about[1..],
                s.name
            ));
        }
        out.push_str("  };\n");
    }
    out.push('}');
    out
}

/// `verifyWebhook`'s options, one member per way of signing, each naming
/// the providers that sign that way.
fn webhook_options() -> String {
    let schemes: [(Webhooks, &str); 3] = [
        (
            Webhooks::HmacOfKeyDigest,
            concat!(
                "  /** An HMAC of the body keyed with your API key (`X-Webhook-Signature`): pass it as `signature`, or the request's `headers`. */\n",
                "  apiKey: string;\n  body: WebhookBody;\n  signature?: string | null;\n  headers?: WebhookHeaders;\n",
            ),
        ),
        (
            Webhooks::StandardWebhooks,
            concat!(
                "  /** Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`): your account's signing secret, `whsec_…`. */\n",
                "  secret: string;\n  body: WebhookBody;\n  headers: WebhookHeaders;\n",
            ),
        ),
        (
            Webhooks::Ed25519Jwks,
            concat!(
                "  /** Ed25519 (`X-Fal-Webhook-Request-Id`, `-User-Id`, `-Timestamp`, `-Signature`) by a key of this JWKS; left out, fal's own, fetched and kept an hour. */\n",
                "  jwks?: { keys: Record<string, unknown>[] };\n  body: WebhookBody;\n  headers: WebhookHeaders;\n",
            ),
        ),
    ];
    let mut members = Vec::new();
    for (scheme, fields) in schemes {
        let ids: Vec<&str> = Provider::all()
            .iter()
            .filter(|p| p.webhooks() == scheme)
            .map(|p| p.id())
            .collect();
        if !ids.is_empty() {
            members.push(format!(
                "{{
  provider: {};
{fields}}}",
                union(&ids)
            ));
        }
    }
    format!(
        "export type WebhookVerifyOptions =\n  | {};",
        members.join("\n  | ")
    )
}

/// The declarations, as `generated.d.ts` holds them.
pub fn declarations() -> String {
    let mut out = String::from(
        "// Generated from the Rust core (core/src/typescript.rs) when the package is built: do not edit.\n\n",
    );
    let mut push = |doc: &str, decl: String| {
        out.push_str(&format!("/** {doc} */\n{decl}\n\n"));
    };
    let ids: Vec<&str> = Provider::all().iter().map(|p| p.id()).collect();
    push(
        "Every provider this package speaks to.",
        format!("export type ProviderId = {};", union(&ids)),
    );
    let mut models = String::from("export interface ProviderModels {\n");
    for p in Provider::all() {
        let m: Vec<&str> = p.spec().models.iter().map(|m| m.id).collect();
        models.push_str(&format!("  {}: {};\n", p.id(), union(&m)));
    }
    models.push('}');
    push("The models each provider sells, its default first.", models);
    let mut family = String::from("ProviderModels[ProviderId]");
    let mut prefixes: Vec<&str> = Vec::new();
    for p in Provider::all() {
        if let Some(f) = p.spec().model_family {
            if !prefixes.contains(&f.prefix) {
                prefixes.push(f.prefix);
                family.push_str(&format!(" | `{}${{string}}`", f.prefix));
            }
        }
    }
    push(
        "A model a provider sells (where a provider takes newer ids of a family, those too, with a warning).",
        format!("export type ModelId = {family};"),
    );
    push(
        "What each provider's options need beyond the common ones (see `ImageClientOptions`).",
        provider_options(),
    );
    let mut surface = String::from("export interface SurfaceSettings {\n");
    for p in Provider::all() {
        let setup = p.setup();
        if let Some(s) = setup
            .settings
            .iter()
            .find(|s| s.name == setup.surface_setting)
        {
            surface.push_str(&format!(
                "  /** {}: {}. */\n  {}?: string;\n",
                p.display_name(),
                s.about,
                s.name
            ));
        }
    }
    surface.push('}');
    push(
        "Settings that choose which of a provider's APIs a request is validated for.",
        surface,
    );
    let fields: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    push(
        "The fields of the provider-neutral request.",
        format!("export type RequestField = {};", union(&fields)),
    );
    let closed: [(&str, &str, Pick); 7] = [
        (
            "Quality",
            "`quality` values (each model takes a subset: see `providerInfo()`).",
            |l| l.qualities,
        ),
        (
            "AspectRatio",
            "`aspectRatio` values (each model takes a subset).",
            |l| l.aspect_ratios,
        ),
        ("Resolution", "`resolution` values.", |l| l.resolutions),
        ("OutputFormat", "`outputFormat` values.", |l| {
            l.output_formats
        }),
        (
            "Background",
            "`background` values (transparent needs png or webp output).",
            |l| l.backgrounds,
        ),
        ("Moderation", "`moderation` values.", |l| l.moderations),
        ("InputFidelity", "`inputFidelity` values (edits).", |l| {
            l.input_fidelities
        }),
    ];
    for (name, doc, pick) in closed {
        push(
            doc,
            format!("export type {name} = {};", union(&values_of(pick))),
        );
    }
    let errors: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    push(
        "Stable error codes: branch on `err.code`.",
        format!("export type ErrorCode = {};", union(&errors)),
    );
    let issues: Vec<&str> = IssueCode::ALL.iter().map(|c| c.as_str()).collect();
    push(
        "The closed set of validation codes.",
        format!("export type IssueCode = {};", union(&issues)),
    );
    let statuses: Vec<&str> = crate::job::JobStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    push(
        "Where a job is in its life.",
        format!("export type JobStatus = {};", union(&statuses)),
    );
    push(
        "A webhook's raw body, as it arrived (not parsed JSON).",
        "export type WebhookBody = string | Uint8Array | ArrayBuffer;".to_string(),
    );
    push(
        "A webhook's headers: the request's `Headers`, or a plain object (names in any case).",
        "export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;"
            .to_string(),
    );
    push(
        "What `verifyWebhook` takes, by how each provider signs its webhooks.",
        webhook_options(),
    );
    push(
        "The events of the route's event stream, in the order they can come.",
        format!(
            "export type RouteEventName = {};",
            union(&crate::route::event::ALL)
        ),
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The names [`declarations`] declares.
pub const DECLARED: [&str; 20] = [
    "ProviderId",
    "ProviderModels",
    "ProviderOptions",
    "SurfaceSettings",
    "ModelId",
    "RequestField",
    "Quality",
    "AspectRatio",
    "Resolution",
    "OutputFormat",
    "Background",
    "Moderation",
    "InputFidelity",
    "ErrorCode",
    "IssueCode",
    "JobStatus",
    "RouteEventName",
    "WebhookBody",
    "WebhookHeaders",
    "WebhookVerifyOptions",
];
