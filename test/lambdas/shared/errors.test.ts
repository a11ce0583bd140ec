import {
  ApiError,
  AuthenticationError,
  asGatewayError,
  errorBody,
  InvalidRequestError,
  ModelNotAvailableError,
  NotFoundError,
  OverloadedError,
  PermissionError,
  RateLimitError,
  RequestTooLargeError,
  ServiceUnavailableError,
} from '../../../lambdas/shared/errors';

describe('gateway errors', () => {
  it.each([
    [new InvalidRequestError('x'), 400, 'invalid_request_error'],
    [new AuthenticationError('x'), 401, 'authentication_error'],
    [new PermissionError('x', 'zdr_feature_not_opted_in'), 403, 'permission_error'],
    [new ModelNotAvailableError('x', 'model_not_allowed'), 404, 'not_found_error'],
    [new NotFoundError('x'), 404, 'not_found_error'],
    [new RequestTooLargeError('x'), 413, 'request_too_large'],
    [new RateLimitError('x'), 429, 'rate_limit_error'],
    [new ApiError('x'), 500, 'api_error'],
    [new ServiceUnavailableError('x'), 503, 'api_error'],
    [new OverloadedError('x'), 529, 'overloaded_error'],
  ])('%s maps to %i %s', (error, status, type) => {
    expect(error.status).toBe(status);
    expect(error.type).toBe(type);
  });

  it('a refused model is a policy denial (PermissionError) answered as not found', () => {
    const refused = new ModelNotAvailableError('Model "gpt-4" is not allowed', 'model_not_allowed');
    expect(refused).toBeInstanceOf(PermissionError);
    expect(refused.reason).toBe('model_not_allowed');
  });

  it("renders Anthropic's error body with the request id", () => {
    expect(errorBody(new NotFoundError('Unknown route: GET /v2/x'), 'req_abc12345')).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'Unknown route: GET /v2/x' },
      request_id: 'req_abc12345',
    });
  });

  it('never echoes the text of an unexpected error', () => {
    const mapped = asGatewayError(new Error('ECONNREFUSED while sending jane@example.com'));
    expect(mapped.status).toBe(500);
    expect(mapped.message).not.toContain('jane@example.com');
  });
});
