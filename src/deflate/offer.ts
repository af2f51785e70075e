export type { ExtensionOffer } from '../upgrade/index.js';
