// Runs the host test files named on the command line, in order.
import { run } from "../js/harness.mjs";

for (const file of process.argv.slice(2)) {
  await import(new URL(file, import.meta.url));
}
const failed = await run();
process.exit(failed === 0 ? 0 : 1);
