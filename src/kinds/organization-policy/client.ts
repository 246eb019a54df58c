/**
 * The Organizations policy engine, the same for every policy type: a policy and its attachments.
 * Ownership is proven by tags (or granted by the orgguard.io/adopt annotation), so a lost create
 * is never a duplicate and a policy orgguard did not create is never modified. Only this policy's
 * own attachments are touched; AWS-managed policies (FullAWSAccess, RCPFullAWSAccess) and foreign
 * policies are counted against limits but never changed. The type is checked to be enabled on the
 * root by orgguard itself (moto attaches policies of a disabled type; AWS refuses).
 */
import { specProblems } from "../../api/problems.js";
import { minifyPolicyDocument } from "../../api/scp-document.js";
import { awsCall, awsErrorCode, isNotFound, toReconcileError } from "../../aws/aws-errors.js";
import type { AwsAccess } from "../../aws/clients.js";
import { KeyedMutex } from "../../aws/limiter.js";
import type { OrganizationView, OrganizationViews } from "../../aws/organization-view.js";
import type { ResourceRef } from "../../runtime/kube-object.js";
import type { ExternalClient, ManagedKind, ManagedObject, Observation } from "../../runtime/managed.js";
import { BlockedError, RetryableError } from "../../runtime/reconcile-errors.js";
import { type TargetView, targetViewOf } from "../organization.js";
import {
  type PolicySpec,
  type PolicyTarget,
  parsePolicySpec,
  policyApi,
  policyProblems,
  policySpec,
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
import { type PolicyApi, type PolicyRecord, type RootRecord, sdkPolicyApi } from "./policy-api.js";
import { optionsOf, type PolicyOptions, type PolicyType, type PolicyTypeOptions } from "./policy-type.js";

export type PolicyObject = ManagedObject<PolicySpec>;

/** The policy as status.atProvider shows it (id, ARN and targets have fields of their own). */
type PolicyAtProvider = Pick<ObservedPolicy, "name" | "description" | "awsManaged">;

/** What observe hands to create, update and delete: nothing is kept between calls. */
interface PolicyHandoff {
  rootId: string;
  /** Whether the policy type is on at the root. */
  policyTypeEnabled: boolean;
  desired: DesiredPolicy;
  observed?: ObservedPolicy;
}

type PolicyObservation = Observation<PolicyAtProvider, PolicyHandoff>;

/**
 * The managed kind the controller drives for one policy type's objects. `targetLocks` serializes
 * writes to one target across every object of the process (of every type: the limits are per
 * type, but one lock per target is simpler and costs nothing measurable).
 */
export function managedPolicyKind(
  type: PolicyType,
  ref: ResourceRef,
  aws: Pick<AwsAccess, "organizations"> & { bind(signal: AbortSignal): Pick<AwsAccess, "organizations"> },
  shared: {
    options: PolicyOptions | undefined;
    organization: OrganizationViews;
    /** How old the organization view may be (--discovery-interval). */
    viewMaxAgeMs: number;
    targetLocks?: KeyedMutex;
  },
): ManagedKind<PolicyObject, PolicyAtProvider, PolicyHandoff> {
  const typeOptions = optionsOf(type, shared.options);
  const objectRules = policyApi(type).objectRules ?? [];
  const targetLocks = shared.targetLocks ?? new KeyedMutex();
  const view = targetViewOf(shared.organization, shared.viewMaxAgeMs);
  return {
    ref,
    // The checks validate makes: the schema, the rules over the whole object (the name's length),
    // the grammar and the size (api.ts). Admission checks the first two; the last two only here.
    validate: (object) => {
      const problems = specProblems(policySpec(type), object.spec);
      if (problems.length > 0) return problems;
      const whole = { metadata: { name: object.metadata.name }, spec: object.spec };
      return [
        ...objectRules.filter((r) => !r.holds(whole)).map((r) => `${r.fieldPath ?? "spec"}: ${r.message}`),
        ...policyProblems(type, object.spec, typeOptions.sizeLimit).map((p) => `${p.path}: ${p.message}`),
      ];
    },
    connect: async (_object, { signal }) =>
      new PolicyClient(type, sdkPolicyApi(aws.bind(signal).organizations()), typeOptions, targetLocks, view),
  };
}

/** One policy object's client: observe, create, update and delete through the PolicyApi. */
export class PolicyClient implements ExternalClient<PolicyObject, PolicyAtProvider, PolicyHandoff> {
  constructor(
    private readonly type: PolicyType,
    private readonly org: PolicyApi,
    private readonly options: PolicyTypeOptions,
    private readonly targetLocks: KeyedMutex,
    private readonly view: TargetView,
  ) {}

  private get awsType() {
    return this.type.awsType;
  }

  async observe(object: PolicyObject): Promise<PolicyObservation> {
    const spec = parsePolicySpec(this.type, object.spec);
    const objectName = object.metadata.name;
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true";
    // The root is read on every reconcile, not taken from the organization view: whether the type
    // is enabled must be current (moto attaches policies of a disabled type; orgguard must not).
    const root = await this.root();
    const policyTypeEnabled = root.enabledPolicyTypes.includes(this.awsType);
    // A disabled type has no attachments in AWS (disabling detaches them all); deleting the
    // policy itself still works, so only objects that are not being deleted wait for it.
    if (!policyTypeEnabled && !this.options.enablePolicyType && !deleting) {
      throw new RetryableError(
        "PolicyTypeNotEnabled",
        `${this.type.nounPlural} (${this.type.awsType}) are not enabled on root ${root.id}: enable them (EnablePolicyType), or start the controller with --enable-policy-types=${this.type.id}`,
      );
    }
    const desired: DesiredPolicy = {
      name: spec.policyName ?? objectName,
      description: spec.description,
      document: spec.document,
      tags: { ...spec.tags, ...ownershipTags(objectName, object.metadata.uid) },
      // Deleting detaches what AWS has attached, whatever the spec names: an OU or account it
      // names may be gone already (removed first), and must not hold the deletion up for ever.
      ...(deleting ? { targets: [] } : await this.resolveTargets(root.id, spec.targets)),
    };
    const handoff: PolicyHandoff = { rootId: root.id, policyTypeEnabled, desired };
    const recordedId = typeof object.status?.policyId === "string" ? object.status.policyId : undefined;
    const found = await this.findPolicy(recordedId, desired.name);
    const observed = found?.policy;
    if (!observed) return { exists: false, upToDate: false, diff: creationChanges(desired), handoff };
    if (!mayManage(observed, objectName, adopt)) {
      // Deleting an object that never owned the policy: nothing of ours exists to delete.
      if (deleting) return { exists: false, upToDate: false, handoff };
      // Blocked, not terminal: the other policy may be renamed or deleted by its owner.
      throw new BlockedError(
        "NameTaken",
        `a ${this.type.noun} named ${observed.name} already exists (${observed.id}) and its tags do not show orgguard created it for this object: add the annotation ${ADOPT_ANNOTATION}: "true" to take it over, or choose another policyName`,
      );
    }
    const diff = diffPolicy(desired, observed, this.type.canonical);
    // Only what the status schema declares: the apiserver prunes the rest, and a status that
    // differs from what was stored would be written again on every poll.
    const atProvider = {
      name: observed.name,
      description: observed.description,
      awsManaged: observed.awsManaged,
    };
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed: atProvider,
      status: {
        policyId: observed.id,
        arn: observed.arn,
        attachedTargets: observed.targets.map((id) => ({ type: targetType(id), id })),
        attachedTo: describeAttachments(observed.targets),
        documentSize: minifyPolicyDocument(spec.document).length,
      },
      handoff: { ...handoff, observed },
      ...(found?.byName && !createdByThisObject(observed, object.metadata.uid)
        ? { adopted: this.adoptionNote(observed, objectName) }
        : {}),
    };
  }

  async create(_object: PolicyObject, observation: PolicyObservation) {
    const { desired } = handoffOf(observation);
    await this.ensurePolicyType(observation);
    const content = minifyPolicyDocument(desired.document);
    const created = await awsCall(`cannot create the ${this.type.noun} ${desired.name}`, () =>
      this.org.createPolicy({
        name: desired.name,
        description: desired.description,
        type: this.awsType,
        content,
        tags: desired.tags,
      }),
    );
    await this.applyAttachments(desired, created.id, []);
    return { status: { policyId: created.id, arn: created.arn, documentSize: content.length } };
  }

  async update(_object: PolicyObject, observation: PolicyObservation): Promise<void> {
    const { desired: d, observed: p } = handoffOf(observation);
    if (!p) throw new Error("update without an observed policy");
    await this.ensurePolicyType(observation);
    const noun = this.type.noun;
    // Tags first: when adopting a policy, the ownership tag is what lets an IAM policy
    // conditioned on aws:ResourceTag (iam/management-account-policy.json) allow the update.
    const tags = tagPlan(d.tags, p.tags);
    if (Object.keys(tags.set).length > 0) {
      await awsCall(`cannot tag the ${noun} ${p.id}`, () => this.org.tag(p.id, tags.set));
    }
    const contentDiffers =
      diffPolicy(d, { ...p, targets: d.targets, tags: d.tags }, this.type.canonical).length > 0;
    if (contentDiffers) {
      try {
        await this.org.updatePolicy(p.id, {
          name: d.name,
          description: d.description,
          content: minifyPolicyDocument(d.document),
        });
      } catch (err) {
        // A rename to a name another policy holds: blocked until that one is renamed or deleted.
        if (awsErrorCode(err) === "DuplicatePolicyException") {
          throw new BlockedError(
            "NameTaken",
            `cannot rename the ${noun} ${p.id} to ${d.name}: another policy has that name`,
            { cause: err },
          );
        }
        throw toReconcileError(err, `cannot update the ${noun} ${p.id}`);
      }
    }
    if (tags.remove.length > 0) {
      await awsCall(`cannot untag the ${noun} ${p.id}`, () => this.org.untag(p.id, tags.remove));
    }
    await this.applyAttachments(d, p.id, p.targets);
  }

  async delete(_object: PolicyObject, observation: PolicyObservation): Promise<void> {
    const p = handoffOf(observation).observed;
    if (!p) return;
    for (const t of p.targets) await this.detach(t, p.id);
    await awsCall(`cannot delete the ${this.type.noun} ${p.id}`, () => this.org.deletePolicy(p.id), {
      notFound: () => undefined,
    });
  }

  /** The organization's root (one per organization), with the policy types enabled on it. */
  private async root(): Promise<RootRecord> {
    const root = await awsCall("cannot list the organization's roots", () => this.org.root());
    if (!root)
      throw new RetryableError(
        "NoOrganization",
        "the caller's account is not in an organization with a root",
      );
    return root;
  }

  private async ensurePolicyType(observation: PolicyObservation): Promise<void> {
    const { rootId, policyTypeEnabled } = handoffOf(observation);
    if (policyTypeEnabled || !this.options.enablePolicyType) return;
    await awsCall(`cannot enable ${this.type.nounPlural} on root ${rootId}`, () =>
      this.org.enablePolicyType(rootId, this.awsType),
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

  /** Attaches under the target's lock, checking AWS's per-target limit first (moto has none). */
  private attach(target: string, policyId: string): Promise<void> {
    return this.targetLocks.run(target, async () => {
      const attached = await this.policiesOn(target);
      if (attached.includes(policyId)) return;
      if (attached.length >= this.options.perTargetLimit) {
        const counts = this.type.awsManagedPolicy ? ` (${this.type.awsManagedPolicy} counts)` : "";
        throw new BlockedError(
          "TooManyPolicies",
          `cannot attach ${policyId} to ${target}: it already has ${attached.length} ${this.type.nounPlural}, the limit is ${this.options.perTargetLimit}${counts}`,
        );
      }
      // Attached meanwhile (for example by a lost earlier attempt): the goal is reached.
      await awsCall(`cannot attach ${policyId} to ${target}`, () => this.org.attach(policyId, target), {
        goalReached: () => undefined,
      });
    });
  }

  /** Detaches under the target's lock; where AWS requires one, a target's last policy is kept. */
  private detach(target: string, policyId: string): Promise<void> {
    return this.targetLocks.run(target, async () => {
      const attached = await this.policiesOn(target);
      if (!attached.includes(policyId)) return;
      if (this.type.targetKeepsOne && attached.length <= 1) {
        throw new BlockedError(
          "LastPolicy",
          `refusing to detach ${policyId} from ${target}: it is the target's only ${this.type.noun}, and a target must keep one`,
        );
      }
      // Detached meanwhile (for example by a lost earlier attempt): the goal is reached.
      await awsCall(`cannot detach ${policyId} from ${target}`, () => this.org.detach(policyId, target), {
        goalReached: () => undefined,
      });
    });
  }

  /** The ids of this type's policies attached directly to a target (inherited ones do not count). */
  private policiesOn(target: string): Promise<string[]> {
    return awsCall(`cannot list the ${this.type.nounPlural} of ${target}`, () =>
      this.org.policiesOn(target, this.awsType),
    );
  }

  /** What an Adopted event says: why an existing policy found by name became this object's. */
  private adoptionNote(policy: ObservedPolicy, objectName: string): string {
    return mayManage(policy, objectName, false)
      ? `took over ${this.type.noun} ${policy.id} (${policy.name}): its orgguard.io ownership tags name this object`
      : `adopted ${this.type.noun} ${policy.id} (${policy.name}), as the ${ADOPT_ANNOTATION} annotation says`;
  }

  /**
   * The policy by its recorded id, else by name among this type's (`byName`: this object had not
   * recorded it); with content, tags and targets.
   */
  private async findPolicy(
    policyId: string | undefined,
    name: string,
  ): Promise<{ policy: ObservedPolicy; byName: boolean } | undefined> {
    const noun = this.type.noun;
    // By the recorded id first (one call); by name when none is recorded or it is gone.
    let described = policyId ? await this.describePolicy(policyId) : undefined;
    const byName = !described;
    if (!described) {
      const id = await awsCall(`cannot list the organization's ${this.type.nounPlural}`, () =>
        this.org.findPolicyId(this.awsType, name),
      );
      if (!id) return undefined;
      described = await this.describePolicy(id);
      if (!described) return undefined;
    }
    const found = described.id;
    const tags = await awsCall(`cannot read the tags of the ${noun} ${found}`, () => this.org.tagsOf(found));
    const targets = await awsCall(`cannot list the targets of the ${noun} ${found}`, () =>
      this.org.targetsOf(found),
    );
    const policy: ObservedPolicy = {
      id: found,
      arn: described.arn,
      name: described.name,
      description: described.description,
      awsManaged: described.awsManaged,
      content: described.content,
      tags,
      targets,
    };
    return { policy, byName };
  }

  /** DescribePolicy, or undefined when the policy is gone (or is of another type: not ours). */
  private async describePolicy(id: string): Promise<PolicyRecord | undefined> {
    try {
      const policy = await this.org.describePolicy(id);
      return policy.type === this.awsType ? policy : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toReconcileError(err, `cannot read the ${this.type.noun} ${id}`);
    }
  }

  /**
   * Resolves every target entry to an id from the organization view; what the view does not know
   * is looked up in a fresher view, and a target still not found is retried (it may be created
   * soon).
   */
  private async resolveTargets(
    rootId: string,
    targets: PolicyTarget[],
  ): Promise<{ targets: string[]; targetLabels: Record<string, string> }> {
    // Read only when a target names an OU path or an account name: ids and the root need no view.
    let view: OrganizationView | undefined;
    const ids: string[] = [];
    const targetLabels: Record<string, string> = {};
    for (const t of targets) {
      let id = idAsWritten(rootId, t);
      if (id === undefined) {
        view ??= await this.view.current();
        let found = targetIn(view, t);
        if (typeof found !== "string") {
          view = await this.view.fresher();
          found = targetIn(view, t);
        }
        if (typeof found !== "string") throw new RetryableError("TargetNotFound", found.missing);
        id = found;
      }
      ids.push(id);
      targetLabels[id] ??= targetLabel(t, id);
    }
    return { targets: [...new Set(ids)], targetLabels };
  }
}

/**
 * The id a target names without looking at the organization: the root, or an id taken as written
 * (AWS says whether it exists when attaching); undefined for an OU path or an account name.
 */
function idAsWritten(rootId: string, target: PolicyTarget): string | undefined {
  if (target.root || target.ouPath === "Root") return rootId;
  return target.ouId ?? target.accountId;
}

/** The id an OU path or account name names in `view`, or why it names none. */
function targetIn(view: OrganizationView, target: PolicyTarget): string | { missing: string } {
  if (target.ouPath) {
    return view.ous.find((ou) => ou.path === target.ouPath)?.id ?? { missing: `no OU at ${target.ouPath}` };
  }
  const named = view.accounts.filter((a) => a.name === target.accountName);
  const [only] = named;
  if (only && named.length === 1) return only.id;
  return {
    missing:
      named.length === 0
        ? `no account is named ${target.accountName}`
        : `${named.length} accounts are named ${target.accountName}: use accountId`,
  };
}

function handoffOf(observation: PolicyObservation): PolicyHandoff {
  if (!observation.handoff) throw new Error("a policy observation without its handoff");
  return observation.handoff;
}

const targetType = (id: string) =>
  id.startsWith("r-") ? "ROOT" : id.startsWith("ou-") ? "ORGANIZATIONAL_UNIT" : "ACCOUNT";

/** Where a policy is attached, as `kubectl get`'s TARGETS column says it: "root, 2 OUs, 1 account". */
export function describeAttachments(targetIds: readonly string[]): string {
  const count = (type: string) => targetIds.filter((id) => targetType(id) === type).length;
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  const parts = [
    ...(count("ROOT") > 0 ? ["root"] : []),
    ...(count("ORGANIZATIONAL_UNIT") > 0 ? [plural(count("ORGANIZATIONAL_UNIT"), "OU")] : []),
    ...(count("ACCOUNT") > 0 ? [plural(count("ACCOUNT"), "account")] : []),
  ];
  return parts.length > 0 ? parts.join(", ") : "none";
}

/**
 * Whether this very object (same uid) created the policy: found by name only because its id never
 * reached status (a create whose attachments failed, or whose status write was lost). Not an
 * adoption.
 */
const createdByThisObject = (policy: ObservedPolicy, uid: string | undefined): boolean =>
  uid !== undefined && policy.tags[TAG_UID] === uid;
