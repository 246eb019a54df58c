/**
 * `make demo` end to end, without a terminal, so the README's second command cannot rot: it
 * starts its own control plane and emulator, applies the examples, waits for Ready and shows a
 * console change repaired from its API call event.
 */
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("make demo", () => {
  it("runs end to end and shows drift repaired", async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "hack/demo.ts"],
        { timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      );
    });
    expect(code, output.slice(-3000)).toBe(0);
    // As test/integration/plan-apply.test.ts counts them (the same examples and organization).
    expect(output).toMatch(
      // The two IamCredentials examples are still waiting for IAM's credential report (progressing).
      /Plan: 59 to create, 8 to update, 1 unchanged, 9 drifted \(ObserveOnly\), 2 progressing, 0 conflict\(s\), 0 error\(s\)\./,
    );
    expect(output).toMatch(/polling every 5m \(the default\) and reading API call events from http/);
    expect(output).toMatch(/all Ready [\d.]+ s after apply/);
    // The demo's baseline: six of its seven CIS recommendations met in dev-1; the default security
    // groups are ObserveOnly and moto's allow all traffic out.
    expect(output).toContain("cis-baseline: 85% compliant");
    expect(output).toMatch(/CIS 1\.2: 1\/1 account\(s\), Security contact information is registered/);
    expect(output).toMatch(
      /CIS 5\.4: 0\/1 account\(s\), The default security group of every VPC restricts all traffic/,
    );
    expect(output).toMatch(/CIS 5\.6: 1\/1 account\(s\), New EC2 instances require IMDSv2 by default/);
    expect(output).toMatch(
      /changed with UpdateAccountPasswordPolicy\(MinimumPasswordLength=6\), which resets every field it does not name: minimum length 6, required classes \[\]/,
    );
    expect(output).toMatch(
      /repaired by orgguard [\d.]+ s after the event, not at its next poll \(in 5m\): minimum length 14, required classes \[symbols, numbers, upper, lower\], reuse prevention 24/,
    );
  }, 300_000);
});
