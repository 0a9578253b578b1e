// The worker's end of a unit's MessagePort: sends rung reports to the main thread and reads its stop
// command without blocking (receiveMessageOnPort), so the training loop never awaits. Worker side;
// must not import the store, the CLI, YAML parsing or tfjs.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { RungReport } from '../spec/units.js';
import type { UnitCommand, UnitMessage } from './protocol.js';
import type { UnitControl } from './run-unit.js';

/** A UnitControl over `port`; `close()` when the unit is done, so no late message keeps the port. */
export function portControl(port: MessagePort): UnitControl & { send(message: UnitMessage): void; close(): void } {
  let stopped = false;
  return {
    report(rung: RungReport): void {
      port.postMessage({ type: 'intermediate', ...rung } satisfies UnitMessage);
    },
    stopRequested(): boolean {
      // Drain everything queued: only 'stop' exists today, and once seen it stays seen.
      for (let m = receiveMessageOnPort(port); m !== undefined && !stopped; m = receiveMessageOnPort(port)) {
        if ((m.message as UnitCommand).type === 'stop') stopped = true;
      }
      return stopped;
    },
    send(message: UnitMessage): void {
      port.postMessage(message);
    },
    close(): void {
      port.close();
    },
  };
}
