/**
 * The standalone kind of an account setting (PasswordPolicy, PublicAccessBlock,
 * EbsEncryptionByDefault, ...), made from its plug-in definition: its schema, CRD names, AWS
 * operations, IAM statements and the managed kind the controller drives. One object per account
 * and setting; a regional setting keeps every region of `spec.regions` (or every region enabled
 * in the account) in that one object and reports each region in status.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import {
  accountId,
  deletionPolicy,
  managementPolicy,
  managementPolicyOverride,
  ROLE_ARN_ANNOTATION,
  statusSchema,
  withRules,
} from "../../api/common.js";
import { specProblems } from "../../api/problems.js";
import { type ApiCallEvent, requestParameter } from "../../aws/api-call-events.js";
import {
  type AwsAccess,
  type AwsClients,
  accountClaim,
  type ClientTarget,
  DEFAULT_ROLE_ARN_TEMPLATE,
} from "../../aws/clients.js";
import type { RegionDirectory } from "../../aws/regions.js";
import type { ResourceRef } from "../../runtime/kube-object.js";
import type {
  Change,
  ExternalClient,
  ManagedKind,
  ManagedObject,
  Observation,
  UnavailableRegion,
} from "../../runtime/managed.js";
import { errorMessage, RetryableError } from "../../runtime/reconcile-errors.js";
import {
  type AwsOperation,
  type IamStatement,
  iamActionOf,
  type Kind,
  kindRef,
  reads,
} from "../kind-definition.js";
import { objectMeets } from "./cis.js";
import { regionList } from "./regions.js";
import type { AccountSetting } from "./setting.js";

/**
 * The managementPolicy field of a setting that is ObserveOnly unless told otherwise (its writes
 * should be seen first: IamCredentials deactivates keys).
 */
const observeOnlyByDefault = z
  .enum(["Enforce", "ObserveOnly"])
  .default("ObserveOnly")
  .describe(
    "ObserveOnly (the default here) reports what Enforce would change in status.plannedChanges and a Ready=False/Drifted condition, and writes nothing. Enforce makes the changes.",
  );

/** The spec's managementPolicy field of `setting`, with its default. */
const policyField = (setting: AccountSetting) =>
  setting.defaultManagementPolicy === "ObserveOnly" ? observeOnlyByDefault : managementPolicy;

/** The fields every setting kind has besides the setting's own. */
const sharedFields = z.object({
  accountId: accountId.optional(),
  regions: regionList.optional(),
  managementPolicy,
  deletionPolicy,
});
export type SharedSettingSpec = z.output<typeof sharedFields>;

/** A setting kind's object, as the apiserver stores it. */
export type SettingObject = ManagedObject;

/** Where the apiserver serves a setting's standalone kind. */
export const settingRef = (setting: AccountSetting): ResourceRef => kindRef(setting.names);

/**
 * The AccountBaseline field of a setting: its own fields, `regions` for a regional setting, and a
 * managementPolicy that overrides the baseline's for this setting alone.
 */
export function settingFieldsSchema(setting: AccountSetting, description: string): z.ZodObject {
  const shape: z.ZodRawShape = {
    ...(setting.scope === "regional" ? { regions: regionList.optional() } : {}),
    ...setting.fields,
    managementPolicy: setting.defaultManagementPolicy
      ? managementPolicyOverride.describe(
          `This setting's managementPolicy in every selected account. Absent: ${setting.defaultManagementPolicy}, whatever the baseline's (its writes are seen before they are made).`,
        )
      : managementPolicyOverride,
  };
  return withRules(z.strictObject(shape).describe(description), [...(setting.rules ?? [])]);
}

/** The standalone kind's spec schema: accountId, regions (regional only), the fields, the policies. */
function specSchema(setting: AccountSetting): z.ZodObject {
  const shape: z.ZodRawShape = {
    accountId: accountId
      .optional()
      .describe(`The account whose ${setting.noun} this is. Absent means the controller's own account.`),
    ...(setting.scope === "regional" ? { regions: regionList.optional() } : {}),
    ...setting.fields,
    managementPolicy: policyField(setting),
    deletionPolicy,
  };
  return withRules(z.strictObject(shape).describe(setting.specDescription), [...(setting.rules ?? [])]);
}

function statusOf(setting: AccountSetting): z.ZodType {
  const account = accountId
    .optional()
    .describe("The account the setting was read from (resolved when spec.accountId is absent).");
  if (setting.scope === "account") return statusSchema(setting.observed, { accountId: account });
  return statusSchema(z.record(z.string(), setting.observed).describe("What AWS has now, by region."), {
    accountId: account,
    regions: z.array(z.string()).max(50).optional().describe("The regions compared at the last reconcile."),
    regionsFrom: z
      .string()
      .max(1024)
      .optional()
      .describe("Where the regions came from: spec.regions, ListRegions, or --default-regions (and why)."),
    unavailableRegions: z
      .array(z.string())
      .max(50)
      .optional()
      .describe(
        "Regions that could not be read at the last reconcile (no answer in time, or refused): not kept then; the others were (Synced=False/RegionUnavailable says why).",
      ),
  });
}

function apiDefinition(setting: AccountSetting): ApiDefinition {
  const { names } = setting;
  return {
    kind: names.kind,
    plural: names.plural,
    singular: names.singular,
    shortNames: names.shortNames,
    description: setting.description,
    spec: specSchema(setting),
    status: statusOf(setting),
    printerColumns: [
      { name: "Account", type: "string", jsonPath: ".status.accountId" },
      ...(setting.printerColumns ?? []),
    ],
    lint: (spec) => {
      const parsed = z.object(setting.fields).safeParse(spec);
      const policy = sharedFields.extend({ managementPolicy: policyField(setting) }).safeParse(spec);
      return parsed.success && policy.success && setting.lint
        ? setting.lint(parsed.data, "spec", {
            managementPolicy: policy.data.managementPolicy,
            in: "standalone",
          })
        : [];
    },
  };
}

/** The role the management account assumes, as an IAM resource pattern (any account). */
const MEMBER_ROLE_PATTERN = DEFAULT_ROLE_ARN_TEMPLATE.replaceAll("${accountId}", "*").replaceAll(
  "${partition}",
  "aws",
);

/** Every AWS call of the setting, the regions lookup of a regional setting included. */
const operationsOf = (setting: AccountSetting): AwsOperation[] => [
  ...setting.operations,
  ...(setting.scope === "regional" ? reads("account", "ListRegions") : []),
];

/**
 * The IAM the setting needs: in the controller's own account (an object without accountId) and
 * reaching members; in each member account's role, the same actions. A setting reached from the
 * management account needs its actions there only.
 */
function iamOf(setting: AccountSetting): Kind["iam"] {
  const actions = [...new Set(operationsOf(setting).map(iamActionOf))];
  const extra = setting.extraIam ?? [];
  if (setting.reach === "management") {
    return { management: [{ sid: `Organization${setting.names.kind}`, actions }, ...extra], member: [] };
  }
  const management: IamStatement[] = [
    { sid: "OwnAccountSettings", actions },
    { sid: "ReachMemberAccounts", actions: ["sts:AssumeRole"], resources: [MEMBER_ROLE_PATTERN] },
    ...extra,
  ];
  return { management, member: [{ sid: `Account${setting.names.kind}`, actions }, ...extra] };
}

/** The standalone kind of `setting`. */
export function settingKind(setting: AccountSetting): Kind {
  return {
    api: apiDefinition(setting),
    posture: {
      scope: "account",
      controls: (setting.controls ?? []).map((control) => ({
        id: control.id,
        title: control.title,
        holds: (object) => objectMeets(setting, control, object),
      })),
    },
    operations: operationsOf(setting),
    iam: iamOf(setting),
    runtime: { type: "managed", managed: (context) => managedSetting(setting, context) },
    events: {
      ...(setting.alsoChangedBy ? { alsoChangedBy: setting.alsoChangedBy } : {}),
      concerns: (event, object) => settingConcerns(setting, event, object),
    },
  };
}

/**
 * Whether an API call event concerns a setting object: the call was made in (or, from the
 * management account, for: `accountId`) the object's account, and, for a regional setting that
 * lists its regions, in one of them. An object not reconciled yet (no account known) is included:
 * one reconcile more costs less than a missed one.
 */
function settingConcerns(setting: AccountSetting, event: ApiCallEvent, object: ManagedObject): boolean {
  const account =
    setting.reach === "management" ? (requestParameter(event, "accountId") ?? event.account) : event.account;
  const objectAccount =
    (typeof object.status?.accountId === "string" ? object.status.accountId : undefined) ??
    (typeof object.spec.accountId === "string" ? object.spec.accountId : undefined);
  if (objectAccount !== undefined && objectAccount !== account) return false;
  const regions = Array.isArray(object.spec.regions) ? object.spec.regions : undefined;
  return setting.scope !== "regional" || regions === undefined || regions.includes(event.region);
}

/** One place a setting is kept (the account, or one region of it): what should be, is, and differs. */
interface Reading<D, O> {
  region?: string;
  desired: D;
  observed?: O;
  diff: Change[];
  /** What AWS is still applying here (no diff is reported for the place meanwhile). */
  pending?: string;
}

/** What observe hands to create, update and delete. */
interface SettingHandoff<D, O> {
  target: ClientTarget;
  readings: Reading<D, O>[];
}

/**
 * What a setting's managed kind uses of the process's context: the AWS clients (bound to each
 * reconcile's deadline) and the region directory. A KindContext is one; tests give fakes.
 */
export interface SettingContext {
  aws: Pick<AwsClients, "bind" | "knownOwnAccountId">;
  regions: Pick<RegionDirectory, "enabledIn">;
  /** How long one region's reads may take before it is reported unavailable and the others kept. */
  regionTimeoutMs?: number;
}

/** A region's reads get this long by default: a quarter of the default reconcile deadline. */
export const DEFAULT_REGION_TIMEOUT_MS = 15_000;

/** The managed kind the controller drives for `setting`. */
export function managedSetting<D, O>(
  setting: AccountSetting<z.ZodRawShape, D, O>,
  context: SettingContext,
): ManagedKind<SettingObject, unknown, SettingHandoff<D, O>> {
  const spec = specSchema(setting);
  const fields = z.object(setting.fields);
  return {
    ref: settingRef(setting),
    validate: (object) => specProblems(spec, object.spec),
    // Read by the claim index from every cached object: never throws (admission checked the spec).
    claim: (object) => {
      const accountId = object.spec.accountId;
      return accountClaim(
        typeof accountId === "string" ? accountId : undefined,
        context.aws.knownOwnAccountId(),
      );
    },
    ...(setting.findings ? { findings: (object: SettingObject) => findingsOf(setting, object) } : {}),
    connect: async (object, { signal }) =>
      new SettingExternal(
        setting,
        context.aws.bind(signal),
        context.regions,
        context.regionTimeoutMs ?? DEFAULT_REGION_TIMEOUT_MS,
        fields.parse(object.spec),
        sharedFields.parse(object.spec),
        object.metadata.annotations?.[ROLE_ARN_ANNOTATION],
      ),
  };
}

/**
 * What an object's last reading counts (the setting's findings), from status.atProvider: the
 * account's, or each region's summed.
 */
function findingsOf(setting: AccountSetting, object: SettingObject): Record<string, number> | undefined {
  const atProvider = object.status?.atProvider;
  if (!setting.findings || atProvider === undefined) return undefined;
  const readings: unknown[] =
    setting.scope === "account"
      ? [atProvider]
      : typeof atProvider === "object" && atProvider !== null
        ? Object.values(atProvider)
        : [];
  const total: Record<string, number> = {};
  for (const reading of readings) {
    const parsed = setting.observed.safeParse(reading);
    if (!parsed.success) continue;
    for (const [finding, count] of Object.entries(setting.findings(parsed.data))) {
      total[finding] = (total[finding] ?? 0) + count;
    }
  }
  return total;
}

type SettingObservation<D, O> = Observation<unknown, SettingHandoff<D, O>>;

/** The ExternalClient of a setting: each place (the account, or each region) read, written, removed. */
class SettingExternal<D, O> implements ExternalClient<SettingObject, unknown, SettingHandoff<D, O>> {
  constructor(
    private readonly setting: AccountSetting<z.ZodRawShape, D, O>,
    private readonly aws: AwsAccess,
    private readonly directory: SettingContext["regions"],
    private readonly regionTimeoutMs: number,
    private readonly fields: z.output<z.ZodObject>,
    private readonly spec: SharedSettingSpec,
    private readonly roleArn: string | undefined,
  ) {}

  async observe(object: SettingObject): Promise<SettingObservation<D, O>> {
    const accountId = this.spec.accountId ?? (await this.aws.ownAccountId());
    const target: ClientTarget = { accountId, ...(this.roleArn ? { roleArn: this.roleArn } : {}) };
    const where = await this.places(target);
    const { readings, unavailable } = await this.readEvery(target, where.regions);
    // Deleting, a region not read may still hold the setting: nothing is done until every region answers.
    if (object.metadata.deletionTimestamp && unavailable.length > 0) {
      throw new RetryableError(
        "RegionUnavailable",
        `cannot remove the setting before every region answers: ${unavailable.map((u) => `${u.region} (${u.reason})`).join("; ")}`,
      );
    }
    const set = readings.some((r) => this.isSet(r.observed));
    const diff = readings.flatMap((r) => r.diff);
    const pending = readings.flatMap((r) =>
      r.pending ? [r.region ? `${r.region}: ${r.pending}` : r.pending] : [],
    );
    // Deleting, "exists" asks whether anything is left to remove (never, for a setting no remove
    // can undo). Otherwise a setting exists when something is set, or when nothing needs to be:
    // AWS's defaults already meet the spec (default security groups in regions without any VPC),
    // where a create would write nothing and be attempted again at every poll.
    const exists = object.metadata.deletionTimestamp
      ? set && !this.setting.irreversible
      : set || diff.length === 0;
    return {
      exists,
      upToDate: exists && diff.length === 0 && pending.length === 0,
      diff,
      ...(pending.length > 0 ? { progressing: pending.join("; ") } : {}),
      observed: this.atProvider(readings),
      status: {
        accountId,
        ...where.status,
        ...(this.setting.scope === "regional"
          ? { unavailableRegions: unavailable.length > 0 ? unavailable.map((u) => u.region) : undefined }
          : {}),
      },
      ...(unavailable.length > 0 ? { unavailableRegions: unavailable } : {}),
      handoff: { target, readings },
    };
  }

  /**
   * Every place read side by side. With several regions, one that does not answer within its
   * time or refuses is set aside (reported, never called in sync) while the others are kept; when
   * none answers, the first failure is the reconcile's, with its meaning (AccessDenied stalls).
   */
  private async readEvery(
    target: ClientTarget,
    regions: Array<string | undefined>,
  ): Promise<{ readings: Reading<D, O>[]; unavailable: UnavailableRegion[] }> {
    if (regions.length === 1) return { readings: [await this.read(target, regions[0])], unavailable: [] };
    const results = await Promise.allSettled(regions.map((region) => this.readWithin(target, region)));
    const readings = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = results.flatMap((r, i) =>
      r.status === "rejected" ? [{ region: regions[i], error: r.reason }] : [],
    );
    if (readings.length === 0 && failed[0]) throw failed[0].error;
    return {
      readings,
      unavailable: failed.map(({ region, error }) => ({ region: region ?? "", reason: errorMessage(error) })),
    };
  }

  /** One region's reads, given up after regionTimeoutMs (the call itself ends with the reconcile). */
  private readWithin(target: ClientTarget, region: string | undefined): Promise<Reading<D, O>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RetryableError("Timeout", `no answer within ${this.regionTimeoutMs} ms`)),
        this.regionTimeoutMs,
      );
    });
    return Promise.race([this.read(target, region), timeout]).finally(() => clearTimeout(timer));
  }

  async create(object: SettingObject, observation: SettingObservation<D, O>) {
    await this.update(object, observation);
    return { status: { ...observation.status } };
  }

  /** Writes every place that differs; the others are left alone. */
  async update(_object: SettingObject, observation: SettingObservation<D, O>): Promise<void> {
    const { target, readings } = handoffOf(observation);
    await everyPlace(
      readings
        .filter((r) => r.diff.length > 0)
        .map((r) => () => this.clientFor(target, r.region).write(r.desired, r.observed)),
    );
  }

  /** Back to AWS's default wherever something is set. */
  async delete(_object: SettingObject, observation: SettingObservation<D, O>): Promise<void> {
    const { target, readings } = handoffOf(observation);
    await everyPlace(
      readings.flatMap((r) => {
        const observed = r.observed;
        return observed === undefined || !this.isSet(observed)
          ? []
          : [() => this.clientFor(target, r.region).remove(r.desired, observed)];
      }),
    );
  }

  /** Whether a reading has anything set: neither nothing read nor AWS's own default. */
  private isSet(observed: O | undefined): boolean {
    return observed !== undefined && !(this.setting.isDefault?.(observed) ?? false);
  }

  /** The account alone, or its regions (with where they came from, for status). */
  private async places(
    target: ClientTarget,
  ): Promise<{ regions: Array<string | undefined>; status: Record<string, unknown> }> {
    if (this.setting.scope === "account") return { regions: [undefined], status: {} };
    const { regions, from } = this.spec.regions
      ? { regions: this.spec.regions, from: "spec.regions" }
      : await this.directory.enabledIn(target);
    return { regions, status: { regions, regionsFrom: from } };
  }

  private async read(target: ClientTarget, region: string | undefined): Promise<Reading<D, O>> {
    const desired = this.setting.desired(this.fields, region);
    const observed = await this.clientFor(target, region).read(desired);
    const pending = observed === undefined ? undefined : this.setting.inTransition?.(observed);
    // A place AWS is still changing reads back its old value or a transition state: not drift.
    const diff = pending ? [] : this.setting.diff(desired, observed);
    return {
      ...(region ? { region } : {}),
      desired,
      ...(observed !== undefined ? { observed } : {}),
      diff: region ? diff.map((c) => ({ ...c, path: `regions[${region}].${c.path}` })) : diff,
      ...(pending ? { pending } : {}),
    };
  }

  /** status.atProvider: what the account has, or what each region has. */
  private atProvider(readings: Reading<D, O>[]): unknown {
    if (this.setting.scope === "account") return readings[0]?.observed;
    const byRegion = readings.flatMap((r) =>
      r.observed !== undefined && r.region ? [[r.region, r.observed]] : [],
    );
    return byRegion.length > 0 ? Object.fromEntries(byRegion) : undefined;
  }

  private clientFor(target: ClientTarget, region: string | undefined) {
    return this.setting.client(this.aws, { ...target, ...(region ? { region } : {}) });
  }
}

function handoffOf<D, O>(observation: SettingObservation<D, O>): SettingHandoff<D, O> {
  if (!observation.handoff) throw new Error("an observation without its readings");
  return observation.handoff;
}

/**
 * Runs one write per place, all of them even when one fails (regions are independent, and every
 * write that can land should), then throws the first failure.
 */
async function everyPlace(writes: Array<() => Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(writes.map((write) => write()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
