import { describe, expect, it } from "vitest";
import { parseProvisionOutput } from "../../test/env/provision.js";

describe("parseProvisionOutput", () => {
  const cases = [
    {
      reason: "every component on its own line",
      stdout: "ETCD=/c/etcd\nKUBE_APISERVER=/c/kube-apiserver\nHELM=/c/helm\nMOTO_SERVER=/c/moto_server\n",
      expected: {
        etcd: "/c/etcd",
        kubeApiserver: "/c/kube-apiserver",
        helm: "/c/helm",
        motoServer: "/c/moto_server",
      },
    },
    {
      reason: "the rule tester and the browsers of the report and completion tests",
      stdout: "PROMTOOL=/c/promtool\nCHROMIUM=/usr/bin/chromium\nZSH=/usr/bin/zsh\n",
      expected: { promtool: "/c/promtool", chromium: "/usr/bin/chromium", zsh: "/usr/bin/zsh" },
    },
    {
      reason: "an external moto endpoint leaves the moto path empty",
      stdout: "MOTO_SERVER=\n",
      expected: { motoServer: "" },
    },
    {
      reason: "unknown lines (for example tool chatter) are ignored",
      stdout: "go: downloading x\nETCD=/e\n",
      expected: { etcd: "/e" },
    },
  ];
  it.each(cases)("$reason", ({ stdout, expected }) => {
    expect(parseProvisionOutput(stdout)).toEqual(expected);
  });
});
