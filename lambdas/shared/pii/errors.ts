/** A custom PII pattern was refused because it is invalid, too long, or could backtrack catastrophically. */
export class UnsafePatternError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UnsafePatternError';
  }
}

/** A custom PII type definition is invalid (bad or reserved name). */
export class InvalidCustomTypeError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidCustomTypeError';
  }
}

/** The tokenizer was configured with an unusable secret or tenant id. */
export class TokenizerConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TokenizerConfigError';
  }
}

/** A re-identification envelope is malformed (missing fields, wrong version or algorithm). */
export class EnvelopeFormatError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'EnvelopeFormatError';
  }
}

/** A re-identification envelope failed authentication: ciphertext, tag, IV or encryption context was altered. */
export class EnvelopeIntegrityError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvelopeIntegrityError';
  }
}
