//! The normalised job every provider's answers are turned into.

use crate::json;
use crate::json::Json;
use crate::price::Cost;
use crate::provider::Provider;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Accepted, not started.
    Queued,
    /// Being generated (also used for statuses we do not know yet).
    Running,
    /// Finished with images.
    Succeeded,
    /// Finished without images.
    Failed,
    /// Stopped before finishing.
    Cancelled,
}

impl JobStatus {
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Every status, in the order of a job's life.
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// The status called `s`.
    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the job has ended.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// One generated image: a URL (which expires) or inline base64.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Image {
    /// Where to download it.
    pub url: Option<String>,
    /// The image bytes, base64 (OpenAI).
    pub b64: Option<String>,
    /// `image/png`, `image/jpeg` or `image/webp`, when known.
    pub mime_type: Option<String>,
    /// Width in pixels, when known.
    pub width: Option<u32>,
    /// Height in pixels, when known.
    pub height: Option<u32>,
    /// The seed, when the provider reports one.
    pub seed: Option<String>,
    /// The prompt the provider actually used, when reported.
    pub final_prompt: Option<String>,
    /// When the URL stops working (ISO 8601), when reported.
    pub expires_at: Option<String>,
}

impl Image {
    fn to_json(&self) -> Json {
        let mut o = crate::json::Map::new();
        let mut put = |k: &str, v: Json| {
            if !v.is_null() {
                o.insert(k.to_string(), v);
            }
        };
        put("url", json!(self.url));
        put("b64", json!(self.b64));
        put("mimeType", json!(self.mime_type));
        put("width", json!(self.width));
        put("height", json!(self.height));
        put("seed", json!(self.seed));
        put("finalPrompt", json!(self.final_prompt));
        put("expiresAt", json!(self.expires_at));
        Json::Object(o)
    }

    fn from_json(v: &Json) -> Image {
        let s = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_string);
        let n = |k: &str| {
            v.get(k)
                .and_then(Json::as_u64)
                .and_then(|x| u32::try_from(x).ok())
        };
        Image {
            url: s("url"),
            b64: s("b64"),
            mime_type: s("mimeType"),
            width: n("width"),
            height: n("height"),
            seed: s("seed"),
            final_prompt: s("finalPrompt"),
            expires_at: s("expiresAt"),
        }
    }
}

/// Why a job failed, in the provider's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    /// A machine code (the provider's own, or `failed` / `cancelled`).
    pub code: String,
    /// A sentence.
    pub message: String,
}

/// A job, the same whatever the provider.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The provider's job id (`None` for OpenAI, which has none).
    pub id: Option<String>,
    /// The provider.
    pub provider: Provider,
    /// The normalised status.
    pub status: JobStatus,
    /// The status exactly as the provider sent it (kept for unknown ones).
    pub raw_status: String,
    /// 0..100, when the provider reports it.
    pub progress: Option<u8>,
    /// The images, once succeeded.
    pub images: Vec<Image>,
    /// Why it failed.
    pub error: Option<JobError>,
    /// What it cost (known once finished).
    pub cost: Option<Cost>,
    /// Tokens used, where the provider counts them (OpenAI).
    pub usage: Option<TokenUsage>,
    /// Whether the provider has purged the image files.
    pub expired: bool,
}

/// Tokens a job used, as OpenAI reports them in `usage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenUsage {
    /// Text and image input tokens.
    pub input_tokens: u64,
    /// Image output tokens.
    pub output_tokens: u64,
}

impl TokenUsage {
    /// From OpenAI's `usage` object.
    pub fn from_openai(u: &Json) -> Option<TokenUsage> {
        Some(TokenUsage {
            input_tokens: u.get("input_tokens")?.as_u64()?,
            output_tokens: u.get("output_tokens")?.as_u64()?,
        })
    }

    /// `{ inputTokens, outputTokens, totalTokens }`
    pub fn to_json(self) -> Json {
        json!({
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "totalTokens": self.input_tokens + self.output_tokens,
        })
    }
}

impl Job {
    /// One job of several answers to one request (getimg.ai's N calls,
    /// OpenAI's N streamed images): the first one's status, every image,
    /// ids joined by commas, costs and token counts summed (`what` names the
    /// parts in the cost's basis). Exact only when every part was. `None`
    /// for no jobs at all.
    pub fn merge(mut jobs: Vec<Job>, what: &str) -> Option<Job> {
        if jobs.len() == 1 {
            return jobs.pop();
        }
        let first = jobs.first()?;
        let mut merged = first.clone();
        let mut ids = String::new();
        for id in jobs.iter().filter_map(|j| j.id.as_deref()) {
            if !ids.is_empty() {
                ids.push(',');
            }
            ids.push_str(id);
        }
        merged.id = (!ids.is_empty()).then_some(ids);
        merged.images = jobs.iter().flat_map(|j| j.images.clone()).collect();
        let costs: Vec<&Cost> = jobs.iter().filter_map(|j| j.cost.as_ref()).collect();
        merged.cost = (costs.len() == jobs.len()).then(|| Cost {
            provider: merged.provider,
            images: merged.images.len() as u32,
            credits: None,
            usd: Some(crate::price::round_usd(
                costs.iter().filter_map(|c| c.usd).sum(),
            )),
            exact: costs.iter().all(|c| c.exact),
            basis: format!("the sum of {} {what}", jobs.len()),
        });
        let usages: Vec<TokenUsage> = jobs.iter().filter_map(|j| j.usage).collect();
        merged.usage = (usages.len() == jobs.len()).then(|| TokenUsage {
            input_tokens: usages.iter().map(|u| u.input_tokens).sum(),
            output_tokens: usages.iter().map(|u| u.output_tokens).sum(),
        });
        Some(merged)
    }

    /// A job in `status` with nothing else known yet.
    pub fn new(provider: Provider, id: Option<String>, status: JobStatus, raw: &str) -> Job {
        Job {
            id,
            provider,
            status,
            raw_status: raw.to_string(),
            progress: None,
            images: Vec::new(),
            error: None,
            cost: None,
            usage: None,
            expired: false,
        }
    }

    /// `{ id, provider, status, rawStatus, progress, images, error, cost, expired }`,
    /// and `usage` where tokens were counted.
    pub fn to_json(&self) -> Json {
        let mut o = json!({
            "id": self.id,
            "provider": self.provider.id(),
            "status": self.status.as_str(),
            "rawStatus": self.raw_status,
            "progress": self.progress,
            "images": crate::json::Json::Array(self.images.iter().map(Image::to_json).collect()),
            "error": self.error.as_ref().map(|e| json!({ "code": e.code, "message": e.message })),
            "cost": self.cost.as_ref().map(Cost::to_json),
            "expired": self.expired,
        });
        if let Some(u) = self.usage {
            o.set("usage", u.to_json());
        }
        o
    }

    /// Read back what [`Job::to_json`] wrote (for handles that carry a finished job).
    pub fn from_json(v: &Json) -> Option<Job> {
        let provider = Provider::from_id(v.get("provider")?.as_str()?)?;
        let status = JobStatus::parse(v.get("status")?.as_str()?)?;
        let s = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_string);
        let cost = v.get("cost").and_then(|c| Cost::from_json(provider, c));
        Some(Job {
            id: s("id"),
            provider,
            status,
            raw_status: s("rawStatus").unwrap_or_else(|| status.as_str().to_string()),
            progress: v
                .get("progress")
                .and_then(Json::as_u64)
                .map(|p| p.min(100) as u8),
            images: v
                .get("images")
                .and_then(Json::as_array)
                .map(|a| a.iter().map(Image::from_json).collect::<Vec<_>>())
                .unwrap_or_default(),
            error: v.get("error").filter(|e| e.is_object()).map(|e| JobError {
                code: e
                    .get("code")
                    .and_then(Json::as_str)
                    .unwrap_or("failed")
                    .to_string(),
                message: e
                    .get("message")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
            }),
            cost,
            usage: v.get("usage").and_then(|u| {
                Some(TokenUsage {
                    input_tokens: u.get("inputTokens")?.as_u64()?,
                    output_tokens: u.get("outputTokens")?.as_u64()?,
                })
            }),
            expired: v.get("expired").and_then(Json::as_bool).unwrap_or(false),
        })
    }
}
