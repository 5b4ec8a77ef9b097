/**
 * Server name grammar of the Matrix appendices (spec v1.19, "Server Name"):
 *
 *   server_name = hostname [ ":" port ]
 *   port        = 1*5DIGIT
 *   hostname    = IPv4address / "[" IPv6address "]" / dns-name
 *   dns-name    = 1*255dns-char        ; DIGIT / ALPHA / "-" / "."
 */

import { quoteValue } from './quote.js';

const PORT = /^[0-9]{1,5}$/;
const DNS_NAME = /^[0-9A-Za-z.-]{1,255}$/;
const DOTTED_QUAD = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Returns why `value` is not a server name, or undefined when it is one. */
export function serverNameProblem(value: string): string | undefined {
  if (value === '') return 'the server name is empty';

  const { hostname, port } = splitPort(value);
  if (port !== undefined && !PORT.test(port)) {
    return `the port ${quoteValue(port)} of server name ${quoteValue(value)} must be 1 to 5 digits`;
  }
  if (hostname.startsWith('[')) {
    const inner = hostname.endsWith(']') ? hostname.slice(1, -1) : undefined;
    if (inner === undefined || !isIpv6Address(inner)) {
      return `${quoteValue(hostname)} in server name ${quoteValue(value)} is not a bracketed IPv6 address`;
    }
    return undefined;
  }
  if (!DNS_NAME.test(hostname)) {
    return `the hostname ${quoteValue(hostname)} of server name ${quoteValue(value)} may contain only letters, digits, "-" and "."`;
  }
  if (DOTTED_QUAD.test(hostname) && !isIpv4Address(hostname)) {
    return `the IPv4 address ${quoteValue(hostname)} of server name ${quoteValue(value)} has a number above 255`;
  }
  return undefined;
}

/** Tests `value` against the server name grammar. */
export function isServerName(value: string): boolean {
  return serverNameProblem(value) === undefined;
}

/** Splits at the colon before the port: the last colon, unless it is inside IPv6 brackets. */
function splitPort(value: string): { hostname: string; port?: string } {
  const colon = value.lastIndexOf(':');
  if (colon === -1 || colon < value.lastIndexOf(']')) return { hostname: value };
  return { hostname: value.slice(0, colon), port: value.slice(colon + 1) };
}

/** Four decimal numbers from 0 to 255 separated by dots. */
function isIpv4Address(value: string): boolean {
  if (!DOTTED_QUAD.test(value)) return false;
  return value.split('.').every((part) => Number(part) <= 255);
}

/**
 * An IPv6 address in the text forms of RFC 3513 section 2.2: eight groups of 1 to 4 hex digits,
 * at most one "::" standing for one or more zero groups, and optionally an IPv4 address in
 * place of the last two groups.
 */
export function isIpv6Address(value: string): boolean {
  if (!IPV6_CHARS.test(value)) return false;

  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();

  // An embedded IPv4 address may only end the address and counts as two groups.
  let width = all.length;
  const last = all.at(-1);
  if (last?.includes('.')) {
    if (!isIpv4Address(last) || !value.endsWith(last)) return false;
    all.pop();
    width += 1;
  }
  if (!all.every((group) => HEX_GROUP.test(group))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}
