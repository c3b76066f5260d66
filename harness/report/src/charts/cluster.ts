// pubsub-cluster charts: cross-process against single-process delivery latency per stack and broker, and the broker's own CPU and RSS.
import { detailsOf, type ClusterDetails } from "@wsarena/results";
import { fmtBytes, fmtPct, fmtUs } from "../format.ts";
import { isMeasured, pointLabel, type PointView, type ReportInput } from "../model.ts";
import { barChartOption, hatchedCaption, type BarStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";
import { pointBar } from "./unranked.ts";

/** Scenario id of the cluster points. */
export const CLUSTER_SCENARIO = "pubsub-cluster" as const;

function bars(
  pts: PointView[],
  value: (d: ClusterDetails) => number | null | undefined,
): { categories: string[]; series: { stack: string; values: (BarStat | null)[] }[] } {
  const categories = [...new Set(pts.map(pointLabel))];
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  return {
    categories,
    series: stacks.map((stack) => ({
      stack,
      values: categories.map((c) => {
        const p = pts.find((q) => q.stack === stack && pointLabel(q) === c);
        const vs = (p?.reps ?? [])
          .map((r) => detailsOf(CLUSTER_SCENARIO, r))
          .map((d) => (d ? value(d) : null))
          .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
        return p ? pointBar(p, vs) : null;
      }),
    })),
  };
}

/** Cross-process p99 (cluster points) beside the same receivers on one process ("1proc"), and the broker's CPU and RSS; [] without cluster points. */
export function clusterCharts(input: ReportInput): ChartSpec[] {
  const pts = input.points.filter((p) => p.scenario === CLUSTER_SCENARIO && isMeasured(p));
  if (pts.length === 0) return [];
  const cross = (d: ClusterDetails) => d.receivers.find((g) => g.group === "other-processes")?.latency?.p99Us;
  const latency = bars(pts, cross);
  const out: ChartSpec[] = [
    {
      name: "cluster-latency",
      title: "Pub/sub across processes: p99 delivery latency",
      caption: `p99 latency of the receivers on the processes without the publisher: through the broker in the cluster points (redis-2proc, nats-2proc), on the same single process in 1proc, at the same load. Mean over repetitions, whiskers min–max; lower is better. † shared-core: the processes and the broker shared the server core.${hatchedCaption(latency.series)}`,
      width: DEFAULT_CHART_WIDTH,
      height: DEFAULT_CHART_HEIGHT,
      option: barChartOption({ ...latency, yName: "p99 latency", logY: false, format: fmtUs }),
    },
  ];
  const brokerPts = pts.filter((p) => p.reps.some((r) => detailsOf(CLUSTER_SCENARIO, r)?.brokerUsage));
  if (brokerPts.length) {
    const cpu = bars(brokerPts, (d) => d.brokerUsage?.cpuPct);
    const rss = bars(brokerPts, (d) => d.brokerUsage?.rssBytesMax);
    out.push(
      {
        name: "cluster-broker-cpu",
        title: "Broker CPU during the cluster window",
        caption: `The broker process's own CPU over the measured window (from /proc), % of one core. Mean over repetitions, whiskers min–max.${hatchedCaption(cpu.series)}`,
        width: DEFAULT_CHART_WIDTH,
        height: DEFAULT_CHART_HEIGHT,
        option: barChartOption({ ...cpu, yName: "broker CPU", logY: false, format: (v) => fmtPct(v / 100) }),
      },
      {
        name: "cluster-broker-rss",
        title: "Broker memory during the cluster window",
        caption: `The broker process's highest RSS over the measured window (from /proc). Mean over repetitions, whiskers min–max.${hatchedCaption(rss.series)}`,
        width: DEFAULT_CHART_WIDTH,
        height: DEFAULT_CHART_HEIGHT,
        option: barChartOption({ ...rss, yName: "broker RSS", logY: false, format: fmtBytes }),
      },
    );
  }
  return out;
}
