import { discoverStacks, launchServer } from "@wsarena/runner";
const st = discoverStacks().find((s) => s.id === process.argv[2])!;
const srv = await launchServer(st, { cpus: "0" });
console.log(srv.wsUrl, srv.pid);
process.on("SIGTERM", async () => { await srv.stop(); process.exit(0); });
setInterval(() => {}, 1000);
