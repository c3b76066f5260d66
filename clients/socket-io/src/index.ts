// The socket.io driver through socket.io-client (placeholder until implemented).
import type { Driver, DriverSink, DriverTask } from "@wsarena/driver-frame";

export function createSocketIoDriver(_task: DriverTask, _sink: DriverSink): Driver {
  throw new Error("the socket.io driver is not implemented yet");
}
