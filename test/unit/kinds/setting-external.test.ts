/**
 * The ExternalClient every setting kind shares (setting/setting-kind.ts, SettingExternal), reached
 * as the controller reaches it: managedSetting(setting, context).connect(object, { signal }). The
 * setting is a fake whose value lives in memory per account and region (test/support/fake-setting.ts);
 * the region directory is a fake too. The tables cover account and regional scope, where the
 * regions come from, when the setting exists and is up to date (deleting, AWS's defaults meeting
 * the spec, isDefault), a place still in transition, and which places update and delete write,
 * one failing region included. The real settings run the same client against moto and stubs in
 * test/integration.
 */
import { describe, expect, it } from "vitest";
import type { AccountRegions } from "../../../src/aws/regions.js";
import { managedSetting } from "../../../src/kinds/setting/setting-kind.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";
import {
  fakeSettingContext,
  WIDGET_DEFAULT,
  WIDGET_IN_TRANSITION,
  WidgetWorld,
  widgetSetting,
} from "../../support/fake-setting.js";

const OWN = "000000000000";
const MEMBER = "111111111111";

function widget(
  spec: { value?: string; accountId?: string; regions?: string[] } = {},
  extra: { deleting?: boolean; roleArn?: string } = {},
): ManagedObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "Widget",
    metadata: {
      name: "w",
      generation: 1,
      ...(extra.deleting ? { deletionTimestamp: "2026-01-02T00:00:00Z" } : {}),
      ...(extra.roleArn ? { annotations: { "orgguard.io/role-arn": extra.roleArn } } : {}),
    },
    spec: { value: "on", ...spec },
  };
}

/** Connects as a reconcile does and observes `object`; the world holds what AWS has. */
async function observe(
  scope: "account" | "regional",
  object: ManagedObject,
  world: WidgetWorld,
  regions?: AccountRegions,
) {
  const fakes = fakeSettingContext(regions);
  const signal = new AbortController().signal;
  const client = await managedSetting(widgetSetting(scope, world), fakes.context).connect(object, { signal });
  const observation = await client.observe(object);
  return { client, observation, signal, ...fakes };
}

const worldWith = (values: Record<string, string>) => {
  const world = new WidgetWorld();
  for (const [place, value] of Object.entries(values)) world.values.set(place, { value });
  return world;
};

describe("observe: whether the setting exists and is up to date", () => {
  interface Case {
    reason: string;
    scope: "account" | "regional";
    object: ManagedObject;
    values: Record<string, string>;
    exists: boolean;
    upToDate: boolean;
    diff: string[];
    progressing?: string;
  }
  const regional = (extra: { deleting?: boolean } = {}) =>
    widget({ accountId: MEMBER, regions: ["us-east-1", "eu-west-1"] }, extra);
  const cases: Case[] = [
    {
      reason: "nothing set and the spec asks for something: missing (a create)",
      scope: "account",
      object: widget({ accountId: MEMBER }),
      values: {},
      exists: false,
      upToDate: false,
      diff: ["value"],
    },
    {
      reason: "set as the spec says: there and up to date",
      scope: "account",
      object: widget({ accountId: MEMBER }),
      values: { [MEMBER]: "on" },
      exists: true,
      upToDate: true,
      diff: [],
    },
    {
      reason: "set otherwise: there, differing",
      scope: "account",
      object: widget({ accountId: MEMBER }),
      values: { [MEMBER]: "off" },
      exists: true,
      upToDate: false,
      diff: ["value"],
    },
    {
      reason: "AWS's default already meets the spec: there (a create would write nothing, every poll)",
      scope: "account",
      object: widget({ accountId: MEMBER, value: WIDGET_DEFAULT }),
      values: { [MEMBER]: WIDGET_DEFAULT },
      exists: true,
      upToDate: true,
      diff: [],
    },
    {
      reason: "AWS's default read where the spec asks for more: missing, not 'set otherwise' (isDefault)",
      scope: "account",
      object: widget({ accountId: MEMBER }),
      values: { [MEMBER]: WIDGET_DEFAULT },
      exists: false,
      upToDate: false,
      diff: ["value"],
    },
    {
      reason: "deleting, something set: there, to be removed",
      scope: "account",
      object: widget({ accountId: MEMBER }, { deleting: true }),
      values: { [MEMBER]: "on" },
      exists: true,
      upToDate: true,
      diff: [],
    },
    {
      reason: "deleting, only AWS's default left: gone, though it meets the spec (nothing left to remove)",
      scope: "account",
      object: widget({ accountId: MEMBER, value: WIDGET_DEFAULT }, { deleting: true }),
      values: { [MEMBER]: WIDGET_DEFAULT },
      exists: false,
      upToDate: false,
      diff: [],
    },
    {
      reason: "AWS still applying the last write: Progressing, neither drift nor up to date",
      scope: "account",
      object: widget({ accountId: MEMBER }),
      values: { [MEMBER]: WIDGET_IN_TRANSITION },
      exists: true,
      upToDate: false,
      diff: [],
      progressing: "in-transition",
    },
    {
      reason: "regional, every region as the spec says: up to date",
      scope: "regional",
      object: regional(),
      values: { [`${MEMBER}/us-east-1`]: "on", [`${MEMBER}/eu-west-1`]: "on" },
      exists: true,
      upToDate: true,
      diff: [],
    },
    {
      reason: "regional, one region differs: its change is named by region",
      scope: "regional",
      object: regional(),
      values: { [`${MEMBER}/us-east-1`]: "on", [`${MEMBER}/eu-west-1`]: "off" },
      exists: true,
      upToDate: false,
      diff: ["regions[eu-west-1].value"],
    },
    {
      reason: "regional, one region in transition and another differing: the other is still a change",
      scope: "regional",
      object: regional(),
      values: { [`${MEMBER}/us-east-1`]: WIDGET_IN_TRANSITION, [`${MEMBER}/eu-west-1`]: "off" },
      exists: true,
      upToDate: false,
      diff: ["regions[eu-west-1].value"],
      progressing: "us-east-1: in-transition",
    },
    {
      reason: "regional, set in one region only: there (something is set), the other region is a change",
      scope: "regional",
      object: regional(),
      values: { [`${MEMBER}/us-east-1`]: "on" },
      exists: true,
      upToDate: false,
      diff: ["regions[eu-west-1].value"],
    },
    {
      reason: "regional, deleting, nothing set anywhere: gone",
      scope: "regional",
      object: regional({ deleting: true }),
      values: {},
      exists: false,
      upToDate: false,
      diff: ["regions[us-east-1].value", "regions[eu-west-1].value"],
    },
  ];
  it.each(cases)("$reason", async (c) => {
    const world = worldWith(c.values);
    const { observation } = await observe(c.scope, c.object, world);
    expect({ exists: observation.exists, upToDate: observation.upToDate }).toEqual({
      exists: c.exists,
      upToDate: c.upToDate,
    });
    expect(observation.diff?.map((d) => d.path)).toEqual(c.diff);
    expect(observation.progressing).toBe(c.progressing);
    // Observe never writes.
    expect(world.writes).toEqual([]);
  });
});

describe("observe: where the setting is kept", () => {
  it("an account setting: the account alone, with no regions in status", async () => {
    const world = worldWith({ [MEMBER]: "off" });
    const { observation, asked } = await observe("account", widget({ accountId: MEMBER }), world);
    expect(world.calls).toEqual([`read ${MEMBER}`]);
    expect(observation.status).toEqual({ accountId: MEMBER });
    expect(observation.observed).toEqual({ value: "off" });
    expect(asked).toEqual([]);
  });

  it("no accountId: the controller's own account", async () => {
    const world = new WidgetWorld();
    const { observation } = await observe("account", widget(), world);
    expect(world.calls).toEqual([`read ${OWN}`]);
    expect(observation.status).toEqual({ accountId: OWN });
  });

  const regionCases: Array<{
    reason: string;
    spec: { regions?: string[] };
    directory: AccountRegions;
    reads: string[];
    status: Record<string, unknown>;
    askedDirectory: boolean;
  }> = [
    {
      reason: "regions named in the spec: those, and the directory is not asked",
      spec: { regions: ["eu-west-1"] },
      directory: { regions: ["us-east-1"], from: "ListRegions" },
      reads: [`read ${MEMBER}/eu-west-1`],
      status: { accountId: MEMBER, regions: ["eu-west-1"], regionsFrom: "spec.regions" },
      askedDirectory: false,
    },
    {
      reason: "no regions in the spec: every region the directory gives, and where it got them",
      spec: {},
      directory: {
        regions: ["eu-west-1", "us-east-1"],
        from: "--default-regions (ListRegions failed: AccessDenied)",
      },
      reads: [`read ${MEMBER}/eu-west-1`, `read ${MEMBER}/us-east-1`],
      status: {
        accountId: MEMBER,
        regions: ["eu-west-1", "us-east-1"],
        regionsFrom: "--default-regions (ListRegions failed: AccessDenied)",
      },
      askedDirectory: true,
    },
  ];
  it.each(regionCases)("$reason", async ({ spec, directory, reads, status, askedDirectory }) => {
    const world = new WidgetWorld();
    const { observation, asked } = await observe(
      "regional",
      widget({ accountId: MEMBER, ...spec }),
      world,
      directory,
    );
    expect(world.calls).toEqual(reads);
    expect(observation.status).toEqual(status);
    expect(asked.length > 0).toBe(askedDirectory);
  });

  it("asks the directory about the account through the role the object names", async () => {
    const roleArn = "arn:aws:iam::111111111111:role/Custom";
    const { asked } = await observe(
      "regional",
      widget({ accountId: MEMBER }, { roleArn }),
      new WidgetWorld(),
    );
    expect(asked).toEqual([{ accountId: MEMBER, roleArn }]);
  });

  it("status.atProvider of a regional setting: what each region has, regions with nothing left out", async () => {
    const world = worldWith({ [`${MEMBER}/us-east-1`]: "off" });
    const { observation } = await observe(
      "regional",
      widget({ accountId: MEMBER, regions: ["us-east-1", "eu-west-1"] }),
      world,
    );
    expect(observation.observed).toEqual({ "us-east-1": { value: "off" } });
  });

  it("connect binds the AWS access to the reconcile's signal, and every client uses that access", async () => {
    const world = new WidgetWorld();
    const { bound, signal, access } = await observe(
      "regional",
      widget({ regions: ["us-east-1", "eu-west-1"] }),
      world,
    );
    expect(bound).toEqual([signal]);
    expect(world.accessUsed).toEqual([access, access]);
  });
});

describe("update, create and delete: which places are written", () => {
  const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];
  const object = (extra: { deleting?: boolean } = {}) =>
    widget({ accountId: MEMBER, regions: REGIONS }, extra);
  const at = (region: string) => `${MEMBER}/${region}`;

  interface Case {
    reason: string;
    step: "update" | "create" | "delete";
    values: Record<string, string>;
    failing?: string[];
    writes: string[];
    error?: string;
  }
  const cases: Case[] = [
    {
      reason: "update writes only the regions that differ",
      step: "update",
      values: { [at("us-east-1")]: "on", [at("eu-west-1")]: "off" },
      writes: [`write ${at("eu-west-1")} on`, `write ${at("ap-south-1")} on`],
    },
    {
      reason: "create writes like update (a setting's create and update are one write)",
      step: "create",
      values: {},
      writes: REGIONS.map((r) => `write ${at(r)} on`),
    },
    {
      reason: "a region in transition is not written again",
      step: "update",
      values: { [at("us-east-1")]: WIDGET_IN_TRANSITION, [at("eu-west-1")]: "on", [at("ap-south-1")]: "off" },
      writes: [`write ${at("ap-south-1")} on`],
    },
    {
      reason: "one region failing does not stop the others' writes; the first failure is thrown",
      step: "update",
      values: {},
      failing: ["us-east-1", "ap-south-1"],
      writes: REGIONS.map((r) => `write ${at(r)} on`),
      error: "write failed in us-east-1",
    },
    {
      reason: "delete removes only what is set: not AWS's default, not a region with nothing",
      step: "delete",
      values: { [at("us-east-1")]: "on", [at("eu-west-1")]: WIDGET_DEFAULT },
      writes: [`remove ${at("us-east-1")}`],
    },
  ];
  it.each(cases)("$reason", async (c) => {
    const world = worldWith(c.values);
    for (const region of c.failing ?? [])
      world.failingWrites.set(at(region), new Error(`write failed in ${region}`));
    const target = object(c.step === "delete" ? { deleting: true } : {});
    const { client, observation } = await observe("regional", target, world);
    world.calls.length = 0;
    const step: Promise<unknown> = client[c.step](target, observation);
    if (c.error) await expect(step).rejects.toThrow(c.error);
    else await step;
    // Writes to different regions run at once: their order is not the point.
    expect([...world.writes].sort()).toEqual([...c.writes].sort());
  });

  it("create returns the status observe found, for the runtime to persist at once", async () => {
    const world = new WidgetWorld();
    const target = widget({ accountId: MEMBER, regions: ["eu-west-1"] });
    const { client, observation } = await observe("regional", target, world);
    expect(await client.create(target, observation)).toEqual({
      status: { accountId: MEMBER, regions: ["eu-west-1"], regionsFrom: "spec.regions" },
    });
  });
});

describe("one region that does not answer, or refuses, never blocks the others", () => {
  const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];
  const at = (region: string) => `${MEMBER}/${region}`;
  interface Case {
    reason: string;
    regions: string[];
    hanging?: string[];
    refusing?: string[];
    deleting?: boolean;
    unavailable?: string[];
    unavailableReason?: RegExp;
    writes?: string[];
    error?: RegExp;
  }
  const cases: Case[] = [
    {
      reason: "a hung region is set aside after its time; the others are compared and written",
      regions: REGIONS,
      hanging: ["eu-west-1"],
      unavailable: ["eu-west-1"],
      unavailableReason: /^no answer within 50 ms$/,
      writes: [`write ${at("us-east-1")} on`, `write ${at("ap-south-1")} on`],
    },
    {
      reason: "a region that refuses (an SCP denying it, say) is set aside with AWS's words",
      regions: REGIONS,
      refusing: ["ap-south-1"],
      unavailable: ["ap-south-1"],
      unavailableReason: /^refused in ap-south-1$/,
      writes: [`write ${at("us-east-1")} on`, `write ${at("eu-west-1")} on`],
    },
    {
      reason: "every region failing is the reconcile's failure (its meaning kept: AccessDenied stalls)",
      regions: ["us-east-1", "eu-west-1"],
      refusing: ["us-east-1", "eu-west-1"],
      error: /^refused in us-east-1$/,
    },
    {
      reason: "one region only: its failure is the reconcile's, as an account-wide setting's is",
      regions: ["eu-west-1"],
      refusing: ["eu-west-1"],
      error: /^refused in eu-west-1$/,
    },
    {
      reason: "deleting, a region not read may still hold the setting: nothing removed until all answer",
      regions: REGIONS,
      hanging: ["eu-west-1"],
      deleting: true,
      error: /^cannot remove the setting before every region answers: eu-west-1 \(no answer within 50 ms\)$/,
    },
  ];
  it.each(cases)("$reason", async (c) => {
    const world = new WidgetWorld();
    for (const region of c.hanging ?? []) world.hangingReads.add(at(region));
    for (const region of c.refusing ?? [])
      world.failingReads.set(at(region), new Error(`refused in ${region}`));
    const target = widget({ accountId: MEMBER, regions: c.regions }, { deleting: c.deleting ?? false });
    const observed = observe("regional", target, world);
    if (c.error) {
      await expect(observed).rejects.toThrow(c.error);
      return;
    }
    const { client, observation } = await observed;
    expect(observation.unavailableRegions?.map((u) => u.region)).toEqual(c.unavailable);
    for (const u of observation.unavailableRegions ?? [])
      expect(u.reason).toMatch(c.unavailableReason ?? /./);
    expect(observation.status?.unavailableRegions).toEqual(c.unavailable);
    world.calls.length = 0;
    await client.update(target, observation);
    expect([...world.writes].sort()).toEqual([...(c.writes ?? [])].sort());
  });
});

describe("claim", () => {
  const cases = [
    { reason: "the account the spec names", spec: { accountId: MEMBER }, claim: `account ${MEMBER}` },
    {
      reason: "no accountId: the controller's own account, spelled out (the same claim as its id)",
      spec: {},
      claim: `account ${OWN}`,
    },
  ];
  it.each(cases)("$reason", ({ spec, claim }) => {
    const kind = managedSetting(widgetSetting("account", new WidgetWorld()), fakeSettingContext().context);
    expect(kind.claim?.(widget(spec))).toBe(claim);
  });
});
