// A small test harness: register with test(), run() prints one line per test
// and ends with the plain summary line "N passed, N failed".
const tests = [];
const cleanups = [];

export function test(name, fn) {
  tests.push({ name, fn });
}

/** Run `fn` after all tests, pass or fail (to stop servers started for them). */
export function after(fn) {
  cleanups.push(fn);
}

export async function run() {
  let passed = 0;
  let failed = 0;
  const only = process.env.TEST_FILTER;
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
    const start = performance.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok   ${t.name} (${Math.round(performance.now() - start)} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}\n     ${String(e?.stack ?? e).split("\n").join("\n     ")}`);
    }
  }
  for (const fn of cleanups) {
    try {
      await fn();
    } catch (e) {
      console.log(`cleanup failed: ${e}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}
