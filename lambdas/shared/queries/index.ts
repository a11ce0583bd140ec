/** Named compliance queries: definitions, parameters, dialects and rendering. */
export * from './definitions';
export * from './dialect';
export * from './params';
export * from './render';
