/** Conformance checker for the Mutual Rooms API of any homeserver. */
export { CHECKS } from './checks/index.js';
export { ConformanceError } from './errors.js';
export { loadFixtures, parseFixtures } from './fixtures.js';
export { DEFAULT_BURST, DEFAULT_MAX_RPS, DEFAULT_TIMEOUT_MS, MAX_BURST } from './options.js';
export { formatJson } from './report/json.js';
export { formatJunit } from './report/junit.js';
export { formatSummary } from './report/summary.js';
export { listChecks, runConformance } from './runner.js';
export {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  type CheckStatus,
  type ConformanceOptions,
  type Failure,
  type Fixtures,
  type FixtureUser,
  type NonJoinRoom,
  type Report,
} from './types.js';
