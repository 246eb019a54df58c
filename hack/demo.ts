/**
 * `make demo`: orgguard end to end on the local default, non-interactive.
 * 1. starts etcd, kube-apiserver and moto (as `make env-up`, in .devenv/demo);
 * 2. creates a demo organization (OUs and member accounts) in moto;
 * 3. shows `orgguard plan examples/`: what the controller is about to do;
 * 4. creates the events queue in moto, installs the CRDs and starts `orgguard controller` against
 *    both (polling every 5 minutes, the default, and reading API call events from the queue);
 * 5. applies every example (they never contend for one setting);
 * 6. waits until everything is Ready and prints the status table, and each baseline's CIS compliance;
 * 7. changes a member account's password policy behind orgguard's back, sends the event a
 *    CloudTrail rule would deliver (moto makes none) and shows it repaired seconds later;
 * 8. stops everything.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import {
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startEnvironment } from "../test/env/environment.js";
import { waitUntil } from "../test/env/process.js";
import { provision } from "../test/env/provision.js";
import { apiCallMessage } from "../test/support/api-call-events.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  memberCredentials,
  SAMPLE_ORGANIZATION,
} from "../test/support/aws.js";

/** The demo applies every example: together they describe the sample organization's baseline. */
const DEMO_MANIFESTS = ["examples"];

const step = (text: string) => console.log(`\n==> ${text}`);

/** How often the demo's controller compares AWS with the spec: the default; events do the rest. */
const POLL = "5m";
/** How often baselines re-read the organization (the default is 5m): the demo's are quick. */
const DISCOVERY = "10s";
const dir = path.resolve(".devenv/demo");
/** The controller's log (JSON lines), kept after the demo. */
const CONTROLLER_LOG = path.join(dir, "controller.log");

/** The controller's last few log lines about one object, one short line each (for a failed wait). */
function recentReconciles(kind: string, name: string, count = 8): string {
  const lines = readFileSync(CONTROLLER_LOG, "utf8")
    .split("\n")
    .filter((line) => line.includes(`"kind":"${kind}"`) && line.includes(`"name":"${name}"`));
  return lines
    .slice(-count)
    .map((line) => {
      const { time, msg, triggers, reason, error, retryInMs } = JSON.parse(line) as Record<string, unknown>;
      const detail = [
        triggers,
        reason,
        typeof error === "string" ? error.slice(0, 160) : undefined,
        retryInMs,
      ]
        .filter((part) => part !== undefined)
        .map(String)
        .join(" ");
      return `      ${String(time).slice(11, 23)} ${String(msg)} ${detail}`;
    })
    .join("\n");
}

await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });

step("starting etcd, kube-apiserver and moto");
const started = Date.now();
const env = await startEnvironment({ dir, workers: 1 });
let controller: ChildProcess | undefined;
let exitCode = 0;
try {
  const worker = env.workers[0]!;
  const { kubectl } = await provision(["kubectl"]);
  const kubeEnv = { ...process.env, KUBECONFIG: worker.kubeconfigPath };
  const k = (...args: string[]) => execFileSync(kubectl!, args, { env: kubeEnv, encoding: "utf8" });
  console.log(
    `    ready in ${Date.now() - started} ms (kube-apiserver ${worker.apiServerUrl}, moto ${worker.awsEndpoint})`,
  );

  step("creating a demo organization in moto");
  const endpoint = awsEndpoint(worker.awsEndpoint);
  const org = await createOrganization(SAMPLE_ORGANIZATION, endpoint);
  for (const [name, id] of org.accountIds) console.log(`    ${name.padEnd(10)} ${id}`);

  const awsEnv = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    // A session, as a role's credentials are: orgguard refuses long-term keys.
    AWS_SESSION_TOKEN: "testing",
  };
  step("orgguard plan examples/ (read-only: what the controller is about to do)");
  const plan = spawnSync(process.execPath, ["bin/orgguard.js", "plan", "examples/"], {
    env: { ...process.env, ...awsEnv },
    encoding: "utf8",
  });
  // The whole plan is long (every document in full): its head and its summary.
  const planLines = plan.stdout.trimEnd().split("\n");
  console.log(
    [...planLines.slice(0, 24), "    ...", planLines.at(-1) ?? ""].map((l) => `    ${l}`).join("\n"),
  );
  if (plan.status !== 2)
    throw new Error(`orgguard plan exited ${plan.status}, not 2 (changes): ${plan.stderr}`);

  const sqs = new SQSClient({ ...awsClientConfig(undefined, endpoint), region: "us-east-1" });
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "orgguard-events" }))).QueueUrl!;
  step(
    `installing the CRDs and starting orgguard controller, polling every ${POLL} (the default) and reading API call events from ${queueUrl}`,
  );
  k("apply", "--server-side", "-f", "crds/");
  k("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all");
  controller = spawn(
    process.execPath,
    [
      "bin/orgguard.js",
      "controller",
      `--poll-interval=${POLL}`,
      `--discovery-interval=${DISCOVERY}`,
      `--events-queue-url=${queueUrl}`,
      "--health-probe-bind-address=127.0.0.1:0",
      "--metrics-bind-address=127.0.0.1:0",
      // Every reconcile and why it ran, kept for when the demo fails (its message names the file).
      "--log-level=debug",
    ],
    {
      env: { ...kubeEnv, ...awsEnv },
      stdio: ["ignore", openSync(CONTROLLER_LOG, "w"), "inherit"],
    },
  );

  step(`applying ${DEMO_MANIFESTS.join(", ")}`);
  console.log(
    k("apply", "--server-side", "-R", ...DEMO_MANIFESTS.flatMap((m) => ["-f", m]))
      .trimEnd()
      .replace(/^/gm, "    "),
  );

  step("waiting until every object is Ready (ObserveOnly ones: reporting what differs)");
  // ObserveOnly objects never change AWS: Drifted or NotFound is their settled state.
  const settled = /=(True|False\/(Drifted|NotFound))$/;
  const notReady = () =>
    k(
      "get",
      "orgguard",
      "-o",
      'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}{"\\n"}{end}',
    )
      .split("\n")
      .map((l) => l.replace(/\/Available$/, ""))
      .filter((l) => l && !settled.test(l));
  /** The Ready message of each `kind/name=...` line, to say why an object is not Ready. */
  const readyMessages = (lines: string[]) =>
    lines
      .map((line) => {
        const [kind = "", name = ""] = line.split("=")[0]?.split("/") ?? [];
        const message = k(
          "get",
          kind,
          name,
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].message}',
        );
        return `    ${kind}/${name}: ${message}\n${recentReconciles(kind, name)}`;
      })
      .join("\n");
  const waitStart = Date.now();
  await waitUntil(
    async () => notReady().length === 0,
    180_000,
    () => `every object to be Ready (still not: ${notReady().join(", ")})\n${readyMessages(notReady())}`,
  );
  console.log(`    all Ready ${((Date.now() - waitStart) / 1000).toFixed(1)} s after apply`);
  console.log(k("get", "orgguard").trimEnd().replace(/^/gm, "    "));

  step("CIS compliance of each baseline's accounts (status.compliance: judged from what AWS has)");
  // A baseline sums up its children when it reconciles (every --discovery-interval), and writes
  // its status only when the sum changes: wait until every baseline judges every control.
  const judged = () =>
    k(
      "get",
      "accountbaselines",
      "-o",
      "jsonpath={range .items[*]}{.status.matchedAccounts}/{range .status.compliance[*]}{.total},{end}{'\\n'}{end}",
    )
      .split("\n")
      .filter(Boolean);
  await waitUntil(
    async () => judged().every((line) => /^(\d+)\/(\1,)*$/.test(line)),
    60_000,
    () => `every baseline to judge every account (${judged().join("; ")})`,
  );
  console.log(
    k(
      "get",
      "accountbaselines",
      "-o",
      "jsonpath={range .items[*]}{.metadata.name}: {.status.compliant} compliant{'\\n'}{range .status.compliance[*]}  {.control}: {.compliant}/{.total} account(s), {.title}{'\\n'}{end}{end}",
    )
      .trimEnd()
      .replace(/^/gm, "    "),
  );

  step("a console user weakens dev-1's password policy (kept by the cis-baseline)");
  const dev = org.accountIds.get("dev-1")!;
  const iam = new IAMClient(awsClientConfig(await memberCredentials(dev, undefined, endpoint), endpoint));
  const length = async () =>
    (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength;
  const describePolicy = async () => {
    const p = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy ?? {};
    const classes = [
      p.RequireSymbols && "symbols",
      p.RequireNumbers && "numbers",
      p.RequireUppercaseCharacters && "upper",
      p.RequireLowercaseCharacters && "lower",
    ].filter(Boolean);
    return `minimum length ${p.MinimumPasswordLength}, required classes [${classes.join(", ")}], reuse prevention ${p.PasswordReusePrevention ?? "none"}`;
  };
  console.log(`    before: ${await describePolicy()}`);
  // IAM has no partial update: a call that names only the length resets every other field.
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 6 }));
  console.log(
    `    changed with UpdateAccountPasswordPolicy(MinimumPasswordLength=6), which resets every field it does not name: ${await describePolicy()}`,
  );
  // What an EventBridge rule on CloudTrail (docs/events/orgguard-events.yaml) would put in the queue.
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: apiCallMessage(
        { eventSource: "iam.amazonaws.com", eventName: "UpdateAccountPasswordPolicy" },
        { account: dev, requestParameters: { minimumPasswordLength: 6 } },
      ),
    }),
  );
  const changedAt = Date.now();
  console.log("    its CloudTrail event (iam.amazonaws.com/UpdateAccountPasswordPolicy) reaches the queue");
  await waitUntil(async () => (await length()) === 14, 60_000, "orgguard to repair the password policy");
  console.log(
    `    repaired by orgguard ${((Date.now() - changedAt) / 1000).toFixed(1)} s after the event, not at its next poll (in ${POLL}): ${await describePolicy()}`,
  );
  const events = k(
    "get",
    "events",
    "-n",
    "default",
    "--field-selector",
    "reason=DriftRepaired",
    "-o",
    "custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message",
  );
  console.log(events.trimEnd().replace(/^/gm, "    "));
  step("done: stopping the controller and the local environment (make env-up keeps one running)");
} catch (err) {
  console.error(`demo failed: ${(err as Error).message} (the controller's log: ${CONTROLLER_LOG})`);
  exitCode = 1;
} finally {
  controller?.kill("SIGTERM");
  await new Promise((resolve) => (controller ? controller.once("exit", resolve) : resolve(undefined)));
  await env.stop();
}
process.exit(exitCode);
