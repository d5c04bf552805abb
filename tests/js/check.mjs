// The assertions and small helpers every scenario shares. Plain JavaScript
// (no node:assert), so the same scenarios run in Node, workerd and browsers.

/** Fail with `message` unless `cond`. */
export function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Fail unless `actual` and `expected` are the same JSON, showing both where they differ. */
export function same(actual, expected, what = "value") {
  const a = JSON.stringify(actual, null, 2);
  const e = JSON.stringify(expected, null, 2);
  if (a === e) return;
  const al = a.split("\n");
  const el = e.split("\n");
  const diff = [];
  for (let i = 0; i < Math.max(al.length, el.length); i++) {
    if (al[i] === el[i]) continue;
    if (el[i] !== undefined) diff.push(`- ${el[i]}`);
    if (al[i] !== undefined) diff.push(`+ ${al[i]}`);
    if (diff.length > 40) break;
  }
  throw new Error(`${what} differs (- expected, + actual):\n${diff.join("\n")}`);
}

/** Resolve after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
