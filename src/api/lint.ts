/**
 * Warnings for manifests that are valid but probably not what was meant (orgguard validate prints
 * them; --strict makes them fail): an SCP that denies everything on a root or OU with no
 * exception, an SCP aimed at the management account (SCPs never apply to it), duplicate targets,
 * and a password policy weaker than the CIS AWS Foundations Benchmark.
 */
import { accountBaselineSpec } from "./account-baseline.js";
import { passwordPolicySpec } from "./password-policy.js";
import type { Problem } from "./scp-document.js";
import { serviceControlPolicySpec } from "./service-control-policy.js";

export interface LintOptions {
  /** The organization's management account, when known: SCPs aimed at it have no effect. */
  managementAccountId?: string;
}

/** CIS AWS Foundations v5.0 1.7-1.8 / v6.0 2.7-2.8. */
export const CIS_MINIMUM_PASSWORD_LENGTH = 14;
export const CIS_PASSWORD_REUSE_PREVENTION = 24;

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Statements that deny every action on every resource, unconditionally. */
function denyAllStatements(document: Record<string, unknown>): number[] {
  return asList(document.Statement).flatMap((s, i) => {
    const st = s as Record<string, unknown>;
    const all = (v: unknown) => asList(v).includes("*");
    return st.Effect === "Deny" &&
      all(st.Action) &&
      all(st.Resource) &&
      st.Condition === undefined &&
      st.NotAction === undefined
      ? [i]
      : [];
  });
}

function lintScp(spec: unknown, options: LintOptions): Problem[] {
  const parsed = serviceControlPolicySpec.safeParse(spec);
  if (!parsed.success) return [];
  const { document, targets } = parsed.data;
  const warnings: Problem[] = [];
  const broad = targets.filter((t) => t.root || t.ouId || t.ouPath);
  for (const i of denyAllStatements(document)) {
    if (broad.length > 0) {
      const where = broad.map((t) => (t.root ? "the root" : (t.ouPath ?? t.ouId))).join(", ");
      warnings.push({
        path: `spec.document.Statement[${i}]`,
        message: `denies every action on ${where} with no condition or exception: every principal of those accounts loses all access`,
      });
    }
  }
  const seen = new Set<string>();
  targets.forEach((t, i) => {
    const key = JSON.stringify(t);
    if (seen.has(key)) warnings.push({ path: `spec.targets[${i}]`, message: "duplicate target" });
    seen.add(key);
    if (options.managementAccountId && t.accountId === options.managementAccountId) {
      warnings.push({
        path: `spec.targets[${i}]`,
        message: "targets the management account, which SCPs never restrict",
      });
    }
  });
  return warnings;
}

function lintPasswordPolicy(
  settings: { minimumPasswordLength: number; passwordReusePrevention?: number },
  base: string,
): Problem[] {
  const warnings: Problem[] = [];
  if (settings.minimumPasswordLength < CIS_MINIMUM_PASSWORD_LENGTH) {
    warnings.push({
      path: `${base}.minimumPasswordLength`,
      message: `${settings.minimumPasswordLength} is below CIS's minimum of ${CIS_MINIMUM_PASSWORD_LENGTH}`,
    });
  }
  if ((settings.passwordReusePrevention ?? 0) < CIS_PASSWORD_REUSE_PREVENTION) {
    warnings.push({
      path: `${base}.passwordReusePrevention`,
      message: `CIS asks to prevent reuse of the last ${CIS_PASSWORD_REUSE_PREVENTION} passwords (${settings.passwordReusePrevention ?? "no reuse check"} here)`,
    });
  }
  return warnings;
}

/** Warnings for one valid object (an invalid one gets none: validate reports its errors). */
export function lintObject(object: unknown, options: LintOptions = {}): Problem[] {
  const o = object as { kind?: string; spec?: unknown };
  switch (o.kind) {
    case "ServiceControlPolicy":
      return lintScp(o.spec, options);
    case "PasswordPolicy": {
      const parsed = passwordPolicySpec.safeParse(o.spec);
      return parsed.success ? lintPasswordPolicy(parsed.data, "spec") : [];
    }
    case "AccountBaseline": {
      const parsed = accountBaselineSpec.safeParse(o.spec);
      return parsed.success && parsed.data.passwordPolicy
        ? lintPasswordPolicy(parsed.data.passwordPolicy, "spec.passwordPolicy")
        : [];
    }
    default:
      return [];
  }
}
