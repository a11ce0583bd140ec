/**
 * PII engine: detection with checksums and context, stable per-tenant tokens, restore (whole and streamed) and the
 * re-identification envelope. Pure code: no SDK imports; KMS is reached through the ports in `../ports`.
 */
export { compileCustomTypes, MAX_PATTERN_LENGTH, MAX_REPEAT, sanitizePattern } from './custom-patterns';
export { detectPii, isBuiltInType, type PreparedDetectOptions, prepareDetectOptions } from './detect';
export {
  kmsContextFor,
  open,
  type ReidentificationEnvelope,
  type SealableReplacement,
  type SealContext,
  seal,
} from './envelope';
export {
  EnvelopeFormatError,
  EnvelopeIntegrityError,
  InvalidCustomTypeError,
  TokenizerConfigError,
  UnsafePatternError,
} from './errors';
export { normalizeValue } from './normalize';
export { recordableText } from './recordable';
export { type RedactionResult, type RedactOptions, type Replacement, redact } from './redact';
export { createStreamingRestorer, restore, type StreamingRestorer, type TokenMapping } from './restore';
export { createTokenizer, TOKEN_HASH_LENGTH, TOKEN_PATTERN, type Tokenizer, type TokenizerOptions } from './tokenizer';
export { type CustomTypeDefinition, type DetectOptions, PII_TYPES, type PiiMatch, type PiiType } from './types';
