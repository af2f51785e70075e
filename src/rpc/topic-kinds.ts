/**
 * The topic envelope kinds as plain constants, documented where they are
 * public: TopicKind in topic-envelopes.ts. Read through a namespace import for
 * the reason given in kinds.ts.
 */
export const Subscribe = 16;
export const Subscribed = 17;
export const Publication = 18;
export const Unsubscribe = 19;
export const Join = 20;
export const Leave = 21;
export const Presence = 22;
export const Publish = 23;
export const Reset = 24;
