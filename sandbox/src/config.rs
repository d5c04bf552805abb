//! Command-line configuration of the sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The four simulated providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Apiframe: async jobs, `POST /v2/images/generate` + `GET /v2/jobs/{id}`.
    Apiframe,
    /// GPTImage2.ai: async jobs, `POST /api/generate` + `GET /api/generate/{jobId}`.
    GptImage2Ai,
    /// getimg.ai: synchronous `POST /v2/images/generations`.
    Getimg,
    /// OpenAI Images API: synchronous generations and multipart edits.
    OpenAi,
    /// Azure OpenAI: synchronous, the deployments API and the v1 API.
    Azure,
    /// OpenRouter's image API: synchronous `POST /api/v1/images`.
    OpenRouter,
    /// Replicate: predictions of `openai/gpt-image-2`, polled or awaited.
    Replicate,
    /// fal: the queue of `openai/gpt-image-2` (status, then result).
    Fal,
}

impl Provider {
    /// All providers, in documentation order.
    pub const ALL: [Provider; 8] = [
        Provider::Apiframe,
        Provider::GptImage2Ai,
        Provider::Getimg,
        Provider::OpenAi,
        Provider::Azure,
        Provider::OpenRouter,
        Provider::Replicate,
        Provider::Fal,
    ];

    /// The provider's name on the sandbox's control endpoints and flags.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Apiframe => "apiframe",
            Provider::GptImage2Ai => "gptimage2ai",
            Provider::Getimg => "getimg",
            Provider::OpenAi => "openai",
            Provider::Azure => "azure",
            Provider::OpenRouter => "openrouter",
            Provider::Replicate => "replicate",
            Provider::Fal => "fal",
        }
    }

    /// Parses a provider name as written by [`Provider::name`].
    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The key every sandbox accepts for this provider out of the box.
    pub fn default_key(self) -> &'static str {
        match self {
            Provider::Apiframe => "afk_sandbox",
            Provider::GptImage2Ai => "g2_sandbox",
            Provider::Getimg => "gi_sandbox",
            Provider::OpenAi => "sk-sandbox",
            Provider::Azure => "azure-sandbox",
            Provider::OpenRouter => "sk-or-sandbox",
            Provider::Replicate => "r8_sandbox",
            Provider::Fal => "fal_sandbox",
        }
    }

    /// Whether balances are kept in credits (else in US dollars).
    pub fn bills_credits(self) -> bool {
        matches!(self, Provider::Apiframe | Provider::GptImage2Ai)
    }
}

/// Which of the three `result` shapes seen in the wild Apiframe jobs report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultShape {
    /// A single URL string (only for one-image jobs; more images use `Array`).
    String,
    /// An array of URL strings.
    Array,
    /// `{"images": [urls]}`.
    Object,
    /// A seeded choice among the three per job.
    Mixed,
}

impl ResultShape {
    fn parse(s: &str) -> Option<ResultShape> {
        match s {
            "string" => Some(ResultShape::String),
            "array" => Some(ResultShape::Array),
            "object" => Some(ResultShape::Object),
            "mixed" => Some(ResultShape::Mixed),
            _ => None,
        }
    }
}

/// Everything the sandbox can be told at start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind; loopback only unless `allow_non_loopback`.
    pub addr: SocketAddr,
    /// Permit a non-loopback `addr`.
    pub allow_non_loopback: bool,
    /// Path of Apiframe's OpenAPI document, used to validate submit bodies;
    /// `None` uses the copy built into the binary ([`BUILTIN_APIFRAME_OPENAPI`]).
    pub apiframe_openapi: Option<PathBuf>,
    /// Shape of Apiframe's `result` field.
    pub apiframe_result_shape: ResultShape,
    /// Multiplies every simulated duration (0.01 turns ~15 s jobs into ~150 ms).
    pub time_scale: f64,
    /// Seconds a generated image stays downloadable.
    pub asset_ttl_secs: u64,
    /// Extra accepted keys, beside each provider's default key.
    pub keys: Vec<(Provider, String)>,
    /// Starting balances (credits, or US dollars for getimg/openai) per key.
    pub balances: Vec<(String, f64)>,
    /// Probability of a random transient fault (429/500/502/503) on any provider request.
    pub fault_rate: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Exit when standard input closes.
    pub exit_on_stdin_eof: bool,
    /// Exit after this many seconds without a request.
    pub idle_exit_secs: Option<u64>,
}

/// Largest `--time-scale` (jobs of hours are slow enough for anyone).
pub const MAX_TIME_SCALE: f64 = 1000.0;

/// Starting balance of a key in credits (Apiframe, GPTImage2.ai) when none is given.
pub const DEFAULT_CREDIT_BALANCE: f64 = 10_000_000.0;
/// Starting balance of a key in US dollars (getimg, OpenAI) when none is given.
pub const DEFAULT_USD_BALANCE: f64 = 100_000.0;

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8787)),
            allow_non_loopback: false,
            apiframe_openapi: None,
            apiframe_result_shape: ResultShape::Mixed,
            time_scale: 1.0,
            asset_ttl_secs: 86_400,
            keys: Vec::new(),
            balances: Vec::new(),
            fault_rate: 0.0,
            seed: 0x5A4D_B0C5,
            exit_on_stdin_eof: false,
            idle_exit_secs: None,
        }
    }
}

/// Apiframe's official OpenAPI document (`spec/apiframe-openapi.json` at the
/// repository root), built into the binary so it runs from anywhere.
pub const BUILTIN_APIFRAME_OPENAPI: &str = include_str!("../../spec/apiframe-openapi.json");

/// Command-line help.
pub const USAGE: &str = "\
sandbox: a local stand-in for the Apiframe, GPTImage2.ai, getimg.ai and OpenAI image APIs

USAGE: sandbox [FLAGS]

  --addr ADDR                      bind address (default 127.0.0.1:8787; port 0 picks one)
  --allow-non-loopback             allow a non-loopback --addr
  --apiframe-openapi PATH          Apiframe OpenAPI document (default: built in)
  --apiframe-result-shape SHAPE    string|array|object|mixed (default mixed)
  --time-scale F                   multiply every simulated duration (default 1)
  --asset-ttl SECS                 lifetime of generated image URLs (default 86400)
  --key PROVIDER=KEY               accept KEY for PROVIDER (apiframe|gptimage2ai|getimg|openai|azure|openrouter|replicate|fal); repeatable
  --balance KEY=AMOUNT             starting balance of KEY: credits, or USD for getimg/openai; repeatable
  --fault-rate R                   random transient faults (429/500/502/503) with probability R
  --seed N                         seed of every random choice (default fixed)
  --exit-on-stdin-eof              exit when standard input closes
  --idle-exit SECS                 exit after SECS without a request
  -h, --help                       print this help
";

impl Config {
    /// Parses command-line arguments (without the program name).
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Config, String> {
        let mut config = Config::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (flag.clone(), None),
            };
            let mut value = |what: &str| -> Result<String, String> {
                match inline.clone() {
                    Some(v) => Ok(v),
                    None => args
                        .next()
                        .ok_or_else(|| format!("{name} needs a value ({what})")),
                }
            };
            match name.as_str() {
                "--addr" => {
                    let v = value("ADDR")?;
                    config.addr = v
                        .parse()
                        .map_err(|_| format!("--addr: not a socket address: {v}"))?;
                }
                "--allow-non-loopback" => config.allow_non_loopback = true,
                "--apiframe-openapi" => {
                    config.apiframe_openapi = Some(PathBuf::from(value("PATH")?))
                }
                "--apiframe-result-shape" => {
                    let v = value("SHAPE")?;
                    config.apiframe_result_shape = ResultShape::parse(&v).ok_or_else(|| {
                        format!(
                            "--apiframe-result-shape: expected string|array|object|mixed, got {v}"
                        )
                    })?;
                }
                "--time-scale" => {
                    let v = value("F")?;
                    config.time_scale = v
                        .parse::<f64>()
                        .ok()
                        .filter(|f| (0.0..=MAX_TIME_SCALE).contains(f))
                        .ok_or_else(|| {
                            format!(
                                "--time-scale: expected a number in 0..={MAX_TIME_SCALE}, got {v}"
                            )
                        })?;
                }
                "--asset-ttl" => {
                    let v = value("SECS")?;
                    config.asset_ttl_secs = v
                        .parse()
                        .map_err(|_| format!("--asset-ttl: expected whole seconds, got {v}"))?;
                }
                "--key" => {
                    let v = value("PROVIDER=KEY")?;
                    let (provider, key) = v
                        .split_once('=')
                        .ok_or_else(|| format!("--key: expected PROVIDER=KEY, got {v}"))?;
                    let provider = Provider::parse(provider).ok_or_else(|| {
                        format!("--key: unknown provider {provider} (apiframe|gptimage2ai|getimg|openai|azure|openrouter|replicate|fal)")
                    })?;
                    if key.is_empty() {
                        return Err("--key: the key is empty".into());
                    }
                    config.keys.push((provider, key.to_string()));
                }
                "--balance" => {
                    let v = value("KEY=AMOUNT")?;
                    let (key, amount) = v
                        .rsplit_once('=')
                        .ok_or_else(|| format!("--balance: expected KEY=AMOUNT, got {v}"))?;
                    let amount = amount
                        .parse::<f64>()
                        .ok()
                        .filter(|a| a.is_finite() && *a >= 0.0)
                        .ok_or_else(|| {
                            format!("--balance: expected an amount >= 0, got {amount}")
                        })?;
                    config.balances.push((key.to_string(), amount));
                }
                "--fault-rate" => {
                    let v = value("R")?;
                    config.fault_rate =
                        v.parse::<f64>()
                            .ok()
                            .filter(|r| (0.0..=1.0).contains(r))
                            .ok_or_else(|| format!("--fault-rate: expected 0..1, got {v}"))?;
                }
                "--seed" => {
                    let v = value("N")?;
                    config.seed = v
                        .parse()
                        .map_err(|_| format!("--seed: expected an unsigned integer, got {v}"))?;
                }
                "--exit-on-stdin-eof" => config.exit_on_stdin_eof = true,
                "--idle-exit" => {
                    let v = value("SECS")?;
                    config.idle_exit_secs =
                        Some(v.parse().map_err(|_| {
                            format!("--idle-exit: expected whole seconds, got {v}")
                        })?);
                }
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown flag {other}\n\n{USAGE}")),
            }
        }
        config.check()?;
        Ok(config)
    }

    /// Rejects contradictory settings.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=MAX_TIME_SCALE).contains(&self.time_scale) {
            return Err(format!("time scale must be in 0..={MAX_TIME_SCALE}"));
        }
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err("fault rate must be in 0..=1".into());
        }
        if !self.addr.ip().is_loopback() && !self.allow_non_loopback {
            return Err(format!(
                "refusing to bind non-loopback {} without --allow-non-loopback",
                self.addr
            ));
        }
        let keys = self.all_keys();
        for (i, (provider, key)) in keys.iter().enumerate() {
            if let Some((other, _)) = keys[..i].iter().find(|(p, k)| k == key && p != provider) {
                return Err(format!(
                    "key {key} is given to both {} and {}",
                    other.name(),
                    provider.name()
                ));
            }
        }
        for (key, _) in &self.balances {
            if !keys.iter().any(|(_, k)| k == key) {
                return Err(format!(
                    "--balance: unknown key {key} (add it with --key PROVIDER={key})"
                ));
            }
        }
        Ok(())
    }

    /// Default keys plus `--key` ones.
    pub fn all_keys(&self) -> Vec<(Provider, String)> {
        let mut keys: Vec<(Provider, String)> = Provider::ALL
            .iter()
            .map(|p| (*p, p.default_key().to_string()))
            .collect();
        for entry in &self.keys {
            if !keys.contains(entry) {
                keys.push(entry.clone());
            }
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    /// The keys clients read (sandbox/keys.mjs) are the sandbox's own.
    #[test]
    fn the_keys_clients_read_are_the_defaults() {
        let file = include_str!("../keys.mjs");
        for p in Provider::ALL {
            let line = format!("  {}: \"{}\",", p.name(), p.default_key());
            assert!(file.contains(&line), "sandbox/keys.mjs lacks `{line}`");
        }
        assert_eq!(
            file.matches("_sandbox\"").count() + file.matches("-sandbox\"").count(),
            Provider::ALL.len()
        );
    }

    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_every_flag() {
        let c = parse(&[
            "--addr",
            "127.0.0.1:0",
            "--time-scale=0.01",
            "--key",
            "openai=sk-x",
            "--balance",
            "sk-x=0.5",
            "--fault-rate",
            "0.2",
            "--seed",
            "9",
            "--apiframe-result-shape",
            "array",
            "--asset-ttl",
            "5",
            "--idle-exit",
            "3",
            "--exit-on-stdin-eof",
        ])
        .unwrap();
        assert_eq!(c.addr.port(), 0);
        assert_eq!(c.time_scale, 0.01);
        assert_eq!(c.keys, vec![(Provider::OpenAi, "sk-x".to_string())]);
        assert_eq!(c.balances, vec![("sk-x".to_string(), 0.5)]);
        assert_eq!(c.apiframe_result_shape, ResultShape::Array);
        assert_eq!(
            (c.seed, c.asset_ttl_secs, c.idle_exit_secs),
            (9, 5, Some(3))
        );
        assert!(c.exit_on_stdin_eof);
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(parse(&["--addr", "0.0.0.0:1"]).is_err());
        assert!(parse(&["--addr", "0.0.0.0:1", "--allow-non-loopback"]).is_ok());
        assert!(parse(&["--balance", "nobody=3"]).is_err());
        assert!(parse(&["--key", "openai=afk_sandbox"]).is_err());
        assert!(parse(&["--fault-rate", "2"]).is_err());
        assert!(parse(&["--time-scale", "1e9"]).is_err());
        assert!(parse(&["--time-scale", "-1"]).is_err());
        assert!(parse(&["--wat"]).is_err());
    }
}
