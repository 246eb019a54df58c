/**
 * ServiceControlPolicy: an AWS Organizations SCP and its attachments. Ownership is proven by tags
 * (or granted by the orgguard.io/adopt annotation), so a lost create is never a duplicate and a
 * policy orgguard did not create is never modified. Only this policy's own attachments are
 * touched; FullAWSAccess and foreign policies are counted against limits but never changed.
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  type Policy,
  paginateListAccounts,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListTargetsForPolicy,
  type Root,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { specProblems } from "../../api/problems.js";
import { minifyPolicyDocument, validateScpDocument } from "../../api/scp-document.js";
import type { AwsClients } from "../../aws/clients.js";
import { awsCall, awsErrorCode, isNotFound, toReconcileError } from "../../aws/errors.js";
import { KeyedMutex } from "../../aws/limiter.js";
import { BlockedError, RetryableError } from "../../runtime/errors.js";
import type { ExternalClient, ManagedKind, ManagedObject, Observation } from "../../runtime/managed.js";
import { type IamStatement, type Kind, kindRef, reads, writes } from "../kind.js";
import {
  type ScpTarget,
  type ServiceControlPolicySpec,
  serviceControlPolicyApi,
  serviceControlPolicySpec,
} from "./api.js";
import {
  ADOPT_ANNOTATION,
  attachmentPlan,
  creationChanges,
  type DesiredPolicy,
  diffPolicy,
  mayManage,
  type ObservedPolicy,
  ownershipTags,
  TAG_UID,
  tagPlan,
  targetLabel,
} from "./compare.js";
import { DEFAULT_SCP_OPTIONS, type ScpOptions } from "./options.js";

export type ServiceControlPolicyObject = ManagedObject<ServiceControlPolicySpec>;
export { DEFAULT_SCP_OPTIONS, type ScpOptions };

const SCP = "SERVICE_CONTROL_POLICY";

/** The policy as AWS has it, without what status shows elsewhere (content, tags, targets). */
type PolicyAtProvider = Omit<ObservedPolicy, "content" | "tags" | "targets">;

/** What observe hands to create, update and delete: nothing is kept between calls. */
interface ScpHandoff {
  rootId: string;
  /** Whether the SCP policy type is on at the root. */
  policyTypeEnabled: boolean;
  desired: DesiredPolicy;
  observed?: ObservedPolicy;
}

type ScpObservation = Observation<PolicyAtProvider, ScpHandoff>;

/** The managed kind the controller drives for ServiceControlPolicy objects. */
export function managedServiceControlPolicy(
  aws: AwsClients,
  options: ScpOptions = DEFAULT_SCP_OPTIONS,
): ManagedKind<ServiceControlPolicyObject, PolicyAtProvider, ScpHandoff> {
  // Writes to one target are serialized across all SCP objects of this process.
  const targetLocks = new KeyedMutex();
  return {
    ref: kindRef(serviceControlPolicyApi),
    validate: (object) => {
      const problems = specProblems(serviceControlPolicySpec, object.spec);
      if (problems.length > 0) return problems;
      return validateScpDocument(serviceControlPolicySpec.parse(object.spec).document, {
        basePath: "spec.document",
        sizeLimit: options.sizeLimit,
      }).map((p) => `${p.path}: ${p.message}`);
    },
    connect: async () => new ScpClient(aws.organizations(), options, targetLocks),
  };
}

const scpEnabled = (root: Root) =>
  (root.PolicyTypes ?? []).some((t) => t.Type === SCP && t.Status === "ENABLED");

class ScpClient implements ExternalClient<ServiceControlPolicyObject, PolicyAtProvider, ScpHandoff> {
  constructor(
    private readonly org: OrganizationsClient,
    private readonly options: ScpOptions,
    private readonly targetLocks: KeyedMutex,
  ) {}

  async observe(object: ServiceControlPolicyObject): Promise<ScpObservation> {
    const spec = serviceControlPolicySpec.parse(object.spec);
    const objectName = object.metadata.name;
    const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true";
    const roots = await awsCall("cannot list the organization's roots", () =>
      this.org.send(new ListRootsCommand({})),
    );
    const root = roots.Roots?.[0];
    if (!root?.Id)
      throw new RetryableError(
        "NoOrganization",
        "the caller's account is not in an organization with a root",
      );
    const policyTypeEnabled = scpEnabled(root);
    if (!policyTypeEnabled && !this.options.enablePolicyType) {
      throw new RetryableError(
        "PolicyTypeNotEnabled",
        `service control policies are not enabled on root ${root.Id}: enable them (EnablePolicyType), or start the controller with --enable-scp-policy-type`,
      );
    }
    const desired: DesiredPolicy = {
      name: spec.policyName ?? objectName,
      description: spec.description,
      document: spec.document,
      tags: { ...spec.tags, ...ownershipTags(objectName, object.metadata.uid) },
      ...(await resolveTargets(this.org, root.Id, spec.targets)),
    };
    const handoff: ScpHandoff = { rootId: root.Id, policyTypeEnabled, desired };
    const recordedId = typeof object.status?.policyId === "string" ? object.status.policyId : undefined;
    const found = await findPolicy(this.org, recordedId, desired.name);
    const observed = found?.policy;
    if (!observed) return { exists: false, upToDate: false, diff: creationChanges(desired), handoff };
    if (!mayManage(observed, objectName, adopt)) {
      // Deleting an object that never owned the policy: nothing of ours exists to delete.
      if (object.metadata.deletionTimestamp) return { exists: false, upToDate: false, handoff };
      // Blocked, not terminal: the other policy may be renamed or deleted by its owner.
      throw new BlockedError(
        "NameTaken",
        `an SCP named ${observed.name} already exists (${observed.id}) and its tags do not show orgguard created it for this object: add the annotation ${ADOPT_ANNOTATION}: "true" to take it over, or choose another policyName`,
      );
    }
    const diff = diffPolicy(desired, observed);
    const { content: _c, tags: _t, targets: _g, ...atProvider } = observed;
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed: atProvider,
      status: {
        policyId: observed.id,
        arn: observed.arn,
        attachedTargets: observed.targets.map((id) => ({ type: targetType(id), id })),
        documentSize: minifyPolicyDocument(spec.document).length,
      },
      handoff: { ...handoff, observed },
      ...(found?.byName && !createdByThisObject(observed, object.metadata.uid)
        ? { adopted: adoptionNote(observed, objectName) }
        : {}),
    };
  }

  async create(_object: ServiceControlPolicyObject, observation: ScpObservation) {
    const { desired } = handoffOf(observation);
    await this.ensurePolicyType(observation);
    const content = minifyPolicyDocument(desired.document);
    const created = await awsCall(`cannot create the SCP ${desired.name}`, () =>
      this.org.send(
        new CreatePolicyCommand({
          Name: desired.name,
          Description: desired.description,
          Type: SCP,
          Content: content,
          Tags: Object.entries(desired.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
    const summary = created.Policy!.PolicySummary!;
    await this.applyAttachments(desired, summary.Id!, []);
    return { status: { policyId: summary.Id!, arn: summary.Arn!, documentSize: content.length } };
  }

  async update(_object: ServiceControlPolicyObject, observation: ScpObservation): Promise<void> {
    const { desired: d, observed: p } = handoffOf(observation);
    if (!p) throw new Error("update without an observed policy");
    await this.ensurePolicyType(observation);
    // Tags first: when adopting a policy, the ownership tag is what lets an IAM policy
    // conditioned on aws:ResourceTag (iam/management-account-policy.json) allow the update.
    const tags = tagPlan(d.tags, p.tags);
    if (Object.keys(tags.set).length > 0) {
      await awsCall(`cannot tag the SCP ${p.id}`, () =>
        this.org.send(
          new TagResourceCommand({
            ResourceId: p.id,
            Tags: Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
    }
    const contentDiffers = diffPolicy(d, { ...p, targets: d.targets, tags: d.tags }).length > 0;
    if (contentDiffers) {
      try {
        await this.org.send(
          new UpdatePolicyCommand({
            PolicyId: p.id,
            Name: d.name,
            Description: d.description,
            Content: minifyPolicyDocument(d.document),
          }),
        );
      } catch (err) {
        // A rename to a name another policy holds: blocked until that one is renamed or deleted.
        if (awsErrorCode(err) === "DuplicatePolicyException") {
          throw new BlockedError(
            "NameTaken",
            `cannot rename the SCP ${p.id} to ${d.name}: another policy has that name`,
            {
              cause: err,
            },
          );
        }
        throw toReconcileError(err, `cannot update the SCP ${p.id}`);
      }
    }
    if (tags.remove.length > 0) {
      await awsCall(`cannot untag the SCP ${p.id}`, () =>
        this.org.send(new UntagResourceCommand({ ResourceId: p.id, TagKeys: tags.remove })),
      );
    }
    await this.applyAttachments(d, p.id, p.targets);
  }

  async delete(_object: ServiceControlPolicyObject, observation: ScpObservation): Promise<void> {
    const p = handoffOf(observation).observed;
    if (!p) return;
    for (const t of p.targets) await this.detach(t, p.id);
    await awsCall(
      `cannot delete the SCP ${p.id}`,
      () => this.org.send(new DeletePolicyCommand({ PolicyId: p.id })),
      {
        notFound: () => undefined,
      },
    );
  }

  private async ensurePolicyType(observation: ScpObservation): Promise<void> {
    const { rootId, policyTypeEnabled } = handoffOf(observation);
    if (policyTypeEnabled || !this.options.enablePolicyType) return;
    await awsCall(`cannot enable service control policies on root ${rootId}`, () =>
      this.org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: SCP })),
    );
  }

  private async applyAttachments(
    desired: DesiredPolicy,
    policyId: string,
    attachedNow: string[],
  ): Promise<void> {
    const plan = attachmentPlan(desired.targets, attachedNow);
    // Attach replacements before detaching, so no target is ever left with fewer guard rails.
    for (const t of plan.attach) await this.attach(t, policyId);
    for (const t of plan.detach) await this.detach(t, policyId);
  }

  /** Attaches under the target's lock, checking AWS's per-target limit first. */
  private attach(target: string, policyId: string): Promise<void> {
    return this.targetLocks.run(target, async () => {
      const attached = await policiesOn(this.org, target);
      if (attached.includes(policyId)) return;
      if (attached.length >= this.options.perTargetLimit) {
        throw new BlockedError(
          "TooManyPolicies",
          `cannot attach ${policyId} to ${target}: it already has ${attached.length} SCPs, the limit is ${this.options.perTargetLimit} (FullAWSAccess counts)`,
        );
      }
      // Attached meanwhile (for example by a lost earlier attempt): the goal is reached.
      await awsCall(
        `cannot attach ${policyId} to ${target}`,
        () => this.org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: target })),
        { goalReached: () => undefined },
      );
    });
  }

  /** Detaches under the target's lock; a target's last SCP is never detached (AWS refuses). */
  private detach(target: string, policyId: string): Promise<void> {
    return this.targetLocks.run(target, async () => {
      const attached = await policiesOn(this.org, target);
      if (!attached.includes(policyId)) return;
      if (attached.length <= 1) {
        throw new BlockedError(
          "LastPolicy",
          `refusing to detach ${policyId} from ${target}: it is the target's only SCP, and a target must keep one`,
        );
      }
      // Detached meanwhile (for example by a lost earlier attempt): the goal is reached.
      await awsCall(
        `cannot detach ${policyId} from ${target}`,
        () => this.org.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: target })),
        { goalReached: () => undefined },
      );
    });
  }
}

function handoffOf(observation: ScpObservation): ScpHandoff {
  if (!observation.handoff) throw new Error("an SCP observation without its handoff");
  return observation.handoff;
}

const targetType = (id: string) =>
  id.startsWith("r-") ? "ROOT" : id.startsWith("ou-") ? "ORGANIZATIONAL_UNIT" : "ACCOUNT";

/** The SCP ids attached directly to a target (inherited ones do not count against its limit). */
async function policiesOn(org: OrganizationsClient, target: string): Promise<string[]> {
  return awsCall(`cannot list the SCPs of ${target}`, async () => {
    const ids: string[] = [];
    for await (const page of paginateListPoliciesForTarget(
      { client: org },
      { TargetId: target, Filter: SCP },
    )) {
      ids.push(...(page.Policies ?? []).flatMap((p) => (p.Id ? [p.Id] : [])));
    }
    return ids;
  });
}

/**
 * Whether this very object (same uid) created the policy: found by name only because its id never
 * reached status (a create whose attachments failed, or whose status write was lost). Not an
 * adoption.
 */
const createdByThisObject = (policy: ObservedPolicy, uid: string | undefined): boolean =>
  uid !== undefined && policy.tags[TAG_UID] === uid;

/** What an Adopted event says: why an existing policy found by name became this object's. */
function adoptionNote(policy: ObservedPolicy, objectName: string): string {
  return mayManage(policy, objectName, false)
    ? `took over SCP ${policy.id} (${policy.name}): its orgguard.io ownership tags name this object`
    : `adopted SCP ${policy.id} (${policy.name}), as the ${ADOPT_ANNOTATION} annotation says`;
}

/**
 * The policy by its recorded id, else by name (`byName`: this object had not recorded it); with
 * content, tags and targets.
 */
async function findPolicy(
  org: OrganizationsClient,
  policyId: string | undefined,
  name: string,
): Promise<{ policy: ObservedPolicy; byName: boolean } | undefined> {
  // By the recorded id first (one call); by name when none is recorded or it is gone.
  let described = policyId ? await describePolicy(org, policyId) : undefined;
  const byName = !described;
  if (!described) {
    const id = await awsCall("cannot list the organization's SCPs", async () => {
      for await (const page of paginateListPolicies({ client: org }, { Filter: SCP })) {
        const match = page.Policies?.find((p) => p.Name === name);
        if (match) return match.Id;
      }
      return undefined;
    });
    if (!id) return undefined;
    described = await describePolicy(org, id);
    if (!described) return undefined;
  }
  const summary = described.PolicySummary!;
  const found = summary.Id!;
  const tags = await awsCall(`cannot read the tags of the SCP ${found}`, () =>
    org.send(new ListTagsForResourceCommand({ ResourceId: found })),
  );
  const targets = await awsCall(`cannot list the targets of the SCP ${found}`, async () => {
    const ids: string[] = [];
    for await (const page of paginateListTargetsForPolicy({ client: org }, { PolicyId: found })) {
      ids.push(...(page.Targets ?? []).map((t) => t.TargetId!));
    }
    return ids;
  });
  const policy: ObservedPolicy = {
    id: found,
    arn: summary.Arn ?? "",
    name: summary.Name ?? "",
    description: summary.Description ?? "",
    awsManaged: summary.AwsManaged ?? false,
    content: described.Content ?? "{}",
    tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""])),
    targets,
  };
  return { policy, byName };
}

/** DescribePolicy, or undefined when the policy is gone. */
async function describePolicy(org: OrganizationsClient, id: string): Promise<Policy | undefined> {
  try {
    return (await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toReconcileError(err, `cannot read the SCP ${id}`);
  }
}

/** Resolves every target entry to an id; a target that cannot be found is retried (it may be created soon). */
async function resolveTargets(
  org: OrganizationsClient,
  rootId: string,
  targets: ScpTarget[],
): Promise<{ targets: string[]; targetLabels: Record<string, string> }> {
  const ids: string[] = [];
  const targetLabels: Record<string, string> = {};
  let accounts: Array<{ Id?: string; Name?: string; Status?: string }> | undefined;
  const listAccounts = async () => {
    if (accounts) return accounts;
    const all: Array<{ Id?: string; Name?: string; Status?: string }> = [];
    await awsCall("cannot list the organization's accounts", async () => {
      for await (const page of paginateListAccounts({ client: org }, {})) all.push(...(page.Accounts ?? []));
    });
    accounts = all;
    return all;
  };
  for (const t of targets) {
    if (t.root) ids.push(rootId);
    else if (t.ouId) ids.push(t.ouId);
    else if (t.ouPath) ids.push(await resolveOuPath(org, rootId, t.ouPath));
    else if (t.accountId) ids.push(t.accountId);
    else if (t.accountName) {
      const matches = (await listAccounts()).filter((a) => a.Name === t.accountName);
      if (matches.length !== 1) {
        throw new RetryableError(
          "TargetNotFound",
          matches.length === 0
            ? `no account is named ${t.accountName}`
            : `${matches.length} accounts are named ${t.accountName}: use accountId`,
        );
      }
      ids.push(matches[0]!.Id!);
    }
    const id = ids.at(-1)!;
    targetLabels[id] ??= targetLabel(t, id);
  }
  return { targets: [...new Set(ids)], targetLabels };
}

/** Walks Root/A/B down the OU tree by name. */
async function resolveOuPath(org: OrganizationsClient, rootId: string, path: string): Promise<string> {
  let parent = rootId;
  for (const name of path.split("/").slice(1)) {
    const child = await awsCall(`cannot list the OUs under ${parent}`, async () => {
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: org },
        { ParentId: parent },
      )) {
        const match = page.OrganizationalUnits?.find((ou) => ou.Name === name);
        if (match) return match.Id;
      }
      return undefined;
    });
    if (!child)
      throw new RetryableError("TargetNotFound", `no OU at ${path} (nothing named ${name} under ${parent})`);
    parent = child;
  }
  return parent;
}

/** Where orgguard may write: only its own policies (by tag), only the SCP type. */
const SCP_ARN = "arn:aws:organizations::*:policy/o-*/service_control_policy/p-*";
const OWNED = { StringEquals: { "aws:ResourceTag/orgguard.io/managed-by": "orgguard" } };

/**
 * The management account's IAM for SCPs (iam/README.md): reads anywhere; creates only with the
 * ownership tag; changes only policies that carry it; attaches them anywhere.
 */
const SCP_IAM: IamStatement[] = [
  {
    sid: "ReadTheOrganization",
    actions: [
      "organizations:ListRoots",
      "organizations:ListOrganizationalUnitsForParent",
      "organizations:ListAccounts",
      "organizations:ListPolicies",
      "organizations:DescribePolicy",
      "organizations:ListPoliciesForTarget",
      "organizations:ListTargetsForPolicy",
      "organizations:ListTagsForResource",
    ],
  },
  {
    sid: "CreateOnlyPoliciesTaggedAsOrgguards",
    actions: ["organizations:CreatePolicy", "organizations:TagResource"],
    condition: { StringEquals: { "aws:RequestTag/orgguard.io/managed-by": "orgguard" } },
  },
  {
    sid: "ChangeOnlyOrgguardsOwnPolicies",
    actions: [
      "organizations:UpdatePolicy",
      "organizations:DeletePolicy",
      "organizations:TagResource",
      "organizations:UntagResource",
      "organizations:AttachPolicy",
      "organizations:DetachPolicy",
    ],
    resources: [SCP_ARN],
    condition: OWNED,
  },
  {
    sid: "AttachToAnyTarget",
    actions: ["organizations:AttachPolicy", "organizations:DetachPolicy"],
    resources: [
      "arn:aws:organizations::*:root/o-*/r-*",
      "arn:aws:organizations::*:ou/o-*/ou-*",
      "arn:aws:organizations::*:account/o-*/*",
    ],
  },
  {
    sid: "EnableScpsOnlyWithEnableScpPolicyType",
    actions: ["organizations:EnablePolicyType"],
    resources: ["arn:aws:organizations::*:root/o-*/r-*"],
    condition: { StringEquals: { "organizations:PolicyType": SCP } },
  },
];

export const serviceControlPolicyKind: Kind = {
  api: serviceControlPolicyApi,
  operations: [
    ...reads(
      "organizations",
      "ListRoots",
      "ListOrganizationalUnitsForParent",
      "ListAccounts",
      "ListPolicies",
      "DescribePolicy",
      "ListPoliciesForTarget",
      "ListTargetsForPolicy",
      "ListTagsForResource",
    ),
    ...writes(
      "organizations",
      "CreatePolicy",
      "UpdatePolicy",
      "DeletePolicy",
      "TagResource",
      "UntagResource",
      "AttachPolicy",
      "DetachPolicy",
      "EnablePolicyType",
    ),
  ],
  iam: { management: SCP_IAM, member: [] },
  runtime: { type: "managed", managed: (context) => managedServiceControlPolicy(context.aws, context.scp) },
};
