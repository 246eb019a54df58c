/**
 * The ConfigAggregator kind in-process: its decisions as a table (src/kinds/config-aggregator/
 * compare.ts), and its client against fakes of its narrow AWS Config and IAM interfaces that
 * answer as AWS documents: the role and the aggregator created, nothing written once in place,
 * drift repaired, what blocks (trusted access, a member not registered, a name taken), AWS's
 * refusal of a role created a moment ago, and deletion of only what orgguard created.
 * test/integration/config-aggregator.test.ts runs the same client against moto.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { OrganizationView } from "../../../src/aws/organization-view.js";
import type { ServiceIntegration } from "../../../src/aws/service-integration.js";
import type {
  AggregatorApi,
  AggregatorRecord,
  OrganizationSource,
  RoleApi,
  RoleRecord,
} from "../../../src/kinds/config-aggregator/aggregator-api.js";
import { trustsConfig } from "../../../src/kinds/config-aggregator/aggregator-api.js";
import { AGGREGATOR_ROLE_POLICY } from "../../../src/kinds/config-aggregator/api.js";
import { ConfigAggregatorClient } from "../../../src/kinds/config-aggregator/client.js";
import {
  aggregatorPlan,
  type DesiredAggregator,
  type ObservedAggregator,
  plannedChanges,
  writesNothing,
} from "../../../src/kinds/config-aggregator/compare.js";
import type { ViewReader } from "../../../src/kinds/organization.js";
import type { ManagedObject, Observation } from "../../../src/runtime/managed.js";
import { BlockedError, RetryableError } from "../../../src/runtime/reconcile-errors.js";

const MANAGEMENT = "111111111111";
const AUDIT = "222222222222";
const REGION = "us-east-1";
const ROLE_ARN = `arn:aws:iam::${AUDIT}:role/orgguard-config-aggregator`;

const awsError = (name: string) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 } });

describe("aggregatorPlan", () => {
  const desired: DesiredAggregator = {
    name: "organization",
    accountId: AUDIT,
    region: REGION,
    source: { roleArn: ROLE_ARN, allAwsRegions: true, awsRegions: [] },
    tags: { "orgguard.io/managed-by": "orgguard", team: "security" },
    role: { name: "orgguard-config-aggregator", policyArn: AGGREGATOR_ROLE_POLICY, tags: {} },
  };
  const inPlace: ObservedAggregator = {
    aggregator: { name: "organization", arn: "arn:agg", organizationSource: desired.source },
    aggregatorTags: desired.tags,
    role: { arn: ROLE_ARN, trustsConfig: true, tags: {} },
    attachedPolicies: [AGGREGATOR_ROLE_POLICY],
  };
  const cases: Array<{ reason: string; observed: ObservedAggregator; paths: string[] }> = [
    { reason: "everything in place: nothing", observed: inPlace, paths: [] },
    {
      reason: "nothing there: the role (with its policy), then the aggregator",
      observed: { aggregatorTags: {}, attachedPolicies: [] },
      paths: ["role[orgguard-config-aggregator]", "aggregator"],
    },
    {
      reason: "the aggregator narrowed to one region by hand: all regions again",
      observed: {
        ...inPlace,
        aggregator: {
          name: "organization",
          arn: "arn:agg",
          organizationSource: { ...desired.source, allAwsRegions: false, awsRegions: ["eu-west-1"] },
        },
      },
      paths: ["aggregator.source"],
    },
    {
      reason: "an aggregator of listed accounts (not the organization): made the organization's",
      observed: { ...inPlace, aggregator: { name: "organization", arn: "arn:agg" } },
      paths: ["aggregator.source"],
    },
    {
      reason: "the role's trust and its policy changed by hand: both restored",
      observed: { ...inPlace, role: { arn: ROLE_ARN, trustsConfig: false, tags: {} }, attachedPolicies: [] },
      paths: [
        "role[orgguard-config-aggregator].trust",
        `role[orgguard-config-aggregator].policies[${AGGREGATOR_ROLE_POLICY}]`,
      ],
    },
    {
      reason: "a tag of the spec changed by hand: set again (other tags left alone)",
      observed: { ...inPlace, aggregatorTags: { ...desired.tags, team: "other", extra: "kept" } },
      paths: ["tags[team]"],
    },
  ];
  it.each(cases)("$reason", ({ observed, paths }) => {
    const plan = aggregatorPlan(desired, observed);
    expect(plannedChanges(plan, desired, observed).map((c) => c.path)).toEqual(paths);
    expect(writesNothing(plan)).toBe(paths.length === 0);
  });

  it("compares listed regions as a set, and ignores them when all regions are aggregated", () => {
    const listed = {
      ...desired,
      source: { roleArn: ROLE_ARN, allAwsRegions: false, awsRegions: ["eu-west-1", "us-east-1"] },
    };
    const have = (awsRegions: string[], allAwsRegions = false) => ({
      ...inPlace,
      aggregator: {
        name: "organization",
        arn: "arn:agg",
        organizationSource: { roleArn: ROLE_ARN, allAwsRegions, awsRegions },
      },
    });
    expect(aggregatorPlan(listed, have(["us-east-1", "eu-west-1"])).put).toBe(false);
    expect(aggregatorPlan(listed, have(["us-east-1"])).put).toBe(true);
    expect(aggregatorPlan(desired, have(["whatever"], true)).put).toBe(false);
  });
});

describe("trustsConfig", () => {
  const doc = (statement: unknown) =>
    encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: statement }));
  const cases = [
    {
      reason: "AWS Config, one statement",
      document: doc({
        Effect: "Allow",
        Principal: { Service: "config.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
      trusts: true,
    },
    {
      reason: "among other services, as a list",
      document: doc([
        {
          Effect: "Allow",
          Principal: { Service: ["ec2.amazonaws.com", "config.amazonaws.com"] },
          Action: ["sts:AssumeRole"],
        },
      ]),
      trusts: true,
    },
    {
      reason: "another service only",
      document: doc([
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]),
      trusts: false,
    },
    {
      reason: "a Deny",
      document: doc([
        { Effect: "Deny", Principal: { Service: "config.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]),
      trusts: false,
    },
    { reason: "not JSON", document: "%7Bnot", trusts: false },
  ];
  it.each(cases)("$reason", ({ document, trusts }) => expect(trustsConfig(document)).toBe(trusts));
});

/** AWS Config's aggregators and IAM's roles in one account, as AWS answers. */
class FakeAccount implements AggregatorApi {
  aggregators = new Map<string, AggregatorRecord & { tags: Record<string, string> }>();
  roles = new Map<string, RoleRecord & { policies: Set<string> }>();
  writes: string[] = [];
  /** PutConfigurationAggregator answers InvalidRoleException this many times (IAM propagation). */
  roleNotAssumable = 0;

  async aggregator(name: string) {
    const a = this.aggregators.get(name);
    return a
      ? {
          name: a.name,
          arn: a.arn,
          ...(a.organizationSource ? { organizationSource: a.organizationSource } : {}),
        }
      : undefined;
  }
  async tagsOf(arn: string) {
    return [...this.aggregators.values()].find((a) => a.arn === arn)?.tags ?? {};
  }
  async put(name: string, source: OrganizationSource, tags: Record<string, string>) {
    this.writes.push(`put ${name}`);
    if (this.roleNotAssumable-- > 0) throw awsError("InvalidRoleException");
    const existing = this.aggregators.get(name);
    const arn =
      existing?.arn ?? `arn:aws:config:${REGION}:${AUDIT}:config-aggregator/config-aggregator-${name}`;
    this.aggregators.set(name, {
      name,
      arn,
      organizationSource: source,
      tags: existing?.tags ?? { ...tags },
    });
    return arn;
  }
  async tag(arn: string, tags: Record<string, string>) {
    this.writes.push(`tag ${Object.keys(tags).join(",")}`);
    const a = [...this.aggregators.values()].find((x) => x.arn === arn);
    if (a) Object.assign(a.tags, tags);
  }
  async delete(name: string) {
    this.writes.push(`delete ${name}`);
    if (!this.aggregators.delete(name)) throw awsError("NoSuchConfigurationAggregatorException");
  }
  async role(name: string) {
    const r = this.roles.get(name);
    return r ? { arn: r.arn, trustsConfig: r.trustsConfig, tags: r.tags } : undefined;
  }
  async attachedPolicies(name: string) {
    return [...(this.roles.get(name)?.policies ?? [])];
  }
  async create(name: string, tags: Record<string, string>) {
    this.writes.push(`createRole ${name}`);
    const arn = `arn:aws:iam::${AUDIT}:role/${name}`;
    this.roles.set(name, { arn, trustsConfig: true, tags, policies: new Set() });
    return arn;
  }
  async roleTag(name: string, tags: Record<string, string>) {
    this.writes.push(`tagRole ${Object.keys(tags).join(",")}`);
    const r = this.roles.get(name);
    if (r) Object.assign(r.tags, tags);
  }
  async trustConfig(name: string) {
    this.writes.push(`trust ${name}`);
    const r = this.roles.get(name);
    if (r) r.trustsConfig = true;
  }
  async attach(name: string, policyArn: string) {
    this.writes.push(`attach ${policyArn}`);
    this.roles.get(name)?.policies.add(policyArn);
  }
  async detach(name: string, policyArn: string) {
    this.writes.push(`detach ${policyArn}`);
    this.roles.get(name)?.policies.delete(policyArn);
  }
  async roleDelete(name: string) {
    this.roles.delete(name);
  }
}

const VIEW: OrganizationView = {
  organizationId: "o-example",
  managementAccountId: MANAGEMENT,
  rootId: "r-ab12",
  enabledPolicyTypes: [],
  ous: [],
  accounts: [
    { id: MANAGEMENT, name: "Management", status: "ACTIVE", parentId: "r-ab12" },
    { id: AUDIT, name: "audit-1", status: "ACTIVE", parentId: "r-ab12" },
  ],
};
const view: ViewReader = {
  current: async () => VIEW,
  fresher: async () => VIEW,
  invalidate: () => undefined,
};

let account: FakeAccount;
let integration: { trusted: Set<string>; delegated: string[] } & ServiceIntegration;
let client: ConfigAggregatorClient;

beforeEach(() => {
  account = new FakeAccount();
  const roles: RoleApi = {
    role: (name) => account.role(name),
    attachedPolicies: (name) => account.attachedPolicies(name),
    create: (name, tags) => account.create(name, tags),
    tag: (name, tags) => account.roleTag(name, tags),
    trustConfig: (name) => account.trustConfig(name),
    attach: (name, arn) => account.attach(name, arn),
    detach: (name, arn) => account.detach(name, arn),
    delete: async (name) => {
      account.writes.push(`deleteRole ${name}`);
      await account.roleDelete(name);
    },
  };
  integration = {
    trusted: new Set(["config.amazonaws.com"]),
    delegated: [AUDIT],
    async trustedAccess(p) {
      return this.trusted.has(p);
    },
    async delegatedAdministrators(p) {
      return p === "config.amazonaws.com" ? this.delegated : [];
    },
  };
  client = new ConfigAggregatorClient(
    {
      integration,
      ownAccountId: async () => MANAGEMENT,
      aggregators: async () => account,
      roles: async () => roles,
    },
    view,
  );
});

const object = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "ConfigAggregator",
  metadata: { name: "organization", uid: "uid-1", generation: 1, annotations },
  spec: { administrator: { accountName: "audit-1" }, region: REGION, ...spec },
});

async function reconcile(o: ManagedObject): Promise<Observation> {
  const observation = await client.observe(o);
  if (!observation.exists) await client.create(o, observation);
  else if (!observation.upToDate) await client.update(o, observation);
  return observation;
}

const thrown = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
};

describe("ConfigAggregatorClient", () => {
  it("creates the role and an organization aggregator over all regions, then writes nothing", async () => {
    const o = object({ tags: { team: "security" } });
    await reconcile(o);
    expect(account.writes).toEqual([
      "createRole orgguard-config-aggregator",
      `attach ${AGGREGATOR_ROLE_POLICY}`,
      "put organization",
    ]);
    expect(account.aggregators.get("organization")).toMatchObject({
      organizationSource: { roleArn: ROLE_ARN, allAwsRegions: true },
      tags: { team: "security", "orgguard.io/managed-by": "orgguard", "orgguard.io/name": "organization" },
    });
    const steady = await client.observe(o);
    expect(steady.upToDate).toBe(true);
    expect(steady.observed).toEqual({
      accountId: AUDIT,
      region: REGION,
      arn: `arn:aws:config:${REGION}:${AUDIT}:config-aggregator/config-aggregator-organization`,
      organizationWide: true,
      allRegions: true,
      roleArn: ROLE_ARN,
      roleReady: true,
    });
  });

  it("keeps the aggregator in the controller's own account when the spec names none, with the role it is given", async () => {
    const roleArn = `arn:aws:iam::${MANAGEMENT}:role/my-config-role`;
    const o = object({ administrator: undefined, roleArn, regions: ["eu-west-1", "us-east-1"] });
    await reconcile(o);
    expect(account.writes).toEqual(["put organization"]);
    expect(account.aggregators.get("organization")?.organizationSource).toEqual({
      roleArn,
      allAwsRegions: false,
      awsRegions: ["eu-west-1", "us-east-1"],
    });
  });

  it("repairs the aggregator narrowed by hand", async () => {
    const o = object({});
    await reconcile(o);
    const a = account.aggregators.get("organization");
    if (a) a.organizationSource = { roleArn: ROLE_ARN, allAwsRegions: false, awsRegions: ["eu-west-1"] };
    const drift = await client.observe(o);
    expect(drift.diff?.map((c) => c.from)).toEqual([`eu-west-1 as ${ROLE_ARN}`]);
    await client.update(o, drift);
    expect(account.aggregators.get("organization")?.organizationSource?.allAwsRegions).toBe(true);
  });

  const blocked = [
    {
      reason: "an aggregator of that name orgguard did not create",
      setup: () => {
        account.aggregators.set("organization", { name: "organization", arn: "arn:theirs", tags: {} });
      },
      condition: "NameTaken",
      says: "orgguard did not create it",
    },
    {
      reason: "a role of that name orgguard did not create",
      setup: () => {
        account.roles.set("orgguard-config-aggregator", {
          arn: ROLE_ARN,
          trustsConfig: true,
          tags: {},
          policies: new Set(),
        });
      },
      condition: "RoleNameTaken",
      says: "name your own role with spec.roleArn",
    },
  ];
  it.each(blocked)("stalls, writing nothing, when $reason", async ({ setup, condition, says }) => {
    setup();
    const err = await thrown(client.observe(object({})));
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).reason).toBe(condition);
    expect(err.message).toContain(says);
    expect(account.writes).toEqual([]);
  });

  it("knows its aggregator by the ARN it recorded when a put by hand dropped its tags, and tags it again", async () => {
    const o = object({});
    const created = await client.create(o, await client.observe(o));
    o.status = { ...created.status };
    const a = account.aggregators.get("organization");
    if (a) a.tags = {};
    const observation = await client.observe(o);
    expect(observation.diff?.map((c) => c.path)).toEqual([
      "tags[orgguard.io/managed-by]",
      "tags[orgguard.io/name]",
      "tags[orgguard.io/uid]",
    ]);
    expect(observation.adopted).toBeUndefined();
    // Without the record, the same aggregator is someone else's.
    o.status = {};
    expect(((await thrown(client.observe(o))) as BlockedError).reason).toBe("NameTaken");
  });

  const prerequisites = [
    {
      reason: "trusted access for AWS Config is off",
      setup: () => integration.trusted.clear(),
      path: "organization.trustedAccess[config.amazonaws.com]",
      condition: "TrustedAccessDisabled",
      says: "list config.amazonaws.com under the Organization object's spec.trustedAccess",
    },
    {
      reason: "the member account is not Config's delegated administrator",
      setup: () => {
        integration.delegated = [];
      },
      path: `organization.delegatedAdministrators[config.amazonaws.com/${AUDIT}]`,
      condition: "NotDelegatedAdministrator",
      says: `list { servicePrincipal: config.amazonaws.com, accountId: "${AUDIT}" } under the Organization object's spec.delegatedAdministrators`,
    },
  ];
  it.each(prerequisites)(
    "plans the aggregator when $reason, and a write waits for it (retried with backoff)",
    async ({ setup, path, condition, says }) => {
      setup();
      const o = object({});
      const observation = await client.observe(o);
      expect(observation.diff?.map((c) => c.path)).toEqual([path, "aggregator"]);
      const err = await thrown(client.create(o, observation));
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as RetryableError).reason).toBe(condition);
      expect(err.message).toContain(says);
      expect(account.writes).toEqual([]);
    },
  );

  it("takes over an aggregator and a role of its names when told to adopt", async () => {
    account.aggregators.set("organization", { name: "organization", arn: "arn:theirs", tags: {} });
    account.roles.set("orgguard-config-aggregator", {
      arn: ROLE_ARN,
      trustsConfig: true,
      tags: {},
      policies: new Set(),
    });
    const observation = await client.observe(object({}, { "orgguard.io/adopt": "true" }));
    expect(observation.adopted).toContain("adopted aggregator organization");
    // Both get orgguard's ownership tags: from then on they are its own, annotation or not.
    expect(observation.diff?.map((c) => c.path)).toEqual([
      "role[orgguard-config-aggregator].tags[orgguard.io/managed-by]",
      "role[orgguard-config-aggregator].tags[orgguard.io/name]",
      "role[orgguard-config-aggregator].tags[orgguard.io/uid]",
      `role[orgguard-config-aggregator].policies[${AGGREGATOR_ROLE_POLICY}]`,
      "aggregator.source",
      "tags[orgguard.io/managed-by]",
      "tags[orgguard.io/name]",
      "tags[orgguard.io/uid]",
    ]);
  });

  it("retries while AWS Config cannot assume the role created a moment ago", async () => {
    account.roleNotAssumable = 1;
    const o = object({});
    const err = await thrown(reconcile(o));
    expect((err as RetryableError).reason).toBe("RoleNotReady");
    await reconcile(o);
    expect((await client.observe(o)).upToDate).toBe(true);
  });

  it("waits for an account that does not exist yet, planning the aggregator", async () => {
    const o = object({ administrator: { accountName: "Security Tooling" } });
    const observation = await client.observe(o);
    expect(observation.exists).toBe(false);
    expect(observation.diff?.[0]?.description).toContain(
      "(no account in the organization is named Security Tooling yet)",
    );
    expect(((await thrown(client.create(o, observation))) as RetryableError).reason).toBe("AccountNotFound");
  });

  it("deletes only what it created: the aggregator and its role", async () => {
    const o = object({ deletionPolicy: "Delete" });
    await reconcile(o);
    o.metadata.deletionTimestamp = "2026-12-01T00:00:00Z";
    const observation = await client.observe(o);
    await client.delete(o, observation);
    expect(account.writes.slice(-3)).toEqual([
      "delete organization",
      `detach ${AGGREGATOR_ROLE_POLICY}`,
      "deleteRole orgguard-config-aggregator",
    ]);
    expect((await client.observe(o)).exists).toBe(false);
    // Someone else's aggregator of that name is never deleted.
    account.aggregators.set("organization", { name: "organization", arn: "arn:theirs", tags: {} });
    expect((await client.observe(o)).exists).toBe(false);
  });
});
