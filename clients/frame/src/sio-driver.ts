// The frame driver over Engine.IO v4 / socket.io v5 packets (placeholder until implemented).
import type { Driver, DriverSink, DriverTask } from "./contract.ts";

export function createSioFrameDriver(_task: DriverTask, _sink: DriverSink): Driver {
  throw new Error("the frame driver does not speak socket.io yet: use --driver socket.io");
}
