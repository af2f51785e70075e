/**
 * One element of a Sec-WebSocket-Extensions header: an extension name and its parameters (a parameter
 * without a value maps to `true`). Same shape as `ExtensionOffer` in zwire/upgrade.
 */
export interface ExtensionOffer {
  name: string;
  params: Map<string, string | true>;
}
