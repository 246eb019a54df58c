/**
 * An in-memory CloudTrail (and the organization's trusted access) for the OrganizationTrail
 * kind's in-process tests: a fake of its narrow TrailApi that answers as AWS documents (the same
 * error codes, shaped like the SDK's exceptions), records every call, and can be told to fail one.
 */
import type { OrganizationView } from "../../src/aws/organization-view.js";
import type { TargetView } from "../../src/kinds/organization.js";
import type {
  EventSelector,
  TrailRecord,
  TrailSelectors,
  TrailSettings,
  TrailState,
} from "../../src/kinds/organization-trail/compare.js";
import type { TrailApi } from "../../src/kinds/organization-trail/trail-api.js";
import { awsError } from "./fake-policy-api.js";

export const TRAIL_ACCOUNT = "111111111111";
export const TRAIL_REGION = "us-east-1";
export const ORGANIZATION_ID = "o-example";

/** One trail as the fake keeps it. */
export interface FakeTrail {
  record: TrailRecord;
  tags: Record<string, string>;
  state: TrailState;
  selectors: TrailSelectors;
}

type Method = keyof TrailApi;

export class FakeTrailApi implements TrailApi {
  readonly trails = new Map<string, FakeTrail>();
  trusted = new Set<string>(["cloudtrail.amazonaws.com"]);
  calls: string[] = [];
  failures: Array<{ method: Method; error: Error }> = [];
  /** The bucket names that exist (CreateTrail and UpdateTrail refuse others). */
  buckets = new Set<string>(["org-trail-logs"]);

  /** A trail made out of band (by hand, or by another tool). */
  add(name: string, settings: Partial<TrailRecord> = {}, tags: Record<string, string> = {}): FakeTrail {
    const trail: FakeTrail = {
      record: {
        name,
        arn: `arn:aws:cloudtrail:${TRAIL_REGION}:${TRAIL_ACCOUNT}:trail/${name}`,
        homeRegion: TRAIL_REGION,
        bucket: "org-trail-logs",
        isOrganizationTrail: true,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        logFileValidationEnabled: true,
        ...settings,
      },
      tags,
      state: { isLogging: true },
      selectors: {
        basic: [
          {
            readWriteType: "All",
            includeManagementEvents: true,
            excludeManagementEventSources: [],
            dataResources: [],
          },
        ],
        advanced: 0,
      },
    };
    this.trails.set(name, trail);
    return trail;
  }

  private step(method: Method, arg?: string): void {
    this.calls.push(arg === undefined ? method : `${method} ${arg}`);
    const at = this.failures.findIndex((f) => f.method === method);
    if (at >= 0) {
      const [failure] = this.failures.splice(at, 1);
      if (failure) throw failure.error;
    }
  }

  private byArn(arn: string): FakeTrail {
    const trail = [...this.trails.values()].find((t) => t.record.arn === arn || t.record.name === arn);
    if (!trail) throw awsError("TrailNotFoundException");
    return trail;
  }

  async getTrail(name: string): Promise<TrailRecord> {
    this.step("getTrail", name);
    const trail = this.trails.get(name);
    if (!trail) throw awsError("TrailNotFoundException");
    return { ...trail.record };
  }
  async tagsOf(arn: string) {
    this.step("tagsOf", arn);
    return { ...this.byArn(arn).tags };
  }
  async status(arn: string) {
    this.step("status", arn);
    return { ...this.byArn(arn).state };
  }
  async selectors(arn: string) {
    this.step("selectors", arn);
    return structuredClone(this.byArn(arn).selectors);
  }
  async create(name: string, settings: TrailSettings, tags: Record<string, string>) {
    this.step("create", name);
    if (!this.buckets.has(settings.bucket)) throw awsError("S3BucketDoesNotExistException");
    if (this.trails.has(name)) throw awsError("TrailAlreadyExistsException");
    const trail = this.add(name, { ...settings }, tags);
    trail.state = { isLogging: false };
    trail.selectors = { basic: [], advanced: 0 };
    return trail.record.arn;
  }
  async update(arn: string, settings: TrailSettings) {
    this.step("update", arn);
    const trail = this.byArn(arn);
    const { keyPrefix: _p, kmsKeyId: _k, logGroupArn: _g, logRoleArn: _r, ...rest } = trail.record;
    trail.record = {
      ...rest,
      ...settings,
      isOrganizationTrail: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: true,
    };
  }
  async addTags(arn: string, tags: Record<string, string>) {
    this.step("addTags", arn);
    Object.assign(this.byArn(arn).tags, tags);
  }
  async putSelector(arn: string, selector: EventSelector) {
    this.step("putSelector", arn);
    this.byArn(arn).selectors = { basic: [structuredClone(selector)], advanced: 0 };
  }
  async startLogging(arn: string) {
    this.step("startLogging", arn);
    this.byArn(arn).state.isLogging = true;
  }
  async deleteTrail(name: string) {
    this.step("deleteTrail", name);
    if (!this.trails.delete(name)) throw awsError("TrailNotFoundException");
  }
  async trustedAccess() {
    this.step("trustedAccess");
    return [...this.trusted];
  }
}

/** The organization view a trail's messages name (its id). */
export const trailOrganization: Pick<TargetView, "current"> = {
  current: async (): Promise<OrganizationView> => ({
    organizationId: ORGANIZATION_ID,
    managementAccountId: TRAIL_ACCOUNT,
    rootId: "r-ab12",
    enabledPolicyTypes: [],
    ous: [],
    accounts: [],
  }),
};
