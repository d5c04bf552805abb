// The sandbox's control endpoints over HTTP (faults, ledgers, statistics).
// Runs in Node, workerd and browsers.

/** Sandbox control over HTTP. */
export function sandboxControl(url) {
  const call = async (method, path, body) => {
    const r = await fetch(url + path, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`sandbox ${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    fault: (provider, endpoint, fault, extra = {}) => call("POST", "/sandbox/faults", { provider, endpoint, fault, ...extra }),
    clearFaults: () => call("DELETE", "/sandbox/faults"),
    ledger: (key) => call("GET", `/sandbox/ledger?key=${encodeURIComponent(key)}`),
    stats: () => call("GET", "/sandbox/stats"),
  };
}

