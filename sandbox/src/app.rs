//! The sandbox's shared context: configuration, clock, schema, state and image cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use crate::apiframe_schema::ApiframeSchema;
use crate::clock::Clock;
use crate::config::Config;
use crate::images::{self, Format, ImageCache, ImageSpec};
use crate::state::{Asset, Phase, State};

/// Bytes of encoded images kept in memory.
const IMAGE_CACHE_BYTES: usize = 128 * 1024 * 1024;

/// Everything a request handler may need.
#[derive(Debug)]
pub struct App {
    /// Start-up settings.
    pub config: Config,
    /// Sandbox time.
    pub clock: Clock,
    /// `http://127.0.0.1:PORT`, the prefix of image URLs.
    pub base_url: String,
    /// Apiframe request validation.
    pub schema: ApiframeSchema,
    state: Mutex<State>,
    images: Mutex<ImageCache>,
    /// Connections held open by the `hang` fault right now.
    pub hanging: AtomicU64,
    /// When the last request arrived (sandbox ms), for `--idle-exit`.
    pub last_request_ms: AtomicU64,
}

impl App {
    /// A fresh context serving at `base_url`.
    pub fn new(config: Config, schema: ApiframeSchema, base_url: String) -> App {
        let state = State::new(&config);
        App {
            config,
            clock: Clock::start(),
            base_url,
            schema,
            state: Mutex::new(state),
            images: Mutex::new(ImageCache::new(IMAGE_CACHE_BYTES)),
            hanging: AtomicU64::new(0),
            last_request_ms: AtomicU64::new(0),
        }
    }

    /// The state, locked. A panic elsewhere never poisons the sandbox for good.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn image_cache(&self) -> MutexGuard<'_, ImageCache> {
        self.images
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sandbox milliseconds now.
    pub fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// A simulated duration of `ms` milliseconds, scaled by `--time-scale`.
    pub fn scaled(&self, ms: f64) -> Duration {
        Duration::from_secs_f64((ms * self.config.time_scale / 1000.0).max(0.0))
    }

    /// Asset lifetime in milliseconds.
    pub fn asset_ttl_ms(&self) -> u64 {
        self.config.asset_ttl_secs.saturating_mul(1000)
    }

    /// URL of an asset.
    pub fn asset_url(&self, token: &str, format: Format) -> String {
        format!("{}/sandbox/images/{token}.{}", self.base_url, format.name())
    }

    /// Records `spec` as a downloadable asset and returns its token.
    pub fn add_asset(
        state: &mut State,
        spec: ImageSpec,
        ready_ms: u64,
        expires_ms: u64,
        job_id: Option<String>,
    ) -> String {
        let token = state.rng.hex_token(16);
        state.assets.insert(
            token.clone(),
            Asset {
                spec,
                ready_ms,
                expires_ms,
                job_id,
            },
        );
        token
    }

    /// Records the `count` images of job `job_id`, drawn from `prompt`: ready
    /// when the job ends (`ends_ms`) and kept for the asset TTL after that.
    /// Returns their tokens.
    #[allow(clippy::too_many_arguments)]
    pub fn add_job_assets(
        &self,
        state: &mut State,
        job_id: &str,
        prompt: &str,
        count: u32,
        (width, height): (u32, u32),
        format: Format,
        ends_ms: u64,
    ) -> Vec<String> {
        let expires = ends_ms.saturating_add(self.asset_ttl_ms());
        (0..count)
            .map(|i| {
                let spec = ImageSpec::for_prompt(prompt, i, width, height, format);
                App::add_asset(state, spec, ends_ms, expires, Some(job_id.to_string()))
            })
            .collect()
    }

    /// The bytes of asset `token` if it is servable now, rendering (and caching) them on
    /// first use; `None` if unknown, not ready, failed or expired.
    pub async fn asset_bytes(self: &Arc<Self>, token: &str, ext: &str) -> Option<(Bytes, Format)> {
        let now = self.now();
        let spec = {
            let mut state = self.state();
            let asset = state.assets.get(token)?.clone();
            if now >= asset.expires_ms {
                state.assets.remove(token);
                drop(state);
                self.image_cache().remove(token);
                return None;
            }
            if now < asset.ready_ms || asset.spec.format.name() != ext {
                return None;
            }
            if let Some(job) = asset.job_id.as_ref().and_then(|id| state.jobs.get(id)) {
                if job.phase(now) != Phase::Succeeded {
                    return None;
                }
            }
            asset.spec
        };
        if let Some(bytes) = self.image_cache().get(token) {
            return Some((bytes, spec.format));
        }
        let format = spec.format;
        let rendered = tokio::task::spawn_blocking(move || images::render(&spec))
            .await
            .ok()?
            .ok()?;
        let bytes = Bytes::from(rendered);
        self.image_cache().insert(token.to_string(), bytes.clone());
        Some((bytes, format))
    }

    /// Marks a request as seen now (for `--idle-exit`).
    pub fn touch(&self) {
        self.last_request_ms.store(self.now(), Ordering::Relaxed);
    }
}
