import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The files a local kube-apiserver needs for TLS, authentication and service-account tokens. */
export interface ControlPlaneCerts {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  adminToken: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync("openssl", args, { cwd });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`openssl ${args[0]} failed (is openssl installed?): ${stderr.trim()}`);
  }
}

/** Creates a CA, a serving certificate for loopback, a service-account key pair and an admin token. */
export async function createControlPlaneCerts(dir: string): Promise<ControlPlaneCerts> {
  const p = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "30",
      "-subj",
      "/CN=orgguard-test-ca",
    ],
    dir,
  );
  await openssl(
    ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver"],
    dir,
  );
  await writeFile(
    p("server.ext"),
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n",
  );
  await openssl(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-out",
      "server.crt",
      "-days",
      "30",
      "-extfile",
      "server.ext",
    ]),
    dir,
  );
  await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"], dir);
  await openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  const adminToken = randomBytes(24).toString("hex");
  // Static token file format: token,user,uid,"group1,group2".
  await writeFile(p("tokens.csv"), `${adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });
  return {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("server.crt"),
    servingKey: p("server.key"),
    serviceAccountKey: p("sa.key"),
    serviceAccountPub: p("sa.pub"),
    tokenFile: p("tokens.csv"),
    adminToken,
  };
}
