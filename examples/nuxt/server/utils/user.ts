// Stands in for your authentication: return who is asking (a user id), or null
// to refuse with 401. This example trusts a header; use your session instead.
export function userFrom(request: Request): string | null {
  return request.headers.get("x-demo-user");
}
