/**
 * The CRDs against the real kube-apiserver: they apply and become Established, every example is
 * accepted by a server-side apply, every invalid fixture that schema or CEL can catch is rejected
 * with a message naming the field, and kubectl shows the descriptions and printer columns.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crdFileName } from "../../src/api/crd.js";
import { API_DEFINITIONS as KINDS } from "../../src/kinds/index.js";
import { exampleFiles, invalidFixtures } from "../support/fixtures.js";
import { kubectl, kubectlOk } from "../support/kubectl.js";

const fixtures = await invalidFixtures();
// docs/examples holds the examples moto cannot run (make demo applies examples/ against it).
const examples = [...(await exampleFiles()), ...(await exampleFiles("docs/examples"))];

/** The last segment of a field path, which the apiserver's message must name (spec.targets[0] -> targets[0]). */
const lastSegment = (field: string) => field.split(".").at(-1)!;

beforeAll(async () => {
  // As a user would: kubectl apply -f crds/
  await kubectlOk(["apply", "--server-side", "-f", "crds/"]);
  await kubectlOk([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...KINDS.map((k) => `crd/${k.plural}.orgguard.io`),
  ]);
});

// This worker's apiserver is shared by the test files it runs after this one: leave no objects.
afterAll(async () => {
  await kubectlOk(["delete", KINDS.map((k) => k.plural).join(","), "--all", "--wait=false"]);
});

describe("the CRDs", () => {
  it.each(KINDS.map((k) => [k.kind, k] as const))("%s is Established and served", async (_, kind) => {
    const crd = parse(await readFile(`crds/${crdFileName(kind)}`, "utf8"));
    const out = await kubectlOk([
      "get",
      "crd",
      crd.metadata.name,
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Established')].status}",
    ]);
    expect(out).toBe("True");
  });
});

describe("server-side apply of the examples", () => {
  it.each(examples)("%s is accepted", async (file) => {
    const result = await kubectl(["apply", "--server-side", "--field-manager=orgguard-test", "-f", file]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("server-side apply of the invalid fixtures", () => {
  const atAdmission = fixtures.filter(
    (f) => f.rejectedAtAdmission && !f.file.includes("unknown-kind") && !f.file.includes("unparsable"),
  );
  it.each(atAdmission.map((f) => [f.file, f] as const))(
    "%s is rejected naming its field",
    async (_, fixture) => {
      const result = await kubectl(
        ["apply", "--server-side", "--field-manager=orgguard-test", "-f", "-"],
        fixture.text,
      );
      expect(result.code, fixture.reason).not.toBe(0);
      expect(result.stderr).toContain(lastSegment(fixture.field).replace(/\[\d+\]$/, ""));
    },
  );

  // These pass the apiserver by design (the document is free-form, its size is not measurable in CEL);
  // orgguard validate and the controller reject them (see test/unit/api/validate.test.ts).
  const onlyInTypeScript = fixtures.filter((f) => !f.rejectedAtAdmission);
  it.each(onlyInTypeScript.map((f) => [f.file, f] as const))(
    "%s passes admission (caught by orgguard instead)",
    async (_, fixture) => {
      const result = await kubectl(
        ["apply", "--server-side", "--dry-run=server", "--field-manager=orgguard-test", "-f", "-"],
        fixture.text,
      );
      expect(result.code).toBe(0);
    },
  );

  it("an unknown kind is rejected", async () => {
    const fixture = fixtures.find((f) => f.file.includes("unknown-kind"))!;
    const result = await kubectl(["apply", "--server-side", "-f", "-"], fixture.text);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("BackupPolicy");
  });
});

describe("kubectl", () => {
  /** kubectl explain wraps descriptions at 80 columns: compare with whitespace collapsed. */
  const explain = async (field: string) => (await kubectlOk(["explain", field])).replace(/\s+/g, " ");

  it("explain shows the field descriptions", async () => {
    const targets = await explain("servicecontrolpolicies.spec.targets");
    expect(targets).toContain("exactly one of root, ouId, ouPath, accountId or accountName");
    const length = await explain("passwordpolicies.spec.minimumPasswordLength");
    expect(length).toContain("Default 14, as CIS recommends");
    const selector = await explain("accountbaselines.spec.accounts");
    expect(selector).toContain("The management account is selected only by id");
  });

  it("get orgguard lists objects of every kind with the printer columns", async () => {
    const out = await kubectlOk(["get", "orgguard"]);
    for (const kind of KINDS) expect(out).toContain(`${kind.singular}.orgguard.io/`);
    // One table per kind, each with its own header line.
    const headers = out.split("\n").filter((l) => l.startsWith("NAME"));
    expect(headers).toHaveLength(KINDS.length);
    expect(headers).toContainEqual(
      expect.stringMatching(/^NAME\s+READY\s+REASON\s+SYNCED\s+POLICY-ID\s+TARGETS\s+AGE$/),
    );
    expect(headers).toContainEqual(
      expect.stringMatching(/^NAME\s+READY\s+REASON\s+SYNCED\s+PATH\s+OU-ID\s+AGE$/),
    );
    expect(headers).toContainEqual(
      expect.stringMatching(/^NAME\s+READY\s+REASON\s+SYNCED\s+ACCOUNT-ID\s+OU\s+AGE$/),
    );
    expect(headers).toContainEqual(
      expect.stringMatching(/^NAME\s+READY\s+REASON\s+SYNCED\s+ACCOUNT\s+MIN-LENGTH\s+AGE$/),
    );
    expect(headers).toContainEqual(expect.stringMatching(/^NAME\s+READY\s+REASON\s+SYNCED\s+ACCOUNT\s+AGE$/));
    expect(headers).toContainEqual(
      expect.stringMatching(
        /^NAME\s+READY\s+REASON\s+SYNCED\s+MATCHED\s+READY-ACCOUNTS\s+FAILING\s+CIS-COMPLIANT\s+AGE$/,
      ),
    );
  });
});
