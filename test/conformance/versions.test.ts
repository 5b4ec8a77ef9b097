import { describe, expect, it } from 'vitest';
import {
  compareAdvertisement,
  isRouted,
  isStableVersion,
  type RouteProbe,
} from '../../src/conformance/checks/versions.js';
import type { Exchange } from '../../src/conformance/http.js';

const UNSTABLE = 'uk.half-shot.msc2666.query_mutual_rooms';
const STABLE = 'uk.half-shot.msc2666.query_mutual_rooms.stable';

function probe(stable: boolean, unstable: boolean): RouteProbe {
  return {
    stable: { path: '/_matrix/client/v1/mutual_rooms', routed: stable, response: stable ? '400' : '404' },
    unstable: { path: '/unstable', routed: unstable, response: unstable ? '400' : '404' },
  };
}

describe('compareAdvertisement', () => {
  it.each([
    {
      name: 'both routed and advertised by flags',
      versions: ['v1.18'],
      features: { [UNSTABLE]: true, [STABLE]: true },
      stable: true,
      unstable: true,
      failing: [],
    },
    {
      name: 'stable advertised by v1.19',
      versions: ['v1.19'],
      features: {},
      stable: true,
      unstable: false,
      failing: [],
    },
    {
      name: 'stable advertised by v1.20',
      versions: ['v1.20'],
      features: {},
      stable: true,
      unstable: false,
      failing: [],
    },
    {
      name: 'stable advertised by v2.0',
      versions: ['v2.0'],
      features: {},
      stable: true,
      unstable: false,
      failing: [],
    },
    {
      name: 'nothing routed, nothing advertised',
      versions: ['v1.18'],
      features: {},
      stable: false,
      unstable: false,
      failing: [],
    },
    {
      name: 'flag false counts as not advertised',
      versions: ['v1.18'],
      features: { [UNSTABLE]: false },
      stable: false,
      unstable: false,
      failing: [],
    },
    {
      name: 'unstable flag, path unrouted',
      versions: ['v1.18'],
      features: { [UNSTABLE]: true },
      stable: false,
      unstable: false,
      failing: [UNSTABLE],
    },
    {
      name: 'unstable path routed, no flag',
      versions: ['v1.18'],
      features: {},
      stable: false,
      unstable: true,
      failing: [UNSTABLE],
    },
    {
      name: 'stable flag, path unrouted',
      versions: ['v1.18'],
      features: { [STABLE]: true },
      stable: false,
      unstable: false,
      failing: ['stable endpoint'],
    },
    {
      name: 'v1.19, stable path unrouted',
      versions: ['v1.19'],
      features: {},
      stable: false,
      unstable: false,
      failing: ['stable endpoint'],
    },
    {
      name: 'stable path routed, not advertised',
      versions: ['v1.18', 'r0.6.1'],
      features: {},
      stable: true,
      unstable: false,
      failing: ['stable endpoint'],
    },
  ])('$name', ({ versions, features, stable, unstable, failing }) => {
    const failures = compareAdvertisement({ versions, unstable_features: features }, probe(stable, unstable));
    expect(failures.map((failure) => failure.case)).toEqual(failing);
  });
});

describe('isStableVersion', () => {
  it.each([
    { given: 'v1.19', want: true },
    { given: 'v1.100', want: true },
    { given: 'v2.0', want: true },
    { given: 'v1.18', want: false },
    { given: 'v1.9', want: false },
    { given: 'r0.6.1', want: false },
    { given: 'v1.19.1', want: false },
  ])('$given is $want', ({ given, want }) => {
    expect(isStableVersion(given)).toBe(want);
  });
});

function exchange(status: number, body?: unknown): Exchange {
  return {
    source: 'test',
    method: 'GET',
    target: '/x',
    path: '/x',
    status,
    headers: {},
    text: body === undefined ? 'Not Found' : JSON.stringify(body),
    json: body,
    isJson: body !== undefined,
  };
}

describe('isRouted', () => {
  it.each([
    { name: '400', given: exchange(400, { errcode: 'M_INVALID_PARAM' }), want: true },
    { name: '405', given: exchange(405, { errcode: 'M_UNRECOGNIZED' }), want: true },
    { name: '404 M_NOT_FOUND', given: exchange(404, { errcode: 'M_NOT_FOUND' }), want: true },
    { name: '404 M_UNRECOGNIZED', given: exchange(404, { errcode: 'M_UNRECOGNIZED' }), want: false },
    { name: '404 without JSON', given: exchange(404), want: false },
  ])('$name is $want', ({ given, want }) => {
    expect(isRouted(given)).toBe(want);
  });
});
