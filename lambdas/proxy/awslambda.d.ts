/**
 * Types for the `awslambda` global that the Node.js Lambda runtime provides to response-streaming functions.
 * No official types package exists; these cover what the proxy uses (AWS Lambda developer guide, "Writing
 * response streaming-enabled Lambda functions"; API Gateway "Lambda proxy integration for response streaming").
 */
import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';

declare global {
  namespace awslambda {
    /** The status line and headers that precede a streamed HTTP body. */
    interface HttpResponseMetadata {
      statusCode: number;
      headers?: Record<string, string>;
      multiValueHeaders?: Record<string, string[]>;
      cookies?: string[];
    }

    /** The writable response stream handed to a streaming handler. */
    type ResponseStream = Writable;

    /** A streaming handler, as written. */
    type StreamingHandler<TEvent> = (event: TEvent, responseStream: ResponseStream, context: Context) => Promise<void>;

    /** Wraps a response stream so that the metadata is sent as the HTTP status and headers before the body. */
    const HttpResponseStream: {
      from(responseStream: ResponseStream, metadata: HttpResponseMetadata): ResponseStream;
    };

    /** Marks a handler as streaming; the runtime then invokes it with a response stream. */
    function streamifyResponse<TEvent>(handler: StreamingHandler<TEvent>): StreamingHandler<TEvent>;
  }
}
