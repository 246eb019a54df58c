// Preloaded into a controller under test (node --import): writes one stderr line per AWS SDK
// client package the process loads (and for the Kubernetes client, `client-node`), so a test can
// see which SDKs a process pays for.
import { registerHooks } from "node:module";

const seen = new Set();
registerHooks({
  load(url, context, nextLoad) {
    const sdk = /\/(?:@aws-sdk\/(client-[a-z0-9-]+)|@kubernetes\/(client-node))\//
      .exec(url)
      ?.slice(1)
      .find(Boolean);
    if (sdk && !seen.has(sdk)) {
      seen.add(sdk);
      process.stderr.write(`sdk loaded: ${sdk}\n`);
    }
    return nextLoad(url, context);
  },
});
