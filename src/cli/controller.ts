/**
 * `orgguard controller [flags]`: runs the controller. Options: see `OPTIONS` in config.ts
 * (README, "Configuration"). The Kubernetes client comes from KUBECONFIG or the in-cluster
 * service account. What runs it is in controller-run.ts, loaded only when the command runs: the
 * other commands (plan, apply, validate) never pay for the controller runtime and the Kubernetes
 * client (about 80 MiB of resident memory).
 */
import { OPTIONS, optionChoices, optionsHelp } from "../config.js";
import type { CliCommand } from "./command.js";

/** `orgguard controller --help`. */
export const CONTROLLER_HELP = `usage: orgguard controller [options]

Runs the controller: watches the orgguard kinds in the cluster (KUBECONFIG, or the in-cluster
service account) and keeps AWS equal to them. Every option is a flag and an environment
variable; a flag wins over the environment, which wins over the default. Durations need a unit
(500ms, 30s, 5m, 1h). Invalid values are refused before anything starts.

options:
${optionsHelp()}
  -h, --help
      show this help

examples:
  orgguard controller --poll-interval 10s
  ORGGUARD_LEADER_ELECT=true orgguard controller --health-probe-bind-address :8081

exit codes:
  0  stopped by SIGTERM or SIGINT after draining
  1  invalid options, a port in use, a long-term access key (see
     --allow-long-term-credentials), or the leader-election Lease lost`;

/** `orgguard controller`: its options come from config.ts (flag, environment, default). */
export const controllerCommand: CliCommand = {
  name: "controller",
  summary: "Runs the controller (in a cluster, or against KUBECONFIG).",
  help: () => CONTROLLER_HELP,
  completion: () => ({
    options: [
      ...Object.values(OPTIONS).map((o) => ({ name: o.flag, value: optionChoices(o) ?? ("any" as const) })),
      { name: "help", short: "h", value: "none" },
    ],
    arguments: "none",
  }),
  run: async (args) => (await import("./controller-run.js")).runController(args),
};
