// Preloaded into a controller under test (node --import): writes one stderr line per AWS SDK
// client package the process loads, so a test can see which SDKs a controller pays for.
import { registerHooks } from "node:module";

const seen = new Set();
registerHooks({
  load(url, context, nextLoad) {
    const sdk = /\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(url)?.[1];
    if (sdk && !seen.has(sdk)) {
      seen.add(sdk);
      process.stderr.write(`sdk loaded: ${sdk}\n`);
    }
    return nextLoad(url, context);
  },
});
