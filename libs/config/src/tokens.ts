import { createHash, randomBytes } from 'node:crypto';

// How class tokens are made and digested: the API (roster changes), the CLI (`roster init`) and the
// demo must agree, since a roster file written by one is read by the other.

/** 192 random bits, base64url, after `ty_`: the one way tokens are made (API, CLI, demo). */
export const newToken = () => `ty_${randomBytes(24).toString('base64url')}`;

/** The sha256 digest (32 bytes) of a token's UTF-8: what a roster stores instead of the token. */
export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** hashToken as 64 lower-case hex digits: a roster file's `tokenHash`. */
export const hashTokenHex = (token: string): string => hashToken(token).toString('hex');
