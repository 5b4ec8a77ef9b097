import { maxHeaderSize, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type MatrixError, matrixErrors } from '../matrix/errors.js';
import { CORS_HEADERS } from './cors.js';

/**
 * Maps an error of Node's HTTP parser to a Matrix error, with the status Node 20 itself sends for
 * the code. That is 431 for a request line or headers over the limit, 413 for oversized chunk
 * extensions, 408 for a request that did not arrive in time, and 400 for anything else.
 */
export function clientErrorToMatrixError(code: string | undefined, headerLimit: number): MatrixError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return matrixErrors.tooLarge(
        `Request line and headers exceed the limit of ${headerLimit} bytes; shorten the URL or the headers`,
        431,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return matrixErrors.tooLarge('Chunk extensions of the request body exceed the limit', 413);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return matrixErrors.requestTimeout('The request did not arrive in time; send it again');
    default:
      return matrixErrors.unrecognized('Malformed HTTP request; check the request line and headers', 400);
  }
}

/**
 * Returns a `clientError` listener for an HTTP server. Node calls it for a request its parser
 * rejects, before Express receives the request. The listener sends the Matrix error as JSON with the CORS
 * headers, where Node would send a status line without a body, then closes the connection. A
 * connection reset by the client is only closed.
 */
export function createClientErrorListener(logger: Logger | undefined) {
  return (error: Error & { code?: string }, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || !socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const matrixError = clientErrorToMatrixError(error.code, maxHeaderSize);
    const body = JSON.stringify(matrixError.toBody());
    const head = [
      `HTTP/1.1 ${matrixError.status} ${STATUS_CODES[matrixError.status] ?? ''}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      ...Object.entries(CORS_HEADERS).map(([name, value]) => `${name}: ${value}`),
    ];
    // Destroyed once the response is flushed, as Node's own handler does, so a client that keeps
    // the connection open cannot hold the socket.
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
    // Only the code: the raw packet on the error can contain an access token.
    logger?.info(
      { code: error.code, res: { statusCode: matrixError.status }, errcode: matrixError.errcode },
      'rejected a request that the HTTP parser could not read',
    );
  };
}

/**
 * Tells whether a response on this connection has already sent its headers, so that an error
 * response written now would corrupt it. Node's own handler makes the same check.
 */
function responseStarted(socket: Duplex): boolean {
  // NOTE: `_httpMessage` is an undocumented field of Node's HTTP server sockets (Node 20).
  const response = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  return response?.headersSent === true;
}
