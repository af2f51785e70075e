/**
 * One element of an extensions header as a handshake parsed it (an offer or
 * an answer): its name and parameters (a parameter without a value is
 * `true`). The same shape as zwire/upgrade's ExtensionOffer, declared here so
 * deflate depends on no other layer, under its own name so that no two
 * entries export different types of one name.
 */
export interface ExtensionElement {
  name: string;
  params: Map<string, string | true>;
}
