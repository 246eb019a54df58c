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
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  type Policy,
  paginateListAccounts,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListTargetsForPolicy,
  type Root,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { API_GROUP, API_VERSION } from "../../api/common.js";
import { DEFAULT_SCP_SIZE_LIMIT, minifyPolicyDocument, validateScpDocument } from "../../api/scp-document.js";
import {
  type ScpTarget,
  type ServiceControlPolicySpec,
  serviceControlPolicySpec,
} from "../../api/service-control-policy.js";
import { specProblems } from "../../api/validate.js";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorCode, isGoalReached, isNotFound, toReconcileError } from "../../aws/errors.js";
import { KeyedMutex } from "../../aws/limiter.js";
import { BlockedError, RetryableError } from "../../runtime/errors.js";
import type { ExternalClient, ManagedKind, ManagedObject, Observation } from "../../runtime/managed.js";
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

export type ServiceControlPolicyObject = ManagedObject<ServiceControlPolicySpec>;

const SCP = "SERVICE_CONTROL_POLICY";

export interface ScpOptions {
  /** Enable the SCP policy type on the root when it is off (otherwise report why nothing attaches). */
  enablePolicyType: boolean;
  /** SCPs allowed per root, OU or account (AWS: 10 since 15 May 2026), FullAWSAccess included. */
  perTargetLimit: number;
  /** Characters of the minified document (AWS: 10,240 since 15 May 2026). */
  sizeLimit: number;
}

export const DEFAULT_SCP_OPTIONS: ScpOptions = {
  enablePolicyType: false,
  perTargetLimit: 10,
  sizeLimit: DEFAULT_SCP_SIZE_LIMIT,
};

export function serviceControlPolicyKind(
  aws: AwsClients,
  options: ScpOptions = DEFAULT_SCP_OPTIONS,
): ManagedKind<ServiceControlPolicyObject, Omit<ObservedPolicy, "content" | "tags" | "targets">> {
  // Writes to one target are serialized across all SCP objects of this process.
  const targetLocks = new KeyedMutex();
  return {
    ref: {
      group: API_GROUP,
      version: API_VERSION,
      plural: "servicecontrolpolicies",
      kind: "ServiceControlPolicy",
    },
    validate: (object) => {
      const problems = specProblems(serviceControlPolicySpec, object.spec);
      if (problems.length > 0) return problems;
      return validateScpDocument(serviceControlPolicySpec.parse(object.spec).document, {
        basePath: "spec.document",
        sizeLimit: options.sizeLimit,
      }).map((p) => `${p.path}: ${p.message}`);
    },
    connect: async (object) => scpClient(aws.organizations(), object, options, targetLocks),
  };
}

/** Runs an Organizations call, turning its errors into reconcile errors that say what failed. */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toReconcileError(err, what);
  }
}

function scpClient(
  org: OrganizationsClient,
  object: ServiceControlPolicyObject,
  options: ScpOptions,
  targetLocks: KeyedMutex,
): ExternalClient<ServiceControlPolicyObject, Omit<ObservedPolicy, "content" | "tags" | "targets">> {
  const spec = serviceControlPolicySpec.parse(object.spec);
  const objectName = object.metadata.name;
  const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true";
  let root: Root | undefined;
  let desired: DesiredPolicy | undefined;
  let observed: ObservedPolicy | undefined;

  const scpEnabled = (r: Root) => (r.PolicyTypes ?? []).some((t) => t.Type === SCP && t.Status === "ENABLED");

  const ensurePolicyType = async () => {
    if (!root || scpEnabled(root) || !options.enablePolicyType) return;
    await call(`cannot enable service control policies on root ${root.Id}`, () =>
      org.send(new EnablePolicyTypeCommand({ RootId: root!.Id!, PolicyType: SCP })),
    );
  };

  /** Attaches or detaches under the target's lock, checking AWS's per-target rules first. */
  const attach = (target: string, policyId: string) =>
    targetLocks.run(target, async () => {
      const attached = await policiesOn(org, target);
      if (attached.includes(policyId)) return;
      if (attached.length >= options.perTargetLimit) {
        throw new BlockedError(
          "TooManyPolicies",
          `cannot attach ${policyId} to ${target}: it already has ${attached.length} SCPs, the limit is ${options.perTargetLimit} (FullAWSAccess counts)`,
        );
      }
      try {
        await org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: target }));
      } catch (err) {
        // Attached meanwhile (for example by a lost earlier attempt): the goal is reached.
        if (!isGoalReached(err)) throw toReconcileError(err, `cannot attach ${policyId} to ${target}`);
      }
    });

  const detach = (target: string, policyId: string) =>
    targetLocks.run(target, async () => {
      const attached = await policiesOn(org, target);
      if (!attached.includes(policyId)) return;
      // AWS refuses to leave a root, OU or account without any SCP; say so before trying.
      if (attached.length <= 1) {
        throw new BlockedError(
          "LastPolicy",
          `refusing to detach ${policyId} from ${target}: it is the target's only SCP, and a target must keep one`,
        );
      }
      try {
        await org.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: target }));
      } catch (err) {
        // Detached meanwhile (for example by a lost earlier attempt): the goal is reached.
        if (!isGoalReached(err)) throw toReconcileError(err, `cannot detach ${policyId} from ${target}`);
      }
    });

  const applyAttachments = async (policyId: string, attachedNow: string[]) => {
    const plan = attachmentPlan(desired!.targets, attachedNow);
    // Attach replacements before detaching, so no target is ever left with fewer guard rails.
    for (const t of plan.attach) await attach(t, policyId);
    for (const t of plan.detach) await detach(t, policyId);
  };

  const status = (p: ObservedPolicy) => ({
    policyId: p.id,
    arn: p.arn,
    attachedTargets: p.targets.map((id) => ({ type: targetType(id), id })),
    documentSize: minifyPolicyDocument(spec.document).length,
  });

  return {
    observe: async (): Promise<Observation<Omit<ObservedPolicy, "content" | "tags" | "targets">>> => {
      const roots = await call("cannot list the organization's roots", () =>
        org.send(new ListRootsCommand({})),
      );
      root = roots.Roots?.[0];
      if (!root?.Id)
        throw new RetryableError(
          "NoOrganization",
          "the caller's account is not in an organization with a root",
        );
      if (!scpEnabled(root) && !options.enablePolicyType) {
        throw new RetryableError(
          "PolicyTypeNotEnabled",
          `service control policies are not enabled on root ${root.Id}: enable them (EnablePolicyType), or start the controller with --enable-scp-policy-type`,
        );
      }
      desired = {
        name: spec.policyName ?? objectName,
        description: spec.description,
        document: spec.document,
        tags: { ...spec.tags, ...ownershipTags(objectName, object.metadata.uid) },
        ...(await resolveTargets(org, root.Id, spec.targets)),
      };
      const recordedId = object.status?.policyId as string | undefined;
      const found = await findPolicy(org, recordedId, desired.name);
      observed = found?.policy;
      if (!observed) return { exists: false, upToDate: false, diff: creationChanges(desired) };
      if (!mayManage(observed, objectName, adopt)) {
        // Deleting an object that never owned the policy: nothing of ours exists to delete.
        if (object.metadata.deletionTimestamp) return { exists: false, upToDate: false };
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
        status: status(observed),
        ...(found?.byName && !createdByThisObject(observed, object.metadata.uid)
          ? { adopted: adoptionNote(observed, objectName) }
          : {}),
      };
    },

    create: async () => {
      await ensurePolicyType();
      const content = minifyPolicyDocument(desired!.document);
      const created = await call(`cannot create the SCP ${desired!.name}`, () =>
        org.send(
          new CreatePolicyCommand({
            Name: desired!.name,
            Description: desired!.description,
            Type: SCP,
            Content: content,
            Tags: Object.entries(desired!.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
      const summary = created.Policy!.PolicySummary!;
      await applyAttachments(summary.Id!, []);
      return { status: { policyId: summary.Id!, arn: summary.Arn!, documentSize: content.length } };
    },

    update: async () => {
      await ensurePolicyType();
      const p = observed!;
      const d = desired!;
      // Tags first: when adopting a policy, the ownership tag is what lets an IAM policy
      // conditioned on aws:ResourceTag (iam/management-account-policy.json) allow the update.
      const tags = tagPlan(d.tags, p.tags);
      if (Object.keys(tags.set).length > 0) {
        await call(`cannot tag the SCP ${p.id}`, () =>
          org.send(
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
          await org.send(
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
              { cause: err },
            );
          }
          throw toReconcileError(err, `cannot update the SCP ${p.id}`);
        }
      }
      if (tags.remove.length > 0) {
        await call(`cannot untag the SCP ${p.id}`, () =>
          org.send(new UntagResourceCommand({ ResourceId: p.id, TagKeys: tags.remove })),
        );
      }
      await applyAttachments(p.id, p.targets);
    },

    delete: async () => {
      const p = observed!;
      for (const t of p.targets) await detach(t, p.id);
      try {
        await org.send(new DeletePolicyCommand({ PolicyId: p.id }));
      } catch (err) {
        if (!isNotFound(err)) throw toReconcileError(err, `cannot delete the SCP ${p.id}`);
      }
    },
  };
}

const targetType = (id: string) =>
  id.startsWith("r-") ? "ROOT" : id.startsWith("ou-") ? "ORGANIZATIONAL_UNIT" : "ACCOUNT";

/** The SCP ids attached directly to a target (inherited ones do not count against its limit). */
async function policiesOn(org: OrganizationsClient, target: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await call(`cannot list the SCPs of ${target}`, () =>
      org.send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: SCP, NextToken: token })),
    );
    ids.push(...(page.Policies ?? []).map((p) => p.Id!));
    token = page.NextToken;
  } while (token);
  return ids;
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
    const id = await call("cannot list the organization's SCPs", async () => {
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
  const tags = await call(`cannot read the tags of the SCP ${found}`, () =>
    org.send(new ListTagsForResourceCommand({ ResourceId: found })),
  );
  const targets = await call(`cannot list the targets of the SCP ${found}`, async () => {
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
    await call("cannot list the organization's accounts", async () => {
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
    const child = await call(`cannot list the OUs under ${parent}`, async () => {
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
