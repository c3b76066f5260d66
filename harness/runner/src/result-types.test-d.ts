// Compile-time drift check: the zod schemas that mirror @wsarena/loadgen result types (the runtime validators of result
// files) must infer exactly those types. `tsc` (pnpm typecheck, part of pnpm test) fails here when either side changes.
import type { ClientCpu, ConnectSummary, IntegrityCounts, LatencySummary } from "@wsarena/loadgen";
import type { ClientCpuRecord, ConnectRecord, IntegrityRecord, LatencySummaryRecord } from "@wsarena/results";

/** True when A and B are the same type (not merely assignable either way). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only for `true`. */
type Assert<T extends true> = T;

export type LatencySummaryMirrorsLoadgen = Assert<Equals<LatencySummaryRecord, LatencySummary>>;
export type IntegrityMirrorsLoadgen = Assert<Equals<IntegrityRecord, IntegrityCounts>>;
export type ConnectMirrorsLoadgen = Assert<Equals<ConnectRecord, ConnectSummary>>;
export type ClientCpuMirrorsLoadgen = Assert<Equals<ClientCpuRecord, ClientCpu>>;
