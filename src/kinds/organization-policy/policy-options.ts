/**
 * The options the Organizations policy types contribute to every command that reconciles them
 * (the controller, plan and apply): which types orgguard may enable on the root, and AWS's limits,
 * which change over time, per type. Built from the list of types, so a new type has its options.
 */
import { z } from "zod";
import type { OptionLayer, OptionValues } from "../../options.js";
import { POLICY_TYPES } from "../policy-types.js";
import type { PolicyOptions, PolicyType } from "./policy-type.js";

const POLICY_TYPE_IDS = POLICY_TYPES.map((t) => t.id).join(", ");
const findPolicyType = (id: string) => POLICY_TYPES.find((t) => t.id === id);

/** A comma-separated list of policy type ids: `scp,tag`. */
const policyTypeList = z.string().transform((text, ctx) => {
  const ids = text
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  for (const id of ids.filter((i) => !findPolicyType(i)))
    ctx.addIssue({ code: "custom", message: `'${id}' is not a policy type: use ${POLICY_TYPE_IDS}` });
  return new Set(ids);
});

/** AWS's limits as the option's default shows them: `scp=10,rcp=5,...`. */
const limitsText = (limit: (type: PolicyType) => number) =>
  POLICY_TYPES.map((t) => `${t.id}=${limit(t)}`).join(",");

/**
 * `type=N,...` over AWS's limits (a type not named keeps its default). A per-target limit leaves
 * room for the AWS-managed policy that every target keeps (FullAWSAccess, RCPFullAWSAccess).
 */
const policyLimits = (limit: "perTargetLimit" | "sizeLimit") =>
  z.string().transform((text, ctx) => {
    const limits = new Map(POLICY_TYPES.map((t) => [t.id, t.defaults[limit]]));
    for (const entry of text.split(",").map((e) => e.trim())) {
      if (entry === "") continue;
      const [id = "", value = ""] = entry.split("=").map((p) => p.trim());
      const type = findPolicyType(id);
      const minimum = limit === "perTargetLimit" && type?.awsManagedPolicy ? 2 : 1;
      if (!type)
        ctx.addIssue({ code: "custom", message: `'${id}' is not a policy type: use ${POLICY_TYPE_IDS}` });
      else if (!/^\d+$/.test(value) || Number(value) < minimum)
        ctx.addIssue({
          code: "custom",
          message: `${id}=${value}: must be a whole number of at least ${minimum}${minimum === 2 ? ` (${type.awsManagedPolicy} and one more)` : ""}`,
        });
      else limits.set(id, Number(value));
    }
    return limits;
  });

export const POLICY_TYPE_OPTIONS = {
  enablePolicyTypes: {
    flag: "enable-policy-types",
    description: `Organizations policy types orgguard enables on the root when they are off, comma-separated (${POLICY_TYPE_IDS}); objects of a type that is off report PolicyTypeNotEnabled. An Organization object's spec.policyTypes enables them too (declared, whatever objects exist); neither ever disables a type.`,
    default: "",
    allowed: `a list of ${POLICY_TYPE_IDS}`,
    schema: policyTypeList,
  },
  policyPerTargetLimits: {
    flag: "policy-per-target-limits",
    description:
      "Policies of each type allowed per root, OU or account, AWS-managed ones (FullAWSAccess, RCPFullAWSAccess) included; the types not named keep AWS's limits.",
    default: limitsText((t) => t.defaults.perTargetLimit),
    allowed: "type=N,... (N >= 1; >= 2 for scp and rcp)",
    schema: policyLimits("perTargetLimit"),
  },
  policySizeLimits: {
    flag: "policy-size-limits",
    description:
      "Characters allowed in a minified policy document of each type; the types not named keep AWS's limits.",
    default: limitsText((t) => t.defaults.sizeLimit),
    allowed: "type=N,... (N >= 1)",
    schema: policyLimits("sizeLimit"),
  },
} satisfies OptionLayer;

/** The options of every policy type, from the three policy options. */
export function policyOptionsOf(values: OptionValues<typeof POLICY_TYPE_OPTIONS>): PolicyOptions {
  return Object.fromEntries(
    POLICY_TYPES.map((t) => [
      t.id,
      {
        enablePolicyType: values.enablePolicyTypes.has(t.id),
        perTargetLimit: values.policyPerTargetLimits.get(t.id) ?? t.defaults.perTargetLimit,
        sizeLimit: values.policySizeLimits.get(t.id) ?? t.defaults.sizeLimit,
      },
    ]),
  );
}
