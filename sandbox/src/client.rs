//! A minimal HTTP/1.1 client over a raw TCP stream, used for webhook delivery, the tests and
//! the load example. It reports exactly how a response ended (no response at all, cut
//! short), which is what the sandbox's faults are about.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A complete response.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            )
        })
    }
}

/// How a request went wrong.
#[derive(Debug)]
pub enum ClientError {
    /// Could not connect or write.
    Io(std::io::Error),
    /// The connection closed before any response byte.
    NoResponse,
    /// The connection closed in the middle of the response.
    Truncated,
    /// No complete response in time.
    Timeout,
    /// The response was not valid HTTP.
    Malformed(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "i/o error: {e}"),
            ClientError::NoResponse => f.write_str("connection closed without a response"),
            ClientError::Truncated => f.write_str("connection closed mid-response"),
            ClientError::Timeout => f.write_str("timed out"),
            ClientError::Malformed(m) => write!(f, "malformed response: {m}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<std::io::Error> for ClientError {
    fn from(e: std::io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// Longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A keep-alive connection to one server.
#[derive(Debug)]
pub struct Connection {
    stream: BufReader<TcpStream>,
    host: String,
    open: bool,
}

impl Connection {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream: BufReader::new(stream),
            host: addr.to_string(),
            open: true,
        })
    }

    /// Whether the server may still answer another request on this connection.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Sends one request and reads its response, keeping the connection for the next.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<HttpResponse, ClientError> {
        self.write_request(method, path, headers, body, true)
            .await?;
        let response = self.read_response(method == "HEAD").await;
        if response.is_err() {
            self.open = false;
        }
        response
    }

    async fn write_request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        keep_alive: bool,
    ) -> Result<(), ClientError> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        stream.flush().await?;
        Ok(())
    }

    async fn read_response(&mut self, head_only: bool) -> Result<HttpResponse, ClientError> {
        let mut head = Vec::with_capacity(512);
        loop {
            let before = head.len();
            let n = self.stream.read_until(b'\n', &mut head).await?;
            if n == 0 {
                return Err(if head.is_empty() {
                    ClientError::NoResponse
                } else {
                    ClientError::Truncated
                });
            }
            if head[before..] == *b"\r\n" || head[before..] == *b"\n" {
                break;
            }
            if head.len() > MAX_HEAD {
                return Err(ClientError::Malformed("response head too long".into()));
            }
        }
        let mut parsed_headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut parsed_headers);
        parsed
            .parse(&head)
            .map_err(|e| ClientError::Malformed(e.to_string()))?;
        let status = parsed
            .code
            .ok_or_else(|| ClientError::Malformed("no status".into()))?;
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if find("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            self.open = false;
        }
        let no_body = head_only || status == 204 || status == 304 || (100..200).contains(&status);
        let body = if no_body {
            Vec::new()
        } else if find("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            self.read_chunked().await?
        } else if let Some(len) = find("content-length") {
            let len: usize = len
                .trim()
                .parse()
                .map_err(|_| ClientError::Malformed(format!("content-length {len}")))?;
            let mut body = vec![0u8; len];
            let mut filled = 0;
            while filled < len {
                let n = self.stream.read(&mut body[filled..]).await?;
                if n == 0 {
                    return Err(ClientError::Truncated);
                }
                filled += n;
            }
            body
        } else {
            self.open = false;
            let mut body = Vec::new();
            self.stream.read_to_end(&mut body).await?;
            body
        };
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>, ClientError> {
        let mut body = Vec::new();
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(ClientError::Truncated);
            }
            let size_text = line.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ClientError::Malformed(format!("chunk size {size_text:?}")))?;
            if size == 0 {
                // Trailers, then the final empty line.
                loop {
                    line.clear();
                    if self.stream.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                        return Ok(body);
                    }
                }
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.stream
                .read_exact(&mut body[start..])
                .await
                .map_err(|_| ClientError::Truncated)?;
            let mut crlf = [0u8; 2];
            self.stream
                .read_exact(&mut crlf)
                .await
                .map_err(|_| ClientError::Truncated)?;
        }
    }
}

/// One request on a fresh connection (`Connection: close`), with a deadline.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Result<HttpResponse, ClientError> {
    let exchange = async {
        let mut connection = Connection::open(addr).await?;
        connection
            .write_request(method, path, headers, body, false)
            .await?;
        connection.read_response(method == "HEAD").await
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| ClientError::Timeout)?
}

/// Splits `http://host[:port]/path` into a loopback socket address and the path.
///
/// Only loopback receivers are reachable from the sandbox (no other network is used);
/// `https` needs TLS, which the sandbox does not speak.
pub fn loopback_target(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else if url.starts_with("https://") {
        return Err("https webhook receivers are not reachable from the sandbox (no TLS)".into());
    } else {
        return Err("only http:// and https:// URLs are allowed".into());
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let path = path.split('#').next().unwrap_or("/").to_string();
    if authority.contains('@') {
        return Err("credentials in URLs are not supported".into());
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("unterminated IPv6 address")?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port: u16 = match port {
        Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
        None => 80,
    };
    let ip: IpAddr = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse().map_err(|_| {
            format!("{host} is not a loopback address; only loopback receivers are reachable")
        })?
    };
    if !ip.is_loopback() {
        return Err(format!(
            "{ip} is not a loopback address; only loopback receivers are reachable"
        ));
    }
    Ok((SocketAddr::new(ip, port), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets() {
        let (addr, path) = loopback_target("http://127.0.0.1:9000/hook?x=1").unwrap();
        assert_eq!((addr.port(), path.as_str()), (9000, "/hook?x=1"));
        let (addr, path) = loopback_target("http://localhost").unwrap();
        assert_eq!((addr.port(), path.as_str()), (80, "/"));
        assert!(loopback_target("http://[::1]:8/").is_ok());
        assert!(loopback_target("https://127.0.0.1/").is_err());
        assert!(loopback_target("http://example.com/").is_err());
        assert!(loopback_target("http://10.0.0.1/").is_err());
        assert!(loopback_target("ftp://127.0.0.1/").is_err());
    }
}
