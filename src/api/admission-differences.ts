/**
 * Where `orgguard validate` and the kube-apiserver's admission (the CRD schema and its CEL rules)
 * judge a manifest differently, on purpose, and why. Everything else they judge alike: the
 * agreement test (test/integration/validate-admission-agreement.test.ts) generates thousands of
 * manifests per kind, compares the two verdicts, and fails on a difference this table does not
 * explain. README.md's table is generated from this one.
 */
import type { Problem } from "./problems.js";

/** A difference between validate's verdict and admission's, with its reason. */
export interface AdmissionDifference {
  /** How the agreement test counts it. */
  id: string;
  /** Which side refuses what the other accepts. */
  refusedBy: "validate" | "admission";
  /** What is refused, as a reader of the README recognizes it. */
  what: string;
  /** Why the other side cannot (or must not) refuse it too. */
  why: string;
  /** Whether one of validate's problems (or admission's message, when admission refuses) is this difference. */
  explains(problem: Problem): boolean;
}

export const ADMISSION_DIFFERENCES: readonly AdmissionDifference[] = [
  {
    id: "policy-statements",
    refusedBy: "validate",
    what: "what a policy document holds: an SCP's or RCP's statements (Effect, Action, Resource, Principal, condition operators, Sid), a tag or AI services opt-out policy's keys and operators",
    why: "AWS's grammar lets Statement be one statement or a list and Action a string or a list: a structural CRD schema gives each field one type, and CEL cannot read a field without one. The controller refuses such a spec too (Stalled, InvalidSpec, naming the field), before any AWS call.",
    explains: (p) => /^spec\.document\.(Statement([.[]|$)|tags\.|services\.)/.test(p.path),
  },
  {
    id: "policy-size",
    refusedBy: "validate",
    what: "a policy document over AWS's size limit for its type, counted minified",
    why: "CEL cannot measure a value's minified JSON, and the limits are the controller's options (--policy-size-limits), which a CRD could not follow.",
    explains: (p) => p.path === "spec.document" && /^the minified document is \d+ characters/.test(p.message),
  },
  {
    id: "duplicate-delegated-administrators",
    refusedBy: "validate",
    what: "an Organization listing the same delegated administrator (service principal and account) twice",
    why: "The entries are objects that name their account one of two ways, so neither a set nor a map can key them, and a CEL rule comparing every pair of up to 100 entries is over the apiserver's cost budget by more than 100 times (it refuses such a CRD). The controller refuses such a spec too (Stalled, InvalidSpec), before any AWS call.",
    explains: (p) =>
      p.path === "spec.delegatedAdministrators" &&
      /each delegated administrator .* at most once/.test(p.message),
  },
  {
    id: "yaml-1.1",
    refusedBy: "validate",
    what: "YAML that YAML 1.1 and 1.2 read differently: a plain yes, no, on, off, y or n, a number with a leading 0, a base prefix YAML 1.2 does not read (0b1, 0X1F, 0O7, -0x1f) or an _ (024, 0_Xd, 1_000), a raw U+2028, U+2029 or U+0085",
    why: 'kubectl, Helm, Argo CD and the kube-apiserver read YAML 1.1 (yes is true, 024 is 20); YAML 1.2 tools read the string "yes" and 24. Admission judges what kubectl sent it; validate refuses what would mean one thing to one tool and another to the next, and says how to write it.',
    explains: (p) => /YAML 1\.1 \(kubectl, the kube-apiserver\) reads .* and YAML 1\.2 as/.test(p.message),
  },
];
