/**
 * An in-memory AWS Organizations for the policy engine's in-process tests: a fake of the narrow
 * PolicyApi (organization-policy/policy-api.ts) that answers as AWS documents (the same error
 * codes, shaped like the SDK's exceptions), records every call in order, and can be told to fail a
 * call or to lose a call's answer after the write landed. A fixed TargetView gives the
 * organization view the engine resolves OU paths and account names in.
 */
import type { PolicyType } from "@aws-sdk/client-organizations";
import type { OrganizationView } from "../../src/aws/organization-view.js";
import type { TargetView } from "../../src/kinds/organization.js";
import type {} from "../../src/kinds/organization-policy/client.js";
import type {
  NewPolicy,
  PolicyApi,
  PolicyRecord,
  RootRecord,
} from "../../src/kinds/organization-policy/policy-api.js";

/** An error shaped like the SDK's service exceptions: what awsErrorCode and meaningOf read. */
export function awsError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name}: as AWS says it`), {
    name,
    $metadata: { httpStatusCode: 400 },
    ...fields,
  });
}

/** One policy as the fake keeps it. */
export interface FakePolicy {
  record: PolicyRecord;
  tags: Record<string, string>;
  targets: Set<string>;
}

type Method = keyof PolicyApi;

/** A scripted failure: thrown instead of the call, or after it landed (its answer was lost). */
interface Failure {
  error: Error;
  /** The call takes effect, then the error is thrown: a lost answer. */
  afterLanding: boolean;
}

export class FakeOrganizations implements PolicyApi {
  /** undefined: the caller is in no organization. */
  rootRecord: RootRecord | undefined;
  readonly policies = new Map<string, FakePolicy>();
  /** Every call, in order: `attach p-1 ou-1`. */
  readonly calls: string[] = [];
  private readonly failures = new Map<Method, Failure[]>();
  private nextId = 1;

  constructor(enabledPolicyTypes: string[] = ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]) {
    this.rootRecord = { id: "r-root", enabledPolicyTypes };
  }

  /** The next call of `method` fails with `error` (before anything changes). */
  failNext(method: Method, error: Error): this {
    return this.script(method, { error, afterLanding: false });
  }

  /** The next call of `method` takes effect, then fails with `error`: its answer was lost. */
  loseNextAnswer(method: Method, error: Error): this {
    return this.script(method, { error, afterLanding: true });
  }

  /** Puts a policy in AWS as someone (or orgguard, earlier) created it; returns its id. */
  seed(
    policy: Partial<Omit<PolicyRecord, "id" | "arn">> & { name: string },
    extra: { id?: string; tags?: Record<string, string>; targets?: string[] } = {},
  ): string {
    const id = extra.id ?? this.newId();
    this.policies.set(id, {
      record: {
        id,
        arn: arnOf(id),
        description: "",
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: false,
        content: "{}",
        ...policy,
      },
      tags: { ...extra.tags },
      targets: new Set(extra.targets),
    });
    return id;
  }

  /** The policy with id `id`; throws when there is none (a test's mistake). */
  policy(id: string): FakePolicy {
    const policy = this.policies.get(id);
    if (!policy) throw new Error(`the fake has no policy ${id}`);
    return policy;
  }

  /** The calls that write, in order (reads left out). */
  get writes(): string[] {
    const writes = [
      "createPolicy",
      "updatePolicy",
      "tag",
      "untag",
      "attach",
      "detach",
      "deletePolicy",
      "enablePolicyType",
    ];
    return this.calls.filter((c) => writes.includes(c.split(" ")[0] ?? ""));
  }

  root(): Promise<RootRecord | undefined> {
    return this.call("root", [], () => (this.rootRecord ? structuredClone(this.rootRecord) : undefined));
  }

  describePolicy(id: string): Promise<PolicyRecord> {
    return this.call("describePolicy", [id], () => ({ ...this.existing(id).record }));
  }

  findPolicyId(type: PolicyType, name: string): Promise<string | undefined> {
    return this.call("findPolicyId", [type, name], () => this.named(type, name)?.record.id);
  }

  tagsOf(id: string): Promise<Record<string, string>> {
    return this.call("tagsOf", [id], () => ({ ...this.existing(id, "TargetNotFoundException").tags }));
  }

  targetsOf(id: string): Promise<string[]> {
    return this.call("targetsOf", [id], () => [...this.existing(id).targets]);
  }

  policiesOn(target: string, type: PolicyType): Promise<string[]> {
    return this.call("policiesOn", [target], () =>
      [...this.policies.values()]
        .filter((p) => p.record.type === type && p.targets.has(target))
        .map((p) => p.record.id),
    );
  }

  createPolicy(policy: NewPolicy): Promise<{ id: string; arn: string }> {
    return this.call("createPolicy", [policy.name], () => {
      if (this.named(policy.type, policy.name)) throw awsError("DuplicatePolicyException");
      const id = this.seed(
        { name: policy.name, description: policy.description, type: policy.type, content: policy.content },
        { tags: policy.tags },
      );
      return { id, arn: arnOf(id) };
    });
  }

  updatePolicy(id: string, update: { name: string; description: string; content: string }): Promise<void> {
    return this.call("updatePolicy", [id], () => {
      const policy = this.existing(id);
      const holder = this.named(policy.record.type, update.name);
      if (holder && holder !== policy) throw awsError("DuplicatePolicyException");
      Object.assign(policy.record, update);
    });
  }

  tag(id: string, tags: Record<string, string>): Promise<void> {
    return this.call("tag", [id, ...Object.keys(tags)], () => {
      Object.assign(this.existing(id, "TargetNotFoundException").tags, tags);
    });
  }

  untag(id: string, keys: string[]): Promise<void> {
    return this.call("untag", [id, ...keys], () => {
      const policy = this.existing(id, "TargetNotFoundException");
      for (const key of keys) delete policy.tags[key];
    });
  }

  attach(policyId: string, target: string): Promise<void> {
    return this.call("attach", [policyId, target], () => {
      const policy = this.existing(policyId);
      if (policy.targets.has(target)) throw awsError("DuplicatePolicyAttachmentException");
      policy.targets.add(target);
    });
  }

  detach(policyId: string, target: string): Promise<void> {
    return this.call("detach", [policyId, target], () => {
      const policy = this.existing(policyId);
      if (!policy.targets.has(target)) throw awsError("PolicyNotAttachedException");
      policy.targets.delete(target);
    });
  }

  deletePolicy(id: string): Promise<void> {
    return this.call("deletePolicy", [id], () => {
      // AWS refuses to delete a policy that is still attached.
      if (this.existing(id).targets.size > 0) throw awsError("PolicyInUseException");
      this.policies.delete(id);
    });
  }

  enablePolicyType(rootId: string, type: PolicyType): Promise<void> {
    return this.call("enablePolicyType", [rootId, type], () => {
      const root = this.rootRecord;
      if (!root || root.id !== rootId) throw awsError("RootNotFoundException");
      if (root.enabledPolicyTypes.includes(type)) throw awsError("PolicyTypeAlreadyEnabledException");
      root.enabledPolicyTypes.push(type);
    });
  }

  private script(method: Method, failure: Failure): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), failure]);
    return this;
  }

  /** Records the call, then answers it (or fails it, as scripted). */
  private async call<R>(method: Method, args: string[], answer: () => R): Promise<R> {
    this.calls.push([method, ...args].join(" "));
    const failure = this.failures.get(method)?.shift();
    if (failure && !failure.afterLanding) throw failure.error;
    const result = answer();
    if (failure) throw failure.error;
    return result;
  }

  private existing(id: string, missing = "PolicyNotFoundException"): FakePolicy {
    const policy = this.policies.get(id);
    if (!policy) throw awsError(missing);
    return policy;
  }

  private named(type: string, name: string): FakePolicy | undefined {
    return [...this.policies.values()].find((p) => p.record.type === type && p.record.name === name);
  }

  private newId(): string {
    return `p-fake${String(this.nextId++).padStart(4, "0")}`;
  }
}

const arnOf = (id: string) =>
  `arn:aws:organizations::000000000000:policy/o-fake/service_control_policy/${id}`;

/** An organization view with the fake's root: OUs by path and accounts by name. */
export function organizationView(
  ous: Array<{ id: string; path: string }> = [],
  accounts: Array<{ id: string; name: string }> = [],
): OrganizationView {
  return {
    organizationId: "o-fake",
    managementAccountId: "000000000000",
    rootId: "r-root",
    enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
    ous: ous.map((ou) => ({
      id: ou.id,
      path: ou.path,
      name: ou.path.split("/").at(-1) ?? "",
      parentId: "r-root",
    })),
    accounts: accounts.map((a) => ({ ...a, status: "ACTIVE", parentId: "r-root" })),
  };
}

/** A TargetView that serves `current`, and `fresher` when asked to re-read; counts both. */
export function fixedTargetView(
  current: OrganizationView,
  fresher: OrganizationView = current,
): TargetView & { reads: Array<"current" | "fresher"> } {
  const reads: Array<"current" | "fresher"> = [];
  return {
    reads,
    current: async () => {
      reads.push("current");
      return current;
    },
    fresher: async () => {
      reads.push("fresher");
      return fresher;
    },
  };
}
