//! Shared state: keys with their balances and ledgers, jobs, idempotency records,
//! generated assets and request statistics.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::config::{Config, Provider, ResultShape, DEFAULT_CREDIT_BALANCE, DEFAULT_USD_BALANCE};
use crate::faults::FaultBook;
use crate::images::ImageSpec;
use crate::rng::Rng;
use crate::schedule::Schedule;

/// Micro-dollars per US dollar: USD amounts are kept as whole micro-dollars so sums are exact.
pub const MICRO_USD: i64 = 1_000_000;

/// What a key has done and paid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    /// Jobs (or synchronous generations) accepted and reserved.
    pub jobs_created: u64,
    /// Jobs that succeeded and were billed.
    pub jobs_charged: u64,
    /// Images in the billed jobs.
    pub images_charged: u64,
    /// Credits billed (Apiframe, GPTImage2.ai).
    pub credits: i64,
    /// Micro-dollars billed (all but GPTImage2.ai, which publishes no price).
    pub micro_usd: i64,
    /// Jobs that failed and were refunded.
    pub refunds: u64,
    /// Submits answered with an earlier job through `Idempotency-Key`.
    pub idempotent_replays: u64,
}

/// One API key.
#[derive(Debug)]
pub struct Account {
    /// The provider the key belongs to.
    pub provider: Provider,
    /// Spendable balance: credits, or micro-dollars for getimg/OpenAI.
    pub balance: i64,
    /// Running totals.
    pub ledger: Ledger,
    /// Async jobs not yet charged or refunded.
    unsettled: Vec<String>,
}

impl Account {
    /// The ledger as served by `GET /sandbox/ledger`.
    pub fn ledger_json(&self) -> Value {
        let l = &self.ledger;
        let usd = |micro: i64| micro as f64 / MICRO_USD as f64;
        let (credits, spent_usd, balance) = match self.provider {
            Provider::Apiframe => (
                json!(l.credits),
                json!(usd(l.micro_usd)),
                json!({"credits": self.balance}),
            ),
            Provider::GptImage2Ai => (
                json!(l.credits),
                Value::Null,
                json!({"credits": self.balance}),
            ),
            Provider::Getimg
            | Provider::OpenAi
            | Provider::Azure
            | Provider::OpenRouter
            | Provider::Replicate
            | Provider::Fal => (
                Value::Null,
                json!(usd(l.micro_usd)),
                json!({"usd": usd(self.balance)}),
            ),
        };
        json!({
            "provider": self.provider.name(),
            "jobsCreated": l.jobs_created,
            "jobsCharged": l.jobs_charged,
            "imagesCharged": l.images_charged,
            "credits": credits,
            "usd": spent_usd,
            "refunds": l.refunds,
            "idempotentReplays": l.idempotent_replays,
            "balance": balance,
        })
    }
}

/// The lifecycle phase of an async job at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting in the queue.
    Queued,
    /// Generating, with progress 0..=99.
    Running(u8),
    /// Done, images available.
    Succeeded,
    /// Failed (refunded).
    Failed,
}

impl Phase {
    /// Whether the job is over.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Succeeded | Phase::Failed)
    }
}

/// Delivery state of a job's webhook (Apiframe's `webhookStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookStatus {
    /// Events still to be delivered.
    Pending,
    /// The last event was delivered.
    Delivered,
    /// An event could not be delivered after every retry.
    Failed,
}

impl WebhookStatus {
    /// The wire spelling.
    pub fn name(self) -> &'static str {
        match self {
            WebhookStatus::Pending => "pending",
            WebhookStatus::Delivered => "delivered",
            WebhookStatus::Failed => "failed",
        }
    }
}

/// A job's webhook subscription.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// Receiver URL.
    pub url: String,
    /// Subscribed events: progress, completed, failed.
    pub events: Vec<String>,
    /// Delivery state.
    pub status: WebhookStatus,
}

/// An async job (Apiframe or GPTImage2.ai).
#[derive(Clone, Debug)]
pub struct Job {
    /// UUID.
    pub id: String,
    /// Apiframe or GPTImage2.ai.
    pub provider: Provider,
    /// Key that created it (only it may poll).
    pub api_key: String,
    /// Model id.
    pub model: String,
    /// When it leaves the queue and ends.
    pub schedule: Schedule,
    /// Ends failed (and refunded).
    pub fails: bool,
    /// Reports an undocumented status while it runs.
    pub unknown_status: bool,
    /// Asset tokens of its images.
    pub images: Vec<String>,
    /// File extension of its images.
    pub image_ext: &'static str,
    /// Reserved price: credits.
    pub cost: i64,
    /// Charged or refunded already.
    pub settled: bool,
    /// The request as submitted (Apiframe's `input`).
    pub input: Value,
    /// Apiframe `result` shape (never `Mixed` here).
    pub result_shape: ResultShape,
    /// Apiframe webhook, if requested.
    pub webhook: Option<Webhook>,
    /// GPTImage2.ai: prompt with the lighting/camera/negative hints appended.
    pub final_prompt: String,
    /// GPTImage2.ai: per-image seeds.
    pub seeds: Vec<String>,
    /// Replicate: ended early by its `Cancel-After` deadline.
    pub cancelled: bool,
}

impl Job {
    /// The phase at `now_ms`.
    pub fn phase(&self, now_ms: u64) -> Phase {
        if self.schedule.is_over(now_ms) {
            if self.fails {
                Phase::Failed
            } else {
                Phase::Succeeded
            }
        } else if self.schedule.is_queued(now_ms) {
            Phase::Queued
        } else {
            Phase::Running(self.schedule.progress(now_ms))
        }
    }
}

/// A generated image, downloadable from `/sandbox/images/{token}.{ext}`.
#[derive(Clone, Debug)]
pub struct Asset {
    /// How to render it.
    pub spec: ImageSpec,
    /// Not served before this time (the job's end).
    pub ready_ms: u64,
    /// Not served from this time on (404).
    pub expires_ms: u64,
    /// The async job it belongs to (not served if the job failed).
    pub job_id: Option<String>,
}

/// Per-job counters for `GET /sandbox/stats`.
#[derive(Clone, Debug, Default)]
pub struct JobStats {
    /// Status requests seen.
    pub polls: u64,
    /// First poll that reported a terminal status.
    pub first_terminal_poll_ms: Option<u64>,
}

/// Request and job counters, cleared by `POST /sandbox/reset`.
#[derive(Debug, Default)]
pub struct Stats {
    /// When counting (re)started.
    pub since_ms: u64,
    /// Requests per endpoint, e.g. `"POST /v2/images/generate"`.
    pub requests: BTreeMap<String, u64>,
    /// Async jobs created or polled since `since_ms`.
    pub jobs: HashMap<String, JobStats>,
}

/// An `Idempotency-Key` record.
#[derive(Clone, Debug)]
pub struct IdempotencyRecord {
    /// The job it created.
    pub job_id: String,
    /// When it was created.
    pub at_ms: u64,
}

/// Everything mutable, behind one lock.
#[derive(Debug)]
pub struct State {
    /// Keys.
    pub accounts: HashMap<String, Account>,
    /// Async jobs by id.
    pub jobs: HashMap<String, Job>,
    /// (API key, Idempotency-Key) to the job it created.
    pub idempotency: HashMap<(String, String), IdempotencyRecord>,
    /// Generated images by token.
    pub assets: HashMap<String, Asset>,
    /// Counters.
    pub stats: Stats,
    /// Fault rules.
    pub faults: FaultBook,
    /// Ids, durations and other per-job choices.
    pub rng: Rng,
}

/// Why a reservation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortfall {
    /// Units the request needs.
    pub required: i64,
    /// Units the key has.
    pub available: i64,
}

impl State {
    /// Fresh state with every configured key and its starting balance.
    pub fn new(config: &Config) -> State {
        let mut accounts = HashMap::new();
        for (provider, key) in config.all_keys() {
            let amount = config
                .balances
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, a)| *a);
            let balance = if provider.bills_credits() {
                amount.unwrap_or(DEFAULT_CREDIT_BALANCE).floor() as i64
            } else {
                (amount.unwrap_or(DEFAULT_USD_BALANCE) * MICRO_USD as f64).round() as i64
            };
            accounts.insert(
                key,
                Account {
                    provider,
                    balance,
                    ledger: Ledger::default(),
                    unsettled: Vec::new(),
                },
            );
        }
        State {
            accounts,
            jobs: HashMap::new(),
            idempotency: HashMap::new(),
            assets: HashMap::new(),
            stats: Stats::default(),
            faults: FaultBook::new(config.seed, config.fault_rate),
            rng: Rng::new(config.seed),
        }
    }

    /// The provider `key` belongs to.
    pub fn key_provider(&self, key: &str) -> Option<Provider> {
        self.accounts.get(key).map(|a| a.provider)
    }

    /// Takes `units` from `key`'s balance for a new job, or says how short it is.
    pub fn reserve(&mut self, key: &str, units: i64) -> Result<(), Shortfall> {
        let account = self.accounts.get_mut(key).ok_or(Shortfall {
            required: units,
            available: 0,
        })?;
        if account.balance < units {
            return Err(Shortfall {
                required: units,
                available: account.balance.max(0),
            });
        }
        account.balance -= units;
        account.ledger.jobs_created += 1;
        Ok(())
    }

    /// Bills a successful job whose price was reserved: `units` of the balance, `micro_usd`.
    pub fn charge(&mut self, key: &str, units: i64, images: u32, micro_usd: i64) {
        if let Some(account) = self.accounts.get_mut(key) {
            let l = &mut account.ledger;
            l.jobs_charged += 1;
            l.images_charged += u64::from(images);
            if account.provider.bills_credits() {
                l.credits += units;
            }
            l.micro_usd += micro_usd;
        }
    }

    /// Gives a failed job's reservation back.
    pub fn refund(&mut self, key: &str, units: i64) {
        if let Some(account) = self.accounts.get_mut(key) {
            account.balance += units;
            account.ledger.refunds += 1;
        }
    }

    /// Stores a new async job (already reserved) and starts its statistics.
    pub fn insert_job(&mut self, job: Job) {
        if let Some(account) = self.accounts.get_mut(&job.api_key) {
            account.unsettled.push(job.id.clone());
        }
        self.stats.jobs.insert(job.id.clone(), JobStats::default());
        self.jobs.insert(job.id.clone(), job);
    }

    /// Charges or refunds every job of `key` that has ended by `now_ms`.
    pub fn settle_due(&mut self, key: &str, now_ms: u64) {
        let Some(account) = self.accounts.get_mut(key) else {
            return;
        };
        let pending = std::mem::take(&mut account.unsettled);
        let mut still = Vec::with_capacity(pending.len());
        for id in pending {
            if !self.settle_job(&id, now_ms) {
                still.push(id);
            }
        }
        if let Some(account) = self.accounts.get_mut(key) {
            account.unsettled.extend(still);
        }
    }

    /// Charges or refunds one job if it has ended; true once it is settled.
    pub fn settle_job(&mut self, id: &str, now_ms: u64) -> bool {
        let Some(job) = self.jobs.get_mut(id) else {
            return true;
        };
        if job.settled {
            return true;
        }
        let phase = job.phase(now_ms);
        if !phase.is_terminal() {
            return false;
        }
        job.settled = true;
        let (key, cost, images, provider) = (
            job.api_key.clone(),
            job.cost,
            job.images.len() as u32,
            job.provider,
        );
        if phase == Phase::Failed {
            self.refund(&key, cost);
        } else {
            let micro_usd = match provider {
                Provider::Apiframe => cost * APIFRAME_MICRO_USD_PER_CREDIT,
                // Billed in micro-dollars already.
                Provider::Replicate | Provider::Fal => cost,
                _ => 0,
            };
            self.charge(&key, cost, images, micro_usd);
        }
        true
    }

    /// One poll of job `id` by `key` at `now_ms`: the poll's job faults apply
    /// while the job runs, the job is settled if it has ended, and the poll
    /// is counted; the phase the poll sees. `None` when the job is unknown or
    /// belongs to another key.
    pub fn poll_job(
        &mut self,
        id: &str,
        key: &str,
        fail: bool,
        unknown_status: bool,
        now_ms: u64,
    ) -> Option<Phase> {
        let job = self.jobs.get_mut(id).filter(|j| j.api_key == key)?;
        if !job.phase(now_ms).is_terminal() {
            job.fails |= fail;
            job.unknown_status |= unknown_status;
        }
        let phase = job.phase(now_ms);
        self.settle_job(id, now_ms);
        self.count_poll(id, phase, now_ms);
        Some(phase)
    }

    /// Counts a request to `endpoint`.
    pub fn count_request(&mut self, endpoint: &str) {
        *self.stats.requests.entry(endpoint.to_string()).or_insert(0) += 1;
    }

    /// Records a poll of job `id` answered with `phase` at `now_ms`.
    pub fn count_poll(&mut self, id: &str, phase: Phase, now_ms: u64) {
        let entry = self.stats.jobs.entry(id.to_string()).or_default();
        entry.polls += 1;
        if phase.is_terminal() && entry.first_terminal_poll_ms.is_none() {
            entry.first_terminal_poll_ms = Some(now_ms);
        }
    }

    /// Clears the counters (not the jobs).
    pub fn reset_stats(&mut self, now_ms: u64) {
        self.stats = Stats {
            since_ms: now_ms,
            ..Stats::default()
        };
    }

    /// `GET /sandbox/stats`.
    pub fn stats_json(&self, now_ms: u64, hanging: u64) -> Value {
        let jobs: serde_json::Map<String, Value> = self
            .stats
            .jobs
            .iter()
            .map(|(id, s)| {
                let job = self.jobs.get(id);
                let finished = job.map(|j| j.schedule.ends_ms).filter(|end| *end <= now_ms);
                let delay = match (finished, s.first_terminal_poll_ms) {
                    (Some(f), Some(p)) => Some(p.saturating_sub(f)),
                    _ => None,
                };
                (
                    id.clone(),
                    json!({
                        "provider": job.map(|j| j.provider.name()),
                        "polls": s.polls,
                        "finishedAtMs": finished,
                        "firstTerminalPollAtMs": s.first_terminal_poll_ms,
                        "detectionDelayMs": delay,
                    }),
                )
            })
            .collect();
        json!({
            "sinceMs": self.stats.since_ms,
            "nowMs": now_ms,
            "requests": self.stats.requests,
            "jobs": jobs,
            "hangingConnections": hanging,
        })
    }
}

/// Apiframe pay-as-you-go price: $0.01 per credit.
pub const APIFRAME_MICRO_USD_PER_CREDIT: i64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let mut config = Config::default();
        config.balances.push(("afk_sandbox".into(), 30.0));
        config.balances.push(("sk-sandbox".into(), 0.25));
        State::new(&config)
    }

    #[test]
    fn balances_start_as_configured() {
        let s = state();
        assert_eq!(s.accounts["afk_sandbox"].balance, 30);
        assert_eq!(s.accounts["sk-sandbox"].balance, 250_000);
        assert_eq!(
            s.accounts["g2_sandbox"].balance,
            DEFAULT_CREDIT_BALANCE as i64
        );
    }

    #[test]
    fn reserve_charge_refund() {
        let mut s = state();
        assert_eq!(s.reserve("afk_sandbox", 23), Ok(()));
        assert_eq!(
            s.reserve("afk_sandbox", 23),
            Err(Shortfall {
                required: 23,
                available: 7
            })
        );
        s.charge("afk_sandbox", 23, 1, 230_000);
        s.refund("afk_sandbox", 0);
        let l = &s.accounts["afk_sandbox"].ledger;
        assert_eq!(
            (l.jobs_created, l.jobs_charged, l.credits, l.refunds),
            (1, 1, 23, 1)
        );
    }
}
