/**
 * The close codes of in-band admission and expiry as plain constants,
 * documented where they are public: AdmissionClose in admission.ts. Read
 * through a namespace import for the reason given in kinds.ts.
 */
export const BAD_HELLO = 4400;
export const UNAUTHORIZED = 4401;
export const FORBIDDEN = 4403;
export const HELLO_TIMEOUT = 4408;
export const TOO_MANY_REQUESTS = 4429;
export const EXPIRED = 4440;
