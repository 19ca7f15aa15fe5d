export const PROCESSORS = ['default', 'fallback'] as const;
export type ProcessorName = (typeof PROCESSORS)[number];
