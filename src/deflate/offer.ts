/**
 * One extension offer as a handshake parsed it: its name and parameters (a
 * parameter without a value is `true`). The same shape as zwire/upgrade's
 * ExtensionOffer, declared here so deflate depends on no other layer.
 */
export interface ExtensionOffer {
  name: string;
  params: Map<string, string | true>;
}
