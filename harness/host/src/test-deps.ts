// Test entry's first step (`pnpm test`): installs the Debian packages the tests need (redis-server, nats-server) when
// they are missing, printing what it does; exits 1 with a one-line error and the command when it cannot.
import { spawnSync } from "node:child_process";
import { BROKER_KINDS, BROKERS, findBrokerBinary, installCommand, type BrokerKind } from "./broker.ts";

/** Seconds apt-get waits for the dpkg lock (another install may be running). */
export const APT_LOCK_TIMEOUT_S = 300;

function fail(message: string): never {
  console.error(`test-deps: ${message}`);
  process.exit(1);
}

function apt(args: string[]): void {
  console.log(`test-deps: apt-get ${args.join(" ")}`);
  const r = spawnSync("apt-get", ["-o", `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`, ...args], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.error) fail(`cannot run apt-get (${r.error.message}); install the brokers yourself: ${installCommand(BROKER_KINDS)}`);
  if (r.status !== 0) fail(`apt-get ${args[0]} failed (exit ${r.status}); run as root: ${installCommand(BROKER_KINDS)}`);
}

const missing: BrokerKind[] = BROKER_KINDS.filter((k) => findBrokerBinary(k) === null);
if (missing.length === 0) {
  console.log(`test-deps: ${BROKER_KINDS.map((k) => `${BROKERS[k].binary} ${findBrokerBinary(k)}`).join(", ")}: nothing to install`);
} else {
  const names = missing.map((k) => BROKERS[k].binary).join(", ");
  if (process.getuid?.() !== 0) fail(`${names} missing and this is not root, so they cannot be installed here; run as root: ${installCommand(missing)}`);
  if (spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0)
    fail(
      `${names} missing and apt-get is not available; install the Debian packages ${missing.map((k) => BROKERS[k].debianPackage).join(" ")} or their equivalents`,
    );
  console.log(`test-deps: ${names} missing: installing the Debian packages (the cluster tests start real brokers)`);
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", ...missing.map((k) => BROKERS[k].debianPackage)]);
  const still = missing.filter((k) => findBrokerBinary(k) === null);
  if (still.length) fail(`${still.map((k) => BROKERS[k].binary).join(", ")} still missing after apt-get install: ${installCommand(still)}`);
  console.log(`test-deps: installed ${missing.map((k) => `${BROKERS[k].binary} ${findBrokerBinary(k)}`).join(", ")}`);
}
