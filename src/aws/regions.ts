/**
 * The regions a regional setting applies to when its spec names none: every region enabled in the
 * account, read with the Account Management API's ListRegions (opt-in regions count once enabled).
 * Where ListRegions cannot be used (a missing account:ListRegions permission, or an emulator such
 * as moto that lacks it), the configured default list (--default-regions) stands in, and the
 * result says so: status.regionsFrom of every regional setting shows where its regions came from.
 */
import { type AccountClient, paginateListRegions } from "@aws-sdk/client-account";
import { errorMessage } from "../runtime/reconcile-errors.js";
import { awsErrorCode, toReconcileError } from "./aws-errors.js";
import type { ClientTarget } from "./clients.js";

/** The regions of an account and where that list came from. */
export interface AccountRegions {
  regions: string[];
  /** `ListRegions`, or `--default-regions (...)` with why ListRegions was not used. */
  from: string;
}

export interface RegionDirectoryOptions {
  /** Used when ListRegions fails; empty: the failure is reported instead. */
  defaultRegions: readonly string[];
  /** How long an account's list is kept (regions are enabled rarely, and it takes AWS hours). */
  ttlMs?: number;
  now?: () => number;
}

/** The ListRegions filter: regions that are on, by default or by opt-in. */
const ENABLED = ["ENABLED", "ENABLED_BY_DEFAULT"] as const;

/**
 * The one call the directory makes, as a narrow interface: the cache and the fallback rules are
 * tested in-process against a fake of it, and against moto through the SDK implementation below.
 */
export interface RegionLister {
  /** The regions enabled in `target`'s account (ListRegions, every page); errors are AWS's own. */
  enabledRegions(target: ClientTarget): Promise<string[]>;
}

/** Where the SDK lister gets an Account Management client for an account (AwsClients, or a test's). */
export interface AccountClients {
  forAccount(service: "account", target: ClientTarget): Promise<AccountClient>;
}

/** The RegionLister of the Account Management SDK, in each account with its own credentials. */
export function sdkRegionLister(aws: AccountClients): RegionLister {
  return {
    async enabledRegions(target) {
      const client = await aws.forAccount("account", target);
      const regions: string[] = [];
      for await (const page of paginateListRegions({ client }, { RegionOptStatusContains: [...ENABLED] })) {
        regions.push(...(page.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : [])));
      }
      return regions;
    },
  };
}

/** The regions of each account, cached, with the configured defaults where ListRegions fails. */
export class RegionDirectory {
  private readonly cache = new Map<string, { value: AccountRegions; until: number }>();
  private readonly inFlight = new Map<string, Promise<AccountRegions>>();

  constructor(
    private readonly lister: RegionLister,
    private readonly options: RegionDirectoryOptions,
  ) {}

  /** The regions enabled in `target`'s account (cached; one ListRegions in flight per account). */
  async enabledIn(target: ClientTarget): Promise<AccountRegions> {
    const key = `${target.accountId}|${target.roleArn ?? ""}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.value;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.read(target).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const value = await pending;
    this.cache.set(key, { value, until: this.now() + (this.options.ttlMs ?? 10 * 60_000) });
    return value;
  }

  private async read(target: ClientTarget): Promise<AccountRegions> {
    try {
      const regions = await this.lister.enabledRegions(target);
      return { regions: [...regions].sort(), from: "ListRegions" };
    } catch (err) {
      if (this.options.defaultRegions.length === 0) {
        throw toReconcileError(
          err,
          `cannot list the regions enabled in account ${target.accountId} (name them in spec.regions, or start the controller with --default-regions)`,
        );
      }
      const why = awsErrorCode(err) ?? errorMessage(err).split("\n")[0];
      return {
        regions: [...this.options.defaultRegions],
        from: `--default-regions (ListRegions failed: ${why})`,
      };
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
