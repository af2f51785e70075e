import { describe, expect, it } from 'vitest';
import {
  acceptOffer,
  acceptResponse,
  createOffer,
  NegotiationError,
  type DeflateOptions,
  type ExtensionElement,
} from '../../src/deflate/index.js';

function el(name: string, params: Record<string, string | true> = {}): ExtensionElement {
  return { name, params: new Map(Object.entries(params)) };
}

function paramsOf(e: ExtensionElement): Record<string, string | true> {
  return Object.fromEntries(e.params);
}

describe('server: acceptOffer', () => {
  it('accepts a bare offer with defaults and answers without parameters', () => {
    const r = acceptOffer([el('permessage-deflate')]);
    expect(r).not.toBeNull();
    expect(r?.response.name).toBe('permessage-deflate');
    expect(paramsOf(r!.response)).toEqual({});
    expect(r?.params).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
  });

  it('matches the extension name case-insensitively and skips other extensions', () => {
    const r = acceptOffer([el('x-webkit-deflate-frame'), el('PerMessage-Deflate', { server_no_context_takeover: true })]);
    expect(paramsOf(r!.response)).toEqual({ server_no_context_takeover: true });
    expect(acceptOffer([el('x-webkit-deflate-frame')])).toBeNull();
    expect(acceptOffer([])).toBeNull();
  });

  const cases: [string, Record<string, string | true>, DeflateOptions, Record<string, string | true> | null][] = [
    ['server_no_context_takeover honoured', { server_no_context_takeover: true }, {}, { server_no_context_takeover: true }],
    ['client_no_context_takeover echoed', { client_no_context_takeover: true }, {}, { client_no_context_takeover: true }],
    ['server imposes its own no_context_takeover', {}, { serverNoContextTakeover: true }, { server_no_context_takeover: true }],
    ['server imposes client_no_context_takeover unoffered', {}, { clientNoContextTakeover: true }, { client_no_context_takeover: true }],
    ['server_max_window_bits offered is answered', { server_max_window_bits: '10' }, {}, { server_max_window_bits: '10' }],
    ['server_max_window_bits lowered by option', { server_max_window_bits: '12' }, { serverMaxWindowBits: 9 }, { server_max_window_bits: '9' }],
    ['server_max_window_bits offered below option', { server_max_window_bits: '9' }, { serverMaxWindowBits: 12 }, { server_max_window_bits: '9' }],
    ['server_max_window_bits 8 offered is honoured', { server_max_window_bits: '8' }, {}, { server_max_window_bits: '8' }],
    ['server announces a smaller own window', {}, { serverMaxWindowBits: 11 }, { server_max_window_bits: '11' }],
    ['client_max_window_bits without value, no limit', { client_max_window_bits: true }, {}, {}],
    ['client_max_window_bits without value, limited', { client_max_window_bits: true }, { clientMaxWindowBits: 10 }, { client_max_window_bits: '10' }],
    ['client_max_window_bits value echoed', { client_max_window_bits: '12' }, {}, { client_max_window_bits: '12' }],
    ['client_max_window_bits value lowered', { client_max_window_bits: '12' }, { clientMaxWindowBits: 9 }, { client_max_window_bits: '9' }],
    ['client_max_window_bits value kept when lower', { client_max_window_bits: '9' }, { clientMaxWindowBits: 12 }, { client_max_window_bits: '9' }],
    ['client limit required but not offered: declined', {}, { clientMaxWindowBits: 10 }, null],
    ['server_max_window_bits without value: declined', { server_max_window_bits: true }, {}, null],
    ['server_max_window_bits=7: declined', { server_max_window_bits: '7' }, {}, null],
    ['server_max_window_bits=16: declined', { server_max_window_bits: '16' }, {}, null],
    ['server_max_window_bits=08 (leading zero): declined', { server_max_window_bits: '08' }, {}, null],
    ['server_max_window_bits=abc: declined', { server_max_window_bits: 'abc' }, {}, null],
    ['client_max_window_bits=7: declined', { client_max_window_bits: '7' }, {}, null],
    ['client_max_window_bits=16: declined', { client_max_window_bits: '16' }, {}, null],
    ['server_no_context_takeover with a value: declined', { server_no_context_takeover: '1' }, {}, null],
    ['client_no_context_takeover with a value: declined', { client_no_context_takeover: 'yes' }, {}, null],
    ['unknown parameter: declined', { mux: true }, {}, null],
    ['same parameter twice in different case: declined', { server_no_context_takeover: true, Server_No_Context_Takeover: true }, {}, null],
  ];
  for (const [name, offered, opts, expected] of cases) {
    it(name, () => {
      const r = acceptOffer([el('permessage-deflate', offered)], opts);
      if (expected === null) expect(r).toBeNull();
      else expect(paramsOf(r!.response)).toEqual(expected);
    });
  }

  it('declines a malformed offer and accepts the next acceptable one', () => {
    const r = acceptOffer([
      el('permessage-deflate', { server_max_window_bits: '20' }),
      el('permessage-deflate', { bogus: true }),
      el('permessage-deflate', { client_max_window_bits: true, server_max_window_bits: '9' }),
      el('permessage-deflate'),
    ], { clientMaxWindowBits: 11 });
    expect(paramsOf(r!.response)).toEqual({ server_max_window_bits: '9', client_max_window_bits: '11' });
    expect(r!.params).toEqual({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: 11 });
  });

  it('rejects invalid local options with a RangeError', () => {
    expect(() => acceptOffer([], { serverMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => acceptOffer([], { clientMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => acceptOffer([], { serverMaxWindowBits: 9.5 })).toThrow(RangeError);
    expect(() => acceptOffer([], { level: 10 })).toThrow(RangeError);
  });
});

describe('client: createOffer', () => {
  it('offers client_max_window_bits without a value by default', () => {
    expect(paramsOf(createOffer())).toEqual({ client_max_window_bits: true });
  });

  it('offers every configured parameter', () => {
    const o = createOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 });
    expect(o.name).toBe('permessage-deflate');
    expect(paramsOf(o)).toEqual({
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: '10',
      client_max_window_bits: '9',
    });
    expect(paramsOf(createOffer({ clientMaxWindowBits: false }))).toEqual({});
  });
});

describe('client: acceptResponse', () => {
  const ok: [string, Record<string, string | true>, DeflateOptions, object][] = [
    ['bare answer', {}, {}, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }],
    ['server_no_context_takeover unrequested', { server_no_context_takeover: true }, {}, { serverNoContextTakeover: true }],
    ['client_no_context_takeover imposed', { client_no_context_takeover: true }, {}, { clientNoContextTakeover: true }],
    ['client_no_context_takeover we offered stays in force', {}, { clientNoContextTakeover: true }, { clientNoContextTakeover: true }],
    ['server announces a smaller window', { server_max_window_bits: '10' }, {}, { serverMaxWindowBits: 10 }],
    ['server_max_window_bits within the offer', { server_max_window_bits: '9' }, { serverMaxWindowBits: 12 }, { serverMaxWindowBits: 9 }],
    ['client_max_window_bits set by server', { client_max_window_bits: '9' }, {}, { clientMaxWindowBits: 9 }],
    ['client_max_window_bits within our value', { client_max_window_bits: '9' }, { clientMaxWindowBits: 10 }, { clientMaxWindowBits: 9 }],
    ['our offered client value stays when not answered', {}, { clientMaxWindowBits: 10 }, { clientMaxWindowBits: 10 }],
  ];
  for (const [name, answered, opts, expected] of ok) {
    it(`accepts: ${name}`, () => {
      expect(acceptResponse([el('permessage-deflate', answered)], opts)).toMatchObject(expected);
    });
  }

  const bad: [string, ExtensionElement[], DeflateOptions][] = [
    ['two permessage-deflate answers', [el('permessage-deflate'), el('permessage-deflate')], {}],
    ['unknown parameter', [el('permessage-deflate', { foo: true })], {}],
    ['client_max_window_bits without a value', [el('permessage-deflate', { client_max_window_bits: true })], {}],
    ['client_max_window_bits not offered', [el('permessage-deflate', { client_max_window_bits: '10' })], { clientMaxWindowBits: false }],
    ['client_max_window_bits above our value', [el('permessage-deflate', { client_max_window_bits: '12' })], { clientMaxWindowBits: 10 }],
    ['server_max_window_bits above the offer', [el('permessage-deflate', { server_max_window_bits: '12' })], { serverMaxWindowBits: 10 }],
    ['server_max_window_bits offered but missing', [el('permessage-deflate')], { serverMaxWindowBits: 10 }],
    ['server_no_context_takeover offered but missing', [el('permessage-deflate')], { serverNoContextTakeover: true }],
    ['server_max_window_bits out of range', [el('permessage-deflate', { server_max_window_bits: '7' })], {}],
    ['no_context_takeover with a value', [el('permessage-deflate', { server_no_context_takeover: 'x' })], {}],
  ];
  for (const [name, answer, opts] of bad) {
    it(`fails the connection: ${name}`, () => {
      expect(() => acceptResponse(answer, opts)).toThrow(NegotiationError);
      try {
        acceptResponse(answer, opts);
      } catch (err) {
        expect((err as NegotiationError).code).toBe('ERR_DEFLATE_NEGOTIATION');
      }
    });
  }

  it('returns null when the server declined', () => {
    expect(acceptResponse([])).toBeNull();
    expect(acceptResponse([el('x-other')])).toBeNull();
  });
});

describe('negotiation round trip over every parameter combination', () => {
  const bool = [undefined, true] as const;
  const clientSide: DeflateOptions[] = [];
  for (const s of bool) for (const c of bool) for (const sb of [undefined, 8, 9, 12, 15]) {
    for (const cb of [undefined, true, false, 8, 10, 15] as const) {
      clientSide.push({ serverNoContextTakeover: s, clientNoContextTakeover: c, serverMaxWindowBits: sb, clientMaxWindowBits: cb });
    }
  }
  const serverSide: DeflateOptions[] = [];
  for (const s of bool) for (const c of bool) for (const sb of [undefined, 8, 10, 15]) for (const cb of [undefined, 9, 15]) {
    serverSide.push({ serverNoContextTakeover: s, clientNoContextTakeover: c, serverMaxWindowBits: sb, clientMaxWindowBits: cb });
  }

  it('the client accepts every server answer and both agree on the parameters', () => {
    let accepted = 0;
    let declined = 0;
    for (const co of clientSide) {
      const offer = createOffer(co);
      for (const so of serverSide) {
        const r = acceptOffer([offer], so);
        if (r === null) {
          declined++;
          // Only a client window the server must limit but the client would not let it limit is declined.
          expect(typeof so.clientMaxWindowBits === 'number' && co.clientMaxWindowBits === false).toBe(true);
          continue;
        }
        accepted++;
        const clientParams = acceptResponse([r.response], co);
        expect(clientParams).toEqual(r.params);
        const p = r.params;
        if (co.serverNoContextTakeover || so.serverNoContextTakeover) expect(p.serverNoContextTakeover).toBe(true);
        if (co.clientNoContextTakeover || so.clientNoContextTakeover) expect(p.clientNoContextTakeover).toBe(true);
        expect(p.serverMaxWindowBits).toBe(Math.min(co.serverMaxWindowBits ?? 15, so.serverMaxWindowBits ?? 15));
        const offeredClient = typeof co.clientMaxWindowBits === 'number' ? co.clientMaxWindowBits : 15;
        const serverLimit = typeof so.clientMaxWindowBits === 'number' ? so.clientMaxWindowBits : 15;
        expect(p.clientMaxWindowBits).toBe(Math.min(offeredClient, serverLimit));
      }
    }
    expect(accepted).toBeGreaterThan(4000);
    expect(declined).toBeGreaterThan(0);
  });
});
