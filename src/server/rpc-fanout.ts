import type { Conn } from '../message/conn.js';
import { Publication } from '../message/publication.js';
import { RESOLVED } from '../message/conn-state.js';
import type { CodecName } from '../rpc/envelope.js';
import type { RpcSocket } from '../rpc/socket.js';
import type { FanoutDelivery, FanoutMember, Frames } from '../rpc/topic-fanout.js';

/** The RPC transport over one Conn; `sharedFrameDelivery` recognises it and queues shared frames on its Conn. */
export class ConnSocket implements RpcSocket {
  constructor(readonly conn: Conn) {}

  /** Nothing when the message layer took the message within its budget: the session then has no promise to watch. */
  send(data: string | Uint8Array): Promise<void> | undefined {
    const p = this.conn.send(data);
    return p === RESOLVED ? undefined : p;
  }

  /** As `send`, written with this turn's shared frames. */
  sendWithTurn(data: string | Uint8Array): Promise<void> | undefined {
    const p = this.conn.sendWithTurn(data);
    return p === RESOLVED ? undefined : p;
  }

  get bufferedAmount(): number {
    return this.conn.bufferedAmount;
  }

  close(code?: number, reason?: string): void {
    this.conn.close(code, reason).catch(noop);
  }
}

/** WebSocket frames of one envelope, built once per codec on first demand. */
class SharedFrames {
  private json: Publication | undefined = undefined;
  private msgpack: Publication | undefined = undefined;

  constructor(readonly frames: Frames) {}

  of(codec: CodecName): Publication {
    return codec === 'json' ? (this.json ??= this.build('json')) : (this.msgpack ??= this.build('msgpack'));
  }

  private build(codec: CodecName): Publication {
    const data = this.frames.encoded(codec);
    return new Publication(data, typeof data !== 'string', true);
  }
}

function write(member: FanoutMember, shared: SharedFrames): void {
  const socket = member.socket;
  if (!(socket instanceof ConnSocket)) {
    socket.send(shared.frames.encoded(member.codec))?.catch(noop);
    return;
  }
  // the message layer's hub path: the same frame queued on every Conn, each socket written once per turn
  if (socket.conn.isOpen) socket.conn.deliver(shared.of(member.codec));
}

/**
 * The RPC server's fan-out delivery: each publication is framed once per
 * codec (and compressed once per kind of compressor without context
 * takeover) and the same bytes are queued on every subscriber's Conn, as the
 * message layer's Hub does; each member's slow-subscriber policy runs first
 * (`admit`). Sockets other than a ConnSocket are sent the encoded envelope.
 */
export const sharedFrameDelivery: FanoutDelivery = {
  publish(members, pub, frames) {
    const shared = new SharedFrames(frames);
    for (const m of members) if (m.admit(pub)) write(m, shared);
  },
  event(members, frames) {
    const shared = new SharedFrames(frames);
    for (const m of members) if (m.admitsEvent()) write(m, shared);
  },
};

function noop(): void {}
