/** The Messages request: schema, parsing with limits, prompt text and feature detection. */
export { detectFeatures, type FeatureReport, type FeatureSource, parseBetas } from './features';
export { jsonNestingExceeds, parseCountTokensRequest, parseMessagesRequest } from './parse';
export { extractPromptText, mapPromptStrings } from './prompt-text';
export {
  type ContentBlock,
  type CountTokensRequest,
  countTokensRequestSchema,
  DEFAULT_MESSAGES_LIMITS,
  MESSAGE_ROLES,
  type MessageParam,
  type MessagesLimits,
  type MessagesRequest,
  messagesRequestSchema,
} from './schema';
