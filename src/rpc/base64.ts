/** Standard base64 (with padding) of bytes, on btoa so that it runs in browsers as in Node. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  // Chunks keep fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Bytes of a standard base64 string; throws on anything else. */
export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
