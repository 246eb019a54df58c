/**
 * The OrganizationTrail kind's client. It finds the trail by name in its home region, proves it is
 * this object's (the ARN status recorded, or the ownership tags CreateTrail put on it; or the
 * object says to adopt it), compares it with the spec (compare.ts) and puts it back: UpdateTrail
 * for its settings, PutEventSelectors for what it logs, StartLogging when it was stopped. A trail
 * of that name that is not this object's is never changed. CloudTrail's refusals of the bucket or
 * key name the policy statement they lack; a trail that logs but cannot deliver says so too.
 */
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import type { Change, ExternalClient, ManagedObject, Observation } from "../../runtime/managed.js";
import { BlockedError, FailureWithStatus, RetryableError } from "../../runtime/reconcile-errors.js";
import type { TargetView } from "../organization.js";
import { ADOPT_ANNOTATION, ownershipTags, taggedFor } from "../ownership.js";
import { organizationTrailSpec } from "./api.js";
import {
  CLOUDTRAIL_PRINCIPAL,
  type DeliveryContext,
  type DesiredTrail,
  deliveryAdvice,
  desiredTrail,
  loggingChange,
  needsUpdateTrail,
  refusalAdvice,
  selectorChange,
  TRUSTED_ACCESS_ADVICE,
  type TrailRecord,
  type TrailSelectors,
  type TrailState,
  trailArnOf,
  trailCompliance,
  trailSettingChanges,
} from "./compare.js";
import type { TrailApi } from "./trail-api.js";

export type TrailObject = ManagedObject;

/** status.atProvider. */
export interface TrailAtProvider {
  trailArn: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  isOrganizationTrail: boolean;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidationEnabled: boolean;
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  isLogging: boolean;
  latestDeliveryError?: string;
  latestDigestDeliveryError?: string;
  latestCloudWatchLogsDeliveryError?: string;
  managementEvents: string;
  dataResourceTypes: string[];
}

/** What observe hands to create, update and delete. */
export interface TrailHandoff {
  desired: DesiredTrail;
  trail?: TrailRecord;
  changes: Change[];
  /** Ownership tags the trail lacks (an adopted trail is tagged first). */
  tagsToAdd: Record<string, string>;
  delivery: DeliveryContext;
  /** Why a create must not be tried (trusted access for CloudTrail is off). */
  refusal?: Error;
}

type TrailObservation = Observation<TrailAtProvider, TrailHandoff>;

/** Who the controller is: the account that creates the trail (its own), in which partition. */
export interface TrailCaller {
  accountId: string;
  partition?: string;
}

export class TrailClient implements ExternalClient<TrailObject, TrailAtProvider, TrailHandoff> {
  constructor(
    private readonly api: TrailApi,
    private readonly organization: Pick<TargetView, "current">,
    private readonly caller: TrailCaller,
    /** The Organization objects this process knows (the cluster's, or plan's manifests). */
    private readonly organizationObjects: () => readonly ManagedObject[] = () => [],
  ) {}

  async observe(object: TrailObject): Promise<TrailObservation> {
    const spec = organizationTrailSpec.parse(object.spec);
    const desired = desiredTrail(spec);
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const observeOnly = spec.managementPolicy === "ObserveOnly";
    const trail = await awsCall(
      `cannot read trail ${desired.name} in ${desired.homeRegion}`,
      () => this.api.getTrail(desired.name),
      { notFound: () => undefined },
    );
    const delivery = await this.deliveryContext(desired, trail);
    if (!trail) {
      if (deleting) return { exists: false, upToDate: true };
      // An organization trail made through the API needs trusted access (the console enables it
      // itself): read before the create, so a plan says so and a create refuses before any call.
      const access = observeOnly ? { ok: true as const } : await this.trustedAccessFor();
      const where = `s3://${desired.bucket}/${desired.keyPrefix ? `${desired.keyPrefix}/` : ""}`;
      return {
        exists: false,
        upToDate: false,
        diff: [
          {
            path: "",
            to: "created",
            description: `create organization trail ${desired.name} in ${desired.homeRegion}: every account, every region, log file validation, logging to ${where}${access.ok ? "" : ` (${access.error.message})`}`,
          },
        ],
        handoff: {
          desired,
          changes: [],
          tagsToAdd: {},
          delivery,
          ...(access.ok ? {} : { refusal: access.error }),
        },
      };
    }
    if (trail.homeRegion && trail.homeRegion !== desired.homeRegion) {
      throw new BlockedError(
        "HomeRegionDiffers",
        `trail ${desired.name} (${trail.arn}) has its home region in ${trail.homeRegion}, not ${desired.homeRegion}: AWS cannot move a trail; set spec.homeRegion: ${trail.homeRegion}, or choose another trailName`,
      );
    }
    const owned = await this.owns(object, trail);
    const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true" && !observeOnly;
    // Deleting, only this object's own trail is there to delete.
    if (deleting)
      return {
        exists: owned || adopt,
        upToDate: true,
        handoff: { desired, trail, changes: [], tagsToAdd: {}, delivery },
      };
    if (!owned && !adopt && !observeOnly) {
      throw new BlockedError(
        "AlreadyExists",
        `a trail named ${desired.name} exists in ${desired.homeRegion} (${trail.arn}) and its tags do not show orgguard created it for this object: annotate the object orgguard.io/adopt: "true" to take it over, or choose another trailName`,
      );
    }
    const [state, selectors] = await Promise.all([
      awsCall(`cannot read the status of trail ${trail.arn}`, () => this.api.status(trail.arn)),
      awsCall(`cannot read the event selectors of trail ${trail.arn}`, () => this.api.selectors(trail.arn)),
    ]);
    // Only a trail being adopted is tagged (ObserveOnly only reads someone else's).
    const tagsToAdd = adopt && !owned ? ownedTagsOf(object) : {};
    const changes = [
      ...(Object.keys(tagsToAdd).length > 0
        ? [
            {
              path: "tags",
              to: "orgguard's",
              description: `adopt trail ${trail.arn}: tag it as this object's`,
            },
          ]
        : []),
      ...trailSettingChanges(desired, trail),
      ...present(selectorChange(desired.selector, selectors)),
      ...present(loggingChange(state)),
    ];
    const observed = atProviderOf(trail, state, selectors);
    const compliance = trailCompliance(trail, state, selectors);
    // ObserveOnly records nothing as its own: Enforce later proves ownership afresh.
    const status = { ...(owned || adopt ? { trailArn: trail.arn } : {}), compliance };
    if (changes.length === 0) this.reportDeliveryErrors(state, delivery, observed, status);
    return {
      exists: true,
      upToDate: changes.length === 0,
      diff: changes,
      observed,
      status,
      handoff: { desired, trail, changes, tagsToAdd, delivery },
      ...(adopt && !owned ? { adopted: `adopted trail ${trail.arn}` } : {}),
    };
  }

  async create(
    object: TrailObject,
    observation: TrailObservation,
  ): Promise<{ status?: Record<string, unknown> }> {
    const { desired, delivery, refusal } = handoffOf(observation);
    // Trusted access off: nothing is sent (AWS would refuse it with CloudTrailAccessNotEnabled).
    if (refusal) throw refusal;
    const arn = await this.call(
      `cannot create organization trail ${desired.name} in ${desired.homeRegion}`,
      () => this.api.create(desired.name, desired, ownedTagsOf(object)),
      delivery,
    );
    await this.call(
      `cannot set the event selectors of trail ${arn}`,
      () => this.api.putSelector(arn, desired.selector),
      delivery,
    );
    await this.call(`cannot start logging on trail ${arn}`, () => this.api.startLogging(arn), delivery);
    return { status: { trailArn: arn } };
  }

  async update(_object: TrailObject, observation: TrailObservation): Promise<void> {
    const { desired, trail, changes, tagsToAdd, delivery } = handoffOf(observation);
    if (!trail) return;
    // Tags first: an adopted trail is orgguard's before anything else is written to it.
    if (Object.keys(tagsToAdd).length > 0)
      await this.call(
        `cannot tag trail ${trail.arn}`,
        () => this.api.addTags(trail.arn, tagsToAdd),
        delivery,
      );
    if (needsUpdateTrail(changes)) {
      await this.call(
        `cannot update trail ${trail.arn}`,
        () => this.api.update(trail.arn, desired),
        delivery,
      );
    }
    if (changes.some((c) => c.path === "eventSelectors")) {
      await this.call(
        `cannot set the event selectors of trail ${trail.arn}`,
        () => this.api.putSelector(trail.arn, desired.selector),
        delivery,
      );
    }
    if (changes.some((c) => c.path === "logging")) {
      await this.call(
        `cannot start logging on trail ${trail.arn}`,
        () => this.api.startLogging(trail.arn),
        delivery,
      );
    }
  }

  /** Deletes the trail (only this object's own: observe said it exists only then). */
  async delete(_object: TrailObject, observation: TrailObservation): Promise<void> {
    const { desired } = handoffOf(observation);
    await awsCall(`cannot delete trail ${desired.name}`, () => this.api.deleteTrail(desired.name), {
      notFound: () => undefined,
    });
  }

  /** Whether the trail is this object's: the ARN it recorded, or the tags CreateTrail put on it. */
  private async owns(object: TrailObject, trail: TrailRecord): Promise<boolean> {
    if (object.status?.trailArn === trail.arn) return true;
    const tags = await awsCall(`cannot read the tags of trail ${trail.arn}`, () =>
      this.api.tagsOf(trail.arn),
    );
    return taggedFor(tags, object.metadata.name);
  }

  /**
   * Whether trusted access for CloudTrail is on; if not, the error a create must stop with:
   * retried with backoff when an Organization object lists it (it is about to enable it), else
   * Stalled, saying where to enable it (checked again every poll).
   */
  private async trustedAccessFor(): Promise<{ ok: true } | { ok: false; error: Error }> {
    const enabled = await awsCall("cannot list the services with trusted access in the organization", () =>
      this.api.trustedAccess(),
    );
    if (enabled.includes(CLOUDTRAIL_PRINCIPAL)) return { ok: true };
    const enabling = this.organizationObjects().find(
      (o) => Array.isArray(o.spec.trustedAccess) && o.spec.trustedAccess.includes(CLOUDTRAIL_PRINCIPAL),
    );
    if (enabling) {
      return {
        ok: false,
        error: new RetryableError(
          "TrustedAccessPending",
          `trusted access for ${CLOUDTRAIL_PRINCIPAL} is off; Organization/${enabling.metadata.name} lists it under spec.trustedAccess: waiting for it to be enabled`,
        ),
      };
    }
    return {
      ok: false,
      error: new BlockedError(
        "TrustedAccessDisabled",
        `trusted access for ${CLOUDTRAIL_PRINCIPAL} is off: ${TRUSTED_ACCESS_ADVICE}`,
      ),
    };
  }

  /** A trail as the spec asks that cannot deliver: Stalled, naming what to fix, with what was read. */
  private reportDeliveryErrors(
    state: TrailState,
    delivery: DeliveryContext,
    observed: TrailAtProvider,
    status: Record<string, unknown>,
  ): void {
    const failures: string[] = [];
    if (state.latestDeliveryError)
      failures.push(
        `log files: ${state.latestDeliveryError} (${deliveryAdvice(state.latestDeliveryError, delivery)})`,
      );
    if (state.latestDigestDeliveryError)
      failures.push(
        `digest files: ${state.latestDigestDeliveryError} (${deliveryAdvice(state.latestDigestDeliveryError, delivery)})`,
      );
    if (state.latestCloudWatchLogsDeliveryError)
      failures.push(
        `CloudWatch Logs: ${state.latestCloudWatchLogsDeliveryError} (the role in spec.cloudWatchLogs.roleArn must trust cloudtrail.amazonaws.com and allow logs:CreateLogStream and logs:PutLogEvents on the log group)`,
      );
    if (failures.length === 0) return;
    throw new FailureWithStatus(
      new BlockedError(
        state.latestDeliveryError || state.latestDigestDeliveryError
          ? "DeliveryFailing"
          : "CloudWatchLogsDeliveryFailing",
        `trail ${delivery.trailArn} is configured as the spec asks but CloudTrail cannot deliver: ${failures.join("; ")}. Checked again every poll: it clears at the next delivery that succeeds`,
      ),
      { ...status, atProvider: observed, plannedChanges: [] },
    );
  }

  /** The names a refusal's advice uses: the trail (as it is or will be), its bucket, key and writers. */
  private async deliveryContext(
    desired: DesiredTrail,
    trail: TrailRecord | undefined,
  ): Promise<DeliveryContext> {
    const view = await this.organization.current();
    return {
      bucket: desired.bucket,
      ...(desired.keyPrefix ? { keyPrefix: desired.keyPrefix } : {}),
      ...(desired.kmsKeyId ? { kmsKeyId: desired.kmsKeyId } : {}),
      trailArn:
        trail?.arn ??
        trailArnOf(desired.name, desired.homeRegion, this.caller.accountId, this.caller.partition),
      accountId: this.caller.accountId,
      organizationId: view.organizationId,
    };
  }

  /** One write: a refusal of the bucket, key or trusted access names what to fix. */
  private async call<T>(what: string, write: () => Promise<T>, delivery: DeliveryContext): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const advice = refusalAdvice(awsErrorCode(err) ?? "", delivery);
      throw toReconcileError(err, advice ? `${what}: ${advice}` : what);
    }
  }
}

const present = <T>(value: T | undefined): T[] => (value === undefined ? [] : [value]);

/** The ownership tags a trail of this object carries (the uid tag too: CloudTrail tags are free-form). */
function ownedTagsOf(object: TrailObject): Record<string, string> {
  return ownershipTags(object.metadata.name, object.metadata.uid);
}

/** status.atProvider, from what was read (no delivery times: a quiet poll must write nothing). */
function atProviderOf(trail: TrailRecord, state: TrailState, selectors: TrailSelectors): TrailAtProvider {
  const [first] = selectors.basic;
  return {
    trailArn: trail.arn,
    homeRegion: trail.homeRegion,
    s3BucketName: trail.bucket,
    ...(trail.keyPrefix ? { s3KeyPrefix: trail.keyPrefix } : {}),
    isOrganizationTrail: trail.isOrganizationTrail,
    isMultiRegionTrail: trail.isMultiRegionTrail,
    includeGlobalServiceEvents: trail.includeGlobalServiceEvents,
    logFileValidationEnabled: trail.logFileValidationEnabled,
    ...(trail.kmsKeyId ? { kmsKeyId: trail.kmsKeyId } : {}),
    ...(trail.logGroupArn ? { cloudWatchLogsLogGroupArn: trail.logGroupArn } : {}),
    isLogging: state.isLogging,
    ...(state.latestDeliveryError ? { latestDeliveryError: state.latestDeliveryError } : {}),
    ...(state.latestDigestDeliveryError
      ? { latestDigestDeliveryError: state.latestDigestDeliveryError }
      : {}),
    ...(state.latestCloudWatchLogsDeliveryError
      ? { latestCloudWatchLogsDeliveryError: state.latestCloudWatchLogsDeliveryError }
      : {}),
    managementEvents: first?.includeManagementEvents
      ? first.readWriteType
      : selectors.advanced > 0
        ? "advanced"
        : "None",
    dataResourceTypes: [
      ...new Set(selectors.basic.flatMap((s) => s.dataResources.map((d) => d.type))),
    ].sort(),
  };
}

function handoffOf(observation: TrailObservation): TrailHandoff {
  if (!observation.handoff) throw new Error("a trail observation without its handoff");
  return observation.handoff;
}
