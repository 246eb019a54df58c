/**
 * A fake account setting (a plug-in like settings.ts's, named Widget) whose client keeps its value
 * in memory per account and region, for in-process tests of the setting kind's ExternalClient
 * (setting/setting-kind.ts): every read, write and removal is recorded, a write can be made to fail
 * in a region, and a value can say it is AWS's default or still being applied.
 */
import { z } from "zod";
import type { AwsAccess, ClientTarget } from "../../src/aws/clients.js";
import type { AccountRegions } from "../../src/aws/regions.js";
import type { AccountSetting } from "../../src/kinds/setting/setting.js";
import type { SettingContext } from "../../src/kinds/setting/setting-kind.js";

/** What the widget is set to: "default" is AWS's own default, "in-transition" is still being applied. */
export interface Widget {
  value: string;
}

export const WIDGET_DEFAULT = "default";
export const WIDGET_IN_TRANSITION = "in-transition";

const widgetFields = { value: z.string().default("on") };

/** Where a value is kept: `111111111111` or `111111111111/eu-west-1`. */
export const placeOf = (target: ClientTarget): string =>
  target.region ? `${target.accountId}/${target.region}` : target.accountId;

/** The in-memory "AWS" of the widget: values by place, calls in order, failures by place. */
export class WidgetWorld {
  readonly values = new Map<string, Widget>();
  readonly calls: string[] = [];
  readonly failingWrites = new Map<string, Error>();
  /** Places whose reads fail with this error (a region refusing). */
  readonly failingReads = new Map<string, Error>();
  /** Places whose reads never answer (a region hanging). */
  readonly hangingReads = new Set<string>();
  /** The AWS access each client was made with (the one the reconcile's connect bound). */
  readonly accessUsed: AwsAccess[] = [];

  /** Only the writes and removals, in order. */
  get writes(): string[] {
    return this.calls.filter((c) => !c.startsWith("read"));
  }
}

/** The Widget setting, kept once per account or per region, against `world`. */
export function widgetSetting(
  scope: "account" | "regional",
  world: WidgetWorld,
): AccountSetting<typeof widgetFields, Widget, Widget> {
  return {
    names: { kind: "Widget", plural: "widgets", singular: "widget", shortNames: [], field: "widget" },
    scope,
    noun: "the widget",
    description: "A fake setting for tests.",
    specDescription: "The widget.",
    fieldDescription: "The widget of every selected account.",
    fields: widgetFields,
    observed: z.object({ value: z.string() }),
    desired: (fields) => ({ value: fields.value }),
    diff: (desired, observed) =>
      observed?.value === desired.value ? [] : [{ path: "value", from: observed?.value, to: desired.value }],
    isDefault: (observed) => observed.value === WIDGET_DEFAULT,
    inTransition: (observed) => (observed.value === WIDGET_IN_TRANSITION ? "in-transition" : undefined),
    client: (aws, target) => {
      world.accessUsed.push(aws);
      const place = placeOf(target);
      return {
        read: async () => {
          world.calls.push(`read ${place}`);
          const failure = world.failingReads.get(place);
          if (failure) throw failure;
          if (world.hangingReads.has(place)) await new Promise<never>(() => undefined);
          return world.values.get(place);
        },
        write: async (desired) => {
          world.calls.push(`write ${place} ${desired.value}`);
          const failure = world.failingWrites.get(place);
          if (failure) throw failure;
          world.values.set(place, { ...desired });
        },
        remove: async () => {
          world.calls.push(`remove ${place}`);
          world.values.delete(place);
        },
      };
    },
    operations: [],
  };
}

/**
 * A SettingContext over fakes: AWS access that knows its own account and makes no SDK client, and
 * a region directory that answers `regions` (noting which targets it was asked about).
 */
export function fakeSettingContext(
  regions: AccountRegions = { regions: ["us-east-1"], from: "ListRegions" },
  regionTimeoutMs = 50,
) {
  const bound: AbortSignal[] = [];
  const asked: ClientTarget[] = [];
  const noSdk = (): never => {
    throw new Error("the fake setting makes no SDK client");
  };
  const access: AwsAccess = {
    ownAccountId: async () => "000000000000",
    knownOwnAccountId: () => "000000000000",
    organizations: noSdk,
    forAccount: async () => noSdk(),
  };
  const context: SettingContext = {
    regionTimeoutMs,
    aws: {
      bind: (signal) => {
        bound.push(signal);
        return access;
      },
      knownOwnAccountId: () => "000000000000",
    },
    regions: {
      enabledIn: async (target) => {
        asked.push(target);
        return { regions: [...regions.regions], from: regions.from };
      },
    },
  };
  return { context, access, bound, asked };
}
