/**
 * Lists every room that the owner of an access token shares with another user, across all
 * pages, then shows the MatrixError that a bad request gets. It imports only the package's public
 * `mutual-rooms/client` export, so run `npm run build` first.
 *
 *   MATRIX_BASE_URL=http://127.0.0.1:8008 MATRIX_ACCESS_TOKEN=mr_… \
 *     node scripts/examples/list-mutual-rooms.mjs @bob:demo.example
 *
 * Exit codes: 0 when both steps behave as described, 1 otherwise, 2 for wrong usage.
 */
import { createMutualRoomsClient, MatrixError } from 'mutual-rooms/client';

const USAGE =
  'usage: MATRIX_BASE_URL=<homeserver URL> MATRIX_ACCESS_TOKEN=<token> node list-mutual-rooms.mjs <user ID>';

const userId = process.argv[2];
const baseUrl = process.env.MATRIX_BASE_URL;
const accessToken = process.env.MATRIX_ACCESS_TOKEN;
if (userId === undefined || !baseUrl || !accessToken) {
  console.error(USAGE);
  process.exit(2);
}

const client = createMutualRoomsClient({ baseUrl, accessToken });

// Every mutual room: the client follows next_batch until the last page.
const { joined, count } = await client.listMutualRooms(userId, { signal: AbortSignal.timeout(60_000) });
console.log(`${count} mutual rooms with ${userId}:`);
for (const roomId of joined) {
  console.log(`  ${roomId}`);
}

// A user_id that is not a user ID gets 400 from the server, so the client throws a MatrixError.
try {
  await client.getMutualRooms('not-a-user-id');
  console.error('the bad request unexpectedly succeeded');
  process.exitCode = 1;
} catch (error) {
  if (!(error instanceof MatrixError)) {
    throw error;
  }
  console.log(`bad request: HTTP ${error.status} ${error.errcode}: ${error.error}`);
}
