/** The shape of one transcribed Autobahn TestSuite case. */
import type { RawPeer } from '../helpers/raw-peer.js';

/** What Autobahn records as received (its `expected[Case.OK]` list), plus its "timeout" marks. */
export type ExpectedEvent =
  | { type: 'message'; binary: boolean; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'mark'; label: string };

export interface ExpectedClose {
  /**
   * 'tester': the test ends the connection with a close frame (Autobahn's closedByMe = True;
   * the runner sends close 1000 once the expected events arrived unless the case sent its own).
   * 'peer': the peer under test must fail the connection by itself (closedByMe = False).
   */
  initiator: 'tester' | 'peer';
  /** Acceptable codes in the peer's close frame. */
  codes: number[];
  /** A close frame without a status code is acceptable too (only where the RFC allows it). */
  allowEmpty?: boolean;
}

export interface ConformanceCase {
  /** Autobahn case number, e.g. "5.15". */
  id: string;
  description: string;
  /** Sends what the Autobahn case sends; may mark points and take events itself (9.7/9.8). */
  run(peer: RawPeer): Promise<void>;
  /** Events the peer must produce, exactly and in this order (those not taken by run()). */
  expect: ExpectedEvent[];
  close: ExpectedClose;
  /**
   * Autobahn's "informational" outcome: the spec leaves the result open. `expect` then lists the
   * events allowed, and any prefix of it passes.
   */
  informational?: boolean;
  /** Time allowed for the expected events to arrive; default 5 s. */
  timeoutMs?: number;
}
