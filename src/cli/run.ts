/** The process entry point of the `orgguard` command (bin/orgguard.js loads the compiled copy). */
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
