/**
 * One definition per kind: everything that lists kinds (the CRDs, the controller, plan's order and
 * read-only guard, the IAM policies, the chart's RBAC, the tests' write counting) derives from the
 * list in kinds/index.ts, made of these.
 */
import type { ApiDefinition } from "../api/api-definition.js";
import { API_GROUP, API_VERSION } from "../api/common.js";
import type { ApiCallEvent } from "../aws/api-call-events.js";
import type { AwsClients, ServiceName } from "../aws/clients.js";
import type { RegionDirectory } from "../aws/regions.js";
import type { ControllerRuntime, WatchSource } from "../runtime/controller.js";
import type { ResourceRef } from "../runtime/kube-object.js";
import type { ManagedKind, ManagedObject } from "../runtime/managed.js";
import type { Runnable } from "../runtime/manager.js";
import type { PolicyOptions } from "./organization-policy/policy-type.js";

/** An AWS API call a kind makes, classed read or write. */
export interface AwsOperation {
  service: ServiceName;
  /** The API operation, as the SDK's command is named without `Command`: `ListRoots`. */
  name: string;
  access: "read" | "write";
  /** The IAM action that authorizes it, when it is not `<service>:<name>` (S3 Control's are not). */
  iamAction?: string;
  /** CloudTrail's eventName for it, when it is neither `name` nor the IAM action's (see apiCallOf). */
  cloudTrailName?: string;
  /**
   * Made in the controller's own account only, by a kind that otherwise acts in member accounts
   * (GuardDuty's designation, from the management account): its member role needs no such action.
   */
  managementOnly?: true;
  /**
   * Made in a member account's root session (sts:AssumeRoot with one of AWS's root task policies,
   * centralized root access): the task policy authorizes it, so what it needs of orgguard's roles is
   * sts:AssumeRoot, and it is no change anyone else makes that an event should report.
   */
  rootSession?: true;
}

/** One statement of an IAM policy a kind needs (merged with other kinds' statements by Sid). */
export interface IamStatement {
  sid: string;
  actions: readonly string[];
  /** Defaults to "*". */
  resources?: readonly string[];
  condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** What the process gives the kinds. */
export interface KindContext {
  readonly aws: AwsClients;
  /** Options by Organizations policy type id (`scp`, `tag`, ...); a type missing runs with AWS's limits. */
  readonly policies: PolicyOptions;
  /** The regions enabled in each account (for regional settings whose spec names none). */
  readonly regions: RegionDirectory;
  /**
   * How long one region's reads may take before that region is reported unavailable and the
   * others are kept (a quarter of --reconcile-timeout; 15 s when absent).
   */
  readonly regionTimeoutMs?: number;
  /** The longest TemporaryAccess grant by permission set (--temporary-access-max-durations). */
  readonly temporaryAccessMaxDurations?: ReadonlyMap<string, number>;
  /** How old the organization view may be (--discovery-interval; default 5 minutes). */
  readonly discoveryIntervalMs?: number;
  /** AWS API call events (the events queue), when the controller reads them. */
  readonly apiCallEvents?: WatchSource;
  /**
   * The kinds whose objects change the organization's tree (OUs, accounts): a composite that
   * selects accounts watches them, so an account created by an object is selected at once.
   */
  readonly treeKinds?: readonly ResourceRef[];
  /**
   * The objects of a kind as this process knows them (the controller's informer cache, or the
   * manifests `orgguard plan` and `apply` read), for the few rules that span kinds: GuardDuty's
   * delegated administrator is designated in one place only, not also in an Organization's
   * delegatedAdministrators. Absent (a test's context): such rules see no other object.
   */
  readonly objectsOf?: (kind: string) => readonly ManagedObject[];
}

/** A kind whose objects the managed reconciler drives (one external thing per object). */
export interface ManagedRuntime {
  type: "managed";
  managed(context: KindContext): ManagedKind;
}

/** A kind whose objects own child objects of other kinds (AccountBaseline). */
export interface CompositeRuntime {
  type: "composite";
  controller(runtime: ControllerRuntime, context: KindContext): Runnable;
  /** The child objects an object stands for now (what `orgguard plan` plans in its place). */
  expand(object: ManagedObject, context: KindContext): Promise<ManagedObject[]>;
  /** The kinds of the children (their objects are created, updated and deleted by the controller). */
  childKinds: readonly string[];
}

/**
 * How API call events (CloudTrail through EventBridge and the events queue) reach a kind's
 * objects. The calls that change what a kind keeps are its own writes plus `alsoChangedBy`; an
 * event of one of them reconciles every object `concerns` selects, at once.
 */
export interface KindEvents {
  /** IAM actions of calls orgguard never makes that still change what the kind keeps. */
  alsoChangedBy?: readonly string[];
  /** Whether `event` may have changed what `object` keeps. A hint: the reconcile reads AWS. */
  concerns(event: ApiCallEvent, object: ManagedObject): boolean;
}

/**
 * A recommendation (CIS AWS Foundations, in its v3.0 numbering) that a kind's objects cover, and
 * whether one object's account meets it, judged from what the object last read in AWS (its
 * status), not from its spec.
 */
export interface PostureControl {
  /** "CIS 1.8". */
  id: string;
  /** What it asks for, shortened. */
  title: string;
  /** Whether the object's account meets it now; false when nothing has been read yet. */
  holds(object: ManagedObject): boolean;
}

/**
 * Where a kind's objects stand in the organization's posture (`orgguard report` reads nothing
 * else about a kind, so a new kind appears there by declaring this):
 * - `account`: one object per account keeps something in that account; its account is
 *   spec.accountId, or status.accountId when the spec leaves it to the controller's own account.
 *   The report gives the kind a column of its matrix of accounts.
 * - `organization`: an object keeps something of the organization as a whole (a policy and its
 *   attachments, a baseline over many accounts, an organization trail); it gets a row of its own.
 */
export type KindPosture =
  | { scope: "account"; controls: readonly PostureControl[] }
  | { scope: "organization" };

export interface Kind {
  api: ApiDefinition;
  /** How `orgguard report` shows the kind's objects. */
  posture: KindPosture;
  /** Every AWS call the kind makes. */
  operations: readonly AwsOperation[];
  /** IAM statements the controller's own role needs, and the role it assumes in member accounts. */
  iam: { management: readonly IamStatement[]; member: readonly IamStatement[] };
  runtime: ManagedRuntime | CompositeRuntime;
  /** Absent for kinds whose objects own others (their children hear the events). */
  events?: KindEvents;
  /** How `orgguard plan` and `apply` treat the kind's objects, beyond the kinds' apply order. */
  /** Its objects create, move or remove OUs or accounts (what composites selecting accounts watch). */
  changesTree?: boolean;
  /**
   * What an object keeps exclusively, when no AWS call is needed to tell (an OU's path, an
   * account's id or email, the one organization): the key its managed kind claims, and the field
   * that names it. `orgguard validate` refuses a second manifest keeping the same key, where the
   * controller would keep the earlier object and report Conflict on the other.
   */
  exclusive?(object: ManagedObject): { key: string; field: string } | undefined;
  plan?: {
    /** Within the kind, objects apply in this order (lowest first): an OU after its parent. */
    rank?(object: ManagedObject): number;
    /** The OU a create of this object adds to the tree, which later objects then resolve (plan). */
    createsOu?(object: ManagedObject): string | undefined;
  };
}

/** Where the apiserver serves a kind. */
export const kindRef = (api: Pick<ApiDefinition, "kind" | "plural">): ResourceRef => ({
  group: API_GROUP,
  version: API_VERSION,
  plural: api.plural,
  kind: api.kind,
});

/** The IAM action that authorizes an operation: `<service>:<Operation>` unless the kind names another. */
export const iamActionOf = (op: AwsOperation): string =>
  op.rootSession ? "sts:AssumeRoot" : (op.iamAction ?? `${op.service}:${op.name}`);

/** Shorthands for declaring operations. */
export const reads = (service: ServiceName, ...names: string[]): AwsOperation[] =>
  names.map((name) => ({ service, name, access: "read" }));
export const writes = (service: ServiceName, ...names: string[]): AwsOperation[] =>
  names.map((name) => ({ service, name, access: "write" }));
/** `operations` marked as made in the controller's own account only. */
export const inManagementAccount = (operations: AwsOperation[]): AwsOperation[] =>
  operations.map((op) => ({ ...op, managementOnly: true }));
