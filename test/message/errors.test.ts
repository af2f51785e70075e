import { describe, expect, it } from 'vitest';
import { DeflateError, NegotiationError } from '../../src/deflate/index.js';
import {
  AbnormalClosureError,
  CloseTimeoutError,
  ConnClosedError,
  ConnError,
  DrainTimeoutError,
  HeartbeatTimeoutError,
  MessageTimeoutError,
  NoHubError,
  ZwireError,
} from '../../src/message/index.js';
import { HandshakeError, HeaderParseError, RejectError, UpgradeError } from '../../src/upgrade/index.js';
import { InvalidPayloadError, ProtocolError, TooBigError, WireError } from '../../src/wire/index.js';

describe('one error base', () => {
  it('every error of wire, upgrade, deflate and message is a ZwireError with its code and its name', () => {
    const errors: [Error, string][] = [
      [new ProtocolError('ERR_X', 'x'), 'ERR_X'],
      [new InvalidPayloadError('ERR_INVALID_UTF8', 'x'), 'ERR_INVALID_UTF8'],
      [new TooBigError('ERR_FRAME_TOO_BIG', 'x'), 'ERR_FRAME_TOO_BIG'],
      [new DeflateError('ERR_DEFLATE_DATA', 1007, 'x'), 'ERR_DEFLATE_DATA'],
      [new NegotiationError('x'), 'ERR_DEFLATE_NEGOTIATION'],
      [new RejectError(403), 'ERR_REJECTED'],
      [new UpgradeError('ERR_TIMEOUT', 0, 'x'), 'ERR_TIMEOUT'],
      [new HeaderParseError('x', 3), 'ERR_HEADER_SYNTAX'],
      [new HandshakeError('ERR_UNEXPECTED_STATUS', 'x', { status: 500 }), 'ERR_UNEXPECTED_STATUS'],
      [new ConnClosedError(), 'ERR_CONN_CLOSED'],
      [new CloseTimeoutError(1), 'ERR_CLOSE_TIMEOUT'],
      [new HeartbeatTimeoutError(1), 'ERR_HEARTBEAT_TIMEOUT'],
      [new AbnormalClosureError(), 'ERR_ABNORMAL_CLOSURE'],
      [new DrainTimeoutError(1), 'ERR_DRAIN_TIMEOUT'],
      [new MessageTimeoutError(1), 'ERR_MESSAGE_TIMEOUT'],
      [new NoHubError(), 'ERR_NO_HUB'],
    ];
    for (const [err, code] of errors) {
      expect(err).toBeInstanceOf(ZwireError);
      expect((err as ZwireError).code).toBe(code);
      expect(err.name).toBe(err.constructor.name);
    }
    expect(new ProtocolError('ERR_X', 'x')).toBeInstanceOf(WireError);
    expect(new DrainTimeoutError(1)).toBeInstanceOf(ConnError);
  });

  it('closeCode is set exactly on the errors that close a connection', () => {
    const closing: [ZwireError, number][] = [
      [new ProtocolError('ERR_X', 'x'), 1002],
      [new InvalidPayloadError('ERR_INVALID_UTF8', 'x'), 1007],
      [new TooBigError('ERR_MESSAGE_TOO_BIG', 'x'), 1009],
      [new DeflateError('ERR_MESSAGE_TOO_BIG', 1009, 'x'), 1009],
      [new NegotiationError('x'), 1002],
      [new DrainTimeoutError(1), 1008],
      [new MessageTimeoutError(1), 1008],
    ];
    for (const [err, code] of closing) expect(err.closeCode).toBe(code);
    for (const err of [new ConnClosedError(), new RejectError(403), new UpgradeError('ERR_TIMEOUT', 0, 'x'), new AbnormalClosureError()]) {
      expect(err.closeCode).toBeUndefined();
      expect(Object.hasOwn(err, 'closeCode')).toBe(false);
    }
  });
});
