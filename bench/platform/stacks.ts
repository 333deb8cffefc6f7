/** The HTTP stacks the platform probe compares: by hand, and Nest on each of its platforms. */
export const STACKS = ['node:http', 'nest-express', 'nest-fastify'] as const;
export type Stack = (typeof STACKS)[number];
