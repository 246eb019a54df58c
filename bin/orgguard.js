#!/usr/bin/env -S node --max-semi-space-size=4 --optimize-for-size
// Thin launcher: the CLI is compiled to dist/ by `npm run build`. The node flags above are the
// image's (Dockerfile ENTRYPOINT; a unit test keeps the two equal): a 4 MiB young generation
// instead of V8's default of up to 64 MiB, and V8's heuristics for size over speed.
import "../dist/cli/run.js";
