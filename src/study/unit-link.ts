// The main thread's end of a running unit's MessagePort: hands its rung reports to a listener and
// forwards a stop request to it. Main thread; imports only protocol types from the worker side.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { RungReport } from '../spec/units.js';
import type { StackUnitOutcome, UnitCommand, UnitMessage } from '../worker/protocol.js';

/** The live side of a running unit, for schedulers. */
export interface UnitChannel {
  /** Each rung the unit reaches, on the main thread, while it trains (may arrive after its result). */
  readonly onReport?: (report: RungReport) => void;
  /**
   * Aborting it asks the unit to stop after its current epoch: it then returns its metrics as they
   * are. Unlike aborting the task, this keeps the (warm) worker thread alive.
   */
  readonly stop?: AbortSignal;
}

export interface UnitLink {
  /** The worker's end: put it in the task and in its transferList. */
  readonly port: MessagePort;
  /** Detaches the listener and closes the main thread's end (call when the task settled). */
  close(): void;
}

/** `onOutcome`: a stacked unit's result or error, sent over its port as soon as it ends. */
export function openUnitLink(channel: UnitChannel, onOutcome?: (outcome: StackUnitOutcome) => void): UnitLink {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (message: UnitMessage) => {
    if (message.type === 'intermediate') channel.onReport?.({ epoch: message.epoch, metrics: message.metrics });
    else onOutcome?.(message);
  });
  const stop = channel.stop;
  const onStop = () => port1.postMessage({ type: 'stop' } satisfies UnitCommand);
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  return {
    port: port2,
    close() {
      stop?.removeEventListener('abort', onStop);
      port1.close();
    },
  };
}
