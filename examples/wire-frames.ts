/**
 * The wire layer without sockets: encode frames as a client sends them (masked),
 * feed the bytes to a FrameParser in arbitrary pieces, and read back headers and
 * payloads, unmasked in place.
 *   npx tsx examples/wire-frames.ts
 */
import { encodeFrame, FrameParser, Opcode, parseClosePayload, ProtocolError } from '../src/wire/index.js';

const bytes = Buffer.concat([
  ...encodeFrame(Opcode.Text, 'hello, ', { fin: false, mask: true }),
  ...encodeFrame(Opcode.Continuation, 'wire', { mask: true }),
  ...encodeFrame(Opcode.Ping, Buffer.from('are you there?'), { mask: true }),
  ...encodeFrame(Opcode.Close, Buffer.from([0x03, 0xe8, ...Buffer.from('bye')]), { mask: true }),
]);

const parser = new FrameParser({ role: 'server', maxFrameSize: 1 << 20 });
let payload: Buffer[] = [];
// Three bytes at a time: the parser resumes anywhere, even inside a header.
for (let at = 0; at < bytes.length; at += 3) {
  parser.push(bytes.subarray(at, at + 3));
  for (let event = parser.next(); event !== FrameParser.NEED_MORE; event = parser.next()) {
    const h = parser.header;
    if (event === FrameParser.HEADER) {
      console.log(`frame opcode=${h.opcode} fin=${h.fin} masked=${h.masked} length=${h.length}`);
      payload = [];
    } else {
      payload.push(Buffer.from(parser.data)); // parser.data is a view: copy what you keep
      if (parser.remaining > 0) continue;
      const body = Buffer.concat(payload);
      if (h.opcode === Opcode.Close) {
        const { code, reason } = parseClosePayload(body);
        console.log(`  close ${code} ${reason}`);
      } else {
        console.log(`  payload ${JSON.stringify(body.toString())}`);
      }
    }
  }
}

// A server must refuse an unmasked client frame: the error carries the close code to send.
const strict = new FrameParser({ role: 'server' });
strict.push(Buffer.concat(encodeFrame(Opcode.Text, 'not masked')));
try {
  strict.next();
} catch (err) {
  if (err instanceof ProtocolError) console.log(`rejected: ${err.code} -> close ${err.closeCode}`);
}
