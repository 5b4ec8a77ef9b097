export {
  createMutualRoomsClient,
  type GetMutualRoomsOptions,
  type MutualRoomsClient,
  type MutualRoomsList,
  type RequestOptions,
} from './client.js';
export type { MutualRoomsEndpoint, MutualRoomsResponse, VersionsResponse } from './endpoints.js';
export {
  InvalidResponseError,
  MatrixError,
  MatrixNetworkError,
  PaginationLoopError,
  UnsupportedServerError,
} from './errors.js';
export type { TokenPlacement } from './middleware.js';
export type { MutualRoomsClientOptions } from './options.js';
export type { RetryEvent, RetryOptions } from './retry.js';
